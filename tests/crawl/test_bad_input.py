"""Bad input gets a clear error and a stat, loses nothing, and fails the run when it should."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import sqlite_utils
from conftest import DEMO, DEMO_HOST, FIXTURES, SEED_THREAD, last_run, run_crawl

SEED_FILE = "defence-forum.example/threads/russia-urges-u-s-to-enlist-syrias-assad-to-fight-islamic-state.345/index.html"


def variant(tmp_path, edit) -> Path:
    """A copy of the demo forum with one file changed by ``edit(path)``."""
    root = tmp_path / "replay"
    shutil.copytree(DEMO, root)
    edit(root)
    return root


def test_non_forum_page_fails_the_run(tmp_path):
    def edit(root):
        (root / "defence-forum.example/about.html").write_text(
            "<!DOCTYPE html><html><head><title>About</title></head><body><p>Just a page.</p></body></html>"
        )

    result = run_crawl(tmp_path, f"{DEMO_HOST}/about", variant(tmp_path, edit))
    assert result.returncode == 1
    assert "no known forum engine" in result.stderr
    run = last_run(tmp_path / "forumcrawl.db")
    assert run["failed"] == 1 and "unknown_engine" in run["failures"]
    assert json.loads(run["stats"])["forumcrawl/errors/unknown_engine"] == 1


def test_unknown_engine_names_what_it_saw(tmp_path):
    def edit(root):
        shutil.copy(FIXTURES.parent / "fixtures/xenforo2/katzen-forum-pepe.html", root / "unused.html")
        (root / "defence-forum.example/phpbb.html").write_text(
            '<!DOCTYPE html><html><head><meta name="generator" content="phpBB"></head>'
            '<body><div class="post"><p>hi</p></div></body></html>'
        )

    result = run_crawl(tmp_path, f"{DEMO_HOST}/phpbb", variant(tmp_path, edit))
    assert result.returncode == 1
    assert "phpBB" in result.stderr


def test_a_thread_page_the_engine_no_longer_fits_is_read_by_the_next_reader_and_said_so(tmp_path):
    def edit(root):
        page = root / SEED_FILE
        page.write_text(
            page.read_text(encoding="utf-8").replace("message--post", "message--gone"), encoding="utf-8"
        )

    result = run_crawl(tmp_path, SEED_THREAD, variant(tmp_path, edit))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "xenforo2 found no post; the generic reader found" in result.stderr
    db = sqlite_utils.Database(tmp_path / "forumcrawl.db")
    seed = next(db.query("select * from posts where author_name = 'GeoStrat' order by rowid"))
    assert seed["reader"] == "generic" and seed["thread_id"] == "defence-forum.example:345"
    stats = json.loads(last_run(tmp_path / "forumcrawl.db")["stats"])
    assert (
        stats["forumcrawl/readers/engine_found_none"] == 1
        and stats["forumcrawl/readers/read_by/generic"] == 1
    )
    page = next(db.query("select reader, reader_note from pages where kind = 'thread'"))
    assert page["reader"] == "generic" and "xenforo2 found no post" in page["reader_note"]


def test_a_thread_page_no_reader_finds_posts_on_fails_the_run(tmp_path):
    def edit(root):
        page = root / SEED_FILE
        text = page.read_text(encoding="utf-8")
        head, _sep, _rest = text.partition('<div class="p-body-pageContent">')
        page.write_text(head + '<div class="p-body-pageContent"></div></div></body></html>', encoding="utf-8")

    result = run_crawl(tmp_path, SEED_THREAD, variant(tmp_path, edit))
    assert result.returncode == 1
    assert "zero posts" in result.stderr
    run = last_run(tmp_path / "forumcrawl.db")
    assert run["failed"] == 1 and "thread_without_posts" in run["failures"]


def test_truncated_page_is_reported_and_loses_nothing(tmp_path, demo_db):
    shutil.copy(demo_db, tmp_path / "forumcrawl.db")
    before = list(
        sqlite_utils.Database(tmp_path / "forumcrawl.db").query(
            "select id, body_text from posts where thread_id = 'defence-forum.example:346' order by id"
        )
    )

    def edit(root):
        page = root / "defence-forum.example/threads/f-35-procurement-delays-what-went-wrong.346/page-2.html"
        data = page.read_bytes()
        page.write_bytes(data[: len(data) // 2])

    # full=1: the thread is unchanged on the board, so an incremental run would not fetch it
    result = run_crawl(tmp_path, f"{DEMO_HOST}/forums/", variant(tmp_path, edit), "-a", "full=1")
    assert "truncated" in result.stderr
    after = list(
        sqlite_utils.Database(tmp_path / "forumcrawl.db").query(
            "select id, body_text from posts where thread_id = 'defence-forum.example:346' order by id"
        )
    )
    assert after == before
    assert json.loads(last_run(tmp_path / "forumcrawl.db")["stats"])["forumcrawl/errors/truncated"] == 1


def test_mislabelled_charset_is_read_as_utf8(tmp_path):
    def edit(root):
        page = root / SEED_FILE
        text = page.read_text(encoding="utf-8").replace(
            '<meta charset="utf-8" />', '<meta charset="ISO-8859-1" />'
        )
        page.write_text(text, encoding="utf-8")
        (page.parent / "index.html.headers").write_text("Content-Type: text/html; charset=ISO-8859-1\n")

    result = run_crawl(tmp_path, SEED_THREAD, variant(tmp_path, edit))
    assert result.returncode == 0, result.stderr[-2000:]
    db = sqlite_utils.Database(tmp_path / "forumcrawl.db")
    headline = next(db.query("select headline from articles"))["headline"]
    assert headline == "Russia Urges U.S. to Enlist Syria's Assad to Fight Islamic State"
    assert json.loads(last_run(tmp_path / "forumcrawl.db")["stats"])["forumcrawl/charset_corrected"] == 1


def test_unreachable_seed_fails_the_run(tmp_path):
    result = run_crawl(tmp_path, f"{DEMO_HOST}/threads/missing.999/")
    assert result.returncode == 1
    assert "seed_unreachable" in result.stderr and "404" in result.stderr
