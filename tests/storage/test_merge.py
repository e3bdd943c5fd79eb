"""``forumcrawl merge``: shards folded by key, idempotently, watermarks kept furthest,
the newest version of a post kept whatever the shards' order, shards only read.

The shards here are cut from one crawl of the demo forum (each keeps some threads'
pages and loses the rest), so the whole is known; ``tests/test_shared.py`` merges the
shards of real workers.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

from conftest import content_rows, foreign_database, run_live
from live_forum import LiveForum

from forumcrawl.cli import main


def cut(demo_db, path, keep_thread) -> None:
    """A copy of the demo crawl holding only the posts and pages of some threads."""
    shutil.copy(demo_db, path)
    conn = sqlite3.connect(path)
    with conn:
        threads = [row[0] for row in conn.execute("select id from threads order by id")]
        gone = [t for i, t in enumerate(threads) if not keep_thread(i)]
        marks = ",".join("?" * len(gone))
        posts = f"select id from posts where thread_id in ({marks})"
        conn.execute(f"delete from quotes where post_id in ({posts})", gone)
        conn.execute(f"delete from articles where post_id in ({posts})", gone)
        conn.execute(f"delete from post_revisions where post_id in ({posts})", gone)
        conn.execute(f"delete from posts where thread_id in ({marks})", gone)
        conn.execute(f"delete from threads where id in ({marks})", gone)
    conn.close()


def test_shards_merge_into_the_whole_once_and_for_all(demo_db, tmp_path):
    even, odd, out = tmp_path / "even.db", tmp_path / "odd.db", tmp_path / "out.db"
    cut(demo_db, even, lambda i: i % 2 == 0)
    cut(demo_db, odd, lambda i: i % 2 == 1)
    whole = content_rows(demo_db)
    # one shard read a thread only up to its first page; a later shard read it to the end
    at, partial = next((i, t) for i, t in enumerate(whole["threads"]) if t["page_count"] > 1)
    holder = even if at % 2 == 0 else odd
    further = tmp_path / "further.db"
    shutil.copy(holder, further)
    conn = sqlite3.connect(holder)
    with conn:
        conn.execute(
            "update threads set last_page = 1, last_page_url = 'first' where id = ?", [partial["id"]]
        )
    conn.close()
    conn = sqlite3.connect(further)
    with conn:
        for table in ("quotes", "articles", "post_revisions", "posts"):
            conn.execute(f"delete from {table}")
    conn.close()

    assert main(["merge", str(out), str(further), str(even), str(odd)]) == 0
    merged = content_rows(out)
    assert merged == whole
    # again, in another order: nothing changes
    assert main(["merge", str(out), str(odd), str(even), str(further)]) == 0
    assert content_rows(out) == whole
    conn = sqlite3.connect(out)
    # full-text search covers what the merge brought in
    assert conn.execute("select count(*) from posts_fts").fetchone()[0] == len(whole["posts"])
    assert (
        conn.execute("select count(*) from posts_fts where posts_fts match 'procurement'").fetchone()[0] > 0
    )
    assert conn.execute("pragma foreign_key_check").fetchall() == []


def test_merge_refuses_a_missing_shard_and_the_output_itself(tmp_path, demo_db, capsys):
    out = tmp_path / "out.db"
    shutil.copy(demo_db, out)
    assert main(["merge", str(out), str(tmp_path / "nope.db")]) == 2
    assert "no database at" in capsys.readouterr().err
    assert main(["merge", str(out), str(out)]) == 2
    assert "is the output database itself" in capsys.readouterr().err


def digest(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_nightly_shards_merge_to_the_newest_version_in_any_order_and_are_only_read(tmp_path):
    night1, night2 = tmp_path / "night1", tmp_path / "night2"
    night1.mkdir(), night2.mkdir()
    with LiveForum() as forum:
        assert run_live(night1, f"{forum.root}/forums/").returncode == 0
        shutil.copy(night1 / "forumcrawl.db", night2 / "forumcrawl.db")
        forum.edit(1203, "Edited overnight: Turkey and Georgia joined the drills.")
        forum.delete(1302)  # the thread's last post, replaced by a new one
        forum.reply(348, "Habbaniyah it is, then.")
        result = run_live(night2, f"{forum.root}/forums/", "-a", "full=1")
        assert result.returncode == 0, result.stderr[-2000:]
    newest = content_rows(night2 / "forumcrawl.db")
    assert "Edited overnight" in next(p for p in newest["posts"] if p["id"] == "127.0.0.1:1203")["body_text"]
    assert next(p for p in newest["posts"] if p["id"] == "127.0.0.1:1302")["vanished_at"]
    shards = [night1 / "forumcrawl.db", night2 / "forumcrawl.db"]
    before = [digest(s) for s in shards]
    for order in (shards, shards[::-1]):
        out = tmp_path / f"out-{order[0].parent.name}.db"
        assert main(["merge", str(out), *map(str, order)]) == 0
        merged = content_rows(out)
        assert merged == newest, order  # the later night's post, its revision, its vanished mark
        assert main(["merge", str(out), *map(str, order)]) == 0  # twice: no change
        assert content_rows(out) == newest
    assert [digest(s) for s in shards] == before  # shards are only read


def test_merge_refuses_a_foreign_or_newer_shard_and_leaves_it_untouched(tmp_path, demo_db, capsys):
    theirs = tmp_path / "theirs.db"
    foreign_database(theirs)
    newer = tmp_path / "newer.db"
    shutil.copy(demo_db, newer)
    conn = sqlite3.connect(newer)
    with conn:
        conn.execute("update _forumcrawl_meta set value = '999' where key = 'schema_version'")
    conn.close()
    for shard, says in ((theirs, "not a forumcrawl database"), (newer, "newer than this forumcrawl")):
        before = digest(shard)
        assert main(["merge", str(tmp_path / "out.db"), str(shard)]) == 2
        assert says in capsys.readouterr().err
        assert digest(shard) == before
