"""``forumcrawl reparse``: the page archive a crawl keeps rebuilds its rows offline."""

from __future__ import annotations

import shutil
import subprocess
import sys

import sqlite_utils
from conftest import content_rows


def reparse(cwd, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "forumcrawl.cli", "reparse", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_reparse_into_a_fresh_database_gives_the_crawls_rows(demo_db, tmp_path):
    shutil.copy(demo_db, tmp_path / "forumcrawl.db")
    result = reparse(tmp_path, "--out", "fresh.db")
    assert result.returncode == 0, result.stderr
    assert "reparsed 13 archived pages" in result.stdout and "29 posts" in result.stdout
    crawled = sqlite_utils.Database(demo_db)
    # the counts are the pages' own: every quote and article the rows hold
    assert f"({crawled['quotes'].count} quotes, {crawled['articles'].count} articles)" in result.stdout
    assert crawled["quotes"].count > 1 and crawled["articles"].count > 1
    assert content_rows(tmp_path / "fresh.db") == content_rows(demo_db)
    fresh = sqlite_utils.Database(tmp_path / "fresh.db")
    assert fresh["pages"].count == sqlite_utils.Database(demo_db)["pages"].count


def test_reparse_in_place_repairs_rows_without_calling_it_an_edit(demo_db, tmp_path):
    shutil.copy(demo_db, tmp_path / "forumcrawl.db")
    db = sqlite_utils.Database(tmp_path / "forumcrawl.db")
    # what an older parser might have stored: chrome in a body, a quote lost
    db.execute(
        "update posts set body_text = body_text || ' Click to expand...', content_hash = 'old'"
        " where id = 'defence-forum.example:1002'"
    )
    db.execute("delete from quotes where post_id = 'defence-forum.example:1002'")
    db.conn.commit()
    result = reparse(tmp_path)
    assert result.returncode == 0, result.stderr
    assert content_rows(tmp_path / "forumcrawl.db") == content_rows(demo_db)
    assert db["post_revisions"].count == 0


def test_reparse_reports_pages_it_cannot_read(demo_db, tmp_path):
    shutil.copy(demo_db, tmp_path / "forumcrawl.db")
    db = sqlite_utils.Database(tmp_path / "forumcrawl.db")
    import zlib

    broken = zlib.compress(b"<html><body><p>no forum here</p></body></html>")
    db.execute("update pages set body = ? where url like '%/ramadi-falls-analysis.348/'", [broken])
    db.conn.commit()
    result = reparse(tmp_path)
    assert result.returncode == 1
    assert "1 pages unreadable (unknown_engine: 1)" in result.stdout
    assert db["posts"].count == 29  # nothing lost
