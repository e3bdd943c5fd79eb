"""The benchmark farm (bench/farm.py) is a forum forumcrawl reads completely: every page
parses with the right engine, every post is there, and the crawl stores them all."""

from __future__ import annotations

import sys
from pathlib import Path

import sqlite_utils
from conftest import ROOT, run_crawl

sys.path.insert(0, str(ROOT / "bench"))

import farm
from parse_only import thread_pages

from forumcrawl.reading.service import read_page
from forumcrawl.reading.validate import CHROME_MARKERS


def small_farm(out: Path, threads: int, pages: int, posts: int) -> dict:
    """A farm of both engines on the hosts the tests crawl it as (replayed from disk)."""
    return farm.build(
        out,
        threads=threads,
        pages=pages,
        posts=posts,
        xenforo_host="localhost:8711",
        phpbb_host="127.0.0.1:8711",
    )


def test_a_small_farm_parses_whole_and_crawls_whole(tmp_path):
    manifest = small_farm(tmp_path / "farm", threads=3, pages=2, posts=6)
    pages = thread_pages(tmp_path / "farm", manifest, engines=True)
    for engine, site in manifest["sites"].items():
        files = [(url, body) for url, body, of in pages if of == engine]
        assert len(files) == site["thread_pages"] == 6
        posts = []
        for url, body in files:
            doc = read_page(body, url)
            assert doc.engine == engine
            posts += doc.thread.posts
        assert len({p.post_id for p in posts}) == site["posts"] == 36
        assert not [m for p in posts for m in CHROME_MARKERS if m in p.body_text]
        assert sum(bool(p.quotes) for p in posts) >= 6  # every fourth post quotes
    # the farm is in the replay layout: an offline crawl reads all of it
    result = run_crawl(
        tmp_path, None, tmp_path / "farm", "-a", f"url={manifest['sites']['xenforo2']['start']}"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert sqlite_utils.Database(tmp_path / "forumcrawl.db")["posts"].count == 36


def _stored(doc) -> dict:
    """forumcrawl's reading of a farm page, in the shape ``bench/floor_full.py`` gives."""
    t = doc.thread.thread
    thread = {
        "title": t.title,
        "thread_id": t.thread_id,
        "board_title": t.board_title,
        "board_url": t.board_url,
        "page_number": doc.thread.page_number,
        "page_count": t.page_count,
        "next_url": doc.thread.next_url,
    }
    posts = []
    for p in doc.thread.posts:
        a = p.author
        posts.append(
            {
                "post_id": p.post_id,
                "url": p.url,
                "author": a.name,
                "user_id": a.user_id,
                "profile_url": a.profile_url,
                "user_title": a.title,
                "joined": a.joined.value,
                "message_count": a.message_count,
                "posted": p.posted.value,
                "posted_raw": p.posted.raw,
                "edited": p.edited.value,
                "position": p.position,
                "reaction_count": p.reaction_count,
                "signature_text": p.signature_text,
                "quotes": [
                    {
                        "position": q.position,
                        "depth": q.depth,
                        "text": q.text,
                        "author": q.author,
                        "author_user_id": q.author_user_id,
                        "post_id": q.post_id,
                    }
                    for q in p.quotes
                ],
                "body_text": p.body_text,
                "body_html": p.body_html,
            }
        )
    return {"thread": thread, "posts": posts}


def test_the_full_floor_reads_every_field_as_forumcrawl_stores_it(tmp_path):
    """``bench/floor_full.py`` is a yardstick for reading everything: it must read the same
    values, or its speed says nothing about ours."""
    import floor_full

    manifest = small_farm(tmp_path / "farm", threads=4, pages=2, posts=8)
    seen = {"quotes": 0, "signatures": 0, "next": 0}
    for url, body, _engine in thread_pages(tmp_path / "farm", manifest, engines=True):
        ours, floor = _stored(read_page(body, url)), floor_full.extract(body, url)
        assert floor == ours, url
        seen["quotes"] += sum(len(p["quotes"]) for p in ours["posts"])
        seen["signatures"] += sum(p["signature_text"] is not None for p in ours["posts"])
        seen["next"] += ours["thread"]["next_url"] is not None
    assert min(seen.values()) > 0, seen  # the comparison covered every kind of field
