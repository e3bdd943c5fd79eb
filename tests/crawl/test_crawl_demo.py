"""The README's first command: crawl the bundled demo forum offline into SQLite."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
import sqlite_utils
from conftest import DEMO, DEMO_HOST, SEED_THREAD, run_crawl

CHROME = (
    "Latest Replies",
    "New threads",
    "Click to expand",
    "Share this page",
    "Log in",
    "Terms and rules",
    "Reply, quoting",
)


def test_seed_thread_article_and_author(demo_db):
    db = sqlite_utils.Database(demo_db)
    post = next(db.query("select * from posts where id = 'defence-forum.example:1001'"))
    thread = db["threads"].get(post["thread_id"])
    assert thread["url"] == SEED_THREAD
    assert thread["page_count"] == 2 and thread["reply_count"] == 5
    user = db["users"].get(post["user_id"])
    assert (user["title"], user["joined_at"]) == ("Senior Member", "2011-03-18")
    article = next(db.query("select * from articles where post_id = ?", [post["id"]]))
    assert article["headline"] == "Russia Urges U.S. to Enlist Syria's Assad to Fight Islamic State"
    assert article["byline"] == "Henry Meyer"
    assert article["published_at"] == "2015-05-30"
    assert article["outlet"] == "Bloomberg"
    assert article["body_text"].startswith("Russian Foreign Minister Sergei Lavrov said")
    assert "Building Bridges" in article["body_text"] and "Blaming Kiev" in article["body_text"]


def test_whole_demo_lands_with_keys_quotes_and_search(demo_db):
    db = sqlite_utils.Database(demo_db)
    assert db["threads"].count == 7
    assert db["posts"].count == 29
    assert db["boards"].count == 1 and db["sites"].count == 1
    site = db["sites"].get("defence-forum.example")
    assert site["engine"] == "xenforo2" and "html#XF" in site["engine_evidence"]
    assert site["name"] == "Defence Forum Demo"  # what its pages call it (og:site_name)
    # Every post of the three-page thread, in order.
    positions = [
        r["position"]
        for r in db.query(
            "select position from posts where thread_id = 'defence-forum.example:346' order by position"
        )
    ]
    assert positions == list(range(1, 11))
    quote = next(db.query("select * from quotes where post_id = 'defence-forum.example:1004' and depth = 2"))
    assert quote["quoted_author"] == "GeoStrat" and quote["quoted_post_id"] == "1001"
    assert [
        r["id"]
        for r in db.query(
            "select posts.id from posts join posts_fts on posts.rowid = posts_fts.rowid "
            "where posts_fts match 'bottleneck' order by posts.id"
        )
    ] == ["defence-forum.example:1302"]
    outlets = {r["outlet"]: r["in_quote"] for r in db.query("select outlet, in_quote from articles")}
    assert outlets == {"Bloomberg": 0, "defence-review.example": 0, "wire.example": 1}
    fks = {(fk.column, fk.other_table) for fk in db["posts"].foreign_keys}
    assert {("thread_id", "threads"), ("user_id", "users"), ("site_id", "sites")} <= fks
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert next(db.query("select count(*) as n from posts_view"))["n"] == 29
    run = next(db.query("select * from crawl_runs"))
    assert run["finish_reason"] == "finished" and run["failed"] == 0 and run["pages_fetched"] >= 13


def test_no_chrome_in_any_stored_text(demo_db):
    conn = sqlite3.connect(demo_db)
    for table, columns in {
        "posts": ["body_text", "body_html", "signature_text"],
        "quotes": ["text"],
        "articles": ["headline", "body_text"],
        "threads": ["title"],
        "users": ["name", "title"],
    }.items():
        for column in columns:
            for marker in CHROME:
                hits = conn.execute(
                    f"select count(*) from {table} where {column} like ?", [f"%{marker}%"]
                ).fetchone()[0]
                assert hits == 0, (table, column, marker)


def snapshot(path) -> dict:
    db = sqlite_utils.Database(path)
    out = {}
    for name in db.table_names():
        if name in ("crawl_runs", "board_walks") or "_fts" in name:  # run records, the index
            continue
        pk = "key" if name == "_forumcrawl_meta" else "id"
        rows = list(db.query(f"select * from [{name}] order by [{pk}]"))
        if name == "pages":  # the archive notes when each page was last seen
            rows = [{k: v for k, v in row.items() if k != "fetched_at"} for row in rows]
        out[name] = rows
    return out


@pytest.mark.parametrize("mode", [(), ("-a", "full=1")], ids=["incremental", "full"])
def test_crawling_twice_changes_nothing_but_the_run_records(demo_db, tmp_path, mode):
    shutil.copy(demo_db, tmp_path / "forumcrawl.db")
    before = snapshot(tmp_path / "forumcrawl.db")
    result = run_crawl(tmp_path, f"{DEMO_HOST}/forums/", DEMO, *mode)
    assert result.returncode == 0, result.stderr[-2000:]
    assert snapshot(tmp_path / "forumcrawl.db") == before
    assert sqlite_utils.Database(tmp_path / "forumcrawl.db")["crawl_runs"].count == 2


def test_single_thread_url(tmp_path):
    result = run_crawl(tmp_path, SEED_THREAD)
    assert result.returncode == 0, result.stderr[-2000:]
    db = sqlite_utils.Database(tmp_path / "forumcrawl.db")
    assert db["posts"].count == 6 and db["threads"].count == 1


def test_urls_file(tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text(f"# two threads\n{SEED_THREAD}\n{DEMO_HOST}/threads/ramadi-falls-analysis.348/\n")
    result = run_crawl(tmp_path, None, DEMO, "-a", f"urls_file={urls}")
    assert result.returncode == 0, result.stderr[-2000:]
    db = sqlite_utils.Database(tmp_path / "forumcrawl.db")
    assert db["threads"].count == 2 and db["posts"].count == 8
