"""Politeness beyond Scrapy's defaults: Retry-After, Crawl-delay, and sites that block us.

Scrapy retries a 429 or 503 at once, and ignores robots.txt's ``Crawl-delay``. A site
that says "come back in 120 seconds" and is asked again immediately soon bans the
crawler, so :class:`PoliteMiddleware`:

- reads ``Crawl-delay`` from each robots.txt Scrapy fetches and keeps the site's download
  slot at least that slow (AutoThrottle may slow it further, never speed it past that);
- on a 429/503 with ``Retry-After``, slows the site's slot to that delay before the
  retry goes out (a delay longer than ``FORUMCRAWL_MAX_RETRY_AFTER`` gives up instead);
- recognises challenge and block pages (Cloudflare-style interstitials, "access denied"
  walls) and login walls, records them, and stops sending requests to that site for
  the rest of the run. They are never worked around.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from protego import Protego
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from forumcrawl import settings as defaults
from forumcrawl.crawl.extensions.runs import record_failure
from forumcrawl.reading.gate import CHALLENGE, gated

logger = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def blocked_reason(response: Response) -> str | None:
    """ "challenge" or "login_wall" for a page that is not the forum's content."""
    if response.headers.get("cf-mitigated", b"").lower() == b"challenge":
        return CHALLENGE
    return gated(response.body, response.status)


class PoliteMiddleware(RetryMiddleware):
    """Scrapy's retry middleware, with Retry-After, Crawl-delay and block detection."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler.settings)
        self.crawler = crawler
        self.max_retry_after = crawler.settings.getfloat(
            "FORUMCRAWL_MAX_RETRY_AFTER", defaults.FORUMCRAWL_MAX_RETRY_AFTER
        )
        self.user_agent = crawler.settings.get("USER_AGENT") or "*"
        self.crawl_delays: dict[str, float] = {}
        self.blocked: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PoliteMiddleware:
        return cls(crawler)

    def _slot(self, request: Request):
        downloader = self.crawler.engine.downloader
        return downloader.slots.get(downloader.get_slot_key(request))

    def _slow_down(self, request: Request, delay: float) -> None:
        """Make the site's slot wait at least ``delay`` between requests. Scrapy varies a
        slot's delay by ±50% (RANDOMIZE_DOWNLOAD_DELAY), which would undercut a wait the
        server asked for, so that slot waits exactly its delay from now on."""
        slot = self._slot(request)
        if slot is None:
            return
        if hasattr(slot, "jitter"):  # Scrapy >= 2.14
            slot.jitter = 0.0
        else:
            slot.randomize_delay = False
        if slot.delay < delay:
            slot.delay = delay

    def process_request(self, request: Request, spider=None):
        host = urlsplit(request.url).hostname or ""
        if host in self.blocked and not request.url.endswith("/robots.txt"):
            self.crawler.stats.inc_value("forumcrawl/blocked/skipped_requests")
            raise IgnoreRequest(f"{host} blocked us earlier in this run ({self.blocked[host]})")
        if host in self.crawl_delays:
            self._slow_down(request, self.crawl_delays[host])
        return None

    def process_response(self, request: Request, response: Response, spider=None):
        host = urlsplit(request.url).hostname or ""
        if request.url.endswith("/robots.txt"):
            if response.status == 200:
                self._read_crawl_delay(host, response)
            return response
        reason = blocked_reason(response)
        if reason:
            self._block(host, reason, response)
            raise IgnoreRequest(f"{response.url}: {reason} page")
        if response.status in (429, 503) and not request.meta.get("dont_retry"):
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            if wait is not None:
                if wait > self.max_retry_after:
                    self._block(host, f"asked to come back in {wait:.0f} s", response)
                    raise IgnoreRequest(f"{response.url}: Retry-After {wait:.0f} s")
                self.crawler.stats.inc_value("forumcrawl/retry_after")
                logger.info(
                    "%s: %s, Retry-After %.0f s: slowing %s down to that",
                    response.url,
                    response.status,
                    wait,
                    host,
                )
                self._slow_down(request, wait)
        return super().process_response(request, response)

    def _read_crawl_delay(self, host: str, response: Response) -> None:
        # robots.txt may come as a plain Response (no charset, a replayed file): read its bytes
        text = response.body.decode("utf-8", "replace")
        try:
            delay = Protego.parse(text).crawl_delay(self.user_agent)
        except Exception:  # a robots.txt that does not parse gives no delay
            return
        if delay:
            self.crawl_delays[host] = float(delay)
            self.crawler.stats.set_value(f"forumcrawl/crawl_delay/{host}", float(delay))
            logger.info("%s: robots.txt asks for %s s between requests", host, delay)

    def _block(self, host: str, reason: str, response: Response) -> None:
        if host in self.blocked:
            return
        self.blocked[host] = reason
        stats = self.crawler.stats
        stats.inc_value(f"forumcrawl/blocked/{reason.split()[0]}")
        message = (
            f"{host} stands between us and the forum ({reason}, HTTP {response.status} at "
            f"{response.url}); no more requests to it in this run"
        )
        logger.error(message)
        record_failure(stats, "blocked", message)
