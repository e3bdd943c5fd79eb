"""Pages that stand between us and the forum: bot challenges, block pages, login walls.

They are recognised by their own markup (a Cloudflare interstitial, an Anubis or
DDoS-Guard proof-of-work page, an engine's "you must be logged in" page), so the same
verdict holds for a crawl's response (:mod:`forumcrawl.crawl.middlewares.retry`, which
also weighs the status and headers) and for a saved page read by ``extract`` or
``reparse``. They are recorded and reported, never worked around.
"""

from __future__ import annotations

import re

CHALLENGE = "challenge"
LOGIN_WALL = "login_wall"

# Challenge and block pages that name themselves in their title or scripts, served with
# any status (Anubis and DDoS-Guard answer 200). Looked for in the lower-cased head as
# plain substrings and in its title: microseconds, where one case-insensitive
# alternation over 64 KB took over a millisecond a page.
_CHALLENGE_MARKS = (
    b"cf-browser-verification",
    b"cf_chl_opt",
    b"/cdn-cgi/challenge-platform",
    b'id="anubis_challenge"',
)
_CHALLENGE_TITLE = re.compile(
    rb"\s*(?:just a moment\.\.\.|attention required! \| cloudflare|ddos-guard"
    rb"|please wait\.\.\. \| cloudflare|making sure you(?:&#39;|'|&#x27;)re not a bot!?)\s*$"
)
# Block pages that are only block pages when the status says so ("Access denied" titles
# a forum's own error pages too).
_BLOCK_TITLE = re.compile(rb"\s*access denied\s*$")
# Login walls: the engines' "you must be logged in" pages (XenForo, vBulletin, phpBB, SMF),
# lower-cased: looked for as plain substrings of the lower-cased head, which takes
# microseconds where one case-insensitive alternation over 64 KB took milliseconds.
_LOGIN_WALL = (
    b"you must be logged-in to do that",
    b"you are not logged in or you do not have permission",
    b"the board requires you to be registered and logged in",
    b"you are not allowed to access this section",
    b"you must log in or register to view this page",
)
# A page that shows posts is the forum, whatever its sidebar says about logging in.
_HAS_POSTS = re.compile(rb"<article|class=\"?message|id=\"?post")


def gated(body: bytes, status: int = 200) -> str | None:
    """``challenge`` or ``login_wall`` for a page that is not the forum's content."""
    lowered = body[:65536].lower()
    title = _title(lowered)
    if any(mark in lowered for mark in _CHALLENGE_MARKS) or (title and _CHALLENGE_TITLE.match(title)):
        return CHALLENGE
    if status in (403, 429, 503) and (
        b"challenge-platform" in lowered or (title and _BLOCK_TITLE.match(title))
    ):
        return CHALLENGE
    if any(marker in lowered for marker in _LOGIN_WALL) and not _HAS_POSTS.search(lowered):
        return LOGIN_WALL
    return None


def _title(lowered: bytes) -> bytes | None:
    start = lowered.find(b"<title>")
    if start < 0:
        return None
    end = lowered.find(b"</title>", start)
    return lowered[start + 7 : end] if 0 < end - start < 400 else None
