"""Selectors: XPath text, evaluated on lxml elements, compiled once.

Every selector an engine declares is an XPath expression a user can read and replace
(``sites.toml``). Engines evaluate them with :func:`select` on lxml elements directly:
each expression is compiled once per process, and no parsel wrapper is built per call.

Some selectors ask only "the elements of class X (of tag T, inside an element of class
Y)". Asked as XPath, each is a walk of the tree with a string test on every element
(libxml2 spends about 0.5 µs an element on it: 0.6 ms for one question of a XenForo
page), and a XenForo 2 page asks a dozen of them of each post and seven of the whole
page. Written with :func:`classes`, such a selector is still that XPath text (what a
user sees and may override), but a page reader answers it from the page's one
:class:`ClassIndex`, built in one pass on the first such question. The two answers are
the same by construction, and a test holds them to it on every real XenForo page.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from functools import lru_cache

from lxml import etree
from lxml.html import HtmlElement


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
    then: tuple[str, ...]
    attr: str | None
    page: bool

    def __new__(
        cls,
        names: tuple[str, ...],
        tag: str | None,
        inside: str | None,
        then: str | None,
        attr: str | None = None,
        page: bool = False,
    ) -> ClassQuery:
        test = " or ".join(has_class(n) for n in names)
        xpath = f"//{tag or '*'}[{test}]"
        if inside:
            xpath = f"//*[{has_class(inside)}]{xpath}"
        if then:
            xpath = f"({'' if page else '.'}{xpath})//{then}"
        elif not page:
            xpath = f".{xpath}"
        if attr:
            xpath = f"{xpath}/@{attr}"
        self = super().__new__(cls, xpath)
        self.names, self.tag, self.inside, self.attr, self.page = names, tag, inside, attr, page
        self.then = tuple(then.split("//")) if then else ()
        if not all(step.isalnum() for step in self.then):
            raise ValueError(f"a class query's 'then' is tag names joined by //, not {then!r}")
        return self

    def __reduce__(self):  # pickled with the engine a reading worker is sent
        then = "//".join(self.then) or None
        return (ClassQuery, (self.names, self.tag, self.inside, then, self.attr, self.page))


def classes(
    *names: str,
    tag: str | None = None,
    inside: str | None = None,
    then: str | None = None,
    attr: str | None = None,
    page: bool = False,
) -> ClassQuery:
    """The elements of any of the classes ``names`` below the node (of tag ``tag``,
    below an element of class ``inside``; with ``then``, their descendants along that
    path of tags, such as ``"li//a"``; with ``attr``, that attribute of each), as the
    XPath ``.//tag[has_class(...)]`` that says the same. ``page``: anywhere in the page
    (``//tag[...]``), as whole-page selectors ask."""
    return ClassQuery(names, tag, inside, then, attr, page)


class ClassIndex:
    """A tree's elements by class, each with its document position, from one walk.

    Asked as XPath, every class query is a walk of the tree with a string test on each
    element (about 0.6 ms a XenForo page, more than the whole index); answered here,
    it is a dictionary lookup. A subtree is one run of positions, so the queries asked
    of each post are answered from the page's one index (:meth:`scope`).
    """

    __slots__ = ("_by", "_ends", "_position", "root", "size")

    def __init__(self, root: HtmlElement) -> None:
        by: dict[str, tuple[list[int], list[HtmlElement]]] = {}
        position: dict[HtmlElement, int] = {}
        for i, el in enumerate(root.iter(etree.Element)):
            position[el] = i
            names = el.get("class")
            if names:
                for name in names.split():
                    entry = by.get(name)
                    if entry is None:
                        by[name] = ([i], [el])
                    elif entry[1][-1] is not el:  # class="a a"
                        entry[0].append(i)
                        entry[1].append(el)
        self._by = by
        self._position = position
        self._ends: dict[HtmlElement, int] = {}  # an element's position after its subtree
        self.root = root
        self.size = len(position)  # elements in the tree

    def scope(self, node: HtmlElement) -> ClassScope | None:
        """Class queries below ``node`` (None when ``node`` is not of this tree). The
        caller keeps it (a scope refers to its index: kept here, the two would be a
        cycle, and a page's tree would wait for the garbage collector)."""
        start = self._position.get(node)
        if start is None:
            return None
        return ClassScope(self, node, start, self._end(node))

    def _end(self, el: HtmlElement) -> int:
        """The position just after ``el``'s subtree."""
        end = self._ends.get(el)
        if end is None:
            end = self._ends[el] = self._position[_last_element(el)] + 1
        return end

    def elements(
        self, names: tuple[str, ...], lo: int, hi: int, tag: str | None = None, inside: str | None = None
    ) -> list[HtmlElement]:
        """Elements at positions ``lo`` to ``hi`` (excluded) with any of ``names`` (and
        the tag ``tag``, and an ancestor of class ``inside`` in that run), each once, in
        document order."""
        span = self._only(inside, lo, hi) if inside is not None else None
        if len(names) == 1 and (inside is None or span is not None):  # most: a slice of one list
            positions, found = self._by.get(names[0], ([], []))
            first, last = bisect_left(positions, lo), bisect_left(positions, hi)
            if span is not None:  # below the one element of class ``inside``: its run
                first, last = (
                    max(first, bisect_right(positions, span[0])),
                    min(last, bisect_left(positions, span[1])),
                )
            found = found[first:last]
            return found if tag is None else [el for el in found if el.tag == tag]
        hits = self._run(names[0], lo, hi)
        if len(names) > 1:
            hits = sorted(dict(hit for name in names for hit in self._run(name, lo, hi)).items())
        if tag is not None:
            hits = [hit for hit in hits if hit[1].tag == tag]
        if inside is not None and hits:
            outer = [(at, self._end(el)) for at, el in self._run(inside, lo, hi)]
            hits = [hit for hit in hits if any(first < hit[0] < end for first, end in outer)]
        return [el for _, el in hits]

    def _only(self, name: str, lo: int, hi: int) -> tuple[int, int] | None:
        """(position, position after its subtree) of the one element of class ``name``
        at positions ``lo`` to ``hi``; None when there is none or more than one."""
        positions, elements = self._by.get(name, ((), ()))
        at = bisect_left(positions, lo)
        if at + 1 != bisect_left(positions, hi):
            return None
        return positions[at], self._end(elements[at])

    def _run(self, name: str, lo: int, hi: int) -> list[tuple[int, HtmlElement]]:
        entry = self._by.get(name)
        if entry is None:
            return []
        positions, elements = entry
        first, last = bisect_left(positions, lo), bisect_left(positions, hi)
        return list(zip(positions[first:last], elements[first:last], strict=True))

    def answer(self, query: ClassQuery, lo: int, hi: int) -> list:
        found = self.elements(query.names, lo, hi, tag=query.tag, inside=query.inside)
        for step in query.then:
            if len(found) == 1:  # one element's descendants: each once already
                found = list(found[0].iterdescendants(step))
                continue
            seen: set[HtmlElement] = set()
            below = []
            for el in found:
                for hit in el.iterdescendants(step):
                    if hit not in seen:
                        seen.add(hit)
                        below.append(hit)
            found = below
        if query.attr is not None:
            return [value for el in found if (value := el.get(query.attr)) is not None]
        return found


class ClassScope:
    """The class queries of one element of an indexed tree: a run of its positions."""

    __slots__ = ("end", "index", "root", "start")

    def __init__(self, index: ClassIndex, root: HtmlElement, start: int, end: int) -> None:
        self.index, self.root, self.start, self.end = index, root, start, end

    def answer(self, query: ClassQuery) -> list:
        """``query`` asked of ``root``: its descendants, or the whole page for a page query."""
        if query.page:
            return self.index.answer(query, 0, self.index.size)
        return self.index.answer(query, self.start + 1, self.end)


def _last_element(el: HtmlElement) -> HtmlElement:
    """The last element in document order of ``el``'s subtree (``el`` when it has none)."""
    while True:
        for child in reversed(el):
            if isinstance(child.tag, str):
                el = child
                break
        else:
            return el


@lru_cache(maxsize=4096)
def compiled(xpath: str) -> etree.XPath:
    """The compiled form of an expression (raises ``etree.XPathSyntaxError``)."""
    return etree.XPath(str(xpath), smart_strings=False)


def select(node: HtmlElement, xpath: str | None, scope: ClassScope | None = None) -> list:
    """Everything ``xpath`` selects from ``node``: elements, or strings for attributes
    and text. A class query is answered from ``scope`` when it is ``node``'s."""
    if not xpath or node is None:
        return []
    if scope is not None and scope.root is node and isinstance(xpath, ClassQuery):
        return scope.answer(xpath)
    result = compiled(xpath)(node)
    return result if isinstance(result, list) else [result]


def select_first(node: HtmlElement, xpath: str | None, scope: ClassScope | None = None):
    own = _own_attribute_first(xpath) if xpath and not isinstance(xpath, ClassQuery) else None
    if own is not None and node is not None and not isinstance(node, str):
        value = node.get(own)
        if value is not None:  # first in document order: nothing else can precede it
            return value
    found = select(node, xpath, scope)
    return found[0] if found else None


@lru_cache(maxsize=1024)
def _own_attribute_first(xpath: str) -> str | None:
    """``name`` for a union ``@name | .//… | .//…``: the node's own attribute, where it
    has one, is the union's first member in document order (a node's attributes come
    before its descendants, and no other branch selects the node's own attributes), so
    a post's ``@id`` answers ``post_id_from`` without walking the post for the rest."""
    branches = top_level_branches(xpath)
    if len(branches) < 2:
        return None
    first = branches[0].strip()
    if not (first.startswith("@") and first[1:].replace("-", "").replace("_", "").isalnum()):
        return None
    for branch in branches[1:]:
        branch = branch.strip()
        if not branch.startswith(".//") or not (branch[3:4].isalpha() or branch[3:4] == "*"):
            return None
    return first[1:]


def top_level_branches(xpath: str) -> list[str]:
    """An expression split at the ``|`` outside brackets, parentheses and strings."""
    branches, depth, quote, start = [], 0, "", 0
    for i, char in enumerate(xpath):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in "[(":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "|" and depth == 0:
            branches.append(xpath[start:i])
            start = i + 1
    branches.append(xpath[start:])
    return branches
