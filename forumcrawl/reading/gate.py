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
# any status (Anubis and DDoS-Guard answer 200).
_CHALLENGE_PAGE = re.compile(
    rb"<title>\s*(?:Just a moment\.\.\.|Attention Required! \| Cloudflare|DDoS-Guard"
    rb"|Please Wait\.\.\. \| Cloudflare|Making sure you(?:&#39;|'|&#x27;)re not a bot!?)\s*</title>"
    rb"|cf-browser-verification|cf_chl_opt|/cdn-cgi/challenge-platform|id=\"anubis_challenge\"",
    re.I,
)
# Block pages that are only block pages when the status says so ("Access denied" titles
# a forum's own error pages too).
_BLOCK_TITLE = re.compile(rb"<title>\s*Access denied\s*</title>|challenge-platform", re.I)
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
    head = body[:65536]
    if _CHALLENGE_PAGE.search(head):
        return CHALLENGE
    if status in (403, 429, 503) and _BLOCK_TITLE.search(head):
        return CHALLENGE
    lowered = head.lower()
    if any(marker in lowered for marker in _LOGIN_WALL) and not _HAS_POSTS.search(lowered):
        return LOGIN_WALL
    return None
