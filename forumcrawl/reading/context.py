"""What the caller knows about a page beyond its bytes: the page context.

The page-reading service takes a page's bytes, its URL and a :class:`PageContext`: when
it was fetched (the one clock every relative date is read against), how the site's
displayed dates are to be read (:class:`SiteSettings`), which engine to use, what the
site's earlier pages were read as, and the board listing that led to a thread page.
Context travels beside the items, never on them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from dateparser.data import language_order

from forumcrawl.reading.engines.base import ThreadLink
from forumcrawl.reading.extract.dates import DateContext


def site_id_for(url: str) -> str:
    """Namespace for a forum's rows: its host name, lower-cased, without ``www.``."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def site_root(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


DATEPARSER_LANGUAGES = frozenset(language_order)


def language_code(lang: str | None) -> str:
    """``en-US`` -> ``en``; dateparser's language codes are ISO 639-1."""
    return (lang or "en").split("-")[0].split("_")[0].lower() or "en"


def default_order(language: str) -> str:
    """Day/month order when the site does not say: month first only in (US) English."""
    return "MDY" if language == "en" else "DMY"


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

    def context(
        self,
        page_language: str | None,
        fetched_at: datetime,
        inferred_order: str | None = None,
        page_timezone: str | None = None,
    ) -> DateContext:
        """Day/month order: the site's setting, else what the page's own unambiguous
        dates show, else the language's custom."""
        page = language_code(page_language)
        # a language dateparser has no data for ("tlh", or a garbled lang="de)de") would
        # fail every date on the page: English month names are the likelier guess
        languages = self.languages or (page if page in DATEPARSER_LANGUAGES else "en",)
        return DateContext(
            languages=languages,
            timezone=self.timezone or page_timezone or "UTC",
            date_order=self.date_order or inferred_order or default_order(languages[0]),
            fetched_at=fetched_at,
        )


def now() -> datetime:
    """The fetch time of a page read now (``forumcrawl extract`` of a saved page)."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class PageContext:
    """Everything about a page that is not in its bytes.

    ``engine`` forces an engine (with the site's ``selectors`` replaced); ``site_engine``
    is what the site's earlier pages were read as (asked first in detection; None: this
    is the first page of the site, and the result carries the site's row); ``listing``
    is the board row that led to a thread page (its reply count and last-post date are
    the thread's watermark for the next run; ``reparse``, which learns which thread a
    page is only by reading it, attaches the listing after reading).
    """

    fetched_at: datetime = field(default_factory=now)
    content_type: str | None = None
    settings: SiteSettings = SiteSettings()
    engine: str | None = None
    selectors: tuple[tuple[str, str], ...] = ()
    site_engine: str | None = None
    listing: ThreadLink | None = None
    engines: bool = True  # False: no engine reader, only structured data and the generic reader
