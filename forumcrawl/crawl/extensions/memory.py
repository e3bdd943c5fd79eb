"""The garbage collector tuned for a crawl (``FORUMCRAWL_GC_THRESHOLD``).

A crawl allocates a parsed tree, items and rows per page and frees nearly all of it at
once; hardly any of it forms reference cycles. CPython's default thresholds (700
allocations) run a young collection every few hundred objects and a full one, over
every object the process holds (Scrapy, Twisted, lxml's modules), dozens of times a
crawl. At spider start the objects loaded so far are frozen (``gc.freeze``: never
scanned again) and the young generation's threshold raised, so collections come less
often and scan only what the crawl made.
"""

from __future__ import annotations

import gc

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from forumcrawl import settings as defaults


class CollectorTuning:
    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self.before: tuple[int, int, int] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CollectorTuning:
        threshold = crawler.settings.getint("FORUMCRAWL_GC_THRESHOLD", defaults.FORUMCRAWL_GC_THRESHOLD)
        if threshold <= 0:
            raise NotConfigured("FORUMCRAWL_GC_THRESHOLD is 0: CPython's own thresholds")
        ext = cls(threshold)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider) -> None:
        gc.collect()
        gc.freeze()
        self.before = gc.get_threshold()
        gc.set_threshold(self.threshold, *self.before[1:])

    def spider_closed(self, spider) -> None:
        if self.before is not None:
            gc.set_threshold(*self.before)
            gc.unfreeze()
