"""The parse helpers that replaced subtree searches answer what the searches answered.

The class index and the structural edge trimming exist for speed; these tests hold them
to the behaviour of the CSS selectors and the regular expression they replaced, on real
pages, so a faster parser cannot quietly read less.
"""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from forumcrawl.reading.engines.base import has_class
from forumcrawl.reading.engines.classes import ClassIndex, descendant
from forumcrawl.reading.extract.text import inner_html
from forumcrawl.reading.decode import parse_html

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# (ClassIndex query, the CSS it stands for in the XenForo 2 parser)
QUERIES = [
    ((("username",), None, "message-name"), ".message-name .username"),
    ((("message-userTitle",), None, None), ".message-userTitle"),
    ((("message-attribution",), "header", None), "header.message-attribution"),
    ((("bbWrapper",), None, "message-body"), ".message-body .bbWrapper"),
    ((("message-signature",), None, None), ".message-signature"),
    ((("reactionsBar", "likesBar"), None, None), ".reactionsBar, .likesBar"),
    ((("bbCodeBlock--quote",), None, None), ".bbCodeBlock--quote"),
    ((("message-userExtras",), None, None), ".message-userExtras"),
]


@pytest.mark.parametrize("page", sorted((FIXTURES / "xenforo2").glob("*.html")), ids=lambda p: p.stem)
def test_class_index_answers_what_css_answers_on_real_xenforo_posts(page: Path) -> None:
    sel = parse_html(page.read_text(encoding="utf-8"))
    posts = sel.xpath(f"//*[{has_class('message--post')}]")
    assert posts
    for post in posts:
        parts = ClassIndex(post.root)
        for (names, tag, inside), css in QUERIES:
            assert parts.elements(*names, tag=tag, inside=inside) == [s.root for s in post.css(css)], css
        first_time = descendant(parts.first("message-attribution-main"), "time")
        expected = post.css(".message-attribution-main time")
        assert (first_time.root if first_time is not None else None) == (expected[0].root if expected else None)


def test_class_index_dedups_an_element_with_both_classes_and_keeps_document_order() -> None:
    root = lxml.html.fragment_fromstring(
        '<div><p class="b">1</p><p class="a b">2</p><span class="a">3</span>'
        '<div class="outer"><i class="a">4</i></div></div>')
    parts = ClassIndex(root)
    assert [el.text for el in parts.elements("a", "b")] == ["1", "2", "3", "4"]
    assert [el.text for el in parts.elements("a", tag="span")] == ["3"]
    assert [el.text for el in parts.elements("a", inside="outer")] == ["4"]
    assert parts.first("missing") is None


@pytest.mark.parametrize(("html", "expected"), [
    ("<div><br> <br>hello<br>world<br> <br/> </div>", "hello<br>world"),
    ("<div> <br>x<b>y</b><br></div>", "x<b>y</b>"),
    ("<div><br></div>", ""),
    ("<div>a<br>b</div>", "a<br>b"),
    ("<div><!--c--><br>t<br></div>", "<!--c--><br>t"),
    ("<div><b>bold<br></b><br></div>", "<b>bold<br></b>"),
])
def test_inner_html_trims_only_edge_line_breaks(html: str, expected: str) -> None:
    assert inner_html(lxml.html.fragment_fromstring(html)) == expected
