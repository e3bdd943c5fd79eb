"""Pages read in worker processes (``FORUMCRAWL_PARSE_WORKERS``): the same results as
reading them here, and a page that hangs or kills its worker costs that page only."""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import DEMO_HOST, FIXTURES, content_rows, last_run, run_crawl
from scrapy.settings import Settings

from forumcrawl.archive.reparse import reparse
from forumcrawl.reading.context import PageContext
from forumcrawl.reading.service import PageError, PageResult, UnknownEngine, read_page
from forumcrawl.reading.workers import Job, PageReader, workers_setting

FETCHED = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
XENFORO = FIXTURES / "xenforo2"
A_THREAD = sorted(XENFORO.glob("*.html"))[0]


# Module-level, so that a worker can import them by name: what a pathological page does.
def read_or_misbehave(body: bytes, url: str, context: PageContext) -> PageResult:
    if b"<!-- die -->" in body:
        os._exit(3)  # as a crash in a C library, or the OOM killer, ends a process
    if b"<!-- hang -->" in body:
        time.sleep(3600)  # a loop that never ends
    if b"<!-- stuck -->" in body:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})  # as inside C: no alarm gets in
        time.sleep(3600)
    return read_page(body, url, context)


def jobs_of(paths) -> list[Job]:
    return [
        Job(Path(p).read_bytes(), f"https://forum.example/threads/t.{i}/", PageContext(FETCHED), tag=str(p))
        for i, p in enumerate(paths)
    ]


def outcome_of(outcome) -> tuple:
    """What a comparison can hold: the items' fields, or the error's reason and words."""
    if isinstance(outcome, PageResult):
        return ("read", outcome.kind, outcome.reader, [asdict(item) for item in outcome.items])
    return ("error", getattr(outcome, "reason", type(outcome).__name__), str(outcome))


def fixture_pages() -> list[Path]:
    engines = sorted(p for p in FIXTURES.glob("*/*.html") if p.parent.name not in ("site", "generic"))
    return engines + sorted(FIXTURES.glob("wcxb/*/page.html"))


def test_pages_read_in_two_workers_give_exactly_what_reading_here_gives():
    jobs = jobs_of(fixture_pages())
    assert len(jobs) > 50
    here = [outcome_of(o) for _, o in PageReader(0).read_all(jobs)]
    with PageReader(2) as reader:
        order = []
        there = []
        for job, outcome in reader.read_all(jobs):
            order.append(job.tag)
            there.append(outcome_of(outcome))
    assert order == [job.tag for job in jobs]  # handed back in the order given
    assert there == here
    assert sum(o[0] == "read" for o in here) > 40


def test_a_page_that_never_ends_fails_alone_as_reader_timeout():
    page = A_THREAD.read_bytes()
    hang = page.replace(b"<body", b"<!-- hang --><body", 1)
    jobs = [
        Job(b, f"https://forum.example/threads/t.{i}/", PageContext(FETCHED))
        for i, b in enumerate([page, hang, page, page])
    ]
    with PageReader(1, timeout=1.0, read=read_or_misbehave) as reader:
        started = time.monotonic()
        outcomes = [o for _, o in reader.read_all(jobs)]
        assert time.monotonic() - started < 20
        assert reader.restarts == 0  # the worker stopped itself: no process was lost
    assert isinstance(outcomes[1], PageError) and outcomes[1].reason == "reader_timeout"
    assert "longer than 1 s (FORUMCRAWL_PARSE_TIMEOUT)" in str(outcomes[1])
    assert all(isinstance(o, PageResult) and o.posts for o in (outcomes[0], *outcomes[2:]))


def test_a_page_stuck_out_of_the_alarms_reach_has_its_worker_killed_and_fails_alone():
    page = A_THREAD.read_bytes()
    stuck = page.replace(b"<body", b"<!-- stuck --><body", 1)
    jobs = [
        Job(b, f"https://forum.example/threads/t.{i}/", PageContext(FETCHED))
        for i, b in enumerate([page, stuck, page, page, page])
    ]
    with PageReader(2, timeout=0.5, kill_after=3.0, read=read_or_misbehave) as reader:
        outcomes = [o for _, o in reader.read_all(jobs)]
        assert reader.restarts == 1
    assert isinstance(outcomes[1], PageError) and outcomes[1].reason == "reader_timeout"
    assert "its worker was killed" in str(outcomes[1])
    assert all(isinstance(o, PageResult) and o.posts for o in (outcomes[0], *outcomes[2:]))


def test_a_page_that_kills_its_worker_fails_alone_as_reader_crashed(caplog):
    page = A_THREAD.read_bytes()
    die = page.replace(b"<body", b"<!-- die --><body", 1)
    bodies = [page, page, die, page, page, page]
    jobs = [
        Job(b, f"https://forum.example/threads/t.{i}/", PageContext(FETCHED)) for i, b in enumerate(bodies)
    ]
    expected = outcome_of(read_page(page, jobs[0].url, PageContext(FETCHED)))[1:]
    with PageReader(2, read=read_or_misbehave) as reader:
        outcomes = [o for _, o in reader.read_all(jobs)]
        # and the reader goes on with a new pool afterwards
        again = [o for _, o in reader.read_all(jobs[:2])]
    assert isinstance(outcomes[2], PageError) and outcomes[2].reason == "reader_crashed"
    for i in (0, 1, 3, 4, 5):
        assert outcome_of(outcomes[i])[1:3] == expected[:2], i
        assert len(outcomes[i].posts) == len(read_page(page, jobs[i].url, PageContext(FETCHED)).posts)
    assert all(isinstance(o, PageResult) for o in again)
    assert "a reading worker died" in caplog.text


def test_the_crawls_awaiting_path_contains_a_hang_and_a_crash_to_their_pages():
    page = A_THREAD.read_bytes()
    bodies = [
        page,
        page.replace(b"<body", b"<!-- die --><body", 1),
        page.replace(b"<body", b"<!-- hang --><body", 1),
        page,
        b"<html><body><p>no forum here</p></body></html>",
    ]

    async def read_all(reader: PageReader) -> list:
        async def one(i: int, body: bytes):
            try:
                return await reader.read(body, f"https://forum.example/threads/t.{i}/", PageContext(FETCHED))
            except (PageError, UnknownEngine) as exc:
                return exc

        return await asyncio.gather(*(one(i, b) for i, b in enumerate(bodies)))

    with PageReader(2, timeout=1.0, read=read_or_misbehave) as reader:
        outcomes = asyncio.run(read_all(reader))
    assert [type(o).__name__ for o in outcomes] == [
        "PageResult",
        "PageError",
        "PageError",
        "PageResult",
        "UnknownEngine",
    ]
    assert [outcomes[1].reason, outcomes[2].reason] == ["reader_crashed", "reader_timeout"]


def test_a_workers_warnings_reach_the_log_of_the_process_that_asked(caplog):
    # a real page whose reading warns: structured data shows more posts than the engine read
    page = FIXTURES / "wcxb" / "0549-nodebb" / "page.html"
    url = "https://community.example/topic/1/t"
    with caplog.at_level(logging.WARNING, logger="forumcrawl"):
        read_page(page.read_bytes(), url, PageContext(FETCHED))
        here = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
        caplog.clear()
        with PageReader(1) as reader:
            list(reader.read_all([Job(page.read_bytes(), url, PageContext(FETCHED))]))
        there = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
    assert here and there == here


def test_page_errors_keep_their_reason_message_and_follow_when_sent_between_processes():
    error = PageError("javascript_app", "the page is an app", follow="https://f.example/t/1.json")
    back = pickle.loads(pickle.dumps(error))
    assert (back.reason, str(back), back.follow) == (error.reason, str(error), error.follow)


def test_the_number_of_workers_is_read_from_the_setting_and_refused_when_it_is_not_one():
    assert workers_setting(None) >= 1 and workers_setting("") >= 1
    assert workers_setting("0") == 0 and workers_setting(3) == 3
    for bad in ("many", "-1", "1.5"):
        with pytest.raises(ValueError, match="FORUMCRAWL_PARSE_WORKERS must be a whole number"):
            workers_setting(bad)
    reader = PageReader.from_settings(
        Settings({"FORUMCRAWL_PARSE_WORKERS": "2", "FORUMCRAWL_PARSE_TIMEOUT": "5"})
    )
    assert (reader.workers, reader.timeout) == (2, 5.0)
    with pytest.raises(ValueError, match="FORUMCRAWL_PARSE_TIMEOUT must be a number of seconds, not 'soon'"):
        PageReader.from_settings(Settings({"FORUMCRAWL_PARSE_TIMEOUT": "soon"}))


def test_workers_end_with_a_crawl_that_is_killed_outright(tmp_path):
    script = textwrap.dedent(
        f"""
        import sys, time
        from forumcrawl.reading.workers import Job, PageReader
        from forumcrawl.reading.context import PageContext
        reader = PageReader(2)
        body = open({str(A_THREAD)!r}, "rb").read()
        jobs = [Job(body, f"https://forum.example/threads/t.{{i}}/", PageContext()) for i in range(4)]
        list(reader.read_all(jobs))
        print(" ".join(str(pid) for pid in reader._pool._processes), flush=True)
        time.sleep(600)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        workers = [int(pid) for pid in proc.stdout.readline().split()]
        assert len(workers) == 2 and all(Path(f"/proc/{pid}").exists() for pid in workers)
        proc.kill()
        # the pipes close only once every process holding them has ended
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()], err


def test_a_crawl_with_workers_stores_what_a_crawl_without_them_stores(tmp_path):
    rows = {}
    for workers in (0, 2):
        work = tmp_path / f"w{workers}"
        work.mkdir()
        result = run_crawl(
            work, f"{DEMO_HOST}/forums/", FIXTURES / "site", "-s", f"FORUMCRAWL_PARSE_WORKERS={workers}"
        )
        assert result.returncode == 0, result.stderr[-3000:]
        rows[workers] = content_rows(work / "forumcrawl.db")
    assert rows[2] == rows[0]
    assert len(rows[0]["posts"]) == 29


@pytest.mark.parametrize("workers", [0, 2])
def test_reparse_in_workers_gives_the_crawls_rows(demo_db, tmp_path, workers):
    shutil.copy(demo_db, tmp_path / "forumcrawl.db")
    with PageReader(workers) as reader:
        result = reparse(tmp_path / "forumcrawl.db", tmp_path / "fresh.db", reader=reader)
    assert (result.pages, result.posts, sum(result.errors.values())) == (13, 29, 0)
    assert content_rows(tmp_path / "fresh.db") == content_rows(demo_db)


def test_a_number_of_workers_that_is_not_one_fails_the_crawl_in_one_line(tmp_path):
    result = run_crawl(
        tmp_path, f"{DEMO_HOST}/forums/", FIXTURES / "site", "-s", "FORUMCRAWL_PARSE_WORKERS=many"
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "FORUMCRAWL_PARSE_WORKERS must be a whole number, 0 or more, not 'many'" in result.stderr
    assert "bad_setting" in last_run(tmp_path / "forumcrawl.db")["failures"]


def test_where_no_process_can_be_started_pages_are_read_here_with_one_warning(monkeypatch, caplog):
    def no_processes(self, workers):
        raise OSError(38, "Function not implemented: sem_open")  # a sandbox without /dev/shm

    monkeypatch.setattr(PageReader, "_new_pool", no_processes)
    jobs = jobs_of(fixture_pages()[:6])
    here = [outcome_of(o) for _, o in PageReader(0).read_all(jobs)]
    with caplog.at_level(logging.WARNING, logger="forumcrawl"), PageReader(2) as reader:
        there = [outcome_of(o) for _, o in reader.read_all(jobs)]
        async_one = asyncio.run(reader.read(jobs[0].body, jobs[0].url, jobs[0].context))
    assert there == here and outcome_of(async_one) == here[0]
    warnings = [r.getMessage() for r in caplog.records if "worker processes unavailable" in r.getMessage()]
    assert warnings == [
        "worker processes unavailable (OSError: [Errno 38] Function not implemented: sem_open); reading pages in this process"
    ]
