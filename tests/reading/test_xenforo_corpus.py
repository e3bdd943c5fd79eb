"""XenForo specifics: per-post gold checks, quotes, user cards, pagination, machine dates.

Every engine's pages (XenForo included) are also covered by ``test_corpus.py``."""

from __future__ import annotations

import json

import pytest
from gold import FIXTURES, body_f1, load_gold, squash, user_matches

from forumcrawl.reading.context import PageContext, SiteSettings
from forumcrawl.storage.records import records_for

PAGES = sorted(FIXTURES.glob("xenforo*/*.html"))
# Posts visible on the pages without gold, counted by hand (and in the corpus manifest).
EXPECTED_POSTS = {
    "xenforo-community-dark-theme-option.html": 8,
    "katzen-forum-pepe.html": 18,
    "villagersandheroes-patchnotes.html": 9,
    "sufficientvelocity-renascence-p54.html": 25,
}
ORIGINAL_URLS = {
    "xenforo-community-dark-theme-option.html": "https://xenforo.com/community/threads/a-dark-theme-option.8276/",
    "sufficientvelocity-renascence-p54.html": "https://forums.sufficientvelocity.com/threads/renascence-a-homura-quest.10402/page-54",
}


def extract(page):
    gold = load_gold(page)
    url = (gold or {}).get("url") or ORIGINAL_URLS[page.name]
    records = records_for(page.read_bytes(), url, PageContext(settings=SiteSettings()))
    return gold, records[0], [r for r in records if r["type"] == "post"]


FULL_GOLD = [p for p in PAGES if (load_gold(p) or {}).get("posts")]


@pytest.mark.parametrize("page", FULL_GOLD, ids=lambda p: p.name)
def test_against_full_gold(page):
    """Author, displayed date and quote-free body of every post, in page order."""
    gold, _thread, posts = extract(page)
    scores = []
    for post, expected in zip(posts, gold["posts"], strict=True):
        assert user_matches(post, expected["user"], gold["url"]), (
            post["author"],
            post["author_url"],
            expected["user"],
        )
        assert expected["datetime"] in post["posted_raw"], (post["posted_raw"], expected["datetime"])
        score = body_f1(post, expected["post_text"])
        # The only post below 0.95 is one where the gold kept the like bar as text.
        assert score >= 0.9, (post["post_id"], score)
        scores.append(score)
    assert sum(scores) / len(scores) >= 0.97


PARTIAL_GOLD = [p for p in PAGES if (load_gold(p) or {}).get("with")]


@pytest.mark.parametrize("page", PARTIAL_GOLD, ids=lambda p: p.name)
def test_against_partial_gold(page):
    gold, thread, posts = extract(page)
    assert posts[0]["author"] == gold["author"]
    assert posts[0]["posted_at"].startswith(gold["date"])
    assert thread["title"] == gold["title"]
    everything = " ".join(
        squash(p["body_text"]) + " " + " ".join(squash(q["text"]) for q in p["quotes"]) for p in posts
    )
    for snippet in gold["with"]:
        assert squash(snippet) in everything
    for snippet in gold["without"]:
        assert snippet not in json.dumps([p["body_text"] for p in posts], ensure_ascii=False)


def test_xenforo1_body_blockquote_is_not_a_quote():
    """XenForo 1 bodies are blockquote.messageText: a naive quote rule would eat them."""
    _gold, _thread, posts = extract(FIXTURES / "xenforo1/musiker-board-baubericht.html")
    assert posts[0]["body_text"].startswith("Hallo zusammen")
    assert posts[0]["quotes"] == []


def test_nested_quotes_have_depth_and_attribution():
    seed = (
        FIXTURES
        / "site/defence-forum.example/threads/russia-urges-u-s-to-enlist-syrias-assad-to-fight-islamic-state.345/index.html"
    )
    records = records_for(
        seed.read_bytes(),
        "https://defence-forum.example/threads/x.345/",
        PageContext(settings=SiteSettings()),
    )
    nested = next(r for r in records if r.get("post_id") == "1004")
    assert [(q["author"], q["post_id"], q["depth"]) for q in nested["quotes"]] == [
        ("Kestrel", "1002", 1),
        ("GeoStrat", "1001", 2),
    ]
    # The outer quote's text does not repeat the quote nested in it.
    assert nested["quotes"][0]["text"] == "The question is whose ground troops."
    assert nested["body_text"].startswith("Exactly.")

    _gold, _thread, posts = extract(FIXTURES / "xenforo1/sufficientvelocity-renascence-p54.html")
    first = next(p for p in posts if p["quotes"])
    assert first["quotes"][0]["author"] == "Higure"
    assert first["quotes"][0]["post_id"] == "2146285"


def test_xenforo2_quote_attribution_member_and_post():
    _gold, _thread, posts = extract(FIXTURES / "xenforo2/katzen-forum-pepe.html")
    quoted = [q for p in posts for q in p["quotes"] if q["post_id"] == "6331459"]
    assert quoted and quoted[0]["author"] == "Pepemaus" and quoted[0]["user_id"] == "81656"


def test_user_card_fields():
    _gold, _thread, posts = extract(FIXTURES / "xenforo2/katzen-forum-pepe.html")
    first = posts[0]
    assert first["author_title"] == "Forenprofi"
    assert first["author_joined"] == "2014-06-28"
    assert first["author_messages"] == 2206
    assert first["author_url"] == "https://www.katzen-forum.net/members/pepemaus.81656/"


def test_signature_kept_apart():
    _gold, _thread, posts = extract(FIXTURES / "xenforo2/computerbase-ram-upgrade-32gb.html")
    signed = [p for p in posts if p["signature"]]
    assert signed
    assert all("Geist, der stets verneint" not in p["body_text"] for p in posts)


def test_thread_pagination_links():
    _gold, thread, _posts = extract(FIXTURES / "xenforo2/macrumors-se-or-11.html")
    assert thread["next_url"] == "https://forums.macrumors.com/threads/se-or-11.2231616/page-2"
    assert thread["page_count"] == 5
    _gold, thread, _posts = extract(FIXTURES / "xenforo1/sufficientvelocity-renascence-p54.html")
    assert thread["page"] == 54 and thread["page_count"] == 347
    assert thread["next_url"].endswith("/threads/renascence-a-homura-quest.10402/page-55")


@pytest.mark.parametrize("page", sorted(FIXTURES.glob("xenforo2/*.html")), ids=lambda p: p.name)
def test_machine_readable_post_dates_skip_dateparser(page, monkeypatch):
    """XenForo 2 posts carry <time datetime>: their dates must not cost a dateparser call."""
    from forumcrawl.reading.extract import dates

    seen: list[str] = []
    real = dates._dateparser

    def spy(text, *args):
        seen.append(text)
        return real(text, *args)

    monkeypatch.setattr(dates, "_dateparser", spy)
    _gold, _thread, posts = extract(page)
    assert all(p["posted_source"] == "machine" for p in posts)
    assert not {p["posted_raw"] for p in posts} & set(seen)
