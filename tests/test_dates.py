from datetime import datetime, timezone

import pytest

from forumcrawl.extract import dates
from forumcrawl.extract.dates import DateContext, normalise_date, parse_text
from forumcrawl.items import DateField

FETCHED = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
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


@pytest.mark.parametrize("text,ctx,expected,source", [
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
])
def test_text_dates(text, ctx, expected, source):
    assert parse_text(text, ctx) == (expected, source)


def test_unreadable_text_stays_unset():
    field = normalise_date(DateField(raw="sometime last century"), EN)
    assert field.value is None and field.raw == "sometime last century"
