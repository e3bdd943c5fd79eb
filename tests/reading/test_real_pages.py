"""Real pages of 2025-26 that the engine readers alone got wrong, each pinned as read now.

Each folder of ``fixtures/wcxb/`` is one page of the WCXB benchmark's development split
(CC-BY-4.0, see ``fixtures/SOURCES.md``): ``page.html`` as saved, its ``gold.json`` and our
``expected.json``: which reader reads it and why (the stats the cross-checks count), how
many posts, the title, the first post's author and day, and how many of the gold's
``with`` snippets the posts' text holds and ``without`` snippets it leaks. A page that
holds no post says so with a reason instead (a bot challenge, a JavaScript app shell).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES

from forumcrawl.evaluation.wcxb import page_text
from forumcrawl.reading.context import PageContext
from forumcrawl.reading.decode import PageError
from forumcrawl.reading.service import read_page
from forumcrawl.storage.records import records_for

PAGES = sorted(p for p in (FIXTURES / "wcxb").iterdir() if (p / "expected.json").exists())


def _expected(folder: Path) -> dict:
    return json.loads((folder / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("folder", PAGES, ids=[p.name for p in PAGES])
def test_a_real_page_is_read_by_the_reader_that_fits_it(folder):
    expected = _expected(folder)
    body = (folder / "page.html").read_bytes()
    if "error" in expected:
        with pytest.raises(PageError) as caught:
            read_page(body, expected["url"], PageContext())
        assert caught.value.reason == expected["error"]
        assert getattr(caught.value, "follow", None) == expected["follow"]
        return
    result = read_page(body, expected["url"], PageContext())
    posts = result.posts
    stats = sorted(
        k.split("/", 2)[2]
        for k in result.counts
        if k.startswith("forumcrawl/readers/") and "read_by" not in k
    )
    assert (result.reader, result.engine, len(posts), stats) == (
        expected["reader"],
        expected["engine"],
        expected["posts"],
        expected["stats"],
    )
    assert result.counts[f"forumcrawl/readers/read_by/{expected['reader']}"] == 1
    assert result.thread.thread.title == expected["title"]
    if "first_author" in expected:
        assert posts[0].author is not None and posts[0].author.name == expected["first_author"]
    assert (posts[0].posted.value or "")[:10] == expected["first_day"]
    assert all(post.reader for post in posts)
    if result.reader == "generic":  # no forum-wide ids: keys within the thread
        thread_id = result.thread.thread.thread_id
        assert all(p.post_id.startswith(f"{thread_id}#") for p in posts)
        assert len({p.post_id for p in posts}) == len(posts)
    if result.reader != expected["engine"]:
        assert result.reader_notes, "a reader other than the engine's says why"


@pytest.mark.parametrize("folder", [p for p in PAGES if "error" not in _expected(p)], ids=lambda p: p.name)
def test_a_real_pages_posts_hold_the_gold_snippets_and_no_chrome(folder):
    expected = _expected(folder)
    gold = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
    records = records_for((folder / "page.html").read_bytes(), expected["url"])
    text = page_text([r for r in records if r["type"] == "post"]).lower()
    found = sum(s.lower() in text for s in gold["with"])
    leaked = [s for s in gold["without"] if s.lower() in text]
    assert found >= expected["with_found"], f"{found} of {len(gold['with'])} gold snippets"
    assert len(leaked) <= expected["without_found"], leaked
