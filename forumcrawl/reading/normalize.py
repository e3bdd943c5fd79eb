"""From a parsed page to finished items: the one path shared by the spider and ``extract``.

:func:`page_items` turns an engine's :class:`ThreadPage` into items stamped with their
site; :func:`normalise_item` resolves dates to UTC and recognises reposted articles.
The Scrapy pipeline and the ``forumcrawl extract`` command both call these two
functions, so what the command prints for a saved page is what a crawl stores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

from forumcrawl.reading.engines.base import BoardPage, ThreadLink, ThreadPage
from forumcrawl.reading.extract.articles import find_article
from forumcrawl.reading.extract.dates import DateContext, normalise_date
from forumcrawl.items import BoardItem, PostItem, SiteItem, ThreadItem


def site_id_for(url: str) -> str:
    """Namespace for a forum's rows: its host name, lower-cased, without ``www.``."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def site_root(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


@dataclass(frozen=True, slots=True)
class SiteSettings:
    """How to read one site's displayed dates when the page gives nothing better.

    ``timezone`` None means: the zone the page states ("All times are GMT -5"), else
    UTC. A zone set by the user wins over the page's statement: a footer's fixed offset
    does not know about summer time, a zone name does.
    """

    timezone: str | None = None
    date_order: str | None = None
    languages: tuple[str, ...] | None = None

    def context(self, page_language: str | None, fetched_at: datetime,
                inferred_order: str | None = None, page_timezone: str | None = None) -> DateContext:
        """Day/month order: the site's setting, else what the page's own unambiguous
        dates show, else the language's custom."""
        languages = self.languages or (language_code(page_language),)
        return DateContext(languages=languages, timezone=self.timezone or page_timezone or "UTC",
                           date_order=self.date_order or inferred_order or default_order(languages[0]),
                           fetched_at=fetched_at)


_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[./-](\d{1,2})[./-](\d{2,4})\b")


def infer_date_order(texts) -> str | None:
    """DMY or MDY from numeric dates that can only be read one way (a 13th or later
    day in first or second place); None when the page has none or contradicts itself."""
    day_first = month_first = False
    for text in texts:
        for a, b, _year in _NUMERIC_DATE.findall(text or ""):
            day_first |= int(a) > 12 >= int(b)
            month_first |= int(b) > 12 >= int(a)
    if day_first != month_first:
        return "DMY" if day_first else "MDY"
    return None


def language_code(lang: str | None) -> str:
    """``en-US`` -> ``en``; dateparser's language codes are ISO 639-1."""
    return (lang or "en").split("-")[0].split("_")[0].lower() or "en"


def default_order(language: str) -> str:
    """Day/month order when the site does not say: month first only in (US) English."""
    return "MDY" if language == "en" else "DMY"


def page_items(page: ThreadPage, url: str, fetched_at: datetime | None = None
               ) -> list[ThreadItem | PostItem]:
    """Stamp a parsed thread page with its site and fetch time, as a list of items."""
    site_id = site_id_for(url)
    stamp = (fetched_at or datetime.now(timezone.utc)).isoformat(timespec="seconds")
    thread = page.thread
    thread.site_id = site_id
    thread.language = page.language
    thread.timezone = page.timezone
    out: list[ThreadItem | PostItem] = [thread]
    order = infer_date_order(p.posted.raw for p in page.posts)
    for post in page.posts:
        post.date_order = order
        post.site_id = site_id
        post.fetched_at = stamp
        post.language = page.language
        post.timezone = page.timezone
        if post.author is not None:
            post.author.site_id = site_id
        out.append(post)
    return out


def attach_listing(page: ThreadPage, link: ThreadLink | None) -> None:
    """Give a thread page the reply count and last-post date of the listing that led to
    it: the thread's watermark for the next run."""
    if link is not None:
        page.thread.reply_count = link.reply_count
        page.thread.last_post = link.last_post


def thread_watermark(page: ThreadPage) -> dict:
    """The ``PageItem`` fields that move a thread's watermark and name the page's posts."""
    return {"thread_id": page.thread.thread_id, "page_number": page.page_number,
            "post_ids": [post.post_id for post in page.posts]}


def normalise_listing(page: BoardPage, settings: SiteSettings, fetched_at: datetime) -> None:
    """Resolve the listing's last-post dates to UTC, as the stored watermarks are."""
    ctx = settings.context(page.language, fetched_at, page_timezone=page.timezone)
    for link in page.threads:
        normalise_date(link.last_post, ctx)


def board_items(page: BoardPage, url: str) -> list[BoardItem]:
    site_id = site_id_for(url)
    boards = ([page.board] if page.board else []) + list(page.boards)
    for board in boards:
        board.site_id = site_id
    return boards


def site_item(url: str, engine: str, evidence: list[str], language: str | None) -> SiteItem:
    return SiteItem(site_id=site_id_for(url), base_url=site_root(url), engine=engine,
                    engine_evidence=evidence, language=language_code(language))


def normalise_item(item, settings: SiteSettings):
    """Resolve dates to UTC and find reposted articles; returns the same item."""
    if isinstance(item, PostItem):
        fetched = datetime.fromisoformat(item.fetched_at) if item.fetched_at else datetime.now(timezone.utc)
        ctx = settings.context(item.language, fetched, item.date_order, item.timezone)
        normalise_date(item.posted, ctx)
        normalise_date(item.edited, ctx)
        if item.author is not None:
            normalise_date(item.author.joined, ctx)
        host = urlsplit(item.page_url).hostname
        articles = []
        candidate = find_article(item.body_text, item.links, ctx, site_host=host)
        if candidate:
            articles.append(candidate)
        for quote in item.quotes:
            found = find_article(quote.text, quote.links, ctx, position=len(articles),
                                 site_host=host, in_quote=True)
            if found:
                articles.append(found)
        for article in articles:
            normalise_date(article.published, ctx)
        item.articles = articles
    elif isinstance(item, ThreadItem):
        ctx = settings.context(item.language, datetime.now(timezone.utc), page_timezone=item.timezone)
        normalise_date(item.last_post, ctx)
    return item
