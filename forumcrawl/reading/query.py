"""Selectors: XPath text, evaluated on lxml elements, compiled once.

Every selector an engine declares is an XPath expression a user can read and replace
(``sites.toml``). Engines evaluate them with :func:`select` on lxml elements directly:
each expression is compiled once per process, and no parsel wrapper is built per call.

Some selectors ask only "the elements of class X (of tag T, inside an element of class
Y)". Asked as XPath, each is a walk of the post's subtree with a string test on every
element; a XenForo 2 post asks a dozen of them. Written with :func:`classes`, such a
selector is still that XPath text (what a user sees and may override), but it is
answered from a :class:`ClassIndex` of the post built in one pass. The two answers are
the same by construction, and a test holds them to it on every real XenForo post.
"""

from __future__ import annotations

from functools import lru_cache

from lxml import etree
from lxml.html import HtmlElement

_WITH_CLASS = etree.XPath("descendant-or-self::*[@class]")


def has_class(name: str) -> str:
    """An XPath predicate body matching one CSS class exactly.

    The plain ``contains(@class, ...)`` goes first because libxml2 stops there for
    almost every element; building the padded, space-normalised string for each
    element costs more than the rest of a typical post query.
    """
    return f"(contains(@class, '{name}') and contains(concat(' ', normalize-space(@class), ' '), ' {name} '))"


class ClassQuery(str):
    """An XPath selector that says only which classes to look for (see :func:`classes`)."""

    names: tuple[str, ...]
    tag: str | None
    inside: str | None
    then: str | None

    def __new__(
        cls, names: tuple[str, ...], tag: str | None, inside: str | None, then: str | None
    ) -> ClassQuery:
        test = " or ".join(has_class(n) for n in names)
        xpath = f".//{tag or '*'}[{test}]"
        if inside:
            xpath = f".//*[{has_class(inside)}]{xpath[1:]}"
        if then:
            xpath = f"({xpath})//{then}"
        self = super().__new__(cls, xpath)
        self.names, self.tag, self.inside, self.then = names, tag, inside, then
        return self


def classes(
    *names: str, tag: str | None = None, inside: str | None = None, then: str | None = None
) -> ClassQuery:
    """The elements of any of the classes ``names`` below the node (of tag ``tag``,
    below an element of class ``inside``; with ``then``, their ``then`` descendants),
    as the XPath ``.//tag[has_class(...)]`` that says the same."""
    return ClassQuery(names, tag, inside, then)


class ClassIndex:
    """``root``'s descendants, indexed by each of their classes, in one pass."""

    __slots__ = ("_by", "root")

    def __init__(self, root: HtmlElement) -> None:
        by: dict[str, list[tuple[int, HtmlElement]]] = {}
        for position, el in enumerate(_WITH_CLASS(root)):
            if el is root:
                continue
            for name in el.get("class").split():
                by.setdefault(name, []).append((position, el))
        self._by = by
        self.root = root

    def elements(self, *names: str, tag: str | None = None, inside: str | None = None) -> list[HtmlElement]:
        """Elements with any of ``names`` (and the tag ``tag``, and an ancestor of class
        ``inside`` below the root), each once, in document order."""
        found = [hit for name in names for hit in self._by.get(name, ())]
        if len(names) > 1:
            found = sorted(dict(found).items())
        if tag is not None:
            found = [hit for hit in found if hit[1].tag == tag]
        if inside is not None:
            outer = {el for _, el in self._by.get(inside, ())}
            found = [hit for hit in found if any(a in outer for a in hit[1].iterancestors())]
        return [el for _, el in found]

    def answer(self, query: ClassQuery) -> list[HtmlElement]:
        found = self.elements(*query.names, tag=query.tag, inside=query.inside)
        if query.then is None:
            return found
        seen: set[HtmlElement] = set()
        out = []
        for el in found:
            for below in el.iterdescendants(query.then):
                if below not in seen:
                    seen.add(below)
                    out.append(below)
        return out


@lru_cache(maxsize=4096)
def compiled(xpath: str) -> etree.XPath:
    """The compiled form of an expression (raises ``etree.XPathSyntaxError``)."""
    return etree.XPath(str(xpath), smart_strings=False)


def select(node: HtmlElement, xpath: str | None, index: ClassIndex | None = None) -> list:
    """Everything ``xpath`` selects from ``node``: elements, or strings for attributes
    and text. A class query is answered from ``index`` when it is ``node``'s."""
    if not xpath or node is None:
        return []
    if index is not None and index.root is node and isinstance(xpath, ClassQuery):
        return index.answer(xpath)
    result = compiled(xpath)(node)
    return result if isinstance(result, list) else [result]


def select_first(node: HtmlElement, xpath: str | None, index: ClassIndex | None = None):
    found = select(node, xpath, index)
    return found[0] if found else None
