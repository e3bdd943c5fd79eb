"""``scrapy crawl`` that exits non-zero when the run failed, so cron notices.

Scrapy's own command only fails when the crawler cannot start. A forum crawl can start
and still fail: thread pages with zero posts (the layout changed), the seed unreachable,
an unknown engine, a page it had to read lost after retries, storage that failed. The
spider and its components list those in the ``forumcrawl/failures`` stat; a run stopped
by SIGTERM/SIGINT fails too.

Only one run may use a database at a time: a second one exits at once with status 75
(EX_TEMPFAIL, "try again later") and says which run holds it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from forumcrawl.crawl.extensions.progress import summary
from forumcrawl.crawl.extensions.runs import FAILURES
from forumcrawl.storage.database import StoreError, open_db, writable_problem
from forumcrawl.storage.lock import RunLock, RunLocked

EX_TEMPFAIL = 75


def unwritable(path: str) -> str | None:
    """Why a run could not write its database (its folder is created when missing)."""
    try:
        Path(path).resolve().parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot create the folder of database {path}: {exc.strerror}"
    return writable_problem(path)


def seeds_problem(spargs: dict) -> str | None:
    """What is wrong with the seeds the spider was given, said before Scrapy starts (a
    spider that refuses its arguments ends in a traceback)."""
    listed = spargs.get("urls_file")
    if listed:
        try:
            Path(listed).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            return f"cannot read the URLs file {listed}: {getattr(exc, 'strerror', None) or exc}"
    elif not (spargs.get("url") or spargs.get("urls")):
        return "give a forum, board or thread URL: -a url=URL, -a urls='URL URL' or -a urls_file=PATH"
    return None


class Command(ScrapyCrawl):
    def run(self, args, opts) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name, e.g. 'scrapy crawl forum -a url=...'")
        assert self.crawler_process
        problem = seeds_problem(opts.spargs)
        if problem:
            print(f"forumcrawl: {problem}", file=sys.stderr)
            self.exitcode = 2
            return
        path = self.settings.get("FORUMCRAWL_DB")
        problem = unwritable(path)
        if problem:
            print(f"forumcrawl: {problem}", file=sys.stderr)
            self.exitcode = 1
            return
        lock = RunLock(path)
        try:
            lock.acquire()
        except RunLocked as exc:
            print(f"forumcrawl: {exc}", file=sys.stderr)
            self.exitcode = EX_TEMPFAIL
            return
        try:
            # checked (and shaped) before anything is fetched: a corrupt or foreign file is
            # one line and exit 1, never a traceback mid-crawl
            open_db(path).close()
        except StoreError as exc:
            lock.release()
            print(f"forumcrawl: {exc}", file=sys.stderr)
            self.exitcode = 1
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
        failures = list(crawler.stats.get_value(FAILURES) or []) if crawler.stats else []
        reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
        if reason not in (None, "finished") and not failures:
            # SIGTERM/SIGINT ("shutdown") or a close asked for by a component: what was
            # still queued is not stored; the next run fetches it
            failures.append(f"interrupted: the run ended early ({reason}); the next run fetches the rest")
        if failures:
            self.exitcode = 1
        if crawler.stats:
            print(summary(crawler.stats.get_stats(), failures, path, self.exitcode), file=sys.stderr)
