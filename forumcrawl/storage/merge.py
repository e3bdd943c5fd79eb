"""Fold the databases of a shared crawl's workers (shards) into one.

Every row has an explicit key (``site:native-id``, a page's content hash), so a merge
is a keyed upsert, table by table, parents first, each shard in one transaction:
merging a shard twice changes nothing, and merging the shards of a crawl gives the
rows one process would have stored from the same pages. Where two shards hold the same
row, each column follows its merge rule in :mod:`forumcrawl.storage.schema`: a site
keeps the first shard's reading (engine evidence is read from the first page a worker
fetched, which differs between workers); a thread keeps its furthest watermark; posts,
their quotes and articles, and revisions are whole rows, a post's quotes and articles
replaced as a set; archived pages are content-addressed, the same bytes only widening
``first_fetched_at``/``fetched_at``; crawl runs are added once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from forumcrawl.storage.database import StoreError, open_db
from forumcrawl.storage.schema import TABLES, Column, Table

_RULES = {
    "value": "coalesce(excluded.[{c}], [{c}])",
    "first": "coalesce([{c}], excluded.[{c}])",
    "whole": "excluded.[{c}]",
    "max": "coalesce(max([{c}], excluded.[{c}]), [{c}], excluded.[{c}])",
    "min": "coalesce(min([{c}], excluded.[{c}]), [{c}], excluded.[{c}])",
    "watermark": (
        "case when coalesce(excluded.last_page, 0) >= coalesce(last_page, 0)"
        " then coalesce(excluded.[{c}], [{c}]) else [{c}] end"
    ),
}


@dataclass
class MergeResult:
    shards: int = 0
    rows: dict[str, int] = field(default_factory=dict)  # rows in OUT after the merge


def upsert_sql(table: Table, columns: list[str]) -> str:
    """The keyed upsert of a shard's rows into ``main``, by the schema's merge rules."""
    declared: dict[str, Column] = {c.name: c for c in table.columns}
    cols = ", ".join(f"[{c}]" for c in columns)
    updates = [
        f"[{c}] = {_RULES[table.rule(declared[c])].format(c=c)}"
        for c in columns
        if c != table.pk and c in declared
    ]
    return (
        f"insert into main.[{table.name}] ({cols}) select {cols} from shard.[{table.name}] where true"
        f" on conflict({table.pk}) do update set {', '.join(updates)}"
    )


def _merge_shard(out: sqlite_utils.Database, shard: Path) -> None:
    open_db(shard).close()  # an older shard is brought to the current schema first
    conn = out.conn
    conn.execute("attach database ? as shard", [str(shard)])
    try:
        with conn:
            for table in TABLES:
                columns = [c.name for c in out[table.name].columns]
                if table.merge == "append":  # runs: added once (a run is its start and stats)
                    cols = ", ".join(f"[{c}]" for c in columns if c != table.pk)
                    conn.execute(
                        f"insert into main.[{table.name}] ({cols}) select {cols} from shard.[{table.name}] r"
                        f" where not exists (select 1 from main.[{table.name}] m where"
                        " m.started_at is r.started_at and m.stats is r.stats)"
                    )
                    continue
                if table.name in ("quotes", "articles"):  # a post's set is replaced whole
                    conn.execute(
                        f"delete from main.[{table.name}] where post_id in"
                        f" (select post_id from shard.[{table.name}]"
                        f"  union select id from shard.posts)"
                    )
                conn.execute(upsert_sql(table, columns))
    finally:
        conn.execute("detach database shard")


def merge(out_path: str | Path, shard_paths: list[str | Path]) -> MergeResult:
    """Merge ``shard_paths`` into ``out_path`` (created if missing), in the order given."""
    shards = [Path(p) for p in shard_paths]
    out_path = Path(out_path)
    for shard in shards:
        if not shard.is_file():
            raise StoreError(f"no database at {shard}")
        if shard.resolve() == out_path.resolve():
            raise StoreError(f"{shard} is the output database itself")
    out = open_db(out_path)
    try:
        for shard in shards:
            _merge_shard(out, shard)
        return MergeResult(shards=len(shards), rows={t.name: out[t.name].count for t in TABLES})
    finally:
        out.close()
