"""Fold the databases of a shared crawl's workers (shards) into one.

Every row has an explicit key (``site:native-id``, a page's content hash), so a merge
is a keyed upsert, table by table, parents first, each shard in one transaction:
merging a shard twice changes nothing, and merging the shards of a crawl gives the
rows one process would have stored from the same pages. Where two shards hold the same
row, each column follows its merge rule in :mod:`forumcrawl.storage.schema`: a site
keeps the first shard's reading (engine evidence is read from the first page a worker
fetched, which differs between workers); a thread keeps its furthest watermark;
archived pages are content-addressed, the same bytes only widening
``first_fetched_at``/``fetched_at``; crawl runs are added once.

Posts are ``newest``: of two versions of a post, the one seen later wins, whatever the
order the shards are given in (shards kept across nightly runs hold older and newer
versions). A version is as recent as its evidence: the last fetch of the page it was
read from, or the fetch that found it gone (``vanished_at``), so an older shard never
undoes a vanished mark. The losing version, when its words differ, is kept in
``post_revisions``, as a crawl keeps an edited post's earlier version. A post's quotes
and articles (``with_post``) come with the winning version, as a set.

Shards are only read: attached read-only, never upgraded or otherwise changed. A file
that is not a forumcrawl database, or one of a newer schema, is refused.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from forumcrawl.storage.database import StoreError, database_uri, open_db, refuse_foreign
from forumcrawl.storage.migrations import fill_text_keys
from forumcrawl.storage.schema import SCHEMA_VERSION, TABLES, Column, Table

_RULES = {
    "value": "coalesce(excluded.[{c}], [{c}])",
    "first": "coalesce([{c}], excluded.[{c}])",
    "whole": "excluded.[{c}]",
    "newest": "excluded.[{c}]",  # rows that lose are filtered out before the upsert
    "with_post": "excluded.[{c}]",
    "max": "coalesce(max([{c}], excluded.[{c}]), [{c}], excluded.[{c}])",
    "min": "coalesce(min([{c}], excluded.[{c}]), [{c}], excluded.[{c}])",
    "watermark": (
        "case when coalesce(excluded.last_page, 0) >= coalesce(last_page, 0)"
        " then coalesce(excluded.[{c}], [{c}]) else [{c}] end"
    ),
}

# When a post version was last confirmed, in database ``{db}``: its page's last fetch,
# or the fetch that found it gone. '' when neither is known (older shards, no archive).
_SEEN = (
    "max(coalesce((select max(g.fetched_at) from {db}.pages g where g.url = {p}.page_url), ''),"
    " coalesce({p}.vanished_at, ''))"
)


@dataclass
class MergeResult:
    shards: int = 0
    rows: dict[str, int] = field(default_factory=dict)  # rows in OUT after the merge
    older_versions: int = 0  # shard posts older than the merged ones (kept as revisions)


def upsert_sql(table: Table, columns: list[str], where: str = "true") -> str:
    """The keyed upsert of a shard's rows into ``main``, by the schema's merge rules."""
    declared: dict[str, Column] = {c.name: c for c in table.columns}
    cols = ", ".join(f"[{c}]" for c in columns)
    updates = [
        f"[{c}] = {_RULES[table.rule(declared[c])].format(c=c)}"
        for c in columns
        if c != table.pk and c in declared
    ]
    return (
        f"insert into main.[{table.name}] ({cols}) select {cols} from shard.[{table.name}] where {where}"
        f" on conflict({table.pk}) do update set {', '.join(updates)}"
    )


def check_shard(shard: Path) -> dict[str, set[str]]:
    """The shard's tables and their columns, read without changing it; refuses files
    that are not forumcrawl's or are newer than this forumcrawl."""
    try:
        conn = sqlite3.connect(database_uri(shard, "ro"), uri=True, timeout=15)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open shard {shard}: {exc}") from exc
    try:
        db = sqlite_utils.Database(conn)
        refuse_foreign(db, shard)
        row = conn.execute("select value from _forumcrawl_meta where key = 'schema_version'").fetchone()
        if row and int(row[0]) > SCHEMA_VERSION:
            raise StoreError(
                f"shard {shard} has schema version {row[0]}, newer than this forumcrawl"
                f" understands ({SCHEMA_VERSION}); upgrade forumcrawl"
            )
        return {name: {c.name for c in db[name].columns} for name in db.table_names()}
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{shard} is not a usable SQLite database: {exc}") from exc
    finally:
        conn.close()


def _merge_shard(out: sqlite_utils.Database, shard: Path) -> int:
    """Merge one shard; returns how many of its post versions lost to newer ones."""
    shard_columns = check_shard(shard)
    conn = out.conn
    conn.execute("attach database ? as shard", [database_uri(shard, "ro")])
    try:
        with conn:
            older = _decide_post_versions(conn, shard_columns)
            for table in TABLES:
                if table.name not in shard_columns:
                    continue  # a shard of an older schema, without this table
                columns = [c.name for c in out[table.name].columns if c.name in shard_columns[table.name]]
                if table.merge == "append":  # runs: added once (a run is its start and stats)
                    cols = ", ".join(f"[{c}]" for c in columns if c != table.pk)
                    conn.execute(
                        f"insert into main.[{table.name}] ({cols}) select {cols} from shard.[{table.name}] r"
                        f" where not exists (select 1 from main.[{table.name}] m where"
                        " m.started_at is r.started_at and m.stats is r.stats)"
                    )
                elif table.merge == "with_post":  # a winning post's set replaces the old one
                    conn.execute(
                        f"delete from main.[{table.name}] where post_id in (select id from temp.merge_winners)"
                    )
                    conn.execute(upsert_sql(table, columns, "post_id in (select id from temp.merge_winners)"))
                elif table.merge == "newest":
                    conn.execute(upsert_sql(table, columns, "id in (select id from temp.merge_winners)"))
                else:
                    conn.execute(upsert_sql(table, columns))
            conn.execute("drop table temp.merge_winners")
    finally:
        conn.execute("detach database shard")
    return older


def _decide_post_versions(conn: sqlite3.Connection, shard_columns: dict[str, set[str]]) -> int:
    """Which of the shard's posts win (``temp.merge_winners``), decided before any table is
    merged (pages merged first would make every shard's evidence look as new as the
    newest); the losing versions whose words differ go to ``post_revisions``."""
    seen_shard = _SEEN.format(db="shard", p="s") if "pages" in shard_columns else "''"
    seen_main = _SEEN.format(db="main", p="m")
    vanished = "s.vanished_at" if "vanished_at" in shard_columns.get("posts", ()) else "null"
    seen_shard = seen_shard.replace("s.vanished_at", vanished)
    conn.execute(
        "create temp table merge_versions as select s.id, s.content_hash as shard_hash,"
        f" m.content_hash as main_hash, {seen_shard} as shard_seen,"
        f" case when m.id is null then null else {seen_main} end as main_seen"
        " from shard.posts s left join main.posts m on m.id = s.id"
    )
    try:
        conn.execute(
            "create temp table merge_winners as select id from temp.merge_versions"
            " where main_seen is null or shard_seen >= main_seen"
        )
        conn.execute("create unique index temp.merge_winners_id on merge_winners (id)")
        # the version that loses, when its words differ, becomes a revision dated by the
        # fetch of the version that replaced it
        revision = (
            "insert or ignore into main.post_revisions"
            " (id, post_id, content_hash, body_text, body_html, edited_at, edited_raw, replaced_at)"
            " select v.id || ':' || substr({x}.content_hash, 1, 16), v.id, {x}.content_hash, {x}.body_text,"
            " {x}.body_html, {x}.edited_at, {x}.edited_raw, nullif({seen}, '')"
            " from temp.merge_versions v join {db}.posts {x} on {x}.id = v.id"
            " where v.main_seen is not null and v.main_hash is not v.shard_hash"
            " and {x}.content_hash is not null and {cond}"
        )
        conn.execute(
            revision.format(x="m", db="main", seen="v.shard_seen", cond="v.shard_seen >= v.main_seen")
        )
        conn.execute(
            revision.format(x="s", db="shard", seen="v.main_seen", cond="v.shard_seen < v.main_seen")
        )
        older = conn.execute(
            "select count(*) from temp.merge_versions where main_seen is not null and shard_seen < main_seen"
        ).fetchone()[0]
    finally:
        conn.execute("drop table temp.merge_versions")
    return older


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
        older = sum(_merge_shard(out, shard) for shard in shards)
        fill_text_keys(out)  # articles from shards older than the key
        return MergeResult(
            shards=len(shards), rows={t.name: out[t.name].count for t in TABLES}, older_versions=older
        )
    finally:
        out.close()
