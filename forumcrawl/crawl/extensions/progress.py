"""A crawl that says how it is going, in place of Scrapy's "Crawled N pages" line.

Every ``FORUMCRAWL_PROGRESS_INTERVAL`` seconds one line: pages fetched (and the rate),
posts stored (new and seen before), pages still queued, failures so far. Under cron that
line goes to the log like any other; when standard error is a terminal it is a live
status line at the foot of the screen instead (rich), refreshed every second, with the
log scrolling above it. Scrapy's own stats dump moves to DEBUG (it stays in
``crawl_runs.stats``); the crawl command prints a short summary at the end
(:func:`summary`).
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from forumcrawl import settings as defaults
from forumcrawl.crawl.extensions.runs import FAILURES

logger = logging.getLogger(__name__)


def progress_line(stats: dict, elapsed: float) -> str:
    """One line of where the crawl stands."""
    pages = stats.get("response_received_count", 0)
    posts = stats.get("forumcrawl/stored/posts", 0)
    new = stats.get("forumcrawl/stored/new_posts", 0)
    queued = max(stats.get("scheduler/enqueued", 0) - stats.get("scheduler/dequeued", 0), 0)
    failures = len(stats.get(FAILURES) or [])
    rate = pages / elapsed * 60 if elapsed > 0 else 0.0
    return (
        f"{pages} pages ({rate:.0f}/min), {posts} posts stored ({new} new, {posts - new} seen before),"
        f" {queued} pages queued, {failures} failure{'s' if failures != 1 else ''}"
    )


class Progress:
    def __init__(self, crawler: Crawler, interval: float, live: bool) -> None:
        self.crawler = crawler
        self.interval = interval
        self.live = live
        self.started = time.monotonic()
        self.task: task.LoopingCall | None = None
        self.display = None  # rich.live.Live on a terminal
        self.handlers: list[tuple[logging.Handler, logging.Handler]] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        interval = crawler.settings.getfloat(
            "FORUMCRAWL_PROGRESS_INTERVAL", defaults.FORUMCRAWL_PROGRESS_INTERVAL
        )
        if interval <= 0:
            raise NotConfigured("FORUMCRAWL_PROGRESS_INTERVAL is 0")
        live = crawler.settings.getbool("FORUMCRAWL_PROGRESS_LIVE", sys.stderr.isatty())
        ext = cls(crawler, interval, live)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider) -> None:
        self.started = time.monotonic()
        if self.live:
            self._go_live()
        self.task = task.LoopingCall(self.report)
        self.task.start(1.0 if self.display else self.interval, now=self.display is not None)

    def report(self) -> None:
        line = progress_line(self.crawler.stats.get_stats(), time.monotonic() - self.started)
        if self.display is not None:
            from rich.text import Text

            self.display.update(Text(f"forumcrawl: {line}", style="bold"))
        else:
            logger.info("progress: %s", line)

    def spider_closed(self, spider, reason: str) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        if self.display is not None:
            self.display.stop()
            for rich_handler, original in self.handlers:
                logging.root.removeHandler(rich_handler)
                logging.root.addHandler(original)
            self.display = None
        logger.debug("Scrapy's stats: %s", self.crawler.stats.get_stats())

    def _go_live(self) -> None:
        """A status line at the foot of the terminal, the log lines scrolling above it:
        the root logger's stderr handlers are swapped for rich's, on the same console."""
        from rich.console import Console
        from rich.live import Live
        from rich.logging import RichHandler
        from rich.text import Text

        console = Console(stderr=True)
        for handler in list(logging.root.handlers):
            if isinstance(handler, logging.StreamHandler) and getattr(handler, "stream", None) is sys.stderr:
                rich_handler = RichHandler(console=console, show_path=False, level=handler.level)
                logging.root.removeHandler(handler)
                logging.root.addHandler(rich_handler)
                self.handlers.append((rich_handler, handler))
        self.display = Live(
            Text("forumcrawl: starting"), console=console, refresh_per_second=2, transient=True
        )
        self.display.start()


EXIT_MEANINGS = {
    0: "every page the run had to read was read",
    1: "the run failed: what it missed is listed above and in crawl_runs.failures; the next ordinary run fetches it",
}


def summary(stats: dict, failures: list[str], db_path: str, exit_code: int) -> str:
    """What a crawl prints when it ends: what was stored, per site; what failed and why;
    what the exit status means; what to run next."""
    started, finished = stats.get("start_time"), stats.get("finish_time")
    took = f" in {(finished - started).total_seconds():.0f} s" if started and finished else ""
    posts = stats.get("forumcrawl/stored/posts", 0)
    new = stats.get("forumcrawl/stored/new_posts", 0)
    lines = [
        f"forumcrawl: run {stats.get('finish_reason', 'ended')}{took}: {stats.get('response_received_count', 0)}"
        f" pages fetched, {posts} posts stored ({new} new, {posts - new} seen before),"
        f" {stats.get('forumcrawl/stored/revisions', 0)} edited, {stats.get('forumcrawl/stored/vanished', 0)} gone"
    ]
    prefix = "forumcrawl/stored/posts/"
    for key in sorted(k for k in stats if k.startswith(prefix)):
        site = key[len(prefix) :]
        lines.append(
            f"  {site}: {stats[key]} posts ({stats.get(f'forumcrawl/stored/new_posts/{site}', 0)} new)"
        )
    if failures:
        lines.append(f"  {len(failures)} failure{'s' if len(failures) != 1 else ''}:")
        lines += [f"    {failure}" for failure in failures]
    lines.append(f"exit status {exit_code}: {EXIT_MEANINGS.get(exit_code, 'see the lines above')}")
    if posts or Path(db_path).exists():
        lines.append(f"next: forumcrawl serve {db_path}")
    return "\n".join(lines)
