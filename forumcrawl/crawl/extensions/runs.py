"""Each run's record in ``crawl_runs``: when, with which arguments, how it ended, its stats.

The row is written when the spider opens (so a killed run leaves a trace with no
``finished_at``) and completed when it closes. ``failed`` is 1 when the spider listed
failures (``forumcrawl/failures`` in the stats): such a run also exits non-zero.
"""

from __future__ import annotations

import json
import logging
import sqlite3

from scrapy import signals
from scrapy.crawler import Crawler

from forumcrawl.storage.database import StoreError, now_iso, open_db

logger = logging.getLogger(__name__)
# The stat where the spider lists what made a run fail; read by the crawl command too.
FAILURES = "forumcrawl/failures"


def record_failure(stats, reason: str, message: str) -> None:
    """List something that makes this run a failure: ``crawl_runs.failures`` gets
    ``reason: message`` and the crawl exits non-zero. The caller logs the message."""
    stats.set_value(FAILURES, [*(stats.get_value(FAILURES) or []), f"{reason}: {message}"])


class RunRecorder:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.path = crawler.settings.get("FORUMCRAWL_DB")
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunRecorder:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider) -> None:
        args = {k: v for k, v in vars(spider).items() if k in ("seed_urls", "engine_name", "full")}
        db = open_db(self.path)
        try:
            with db.atomic():
                table = db["crawl_runs"]
                # One run at a time holds the database: a run still open here was killed.
                db.execute(
                    "update crawl_runs set finish_reason = 'killed', failed = 1"
                    " where finished_at is null and finish_reason is null"
                )
                table.insert({"started_at": now_iso(), "spider_args": json.dumps(args)})
                self.run_id = table.last_pk
        finally:
            db.close()

    def spider_closed(self, spider, reason: str) -> None:
        stats = self.crawler.stats.get_stats()
        failures = stats.get(FAILURES) or []
        clean = not failures and reason == "finished"
        try:
            self._record_end(spider, reason, stats, failures, clean)
        except (StoreError, sqlite3.Error, OSError) as exc:  # disk full, the file gone
            logger.error("the end of run %s could not be recorded in crawl_runs: %s", self.run_id, exc)
        if failures:
            logger.error("run %s FAILED: %s", self.run_id, "; ".join(failures))

    def _record_end(self, spider, reason: str, stats: dict, failures: list, clean: bool) -> None:
        db = open_db(self.path)
        try:
            with db.atomic():
                walked = sorted(getattr(spider, "walks_begun", ()))
                if clean and walked:
                    # every listing page these walks needed was read and every thread
                    # they listed stored: the next run may stop early on these boards
                    marks = ",".join("?" * len(walked))
                    db.execute(
                        f"update board_walks set completed_at = ? where id in ({marks})", [now_iso(), *walked]
                    )
                db["crawl_runs"].update(
                    self.run_id,
                    {
                        "finished_at": now_iso(),
                        "finish_reason": reason,
                        "failed": int(not clean),
                        "failures": json.dumps(failures),
                        "pages_fetched": stats.get("downloader/response_count", 0),
                        "items_stored": stats.get("forumcrawl/stored/items", 0),
                        "stats": json.dumps(stats, default=str, sort_keys=True),
                    },
                )
        finally:
            db.close()
