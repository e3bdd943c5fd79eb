"""Rebuild the extracted rows from the page archive, offline: ``forumcrawl reparse``.

After a parser fix, nothing needs fetching again: every page a crawl fetched is in the
``pages`` table. The archive is replayed in the order the pages were fetched, through
the same reading, normalisation, validation and storage a crawl uses, so the rows come
out as the crawl would have stored them with today's parser. Into the same database,
changed rows are updated in place (a parser fix is not an edit: no revisions are
kept); into a fresh one (``--out``), the archive is copied too, so the result is a
complete database that later runs can continue.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from scrapy.exceptions import DropItem

from forumcrawl.reading.document import PageError, UnknownEngine, read_document
from forumcrawl.reading.engines.base import PAGE_THREAD, ThreadLink
from forumcrawl.items import PageItem
from forumcrawl.reading.normalize import (
    SiteSettings,
    attach_listing,
    board_items,
    normalise_item,
    normalise_listing,
    page_items,
    site_id_for,
    site_item,
    thread_watermark,
)
from forumcrawl.crawl.pipelines.store import validate_item
from forumcrawl.reading.sites import config_for, load_sites, settings_of
from forumcrawl.storage.store import Batch, key, open_db, page_body, write_batch

logger = logging.getLogger(__name__)


@dataclass
class ReparseResult:
    pages: int = 0
    posts: int = 0
    errors: Counter = field(default_factory=Counter)
    stats: Counter = field(default_factory=Counter)


def reparse(db_path: str | Path, out_path: str | Path | None = None, site: str | None = None,
            engine: str | None = None, sites_file: str | Path | None = None,
            settings: SiteSettings = SiteSettings(), batch_size: int = 500) -> ReparseResult:
    """Replay the archived pages of ``db_path`` (one site, or all) into ``out_path``
    (default: the same database)."""
    source = open_db(db_path)
    target = open_db(out_path) if out_path else source
    sites = load_sites(sites_file, settings)
    result = ReparseResult()
    listings: dict[str, ThreadLink] = {}  # by thread key: the latest listing replayed
    site_engines: dict[str, str] = {}  # site id -> engine of its first page
    batch = Batch()
    where, params = ("where site_id = ?", [site_id_for(f"http://{site}/")]) if site else ("", [])
    try:
        if out_path:
            _copy_archive(source, target, where, params)
        order = [r[0] for r in source.execute(
            f"select rowid from pages {where} order by fetched_at, rowid", params).fetchall()]
        for rowid in order:
            row = next(source.query("select url, status, content_type, body, first_fetched_at"
                                    " from pages where rowid = ?", [rowid]))
            result.pages += 1
            for item in _items(row, sites, engine, settings, listings, site_engines, result):
                try:
                    validate_item(item, lambda stat: result.stats.update([stat]))
                except DropItem as exc:
                    logger.warning("%s", exc)
                    continue
                batch.add(item)
            if len(batch) >= batch_size:
                result.posts += len(batch.posts)
                write_batch(target, batch, keep_revisions=out_path is not None)
                batch = Batch()
        result.posts += len(batch.posts)
        write_batch(target, batch, keep_revisions=out_path is not None)
    finally:
        source.close()
        if target is not source:
            target.close()
    return result


def _items(row: dict, sites: dict, engine: str | None, defaults: SiteSettings,
           listings: dict[str, ThreadLink], site_engines: dict[str, str], result: ReparseResult) -> list:
    url = row["url"]
    config = config_for(sites, url)
    settings = settings_of(config, defaults)
    fetched = datetime.fromisoformat(row["first_fetched_at"])
    site_id = site_id_for(url)
    try:
        doc = read_document(page_body(row), url, content_type=row["content_type"],
                            engine=engine or (config.engine if config else None),
                            prefer=site_engines.get(site_id))
    except (PageError, UnknownEngine) as exc:
        reason = getattr(exc, "reason", "unknown_engine")
        result.errors[reason] += 1
        logger.error("%s: %s", url, exc)
        return []
    out: list = []
    if site_id not in site_engines:
        site_engines[site_id] = doc.detection.engine.name
        out.append(site_item(url, doc.detection.engine.name, doc.detection.evidence, doc.language))
    thread = {}
    if doc.kind == PAGE_THREAD:
        page = doc.thread
        attach_listing(page, listings.get(key(site_id, page.thread.thread_id)))
        out += page_items(page, url, fetched)
        thread = thread_watermark(page)
    else:
        normalise_listing(doc.board, settings, fetched)
        for link in doc.board.threads:
            if link.thread_id:
                listings[key(site_id, link.thread_id)] = link
        out += board_items(doc.board, url)
    for item in out:
        normalise_item(item, settings)
    watermark = PageItem(url=url, site_id=site_id, status=row["status"],
                         content_type=row["content_type"], body=b"",
                         fetched_at=row["first_fetched_at"], kind=doc.kind, archive=False, **thread)
    return [*out, watermark]


def _copy_archive(source, target, where: str, params: list) -> None:
    """The archived pages themselves, copied as stored (already compressed)."""
    columns = [c.name for c in source["pages"].columns]
    rows = source.query(f"select {', '.join(columns)} from pages {where}", params)
    with target.atomic():
        target["pages"].insert_all(rows, pk="id", ignore=True, batch_size=200)
