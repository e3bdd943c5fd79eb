"""The elements of one post by CSS class, found in one pass.

A post parser asks a dozen questions of the same small subtree ("the user title", "the
body", "the signature", ...). Asked as CSS or XPath, each question is a separate walk of
the subtree with a string predicate on every element, and that walk, not the answer,
was most of a XenForo page's parse time. :class:`ClassIndex` walks once, collecting the
elements that have a ``class`` attribute, and answers the class questions from a dict.

Answers come in document order and as parsel ``Selector`` objects, so they are drop-in
for ``post.css(".name")`` in the helpers that take selectors.
"""

from __future__ import annotations

from lxml import etree
from lxml.html import HtmlElement
from parsel import Selector

_WITH_CLASS = etree.XPath("descendant-or-self::*[@class]")


class ClassIndex:
    """``root`` and its descendants, indexed by each of their classes."""

    __slots__ = ("_by",)

    def __init__(self, root: HtmlElement) -> None:
        by: dict[str, list[tuple[int, HtmlElement]]] = {}
        for position, el in enumerate(_WITH_CLASS(root)):
            for name in el.get("class").split():
                by.setdefault(name, []).append((position, el))
        self._by = by

    def elements(self, *names: str, tag: str | None = None,
                 inside: str | None = None) -> list[HtmlElement]:
        """Elements with any of ``names`` (and the tag ``tag``, and an ancestor of class
        ``inside`` within the root), each once, in document order: what the CSS
        ``.inside tag.name, .inside tag.other`` selects."""
        found = [hit for name in names for hit in self._by.get(name, ())]
        if len(names) > 1:
            found = sorted(dict(found).items())
        if tag is not None:
            found = [hit for hit in found if hit[1].tag == tag]
        if inside is not None:
            outer = {el for _, el in self._by.get(inside, ())}
            found = [hit for hit in found if any(a in outer for a in hit[1].iterancestors())]
        return [el for _, el in found]

    def first(self, *names: str, tag: str | None = None, inside: str | None = None) -> Selector | None:
        found = self.elements(*names, tag=tag, inside=inside)
        return Selector(root=found[0]) if found else None


def descendant(sel: Selector | None, tag: str) -> Selector | None:
    """The first ``tag`` element below ``sel`` (CSS ``.x tag``), or None."""
    if sel is None:
        return None
    for el in sel.root.iterdescendants(tag):
        return Selector(root=el)
    return None
