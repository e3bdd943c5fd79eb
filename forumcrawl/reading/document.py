"""One fetched page, read once: bytes -> text -> engine -> kind -> parsed page.

The spider and ``forumcrawl extract`` both call :func:`read_document`, so the checks a
crawl applies (truncation, charset correction, engine detection, zero-post thread
pages) are the ones a user sees when debugging a single saved page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from forumcrawl.reading.engines import Detection, Engine, UnknownEngine, detect, detect_json, get_engine
from forumcrawl.reading.engines.base import PAGE_BOARD, PAGE_INDEX, PAGE_THREAD, BoardPage, ThreadPage
from forumcrawl.reading.extract.pagezone import page_timezone
from forumcrawl.reading.decode import PageError, check_complete, decode_page, parse_html


@dataclass(slots=True)
class Document:
    url: str
    detection: Detection
    kind: str
    thread: ThreadPage | None = None
    board: BoardPage | None = None
    charset_corrected: bool = False

    @property
    def language(self) -> str | None:
        page = self.thread or self.board
        return page.language if page else None


def read_document(body: bytes, url: str, content_type: str | None = None,
                  engine: str | Engine | None = None, prefer: str | None = None) -> Document:
    """Parse a page; raises :class:`PageError` or :class:`UnknownEngine` with a reason.

    ``engine`` forces an engine; ``prefer`` only puts one first in detection (the engine
    the same site's last page was detected as).

    A thread page that yields no post raises ``PageError("no_posts")``: a forum thread
    always has at least one post, so an empty result means the parser no longer fits
    the markup, and that must not pass for success.
    """
    if _is_json(body, content_type):
        return _read_json_document(body, url, engine)
    check_complete(body)
    decoded = decode_page(body, content_type)
    sel = parse_html(decoded.text)
    detection = _forced(engine) if engine else detect(sel, prefer)
    kind = detection.engine.page_kind(sel, url)
    doc = Document(url=url, detection=detection, kind=kind or "unknown",
                   charset_corrected=decoded.charset_corrected)
    if kind == PAGE_THREAD:
        doc.thread = detection.engine.parse_thread(sel, url)
        if not doc.thread.posts:
            raise PageError("no_posts", f"{detection.engine.name} thread page with zero posts: {url}")
    elif kind in (PAGE_BOARD, PAGE_INDEX):
        doc.board = detection.engine.parse_board(sel, url)
    else:
        raise PageError("unknown_page_kind",
                        f"{detection.engine.name} page that is neither a thread, a board nor "
                        f"a forum index: {url}")
    (doc.thread or doc.board).timezone = page_timezone(sel, decoded.text)
    return doc


def _forced(engine: str | Engine) -> Detection:
    chosen = get_engine(engine) if isinstance(engine, str) else engine
    return Detection(chosen, [f"forced: engine={chosen.name}"])


def _is_json(body: bytes, content_type: str | None) -> bool:
    if content_type and "json" in content_type.lower():
        return True
    return body.lstrip()[:1] in (b"{", b"[")


def _read_json_document(body: bytes, url: str, engine: str | Engine | None) -> Document:
    """An API response (Discourse ``/t/ID.json``, Flarum ``/api/discussions/ID``)."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        # A cut-off download is the usual cause; say so rather than "bad JSON".
        raise PageError("bad_json", f"JSON response that does not parse ({exc}); "
                        f"truncated download? {url}") from None
    if engine:
        detection = _forced(engine)
        if not detection.engine.detect_json(data):
            raise PageError("unknown_page_kind",
                            f"{detection.engine.name} cannot read this JSON response: {url}")
    else:
        detection = detect_json(data)
    page = detection.engine.read_json(data, url)
    if isinstance(page, ThreadPage):
        if not page.posts:
            raise PageError("no_posts", f"{detection.engine.name} thread (JSON) with zero posts: {url}")
        return Document(url=url, detection=detection, kind=PAGE_THREAD, thread=page)
    return Document(url=url, detection=detection, kind=PAGE_BOARD, board=page)


__all__ = ["Document", "PageError", "UnknownEngine", "read_document"]
