"""Offline crawls: a downloader middleware that answers requests from saved pages.

With ``FORUMCRAWL_REPLAY_DIR`` set, every request is answered from that directory and
nothing goes to the network; a page that is not there is a 404, never a live fetch.
A URL maps to ``<dir>/<host>/<path>``: a path ending in ``/`` reads ``index.html``
inside it, a path without a suffix reads ``<path>.html``, and a query string is part
of the file name (``showthread.php%3Ft=1.html``). A ``urls.tsv`` file in the directory
(``URL<TAB>relative file``) maps any other URL. A sidecar ``<file>.headers`` holds extra
response headers (``Name: value`` lines), e.g. a wrong charset for a test.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import quote, urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request, Response, TextResponse

logger = logging.getLogger(__name__)


class ReplayDirectory:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise FileNotFoundError(f"replay directory {self.root} does not exist")
        self.mapping: dict[str, Path] = {}
        index = self.root / "urls.tsv"
        if index.exists():
            for line in index.read_text(encoding="utf-8").splitlines():
                if line.strip() and not line.startswith("#"):
                    url, _, rel = line.partition("\t")
                    self.mapping[url.strip()] = self.root / rel.strip()

    def path_for(self, url: str) -> Path:
        if url in self.mapping:
            return self.mapping[url]
        parts = urlsplit(url)
        path = parts.path or "/"
        rel = path.lstrip("/")
        if path.endswith("/"):
            rel += "index.html"
        elif "." not in path.rsplit("/", 1)[-1]:
            rel += ".html"
        if parts.query:
            rel += quote("?" + parts.query, safe="") + ".html"
        return self.root / (parts.hostname or "") / rel

    def response(self, request: Request) -> Response:
        path = self.path_for(request.url)
        if not path.is_file():
            return HtmlResponse(request.url, status=404, body=b"", request=request, flags=["replay-miss"])
        headers = {"Content-Type": "application/json" if path.suffix == ".json" else "text/html"}
        sidecar = path.with_name(path.name + ".headers")
        if sidecar.exists():
            for line in sidecar.read_text(encoding="utf-8").splitlines():
                name, _, value = line.partition(":")
                if value:
                    headers[name.strip()] = value.strip()
        if path.name == "robots.txt":
            headers["Content-Type"] = "text/plain"
            return Response(
                request.url,
                status=200,
                headers=headers,
                body=path.read_bytes(),
                request=request,
                flags=["replay"],
            )
        cls = TextResponse if path.suffix == ".json" else HtmlResponse
        return cls(
            request.url,
            status=200,
            headers=headers,
            body=path.read_bytes(),
            request=request,
            flags=["replay"],
        )


class ReplayMiddleware:
    """Serve requests from ``FORUMCRAWL_REPLAY_DIR``; disabled when it is unset."""

    def __init__(self, crawler: Crawler, root: str) -> None:
        self.directory = ReplayDirectory(root)
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReplayMiddleware:
        root = crawler.settings.get("FORUMCRAWL_REPLAY_DIR")
        if not root:
            raise NotConfigured
        return cls(crawler, root)

    def process_request(self, request: Request, spider=None) -> Response:
        response = self.directory.response(request)
        if response.status == 404 and not request.url.endswith("/robots.txt"):
            self.stats.inc_value("forumcrawl/replay/miss")
            logger.warning(
                "replay: no saved page for %s (looked for %s)",
                request.url,
                self.directory.path_for(request.url),
            )
        return response
