"""Reposted news articles: a member pastes a story and the forum flattens it into a post.

What survives the paste is a shape, not markup: a headline line, a "by NAME" byline and
a date line (in either order) near the top, paragraphs with short subheadings, and often
a source link at the top, at the end, or on a "Source:" line. The whole story may also
sit inside a quote block. :func:`find_article` recognises that shape in a post's text
and returns the article's parts; anything that lacks a headline *and* a byline or date
line *and* a body of real paragraphs is left alone, so ordinary posts are not mistaken
for articles.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from forumcrawl.items import ArticleItem, DateField
from forumcrawl.reading.extract.dates import DateContext, parse_text

_BYLINE = re.compile(
    r"^(?:by|von|par|di|por|door)\s+"
    r"(?P<name>[A-ZÀ-Þ][\w.'’\-]*(?:\s+(?:and|und|et|e|y|&)?\s*[A-ZÀ-Þ][\w.'’\-]*){0,6})"
    r"(?:\s*[,|\-–—]\s*(?P<rest>.{0,80}))?$",
    re.I,
)
_SOURCE_LINE = re.compile(
    r"^(?:source|sources|quelle|fonte|fuente|bron|via|read more|link)\s*:\s*(?P<rest>.*)$", re.I
)
_URL = re.compile(r"https?://\S+")
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_DATELINE_OUTLET = re.compile(r"^[A-Z][A-Z .,'-]{2,40}\((?P<outlet>[A-Z][\w .&]{1,30})\)\s*[-–—]")
_SENTENCE_END = re.compile(r"[.!?…:;\"”’)]$")

# Outlets whose domain does not spell their name; the rest are named after the domain.
KNOWN_OUTLETS = {
    "bloomberg.com": "Bloomberg",
    "reuters.com": "Reuters",
    "apnews.com": "Associated Press",
    "nytimes.com": "The New York Times",
    "washingtonpost.com": "The Washington Post",
    "wsj.com": "The Wall Street Journal",
    "ft.com": "Financial Times",
    "bbc.co.uk": "BBC",
    "bbc.com": "BBC",
    "theguardian.com": "The Guardian",
    "defensenews.com": "Defense News",
    "aljazeera.com": "Al Jazeera",
    "cnn.com": "CNN",
    "economist.com": "The Economist",
    "tass.com": "TASS",
    "rt.com": "RT",
    "janes.com": "Janes",
    "dw.com": "Deutsche Welle",
    "spiegel.de": "Der Spiegel",
    "lemonde.fr": "Le Monde",
    "airforcetimes.com": "Air Force Times",
}

MAX_HEAD_LINES = 8
MIN_BODY_WORDS = 60
MIN_PARAGRAPHS = 2


@dataclass(slots=True)
class _Head:
    headline: str
    byline: str | None
    date_raw: str | None
    body_start: int
    top_url: str | None


def outlet_for(url: str | None) -> str | None:
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower()
    for prefix in ("www.", "m.", "amp.", "edition.", "mobile."):
        if host.startswith(prefix):
            host = host[len(prefix) :]
    for domain, name in KNOWN_OUTLETS.items():
        if host == domain or host.endswith("." + domain):
            return name
    return host or None


def _is_date_line(line: str, ctx: DateContext) -> bool:
    if len(line) > 60 or not _YEAR.search(line) or len(line.split()) > 9:
        return False
    return parse_text(line, ctx) is not None


def _is_headline(line: str) -> bool:
    words = line.split()
    return (
        3 <= len(words) <= 30
        and len(line) <= 220
        and not _URL.match(line)
        and not line.endswith((".", ",", ";", ":"))
        and not _BYLINE.match(line)
    )


def _head(lines: list[str], ctx: DateContext) -> _Head | None:
    """Find headline, byline and date among the first lines; None if the shape is absent."""
    top_url = None
    start = 0
    while start < len(lines) and _URL.fullmatch(lines[start]):
        top_url = top_url or lines[start]
        start += 1
    window = lines[start : start + MAX_HEAD_LINES]
    for i, line in enumerate(window):
        if not _is_headline(line):
            continue
        byline = date_raw = None
        j = i + 1
        while j < len(window) and j <= i + 3:
            candidate = window[j]
            m = _BYLINE.match(candidate)
            if m and byline is None:
                byline = m.group("name").strip()
                rest = (m.group("rest") or "").strip()
                if rest and date_raw is None and _is_date_line(rest, ctx):
                    date_raw = rest
            elif date_raw is None and _is_date_line(candidate, ctx):
                date_raw = candidate
            elif _URL.fullmatch(candidate):
                top_url = top_url or candidate
            else:
                break
            j += 1
        if byline or date_raw:
            return _Head(line, byline, date_raw, start + j, top_url)
        # Only the first headline-like line may open an article.
        return None
    return None


def find_article(
    text: str,
    links: list[str],
    ctx: DateContext,
    *,
    position: int = 0,
    site_host: str | None = None,
    in_quote: bool = False,
) -> ArticleItem | None:
    """Recognise a reposted article in ``text`` (a post's or a quote's own words)."""
    lines = [line.strip() for line in text.splitlines()]
    nonblank = [line for line in lines if line]
    if len(nonblank) < 4:
        return None
    head = _head(nonblank, ctx)
    if head is None:
        return None

    body_lines = nonblank[head.body_start :]
    source_url = head.top_url
    outlet = None
    while body_lines:
        tail = body_lines[-1]
        m = _SOURCE_LINE.match(tail)
        if m:
            rest = m.group("rest").strip()
            url = _URL.search(rest)
            source_url = url.group(0) if url else source_url
            if not url and rest:
                outlet = rest
            body_lines.pop()
        elif _URL.fullmatch(tail):
            source_url = source_url or tail
            body_lines.pop()
        else:
            break
    paragraphs = [line for line in body_lines if _SENTENCE_END.search(line)]
    words = sum(len(line.split()) for line in body_lines)
    if len(paragraphs) < MIN_PARAGRAPHS or words < MIN_BODY_WORDS:
        return None

    external = [u for u in links if site_host is None or (urlsplit(u).hostname or "") != site_host]
    if source_url is None and external:
        source_url = external[-1] if len(external) == 1 else external[0]
    if outlet is None:
        dateline = _DATELINE_OUTLET.match(body_lines[0])
        outlet = dateline.group("outlet") if dateline else outlet_for(source_url)

    return ArticleItem(
        position=position,
        headline=head.headline,
        byline=head.byline,
        published=DateField(raw=head.date_raw),
        source_url=source_url,
        outlet=outlet,
        body_text="\n\n".join(body_lines),
        in_quote=in_quote,
    )


_WORD = re.compile(r"\w+")


def text_key(text: str, words: int = 40) -> str | None:
    """What two reposts of one article share: its first ``words`` words, case and
    punctuation aside, hashed. Members paste the same story with other line breaks,
    curly or straight quotes, or cut it off at different places; its opening stays."""
    found = _WORD.findall(text.casefold())
    return hashlib.sha1(" ".join(found[:words]).encode()).hexdigest()[:20] if len(found) >= 10 else None
