"""Item pipelines: normalise -> validate -> store (order set in ``settings.ITEM_PIPELINES``).

Methods take no required ``spider`` argument (Scrapy >= 2.13 no longer needs it); the
crawler given to ``from_crawler`` supplies settings and stats.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from forumcrawl.items import PostItem, ThreadItem
from forumcrawl.reading.normalize import normalise_item
from forumcrawl.crawl.extensions.runs import FAILURES
from forumcrawl.shared import PAGES_COMMITTED
from forumcrawl.reading.sites import settings_of, site_defaults
from forumcrawl.storage.store import Batch, open_db, write_batch

logger = logging.getLogger(__name__)

# Forum chrome that must never reach a stored post; seeing one means a parser leaked.
CHROME_MARKERS = ("Click to expand", "Click to shrink", "Latest Replies", "New threads",
                  "Zum Vergrößern anklicken", "Cliquez pour agrandir")


class NormalizePipeline:
    """Dates to UTC (machine-readable first), reposted articles recognised."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.settings = site_defaults(crawler.settings)
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NormalizePipeline:
        return cls(crawler)

    def process_item(self, item, spider=None):
        # The spider loaded sites.toml once (and failed the run if it was wrong).
        sites = getattr(self.crawler.spider, "sites", None) or {}
        site = sites.get(getattr(item, "site_id", ""))
        normalise_item(item, settings_of(site, self.settings))
        if isinstance(item, PostItem):
            for field_ in (item.posted, item.edited, item.author.joined if item.author else None):
                if field_ and field_.source:
                    self.stats.inc_value(f"forumcrawl/dates/{field_.source}")
            if item.articles:
                self.stats.inc_value("forumcrawl/articles", len(item.articles))
            self.stats.inc_value("forumcrawl/quotes", len(item.quotes))
        return item


def validate_item(item, count: Callable[[str], object]) -> None:
    """Raise ``DropItem`` for a row that would be wrong in the database; ``count`` the
    stat of anything merely missing. Shared by the crawl and ``forumcrawl reparse``."""
    if isinstance(item, PostItem):
        if not item.post_id or not item.thread_id or not item.site_id:
            count("forumcrawl/invalid/post_without_ids")
            raise DropItem(f"post without ids on {item.page_url}")
        if not item.body_text and not item.body_html:
            count("forumcrawl/invalid/post_without_body")
            logger.warning("post %s on %s has an empty body", item.post_id, item.page_url)
        if item.posted.value is None:
            count("forumcrawl/missing/posted_at")
            logger.warning("post %s on %s: no readable date (%r)", item.post_id,
                           item.page_url, item.posted.raw)
        if item.author is None:
            count("forumcrawl/missing/author")
        leaked = [m for m in CHROME_MARKERS if m in item.body_text]
        if leaked:
            count("forumcrawl/invalid/chrome_leak")
            logger.error("post %s on %s: forum chrome leaked into the body: %s",
                         item.post_id, item.page_url, leaked)
    elif isinstance(item, ThreadItem) and not item.thread_id:
        raise DropItem(f"thread without id at {item.url}")


class ValidatePipeline:
    """Refuse rows that would be wrong in the database; count what is merely missing."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def process_item(self, item, spider=None):
        validate_item(item, self.stats.inc_value)
        return item


class StorePipeline:
    """Batched upserts into SQLite: one transaction per ``FORUMCRAWL_BATCH_SIZE`` items."""

    def __init__(self, crawler: Crawler) -> None:
        self.path = crawler.settings.get("FORUMCRAWL_DB")
        if not self.path:
            raise NotConfigured("FORUMCRAWL_DB is empty")
        self.batch_size = crawler.settings.getint("FORUMCRAWL_BATCH_SIZE", 500)
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
        if len(self.batch) >= self.batch_size:
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
