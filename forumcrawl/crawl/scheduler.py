"""Scrapy's scheduler parts, as a crawl run from cron needs them: the duplicate filter and
the JOBDIR request queue (``DUPEFILTER_CLASS``, ``SCHEDULER_DISK_QUEUE``).

What was stored is known from the database (:mod:`forumcrawl.crawl.incremental`), not
from Scrapy's memory of what it sent: seen requests are remembered for one run only,
and a queue file broken by a killed run is set aside instead of stopping every run after.
"""

from __future__ import annotations

import logging
import pickle
import shutil
import struct
from pathlib import Path

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.dupefilters import RFPDupeFilter
from scrapy.squeues import PickleLifoDiskQueue

logger = logging.getLogger(__name__)


class RunDupeFilter(RFPDupeFilter):
    """Scrapy's duplicate filter, remembering requests for this run only.

    With JOBDIR, Scrapy keeps the fingerprints of every request *sent*; after a run is
    killed, the pages sent but never stored would be refused as duplicates forever. What
    was stored is known from the database, so seen requests are not carried over.
    """

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunDupeFilter:
        return cls(
            None, crawler.settings.getbool("DUPEFILTER_DEBUG"), fingerprinter=crawler.request_fingerprinter
        )

    def request_seen(self, request: Request) -> bool:
        # A redirect back to a URL of its own chain (a login or cookie bounce, or a loop)
        # is let through: REDIRECT_MAX_TIMES then ends a real loop with an error the
        # spider reports, where the filter would have dropped the page without a word.
        if request.url in request.meta.get("redirect_urls", ()):
            return False
        return super().request_seen(request)


class ResumableDiskQueue(PickleLifoDiskQueue):
    """Scrapy's JOBDIR request queue, surviving a run killed while writing it.

    A SIGKILL can leave a queue file cut inside its size header or a record; Scrapy then
    fails on every request it tries to queue and the run "finishes" having done nothing.
    A broken queue is set aside (``*.broken``) and started empty: the database, not the
    queue, says what is left to fetch.
    """

    def __init__(self, crawler: Crawler, key: str) -> None:
        try:
            super().__init__(crawler, key)
        except (struct.error, ValueError, EOFError, OSError) as exc:
            broken = Path(key)
            aside = broken.with_name(f"{broken.name}.broken")
            shutil.rmtree(aside, ignore_errors=True) if aside.is_dir() else aside.unlink(missing_ok=True)
            broken.rename(aside)
            logger.warning(
                "JOBDIR queue %s was left broken by an interrupted run (%s); set aside"
                " as %s, starting it empty",
                key,
                exc,
                aside,
            )
            super().__init__(crawler, key)

    def pop(self):
        try:
            return super().pop()
        except (struct.error, ValueError, EOFError, pickle.UnpicklingError) as exc:
            logger.warning("unreadable request in the JOBDIR queue skipped: %s", exc)
            return None
