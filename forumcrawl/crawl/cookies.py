"""Logged-in crawls: cookies from a user-supplied ``cookies.txt``.

Some boards show members-only sections (or all posts) to logged-in members. forumcrawl
never logs in itself; the user exports their browser session as a Netscape
``cookies.txt`` and names it with ``-s FORUMCRAWL_COOKIES=PATH``. The standard library's
``MozillaCookieJar`` reads it; each seed request carries the cookies that match its URL,
and Scrapy's cookie middleware keeps them for the rest of the site's requests.
"""

from __future__ import annotations

from http.cookiejar import LoadError, MozillaCookieJar
from pathlib import Path
from urllib.parse import urlsplit


class CookieFileError(ValueError):
    """The cookies file is missing or not in Netscape format."""


def load_cookies(path: str | Path | None) -> MozillaCookieJar | None:
    if not path:
        return None
    jar = MozillaCookieJar()
    try:
        jar.load(str(path), ignore_discard=True, ignore_expires=False)
    except (OSError, LoadError) as exc:
        raise CookieFileError(f"cannot read cookies file {path}: {exc}") from exc
    return jar


def cookies_for(jar: MozillaCookieJar | None, url: str) -> list[dict]:
    """The jar's cookies that a browser would send to ``url``."""
    if jar is None:
        return []
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = parts.path or "/"
    out = []
    for c in jar:
        domain = c.domain.lower()
        matches = host == domain.lstrip(".") or (domain.startswith(".") and host.endswith(domain))
        if matches and path.startswith(c.path or "/") and (not c.secure or parts.scheme == "https"):
            out.append({"name": c.name, "value": c.value or "", "domain": c.domain, "path": c.path})
    return out
