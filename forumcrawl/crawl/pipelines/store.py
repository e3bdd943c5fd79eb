"""The storage pipeline: batched upserts into SQLite.

Items arrive read, normalised and validated by the page-reading service; this pipeline
only gathers their rows (:class:`~forumcrawl.storage.rows.Batch`) and writes them, one
transaction per ``FORUMCRAWL_BATCH_SIZE`` items. A batch is written only at the end of
a page (its ``PageItem``), so a page's rows, its archive record and its thread's
watermark always commit together.

A batch is written on a thread of its own while the crawl gathers the next one (SQLite
releases the GIL while it works, and its writes were a third of the crawl process's
time): one batch at most is in flight, and the next waits for it to commit, so
batches commit in the order they were gathered. What a commit tells the crawl (stats,
a shared crawl's finished leases, a failure) is taken up on the crawl's thread.

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
from forumcrawl.storage.writes import BackgroundWriter

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
        self.writer: BackgroundWriter | None = None
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
        self.db = open_db(self.path, one_thread=False)
        self.writer = BackgroundWriter(self.db)

    def process_item(self, item, spider=None):
        if self.broken:
            return item  # the run has already failed and is stopping; the next run stores it
        self.batch.add(item)
        if isinstance(item, PageItem) and len(self.batch) >= self.batch_size:
            self.flush(wait=False)
        return item

    def flush(self, wait: bool = True) -> None:
        """Write the gathered batch once the one before it has committed; ``wait``: and
        wait for this one to commit too (an idle shared crawl, the end of the run)."""
        if self.writer is None:
            return
        self._committed()
        if not len(self.batch) or self.broken:
            return
        batch, self.batch = self.batch, Batch(compressor=self.compressor)
        self.writer.submit(batch)  # none in flight: nothing to wait for
        if wait:
            self._committed()

    def _committed(self) -> None:
        """Wait for the batch in flight, if any, and count what it stored."""
        in_flight = self.writer.pending
        try:
            done = self.writer.wait()
        except (sqlite3.Error, OSError) as exc:
            self.fail(exc, in_flight[1])
            return
        if done is None:
            return
        written, batch = done
        self.stats.inc_value("forumcrawl/stored/posts", len(batch.posts))
        for site_id, count in Counter(row["site_id"] for row in batch.posts.values()).items():
            self.stats.inc_value(f"forumcrawl/stored/posts/{site_id}", count)
        for site_id, count in written.new_posts.items():
            self.stats.inc_value("forumcrawl/stored/new_posts", count)
            self.stats.inc_value(f"forumcrawl/stored/new_posts/{site_id}", count)
        self.stats.inc_value("forumcrawl/stored/pages", len(batch.pages))
        self.stats.inc_value("forumcrawl/stored/items", len(batch))
        if written.revisions:
            self.stats.inc_value("forumcrawl/stored/revisions", written.revisions)
        if written.vanished:
            self.stats.inc_value("forumcrawl/stored/vanished", written.vanished)
        if batch.leases:
            self.signals.send_catch_log(PAGES_COMMITTED, leases=batch.leases)

    def fail(self, exc: BaseException, batch: Batch) -> None:
        """Storing failed: say so once, keep nothing half-written, stop fetching."""
        self.broken = True
        message = (
            f"storing {len(batch)} items in {self.path} failed ({exc}); the crawl stops here,"
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
            if self.writer is not None:
                self.writer.close()
            self.compressor.shutdown()
            if self.db is not None:
                self.db.close()
                self.db = None
