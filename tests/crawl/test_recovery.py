"""The promise a cron archiver rests on: whatever went wrong in a run, it says so (exit
status, ``crawl_runs.failures``), and the next ordinary run (no ``full=1``) leaves the
database equal, post for post and field for field, to an uninterrupted crawl's.

Real ``scrapy crawl`` processes against the live forum on 127.0.0.1: one board of seven
threads on two listing pages, threads of up to three pages. One forum and one
uninterrupted reference crawl serve the whole module; each test scripts its fault,
runs, lifts the fault and runs once more.
"""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlite_utils
from conftest import content_rows, foreign_database, last_run, live_crawl_command, run_live
from live_forum import BOARD, Fault, LiveForum

from forumcrawl import cli
from forumcrawl.storage.database import open_db

F35, RAMADI = 346, 348
ENV = {**os.environ, "SCRAPY_SETTINGS_MODULE": "forumcrawl.settings"}


@pytest.fixture(scope="module")
def forum():
    with LiveForum(delay=0.02) as forum:
        yield forum


@pytest.fixture(scope="module")
def reference(forum, tmp_path_factory) -> dict[str, list[dict]]:
    """What an uninterrupted crawl stores."""
    work = tmp_path_factory.mktemp("reference")
    result = run_live(work, f"{forum.root}/forums/")
    assert result.returncode == 0, result.stderr[-2000:]
    rows = content_rows(work / "forumcrawl.db")
    assert len(rows["posts"]) == 29 and len(rows["threads"]) == 7
    return rows


@pytest.fixture
def work(tmp_path, forum):
    yield tmp_path
    forum.faults.clear()
    forum.release()


def failures(work: Path) -> list[str]:
    return json.loads(last_run(work / "forumcrawl.db")["failures"])


def assert_equal_to_an_uninterrupted_crawl(
    work: Path, forum: LiveForum, reference: dict, *extra: str
) -> None:
    """One ordinary run, then the database holds what the uninterrupted crawl holds."""
    result = run_live(work, f"{forum.root}/forums/", *extra)
    assert result.returncode == 0, result.stderr[-3000:]
    got = content_rows(work / "forumcrawl.db")
    for table, rows in reference.items():
        differing = [(a, b) for a, b in zip(got[table], rows, strict=False) if a != b]
        assert got[table] == rows, (table, len(got[table]), len(rows), differing[:1])
    db = sqlite3.connect(work / "forumcrawl.db")
    try:
        assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert db.execute("pragma foreign_key_check").fetchall() == []
        dupes = "select thread_id, native_id from posts group by 1, 2 having count(*) > 1"
        assert db.execute(dupes).fetchall() == []
    finally:
        db.close()


# ---------------------------------------------------------------- faults (issue 20)
def test_a_listing_page_failing_after_retries_fails_the_run_and_the_next_run_reads_its_threads(
    work, forum, reference
):
    page2 = f"{BOARD}page-2"
    forum.faults[page2] = [Fault(status=500)] * 10
    result = run_live(work, f"{forum.root}/forums/")
    assert result.returncode == 1, result.stderr[-2000:]
    assert any(f.startswith("page_lost: HTTP 500") and page2 in f for f in failures(work))
    # the threads listed only on page 2 are missing: the next run must not stop at page 1
    assert sqlite_utils.Database(work / "forumcrawl.db")["threads"].count == 4
    forum.faults.clear()
    assert_equal_to_an_uninterrupted_crawl(work, forum, reference)


def test_a_listing_page_that_times_out_fails_the_run_and_the_next_run_reads_its_threads(
    work, forum, reference
):
    page2 = f"{BOARD}page-2"
    forum.faults[page2] = [Fault(delay=3)] * 3
    result = run_live(work, f"{forum.root}/forums/", "-s", "DOWNLOAD_TIMEOUT=1", "-s", "RETRY_TIMES=1")
    assert result.returncode == 1, result.stderr[-2000:]
    assert any(f.startswith("page_lost: download failed") and page2 in f for f in failures(work))
    forum.faults.clear()
    assert_equal_to_an_uninterrupted_crawl(work, forum, reference)


def test_a_thread_page_failing_after_retries_fails_the_run_and_the_next_run_stores_it(work, forum, reference):
    page2 = forum.thread(F35).page_url(2)
    forum.faults[page2] = [Fault(status=503)] * 10
    result = run_live(work, f"{forum.root}/forums/")
    assert result.returncode == 1, result.stderr[-2000:]
    assert any(f.startswith("page_lost: HTTP 503") for f in failures(work))
    forum.faults.clear()
    assert_equal_to_an_uninterrupted_crawl(work, forum, reference)


def test_a_truncated_thread_page_fails_the_run_and_the_next_run_stores_it(work, forum, reference):
    forum.faults[forum.thread(F35).page_url(3)] = [Fault(truncate=True)]
    result = run_live(work, f"{forum.root}/forums/")
    assert result.returncode == 1, result.stderr[-2000:]
    assert any(f.startswith("page_lost: truncated download") for f in failures(work))
    assert_equal_to_an_uninterrupted_crawl(work, forum, reference)


def test_a_thread_redirected_to_another_host_fails_the_run_with_both_urls(work, forum, reference):
    first = forum.thread(RAMADI).page_url(1)
    elsewhere = "http://elsewhere.invalid/moved"
    forum.faults[first] = [Fault(status=301, body=b"", headers=(("Location", elsewhere),))]
    result = run_live(work, f"{forum.root}/forums/")
    assert result.returncode == 1, result.stderr[-2000:]
    (lost,) = [f for f in failures(work) if f.startswith("offsite_redirect")]
    assert first in lost and elsewhere in lost
    assert "elsewhere.invalid" not in " ".join(forum.requests())  # not followed
    assert_equal_to_an_uninterrupted_crawl(work, forum, reference)


def test_posts_numbered_per_thread_never_overwrite_another_threads(tmp_path):
    # a forum whose post anchors restart in every thread (id="post-1" in each), read by
    # the generic reader: keys must carry the thread, or thread 2's posts replace thread 1's
    with LiveForum() as forum:
        forum.restyle = lambda html: re.sub(r"\b1\d(\d\d)\b", lambda m: str(int(m.group(1))), html)
        seeds = " ".join(forum.root + t.page_url(1) for t in forum.threads)
        first = forum.root + forum.threads[0].page_url(1)
        result = run_live(tmp_path, first, "-a", f"urls={seeds}", "-a", "engine=generic")
    assert result.returncode == 0, result.stderr[-2000:]
    db = sqlite_utils.Database(tmp_path / "forumcrawl.db")
    written = json.loads(last_run(tmp_path / "forumcrawl.db")["stats"])["forumcrawl/stored/posts"]
    assert db["posts"].count == written > 20  # every post read is a row of its own
    for post in db["posts"].rows:
        assert post["id"].startswith(post["thread_id"] + "#"), post["id"]


def test_a_control_byte_in_the_markup_costs_nothing(work, forum, reference):
    page = forum.thread(F35).page_url(2)
    html = forum.render(page).replace('<div class="bbWrapper"', '<div da\x01ta-x="1" class="bbWrapper"', 1)
    html = html.replace("</article>", "\x00\x1b</article>", 1)
    # beside the "Click to expand..." chrome the reader drops: lxml refused the joined text
    html = html.replace('\t\t<div class="bbCodeBlock-expand', '\x01\t\t<div class="bbCodeBlock-expand', 1)
    forum.faults[page] = [Fault(body=html.encode())]
    result = run_live(work, f"{forum.root}/forums/")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    got = content_rows(work / "forumcrawl.db")
    assert got["posts"] == reference["posts"]  # the bytes were dropped, the page read whole


@pytest.fixture
def own_folder(work):
    """A folder that can be made read-only: a tmpfs mount for root (whom file modes do
    not stop; a read-only file system stops everyone), a plain folder otherwise."""
    folder = work / "data"
    folder.mkdir()
    if os.geteuid() != 0:
        yield folder
        folder.chmod(0o755)
        return
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"root, and cannot mount a file system to make read-only: {mounted.stderr!r}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def set_read_only(folder: Path, read_only: bool) -> None:
    if os.geteuid() == 0:
        subprocess.run(["mount", "-o", f"remount,{'ro' if read_only else 'rw'}", str(folder)], check=True)
    else:
        for path in [*folder.iterdir(), folder]:
            path.chmod(
                (0o555 if path.is_dir() else 0o444) if read_only else (0o755 if path.is_dir() else 0o644)
            )


def test_a_read_only_database_is_one_line_and_nothing_is_fetched(own_folder, forum, reference):
    result = run_live(own_folder, f"{forum.root}{forum.thread(F35).page_url(1)}")  # one thread stored
    assert result.returncode == 0, result.stderr[-2000:]
    set_read_only(own_folder, True)
    try:
        since = len(forum.log)
        result = run_live(own_folder, f"{forum.root}/forums/")
        assert result.returncode == 1, result.stderr[-2000:]
        (line,) = result.stderr.splitlines()[-1:]
        assert line.startswith("forumcrawl: database ") and "is read-only" in line, result.stderr[-2000:]
        assert "Traceback" not in result.stderr
        assert not forum.requests(since)
        reparse = subprocess.run(
            [sys.executable, "-m", "forumcrawl.cli", "reparse", "--db", str(own_folder / "forumcrawl.db")],
            capture_output=True,
            text=True,
        )
        assert reparse.returncode == 2 and "is read-only" in reparse.stderr, reparse.stderr
        assert "Traceback" not in reparse.stderr
    finally:
        set_read_only(own_folder, False)
    assert_equal_to_an_uninterrupted_crawl(own_folder, forum, reference)


def test_a_read_only_directory_is_named_as_such(own_folder, forum):
    set_read_only(own_folder, True)
    try:
        result = run_live(
            own_folder.parent, f"{forum.root}/forums/", "-s", f"FORUMCRAWL_DB={own_folder / 'f.db'}"
        )
        assert result.returncode == 1
        assert f"directory {own_folder} is read-only" in result.stderr, result.stderr[-2000:]
        assert "not a usable SQLite database" not in result.stderr and "Traceback" not in result.stderr
    finally:
        set_read_only(own_folder, False)


def test_a_full_disk_stops_the_run_with_one_line_and_the_next_run_completes_it(work, forum, reference):
    open_db(work / "forumcrawl.db").close()  # created and shaped: the crawl's writes fill it
    limit = (work / "forumcrawl.db").stat().st_size + 40_000  # bytes a file may grow to

    def small_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = subprocess.run(
        live_crawl_command(work, f"{forum.root}/forums/", "-s", "FORUMCRAWL_BATCH_SIZE=5", "-s", "LOG_FILE="),
        cwd=work,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=small_disk,
    )
    assert result.returncode == 1, result.stderr[-2000:]
    assert result.stderr.count("Traceback") == 0, result.stderr[-3000:]
    (line,) = [f for f in failures(work) if f.startswith("store_failed")]
    assert "the crawl stops here" in line and "disk I/O error" in line  # EFBIG, as SQLite reports it
    stored = sqlite_utils.Database(work / "forumcrawl.db")["posts"].count
    assert stored < 29
    assert_equal_to_an_uninterrupted_crawl(work, forum, reference)


# ---------------------------------------------------------------- interruptions
POINTS = {  # where the run is stopped: (hold every request after this page, or hold just this page)
    "after the index": ("/forums/", None),
    "after listing page 1": (BOARD, None),
    "with listing page 2 unread": (None, f"{BOARD}page-2"),
    "after listing page 2": (f"{BOARD}page-2", None),
    "mid-thread": ("F35 page 2", None),
}


def crawl_stopped(work: Path, forum: LiveForum, sig: int, *extra: str) -> tuple[int, str]:
    """A crawl of the forum, sent ``sig`` once it reaches the point the forum holds it at
    (``forum.hold``) and has fetched what it could: its exit status and its stderr."""
    proc = subprocess.Popen(
        live_crawl_command(work, f"{forum.root}/forums/", "-s", "FORUMCRAWL_BATCH_SIZE=5", *extra),
        cwd=work,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert forum.holding.wait(60), "the crawl never reached the point"
        forum.quiet(0.5)  # what could be fetched was fetched
        proc.send_signal(sig)
        forum.release()
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, stderr


@pytest.mark.parametrize("jobdir", [False, True], ids=["", "JOBDIR"])
@pytest.mark.parametrize("point", list(POINTS))
@pytest.mark.parametrize(
    "sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=["kill -9", "SIGTERM", "SIGINT"]
)
def test_a_run_stopped_anywhere_is_repaired_by_the_next_ordinary_run(
    work, forum, reference, sig, point, jobdir
):
    after, only = POINTS[point]
    if after == "F35 page 2":
        after = forum.thread(F35).page_url(2)
    extra = ("-s", f"JOBDIR={work / 'job'}") if jobdir else ()
    forum.hold(after, only)  # the crawl cannot get past this point
    returncode, stderr = crawl_stopped(work, forum, sig, *extra)
    # never "success" for a run cut short: 1 with its reason, or killed outright
    assert returncode == (1 if sig != signal.SIGKILL else -signal.SIGKILL), stderr[-2000:]
    if sig != signal.SIGKILL:
        assert "Traceback" not in stderr, stderr[-3000:]
        assert last_run(work / "forumcrawl.db")["failed"] == 1
    assert_equal_to_an_uninterrupted_crawl(work, forum, reference, *extra)


def test_ctrl_c_at_a_terminal_stops_the_crawl_and_its_reading_workers_in_one_piece(work, forum, reference):
    # A terminal sends SIGINT to the whole foreground process group: the crawl and each of
    # its reading workers. The workers leave the decision to the crawl, which stops as
    # after any SIGINT; nothing prints a worker's KeyboardInterrupt.
    forum.hold(f"{BOARD}page-2", None)
    proc = subprocess.Popen(
        live_crawl_command(work, f"{forum.root}/forums/", "-s", "FORUMCRAWL_BATCH_SIZE=5"),
        cwd=work,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a shell job has
    )
    try:
        assert forum.holding.wait(60), "the crawl never reached the point"
        forum.quiet(0.5)
        group = [pid for pid in _processes() if os.getpgid(pid) == proc.pid]
        assert len(group) >= 3, group  # the crawl, the fork server, its workers
        os.killpg(proc.pid, signal.SIGINT)
        forum.release()
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, stderr[-2000:]
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr[-3000:]
    assert last_run(work / "forumcrawl.db")["failed"] == 1
    deadline = time.monotonic() + 10
    while [pid for pid in group if _running(pid)] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in group if _running(pid)]
    assert_equal_to_an_uninterrupted_crawl(work, forum, reference)


def _running(pid: int) -> bool:
    """Alive and not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _processes() -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                os.getpgid(int(entry.name))
            except ProcessLookupError:
                continue
            out.append(int(entry.name))
    return out


def test_another_programs_database_is_refused_by_every_command_and_left_untouched(work, forum, capsys):
    theirs = work / "forumcrawl.db"
    before = foreign_database(theirs)
    since = len(forum.log)
    result = run_live(work, f"{forum.root}/forums/")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith("forumcrawl: ")
    assert "not a forumcrawl database (it holds posts); refusing to change it" in result.stderr
    assert not forum.requests(since)
    for command in (
        ["reparse", "--db"],
        ["stats", "--db"],
        ["export", "--db"],
        ["merge", str(work / "m.db")],
    ):
        assert cli.main([*command, str(theirs)]) == 2, command
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "not a forumcrawl database" in err, (command, err)
    assert theirs.read_bytes() == before
    assert sorted(p.name for p in work.iterdir() if p.name.startswith("forumcrawl.db")) == [
        "forumcrawl.db",
        "forumcrawl.db.lock",
    ]


def test_a_thread_whose_pages_do_not_show_their_count_is_finished_after_a_kill(tmp_path):
    # phpBB, vBulletin, SMF and MyBB pages say "next" but not always how many pages there
    # are: a thread cut off after its second page must not pass for complete
    with LiveForum(delay=0.02) as forum:
        forum.restyle = lambda html: re.sub(r'<ul class="pageNav-main">.*?</ul>', "", html, flags=re.S)
        (tmp_path / "reference").mkdir()
        assert run_live(tmp_path / "reference", f"{forum.root}/forums/").returncode == 0
        reference = content_rows(tmp_path / "reference" / "forumcrawl.db")
        assert {t["page_count"] for t in reference["threads"]} == {1}  # what the pages say
        work = tmp_path / "cut"
        work.mkdir()
        forum.hold(forum.thread(F35).page_url(2))
        assert crawl_stopped(work, forum, signal.SIGKILL)[0] == -signal.SIGKILL
        assert_equal_to_an_uninterrupted_crawl(work, forum, reference)
