"""The ``forum`` spider: forum index -> boards -> threads -> thread pages.

``scrapy crawl forum -a url=URL`` (an index, a board or a thread) or
``-a urls_file=PATH`` (one URL per line); ``-a engine=NAME`` skips detection. Each page
is read once by :func:`~forumcrawl.document.read_document`; what it finds becomes items
and follow-up requests. Problems are logged, counted in stats under ``forumcrawl/``, and
those that mean the run did not do its job are listed in ``forumcrawl/failures``, which
makes ``scrapy crawl`` exit non-zero.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from ..document import PageError, UnknownEngine, read_document
from ..engines.base import PAGE_THREAD
from ..normalize import board_items, page_items, site_id_for, site_item
from ..runs import FAILURES
from ..sites import SitesFileError, config_for, load_sites, site_defaults


class ForumSpider(scrapy.Spider):
    name = "forum"

    def __init__(self, url: str | None = None, urls_file: str | None = None,
                 engine: str | None = None, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        urls = [url] if url else []
        if urls_file:
            lines = Path(urls_file).read_text(encoding="utf-8").splitlines()
            urls += [line.strip() for line in lines if line.strip() and not line.startswith("#")]
        if not urls:
            raise ValueError("give a forum, board or thread URL: -a url=URL or -a urls_file=PATH")
        self.seed_urls = urls
        self.engine_name = engine
        self.allowed_domains = sorted({urlsplit(u).hostname for u in urls if urlsplit(u).hostname})
        self._sites_seen: set[str] = set()

    @property
    def sites(self) -> dict:
        """Per-site settings from ``FORUMCRAWL_SITES`` (loaded once; errors stop the run)."""
        if not hasattr(self, "_sites"):
            settings = self.crawler.settings
            self._sites = load_sites(settings.get("FORUMCRAWL_SITES"), site_defaults(settings))
        return self._sites

    async def start(self) -> AsyncIterator[scrapy.Request]:
        try:
            self.sites
        except SitesFileError as exc:
            self.fail("bad_sites_file", str(exc))
            return
        for url in self.seed_urls:
            yield scrapy.Request(url, callback=self.parse, errback=self.on_error,
                                 meta={"forumcrawl_seed": True})

    # ---------------------------------------------------------------- failures
    def fail(self, reason: str, message: str) -> None:
        """Record something that makes this run a failure (and the exit status non-zero)."""
        self.logger.error(message)
        failures = self.crawler.stats.get_value(FAILURES) or []
        self.crawler.stats.set_value(FAILURES, [*failures, f"{reason}: {message}"])

    def html_fallback(self, request: scrapy.Request) -> scrapy.Request | None:
        """An API URL that failed (JSON off, or blocked) is asked again as its HTML page."""
        parts = urlsplit(request.url)
        if not parts.path.endswith(".json") or request.meta.get("forumcrawl_fallback"):
            return None
        self.crawler.stats.inc_value("forumcrawl/json_fallback")
        html_url = urlunsplit(parts._replace(path=parts.path.removesuffix(".json")))
        self.logger.warning("%s unavailable; reading the HTML view %s instead", request.url, html_url)
        return request.replace(url=html_url, meta={**request.meta, "forumcrawl_fallback": True})

    def on_error(self, failure: Failure):
        request = failure.request
        fallback = self.html_fallback(request)
        if fallback is not None:
            yield fallback
            return
        self.crawler.stats.inc_value("forumcrawl/errors/download")
        message = f"download failed for {request.url}: {failure.getErrorMessage()}"
        if request.meta.get("forumcrawl_seed"):
            self.fail("seed_unreachable", message)
        else:
            self.logger.error(message)

    # ---------------------------------------------------------------- parsing
    def parse(self, response: Response) -> Iterator:
        stats = self.crawler.stats
        seed = response.meta.get("forumcrawl_seed", False)
        if response.status >= 400 and (fallback := self.html_fallback(response.request)):
            yield fallback
            return
        if response.status >= 400:
            stats.inc_value(f"forumcrawl/errors/http_{response.status}")
            message = f"HTTP {response.status} for {response.url}"
            self.fail("seed_unreachable", message) if seed else self.logger.error(message)
            return
        if not isinstance(response, TextResponse):
            stats.inc_value("forumcrawl/errors/not_html")
            message = f"not an HTML page: {response.url} ({response.headers.get('Content-Type')})"
            self.fail("not_a_forum", message) if seed else self.logger.error(message)
            return
        if "dataloss" in response.flags:
            stats.inc_value("forumcrawl/errors/truncated")
            self.logger.error("truncated download (data loss) for %s; nothing stored from it",
                              response.url)
            return
        try:
            content_type = response.headers.get("Content-Type", b"").decode("latin-1")
            site = config_for(self.sites, response.url)
            engine = self.engine_name or (site.engine if site else None)
            doc = read_document(response.body, response.url, content_type=content_type or None,
                                engine=engine)
        except UnknownEngine as exc:
            stats.inc_value("forumcrawl/errors/unknown_engine")
            message = f"{response.url}: {exc}"
            self.fail("unknown_engine", message) if seed else self.logger.error(message)
            return
        except PageError as exc:
            stats.inc_value(f"forumcrawl/errors/{exc.reason}")
            if exc.reason == "no_posts":
                self.fail("thread_without_posts", str(exc))
            elif seed:
                self.fail(exc.reason, f"{response.url}: {exc}")
            else:
                self.logger.error("%s: %s; nothing stored from it", response.url, exc)
            return

        if doc.charset_corrected:
            stats.inc_value("forumcrawl/charset_corrected")
            self.logger.warning("%s: declared %s but bytes are UTF-8; read as UTF-8",
                                response.url, response.encoding)
        stats.inc_value(f"forumcrawl/pages/{doc.kind}")
        site_id = site_id_for(response.url)
        if site_id not in self._sites_seen:
            self._sites_seen.add(site_id)
            self.logger.info("%s: engine %s (%s)", site_id, doc.detection.engine.name,
                             "; ".join(doc.detection.evidence))
            yield site_item(response.url, doc.detection.engine.name, doc.detection.evidence,
                            doc.language)

        if doc.kind == PAGE_THREAD:
            page = doc.thread
            listing = response.meta.get("forumcrawl_listing")
            if listing is not None:
                page.thread.reply_count = listing.reply_count
                page.thread.last_post = listing.last_post
            fetched = datetime.now(timezone.utc)
            yield from page_items(page, response.url, fetched)
            if page.next_url:
                yield response.follow(page.next_url, callback=self.parse, errback=self.on_error)
            for url in page.more_urls:
                yield response.follow(url, callback=self.parse, errback=self.on_error)
            return

        page = doc.board
        yield from board_items(page, response.url)
        for board in page.boards:
            yield response.follow(board.url, callback=self.parse, errback=self.on_error)
        for link in page.threads:
            yield response.follow(link.url, callback=self.parse, errback=self.on_error,
                                  meta={"forumcrawl_listing": link})
        if page.next_url:
            yield response.follow(page.next_url, callback=self.parse, errback=self.on_error)
