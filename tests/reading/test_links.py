"""Links are keyed as urllib reads them, however fast they are read.

:func:`~forumcrawl.reading.nodes.join_url` and the quick exit of
:func:`~forumcrawl.reading.nodes.strip_session` replaced ``urljoin`` and a split and
rebuild of every link for speed; these tests hold them to urllib's answers on every link
of every saved page and on generated links that stress what urllib rewrites (empty
queries and fragments, dot segments, path parameters, spaces, case, brackets, entities).
"""

from __future__ import annotations

import random
from pathlib import Path
from urllib.parse import urljoin

import pytest

from forumcrawl.reading.decode import parse_html
from forumcrawl.reading.nodes import join_url, link, strip_session, strip_session_by_parts

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
PAGES = sorted(FIXTURES.rglob("*.html"))
BASES = (
    "http://127.0.0.1:8080/viewtopic.php?f=5&t=50037&start=80",
    "https://forum.example.org/threads/a-title.8276/page-3#post-5",
    "https://example.com/community/",
    "https://example.com",
    "http://example.com/a/b/c/d;p?q",
    "HTTP://Example.COM/x/",
    "example.com/no/scheme",
    "file:///tmp/saved/page.html",
    "",
)


def generated_links(count: int) -> list[str]:
    rng = random.Random(21)
    heads = [
        "",
        "./viewtopic.php",
        "../up/x.php",
        "/abs/path",
        "page",
        "HTTP://Other.example/p",
        "https://h.example",
        "//h.example",
        "//",
        "http:",
        "https:x",
        "mailto:a@b",
        "ftp://f/x",
        "a;p",
        " lead",
        "trail ",
        "a\tb",
        "a b",
        "./",
        ".",
        "..",
        "ünï/cödé",
        "http://[::1]/x",
        "http://[bad/x",
        "threads/x.1/page-2",
        "/a/./b",
        "/a/../b",
        "/a//b",
        "/.well-known/x",
        "/a:b",
        "/..",
        "/x/.",
        "/members/u.5/",
    ]
    queries = [
        "",
        "?",
        "?p=1",
        "?f=5&t=7",
        "?sid=abc&t=7",
        "?t=7&amp;sid=x",
        "?a=1&&b=2",
        "?&a=1",
        "?a=1&",
        "?S=1",
        "?hilit=x&p=2",
        "?x=1?y=2",
        "?ü=1",
        "?q=a b",
    ]
    fragments = ["", "#", "#p1", "#a#b", "#x?y", "#ü"]
    links = []
    for _ in range(count):
        links.append(rng.choice(heads) + rng.choice(queries) + rng.choice(fragments))
    return links


def page_links(page: Path) -> list[str]:
    root = parse_html(page.read_text(encoding="utf-8", errors="replace"))
    return [href for href in root.xpath("//@href | //@src") if href]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_link_of_a_saved_page_joins_and_strips_as_urllib_does(page: Path) -> None:
    for href in page_links(page):
        for base in BASES[:3]:
            assert join_url(base, href) == urljoin(base, href), (base, href)
            absolute = urljoin(base, href.strip())
            assert strip_session(absolute) == strip_session_by_parts(absolute), absolute


def test_generated_links_join_and_strip_as_urllib_does() -> None:
    for href in generated_links(6000):
        for base in BASES:
            try:
                expected = urljoin(base, href)
            except ValueError:  # urllib refuses a bracketed host that is no IPv6 address
                with pytest.raises(ValueError):
                    join_url(base, href)
                continue
            assert join_url(base, href) == expected, (base, href)
            try:
                stripped = strip_session_by_parts(expected)
            except ValueError:  # a bracketed host again: without a query, nothing to strip
                if "?" in expected:
                    with pytest.raises(ValueError):
                        strip_session(expected)
                else:
                    assert strip_session(expected) == expected
                continue
            assert strip_session(expected) == stripped, expected


def test_a_session_parameter_is_dropped_and_the_rest_of_the_link_kept() -> None:
    base = "http://forum.example/viewtopic.php?t=1"
    assert (
        link(base, "./viewtopic.php?f=2&t=7&sid=0123abcd#p9")
        == "http://forum.example/viewtopic.php?f=2&t=7#p9"
    )
    assert (
        link(base, "./memberlist.php?mode=viewprofile&u=5")
        == "http://forum.example/memberlist.php?mode=viewprofile&u=5"
    )
    assert (
        link(base, "./memberlist.php?mode=viewprofile&amp;u=5")
        == "http://forum.example/memberlist.php?mode=viewprofile&u=5"
    )
    assert link(base, "?") == "http://forum.example/viewtopic.php?t=1"
