"""Web archives in and out (WARC, through warcio): ``forumcrawl import-warc`` and
``forumcrawl export-warc``.

Archivists hold forum crawls as WARC files (wget ``--warc-file``, Browsertrix, Heritrix,
the Internet Archive). Importing reads every HTML or JSON response in them through the
same page-reading service a crawl uses, in the order they were archived and each as of
its own capture time, so the thread pages of any forum in them become rows and the
pages themselves join the page archive (``forumcrawl reparse`` works on them later).
Other records (requests, metadata, images, redirects, revisits) are counted and passed
over.

Exporting writes the page archive as WARC response records (the original URL, status,
the Content-Type kept, the fetch time as ``WARC-Date``), in fetch order, so pywb or
ReplayWeb.page can replay what forumcrawl saw, and ``import-warc`` rebuilds the database
from it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from forumcrawl import settings as defaults
from forumcrawl.archive.reparse import ArchivedPage, ReparseResult, Replay
from forumcrawl.reading.sites import Sites
from forumcrawl.reading.workers import PageReader
from forumcrawl.storage.database import StoreError, open_db, open_readonly
from forumcrawl.storage.rows import key, page_body
from forumcrawl.storage.writes import BackgroundWriter

logger = logging.getLogger(__name__)

_PAGE_TYPES = ("text/html", "application/xhtml+xml", "application/json", "application/ld+json", "text/json")


@dataclass
class ImportResult(ReparseResult):
    records: int = 0  # WARC records read
    skipped: Counter = field(default_factory=Counter)  # records that are not pages, by why


def import_warc(
    db_path: str | Path,
    warc_paths: list[str | Path],
    sites: Sites = Sites(),
    batch_size: int = defaults.FORUMCRAWL_BATCH_SIZE,
    reader: PageReader | None = None,
) -> ImportResult:
    """Read the HTML and JSON responses of ``warc_paths`` into ``db_path``."""
    result = ImportResult()
    replay = Replay(sites, result, reader)
    db = open_db(db_path, one_thread=False)
    writer = BackgroundWriter(db)
    try:
        replay.store(_pages(map(Path, warc_paths), result), writer, batch_size)
        _listed_after(db, replay)
    finally:
        writer.close()
        db.close()
    return result


def _pages(paths: Iterable[Path], result: ImportResult) -> Iterator[ArchivedPage]:
    for path in paths:
        try:
            with path.open("rb") as stream:
                for url, status, content_type, body, captured in _responses(stream, result):
                    yield ArchivedPage(url, status, content_type, body, captured, archive=True)
        except OSError as exc:
            raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from exc
        except ArchiveLoadFailed as exc:
            raise StoreError(f"{path} is not a WARC file ({str(exc).splitlines()[0]})") from exc


def _listed_after(db, replay: Replay) -> None:
    """A crawl reads a thread after the listing that led to it and takes its reply count
    and last-post date from there; a WARC may hold the thread before its listing (wget
    follows links in page order). Threads still without them take the last listing's."""
    rows = [
        (link.reply_count, link.last_post.value, key(site_id, thread_id))
        for site_id, links in replay.listings.items()
        for thread_id, link in links.items()
    ]
    with db.atomic():
        db.conn.executemany(
            "update threads set reply_count = coalesce(reply_count, ?), last_post_at = coalesce(last_post_at, ?)"
            " where id = ?",
            rows,
        )


def _responses(stream: BinaryIO, result: ImportResult):
    """(url, status, content type, body, capture time) of each page response."""
    for record in ArchiveIterator(stream):
        result.records += 1
        if record.rec_type != "response":
            result.skipped[record.rec_type] += 1
            continue
        url = record.rec_headers.get_header("WARC-Target-URI") or ""
        if not url.startswith(("http://", "https://")) or record.http_headers is None:
            result.skipped["not_http"] += 1
            continue
        status = int(record.http_headers.get_statuscode() or 0)
        if status != 200:
            result.skipped[f"status_{status}"] += 1
            continue
        content_type = record.http_headers.get_header("Content-Type")
        if content_type and content_type.split(";")[0].strip().lower() not in _PAGE_TYPES:
            result.skipped["not_a_page"] += 1
            continue
        body = record.content_stream().read()  # transfer and content encodings undone
        yield url, status, content_type, body, _capture_time(record.rec_headers.get_header("WARC-Date"))


def _version() -> str:
    try:
        return version("forumcrawl")
    except PackageNotFoundError:
        return "(not installed)"


def _capture_time(value: str | None) -> str:
    """WARC-Date (``2026-11-30T12:00:00Z``, maybe with fractions) as the database's stamps."""
    if not value:
        return datetime.now(UTC).isoformat(timespec="seconds")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def export_warc(db_path: str | Path, out_path: str | Path, site: str | None = None) -> int:
    """Write the page archive of ``db_path`` to ``out_path`` (gzipped WARC); returns the
    number of response records written."""
    db = open_readonly(db_path)
    written = 0
    try:
        where, params = ("where site_id = ?", [site]) if site else ("", [])
        with Path(out_path).open("wb") as out:
            writer = WARCWriter(out, gzip=str(out_path).endswith(".gz"))
            info = {"software": f"forumcrawl {_version()}", "format": "WARC File Format 1.1"}
            writer.write_record(writer.create_warcinfo_record(Path(out_path).name, info))
            rows = db.query(
                "select url, status, content_type, body, first_fetched_at from pages"
                f" {where} order by fetched_at, rowid",
                params,
            )
            for row in rows:
                body = page_body(row)
                headers = [
                    ("Content-Type", row["content_type"] or "text/html"),
                    ("Content-Length", str(len(body))),
                ]
                http = StatusAndHeaders(f"{row['status'] or 200} OK", headers, protocol="HTTP/1.1")
                date = row["first_fetched_at"].replace("+00:00", "Z")
                record = writer.create_warc_record(
                    row["url"],
                    "response",
                    payload=BytesIO(body),
                    length=len(body),
                    http_headers=http,
                    warc_headers_dict={"WARC-Date": date},
                )
                writer.write_record(record)
                written += 1
    finally:
        db.close()
    return written
