"""The storage pipeline: batched upserts into SQLite.

Items arrive read, normalised and validated by the page-reading service; this pipeline
only gathers their rows (:class:`~forumcrawl.storage.rows.Batch`) and writes them, one
transaction per ``FORUMCRAWL_BATCH_SIZE`` items. A batch is written only at the end of
a page (its ``PageItem``), so a page's rows, its archive record and its thread's
watermark always commit together.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from forumcrawl import settings as defaults
from forumcrawl.crawl.extensions.runs import FAILURES
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
        # an idle worker of a shared crawl commits what it holds before it waits for others
        crawler.signals.connect(self.flush, signals.spider_idle)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self, spider=None) -> None:
        self.db = open_db(self.path)

    def process_item(self, item, spider=None):
        self.batch.add(item)
        if isinstance(item, PageItem) and len(self.batch) >= self.batch_size:
            self.flush()
        return item

    def flush(self) -> None:
        if not len(self.batch) or self.db is None:
            return
        written = write_batch(self.db, self.batch)
        self.stats.inc_value("forumcrawl/stored/posts", len(self.batch.posts))
        self.stats.inc_value("forumcrawl/stored/pages", len(self.batch.pages))
        self.stats.inc_value("forumcrawl/stored/items", len(self.batch))
        if written.revisions:
            self.stats.inc_value("forumcrawl/stored/revisions", written.revisions)
        if written.vanished:
            self.stats.inc_value("forumcrawl/stored/vanished", written.vanished)
        leases, self.batch = self.batch.leases, Batch(compressor=self.compressor)
        if leases:
            self.signals.send_catch_log(PAGES_COMMITTED, leases=leases)

    def close_spider(self, spider=None) -> None:
        try:
            self.flush()
        except Exception as exc:
            # The last batch did not reach the database: the run failed, whatever else it did.
            message = f"storing the last {len(self.batch)} items failed: {type(exc).__name__}: {exc}"
            logger.error(message)
            failures = self.stats.get_value(FAILURES) or []
            self.stats.set_value(FAILURES, [*failures, f"store_failed: {message}"])
        finally:
            self.compressor.shutdown()
            if self.db is not None:
                self.db.close()
                self.db = None
