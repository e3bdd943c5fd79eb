"""The parse helpers that replaced subtree searches answer what the searches answered.

The class index and the structural edge trimming exist for speed; these tests hold them
to the behaviour of the CSS selectors and the regular expression they replaced, on real
pages, so a faster parser cannot quietly read less.
"""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from forumcrawl.reading.decode import parse_html
from forumcrawl.reading.engines.xenforo2 import XenForo2
from forumcrawl.reading.extract.text import inner_html
from forumcrawl.reading.query import ClassIndex, ClassQuery, classes, compiled, has_class

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
# every class-query selector of the XenForo 2 reader, and the quote container's classes
QUERIES = [
    getattr(XenForo2, name) for name in XenForo2.selectors if isinstance(getattr(XenForo2, name), ClassQuery)
] + [classes("bbCodeBlock--quote")]


@pytest.mark.parametrize("page", sorted((FIXTURES / "xenforo2").glob("*.html")), ids=lambda p: p.stem)
def test_class_index_answers_what_its_xpath_answers_on_real_xenforo_posts(page: Path) -> None:
    root = parse_html(page.read_text(encoding="utf-8"))
    posts = compiled(f"//*[{has_class('message--post')}]")(root)
    assert posts and len(QUERIES) >= 10
    for post in posts:
        index = ClassIndex(post)
        for query in QUERIES:
            assert index.answer(query) == compiled(query)(post), str(query)


def test_class_index_dedups_an_element_with_both_classes_and_keeps_document_order() -> None:
    root = lxml.html.fragment_fromstring(
        '<div class="a"><p class="b">1</p><p class="a b">2</p><span class="a">3</span>'
        '<div class="outer"><i class="a">4</i></div></div>'
    )
    parts = ClassIndex(root)
    assert [el.text for el in parts.elements("a", "b")] == ["1", "2", "3", "4"]  # not the root itself
    assert [el.text for el in parts.elements("a", tag="span")] == ["3"]
    assert [el.text for el in parts.elements("a", inside="outer")] == ["4"]
    assert parts.elements("missing") == []


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<div><br> <br>hello<br>world<br> <br/> </div>", "hello<br>world"),
        ("<div> <br>x<b>y</b><br></div>", "x<b>y</b>"),
        ("<div><br></div>", ""),
        ("<div>a<br>b</div>", "a<br>b"),
        ("<div><!--c--><br>t<br></div>", "<!--c--><br>t"),
        ("<div><b>bold<br></b><br></div>", "<b>bold<br></b>"),
    ],
)
def test_inner_html_trims_only_edge_line_breaks(html: str, expected: str) -> None:
    assert inner_html(lxml.html.fragment_fromstring(html)) == expected
