import sqlite3

import pytest
from conftest import DEMO, DEMO_HOST, foreign_database
from scrapy.http import Request

from forumcrawl.crawl.middlewares.replay import ReplayDirectory
from forumcrawl.storage.database import StoreError, open_db, open_readonly
from forumcrawl.storage.schema import SCHEMA_VERSION


def test_replay_maps_urls_to_files():
    replay = ReplayDirectory(DEMO)
    assert replay.path_for(f"{DEMO_HOST}/forums/").name == "index.html"
    assert replay.path_for(f"{DEMO_HOST}/forums/global-defence.12/page-2").name == "page-2.html"
    assert replay.path_for(f"{DEMO_HOST}/showthread.php?t=1").name == "showthread.php%3Ft%3D1.html"
    hit = replay.response(Request(f"{DEMO_HOST}/forums/"))
    assert hit.status == 200 and b'data-template="forum_list"' in hit.body
    miss = replay.response(Request(f"{DEMO_HOST}/nowhere/"))
    assert miss.status == 404 and "replay-miss" in miss.flags


def test_older_schema_is_upgraded_in_place(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("create table posts (id text primary key, site_id text, thread_id text, body_text text)")
    conn.execute("insert into posts values ('s:1', 's', 's:9', 'kept')")
    # every forumcrawl database has had this table, from the first version on
    conn.execute("create table _forumcrawl_meta (key text primary key, value text)")
    conn.execute("insert into _forumcrawl_meta values ('schema_version', '1')")
    conn.commit()
    conn.close()
    db = open_db(path)
    columns = {c.name for c in db["posts"].columns}
    assert {"posted_at", "content_hash", "signature_text"} <= columns
    assert db.execute("select body_text from posts").fetchall() == [("kept",)]
    assert db["threads"].exists() and db["posts_fts"].exists()
    db.close()


def test_another_programs_database_is_refused_untouched(tmp_path):
    path = tmp_path / "theirs.db"
    before = foreign_database(path)
    for opener in (open_db, open_readonly):
        with pytest.raises(StoreError, match=r"not a forumcrawl database \(it holds posts\); refusing"):
            opener(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["theirs.db"]  # no journal left either


def test_newer_schema_is_refused(tmp_path):
    db = open_db(tmp_path / "new.db")
    db.execute("update _forumcrawl_meta set value = ?", [str(SCHEMA_VERSION + 1)])
    db.conn.commit()
    db.close()
    with pytest.raises(StoreError, match="newer"):
        open_db(tmp_path / "new.db")


def test_locked_database_gives_a_clear_error(tmp_path):
    path = tmp_path / "locked.db"
    open_db(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode=DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="locked"):
            conn = sqlite3.connect(path, timeout=0.1)
            conn.close()
            import forumcrawl.storage.database as store

            original = store.sqlite3.connect
            store.sqlite3.connect = lambda p, timeout=15, **kw: original(p, timeout=0.1, **kw)
            try:
                open_db(path)
            finally:
                store.sqlite3.connect = original
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_not_a_database(tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not a usable SQLite database"):
        open_db(path)


def _thread(board_url):
    from forumcrawl.items import SiteItem, ThreadItem

    site = SiteItem(site_id="s", base_url="https://s.example", engine="discourse")
    thread = ThreadItem(
        site_id="s",
        thread_id="7",
        title="t",
        url="https://s.example/t/t/7",
        board_id="12",
        board_url=board_url,
    )
    return site, thread


def test_a_board_known_only_by_id_gets_a_stub_and_never_overwrites_a_stored_board(tmp_path):
    from forumcrawl.storage.rows import Batch
    from forumcrawl.storage.writes import write_batch

    db = open_db(tmp_path / "f.db")
    batch = Batch()
    for item in _thread(None):  # an API names the category by id only
        batch.add(item)
    write_batch(db, batch)
    assert db["boards"].get("s:12")["url"] == ""
    assert db.execute("pragma foreign_key_check").fetchall() == []
    full = Batch()
    for item in _thread("https://s.example/c/12"):
        full.add(item)
    write_batch(db, full)
    again = Batch()
    for item in _thread(None):
        again.add(item)
    write_batch(db, again)
    assert db["boards"].get("s:12")["url"] == "https://s.example/c/12"


def test_a_batch_that_cannot_be_stored_fails_the_run(tmp_path):
    from scrapy.utils.test import get_crawler

    from forumcrawl.crawl.extensions.runs import FAILURES
    from forumcrawl.crawl.pipelines.store import StorePipeline

    crawler = get_crawler(settings_dict={"FORUMCRAWL_DB": str(tmp_path / "f.db")})
    pipeline = StorePipeline(crawler)
    pipeline.open_spider()
    pipeline.db.conn.close()  # the database goes away between the items and the write
    for item in _thread("https://s.example/c/12"):
        pipeline.process_item(item)
    pipeline.close_spider()
    assert any(f.startswith("store_failed") for f in crawler.stats.get_value(FAILURES))


def _page(n: int):
    from forumcrawl.items import PageItem

    return PageItem(
        url=f"https://s.example/t/7/page-{n}",
        site_id="s",
        status=200,
        content_type="text/html",
        body=b"<html/>",
        fetched_at="2026-11-25T00:00:00+00:00",
        kind="thread",
        thread_id="7",
        page_number=n,
        archive=False,
    )


def test_batches_written_on_the_writer_thread_commit_in_order_and_count_once(tmp_path):
    from scrapy.utils.test import get_crawler

    from forumcrawl.crawl.pipelines.store import StorePipeline

    crawler = get_crawler(settings_dict={"FORUMCRAWL_DB": str(tmp_path / "f.db"), "FORUMCRAWL_BATCH_SIZE": 1})
    pipeline = StorePipeline(crawler)
    pipeline.open_spider()
    for n in range(1, 6):  # each page a batch of its own, written while the next is gathered
        for item in (*_thread("https://s.example/c/12"), _page(n)):
            pipeline.process_item(item)
    pipeline.close_spider()
    db = open_db(tmp_path / "f.db")
    assert db["threads"].get("s:7")["last_page"] == 5
    assert crawler.stats.get_value("forumcrawl/stored/items") == 15


def test_a_batch_failing_on_the_writer_thread_fails_the_run_and_nothing_after_it_is_written(tmp_path):
    from scrapy.utils.test import get_crawler

    from forumcrawl.crawl.extensions.runs import FAILURES
    from forumcrawl.crawl.pipelines.store import StorePipeline

    crawler = get_crawler(settings_dict={"FORUMCRAWL_DB": str(tmp_path / "f.db"), "FORUMCRAWL_BATCH_SIZE": 1})
    pipeline = StorePipeline(crawler)
    pipeline.open_spider()
    pipeline.db.conn.close()
    for item in (*_thread("https://s.example/c/12"), _page(1)):
        pipeline.process_item(item)  # handed to the writer, which fails
    assert pipeline.writer.pending is not None
    for item in (*_thread("https://s.example/c/12"), _page(2)):
        pipeline.process_item(item)  # the failure is taken up here, before page 2 is written
    assert pipeline.broken and pipeline.writer.pending is None
    pipeline.close_spider()
    assert [f.split(":")[0] for f in crawler.stats.get_value(FAILURES)] == ["store_failed"]
    assert crawler.stats.get_value("forumcrawl/stored/items") is None


def test_the_watermark_moves_forward_or_to_the_last_page_never_back(tmp_path):
    from forumcrawl.items import SiteItem, ThreadItem
    from forumcrawl.storage.rows import Batch
    from forumcrawl.storage.writes import write_batch

    db = open_db(tmp_path / "f.db")

    def read(*pages: int, page_count: int) -> None:
        batch = Batch()
        batch.add(SiteItem(site_id="s", base_url="https://s.example/", engine="xenforo2"))
        for n in pages:
            batch.add(
                ThreadItem(
                    site_id="s", thread_id="7", title="T", url="https://s.example/t/7/", page_count=page_count
                )
            )
            batch.add(_page(n))
        write_batch(db, batch)

    def watermark():
        row = db["threads"].get("s:7")
        return row["last_page"], row["last_page_url"]

    read(1, 2, 3, page_count=3)
    assert watermark() == (3, "https://s.example/t/7/page-3")
    # page 1 read again after page 3 (a shared crawl's worker took over a dead one's lease)
    read(1, page_count=3)
    assert watermark() == (3, "https://s.example/t/7/page-3")
    # the thread shrank to 2 pages: its last page is the watermark now
    read(1, 2, page_count=2)
    assert watermark() == (2, "https://s.example/t/7/page-2")


def test_a_thread_row_without_listing_facts_leaves_the_stored_ones_alone_beside_one_with_them(tmp_path):
    # sqlite-utils' upsert_all writes every column any row of the chunk has, so a row
    # without reply_count set it to NULL when a row beside it had one.
    from forumcrawl.items import DateField, SiteItem, ThreadItem
    from forumcrawl.storage.rows import Batch
    from forumcrawl.storage.writes import write_batch

    db = open_db(tmp_path / "f.db")

    def thread(native: str, **listing) -> ThreadItem:
        return ThreadItem(
            site_id="s", thread_id=native, title=f"T{native}", url=f"https://s.example/t/{native}/", **listing
        )

    first = Batch()
    first.add(SiteItem(site_id="s", base_url="https://s.example/", engine="xenforo2"))
    first.add(thread("1", reply_count=5, last_post=DateField(value="2026-11-01T00:00:00+00:00")))
    write_batch(db, first)
    second = Batch()  # thread 1 read from its own page, thread 2 from a listing
    second.add(thread("2", reply_count=3, last_post=DateField(value="2026-11-02T00:00:00+00:00")))
    second.add(thread("1", page_count=2))
    write_batch(db, second)
    one, two = db["threads"].get("s:1"), db["threads"].get("s:2")
    assert (one["reply_count"], one["last_post_at"], one["page_count"]) == (5, "2026-11-01T00:00:00+00:00", 2)
    assert (two["reply_count"], two["last_post_at"]) == (3, "2026-11-02T00:00:00+00:00")


def _posts_batch(texts: dict[str, str]):
    from forumcrawl.items import DateField, PostItem, SiteItem, ThreadItem, UserItem
    from forumcrawl.storage.rows import Batch

    batch = Batch()
    batch.add(SiteItem(site_id="s", base_url="https://s.example/", engine="xenforo2"))
    batch.add(ThreadItem(site_id="s", thread_id="7", title="Tanks", url="https://s.example/t/7/"))
    for post_id, text in texts.items():
        batch.add(
            PostItem(
                site_id="s",
                thread_id="7",
                post_id=post_id,
                url=None,
                page_url="https://s.example/t/7/",
                author=UserItem(site_id="s", name="GeoStrat"),
                posted=DateField(),
                body_html=f"<p>{text}</p>",
                body_text=text,
            )
        )
    return batch


def _search(db, word: str) -> list[str]:
    return [
        r[0]
        for r in db.execute(
            "select p.id from posts_fts f join posts p on p.rowid = f.rowid"
            " where posts_fts match ? order by p.id",
            [word],
        )
    ]


def test_the_search_index_written_in_bulk_matches_the_posts_and_what_triggers_would_index(tmp_path):
    from forumcrawl.storage.writes import write_batch

    db = open_db(tmp_path / "f.db")
    write_batch(
        db, _posts_batch({"1": "armoured columns near Kharkiv", "2": "sanctions and oil", "3": "drones"})
    )
    write_batch(db, _posts_batch({"1": "armoured columns near Izium", "2": "sanctions and oil"}))  # 1 edited
    db.execute("insert into posts_fts (posts_fts, rank) values ('integrity-check', 1)")  # index = content
    assert (_search(db, "kharkiv"), _search(db, "izium"), _search(db, "sanction")) == ([], ["s:1"], ["s:2"])
    assert db.execute("select count(*) from _forumcrawl_meta where key = 'fts_bulk'").fetchone()[0] == 0
    # another writer (a user's own SQL, a merge): the triggers keep the index in step
    db.execute("update posts set body_text = 'convoy of trucks' where id = 's:3'")
    db.conn.commit()
    db.execute("insert into posts_fts (posts_fts, rank) values ('integrity-check', 1)")
    assert (_search(db, "drones"), _search(db, "convoy")) == ([], ["s:3"])
    triggered = open_db(tmp_path / "t.db")  # the same posts written row by row through the triggers
    triggered["sites"].insert({"id": "s", "base_url": "https://s.example/", "engine": "xenforo2"})
    triggered["threads"].insert({"id": "s:7", "site_id": "s", "native_id": "7", "url": "u"})
    triggered["posts"].insert_all(
        [
            {
                "id": r["id"],
                "site_id": "s",
                "thread_id": "s:7",
                "native_id": r["native_id"],
                "body_text": r["body_text"],
            }
            for r in db.query("select * from posts order by rowid")
        ]
    )
    for word in ("armour", "izium", "oil", "convoy", "near"):
        assert _search(db, word) == _search(triggered, word)


def test_an_older_database_gets_its_search_triggers_guarded_when_opened(tmp_path):
    db = open_db(tmp_path / "f.db")
    db.execute("drop trigger posts_ai")
    db.execute(
        "create trigger posts_ai after insert on posts begin"
        " insert into posts_fts (rowid, body_text) values (new.rowid, new.body_text); end"
    )
    db.close()
    again = open_db(tmp_path / "f.db")
    assert all("fts_bulk" in t.sql for t in again["posts"].triggers) and len(again["posts"].triggers) == 3
