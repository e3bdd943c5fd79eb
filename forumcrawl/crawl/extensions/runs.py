"""Each run's record in ``crawl_runs``: when, with which arguments, how it ended, its stats.

The row is written when the spider opens (so a killed run leaves a trace with no
``finished_at``) and completed when it closes. ``failed`` is 1 when the spider listed
failures (``forumcrawl/failures`` in the stats): such a run also exits non-zero.
"""

from __future__ import annotations

import json
import logging

from scrapy import signals
from scrapy.crawler import Crawler

from forumcrawl.storage.database import now_iso, open_db

logger = logging.getLogger(__name__)
# The stat where the spider lists what made a run fail; read by the crawl command too.
FAILURES = "forumcrawl/failures"


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
        db = open_db(self.path)
        try:
            with db.atomic():
                db["crawl_runs"].update(
                    self.run_id,
                    {
                        "finished_at": now_iso(),
                        "finish_reason": reason,
                        "failed": int(bool(failures) or reason not in ("finished",)),
                        "failures": json.dumps(failures),
                        "pages_fetched": stats.get("downloader/response_count", 0),
                        "items_stored": stats.get("forumcrawl/stored/items", 0),
                        "stats": json.dumps(stats, default=str, sort_keys=True),
                    },
                )
        finally:
            db.close()
        if failures:
            logger.error("run %s FAILED: %s", self.run_id, "; ".join(failures))
