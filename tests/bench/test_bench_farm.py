"""The benchmark farm (bench/farm.py) is a forum forumcrawl reads completely: every page
parses with the right engine, every post is there, and the crawl stores them all."""

from __future__ import annotations

import sys

import sqlite_utils
from conftest import ROOT, run_crawl

sys.path.insert(0, str(ROOT / "bench"))

import farm
from run import url_of

from forumcrawl.reading.service import read_page
from forumcrawl.reading.validate import CHROME_MARKERS


def test_a_small_farm_parses_whole_and_crawls_whole(tmp_path):
    manifest = farm.build(
        tmp_path / "farm",
        threads=3,
        pages=2,
        posts=6,
        xenforo_host="localhost:8711",
        phpbb_host="127.0.0.1:8711",
    )
    for engine, site in manifest["sites"].items():
        host = site["host"].split(":")[0]
        files = [
            p
            for p in (tmp_path / "farm" / host).rglob("*.html")
            if "threads/" in p.as_posix() or "viewtopic" in p.name
        ]
        assert len(files) == site["thread_pages"] == 6
        posts = []
        for path in files:
            url = url_of(site["host"], path.relative_to(tmp_path / "farm" / host).as_posix())
            doc = read_page(path.read_bytes(), url)
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
