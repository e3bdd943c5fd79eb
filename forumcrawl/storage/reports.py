"""Reading a database back out: per-site figures (``forumcrawl stats``) and rows as JSON
Lines or CSV (``forumcrawl export``). Read-only: neither takes the run lock."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TextIO

import sqlite_utils

from forumcrawl.reading.context import site_id_for
from forumcrawl.storage.database import StoreError


@dataclass
class SiteStats:
    site: str
    engine: str | None
    boards: int
    threads: int
    posts: int
    users: int
    articles: int
    last_run: int | None = None
    last_run_started: str | None = None
    last_run_finish: str | None = None
    last_run_failed: bool | None = None
    last_run_pages: int | None = None


_COUNTS = """
select sites.id, sites.engine,
  (select count(*) from boards where site_id = sites.id),
  (select count(*) from threads where site_id = sites.id),
  (select count(*) from posts where site_id = sites.id and vanished_at is null),
  (select count(*) from users where site_id = sites.id),
  (select count(*) from articles where site_id = sites.id)
from sites order by sites.id"""


def site_stats(db: sqlite_utils.Database) -> list[SiteStats]:
    """Each site's rows, and the last run that started from one of its URLs."""
    sites = [SiteStats(*row) for row in db.execute(_COUNTS).fetchall()]
    runs = [
        (*row[:5], {site_id_for(url) for url in json.loads(row[5] or "{}").get("seed_urls") or []})
        for row in db.execute(
            "select id, started_at, finish_reason, failed, pages_fetched,"
            " spider_args from crawl_runs order by id desc"
        ).fetchall()
    ]
    for stats in sites:
        for run_id, started, reason, failed, pages, seeded in runs:
            if stats.site in seeded:
                stats.last_run, stats.last_run_started = run_id, started
                stats.last_run_finish = reason or "running or killed"
                stats.last_run_failed, stats.last_run_pages = bool(failed), pages
                break
    return sites


def format_stats(sites: list[SiteStats]) -> str:
    if not sites:
        return "no sites in this database yet"
    header = (
        "site",
        "engine",
        "boards",
        "threads",
        "posts",
        "users",
        "articles",
        "last run",
        "finished",
        "pages",
    )
    rows = [header] + [
        (
            s.site,
            s.engine or "",
            *(f"{n:,}" for n in (s.boards, s.threads, s.posts, s.users, s.articles)),
            f"#{s.last_run} {s.last_run_started}" if s.last_run else "never",
            (f"{s.last_run_finish}{' (FAILED)' if s.last_run_failed else ''}" if s.last_run else ""),
            f"{s.last_run_pages:,}" if s.last_run_pages is not None else "",
        )
        for s in sites
    ]
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(header))]
    numeric = {2, 3, 4, 5, 6, 9}
    return "\n".join(
        "  ".join(
            str(c).rjust(w) if i in numeric else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ).rstrip()
        for r in rows
    )


def exportable(db: sqlite_utils.Database) -> list[str]:
    """Tables and views a user may export: the content, not FTS internals, bookkeeping or
    the compressed page archive (``forumcrawl reparse`` reads that)."""
    names = [*db.table_names(), *db.view_names()]
    return sorted(n for n in names if not n.startswith("_") and "_fts" not in n and n != "pages")


def export_rows(db: sqlite_utils.Database, table: str, site: str | None = None) -> Iterator[dict]:
    if table not in exportable(db):
        raise StoreError(f"no table or view {table!r}; choose one of: {', '.join(exportable(db))}")
    columns = db[table].columns_dict
    where, params = "", []
    if site:
        column = "site_id" if "site_id" in columns else "site" if "site" in columns else None
        if column is None:
            raise StoreError(f"{table} has no site column to filter on")
        where, params = f" where [{column}] = ?", [site]
    order = "id" if "id" in columns else "rowid"
    yield from db.query(f"select * from [{table}]{where} order by [{order}]", params)


def write_rows(rows: Iterator[dict], out: TextIO, fmt: str) -> int:
    count = 0
    if fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
        return count
    writer = None
    for row in rows:
        if writer is None:
            writer = csv.DictWriter(out, fieldnames=list(row))
            writer.writeheader()
        writer.writerow(row)
        count += 1
    return count
