"""The timezone a page says its times are in: "All times are GMT -5" and its kin.

Forums print dates as text in the board's (or the guest's) timezone and state that
timezone once, in the footer. Without it every text date of a vBulletin board in New
York would be stored five hours early. The statement is engine-independent enough to
read once for every page:

- vBulletin 3/4: "All times are GMT -5. The time now is ..." (German: "Alle
  Zeitangaben in WEZ +2."; WEZ is UTC+0, as GMT is);
- vBulletin 5: "All times are GMT-5. This page was generated at ...";
- phpBB 3.0: "All times are UTC + 1 hour [ DST ]" (the bracket adds the summer hour);
- phpBB 3.1+: "All times are <span title="Europe/Berlin">UTC+01:00</span>", whose title
  is a zone name, localised on some boards ("Europa/Berlin") and then not usable.
"""

from __future__ import annotations

import re
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lxml.html import HtmlElement

from forumcrawl.reading.query import select

_LEADS = (
    "All times are",
    "Alle Zeitangaben in",
    "Alle Zeiten sind",
    "Toutes les heures sont",
    "Tutti gli orari sono",
    "Todas las horas son",
)
_STATEMENT = re.compile(
    r"(?:" + "|".join(re.escape(lead) for lead in _LEADS) + r")\s*(?:au format\s*|in\s*)?"
    r"(?:GMT|UTC|WEZ)\s*(?:(?P<sign>[+\-\u2212])\s*(?P<hours>\d{1,2})(?:[.:,](?P<frac>\d{1,2}))?)?"
    r"\s*(?:hours?|Stunden?|heures?|ore|horas?)?\s*(?P<dst>\[\s*(?:DST|Sommerzeit|heure d'été)\s*\])?",
    re.IGNORECASE,
)


@cache
def _statement_xpath(leads: tuple[str, ...]) -> str:
    # the parents of the text nodes that say it: the same elements as
    # //*[text()[contains(...)]], found without evaluating a predicate on every element
    return "//text()[" + " or ".join(f'contains(., "{lead}")' for lead in leads) + "]/.."


def page_timezone(root: HtmlElement, source: str | None = None) -> str | None:
    """The zone a page's text dates are in, as a name both :mod:`zoneinfo` and
    dateparser read ("Europe/Berlin", "UTC-05:00"), or None when the page does not say.

    ``source``, the page's HTML, lets a page without any statement skip the tree
    search (a whole-document text scan, the dearest query on a XenForo page).
    """
    leads = _LEADS if source is None else tuple(lead for lead in _LEADS if lead in source)
    if not leads:
        return None
    for element in select(root, _statement_xpath(leads)):
        named = next(iter(select(element, ".//span/@title")), None)
        if named and _is_zone(named):
            return named
        zone = stated_offset(" ".join(select(element, ".//text()")))
        if zone:
            return zone
    return None


def stated_offset(text: str) -> str | None:
    """ "All times are GMT -5" -> "UTC-05:00"; "UTC + 1 hour [ DST ]" -> "UTC+02:00"."""
    m = _STATEMENT.search(" ".join(text.split()))
    if not m:
        return None
    minutes = 0
    if m["hours"]:
        frac = m["frac"] or "0"
        # "+5.5" is five and a half hours, "+5:30" five hours thirty
        extra = int(frac) if ":" in m.group(0) else round(float(f"0.{frac}") * 60)
        minutes = int(m["hours"]) * 60 + extra
        if m["sign"] in "-\u2212":
            minutes = -minutes
    if m["dst"]:
        minutes += 60
    sign = "-" if minutes < 0 else "+"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _is_zone(name: str) -> bool:
    if "/" not in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
