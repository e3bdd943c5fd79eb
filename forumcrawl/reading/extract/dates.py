"""Dates to UTC: machine-readable values first, displayed text only as a fallback.

A forum page usually carries its dates twice: for machines (``<time datetime>``,
``data-time`` epochs, JSON-LD) and for readers ("Yesterday at 3:15 PM", "29.01.19 um
15:25 Uhr"). The machine value is exact and cheap, so dateparser is only called when a
page has nothing else, and then restricted to the site's language, timezone and day/month
order so it cannot guess a different language per post. Text that depends on when the
page was fetched ("Today", "3 hours ago", a date without a year) is anchored to the fetch
time and recorded as ``relative``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateparser.date import DateDataParser

from forumcrawl.items import DateField

SOURCE_MACHINE = "machine"
SOURCE_TEXT = "text"
SOURCE_RELATIVE = "relative"

# dateparser has no reading for these; they all mean "the moment of the fetch".
_NOW_PHRASES = {
    "a moment ago",
    "just now",
    "moments ago",
    "now",
    "gerade eben",
    "soeben",
    "jetzt",
    "à l'instant",
    "a l'instant",
    "maintenant",
    "un momento fa",
    "proprio ora",
    "adesso",
    "hace un momento",
    "ahora",
}

_TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}|\b\d{1,2}h\d{2}\b|\b(?:am|pm|uhr)\b", re.I)
_EPOCH = re.compile(r"^\d{9,11}$")


@dataclass(frozen=True, slots=True)
class DateContext:
    """What a site's displayed dates mean: its language(s), timezone and day order,
    and when the page was fetched (the anchor for relative dates)."""

    languages: tuple[str, ...] = ("en",)
    timezone: str = "UTC"
    date_order: str | None = None
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))


_FIXED = re.compile(r"^UTC([+-])(\d{2}):(\d{2})$")


def zone(name: str) -> tzinfo:
    """A zone name ("Europe/Berlin") or a fixed offset as a page states it ("UTC-05:00",
    which dateparser reads but :mod:`zoneinfo` does not)."""
    m = _FIXED.match(name)
    if m:
        offset = timedelta(hours=int(m[2]), minutes=int(m[3]))
        return timezone(-offset if m[1] == "-" else offset)
    return ZoneInfo(name)


def to_utc_iso(dt: datetime) -> str:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat(timespec="seconds")


def parse_machine(value: str) -> datetime | None:
    """ISO 8601 (with or without offset) or a Unix epoch; naive values count as UTC."""
    value = value.strip()
    if _EPOCH.match(value):
        return datetime.fromtimestamp(int(value), tz=UTC)
    try:
        dt = datetime.fromisoformat(value.replace(" ", "T", 1) if "T" not in value else value)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


@lru_cache(maxsize=64)
def _parser(languages: tuple[str, ...], tz: str, order: str | None, base: datetime) -> DateDataParser:
    settings = {
        "TIMEZONE": tz,
        "TO_TIMEZONE": "UTC",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "RELATIVE_BASE": base,
        "PREFER_DATES_FROM": "past",
        "PREFER_DAY_OF_MONTH": "first",
    }
    if order:
        settings["DATE_ORDER"] = order
    return DateDataParser(languages=list(languages), settings=settings)


@lru_cache(maxsize=8192)
def _dateparser(
    text: str, languages: tuple[str, ...], tz: str, order: str | None, base: datetime
) -> tuple[datetime, str] | None:
    """(moment, period) where period says how much the text named: day, month, year..."""
    data = _parser(languages, tz, order, base).get_date_data(text)
    if data is None or data.date_obj is None:
        return None
    return data.date_obj, data.period or "day"


_MONTHS = {
    m: i
    for i, names in enumerate(
        (
            "jan january",
            "feb february",
            "mar march",
            "apr april",
            "may",
            "jun june",
            "jul july",
            "aug august",
            "sep sept september",
            "oct october",
            "nov november",
            "dec december",
        ),
        1,
    )
    for m in names.split()
}
_MONTH = r"(?P<month>[A-Za-z]{3,9})\.?"
_ABSOLUTE_EN = re.compile(
    r"^(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
    rf"(?:(?P<day1>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH}|{_MONTH.replace('month', 'month2')}\s+(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?)"
    r",?\s+(?P<year>\d{4})"
    r"(?:,?\s+(?:at\s+|-\s+)?(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?\s*(?P<ampm>[ap]\.?m\.?)?)?$",
    re.I,
)


def _english_absolute(text: str, ctx: DateContext) -> tuple[str, str] | None:
    """English dates that name their month and year ("Tue Jan 05, 2016 9:01 am",
    "Mar 18, 2011", "5 March 2016, 14:02"), read without dateparser.

    They are the common case on forums without machine-readable times, and they cannot
    be relative or ambiguous, so reading them directly gives dateparser's answer at a
    hundredth of its cost. Anything else goes to dateparser.
    """
    m = _ABSOLUTE_EN.match(text)
    if not m:
        return None
    month = _MONTHS.get((m["month"] or m["month2"]).lower())
    if month is None:
        return None
    day, year = int(m["day1"] or m["day2"]), int(m["year"])
    try:
        if m["hour"] is None:
            return date(year, month, day).isoformat(), SOURCE_TEXT
        hour, minute, second = int(m["hour"]), int(m["minute"]), int(m["second"] or 0)
        if m["ampm"]:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if m["ampm"].lower().startswith("p") else 0)
        local = datetime(year, month, day, hour, minute, second, tzinfo=zone(ctx.timezone))
    except ValueError:
        return None
    later = local.replace(fold=1)
    if later.utcoffset() != local.utcoffset() and not later.dst():
        # A time that occurs twice (or never) at a DST change: standard time, as dateparser reads it.
        local = later
    return to_utc_iso(local), SOURCE_TEXT


def parse_text(text: str, ctx: DateContext) -> tuple[str, str] | None:
    """Parse displayed text; returns (value, source) or None.

    The value is a UTC timestamp, or a bare ``YYYY-MM-DD`` when the text names a day but
    no time (a join date): shifting midnight of an unknown hour into UTC would invent
    a different day.
    """
    cleaned = " ".join(text.split()).strip(" ,")
    if not cleaned:
        return None
    if cleaned.lower() in _NOW_PHRASES:
        return to_utc_iso(ctx.fetched_at), SOURCE_RELATIVE
    if "en" in ctx.languages and (fast := _english_absolute(cleaned, ctx)):
        return fast
    # dateparser wants a naive base expressed in the site's timezone.
    local_base = ctx.fetched_at.astimezone(zone(ctx.timezone)).replace(tzinfo=None, second=0, microsecond=0)
    parsed = _dateparser(cleaned, ctx.languages, ctx.timezone, ctx.date_order, local_base)
    if parsed is None:
        return None
    # Relative text resolves differently against another anchor; absolute text does not.
    other = _dateparser(
        cleaned, ctx.languages, ctx.timezone, ctx.date_order, local_base.replace(year=local_base.year - 2)
    )
    source = SOURCE_TEXT if other == parsed else SOURCE_RELATIVE
    moment, period = parsed
    if not _TIME_OF_DAY.search(cleaned):
        local = moment.astimezone(zone(ctx.timezone))
        day = date(local.year, local.month, local.day).isoformat()
        if source == SOURCE_TEXT:
            # A day, month or year with no time of day: keep exactly what was said.
            return {"year": day[:4], "month": day[:7]}.get(period, day), source
        # Relative text as precise as it is: "2 years ago" names a year, "3 weeks ago",
        # "Yesterday" and "March 27" a day; "3 hours ago" a moment.
        if period in ("year", "month"):
            return {"year": day[:4], "month": day[:7]}[period], source
        clock = local.replace(tzinfo=None).time()
        if period == "week" or clock in (local_base.time(), datetime.min.time()):
            return day, source
    return to_utc_iso(moment), source


_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def machine_disagrees(machine: datetime, shown: str | None) -> bool:
    """The shown text names years and the machine value's is none of them: the value is
    not this post's (a theme that writes the topic's or the member's date into every
    post's ``datetime``). A cheap test, no parsing: a year either side is allowed for a
    new year's eve in another zone."""
    if not shown:
        return False
    years = {int(y) for y in _YEAR.findall(shown)}
    near_new_year = machine.month in (1, 12) and any(abs(machine.year - y) == 1 for y in years)
    return bool(years) and machine.year not in years and not near_new_year


def normalise_date(field_: DateField, ctx: DateContext) -> DateField:
    """Fill ``value`` and ``source`` of a raw date: the machine value, unless the text the
    page shows beside it names another year (then the text, source ``text``, and the
    disagreement is counted by the caller: ``machine`` set, ``source`` not machine)."""
    if field_.machine:
        parsed = parse_machine(field_.machine)
        if parsed is not None and not machine_disagrees(parsed, field_.raw):
            field_.value, field_.source = to_utc_iso(parsed), SOURCE_MACHINE
            return field_
    if field_.raw:
        result = parse_text(field_.raw, ctx)
        if result:
            field_.value, field_.source = result
    return field_
