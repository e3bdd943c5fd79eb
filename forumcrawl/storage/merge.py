"""Fold the databases of a shared crawl's workers (shards) into one.

Every row has an explicit key (``site:native-id``, a page's content hash), so a merge
is a keyed upsert, table by table, parents first, each shard in one transaction:
merging a shard twice changes nothing, and merging the shards of a crawl gives the
rows one process would have stored from the same pages. The rules, where two shards
hold the same row:

- a site keeps the first shard's row (engine evidence is read from the first page a
  worker fetched, which differs between workers);
- a thread keeps the furthest watermark: the highest ``page_count``, ``reply_count``
  and ``last_post_at``, and the ``last_page`` (with its URL) furthest into the thread;
  otherwise a value wins over a missing one (a board stub has no title);
- posts, their quotes and articles, and revisions are whole rows: the later shard's
  version replaces the earlier one, and a post's quotes and articles go as a set;
- archived pages are content-addressed: new bytes are added, the same bytes only
  widen ``first_fetched_at``/``fetched_at``;
- crawl runs are added once (a run is its start time and statistics).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from forumcrawl.storage.store import TABLES, StoreError, open_db

_WHOLE_ROWS = {"posts", "post_revisions", "quotes", "articles"}
_FURTHEST = {"page_count", "reply_count", "last_post_at"}


@dataclass
class MergeResult:
    shards: int = 0
    rows: dict[str, int] = field(default_factory=dict)  # rows in OUT after the merge


def _upsert_sql(table: str, columns: list[str]) -> str:
    cols = ", ".join(f"[{c}]" for c in columns)
    updates = []
    for c in columns:
        if c == "id":
            continue
        if table in _WHOLE_ROWS:
            value = f"excluded.[{c}]"
        elif table == "sites":  # the first shard's reading of the site stands
            value = f"coalesce([{c}], excluded.[{c}])"
        elif table == "threads" and c in _FURTHEST:
            value = f"coalesce(max([{c}], excluded.[{c}]), [{c}], excluded.[{c}])"
        elif table == "threads" and c in ("last_page", "last_page_url"):
            value = (f"case when coalesce(excluded.last_page, 0) >= coalesce(last_page, 0)"
                     f" then coalesce(excluded.[{c}], [{c}]) else [{c}] end")
        else:
            value = f"coalesce(excluded.[{c}], [{c}])"
        updates.append(f"[{c}] = {value}")
    return (f"insert into main.[{table}] ({cols}) select {cols} from shard.[{table}] where true"
            f" on conflict(id) do update set {', '.join(updates)}")


def _merge_shard(out: sqlite_utils.Database, shard: Path) -> None:
    open_db(shard).close()  # an older shard is brought to the current schema first
    conn = out.conn
    conn.execute("attach database ? as shard", [str(shard)])
    try:
        with conn:
            for table in TABLES:
                columns = [c.name for c in out[table.name].columns]
                if table.name == "pages":
                    cols = ", ".join(f"[{c}]" for c in columns)
                    conn.execute(f"insert into main.pages ({cols}) select {cols} from shard.pages where true"
                                 " on conflict(id) do update set"
                                 " first_fetched_at = min(first_fetched_at, excluded.first_fetched_at),"
                                 " fetched_at = max(fetched_at, excluded.fetched_at)")
                elif table.name == "crawl_runs":
                    cols = ", ".join(f"[{c}]" for c in columns if c != "id")
                    conn.execute(f"insert into main.crawl_runs ({cols}) select {cols} from shard.crawl_runs r"
                                 " where not exists (select 1 from main.crawl_runs m where"
                                 " m.started_at is r.started_at and m.stats is r.stats)")
                else:
                    if table.name in ("quotes", "articles"):  # a post's set is replaced whole
                        conn.execute(f"delete from main.[{table.name}] where post_id in"
                                     f" (select post_id from shard.[{table.name}]"
                                     f"  union select id from shard.posts)")
                    conn.execute(_upsert_sql(table.name, columns))
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
        return MergeResult(shards=len(shards),
                           rows={t.name: out[t.name].count for t in TABLES})
    finally:
        out.close()
