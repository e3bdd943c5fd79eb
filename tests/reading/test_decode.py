"""A page's text becomes a tree whatever characters it holds: those XML cannot hold
(controls, noncharacters, lone surrogates, references to controls) are dropped, as a
browser shows nothing for them, and the rest of the page is read as written."""

from __future__ import annotations

import pytest

from forumcrawl.reading.decode import parse_html


@pytest.mark.parametrize(
    ("markup", "text", "title"),
    [
        ("<p title='a\ufffeb'>one\ufffe two\uffff</p>", "one two", "ab"),  # noncharacters
        ("<p title='a\x01b'>one\x00 two\x1b</p>", "one two", "ab"),  # C0 controls
        ("<p title='ab'>one\ud800 two</p>", "one two", "ab"),  # a lone surrogate
        ("<p title='a&#1;b'>one&#x1b; two</p>", "one two", "ab"),  # references to controls
        (
            "<p title='ab'>caf\u00e9 \u201cne\u00efve\u201d \U0001f600</p>",
            "caf\u00e9 \u201cne\u00efve\u201d \U0001f600",
            "ab",
        ),
    ],
)
def test_characters_xml_cannot_hold_are_dropped_and_the_rest_is_kept(markup, text, title):
    root = parse_html(f"<html><body>{markup}</body></html>")
    (p,) = root.iter("p")
    assert p.text_content() == text
    assert p.get("title") == title
