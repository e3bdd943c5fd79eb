"""Layered reading: the engine, the page's structured data, the generic reader; the
cross-checks between them and the completion of one reading by another.

Real-page variants (which reader reads which kind of page) are pinned in
test_real_pages.py; these tests hold the rules themselves.
"""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES

from forumcrawl.reading.context import PageContext
from forumcrawl.reading.engines import generic
from forumcrawl.reading.service import read_page

KATZEN = FIXTURES / "xenforo2" / "katzen-forum-pepe.html"
KATZEN_URL = "https://www.katzen-forum.net/threads/jede-nacht-verliert-pepe-soviel-dreck-aus-dem-fell.230143/"
STACK = FIXTURES / "wcxb" / "1177-stackexchange"


def test_an_engine_whose_post_selector_misses_is_followed_by_the_next_reader_with_its_stat():
    engine_read = read_page(KATZEN.read_bytes(), KATZEN_URL)
    missing = PageContext(engine="xenforo2", selectors=(("posts", "//article[@class='gone']"),))
    result = read_page(KATZEN.read_bytes(), KATZEN_URL, missing)
    assert result.reader in ("generic", "microdata", "json-ld")
    assert result.counts["forumcrawl/readers/engine_found_none"] == 1
    assert result.counts[f"forumcrawl/readers/read_by/{result.reader}"] == 1
    assert "xenforo2 found no post" in result.reader_notes[0]
    assert [p.author.name for p in result.posts] == [p.author.name for p in engine_read.posts]


def test_with_engine_readers_off_a_known_engines_page_reads_the_same_posts():
    engine_read = read_page(KATZEN.read_bytes(), KATZEN_URL)
    result = read_page(KATZEN.read_bytes(), KATZEN_URL, PageContext(engines=False))
    assert engine_read.reader == "xenforo2" and result.reader != "xenforo2"
    assert [(p.author.name, p.posted.value) for p in result.posts] == [
        (p.author.name, p.posted.value) for p in engine_read.posts
    ]
    assert all(p.reader == result.reader for p in result.posts)


@pytest.mark.parametrize(
    "page",
    ["xenforo2/katzen-forum-pepe.html", "phpbb3/*.html", "vbulletin4/*.html", "smf2/*.html", "ipb4/*.html"],
)
def test_a_page_its_engine_reads_fully_never_runs_the_generic_reader(page, monkeypatch):
    """The layered reading's cost: what the engine reads in full pays for structured data
    (a cross-check) but not for the generic reader."""

    def refuse(*args, **kwargs):
        raise AssertionError("the generic reader ran on a page its engine read")

    path = next(p for p in sorted(FIXTURES.glob(page)) if p.with_suffix(".expected.json").exists())
    monkeypatch.setattr(generic.Generic, "read", refuse)
    result = read_page(path.read_bytes(), "https://forum.example/threads/a-thread.1/")
    assert result.posts and result.reader == result.engine


def test_a_question_its_answers_and_their_comments_are_posts_with_their_parents():
    expected = json.loads((STACK / "expected.json").read_text())
    result = read_page((STACK / "page.html").read_bytes(), expected["url"])
    posts = {p.post_id: p for p in result.posts}
    question = result.posts[0]
    assert question.parent_id is None and question.author.name == "user3080392"
    answers = [p for p in result.posts if p.parent_id == question.post_id and p.reaction_count is not None]
    comments = [p for p in result.posts if p.parent_id and posts[p.parent_id].parent_id]
    assert len(answers) >= 3 and comments
    assert all(posts[c.parent_id] in answers for c in comments)
    assert all(p.posted.source == "machine" for p in result.posts)


def test_json_ld_that_does_not_parse_is_passed_over():
    body = (STACK / "page.html").read_bytes()
    expected = json.loads((STACK / "expected.json").read_text())
    broken = body.replace(
        b"</head>",
        b'<script type="application/ld+json">{"@type": "QAPage", "mainEntity": {</script></head>',
        1,
    )
    clean = read_page(body, expected["url"])
    result = read_page(broken, expected["url"])
    assert [p.post_id for p in result.posts] == [p.post_id for p in clean.posts]


def test_a_json_ld_post_completes_the_engine_post_it_matches_by_author_and_words():
    """head-fi's first post shows its date as plain text in a custom header; the page's
    JSON-LD DiscussionForumPosting (same author, same opening words) has the machine date."""
    folder = FIXTURES / "wcxb" / "0515-head-fi"
    expected = json.loads((folder / "expected.json").read_text())
    result = read_page((folder / "page.html").read_bytes(), expected["url"])
    first = result.posts[0]
    assert result.reader == "xenforo2"
    assert (first.posted.source, first.posted.value) == ("machine", "2024-07-05T21:39:35+00:00")
    assert result.counts["forumcrawl/readers/fields_from_structured"] >= 1


@pytest.mark.parametrize("folder", ["xenforo2", "xenforo1", "phpbb3", "vbulletin4", "smf2", "mybb"])
def test_a_page_of_a_site_known_to_run_an_engine_is_confirmed_by_its_first_signs_with_the_same_items(folder):
    page = sorted((FIXTURES / folder).glob("*.html"))[-1]
    url = f"https://{folder}.example/{page.stem}"
    first = read_page(page.read_bytes(), url)  # a site's first page: every sign, kept in the site row
    known = read_page(page.read_bytes(), url, PageContext(site_engine=first.engine))
    assert known.engine == first.engine != "generic"
    assert known.evidence == first.evidence[: len(known.evidence)] and 1 <= len(known.evidence) <= 2
    assert first.site is not None and first.site.engine_evidence == first.evidence and known.site is None
    assert known.items == [item for item in first.items if item is not first.site]
