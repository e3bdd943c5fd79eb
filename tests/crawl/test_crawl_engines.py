"""Every engine through a real ``scrapy crawl``: each corpus thread page replayed at its
original URL lands in SQLite with its engine and evidence recorded."""

from __future__ import annotations

import sqlite_utils
from conftest import run_crawl
from gold import FIXTURES, fixture_pages


def test_every_engines_thread_pages_land_in_sqlite(tmp_path):
    pages = fixture_pages(FIXTURES)
    replay = tmp_path / "replay"
    replay.mkdir()
    (replay / "urls.tsv").write_text("".join(f"{p.url}\t{p.path}\n" for p in pages), encoding="utf-8")
    (tmp_path / "seeds.txt").write_text("".join(f"{p.url}\n" for p in pages), encoding="utf-8")
    # Next-page links are not in the replay: they 404, which is logged, not a failure.
    result = run_crawl(
        tmp_path,
        None,
        replay,
        "-a",
        f"urls_file={tmp_path / 'seeds.txt'}",
        "-s",
        "DEPTH_LIMIT=1",
        "-s",
        "DOWNLOAD_DELAY=0",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    db = sqlite_utils.Database(tmp_path / "forumcrawl.db")
    engines = {row["engine"] for row in db.query("select engine from sites")}
    assert engines == {p.engine for p in pages}
    # The Flarum page and its API response carry the same three posts: stored once.
    expected = sum(p.expected_posts for p in pages) - 3
    assert db["posts"].count == expected
    fallback = next(db.query("select engine_evidence from sites where engine = 'generic'"))
    assert "fallback" in fallback["engine_evidence"]
    assert db.execute("pragma foreign_key_check").fetchall() == []
