"""One crawl shared by several ``scrapy crawl forum`` processes through Redis.

``-s FORUMCRAWL_REDIS_URL=redis://host:6379/0`` switches it on (the :class:`SharedCrawl`
add-on does the rest): scrapy-redis's scheduler and duplicate filter keep the frontier
in Redis, so any number of workers, on one machine or several, split the work of one
crawl and no page is fetched twice. Without the setting nothing here is loaded and a
crawl is the single process it always was.

What scrapy-redis does not give, and a crawl run from cron needs:

- **Nothing lost when a worker dies.** scrapy-redis pops a request and forgets it; a
  worker killed with pages in flight takes them along, and their fingerprints keep
  every other worker off them. Here a popped request is *leased*: it stays in Redis
  (``pending``) until the pages it produced are committed to the worker's database
  (:data:`PAGES_COMMITTED`). A worker whose heartbeat stops is declared dead after
  ``FORUMCRAWL_REDIS_WORKER_TIMEOUT`` seconds and its leases go back to the queue.
- **Workers wait for each other.** A worker with an empty queue stays while another
  live worker still holds leases (its pages may add requests), and leaves when the
  whole crawl is done; the last one out deletes the crawl's keys, so the next run
  (tomorrow's cron) starts a fresh frontier instead of finding every URL "seen". It
  leaves a ``done`` mark for ``FORUMCRAWL_REDIS_WORKER_TIMEOUT`` seconds: a worker of the
  same crawl that starts that late stops instead of fetching the crawl again.
- **The redirect rule** of :class:`~forumcrawl.crawl.scheduler.RunDupeFilter`: a redirect
  back into a request's own chain is let through, so a loop ends with an error.

Keys live under ``forumcrawl:<FORUMCRAWL_REDIS_CRAWL>:`` (default ``forum``): workers
of one crawl share the name; two crawls at once need two names.
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import time
import uuid

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request
from scrapy_redis.dupefilter import RFPDupeFilter as RedisDupeFilter
from scrapy_redis.queue import Base as RedisQueue
from scrapy_redis.scheduler import Scheduler as RedisScheduler
from twisted.internet import task

from forumcrawl import settings as defaults
from forumcrawl.shared import LEASE, PAGES_COMMITTED, crawl_key

logger = logging.getLogger(__name__)

# Take the best request and lease it to this worker, in one step.
_POP = """
local top = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #top == 0 then return nil end
redis.call('ZREM', KEYS[1], top[1])
local lease = ARGV[1] .. '|' .. ARGV[2] .. '|' .. top[2]
redis.call('HSET', KEYS[2], lease, top[1])
return {top[1], lease}
"""

# Workers silent for longer than the timeout are dead; the leases of workers that are
# not alive (dead, or gone without finishing) go back to the queue.
_RECLAIM = """
local now = tonumber(ARGV[1])
local timeout = tonumber(ARGV[2])
local alive = {}
local workers = redis.call('HGETALL', KEYS[1])
for i = 1, #workers, 2 do
  if tonumber(workers[i + 1]) < now - timeout then
    redis.call('HDEL', KEYS[1], workers[i])
  else
    alive[workers[i]] = true
  end
end
local moved = 0
local leases = redis.call('HGETALL', KEYS[2])
for i = 1, #leases, 2 do
  local owner, score = string.match(leases[i], '^([^|]*)|[^|]*|(.*)$')
  if not alive[owner] then
    redis.call('HDEL', KEYS[2], leases[i])
    redis.call('ZADD', KEYS[3], score, leases[i + 1])
    moved = moved + 1
  end
end
return moved
"""

# A worker leaves; the last one out of a finished crawl clears it, in the same step (two
# workers leaving at once must not each see the other and both leave the keys behind),
# and marks it done for as long as a late worker of the same crawl may still turn up.
_LEAVE = """
redis.call('HDEL', KEYS[1], ARGV[1])
if ARGV[2] == '1' and redis.call('HLEN', KEYS[1]) == 0 and redis.call('ZCARD', KEYS[2]) == 0
   and redis.call('HLEN', KEYS[3]) == 0 then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
  redis.call('SET', KEYS[5], ARGV[3], 'EX', ARGV[4])
  return 1
end
return 0
"""


def _text(value: bytes | str) -> str:
    """Redis answers bytes unless the client was told to decode (REDIS_DECODE_RESPONSES)."""
    return value.decode() if isinstance(value, bytes) else value


class SharedDupeFilter(RedisDupeFilter):
    """scrapy-redis's duplicate filter with the run filter's redirect rule."""

    def request_seen(self, request: Request) -> bool:
        if request.url in request.meta.get("redirect_urls", ()):
            return False
        return super().request_seen(request)


class LeasedQueue(RedisQueue):
    """A priority queue whose pops are leases, returned when the worker dies."""

    def __init__(self, server, spider, key, serializer=None) -> None:
        super().__init__(server, spider, key, serializer)
        self.pending = key.rsplit(":", 1)[0] + ":pending"
        self.worker = ""
        self._numbers = itertools.count()
        self._pop = server.register_script(_POP)

    def __len__(self) -> int:
        return self.server.zcard(self.key)

    def push(self, request: Request) -> None:
        request.meta.pop(LEASE, None)  # a follow-up request is not its parent's lease
        self.server.zadd(self.key, {self._encode_request(request): -request.priority})

    def pop(self, timeout: int = 0) -> Request | None:
        got = self._pop(keys=[self.key, self.pending], args=[self.worker, next(self._numbers)])
        if not got:
            return None
        request = self._decode_request(got[0])
        request.meta[LEASE] = _text(got[1])
        return request

    def release(self, leases: list[str]) -> None:
        if leases:
            self.server.hdel(self.pending, *leases)

    def leases(self) -> list[str]:
        """Every lease held, by any worker (``worker|n|score``)."""
        return [_text(k) for k in self.server.hkeys(self.pending)]

    def release_all(self) -> int:
        mine = [k for k in self.leases() if k.startswith(f"{self.worker}|")]
        self.release(mine)
        return len(mine)


class SharedScheduler(RedisScheduler):
    """scrapy-redis's scheduler, with worker heartbeats, leases and a shared ending."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedScheduler:
        scheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        settings = crawler.settings
        scheduler.workers_key = crawl_key(settings, "workers")
        scheduler.timeout = settings.getfloat(
            "FORUMCRAWL_REDIS_WORKER_TIMEOUT", defaults.FORUMCRAWL_REDIS_WORKER_TIMEOUT
        )
        scheduler.worker = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        scheduler._reclaim = scheduler.server.register_script(_RECLAIM)
        scheduler._leave = scheduler.server.register_script(_LEAVE)
        scheduler.late = False
        crawler.signals.connect(scheduler.idle, signals.spider_idle)
        crawler.signals.connect(scheduler.committed, PAGES_COMMITTED)
        return scheduler

    def open(self, spider) -> None:
        super().open(spider)
        self.queue.worker = self.worker
        self.done_key = crawl_key(self.crawler.settings, "done")
        done_at = self.server.get(self.done_key)
        self.late = bool(done_at) and not len(self.queue) and not self.server.hlen(self.workers_key)
        if self.late:
            # A worker started after the others had finished the crawl must not begin it
            # again: it would fetch every seed, and what was new, a second time.
            ago = time.time() - float(done_at)
            logger.warning(
                "shared crawl %s finished %.0f s ago; this worker came late and stops"
                " (another FORUMCRAWL_REDIS_CRAWL name starts a new crawl)",
                self.queue.key,
                ago,
            )
            if self.stats:
                self.stats.set_value("forumcrawl/shared/late", 1)
            return
        self.beat()
        moved = self.reclaim()
        if moved:
            logger.info("took back %d requests leased to workers that stopped", moved)
        self.heart = task.LoopingCall(self.beat_and_reclaim)
        self.heart.start(min(1.0, self.timeout / 6), now=False)
        logger.info(
            "shared crawl %s: worker %s, %d requests queued", self.queue.key, self.worker, len(self.queue)
        )

    def beat(self) -> None:
        self.server.hset(self.workers_key, self.worker, time.time())

    def reclaim(self) -> int:
        moved = int(
            self._reclaim(
                keys=[self.workers_key, self.queue.pending, self.queue.key], args=[time.time(), self.timeout]
            )
        )
        if moved and self.stats:
            self.stats.inc_value("forumcrawl/shared/reclaimed", moved)
        return moved

    def beat_and_reclaim(self) -> None:
        try:
            self.beat()
            self.reclaim()
            if len(self.queue):
                self.wake()
        except Exception as exc:  # Redis away for a moment: the next beat tries again
            logger.warning("shared crawl heartbeat failed: %s", exc)

    def wake(self) -> None:
        """Ask the engine for requests now: an idle engine looks again only every 5 s,
        and other workers may have queued requests meanwhile."""
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None:
            slot.nextcall.schedule()

    def enqueue_request(self, request: Request) -> bool:
        if self.late:
            return False
        return super().enqueue_request(request)

    def next_request(self) -> Request | None:
        if self.late:
            return None
        # A request waiting for a site's shared lease means the site is busy: popping more
        # would only hoard them here while other workers have nothing to do.
        slot = getattr(self.crawler, "shared_slot", None)
        if slot is not None and slot.waiting:
            return None
        return super().next_request()

    def committed(self, leases: list[str]) -> None:
        self.queue.release(leases)

    def others_busy(self) -> bool:
        """Another worker holds leases: what it is reading may add requests (a dead
        worker's leases count until :meth:`reclaim` puts them back in the queue)."""
        return any(not lease.startswith(f"{self.worker}|") for lease in self.queue.leases())

    def idle(self, spider=None) -> None:
        """Stay while the crawl is not over: requests queued, or leases held elsewhere
        (by live workers, or by dead ones not yet timed out)."""
        if self.late:
            return
        self.queue.release_all()  # this worker is idle: whatever it leased is finished
        self.reclaim()
        if len(self.queue) or self.others_busy():
            raise DontCloseSpider

    def close(self, reason: str) -> None:
        if self.late:
            return
        if getattr(self, "heart", None) is not None and self.heart.running:
            self.heart.stop()
        finished = reason == "finished"
        if finished:
            self.queue.release_all()
        cleared = self._leave(
            keys=[self.workers_key, self.queue.key, self.queue.pending, self.df.key, self.done_key],
            args=[self.worker, int(finished), time.time(), max(int(self.timeout), 1)],
        )
        if cleared:
            logger.info("shared crawl %s done; its keys are cleared for the next run", self.queue.key)
        elif not finished:  # stopped early: what it held and did not store is for the others
            moved = self.reclaim()
            if moved:
                logger.info("%d unfinished requests returned to the shared queue", moved)
