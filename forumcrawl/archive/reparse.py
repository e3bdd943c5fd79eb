"""Rebuild the extracted rows from the page archive, offline: ``forumcrawl reparse``.

After a parser fix, nothing needs fetching again: every page a crawl fetched is in the
``pages`` table. The archive is replayed in the order the pages were fetched, through
the same page-reading service and storage a crawl uses, each page read as of its own
fetch time, so the rows come out as the crawl would have stored them with today's
reader. Into the same database, changed rows are updated in place (a reader fix is not
an edit: no revisions are kept); into a fresh one (``--out``), the archive is copied
too, so the result is a complete database that later runs can continue.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from forumcrawl import settings as defaults
from forumcrawl.items import PageItem
from forumcrawl.reading.context import site_id_for
from forumcrawl.reading.engines.base import ThreadLink
from forumcrawl.reading.normalize import attach_listing
from forumcrawl.reading.service import PageError, UnknownEngine
from forumcrawl.reading.sites import Sites
from forumcrawl.reading.workers import Job, Outcome, PageReader
from forumcrawl.storage.database import open_db
from forumcrawl.storage.rows import Batch, page_body
from forumcrawl.storage.writes import BackgroundWriter

logger = logging.getLogger(__name__)


@dataclass
class ReparseResult:
    pages: int = 0
    posts: int = 0
    errors: Counter = field(default_factory=Counter)  # unreadable pages, by reason
    stats: Counter = field(default_factory=Counter)  # the pages' reading stats, as a crawl counts them


@dataclass(slots=True)
class ArchivedPage:
    """A page as an archive holds it: what a crawl stored of the response."""

    url: str
    status: int
    content_type: str | None
    body: bytes
    fetched_at: str
    archive: bool = False  # store the page itself too (a WARC's pages join the archive)


class Replay:
    """Pages read one after another as a crawl reads them: each site's engine kept from
    its first page, each thread's latest listing row kept for its pages read later.
    Shared by ``reparse`` (the archive) and ``import-warc`` (other crawlers' archives).

    The pages are read ahead in the reader's worker processes; what one page's outcome
    teaches (the site's engine, a listing) is applied as the outcomes come back in the
    archive's order, so the rows are those of reading the pages one by one.
    """

    def __init__(self, sites: Sites, result: ReparseResult, reader: PageReader | None = None) -> None:
        self.sites = sites
        self.result = result
        self.reader = reader or PageReader()
        self.listings: dict[str, dict[str, ThreadLink]] = {}  # site -> thread id -> latest listing
        self.site_engines: dict[str, str] = {}  # site id -> engine of its first page

    def read(self, pages: Iterable[ArchivedPage]) -> Iterator[list]:
        """Each page's items, in the pages' order, as the crawl that fetched it at its
        ``fetched_at`` would have stored them (with the page itself when ``archive``)."""
        for job, outcome in self.reader.read_all(self._job(page) for page in pages):
            yield self._items(job.tag, outcome)

    def store(self, pages: Iterable[ArchivedPage], writer: BackgroundWriter, batch_size: int) -> None:
        """Read ``pages`` and hand their items to ``writer`` a batch at a time, in order;
        returns once the last batch has committed."""
        batch = Batch()
        for items in self.read(pages):
            self.result.pages += 1
            for item in items:
                batch.add(item)
            if len(batch) >= batch_size:
                self.result.posts += len(batch.posts)
                writer.submit(batch)
                batch = Batch()
        self.result.posts += len(batch.posts)
        writer.submit(batch)
        writer.wait()

    def _job(self, page: ArchivedPage) -> Job:
        site_id = site_id_for(page.url)
        context = self.sites.context(
            page.url,
            datetime.fromisoformat(page.fetched_at),
            page.content_type,
            self.site_engines.get(site_id),
        )
        return Job(page.body, page.url, context, page)

    def _items(self, archived: ArchivedPage, outcome: Outcome) -> list:
        url = archived.url
        if isinstance(outcome, (PageError, UnknownEngine)):
            self.result.errors[getattr(outcome, "reason", "unknown_engine")] += 1
            logger.error("%s: %s", url, outcome)
            return []
        page = outcome
        site_id = site_id_for(url)
        self.result.stats.update(page.counts)
        listings = self.listings.setdefault(site_id, {})
        out: list = []
        if page.site is not None and site_id not in self.site_engines:
            self.site_engines[site_id] = page.engine
            out.append(page.site)
        if page.board is not None:  # the latest listing of each thread, for its pages read after
            listings.update((link.thread_id, link) for link in page.board.threads if link.thread_id)
        if page.thread is not None and (listing := listings.get(page.thread.thread.thread_id)):
            attach_listing(page.thread.thread, listing)
        out += page.items
        out.append(
            PageItem(
                url=url,
                site_id=site_id,
                status=archived.status,
                content_type=archived.content_type,
                body=archived.body if archived.archive else b"",
                fetched_at=archived.fetched_at,
                kind=page.kind,
                archive=archived.archive,
                reader=page.reader,
                reader_note="; ".join(page.reader_notes) or None,
                **page.watermark(),
            )
        )
        return out


def reparse(
    db_path: str | Path,
    out_path: str | Path | None = None,
    site: str | None = None,
    sites: Sites = Sites(),
    batch_size: int = defaults.FORUMCRAWL_BATCH_SIZE,
    reader: PageReader | None = None,
) -> ReparseResult:
    """Replay the archived pages of ``db_path`` (one site, or all) into ``out_path``
    (default: the same database), read by ``reader`` (default: in this process)."""
    source = open_db(db_path)
    # the rows are written on a thread of their own (while the next batch is gathered),
    # through a connection of their own: the archive is read on this one meanwhile
    target = open_db(out_path or db_path, one_thread=False)
    writer = BackgroundWriter(target, keep_revisions=out_path is not None)
    result = ReparseResult()
    replay = Replay(sites, result, reader)
    where, params = ("where site_id = ?", [site_id_for(f"http://{site}/")]) if site else ("", [])
    try:
        if out_path:
            _copy_archive(source, target, where, params)
        order = [
            r[0]
            for r in source.execute(
                f"select rowid from pages {where} order by fetched_at, rowid", params
            ).fetchall()
        ]
        replay.store(_archived(source, order), writer, batch_size)
    finally:
        writer.close()
        source.close()
        target.close()
    return result


def _archived(source, rowids: list[int]) -> Iterator[ArchivedPage]:
    """The archived pages in fetch order, each loaded only when the readers can take it."""
    for rowid in rowids:
        row = next(
            source.query(
                "select url, status, content_type, body, first_fetched_at from pages where rowid = ?",
                [rowid],
            )
        )
        yield ArchivedPage(
            row["url"], row["status"], row["content_type"], page_body(row), row["first_fetched_at"]
        )


def _copy_archive(source, target, where: str, params: list) -> None:
    """The archived pages themselves, copied as stored (already compressed)."""
    columns = [c.name for c in source["pages"].columns]
    rows = source.query(f"select {', '.join(columns)} from pages {where}", params)
    with target.atomic():
        target["pages"].insert_all(rows, pk="id", ignore=True, batch_size=200)
