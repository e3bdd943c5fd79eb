"""The words and link shapes forums share, kept in one place for every reader.

Forums translate their furniture ("NAME wrote:", "Quote from:", "Edited by") into the
board's language, and engines point at posts with a few URL shapes. Every reader that
takes a quote's attribution apart or finds a post id in a link asks here, so a word
added for one engine serves them all.
"""

from __future__ import annotations

import re

# "NAME said:", "NAME wrote:" and their translations, as forums print a quote's header.
QUOTE_VERBS = (
    r"said|wrote|hat gesagt|hat geschrieben|schrieb|a dit|a écrit|ha detto|ha scritto"
    r"|dijo|escribió|zei|schreef|napisał|написал"
)
_TRAILING_VERB = re.compile(rf"\s*(?:{QUOTE_VERBS})\W*$", re.I)
# What a quote without a name says instead of one.
QUOTE_LABELS = frozenset({"quote", "zitat", "citation", "citazione", "cita", "quote:"})
# "Quote from: NAME on DATE" (SMF) and its translations.
QUOTE_FROM = re.compile(
    r"^\s*(?:Quote from|Zitat von|Citation de|Citazione di|Cita de)\s*:\s*(.*?)"
    r"(?:\s+(?:on|am|le|il|en)\s+.*)?$",
    re.I | re.S,
)
# "by NAME" in edit notes and bylines.
BY_WORDS = r"by|von|par|da|por|door"

# A post's id in a link, in the shapes engines use (the first group that matched).
POST_LINKS = {
    "xenforo": re.compile(r"(?:goto/post\?id=|posts/|post-)(\d+)"),
    "phpbb": re.compile(r"[?&#]p=?(\d+)|#p(\d+)"),
    "vbulletin": re.compile(r"[?&]p=(\d+)|#post(\d+)"),
    "mybb": re.compile(r"[?&#]pid_?=?(\d+)"),
    "smf": re.compile(r"msg=?(\d+)|#msg(\d+)"),
}


def quoted_name(header: str | None) -> str | None:
    """The member a quote header names: "Henry said:" -> "Henry"; None for "Quote:"."""
    if not header:
        return None
    name = _TRAILING_VERB.sub("", " ".join(header.split())).strip(" :@")
    return None if not name or name.lower() in QUOTE_LABELS else name


def post_id_in(href: str | None, shape: str) -> str | None:
    """The post id a link points at, in one engine family's URL shape."""
    m = POST_LINKS[shape].search(href or "")
    return next((g for g in m.groups() if g), None) if m else None
