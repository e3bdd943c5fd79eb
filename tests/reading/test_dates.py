from datetime import UTC, datetime

import pytest
from conftest import FIXTURES

from forumcrawl.items import DateField
from forumcrawl.reading.context import PageContext, SiteSettings
from forumcrawl.reading.decode import parse_html
from forumcrawl.reading.extract import dates
from forumcrawl.reading.extract.dates import DateContext, normalise_date, parse_text
from forumcrawl.reading.extract.pagezone import page_timezone, stated_offset
from forumcrawl.storage.records import records_for

FETCHED = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
EN = DateContext(("en",), "UTC", "MDY", FETCHED)
DE = DateContext(("de",), "Europe/Berlin", "DMY", FETCHED)


def test_machine_value_wins_and_is_converted_to_utc():
    field = normalise_date(DateField(raw="Yesterday at 3:15 PM", machine="2015-05-30T16:12:00+0100"), EN)
    assert (field.value, field.source) == ("2015-05-30T15:12:00+00:00", "machine")
    epoch = normalise_date(DateField(raw="whatever", machine="1504916358"), EN)
    assert (epoch.value, epoch.source) == ("2017-09-09T00:19:18+00:00", "machine")


def test_machine_readable_dates_never_reach_dateparser(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("dateparser called for a machine-readable date")

    monkeypatch.setattr(dates, "_dateparser", refuse)
    normalise_date(DateField(raw="Sep 9, 2017 at 1:19 AM", machine="2017-09-09T01:19:18+0100"), EN)


@pytest.mark.parametrize(
    "text,ctx,expected,source",
    [
        ("Yesterday at 3:15 PM", EN, "2026-11-23T15:15:00+00:00", "relative"),
        ("A moment ago", EN, "2026-11-24T12:00:00+00:00", "relative"),
        ("Today at 09:03:11 PM", EN, "2026-11-24T21:03:11+00:00", "relative"),
        ("May 15, 2018 at 1:20 PM", EN, "2018-05-15T13:20:00+00:00", "text"),
        ("Mar 18, 2011", EN, "2011-03-18", "text"),
        ("29.01.19 um 15:25 Uhr", DE, "2019-01-29T14:25:00+00:00", "text"),
        ("10. April 2020 um 07:38 Uhr", DE, "2020-04-10T05:38:00+00:00", "text"),
        ("03.04.07", DE, "2007-04-03", "text"),
        ("Dez. 2017", DE, "2017-12", "text"),
        ("Gestern um 08:00 Uhr", DE, "2026-11-23T07:00:00+00:00", "relative"),
    ],
)
def test_text_dates(text, ctx, expected, source):
    assert parse_text(text, ctx) == (expected, source)


FR = DateContext(("fr",), "Europe/Paris", "DMY", FETCHED)
ES = DateContext(("es",), "Europe/Madrid", "DMY", FETCHED)


@pytest.mark.parametrize(
    "text,ctx,expected",
    [
        # as precise as the text: a moment, a day, a month, a year
        ("3 hours ago", EN, "2026-11-24T09:00:00+00:00"),
        ("vor 5 Minuten", DE, "2026-11-24T11:55:00+00:00"),
        ("Gestern, 14:03", DE, "2026-11-23T13:03:00+00:00"),
        ("Yesterday", EN, "2026-11-23"),
        ("5 days ago", EN, "2026-11-19"),
        ("vor 2 Tagen", DE, "2026-11-22"),
        ("il y a 3 jours", FR, "2026-11-21"),
        ("hace 2 días", ES, "2026-11-22"),
        ("3 weeks ago", EN, "2026-11-03"),
        ("2 months ago", EN, "2026-09"),
        ("2 years ago", EN, "2024"),
        # a day without its year: the latest such day not after the fetch, in the site's zone
        ("March 27", EN, "2026-03-27"),
        ("Nov 30", EN, "2025-11-30"),
        ("27 mars", FR, "2026-03-27"),
        ("27. Dezember", DE, "2025-12-27"),
    ],
)
def test_relative_and_yearless_dates_keep_the_precision_they_show(text, ctx, expected):
    assert parse_text(text, ctx) == (expected, "relative")


def test_a_machine_value_that_names_another_year_than_the_page_shows_gives_way():
    """A theme that writes the topic's date into every post's ``datetime``: the text the
    post shows wins, and the service counts and logs the disagreement."""
    field = normalise_date(DateField(raw="Jan 12, 2019", machine="2010-12-27T10:00:00Z"), EN)
    assert (field.value, field.source) == ("2019-01-12", "text")
    # a new year's eve in another zone is no disagreement; nor is text without a year
    field = normalise_date(DateField(raw="Dec 31, 2018 11:30 PM", machine="2019-01-01T04:30:00Z"), EN)
    assert field.source == "machine"
    field = normalise_date(DateField(raw="3 hours ago", machine="2010-12-27T10:00:00Z"), EN)
    assert (field.value, field.source) == ("2010-12-27T10:00:00+00:00", "machine")


def test_the_service_counts_and_logs_machine_dates_the_page_contradicts(caplog):
    from forumcrawl.reading.service import read_page

    page = b"""<html><head><title>T</title></head><body><h1>A thread</h1>
    <article class="post" id="post-1"><span class="author"><a href="/u/ann">ann</a></span>
    <time datetime="2010-12-27T10:00:00Z">Jan 12, 2019</time>
    <div class="content"><p>The first post says what the thread is about, at some length.</p></div></article>
    <article class="post" id="post-2"><span class="author"><a href="/u/bob">bob</a></span>
    <time datetime="2010-12-27T10:00:00Z">Jan 13, 2019</time>
    <div class="content"><p>A reply that answers it, and says that it does so here.</p></div></article>
    </body></html>"""
    result = read_page(page, "https://forum.example/t/1")
    assert [p.posted.value for p in result.posts] == ["2019-01-12", "2019-01-13"]
    assert result.counts["forumcrawl/dates/machine_disagrees"] == 2
    assert "name another year than the page shows" in caplog.text


def test_unreadable_text_stays_unset():
    field = normalise_date(DateField(raw="sometime last century"), EN)
    assert field.value is None and field.raw == "sometime last century"


UTC_EN = DateContext(("en",), "UTC", None, FETCHED)


@pytest.mark.parametrize(
    "text,ctx,expected",
    [
        # vBulletin, US order (settings or inferred), and its "Today" form.
        ("09-04-2005, 02:54 PM", DateContext(("en",), "UTC", "MDY", FETCHED), "2005-09-04T14:54:00+00:00"),
        ("Today, 08:12", UTC_EN, "2026-11-24T08:12:00+00:00"),
        # Dotted day-first (vBulletin/XenForo in German).
        ("07.09.2018, 12:19", DateContext(("de",), "UTC", "DMY", FETCHED), "2018-09-07T12:19:00+00:00"),
        # SMF and phpBB.
        ("June 04, 2024, 11:23:55 AM", UTC_EN, "2024-06-04T11:23:55+00:00"),
        ("Sat Mar 14, 2020 3:02 pm", UTC_EN, "2020-03-14T15:02:00+00:00"),
        # German, French and Italian month names.
        ("14. März 2020, 15:02", DateContext(("de",), "UTC", "DMY", FETCHED), "2020-03-14T15:02:00+00:00"),
        ("26 févr. 2019 à 10:15", DateContext(("fr",), "UTC", "DMY", FETCHED), "2019-02-26T10:15:00+00:00"),
        ("14 marzo 2020, 15:02", DateContext(("it",), "UTC", "DMY", FETCHED), "2020-03-14T15:02:00+00:00"),
    ],
)
def test_engine_date_formats(text, ctx, expected):
    assert parse_text(text, ctx)[0] == expected


def test_ambiguous_order_is_the_sites_not_the_posts():
    """One site, one order: 04-06-2019 is April 6 under MDY and 4 June under DMY, for
    every post alike (never flipped because another reading also parses)."""
    mdy = DateContext(("en",), "UTC", "MDY", FETCHED)
    dmy = DateContext(("en",), "UTC", "DMY", FETCHED)
    assert parse_text("04-06-2019, 06:55 AM", mdy)[0] == "2019-04-06T06:55:00+00:00"
    assert parse_text("04-06-2019, 06:55 AM", dmy)[0] == "2019-06-04T06:55:00+00:00"


def test_day_month_order_inferred_from_the_pages_unambiguous_dates():
    from forumcrawl.reading.context import SiteSettings, infer_date_order

    assert infer_date_order(["04-06-2019, 06:55 AM", "04-13-2019, 09:29 PM"]) == "MDY"
    assert infer_date_order(["04.06.2019", "25.06.2019"]) == "DMY"
    assert infer_date_order(["04-06-2019"]) is None
    assert infer_date_order(["13-06-2019", "06-13-2019"]) is None  # contradicts itself
    # An English site (MDY by custom) whose dates show day-first reads every post day-first.
    ctx = SiteSettings().context("en", FETCHED, infer_date_order(["25/06/2019 10:00"]))
    assert parse_text("04/06/2019 10:00", ctx)[0] == "2019-06-04T10:00:00+00:00"
    # The site's setting wins over inference.
    assert SiteSettings(date_order="MDY").context("en", FETCHED, "DMY").date_order == "MDY"


# --- the zone a page states in its footer -------------------------------------------


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("All times are GMT -5. The time now is 07:35 AM.", "UTC-05:00"),  # vBulletin 3/4
        ("All times are GMT-5. This page was generated at 12:11 AM.", "UTC-05:00"),  # vBulletin 5
        ("All times are GMT. The time now is 05:23 AM.", "UTC+00:00"),
        ("Alle Zeitangaben in WEZ +2. Es ist jetzt 15:48 Uhr.", "UTC+02:00"),
        ("All times are UTC + 1 hour [ DST ]", "UTC+02:00"),  # phpBB 3.0: DST adds the hour
        ("All times are UTC [ DST ]", "UTC+01:00"),
        ("Alle Zeiten sind UTC+02:00", "UTC+02:00"),  # phpBB 3.1+
        ("All times are GMT +5.5. The time now is", "UTC+05:30"),
        ("All times are GMT +9:30", "UTC+09:30"),
        ("Posted at 10:00 GMT", None),
    ],
)
def test_stated_offset(text, zone):
    assert stated_offset(text) == zone


def test_page_timezone_prefers_a_valid_zone_name_over_the_offset():
    page = '<ul><li>All times are <span title="Europe/Berlin">UTC+01:00</span></li></ul>'
    assert page_timezone(parse_html(page)) == "Europe/Berlin"
    # some boards translate the zone's name: then the offset is all there is
    page = '<ul><li>Alle Zeiten sind <span title="Europa/Berlin">UTC+02:00</span></li></ul>'
    assert page_timezone(parse_html(page)) == "UTC+02:00"
    assert page_timezone(parse_html("<p>no statement</p>")) is None


def test_text_dates_are_read_in_the_zone_the_page_states():
    """animesuki (vBulletin 3) says "All times are GMT -5": "2016-02-01, 02:21" is 07:21 UTC.
    A zone the user sets wins over the page's statement."""
    body = (FIXTURES / "vbulletin3" / "animesuki-hibike-euphonium-p152.html").read_bytes()
    url = "https://forums.animesuki.com/showthread.php?t=128882&page=152"
    post = records_for(body, url, PageContext(settings=SiteSettings()))[1]
    assert (post["posted_raw"], post["posted_at"]) == ("2016-02-01, 02:21", "2016-02-01T07:21:00+00:00")
    post = records_for(body, url, PageContext(settings=SiteSettings(timezone="UTC")))[1]
    assert post["posted_at"] == "2016-02-01T02:21:00+00:00"


def _raw_dates() -> set[str]:
    """Every displayed date the fixture pages show (posts and join dates)."""
    from forumcrawl.reading.service import read_page

    found = set()
    for page in sorted(FIXTURES.glob("*/*.html")):
        try:
            doc = read_page(page.read_bytes(), "https://forum.example/t/1")
        except Exception:  # board pages, pages needing a URL: their dates are not the point
            continue
        for post in doc.thread.posts if doc.thread else []:
            for raw in (post.posted.raw, post.author.joined.raw if post.author else None):
                if raw:
                    found.add(" ".join(raw.split()))
    return found


@pytest.mark.parametrize("zone_name", ["UTC", "America/New_York", "Europe/Berlin"])
def test_english_fast_path_agrees_with_dateparser(monkeypatch, zone_name):
    extra = {
        "Tue Jan 05, 2016 9:01 am",
        "March 30th, 2015 at 12:05 PM",
        "Nov 3, 2019 - 11:00 PM",
        "Sept 9, 2014",
        "Mon Mar 13, 2016 2:30 am",
        "Sun Oct 30, 2016 2:30 am",
        "5 March 2016, 14:02",
    }
    ctx = DateContext(("en",), zone_name, "MDY", FETCHED)
    fast_path = dates._english_absolute
    taken = {text: fast_path(text, ctx) for text in sorted(_raw_dates() | extra)}
    taken = {text: value for text, value in taken.items() if value}
    assert len(taken) >= 30  # the fast path is the common case, not a curiosity
    monkeypatch.setattr(dates, "_english_absolute", lambda *a: None)
    disagree = {t: (v, parse_text(t, ctx)) for t, v in taken.items() if parse_text(t, ctx) != v}
    assert not disagree
    assert fast_path("Yesterday at 3:15 PM", ctx) is None and fast_path("13/03/2016", ctx) is None
    assert fast_path("Feb 30, 2016", ctx) is None and fast_path("Jan 5, 2016 13:01 pm", ctx) is None
