"""One reading path: ``extract``, a replayed crawl and ``reparse`` give the same rows for
the same pages, because all three read them through ``read_page``; and every date is
read against its page's fetch time, so relative dates survive a re-parse."""

from __future__ import annotations

import shutil
import time
from datetime import datetime

import sqlite_utils
from conftest import FIXTURES, run_crawl
from test_reparse import reparse

from forumcrawl.reading.sites import Sites
from forumcrawl.storage.records import records_for, row_record
from forumcrawl.storage.rows import page_body


def stored_post_records(db: sqlite_utils.Database, page_url: str) -> list[dict]:
    """The posts a crawl stored from one page, as records (what ``extract`` prints)."""
    out = []
    for post in db.query("select * from posts where page_url = ? order by rowid", [page_url]):
        user = next(db.query("select * from users where id = ?", [post["user_id"]]), {})
        quotes = db.query("select * from quotes where post_id = ? order by position", [post["id"]])
        out.append(
            {
                "type": "post",
                **row_record("posts", post, post["site_id"]),
                **row_record("users", user, post["site_id"]),
                "quotes": [row_record("quotes", q, None) for q in quotes],
            }
        )
    return out


def test_extract_prints_for_each_archived_page_what_the_crawl_stored(demo_db):
    db = sqlite_utils.Database(demo_db)
    pages = list(
        db.query("select url, content_type, body, first_fetched_at from pages where kind = 'thread'")
    )
    assert len(pages) >= 9
    sites = Sites()
    for page in pages:
        context = sites.context(
            page["url"], datetime.fromisoformat(page["first_fetched_at"]), page["content_type"]
        )
        extracted = [r for r in records_for(page_body(page), page["url"], context) if r["type"] == "post"]
        assert extracted == stored_post_records(db, page["url"]), page["url"]


def relative_board(tmp_path):
    """The phpBB 3.0 board over its real thread, its last post shown as "3 hours ago"."""
    replay = tmp_path / "replay"
    replay.mkdir()
    board = (FIXTURES / "phpbb3/viewforum-f-5.html").read_text(encoding="utf-8")
    board = board.replace("<br />Fri Nov 10, 2017 4:38 pm</span>", "<br />3 hours ago</span>", 1)
    (replay / "board.html").write_text(board, encoding="utf-8")
    (replay / "urls.tsv").write_text(
        f"https://forum.openoffice.org/en/forum/viewforum.php?f=5\t{replay / 'board.html'}\n"
        f"https://forum.openoffice.org/en/forum/viewtopic.php?f=5&t=82202\t{FIXTURES / 'phpbb3/openoffice-82202.html'}\n",
        encoding="utf-8",
    )
    return replay


def test_a_relative_listing_date_keeps_its_value_through_reparse(tmp_path):
    result = run_crawl(
        tmp_path, "https://forum.openoffice.org/en/forum/viewforum.php?f=5", relative_board(tmp_path)
    )
    assert result.returncode == 0, result.stderr[-2000:]
    db = sqlite_utils.Database(tmp_path / "forumcrawl.db")
    crawled = db["threads"].get("forum.openoffice.org:82202")["last_post_at"]
    fetched = datetime.fromisoformat(next(db.query("select min(first_fetched_at) t from pages"))["t"])
    assert abs((fetched - datetime.fromisoformat(crawled)).total_seconds() - 3 * 3600) <= 60
    time.sleep(1.1)  # read against "now", the value would move
    assert reparse(tmp_path, "--out", "fresh.db").returncode == 0
    fresh = sqlite_utils.Database(tmp_path / "fresh.db")
    assert fresh["threads"].get("forum.openoffice.org:82202")["last_post_at"] == crawled
    # the archive says when the page was read: a listing read years ago means years ago
    shutil.copy(tmp_path / "forumcrawl.db", tmp_path / "old.db")
    old = sqlite_utils.Database(tmp_path / "old.db")
    old.execute(
        "update pages set first_fetched_at = '2020-03-01T12:00:00+00:00', fetched_at = '2020-03-01T12:00:00+00:00'"
    )
    old.conn.commit()
    assert reparse(tmp_path, "--db", "old.db", "--out", "old-fresh.db").returncode == 0
    refetched = sqlite_utils.Database(tmp_path / "old-fresh.db")["threads"].get("forum.openoffice.org:82202")
    assert refetched["last_post_at"] == "2020-03-01T09:00:00+00:00"
