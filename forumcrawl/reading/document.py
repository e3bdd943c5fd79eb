"""A page parsed once: the tree, the URL it came from and what every reader of it shares.

The page-reading service (:mod:`forumcrawl.reading.service`) decodes and parses a page
into a :class:`Document`; detection, the engine's page reader, the time-zone statement
and the other readers all work on that one tree.
"""

from __future__ import annotations

import re
from functools import cached_property, lru_cache
from urllib.parse import urljoin

from lxml import etree
from lxml.html import HtmlElement

from forumcrawl.reading.nodes import clean
from forumcrawl.reading.query import ClassIndex, ClassQuery, select, top_level_branches

# A search of the page for an element the HTML standard puts in the <head>.
_HEAD_SEARCH = re.compile(r"//(?:base|link|meta|title|style|script|noscript|template)(?=[\[/]|$)")


@lru_cache(maxsize=1024)
def head_search(xpath: str) -> str | None:
    """``xpath`` asked of the ``<head>`` instead of the page, where the head's first
    answer is the page's: every branch of the expression searches the whole page
    (``//``) for elements of a tag that belongs in the head (so a body search is not
    asked twice), and no step goes up or back from them (``..``, ``ancestor::``,
    ``preceding::``; any ``::`` is refused). Only ``<html>`` precedes the head, so in
    document order the head's matches come first. None otherwise."""
    branches = [branch.strip() for branch in top_level_branches(xpath)]
    if not all(_HEAD_SEARCH.match(b) and ".." not in b and "::" not in b for b in branches):
        return None
    return " | ".join("." + branch for branch in branches)


class Document:
    """One parsed HTML page."""

    def __init__(self, url: str, site_id: str, root: HtmlElement, source: str = "") -> None:
        self.url = url
        self.site_id = site_id
        self.root = root
        self.source = source  # the decoded HTML, for cheap substring tests before tree searches
        # Answers to whole-page questions: no reader changes the page's tree (bodies are
        # copied before they are cut), and detection, the page reader and the other
        # readers ask some of the same ones (a XenForo page's pagination, twice).
        self._answers: dict[str, list] = {}

    def _answer(self, xpath: str) -> list:
        answer = self._answers.get(xpath)
        if answer is None:
            scope = self.classes.scope(self.root) if isinstance(xpath, ClassQuery) else None
            answer = self._answers[xpath] = select(self.root, xpath, scope)
        return answer

    @cached_property
    def classes(self) -> ClassIndex:
        """The page's elements by class, built on the first class query asked of it."""
        return ClassIndex(self.root)

    def xpath(self, xpath: str) -> list:
        return list(self._answer(xpath))  # the caller's to change

    def first(self, xpath: str):
        """The first node ``xpath`` selects in document order. A search of the whole page
        for something that sits in the ``<head>`` (the canonical link, a ``meta``) is
        first asked of the head alone: what it finds there comes before anything else
        the search would find (:func:`head_search`)."""
        in_head = head_search(xpath) if not isinstance(xpath, ClassQuery) else None
        if in_head is not None and self._head is not None:
            found = select(self._head, in_head)
            if found:
                return found[0]
        answer = self._answer(xpath)
        return answer[0] if answer else None

    @cached_property
    def _head(self) -> HtmlElement | None:
        """The ``<head>``, when it is the root ``<html>``'s first element (so nothing a
        search can select precedes it but ``<html>`` itself)."""
        root = self.root
        if root.tag != "html":
            return None
        head = next(root.iterchildren(etree.Element), None)
        return head if head is not None and head.tag == "head" else None

    @cached_property
    def base(self) -> str:
        """The URL relative links resolve against: ``<base href>`` when the page has one
        (XenForo 1 relies on it), else the page URL."""
        base = self.first("/html/head/base/@href") or self.first("//base/@href")
        return urljoin(self.url, base.strip()) if base else self.url

    @cached_property
    def language(self) -> str | None:
        """The page's declared language (``<html lang>``, else the content-language meta)."""
        return (
            self.first("/html/@lang")
            or self.first("/html/@xml:lang")
            or self.first("//meta[@http-equiv='content-language']/@content")
            or None
        )

    @cached_property
    def canonical(self) -> str | None:
        """``<link rel=canonical>``, absolute."""
        href = self.first("//link[@rel='canonical']/@href")
        return urljoin(self.base, href.strip()) if href and href.strip() else None

    @cached_property
    def site_name(self) -> str | None:
        """The forum's name as the page states it for sharing (``og:site_name``) or
        as a web app (``application-name``)."""
        return clean(
            self.first("//meta[@property='og:site_name']/@content")
            or self.first("//meta[@name='application-name']/@content")
        )
