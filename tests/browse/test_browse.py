"""The database in Datasette (its own test client, and a real headless Chromium), the
canned queries, ``forumcrawl stats/export/serve`` and feed exports."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
import sqlite_utils
from conftest import DEMO, DEMO_HOST, ROOT, free_port, run_crawl, run_live
from live_forum import LiveForum, demo
from parsel import Selector

from forumcrawl.browse import QUERIES, VIEW_DOCS, metadata
from forumcrawl.storage.database import open_db
from forumcrawl.storage.schema import SCHEMA_VERSION, TABLES, VIEWS

datasette = pytest.importorskip("datasette.app", reason="Datasette is the [browse] extra")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# The Bloomberg article again, pasted by another member in another thread: straight
# quotes instead of curly ones, no source link, cut off after five paragraphs.
REPOST = (
    demo.p(*demo.SEED_ARTICLE.split("<br />\n<br />\n")[:7])
    .replace("’", "'")
    .replace("“", '"')
    .replace("”", '"')
)


# A post whose markup attacks whoever reads it: the reader keeps its HTML, the pages must not.
UNSAFE = (
    'Look: <img src="https://evil.example/pixel.png" alt="chart" onerror="alert(1)"> and'
    ' <script>alert(2)</script><a href="javascript:alert(3)">this</a> and'
    ' <a href="https://example.org/report" onclick="alert(4)">the report</a>.'
)


@pytest.fixture(scope="module")
def forum_db(tmp_path_factory) -> Path:
    """The demo forum, live, with one more thread that reposts the seed's article."""
    work = tmp_path_factory.mktemp("browse")
    with LiveForum() as forum:
        forum.new_thread(360, "Lavrov on Syria again", [REPOST, "Same interview, new thread."])
        forum.new_thread(361, "Unsafe markup", [UNSAFE])
        result = run_live(work, f"{forum.root}/forums/")
    assert result.returncode == 0, result.stderr[-2000:]
    return work / "forumcrawl.db"


def fetch(db_path: Path, path: str) -> str:
    """A page from Datasette's own test client, with forumcrawl's metadata and plugin."""

    async def go():
        ds = datasette.Datasette([str(db_path)], metadata=metadata(db_path.stem))
        await ds.invoke_startup()
        response = await ds.client.get(path)
        assert response.status_code == 200, response.text[:500]
        return response.text

    return asyncio.run(go())


def get(db_path: Path, path: str) -> dict:
    return json.loads(fetch(db_path, path))


def html(db_path: Path, path: str) -> Selector:
    return Selector(text=fetch(db_path, path))


def rows(db_path: Path, path: str) -> list[dict]:
    sep = "&" if "?" in path else "?"
    return get(db_path, f"{path}{sep}_shape=objects&_size=max")["rows"]


def test_a_phrase_search_finds_its_post(forum_db):
    found = rows(forum_db, '/forumcrawl/posts_view.json?_search="air support question"')
    assert [(r["author"], r["thread"]) for r in found] == [("Kestrel", "Ramadi falls — analysis")]
    assert rows(forum_db, "/forumcrawl/posts.json?_search=Habbaniyah") != []
    # one headline: the repost's straight quotes and the original's curly ones read alike
    assert {r["headline"] for r in rows(forum_db, "/forumcrawl/articles_view.json?_search=Lavrov")} == {
        "Russia Urges U.S. to Enlist Syria's Assad to Fight Islamic State",
    }
    assert [r["title"] for r in rows(forum_db, "/forumcrawl/threads.json?_search=procurement")] == [
        "F-35 procurement delays: what went wrong?"
    ]


def test_facets_appear_with_their_counts(forum_db):
    facets = get(forum_db, "/forumcrawl/posts_view.json")["facet_results"]
    assert set(facets) == {"site", "board", "author", "author_title"}
    titles = {v["value"]: v["count"] for v in facets["author_title"]["results"]}
    db = sqlite_utils.Database(forum_db)
    senior = db.execute(
        "select count(*) from posts join users on users.id = posts.user_id"
        " where users.title = 'Senior Member'"
    ).fetchone()[0]
    assert titles["Senior Member"] == senior > 0
    assert {
        v["value"]
        for v in get(forum_db, "/forumcrawl/articles_view.json")["facet_results"]["outlet"]["results"]
    } == {"Bloomberg", "defence-review.example", "wire.example"}


def test_each_canned_query_answers_its_question(forum_db):
    db = sqlite_utils.Database(forum_db)
    kestrel = rows(forum_db, "/forumcrawl/member_posts.json?author=Kestrel")
    assert (
        len(kestrel) == db.execute("select count(*) from posts where author_name = 'Kestrel'").fetchone()[0]
    )
    assert len({r["thread"] for r in kestrel}) > 3 and kestrel == sorted(
        kestrel, key=lambda r: r["posted_at"]
    )

    pairs = rows(forum_db, "/forumcrawl/who_quotes_whom.json")
    assert (
        sum(p["quotes"] for p in pairs)
        == db.execute("select count(*) from quotes where quoted_author is not null").fetchone()[0]
    )
    assert pairs == sorted(pairs, key=lambda p: (-p["quotes"], p["quoting"], p["quoted"]))
    kestrel_geostrat = db.execute(
        "select count(*) from quotes join posts on posts.id = quotes.post_id"
        " where author_name = 'Kestrel' and quoted_author = 'GeoStrat'"
    ).fetchone()[0]
    assert (
        next(p["quotes"] for p in pairs if (p["quoting"], p["quoted"]) == ("Kestrel", "GeoStrat"))
        == kestrel_geostrat
        > 0
    )

    outlets = {r["outlet"]: r for r in rows(forum_db, "/forumcrawl/articles_by_outlet.json")}
    assert (outlets["Bloomberg"]["reposts"], outlets["Bloomberg"]["articles"]) == (2, 1)  # one story, twice
    months = rows(forum_db, "/forumcrawl/articles_by_month.json")
    assert {(r["month"], r["outlet"]): r["reposts"] for r in months}[("2015-05", "Bloomberg")] == 1
    assert sum(r["reposts"] for r in months) == 4

    same = rows(forum_db, "/forumcrawl/same_article_several_threads.json")
    assert [(r["threads"], r["reposts"]) for r in same] == [(2, 2)]
    assert set(same[0]["thread_titles"].split(",")) == {
        "Lavrov on Syria again",
        "Russia Urges U.s. To Enlist Syria’s Assad To Fight Islamic State",
    }
    urls = db.execute(
        "select count(distinct coalesce(source_url, '')) from articles where text_key = ?",
        [same[0]["text_key"]],
    ).fetchone()[0]
    assert urls == 2  # matched by the words: the repost has no link

    activity = rows(forum_db, "/forumcrawl/thread_activity_by_month.json")
    assert sum(r["posts"] for r in activity) == db["posts"].count
    assert {
        "thread": "F-35 procurement delays: what went wrong?",
        "month": "2015-06",
        "posts": 10,
    }.items() <= next(r for r in activity if r["thread"].startswith("F-35")).items()


def test_foreign_keys_render_as_labels(forum_db):
    post = rows(forum_db, "/forumcrawl/posts.json?_labels=on&id=127.0.0.1:1302")[0]
    assert post["thread_id"] == {"value": "127.0.0.1:348", "label": "Ramadi falls — analysis"}
    assert post["user_id"]["label"] == "Kestrel"
    quote = rows(forum_db, "/forumcrawl/quotes.json?_labels=on&post_id=127.0.0.1:1002")[0]
    assert quote["post_id"]["label"] == "Kestrel"
    article = rows(forum_db, "/forumcrawl/articles.json?_labels=on&outlet=wire.example")[0]
    assert article["site_id"] == {"value": "127.0.0.1", "label": "127.0.0.1"}


def test_metadata_describes_every_table_column_view_and_query():
    meta = metadata("forumcrawl")["databases"]["forumcrawl"]
    for table in TABLES:
        columns = meta["tables"][table.name]["columns"]
        assert set(columns) == set(table.types) and all(columns.values()), table.name
    assert set(VIEW_DOCS) == set(VIEWS)
    assert set(meta["queries"]) == set(QUERIES) and all(q["title"] for q in QUERIES.values())
    assert meta["tables"]["_sqlite_migrations"] == {"hidden": True}


def test_readme_documents_every_column():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for table in TABLES:
        line = next((ln for ln in readme.splitlines() if ln.startswith(f"| `{table.name}` |")), None)
        assert line, f"README's schema table has no row for {table.name}"
        missing = [c for c in table.types if f"`{c}`" not in line]
        assert not missing, f"README does not describe {table.name}: {missing}"


# What schema 1 lacked: the columns and tables schemas 2 and 3 added.
SCHEMA1_LACKS = {
    "threads": ("last_page", "last_page_url"),
    "posts": ("vanished_at",),
    "articles": ("text_key",),
}
SCHEMA1_LACKS_TABLES = ("post_revisions", "pages", "_sqlite_migrations")


def schema1_database(crawled: Path, path: Path) -> None:
    """A database as schema 1 left it: a crawl with what later schemas added taken away
    (views first, since they name those columns; ``open_db`` makes them again)."""
    shutil.copy(crawled, path)
    with sqlite3.connect(path) as conn:
        for view in VIEWS:
            conn.execute(f"drop view [{view}]")
        for table in SCHEMA1_LACKS_TABLES:
            conn.execute(f"drop table [{table}]")
        for table, columns in SCHEMA1_LACKS.items():
            for column in columns:
                conn.execute(f"alter table [{table}] drop column [{column}]")
        conn.execute("update _forumcrawl_meta set value = '1' where key = 'schema_version'")


def test_an_older_database_is_migrated_in_place_and_browsable(demo_db, tmp_path):
    old = tmp_path / "forumcrawl.db"
    schema1_database(demo_db, old)
    before = sqlite_utils.Database(old)
    assert before.execute("select value from _forumcrawl_meta").fetchone()[0] == "1"
    counts = {t: before[t].count for t in ("posts", "threads", "users", "quotes", "articles")}
    assert "text_key" not in before["articles"].columns_dict
    before.close()

    db = open_db(old)
    assert db.execute("select value from _forumcrawl_meta").fetchone()[0] == str(SCHEMA_VERSION)
    assert {t: db[t].count for t in counts} == counts
    assert db.execute("select count(*) from articles where text_key is null").fetchone()[0] == 0
    assert [m["name"] for m in db.query("select name from _sqlite_migrations")] == ["m001_article_text_key"]
    assert {"last_page", "last_page_url"} <= set(db["threads"].columns_dict) and db["pages"].exists()
    db.close()
    open_db(old).close()  # a second open applies nothing twice
    assert sqlite_utils.Database(old)["_sqlite_migrations"].count == 1

    assert len(rows(old, "/forumcrawl/articles_by_outlet.json")) == 3
    assert rows(old, "/forumcrawl/posts_view.json?_search=Habbaniyah") != []


def forumcrawl(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "forumcrawl.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_stats_prints_each_site_and_its_last_run(forum_db):
    result = forumcrawl("stats", str(forum_db), cwd=forum_db.parent)
    assert result.returncode == 0, result.stderr
    header, line = result.stdout.splitlines()
    assert header.split()[:7] == ["site", "engine", "boards", "threads", "posts", "users", "articles"]
    fields = line.split()
    db = sqlite_utils.Database(forum_db)
    assert fields[:7] == ["127.0.0.1", "xenforo2", "1", "9", str(db["posts"].count), "6", "4"]
    assert "finished" in line and line.endswith(str(db["crawl_runs"].get(1)["pages_fetched"]))
    missing = forumcrawl("stats", str(forum_db.parent / "none.db"), cwd=forum_db.parent)
    assert missing.returncode == 2 and f"no database at {forum_db.parent / 'none.db'}" in missing.stderr


def test_the_database_is_the_first_argument_of_every_command_and_db_an_alias(forum_db, tmp_path):
    for command in (["stats"], ["export"], ["export", "--table", "quote_edges"], ["metadata"]):
        positional = forumcrawl(command[0], str(forum_db), *command[1:], cwd=tmp_path)
        option = forumcrawl(command[0], "--db", str(forum_db), *command[1:], cwd=tmp_path)
        assert positional.returncode == option.returncode == 0, (command, positional.stderr)
        assert positional.stdout == option.stdout and positional.stdout, command
    assert (
        forumcrawl("export", str(forum_db), "quote_edges", cwd=tmp_path).stdout
        == forumcrawl("export", "--db", str(forum_db), "--table", "quote_edges", cwd=tmp_path).stdout
    )
    copy = tmp_path / "copy.db"
    copy.write_bytes(forum_db.read_bytes())
    assert forumcrawl("reparse", str(copy), cwd=tmp_path).returncode == 0
    assert forumcrawl("stats", cwd=copy.parent).returncode == 2  # the default, forumcrawl.db, is not here
    both = forumcrawl("stats", str(forum_db), "--db", str(copy), cwd=tmp_path)
    assert both.returncode == 2 and "two databases given" in both.stderr


def test_export_writes_json_lines_and_csv(forum_db, tmp_path):
    db = sqlite_utils.Database(forum_db)
    result = forumcrawl("export", str(forum_db), cwd=tmp_path)
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(lines) == db["posts"].count and {"author", "thread", "board", "body_text"} <= set(lines[0])
    out = tmp_path / "quotes.csv"
    result = forumcrawl(
        "export",
        str(forum_db),
        "quote_edges",
        "--format",
        "csv",
        "--site",
        "127.0.0.1",
        "--out",
        str(out),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    table = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(table) == db["quotes"].count and table[0].keys() >= {"quoting", "quoted", "text"}
    bad = forumcrawl("export", str(forum_db), "pages", cwd=tmp_path)
    assert bad.returncode == 2 and "choose one of" in bad.stderr


def test_feed_exports_write_the_extract_records(tmp_path):
    result = run_crawl(tmp_path, f"{DEMO_HOST}/forums/", DEMO, "-O", "items.jsonl")
    assert result.returncode == 0, result.stderr[-2000:]
    records = [json.loads(x) for x in (tmp_path / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    kinds = {k: sum(r["type"] == k for r in records) for k in ("post", "article", "site", "board")}
    assert kinds == {"post": 29, "article": 3, "site": 1, "board": 3}
    # one Scrapy item per page, its records in the order read: the site first, a thread before its posts
    assert records[0]["type"] == "site"
    first_post = next(i for i, r in enumerate(records) if r["type"] == "post")
    assert records[first_post - 1]["type"] == "thread"
    seed = next(r for r in records if r["type"] == "post" and r["post_id"] == "1001")
    assert (seed["author"], seed["author_title"], seed["posted_at"]) == (
        "GeoStrat",
        "Senior Member",
        "2015-05-30T15:12:00+00:00",
    )
    result = run_crawl(tmp_path, f"{DEMO_HOST}/forums/", DEMO, "-O", "posts.csv", "-a", "full=1")
    assert result.returncode == 0, result.stderr[-2000:]
    table = list(csv.DictReader((tmp_path / "posts.csv").open(encoding="utf-8")))
    assert len(table) == 29 and json.loads(table[0]["quotes"]) is not None


@pytest.fixture
def served(forum_db):
    """``forumcrawl serve`` on 127.0.0.1, as a user starts it."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "forumcrawl.cli", "serve", str(forum_db), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/-/versions.json", timeout=1)
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"forumcrawl serve exited: {proc.stdout.read().decode()[-2000:]}")
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    # Datasette went with it: nothing answers on the port any more
    with pytest.raises(OSError):
        for _ in range(50):
            urllib.request.urlopen(f"{base}/-/versions.json", timeout=1)
            time.sleep(0.1)


def test_serve_starts_datasette_with_the_metadata(served):
    with urllib.request.urlopen(f"{served}/forumcrawl/who_quotes_whom.json?_shape=objects") as r:
        assert json.load(r)["rows"][0]["quotes"] >= 2
    with urllib.request.urlopen(f"{served}/-/metadata.json") as r:
        assert json.load(r)["title"] == "forumcrawl"


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium here (.ci/run installs Debian's chromium)")
def test_posts_and_a_search_render_in_headless_chromium(served, forum_db):
    def dom(path: str) -> Selector:
        with tempfile.TemporaryDirectory() as profile:
            result = subprocess.run(
                [
                    CHROMIUM,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    f"--user-data-dir={profile}",
                    "--dump-dom",
                    f"{served}{path}",
                ],
                capture_output=True,
                text=True,
                timeout=120,
            )
        assert result.returncode == 0, result.stderr[-2000:]
        return Selector(text=result.stdout)

    page = dom("/forumcrawl/posts")
    assert page.css("title::text").get().startswith("forumcrawl: posts")
    assert len(page.css("table.rows-and-columns tbody tr")) == sqlite_utils.Database(forum_db)["posts"].count
    assert "Ramadi falls — analysis" in page.css("td.col-thread_id a::text").getall()  # a label
    facets = {f.attrib["data-column"] for f in page.css("div.facet-info")}
    assert facets == {"site_id", "thread_id", "user_id"}

    search = dom("/forumcrawl/posts_view?_search=Habbaniyah")
    assert search.css("td.col-author::text").getall() == ["Analyst_77", "Kestrel"]
    shown = {
        f.attrib["data-column"]: [re.sub(r"\s+", " ", t).strip() for t in f.css("li a::text").getall()]
        for f in search.css("div.facet-info")
    }
    assert set(shown) == {"site", "board", "author", "author_title"}
    assert shown["author"] == ["Analyst_77", "Kestrel"]

    # the thread as people read it: the seed's Bloomberg article as a card, quotes linked
    thread = dom(SEED)
    card = thread.css("article.fc-post aside.fc-article")
    assert (
        "Henry Meyer" in card.css(".fc-byline::text").get()
        and "Bloomberg" in card.css(".fc-byline::text").get()
    )
    quoted = thread.css("blockquote.fc-quote cite a::attr(href)").get()
    assert quoted and thread.xpath(f'//article[@id="{quoted[1:]}"]')
    # and a post's own <script> and event handlers never reach the browser
    unsafe = dom("/forumcrawl/-/thread/127~2E0~2E0~2E1~3A361")
    assert unsafe.css(".fc-words") and not unsafe.css(".fc-words script, .fc-words img, .fc-words [onerror]")
    assert not unsafe.xpath('//*[@onerror or @onclick or starts-with(@href, "javascript:")]')


SEED = "/forumcrawl/-/thread/127~2E0~2E0~2E1~3A345"


def test_a_thread_page_reads_as_a_conversation_with_quotes_and_article_cards(forum_db):
    page = html(forum_db, SEED)
    assert page.css("h1.fc-thread-title::text").get().startswith("Russia Urges")
    posts = page.css("article.fc-post")
    db = sqlite_utils.Database(forum_db)
    assert (
        len(posts) == db.execute("select count(*) from posts where thread_id = '127.0.0.1:345'").fetchone()[0]
    )
    first = posts[0]
    assert first.css(".fc-author a::text").get() == "GeoStrat"
    assert first.css(".fc-title::text").get() == "Senior Member"
    assert first.css("time::attr(datetime)").get() == "2015-05-30T15:12:00+00:00"
    card = first.css("aside.fc-article")
    assert "Assad" in card.css("h3 ::text").get() and "Henry Meyer" in card.css(".fc-byline::text").get()
    assert "Bloomberg" in card.css(".fc-byline::text").get()
    # a quote of a post of this thread links to that post on the page
    links = page.css("blockquote.fc-quote cite a::attr(href)").getall()
    assert links and all(page.xpath(f'//article[@id="{href[1:]}"]') for href in links)
    assert page.css("figure.fc-chart svg rect")  # posts per month


def test_a_member_page_shows_their_posts_whom_they_quote_and_who_quotes_them(forum_db):
    page = html(forum_db, SEED)
    member = html(forum_db, page.css("article.fc-post .fc-author a::attr(href)").get())
    assert member.css("h1::text").get() == "GeoStrat"
    assert "joined 2011-03-18" in member.css("p.fc-meta::text").get()
    assert member.css("ul.fc-quotes-whom li") and member.css("ul.fc-quoted-by li a")
    db = sqlite_utils.Database(forum_db)
    count = db.execute("select count(*) from posts where author_name = 'GeoStrat'").fetchone()[0]
    assert len(member.css("p.fc-member-post")) == count


def test_tables_link_to_the_reading_pages_and_a_board_page_lists_its_threads(forum_db):
    threads = html(forum_db, "/forumcrawl/threads")
    assert SEED in threads.css("td.col-title a::attr(href)").getall()
    users = html(forum_db, "/forumcrawl/users")
    assert any("/-/member/" in href for href in users.css("td.col-name a::attr(href)").getall())
    board = html(
        forum_db, threads.css("td.col-board_id a::attr(href)").get().replace("/boards/", "/-/board/")
    )
    assert len(board.css("table.fc-threads tbody tr")) == sqlite_utils.Database(forum_db)["threads"].count


def test_post_html_is_shown_sanitised_never_as_it_came(forum_db):
    unsafe = html(forum_db, "/forumcrawl/-/thread/127~2E0~2E0~2E1~3A361")
    body = unsafe.css("article.fc-post .fc-words").get()
    assert "Look:" in body and "the report" in body
    for attack in ("<script", "onerror", "onclick", "javascript:", "<img", "alert("):
        assert attack not in body, attack
    image = unsafe.css('.fc-words a[href="https://evil.example/pixel.png"]')
    assert image.css("::text").get() == "[chart]" and "nofollow" in image.attrib["rel"]
    table = html(forum_db, "/forumcrawl/posts?thread_id=127.0.0.1%3A361")
    cell = table.css("td.col-body_html").get()
    assert "Look:" in cell and "onerror" not in cell and "<script" not in cell and "&lt;img" not in cell


def test_images_only_when_the_metadata_allows_them():
    from forumcrawl.browse.plugin import sanitise

    assert str(sanitise(UNSAFE)).count("<a ") == 3
    allowed = str(sanitise(UNSAFE, allow_images=True))
    assert '<img src="https://evil.example/pixel.png" alt="chart">' in allowed and "onerror" not in allowed
