"""One run per database: an exclusive lock file beside it, held for the whole run.

cron starts a run whether or not the last one finished. Two runs writing one database
would fetch everything twice and fight over SQLite's write lock, so the second one
leaves at once, saying who holds the lock. The lock is an ``flock`` on
``<database>.lock``: the kernel drops it when the holder dies, even by SIGKILL, so a
killed run never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import IO


class RunLocked(RuntimeError):
    """Another run holds the database."""


class RunLock:
    def __init__(self, db_path: str | Path) -> None:
        self.path = Path(f"{db_path}.lock")
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`RunLocked` naming the run that has it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise RunLocked(
                f"another forumcrawl run is using {self.path.with_suffix('')} "
                f"({holder}); this one exits without doing anything"
            ) from None
        handle.seek(0)
        handle.truncate()
        started = datetime.now(UTC).isoformat(timespec="seconds")
        handle.write(f"pid {os.getpid()}, started {started}\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
