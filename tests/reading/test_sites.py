"""sites.toml: per-site engine, timezone, date order and selectors, with clear errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from gold import FIXTURES

from forumcrawl.reading.context import PageContext
from forumcrawl.reading.sites import Sites, SitesFileError, load_sites
from forumcrawl.storage.records import records_for

PAGE = FIXTURES / "phpbb3/openoffice-82202.html"
URL = "https://forum.openoffice.org/en/forum/viewtopic.php?f=5&t=82202"


def write(tmp_path, text):
    path = tmp_path / "sites.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_timezone_engine_and_selectors_apply(tmp_path):
    sites = Sites.load(
        write(
            tmp_path,
            """
["forum.openoffice.org"]
engine = "phpbb3"
timezone = "Europe/Budapest"
[ "forum.openoffice.org".selectors ]
signature = ".//div[@class='no-such-signature']"
extra_chrome = ".//a[contains(@href, 'viewtopic')]"
""",
        )
    )
    records = records_for(PAGE.read_bytes(), URL, sites.context(URL, PageContext().fetched_at))
    posts = [r for r in records if r["type"] == "post"]
    assert records[0]["engine"] == "phpbb3"
    # "Sun Mar 06, 2016 5:45 am" in Budapest (UTC+1 in March).
    assert posts[0]["posted_at"] == "2016-03-06T04:45:00+00:00"
    assert all(p["signature"] is None for p in posts)
    default = [
        r
        for r in records_for(PAGE.read_bytes(), URL, PageContext(settings=sites.settings(URL)))
        if r["type"] == "post"
    ]
    assert any(p["signature"] for p in default)


@pytest.mark.parametrize(
    "text,message",
    [
        ('["x.org"]\ncolour = "blue"\n', "unknown key"),
        ('["x.org"]\nengine = "nosuch"\n', "unknown engine"),
        ('["x.org"]\nengine = "phpbb3"\n["x.org".selectors]\npostz = "//div"\n', "no such selector"),
        ('["x.org"]\nengine = "phpbb3"\n["x.org".selectors]\nposts = "//div["\n', "not a valid XPath"),
        ('["x.org"]\n[ "x.org".selectors ]\nposts = "//div"\n', "need an engine"),
        ('["x.org"]\ndate_order = "DDM"\n', "date_order"),
        ('["x.org"\n', "cannot read sites file"),
    ],
)
def test_mistakes_are_errors(tmp_path, text, message):
    with pytest.raises(SitesFileError, match=message):
        load_sites(write(tmp_path, text))


def test_extract_command_reads_sites_file(tmp_path):
    path = write(tmp_path, '["forum.openoffice.org"]\ntimezone = "Europe/Budapest"\n')
    out = subprocess.run(
        [sys.executable, "-m", "forumcrawl.cli", "extract", str(PAGE), "--url", URL, "--sites", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    first_post = next(json.loads(line) for line in out.splitlines() if '"type": "post"' in line)
    assert first_post["posted_at"] == "2016-03-06T04:45:00+00:00"
    bad = write(tmp_path, '["x.org"]\ncolour = 1\n')
    run = subprocess.run(
        [sys.executable, "-m", "forumcrawl.cli", "extract", str(PAGE), "--url", URL, "--sites", str(bad)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2 and "unknown key" in run.stderr


def test_any_xenforo2_selector_is_replaced_from_the_sites_file(tmp_path):
    page = FIXTURES / "xenforo2/macrumors-se-or-11.html"
    url = "https://forums.macrumors.com/threads/se-or-11.2231616/"
    sites = Sites.load(
        write(
            tmp_path,
            """
["forums.macrumors.com"]
engine = "xenforo2"
[ "forums.macrumors.com".selectors ]
posts = "(//article[contains(@class, 'message--post')])[position() <= 3]"
user_title = ".//*[contains(@class, 'message-name')]"
""",
        )
    )
    default = [r for r in records_for(page.read_bytes(), url) if r["type"] == "post"]
    custom = [
        r
        for r in records_for(page.read_bytes(), url, sites.context(url, PageContext().fetched_at))
        if r["type"] == "post"
    ]
    assert len(default) == 25 and len(custom) == 3
    assert [p["post_id"] for p in custom] == [p["post_id"] for p in default[:3]]
    assert [p["author_title"] for p in custom] == [p["author"] for p in custom]  # the name's element now
    assert default[0]["author_title"] != default[0]["author"]
