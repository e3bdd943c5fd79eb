"""``scrapy crawl`` that exits non-zero when the run failed, so cron notices.

Scrapy's own command only fails when the crawler cannot start. A forum crawl can start
and still fail: thread pages with zero posts (the layout changed), the seed unreachable,
an unknown engine. The spider lists those in the ``forumcrawl/failures`` stat.

Only one run may use a database at a time: a second one exits at once with status 75
(EX_TEMPFAIL, "try again later") and says which run holds it.
"""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from forumcrawl.crawl.extensions.runs import FAILURES
from forumcrawl.storage.lock import RunLock, RunLocked

EX_TEMPFAIL = 75


class Command(ScrapyCrawl):
    def run(self, args, opts) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name, e.g. 'scrapy crawl forum -a url=...'")
        assert self.crawler_process
        lock = RunLock(self.settings.get("FORUMCRAWL_DB"))
        try:
            lock.acquire()
        except RunLocked as exc:
            print(f"forumcrawl: {exc}", file=sys.stderr)
            self.exitcode = EX_TEMPFAIL
            return
        try:
            crawler = self.crawler_process.create_crawler(args[0])
            self.crawler_process.crawl(crawler, **opts.spargs)
            self.crawler_process.start()
        finally:
            lock.release()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        failures = crawler.stats.get_value(FAILURES) if crawler.stats else None
        if failures:
            print("forumcrawl: the run failed:", *failures, sep="\n  ", file=sys.stderr)
            self.exitcode = 1
