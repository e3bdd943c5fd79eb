"""The page-reading service on every core: pages read in worker processes.

Reading a page (lxml, the engine's reader, dates, articles) is pure CPU work in Python,
so one process reads on one core however many the machine has. :class:`PageReader`
hands pages to worker processes (``FORUMCRAWL_PARSE_WORKERS``; default: one per core
this process may use; 0 reads in this process) and gives back
exactly what :func:`~forumcrawl.reading.service.read_page` gives: a page result, or
the :class:`PageError`/:class:`UnknownEngine` it raised. The crawl's own process keeps
Scrapy, storage and the archive; the workers do nothing else but read.

What a worker cannot be trusted with is contained to the page that caused it:

- **a page that takes too long** (``FORUMCRAWL_PARSE_TIMEOUT`` seconds, default 60): the
  worker interrupts itself and the page fails as ``reader_timeout``; a worker stuck
  where it cannot interrupt itself (inside C) is killed once even the pages queued
  before that page would have timed out;
- **a worker that dies** (a crash in a C library, the kernel's OOM killer): every page
  that was in flight is read again, one at a time in a worker of its own, so the page
  that kills it fails as ``reader_crashed`` and the others are read as usual.

Workers are forked from a server process that has imported the readers once
(``forkserver``; never a fork of the crawl, whose threads and open database must not be
copied), ignore Ctrl-C (the crawl decides when to stop) and send their log records back
with each page, so a worker's warning reaches the crawl's log like any other.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import multiprocessing
import os
import select
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from forumcrawl.reading.context import PageContext
from forumcrawl.reading.service import PageError, PageResult, UnknownEngine, read_page

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 60.0
AHEAD = 8  # pages in hand per worker
# Modules every worker needs, imported once by the fork server rather than by each worker.
PRELOAD = ["forumcrawl.reading.service"]


def default_workers() -> int:
    """As many as the cores this process may run on. Not one fewer: the crawl's own
    process waits on the network and the disk often enough that, measured on the bench
    farm with two cores, two workers read 1.17x the pages a second of one (e2e 67.9 against
    57.8 pages/s), and re-parse 1.55x."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def workers_setting(value: Any) -> int:
    """``FORUMCRAWL_PARSE_WORKERS`` as given (None or "" for the default)."""
    if value is None or value == "":
        return default_workers()
    try:
        workers = int(value)
    except (TypeError, ValueError):
        workers = -1
    if workers < 0:
        raise ValueError(f"FORUMCRAWL_PARSE_WORKERS must be a whole number, 0 or more, not {value!r}")
    return workers


Outcome = PageResult | PageError | UnknownEngine


@dataclass(slots=True)
class Job:
    """One page to read, with whatever the caller needs back beside its outcome."""

    body: bytes
    url: str
    context: PageContext
    tag: Any = None


# ------------------------------------------------------------------ inside a worker
class _ReadTimeout(BaseException):
    """Raised by the alarm inside a worker; a BaseException so that no reader's
    ``except Exception`` can swallow it."""


class _Records(logging.Handler):
    """Collects a worker's log records for the page being read, made picklable."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg = record.getMessage()
        record.args = None
        if record.exc_info:
            record.exc_text = self.formatter.formatException(record.exc_info) if self.formatter else None
            record.exc_info = None
        self.records.append(record)


_RECORDS = _Records()
_RECORDS.setFormatter(logging.Formatter())


def _on_alarm(signum, frame) -> None:
    raise _ReadTimeout


def _die_with_crawl(crawl: int) -> None:
    """A worker never outlives the crawl. Killed with ``kill -9``, the crawl cannot shut
    its workers down, and a worker left waiting would hold the crawl's standard error
    (cron's mail, a caller's pipe) and the fork server open forever. The kernel cannot
    tell the worker (its parent is the fork server, which each worker keeps alive), so a
    thread waits for the crawl's process to end (a pidfd on Linux; elsewhere it looks
    every second) and ends the worker with it."""

    def watch() -> None:
        try:
            handle = os.pidfd_open(crawl)
        except ProcessLookupError:
            os._exit(1)
        except (AttributeError, OSError):  # no pidfd: look now and then
            while _alive(crawl):
                time.sleep(1.0)
        else:
            select.select([handle], [], [])  # readable once the process has ended
        os._exit(1)

    if os.name == "posix":  # elsewhere os.kill(pid, 0) would end the crawl, not look at it
        threading.Thread(target=watch, daemon=True, name="crawl-watch").start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        pass
    return True


def _start_worker(crawl: int, level: int, gc_threshold: int) -> None:
    _die_with_crawl(crawl)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGALRM, _on_alarm)
    root = logging.getLogger()
    root.handlers[:] = [_RECORDS]
    root.setLevel(level)
    if gc_threshold > 0:
        gc.collect()
        gc.freeze()
        gc.set_threshold(gc_threshold, *gc.get_threshold()[1:])


@dataclass(slots=True)
class _Done:
    outcome: Outcome
    records: list[logging.LogRecord] = field(default_factory=list)


def _read_in_worker(read: Callable, body: bytes, url: str, context: PageContext, timeout: float) -> _Done:
    _RECORDS.records = []
    if timeout > 0:
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        outcome: Outcome = read(body, url, context)
    except (PageError, UnknownEngine) as exc:
        outcome = exc
    except _ReadTimeout:
        outcome = PageError(
            "reader_timeout",
            f"reading took longer than {timeout:g} s (FORUMCRAWL_PARSE_TIMEOUT); nothing stored from it",
        )
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return _Done(outcome, _RECORDS.records)


# ------------------------------------------------------------------ the crawl's side
def _replay_records(records: list[logging.LogRecord]) -> None:
    for record in records:
        target = logging.getLogger(record.name)
        if target.isEnabledFor(record.levelno):
            target.handle(record)


def _unwrap(outcome: Outcome) -> PageResult:
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


class PageReader:
    """Reads pages with the page-reading service, in ``workers`` processes (0: here).

    :meth:`read` serves an asyncio caller (the spider: one page per callback, as many
    in flight as the workers can take); :meth:`read_all` a loop that reads a stream of
    pages in order (``reparse``, WARC import), ahead of the page it hands back.
    """

    def __init__(
        self,
        workers: int = 0,
        timeout: float = DEFAULT_TIMEOUT,
        gc_threshold: int = 0,
        log_level: int | None = None,
        kill_after: float | None = None,
        read: Callable[[bytes, str, PageContext], PageResult] = read_page,
    ) -> None:
        self.workers = workers
        self.timeout = timeout
        # Pages handed to the workers at a time: enough that a worker is never idle while
        # this process stores a batch, few enough to keep memory flat (a page and its
        # result are a few hundred KB).
        self.window = AHEAD * workers
        # The wait that kills a stuck worker counts from the page's hand-over, so it allows
        # for the pages queued before it, each of which may use its whole timeout: the
        # worker's own alarm has failed by then.
        self.deadline = kill_after or ((AHEAD + 1) * timeout + 30 if timeout > 0 else None)
        self.isolated_deadline = kill_after or (timeout + 30 if timeout > 0 else None)  # nothing queued
        self.read_page = read  # a module-level function (workers import it by name)
        self.gc_threshold = gc_threshold
        self.log_level = log_level
        self._pool: ProcessPoolExecutor | None = None
        self._generation = 0
        self._isolation: ProcessPoolExecutor | None = None
        self._isolation_lock = threading.Lock()
        self._pool_lock = threading.Lock()
        self._slots: asyncio.Semaphore | None = None
        self.restarts = 0  # pools replaced after a worker died or was killed
        self.unavailable: str | None = None  # why worker processes could not be started

    @classmethod
    def from_settings(cls, settings, gc_threshold: int = 0) -> PageReader:
        try:
            timeout = settings.getfloat("FORUMCRAWL_PARSE_TIMEOUT", DEFAULT_TIMEOUT)
        except ValueError:
            value = settings.get("FORUMCRAWL_PARSE_TIMEOUT")
            raise ValueError(f"FORUMCRAWL_PARSE_TIMEOUT must be a number of seconds, not {value!r}") from None
        return cls(workers_setting(settings.get("FORUMCRAWL_PARSE_WORKERS")), timeout, gc_threshold)

    # -------------------------------------------------------------- pools
    def _new_pool(self, workers: int) -> ProcessPoolExecutor:
        try:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
        except ValueError:  # no fork server on this platform
            context = multiprocessing.get_context("spawn")
        level = (
            self.log_level
            if self.log_level is not None
            else logging.getLogger("forumcrawl").getEffectiveLevel()
        )
        return ProcessPoolExecutor(
            workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(os.getpid(), level, self.gc_threshold),
        )

    def _submit(self, job: Job) -> tuple[Future, int]:
        if self.unavailable:
            return self._read_here(job), self._generation
        try:
            with self._pool_lock:
                if self._pool is None:
                    self._pool = self._new_pool(self.workers)
                pool, generation = self._pool, self._generation
            return pool.submit(
                _read_in_worker, self.read_page, job.body, job.url, job.context, self.timeout
            ), generation
        except BrokenProcessPool:
            self._replace(generation)
            return self._submit(job)
        except (OSError, ImportError, NotImplementedError) as exc:
            # no processes here (a sandbox without /dev/shm, a platform without them):
            # reading in this process is slower, never wrong
            self.unavailable = f"{type(exc).__name__}: {exc}"
            logger.warning(
                "worker processes unavailable (%s); reading pages in this process", self.unavailable
            )
            return self._read_here(job), self._generation

    def _here(self, job: Job) -> Outcome:
        try:
            return self.read_page(job.body, job.url, job.context)
        except (PageError, UnknownEngine) as exc:
            return exc

    def _read_here(self, job: Job) -> Future:
        future: Future = Future()
        future.set_result(_Done(self._here(job)))
        return future

    def _replace(self, generation: int, kill: bool = False) -> None:
        """Retire a broken (or, with ``kill``, a stuck) pool; the next page starts a new one."""
        with self._pool_lock:
            if generation != self._generation or self._pool is None:
                return  # already replaced by another page's failure
            pool, self._pool = self._pool, None
            self._generation += 1
            self.restarts += 1
        if kill:
            _kill(pool)
        pool.shutdown(wait=False, cancel_futures=True)

    def _isolated(self, job: Job) -> Outcome:
        """Read one page in a worker of its own (after its pool died): if this worker dies
        too, this page is what kills it."""
        with self._isolation_lock:
            if self._isolation is None:
                self._isolation = self._new_pool(1)
            future = self._isolation.submit(
                _read_in_worker, self.read_page, job.body, job.url, job.context, self.timeout
            )
            try:
                return self._done(future.result(timeout=self.isolated_deadline))
            except FutureTimeout:
                _kill(self._isolation)
                return self._stuck(job, self.isolated_deadline)
            except BrokenProcessPool:
                return PageError(
                    "reader_crashed",
                    f"{job.url}: the worker reading this page died (a crash in a C library, or "
                    "killed for memory); nothing stored from it",
                )
            finally:
                if not future.done() or future.exception() is not None:
                    self._isolation.shutdown(wait=False, cancel_futures=True)
                    self._isolation = None

    def _stuck(self, job: Job, waited: float | None) -> PageError:
        return PageError(
            "reader_timeout",
            f"{job.url}: reading did not end within {waited:g} s and its worker was "
            "killed (FORUMCRAWL_PARSE_TIMEOUT); nothing stored from it",
        )

    @staticmethod
    def _done(done: _Done) -> Outcome:
        _replay_records(done.records)
        return done.outcome

    def _settle(self, job: Job, future: Future, generation: int, wait: float | None) -> Outcome:
        """The outcome of a page handed to the pool, waiting at most ``wait`` seconds."""
        try:
            return self._done(future.result(timeout=wait))
        except FutureTimeout:
            self._replace(generation, kill=True)
            return self._stuck(job, self.deadline)
        except BrokenProcessPool:
            self._replace(generation)
            logger.warning("a reading worker died; reading %s again on its own", job.url)
            return self._isolated(job)
        except Exception as exc:
            return PageError(
                "reader_failed",
                f"reading failed in a worker ({type(exc).__name__}: {str(exc)[:200]}); nothing stored from it",
            )

    # -------------------------------------------------------------- callers
    async def read(self, body: bytes, url: str, context: PageContext) -> PageResult:
        """One page's result (raises what :func:`read_page` raises)."""
        if self.workers <= 0:
            return self.read_page(body, url, context)
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.window)
        job = Job(body, url, context)
        async with self._slots:
            future, generation = self._submit(job)
            try:
                await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), self.deadline)
            except asyncio.CancelledError:
                if not future.done():
                    raise  # the crawl is closing
            except Exception:
                pass  # timed out, or the worker failed: settled below
            if future.done() and future.exception() is None:
                outcome = self._done(future.result())
            else:  # stuck or dead: settling may read the page again, off the event loop
                outcome = await asyncio.to_thread(self._settle, job, future, generation, 0)
        return _unwrap(outcome)

    def read_all(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, Outcome]]:
        """Every job's outcome, in the jobs' order. Jobs are drawn from ``jobs`` only as
        the workers can take them, so a job made after an outcome was handed back can
        depend on it."""
        if self.workers <= 0:
            for job in jobs:
                yield job, self._here(job)
            return
        pending: deque[tuple[Job, Future, int]] = deque()
        source = iter(jobs)
        exhausted = False
        while True:
            while not exhausted and len(pending) < self.window:
                job = next(source, None)
                if job is None:
                    exhausted = True
                    break
                pending.append((job, *self._submit(job)))
            if not pending:
                return
            job, future, generation = pending.popleft()
            yield job, self._settle(job, future, generation, self.deadline)

    def close(self) -> None:
        with self._pool_lock:
            pools = [p for p in (self._pool, self._isolation) if p is not None]
            self._pool = self._isolation = None
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> PageReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _kill(pool: ProcessPoolExecutor) -> None:
    # The executor has no way to stop a task; its processes are the only handle.
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(OSError, ValueError):
            process.kill()


__all__ = ["DEFAULT_TIMEOUT", "Job", "PageReader", "default_workers", "workers_setting"]
