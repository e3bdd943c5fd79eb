"""Scrapy's scheduler parts, as a crawl run from cron needs them: the duplicate filter and
the JOBDIR request queue (``DUPEFILTER_CLASS``, ``SCHEDULER_DISK_QUEUE``) and the scheduler's JOBDIR state (``SCHEDULER``).

What was stored is known from the database (:mod:`forumcrawl.crawl.incremental`), not
from Scrapy's memory of what it sent: seen requests are remembered for one run only,
and a queue file broken by a killed run is set aside instead of stopping every run after.
"""

from __future__ import annotations

import contextlib
import logging
import pickle
import shutil
import struct
from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.core.scheduler import Scheduler
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
    fails on every request it tries to queue and the run "finishes" having done nothing,
    or, when the header counts records the file no longer holds, asks for them forever
    (every ``pop`` an ``OSError``, nothing fetched, the run never ending). A broken queue
    is set aside (``*.broken``) and started empty: the database, not the queue, says what
    is left to fetch. One unreadable record is skipped.
    """

    def __init__(self, crawler: Crawler, key: str) -> None:
        try:
            super().__init__(crawler, key)
        except (struct.error, ValueError, EOFError, OSError) as exc:
            set_aside(Path(key), f"JOBDIR queue {key} was left broken by an interrupted run ({exc})")
            super().__init__(crawler, key)

    def pop(self):
        try:
            return super().pop()
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
            logger.warning("unreadable request in the JOBDIR queue skipped: %s", exc)
            return None
        except (struct.error, ValueError, OSError) as exc:
            # the file holds fewer records than its header says: nothing after is readable
            with contextlib.suppress(OSError):
                self.f.close()
            set_aside(Path(self.path), f"JOBDIR queue {self.path} is cut short ({exc})")
            self.f = Path(self.path).open("wb+")  # noqa: SIM115 (the queue owns it, as queuelib's does)
            self.f.write(struct.pack(self.SIZE_FORMAT, 0))
            self.size = 0
            return None


def set_aside(path: Path, why: str) -> Path:
    """Move a broken JOBDIR file out of the way (``NAME.broken``, replacing an older one)."""
    aside = path.with_name(f"{path.name}.broken")
    shutil.rmtree(aside, ignore_errors=True) if aside.is_dir() else aside.unlink(missing_ok=True)
    path.rename(aside)
    logger.warning("%s; set aside as %s, starting it empty", why, aside)
    return aside


class ResumableScheduler(Scheduler):
    """Scrapy's scheduler, whose JOBDIR state file (``active.json``, the queue's
    priorities) is set aside when unreadable instead of failing every run after."""

    def _read_dqs_state(self, dqdir: str) -> Any:
        path = Path(dqdir, "active.json")
        try:
            state = super()._read_dqs_state(dqdir)
            if not isinstance(state, (list, tuple)) or not all(isinstance(p, int) for p in state):
                raise ValueError(f"not a list of priorities: {str(state)[:60]}")
            return state
        except (ValueError, OSError, UnicodeDecodeError) as exc:
            set_aside(path, f"JOBDIR state {path} is unreadable ({exc})")
            return ()
