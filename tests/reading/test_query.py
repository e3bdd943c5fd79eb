"""The parse helpers that replaced subtree searches answer what the searches answered.

The class index and the structural edge trimming exist for speed; these tests hold them
to the behaviour of the CSS selectors and the regular expression they replaced, on real
pages, so a faster parser cannot quietly read less.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import lxml.etree
import lxml.html
import pytest

from forumcrawl.reading.decode import parse_html
from forumcrawl.reading.engines.xenforo2 import XenForo2
from forumcrawl.reading.extract.text import inner_html
from forumcrawl.reading.query import ClassIndex, ClassQuery, classes, compiled, has_class

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
XENFORO = sorted((FIXTURES / "xenforo2").glob("*.html"))
# every class-query selector of the XenForo 2 reader, and the quote container's classes
QUERIES = [
    getattr(XenForo2, name) for name in XenForo2.selectors if isinstance(getattr(XenForo2, name), ClassQuery)
] + [classes("bbCodeBlock--quote")]
POST_QUERIES = [query for query in QUERIES if not query.page]
PAGE_QUERIES = [query for query in QUERIES if query.page] + [
    classes("structItem--thread", inside="js-threadList", page=True),
    classes("node-title", then="a", page=True),
    classes("message-userExtras", then="dl//dd", page=True),
    classes("username", "message-name", inside="message-cell--user", page=True),
]


@pytest.mark.parametrize("page", XENFORO, ids=lambda p: p.stem)
def test_the_page_class_index_answers_what_each_xpath_answers_on_real_xenforo_posts(page: Path) -> None:
    root = parse_html(page.read_text(encoding="utf-8"))
    index = ClassIndex(root)
    posts = compiled(f"//*[{has_class('message--post')}]")(root)
    assert posts and len(POST_QUERIES) >= 10
    for post in posts:
        scope = index.scope(post)
        for query in POST_QUERIES:
            assert scope.answer(query) == compiled(query)(post), str(query)


@pytest.mark.parametrize("page", XENFORO, ids=lambda p: p.stem)
def test_the_page_class_index_answers_what_each_whole_page_xpath_answers(page: Path) -> None:
    root = parse_html(page.read_text(encoding="utf-8"))
    whole = ClassIndex(root).scope(root)
    assert len(PAGE_QUERIES) >= 8
    for query in PAGE_QUERIES:
        assert whole.answer(query) == compiled(query)(root), str(query)
    # a whole-page query asked of a post still searches the whole page, as XPath does
    post = compiled(f"//*[{has_class('message--post')}]")(root)[-1]
    assert ClassIndex(root).scope(post).answer(XenForo2.title) == compiled(XenForo2.title)(post)


def test_class_index_dedups_an_element_with_both_classes_and_keeps_document_order() -> None:
    page = lxml.html.fragment_fromstring(
        '<section><div class="a">A<p class="b a a">1</p><p class="a b">2</p><!-- c --><span class="a">3</span>'
        '<div class="outer"><i class="a">4<b class="a">5</b></i><!-- c --></div></div><p class="a">6</p></section>'
    )
    root = page[0]
    scope = ClassIndex(page).scope(root)
    assert [el.text for el in scope.answer(classes("a", "b"))] == ["1", "2", "3", "4", "5"]  # not the root
    assert [el.text for el in scope.answer(classes("a", tag="span"))] == ["3"]
    assert [el.text for el in scope.answer(classes("a", inside="outer"))] == ["4", "5"]
    assert [el.text for el in scope.answer(classes("outer", then="i//b"))] == ["5"]
    assert scope.answer(classes("outer", attr="class")) == ["outer"]
    assert scope.answer(classes("missing")) == []
    inner = ClassIndex(page).scope(root.find(".//i"))
    assert [el.text for el in inner.answer(classes("a"))] == ["5"]
    assert [el.text for el in inner.answer(classes("a", page=True))] == ["A", "1", "2", "3", "4", "5", "6"]
    assert ClassIndex(page).scope(lxml.html.fragment_fromstring("<p/>")) is None


def test_a_class_inside_one_or_several_elements_of_another_is_what_its_xpath_selects() -> None:
    page = lxml.html.fragment_fromstring(
        '<main><p class="a">0</p><div class="in"><p class="a">1</p><div class="in"><b class="a">2</b></div>'
        '<p class="a b">3</p></div><p class="a">4</p><div class="in"></div><div class="in"><i class="a">5</i>'
        '</div><div class="other"><p class="a">6</p></div><div class="in">x</div></main>'
    )
    index = ClassIndex(page)
    queries = [
        classes("a", inside=inside, tag=tag) for inside in ("in", "other", "none") for tag in (None, "p")
    ]
    queries += [classes("a", "b", inside="in"), classes("b", inside="in"), classes("a", inside="a")]
    for node in page.iter(lxml.etree.Element):
        scope = index.scope(node)
        for query in [*queries, classes("a", inside="in", page=True)]:
            assert scope.answer(query) == compiled(query)(node), (node.tag, node.text, str(query))


def test_a_class_query_survives_pickling_for_the_reading_workers() -> None:
    query = classes("a", "b", tag="div", inside="c", then="li//a", attr="href", page=True)
    again = pickle.loads(pickle.dumps(query))
    assert again == query and isinstance(again, ClassQuery)
    assert (again.names, again.tag, again.inside, again.then, again.attr, again.page) == (
        ("a", "b"),
        "div",
        "c",
        ("li", "a"),
        "href",
        True,
    )


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


ENGINE_PAGES = sorted(
    p for p in FIXTURES.glob("*/*.html") if p.parent.name not in ("wcxb", "site", "generic")
)


@pytest.mark.parametrize("page", ENGINE_PAGES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_an_element_s_own_attribute_answers_a_union_first_only_where_the_union_would(page: Path) -> None:
    from forumcrawl.reading.engines import ENGINES
    from forumcrawl.reading.query import select, select_first

    root = parse_html(page.read_text(encoding="utf-8", errors="replace"))
    expressions = {
        engine.post_id_from for engine in ENGINES.values() if getattr(engine, "post_id_from", None)
    }
    expressions |= {"@id | .//a/@id", "@class | .//*[@class]/@class", "@id | .//*[starts-with(@id,'p')]/@id"}
    for el in root.iter(lxml.etree.Element):
        for xpath in expressions:
            found = select(el, xpath)
            assert select_first(el, xpath) == (found[0] if found else None), (xpath, el.tag, el.attrib)


@pytest.mark.parametrize(
    ("xpath", "own"),
    [
        ("@id | .//a[@class='x']/@id", "id"),
        ("@data-content | .//*[@id]/@id | .//*[@x='a|b']/@id", "data-content"),
        ("@data-content | @id", None),  # two attributes of the node: their order is the markup's
        ("@id | .//@id", None),  # the node's own attributes again
        ("@id | ./a/@id", None),
        ("@id | ..//a/@id", None),
        ("@id", None),
        (".//a/@id | @id", None),
    ],
)
def test_only_a_union_led_by_the_node_s_own_attribute_and_then_descendants_is_answered_early(
    xpath: str, own: str | None
) -> None:
    from forumcrawl.reading.query import _own_attribute_first

    assert _own_attribute_first(xpath) == own


def test_a_union_of_the_node_s_own_attributes_answers_in_the_markup_s_order() -> None:
    from forumcrawl.reading.query import select_first

    el = lxml.html.fromstring('<div id="js-post-1" data-content="post-1"><a id="x"></a></div>')
    assert select_first(el, "@data-content | @id") == "js-post-1"
    assert select_first(el, "@data-content | .//a/@id") == "post-1"


@pytest.mark.parametrize("page", sorted(FIXTURES.glob("*/*.html")), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_a_search_asked_of_the_head_first_answers_what_the_page_search_answers_first(page: Path) -> None:
    from forumcrawl.reading.document import Document
    from forumcrawl.reading.engines import ENGINES

    root = parse_html(page.read_text(encoding="utf-8", errors="replace"))
    expressions = {
        "//link[@rel='canonical']/@href",
        "//meta[@property='og:title']/@content",
        "//meta[@name='generator']/@content",
        "//title/text()",
        "//base/@href",
        "//link[@rel='next']/@href | //a[@rel='next']/@href",
        "//meta/@content | //a/@href",
        "//script/text()",
        "//link/..",
        "//meta/following::a",
        "//a",
    }
    for engine in ENGINES.values():
        for name in getattr(engine, "selectors", ()):
            value = getattr(engine, name)
            for xpath in (value,) if isinstance(value, str) else value or ():
                if isinstance(xpath, str) and xpath.startswith("//") and not isinstance(xpath, ClassQuery):
                    expressions.add(xpath)
    doc = Document("http://example.com/", "example.com", root)
    for xpath in sorted(expressions):
        found = compiled(xpath)(root)
        assert doc.first(xpath) == (found[0] if found else None), xpath


def test_only_searches_whose_head_answers_come_first_are_asked_of_the_head() -> None:
    from forumcrawl.reading.document import head_search

    assert head_search("//meta[@property='og:title']/@content") == ".//meta[@property='og:title']/@content"
    assert head_search("//link[@rel='next']/@href | //meta[@name='next']/@content") == (
        ".//link[@rel='next']/@href | .//meta[@name='next']/@content"
    )
    for xpath in (
        "//html/@lang",
        "//*[@lang]",
        "(//a)[1]",
        "/html/head/base/@href",
        "//link/..",
        "//a/preceding::meta",
        "//text()[contains(., 'x')]/..",
        "//meta | /html/@lang",
        "//a[@rel='next']",
        "//link[@rel='next']/@href | //a[@rel='next']/@href",
    ):
        assert head_search(xpath) is None, xpath


@pytest.mark.parametrize("page", sorted(FIXTURES.glob("*/*.html")), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_microdata_items_found_from_their_attributes_are_the_elements_with_both(page: Path) -> None:
    from forumcrawl.reading.structured import _ITEMS

    root = parse_html(page.read_text(encoding="utf-8", errors="replace"))
    assert compiled(_ITEMS)(root) == compiled("//*[@itemscope][@itemtype]")(root)
