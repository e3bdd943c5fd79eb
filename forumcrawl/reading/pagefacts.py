"""What a thread page says about its thread, read without knowing its engine.

The structured-data and generic readers take the thread's identity from here: its URL
(the canonical link, without the page's place in the thread), its title (the page's
heading, structured ``headline``, ``og:title`` or ``<title>``, never the site's name)
and the link to the next page.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from forumcrawl.reading.document import Document
from forumcrawl.reading.nodes import clean, inline_text, link

# Query parameters and path endings that say where in a thread a page is, not which thread.
_PAGE_PARAMS = frozenset({"page", "p", "pg", "start", "offset", "cursor", "sort", "order", "pagenumber"})
_PAGE_PATH = re.compile(r"/page[-/]?\d+/?$", re.I)
_TITLE_SEPARATORS = re.compile(r"\s+(?:[|\-–—:•»]|::)\s+")


def thread_url(doc: Document) -> str:
    """The thread's URL: the canonical link (else the page's), unfragmented, without the
    page number a paginated thread's later pages add."""
    url = (doc.canonical or doc.url).split("#")[0]
    parts = urlsplit(url)
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in _PAGE_PARAMS
    ]
    path = _PAGE_PATH.sub("/", parts.path) or "/"
    return link(url, urlunsplit(parts._replace(path=path, query=urlencode(query)))) or url


_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "edu", "or", "ne", "go"})


def site_names(doc: Document) -> set[str]:
    """What the page may call its site: ``og:site_name``, the host, and the host's
    registered name ("slashdot" for linux.slashdot.org, not "linux")."""
    host = (urlsplit(doc.url).hostname or "").lower()
    labels = host.removeprefix("www.").split(".")
    names = {doc.site_name or "", host, host.removeprefix("www.")}
    if len(labels) >= 2:
        names.add(labels[-3] if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL else labels[-2])
    return {n.lower() for n in names if n}


def title_of(doc: Document, structured_title: str | None = None) -> str | None:
    """The thread's title: the structured ``headline``; else the page heading that the
    window title or sharing card agrees with (a forum's pages carry more than one
    ``<h1>``: the site's logo, the section's name, the thread); else the sharing card's
    or the window's title, its site suffix cut; else the first heading that is not the
    site's name."""
    sites = site_names(doc)
    if (title := _without_site(clean(structured_title), sites)) and title.lower() not in sites:
        return title
    references = [t for t in _window_titles(doc, sites) if t.lower() not in sites]
    headings = [
        h
        for h in (_without_site(inline_text(el), sites) for el in doc.xpath("//h1")[:5])
        if h and h.lower() not in sites
    ]
    for reference in references:
        ref_words = set(_WORDS.findall(reference.lower()))
        agreeing = [h for h in headings if _agrees(h, ref_words)]
        if agreeing:
            best = min(agreeing, key=len)
            # A heading may carry more than its title (a source, a reply count).
            if len(reference) < len(best) and ref_words <= set(_WORDS.findall(best.lower())):
                return reference
            return best
    if headings and len(_WORDS.findall(headings[0])) >= 3:
        return headings[0]  # a sentence of a heading, where the window title is a slogan
    return references[0] if references else (headings[0] if headings else None)


_WORDS = re.compile(r"\w+")


def agreeing_title(doc: Document, candidates: list[str]) -> str | None:
    """The first candidate the window title or sharing card agrees with (an engine's
    title selector can also match a login box's heading)."""
    for reference in _window_titles(doc, site_names(doc)):
        ref_words = set(_WORDS.findall(reference.lower()))
        for candidate in candidates:
            if _agrees(candidate, ref_words):
                return candidate
    return None


def _window_titles(doc: Document, sites: set[str]) -> list[str]:
    """The sharing card's title, then the window's, each with its site suffix cut."""
    titles = (
        _without_site(clean(doc.first("//meta[@property='og:title']/@content")), sites),
        _without_site(clean(doc.first("//title/text()")), sites),
    )
    return [t for t in titles if t]


def _agrees(heading: str, ref_words: set[str]) -> bool:
    """The heading says what the window title says: its words are the title's, and it
    holds at least half of them (a section's name holds fewer)."""
    words = set(_WORDS.findall(heading.lower()))
    if not words or not ref_words:
        return False
    inside = len(words & ref_words)
    return inside >= 0.8 * len(words) and inside >= 0.5 * len(ref_words)


def _without_site(title: str | None, sites: set[str]) -> str | None:
    """ "Thread title | Forum name" -> "Thread title" (also "Forum - Title")."""
    if not title:
        return title
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) > 1:
        kept = [
            p
            for p in parts
            if p.lower().strip() not in sites and not any(s in p.lower() for s in sites if len(s) > 3)
        ]
        if kept and len(kept) < len(parts):
            return " - ".join(kept) if len(kept) > 1 else kept[0]
    return title


def next_url(doc: Document) -> str | None:
    """The next page of the thread: ``rel=next``, else a pager's "next" link."""
    href = doc.first("//link[@rel='next']/@href | //a[@rel='next']/@href")
    if not href:
        href = doc.first(
            "//a[contains(concat(' ', normalize-space(@class), ' '), ' next ')"
            " or contains(@class, 'pagination-next') or contains(@class, 'pageNav-jump--next')"
            " or @aria-label='Next page' or @aria-label='next page']/@href"
        )
    return link(doc.base, href)
