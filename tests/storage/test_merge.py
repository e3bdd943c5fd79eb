"""``forumcrawl merge``: shards folded by key, idempotently, watermarks kept furthest.

The shards here are cut from one crawl of the demo forum (each keeps some threads'
pages and loses the rest), so the whole is known; ``tests/test_shared.py`` merges the
shards of real workers.
"""

from __future__ import annotations

import shutil
import sqlite3

from conftest import content_rows

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
