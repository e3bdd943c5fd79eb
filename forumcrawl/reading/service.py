"""The page-reading service: bytes, a URL and a page context in; a page result out.

Every way a page arrives comes through :func:`read_page`: the spider, ``forumcrawl
reparse`` (the page archive), ``forumcrawl extract`` (a saved page), and WARC import.
So what ``extract`` shows is what a crawl stores, and a re-parse gives the crawl's rows.

The steps, once each:

1. decode: truncation, charset (a lying single-byte label on UTF-8 bytes), JSON or HTML;
2. detect: the forced engine, else the site's previous engine, else every engine's
   signs, else the generic reader when the page still shows repeated posts;
3. read: the engine's page reader says what the page is and reads it;
4. normalise: dates to UTC against the fetch time, the listing attached, articles found;
5. validate: items that would be wrong in the database are dropped, gaps counted.

Nothing here knows Scrapy or SQLite; the caller turns the result into requests, items
and rows.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field, replace

from forumcrawl.items import BoardItem, PostItem, SiteItem, ThreadItem
from forumcrawl.reading.context import PageContext, language_code, site_id_for, site_root
from forumcrawl.reading.decode import PageError, check_complete, decode_page, parse_html, plain_body
from forumcrawl.reading.document import Document
from forumcrawl.reading.engines import Detection, UnknownEngine, detect_json, get_engine
from forumcrawl.reading.engines.base import PAGE_BOARD, PAGE_THREAD, BoardPage, ThreadPage
from forumcrawl.reading.extract.dates import SOURCE_MACHINE, parse_machine
from forumcrawl.reading.extract.pagezone import page_timezone
from forumcrawl.reading.gate import CHALLENGE, gated
from forumcrawl.reading.layers import Reading, read_layers
from forumcrawl.reading.normalize import normalise_board, normalise_thread
from forumcrawl.reading.validate import Invalid, validate

logger = logging.getLogger(__name__)
# The site of a page read from a file that says nowhere where it came from.
LOCAL_SITE = "local"


@dataclass
class PageResult:
    """What one page holds, read, normalised and validated.

    ``items`` are in storing order (a thread page: its thread, then its posts; a board
    page: its board and the boards it lists). ``site`` is the site's row, on the first
    page the caller reads of a site. ``counts`` are the page's stats (page kind, date
    sources, quotes, articles, what was missing or refused).
    """

    url: str
    kind: str
    engine: str
    evidence: list[str]
    thread: ThreadPage | None = None
    board: BoardPage | None = None
    site: SiteItem | None = None
    items: list[BoardItem | ThreadItem | PostItem] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    charset_corrected_from: str | None = None  # the label the page declared, if wrong
    reader: str = ""  # which reader read the page: the engine's name, microdata, json-ld, generic
    reader_notes: list[str] = field(default_factory=list)  # why that reader

    @property
    def posts(self) -> list[PostItem]:
        return [item for item in self.items if isinstance(item, PostItem)]

    def watermark(self) -> dict:
        """What the page's archive record needs to move its thread's watermark (the
        thread, the page number, whether a later page follows, and the forum's ids of
        the posts it showed)."""
        if self.thread is None:
            return {}
        return {
            "thread_id": self.thread.thread.thread_id,
            "page_number": self.thread.page_number,
            "has_next": self.thread.next_url is not None,
            "post_ids": [post.post_id for post in self.thread.posts],
        }


def read_page(body: bytes, url: str, context: PageContext | None = None) -> PageResult:
    """Read one page; raises :class:`PageError` (with a ``reason``) or :class:`UnknownEngine`.

    A thread page that yields no post raises ``PageError("no_posts")``: a forum thread
    always has at least one post, so an empty result means the reader no longer fits the
    markup, and that must not pass for success. A reader that fails on markup nobody
    foresaw raises ``PageError("reader_failed")``: the page is reported (and archived by
    the crawl for ``reparse``), and the pages after it are still read.
    """
    try:
        return _read_page(body, url, context or PageContext())
    except (PageError, UnknownEngine):
        raise
    except Exception as exc:
        logger.debug("reading %s failed", url, exc_info=True)
        raise PageError(
            "reader_failed",
            f"reading failed ({type(exc).__name__}: {str(exc)[:200]}); nothing stored from it",
        ) from exc


def _read_page(body: bytes, url: str, context: PageContext) -> PageResult:
    site_id = site_id_for(url) or LOCAL_SITE
    body, content_type = plain_body(body, context.content_type)
    if content_type != context.content_type:
        context = replace(context, content_type=content_type)
    if _is_json(body, context.content_type):
        detection, page, doc = *_read_json(body, url, site_id, context), None
        corrected_from = None
        reader, notes, reading_counts = detection.engine.name, [], Counter()
    else:
        check_complete(body)
        gate = gated(body)
        if gate is not None:
            what = "a bot challenge or block page" if gate == CHALLENGE else "a login wall"
            raise PageError(
                gate, f"{url} is {what}, not the forum's content (it is recorded, never worked around)"
            )
        decoded = decode_page(body, context.content_type)
        doc = Document(url, site_id, parse_html(decoded.text), decoded.text)
        if site_id == LOCAL_SITE and doc.canonical:  # a saved page names its site
            site_id = doc.site_id = site_id_for(doc.canonical) or LOCAL_SITE
        corrected_from = decoded.corrected_from
        reading, page = _read_html(doc, context)
        detection, reader, notes, reading_counts = (
            reading.detection,
            reading.reader,
            reading.notes,
            reading.counts,
        )
    result = PageResult(
        url=url,
        kind=PAGE_THREAD if isinstance(page, ThreadPage) else page.kind,
        engine=detection.engine.name,
        evidence=detection.evidence,
        reader=reader,
        reader_notes=notes,
        charset_corrected_from=corrected_from,
    )
    result.counts.update(reading_counts)
    result.counts[f"forumcrawl/pages/{result.kind}"] += 1
    if result.kind == PAGE_THREAD:
        result.counts[f"forumcrawl/readers/read_by/{reader}"] += 1
    if corrected_from:
        result.counts["forumcrawl/charset_corrected"] += 1
    if context.site_engine is None:
        result.site = SiteItem(
            site_id=site_id,
            base_url=site_root(url),
            engine=detection.engine.name,
            engine_evidence=detection.evidence,
            name=doc.site_name if doc is not None else None,
            language=language_code(page.language),
        )
    if isinstance(page, ThreadPage):
        result.thread = page
        for post in page.posts:
            post.reader = post.reader or reader
        normalise_thread(page, context)
        _count_thread(page, result.counts)
        candidates = [page.thread, *page.posts]
    else:
        result.board = page
        normalise_board(page, context)
        candidates = ([page.board] if page.board else []) + list(page.boards)
    for item in candidates:
        try:
            validate(item, result.counts)
        except Invalid as exc:
            logger.warning("%s", exc)
            continue
        result.items.append(item)
    return result


def _read_html(doc: Document, context: PageContext) -> tuple[Reading, ThreadPage | BoardPage]:
    reading = read_layers(doc, context)
    reading.page.timezone = page_timezone(doc.root, doc.source)
    return reading, reading.page


def _is_json(body: bytes, content_type: str | None) -> bool:
    if content_type and "json" in content_type.lower():
        return True
    return body.lstrip()[:1] in (b"{", b"[")


def _read_json(
    body: bytes, url: str, site_id: str, context: PageContext
) -> tuple[Detection, ThreadPage | BoardPage]:
    """An API response (Discourse ``/t/ID.json``, Flarum ``/api/discussions/ID``)."""
    try:
        data = json.loads(body)
    except RecursionError:
        raise PageError("bad_json", f"JSON nested too deep to read: {url}") from None
    except ValueError as exc:
        # A cut-off download is the usual cause; say so rather than "bad JSON".
        raise PageError(
            "bad_json", f"JSON response that does not parse ({exc}); truncated download? {url}"
        ) from None
    try:
        if context.engine:
            engine = get_engine(context.engine, context.selectors)
            detection = Detection(engine, [f"forced: engine={engine.name}"])
            if not engine.detect_json(data):
                raise PageError("unknown_page_kind", f"{engine.name} cannot read this JSON response: {url}")
        else:
            detection = detect_json(data)
        page = detection.engine.read_json(data, url, site_id)
    except (PageError, UnknownEngine):
        raise
    except (KeyError, TypeError, AttributeError, IndexError, ValueError, RecursionError) as exc:
        # a null post, a missing key, a string where a list was: the API changed or broke
        raise PageError(
            "bad_json",
            f"JSON of a shape no API reader can read ({type(exc).__name__}: {str(exc)[:120]}): {url}",
        ) from None
    if isinstance(page, ThreadPage):
        if not page.posts:
            raise PageError("no_posts", f"{detection.engine.name} thread (JSON) with zero posts: {url}")
    else:
        page.kind = PAGE_BOARD
    return detection, page


def _count_thread(page: ThreadPage, counts: Counter) -> None:
    disagreeing = []
    for post in page.posts:
        for date in (post.posted, post.edited, post.author.joined if post.author else None):
            if date is not None and date.source:
                counts[f"forumcrawl/dates/{date.source}"] += 1
            if (
                date is not None
                and date.machine
                and date.source != SOURCE_MACHINE
                and parse_machine(date.machine) is not None
            ):
                disagreeing.append((post.post_id, date))
        counts["forumcrawl/quotes"] += len(post.quotes)
        counts["forumcrawl/articles"] += len(post.articles)
    if disagreeing:
        counts["forumcrawl/dates/machine_disagrees"] += len(disagreeing)
        post_id, date = disagreeing[0]
        logger.warning(
            "%s: %d machine-readable dates name another year than the page shows (post %s: %r "
            "shown, %r in the markup); the shown dates were stored",
            page.thread.url,
            len(disagreeing),
            post_id,
            date.raw,
            date.machine,
        )


__all__ = ["PageContext", "PageError", "PageResult", "UnknownEngine", "read_page"]
