"""The storage pipeline: batched upserts into SQLite.

Items arrive read, normalised and validated by the page-reading service; this pipeline
only gathers their rows (:class:`~forumcrawl.storage.rows.Batch`) and writes them, one
transaction per ``FORUMCRAWL_BATCH_SIZE`` items. A batch is written only at the end of
a page (its ``PageItem``), so a page's rows, its archive record and its thread's
watermark always commit together.

When a write fails (disk full, the file gone read-only, an I/O error) the batch's
transaction is rolled back, the run is failed with one line and the crawl stops: pages
fetched after that could not be stored, and fetching them would only repeat the error.
The next run finds the missing pages from the watermarks and fetches them.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from forumcrawl import settings as defaults
from forumcrawl.crawl.extensions.runs import record_failure
from forumcrawl.items import PageItem
from forumcrawl.shared import PAGES_COMMITTED
from forumcrawl.storage.database import open_db
from forumcrawl.storage.rows import Batch
from forumcrawl.storage.writes import write_batch

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.path = crawler.settings.get("FORUMCRAWL_DB")
        if not self.path:
            raise NotConfigured("FORUMCRAWL_DB is empty")
        self.batch_size = crawler.settings.getint("FORUMCRAWL_BATCH_SIZE", defaults.FORUMCRAWL_BATCH_SIZE)
        self.stats = crawler.stats
        self.db = None
        self.compressor = ThreadPoolExecutor(1, thread_name_prefix="forumcrawl-archive")
        self.batch = Batch(compressor=self.compressor)
        self.signals = crawler.signals
        self.crawler = crawler
        self.broken = False  # storing failed: nothing more is written
        # an idle worker of a shared crawl commits what it holds before it waits for others
        crawler.signals.connect(self.flush, signals.spider_idle)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self, spider=None) -> None:
        self.db = open_db(self.path)

    def process_item(self, item, spider=None):
        if self.broken:
            return item  # the run has already failed and is stopping; the next run stores it
        self.batch.add(item)
        if isinstance(item, PageItem) and len(self.batch) >= self.batch_size:
            self.flush()
        return item

    def flush(self) -> None:
        if not len(self.batch) or self.db is None or self.broken:
            return
        try:
            written = write_batch(self.db, self.batch)
        except (sqlite3.Error, OSError) as exc:
            self.fail(exc)
            return
        self.stats.inc_value("forumcrawl/stored/posts", len(self.batch.posts))
        for site_id, count in Counter(row["site_id"] for row in self.batch.posts.values()).items():
            self.stats.inc_value(f"forumcrawl/stored/posts/{site_id}", count)
        for site_id, count in written.new_posts.items():
            self.stats.inc_value("forumcrawl/stored/new_posts", count)
            self.stats.inc_value(f"forumcrawl/stored/new_posts/{site_id}", count)
        self.stats.inc_value("forumcrawl/stored/pages", len(self.batch.pages))
        self.stats.inc_value("forumcrawl/stored/items", len(self.batch))
        if written.revisions:
            self.stats.inc_value("forumcrawl/stored/revisions", written.revisions)
        if written.vanished:
            self.stats.inc_value("forumcrawl/stored/vanished", written.vanished)
        leases, self.batch = self.batch.leases, Batch(compressor=self.compressor)
        if leases:
            self.signals.send_catch_log(PAGES_COMMITTED, leases=leases)

    def fail(self, exc: BaseException) -> None:
        """Storing failed: say so once, keep nothing half-written, stop fetching."""
        self.broken = True
        message = (
            f"storing {len(self.batch)} items in {self.path} failed ({exc}); the crawl stops here,"
            " what was stored before is kept and the next run fetches the rest"
        )
        logger.error(message)
        record_failure(self.stats, "store_failed", message)
        self.batch = Batch(compressor=self.compressor)
        engine = self.crawler.engine if self.crawler.crawling else None
        if engine is not None and engine.spider is not None:  # (when already closing, this waits for it)
            self._closing = deferred_from_coro(engine.close_spider_async(reason="store_failed"))

    def close_spider(self, spider=None) -> None:
        try:
            self.flush()
        finally:
            self.compressor.shutdown()
            if self.db is not None:
                self.db.close()
                self.db = None
