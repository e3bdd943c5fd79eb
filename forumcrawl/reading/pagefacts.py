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


def site_names(doc: Document) -> set[str]:
    names = {doc.site_name or "", urlsplit(doc.url).hostname or ""}
    host = (urlsplit(doc.url).hostname or "").removeprefix("www.")
    names |= {host, host.split(".")[0]}
    return {n.lower() for n in names if n}


def title_of(doc: Document, structured_title: str | None = None) -> str | None:
    """The thread's title: the first heading that is not the site's name, else what the
    structured data, the sharing card or the window title says (its site suffix cut)."""
    sites = site_names(doc)
    for candidate in (
        structured_title,
        *(inline_text(h) for h in doc.xpath("//h1")[:3]),
        clean(doc.first("//meta[@property='og:title']/@content")),
        clean(doc.first("//title/text()")),
    ):
        title = _without_site(clean(candidate), sites)
        if title and title.lower() not in sites:
            return title
    return None


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
