"""Cron-grade runs against a live forum on 127.0.0.1 that changes between runs: only
what changed is fetched, edits keep their previous version, deleted posts are marked,
a killed run resumes to the same database, and two runs never share one database."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import sqlite_utils
from conftest import (
    content_rows,
    last_stats,
    live_crawl_command,
    run_live,
    stored_posts,
)
from live_forum import LiveForum

from forumcrawl.storage.lock import RunLock

SEED_THREAD, F35, DRILL, RAMADI = 345, 346, 347, 348


def db_of(tmp_path) -> sqlite_utils.Database:
    return sqlite_utils.Database(tmp_path / "forumcrawl.db")


def stats_of(tmp_path) -> dict:
    return last_stats(tmp_path / "forumcrawl.db")


def crawl(tmp_path, forum: LiveForum, *extra: str) -> list[str]:
    """One run; returns the paths it fetched."""
    since = len(forum.log)
    result = run_live(tmp_path, f"{forum.root}/forums/", *extra)
    assert result.returncode == 0, result.stderr[-3000:]
    return forum.requests(since)


def test_second_run_fetches_only_listings_and_new_replies_resume_at_the_last_page(tmp_path):
    with LiveForum() as forum:
        first = crawl(tmp_path, forum)
        db = db_of(tmp_path)
        assert db["posts"].count == 29 and db["threads"].count == 7

        # unchanged forum: the index and the board's first page, nothing else
        second = crawl(tmp_path, forum)
        assert second == ["/forums/", "/forums/global-defence.12/"]
        assert stats_of(tmp_path)["forumcrawl/incremental/skip"] == 4

        # 3 replies to the 3-page F-35 thread (2 posts on its last page: one more page),
        # and a new thread
        for n in range(3):
            forum.reply(F35, f"Late reply number {n + 1} on the procurement history.")
        forum.new_thread(360, "Frigate programme costs", ["Opening post on frigates.", "A reply."])
        third = crawl(tmp_path, forum)
        f35 = forum.thread(F35)
        # the board's first page ends with an unchanged thread: its second page is not read
        assert sorted(third) == sorted(
            [
                "/forums/",
                "/forums/global-defence.12/",
                f35.page_url(3),
                f35.page_url(4),
                "/threads/frigate-programme-costs.360/",
            ]
        )
        assert db["posts"].count == 29 + 3 + 2
        row = db["threads"].get("127.0.0.1:346")
        assert (row["reply_count"], row["page_count"], row["last_page"]) == (12, 4, 4)
        assert db.execute("select count(*) from posts where vanished_at is not null").fetchone()[0] == 0
        print(
            f"requests: first run {len(first)}, unchanged {len(second)}, after 3 replies and "
            f"a new thread {len(third)}"
        )


def test_full_run_fetches_everything_again(tmp_path):
    with LiveForum() as forum:
        first = crawl(tmp_path, forum)
        again = crawl(tmp_path, forum, "-a", "full=1")
        assert sorted(again) == sorted(first)


def test_edited_post_keeps_its_previous_version_and_a_deleted_one_is_marked(tmp_path):
    with LiveForum() as forum:
        crawl(tmp_path, forum)
        db = db_of(tmp_path)
        before = db["posts"].get("127.0.0.1:1203")["body_text"]
        # on the drill thread's only page: an edit, and a reply (so the listing changes)
        forum.edit(1203, "Which two, I wonder. (Edited: Turkey and Georgia, per the ministry.)")
        forum.reply(DRILL, "They were named in the ministry's statement.")
        # on the Ramadi thread: the last post deleted and a new one written
        forum.delete(1302)
        forum.reply(RAMADI, "Habbaniyah it is, then.")
        crawl(tmp_path, forum)

        edited = db["posts"].get("127.0.0.1:1203")
        assert "Turkey and Georgia" in edited["body_text"] and edited["edited_at"]
        revisions = list(db.query("select * from post_revisions where post_id = '127.0.0.1:1203'"))
        assert len(revisions) == 1 and revisions[0]["body_text"] == before
        gone = db["posts"].get("127.0.0.1:1302")
        assert gone["vanished_at"] and gone["body_text"]  # marked, never deleted
        assert db.execute("select count(*) from posts where vanished_at is not null").fetchone()[0] == 1
        stats = stats_of(tmp_path)
        assert stats["forumcrawl/stored/revisions"] == 1 and stats["forumcrawl/stored/vanished"] == 1

        # unchanged since: nothing more is kept
        crawl(tmp_path, forum, "-a", "full=1")
        assert db["post_revisions"].count == 1


def snapshot(workdir) -> dict:
    """What a run stored, and which pages it archived (not when)."""
    out = content_rows(workdir / "forumcrawl.db")
    out["pages"] = sorted({r["url"] for r in db_of(workdir).query("select url from pages")})
    return out


def test_killed_run_resumed_with_jobdir_ends_with_the_same_database(tmp_path):
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    whole.mkdir(), killed.mkdir()
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "forumcrawl.settings"}
    with LiveForum(delay=0.15) as forum:
        crawl(whole, forum)
        reference = snapshot(whole)

        jobdir = ["-s", f"JOBDIR={killed / 'job'}", "-s", "FORUMCRAWL_BATCH_SIZE=5"]
        proc = subprocess.Popen(
            live_crawl_command(killed, f"{forum.root}/forums/", *jobdir),
            cwd=killed,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while stored_posts(killed) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        partial = db_of(killed)
        stored = partial["posts"].count
        assert 0 < stored < 29, stored  # killed mid-crawl, with some of it stored
        run = next(partial.query("select * from crawl_runs"))
        assert run["finished_at"] is None

        crawl(killed, forum, *jobdir)
        resumed = db_of(killed)
        got = snapshot(killed)
        for table in reference:
            assert got[table] == reference[table], (
                table,
                [(a, b) for a, b in zip(got[table], reference[table]) if a != b][:2],
                len(got[table]),
                len(reference[table]),
            )
        assert resumed.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert resumed.execute("pragma foreign_key_check").fetchall() == []
        runs = list(resumed.query("select finish_reason, failed from crawl_runs order by id"))
        assert runs == [{"finish_reason": "killed", "failed": 1}, {"finish_reason": "finished", "failed": 0}]


def test_a_run_on_a_database_another_run_holds_exits_at_once_with_75(tmp_path):
    with LiveForum() as forum:
        with RunLock(tmp_path / "forumcrawl.db"):  # another run holds the database
            started = time.monotonic()
            second = run_live(tmp_path, f"{forum.root}/forums/")
            assert time.monotonic() - started < 20
            assert second.returncode == 75
            assert "another forumcrawl run is using" in second.stderr and "pid" in second.stderr
            assert not forum.requests()
        first = run_live(tmp_path, f"{forum.root}/forums/")  # the lock is free again
        assert first.returncode == 0, first.stderr[-2000:]
        db = db_of(tmp_path)
        assert db["posts"].count == 29 and db["crawl_runs"].count == 1


def test_a_jobdir_queue_cut_by_a_kill_is_set_aside_not_fatal(tmp_path):
    from types import SimpleNamespace

    from forumcrawl.crawl.scheduler import ResumableDiskQueue

    broken = tmp_path / "p0"
    broken.write_bytes(b"\x00\x00")  # SIGKILL inside the 4-byte size header
    queue = ResumableDiskQueue(SimpleNamespace(spider=None), str(broken))
    assert len(queue) == 0 and (tmp_path / "p0.broken").exists()
    queue.close()


def test_a_jobdir_queue_whose_header_counts_records_it_lacks_is_set_aside_not_asked_forever(tmp_path):
    """A queue cut after a clean close wrote its count: every pop would fail (OSError)
    while the scheduler still counts requests pending, and the run would never end."""
    import struct
    from types import SimpleNamespace

    from forumcrawl.crawl.scheduler import ResumableDiskQueue

    broken = tmp_path / "p0"
    broken.write_bytes(struct.pack(">L", 3) + b"xx")
    queue = ResumableDiskQueue(SimpleNamespace(spider=None), str(broken))
    assert len(queue) == 3
    assert queue.pop() is None and len(queue) == 0
    assert (tmp_path / "p0.broken").exists()
    queue.close()


def test_an_unreadable_jobdir_state_file_is_set_aside_and_the_queue_starts_empty(tmp_path):
    from forumcrawl.crawl.scheduler import ResumableScheduler

    scheduler = ResumableScheduler.__new__(ResumableScheduler)  # only its state file is read
    for content in ('{"not": "a list"', "[1, 2", '{"a": 1}', "\x00\xff"):
        state = tmp_path / "active.json"
        state.write_bytes(content.encode("latin-1"))
        assert scheduler._read_dqs_state(str(tmp_path)) == ()
        assert (tmp_path / "active.json.broken").exists() and not state.exists()
    (tmp_path / "active.json").write_text("[0, -1]")
    assert scheduler._read_dqs_state(str(tmp_path)) == [0, -1]
