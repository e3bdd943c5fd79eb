"""Per-site politeness across every worker of a shared crawl (``forumcrawl/shared/scheduler.py``).

Scrapy's download slots keep the delay and the concurrency per process: two workers
with ``DOWNLOAD_DELAY = 1`` would send a site two requests a second. In a shared crawl
each site's slot lives in Redis instead: before a request leaves, its worker takes a
lease on the site (at most ``CONCURRENT_REQUESTS_PER_DOMAIN`` leases across all
workers) no sooner than the delay after the site's previous request, from any worker.
The delay is the configured one (``DOWNLOAD_DELAY``, moved here by the add-on) or the
longer one this worker's slot was given by robots.txt's Crawl-delay or a Retry-After
(``forumcrawl/crawl/middlewares/retry.py``). A lease ends with the response, or by itself after
``FORUMCRAWL_REDIS_WORKER_TIMEOUT`` (when its worker died holding it; a download slower
than that lets one more request to the site through).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import socket

from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from scrapy.utils.httpobj import urlparse_cached

from forumcrawl import settings as defaults
from forumcrawl.shared import crawl_key

# 0: the lease is taken; otherwise the milliseconds to wait before asking again.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 25 end
local next_at = tonumber(redis.call('GET', KEYS[2]) or '0')
if next_at > now then return next_at - now end
local delay = tonumber(ARGV[2])
redis.call('SET', KEYS[2], now + delay, 'PX', delay + 60000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[3])
return 0
"""

TOKEN = "forumcrawl_site_lease"


class SharedSlotMiddleware:
    """Downloader middleware: take the site's shared lease before the download."""

    def __init__(self, crawler: Crawler) -> None:
        from scrapy_redis.connection import get_redis_from_settings

        settings = crawler.settings
        self.crawler = crawler
        self.server = get_redis_from_settings(settings)
        self.prefix = crawl_key(settings, "site")
        self.delay = settings.getfloat("FORUMCRAWL_SHARED_DELAY")
        self.concurrency = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") or 1
        # as long as a worker may stay silent before it is declared dead: a dead worker's
        # leases must not hold a site longer than its requests are kept from the others
        self.lease_ms = int(
            settings.getfloat("FORUMCRAWL_REDIS_WORKER_TIMEOUT", defaults.FORUMCRAWL_REDIS_WORKER_TIMEOUT)
            * 1000
        )
        self.tokens = (f"{socket.gethostname()}-{os.getpid()}-{n}" for n in itertools.count())
        self._acquire = self.server.register_script(_ACQUIRE)
        self.waiting = 0  # requests of this worker waiting for a site's lease
        crawler.shared_slot = self  # the scheduler takes no more while requests wait here

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedSlotMiddleware:
        return cls(crawler)

    def _site(self, request: Request) -> str:
        return urlparse_cached(request).hostname or ""

    def _delay(self, request: Request) -> float:
        """The configured delay, or the longer one this worker's slot has learnt."""
        downloader = self.crawler.engine.downloader if self.crawler.engine else None
        slot = None
        if downloader is not None:
            slot = downloader.slots.get(request.meta.get("download_slot") or self._site(request))
        return max(self.delay, slot.delay if slot is not None else 0.0)

    async def process_request(self, request: Request, spider=None) -> None:
        site = self._site(request)
        token = next(self.tokens)
        keys = [f"{self.prefix}:{site}:leases", f"{self.prefix}:{site}:next"]
        self.waiting += 1
        try:
            while True:
                wait_ms = int(
                    self._acquire(
                        keys=keys,
                        args=[self.concurrency, int(self._delay(request) * 1000), token, self.lease_ms],
                    )
                )
                if wait_ms == 0:
                    break
                await asyncio.sleep(wait_ms / 1000)
        finally:
            self.waiting -= 1
        request.meta[TOKEN] = (keys[0], token)
        return None

    def _release(self, request: Request) -> None:
        held = request.meta.pop(TOKEN, None)
        if held:
            self.server.zrem(*held)

    def process_response(self, request: Request, response: Response, spider=None) -> Response:
        self._release(request)
        return response

    def process_exception(self, request: Request, exception: Exception, spider=None) -> None:
        self._release(request)
        return None
