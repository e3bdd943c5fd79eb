"""One fetched page, read once: bytes -> text -> engine -> kind -> parsed page.

The spider and ``forumcrawl extract`` both call :func:`read_document`, so the checks a
crawl applies (truncation, charset correction, engine detection, zero-post thread
pages) are the ones a user sees when debugging a single saved page.
"""

from __future__ import annotations

from dataclasses import dataclass

from parsel import Selector

from .engines import Detection, Engine, UnknownEngine, detect, get_engine
from .engines.base import PAGE_BOARD, PAGE_INDEX, PAGE_THREAD, BoardPage, ThreadPage
from .fetch import PageError, check_complete, decode_page


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
                  engine: str | Engine | None = None) -> Document:
    """Parse a page; raises :class:`PageError` or :class:`UnknownEngine` with a reason.

    A thread page that yields no post raises ``PageError("no_posts")``: a forum thread
    always has at least one post, so an empty result means the parser no longer fits
    the markup, and that must not pass for success.
    """
    check_complete(body)
    decoded = decode_page(body, content_type)
    sel = Selector(text=decoded.text)
    if engine:
        chosen = get_engine(engine) if isinstance(engine, str) else engine
        detection = Detection(chosen, [f"forced: engine={chosen.name}"])
    else:
        detection = detect(sel)
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
    return doc


__all__ = ["Document", "PageError", "UnknownEngine", "read_document"]
