import json
import subprocess
import sys

from conftest import FIXTURES, SEED_THREAD

SEED_PAGE = (
    FIXTURES
    / "site/defence-forum.example/threads/russia-urges-u-s-to-enlist-syrias-assad-to-fight-islamic-state.345/index.html"
)
POST_FIELDS = {
    "post_id",
    "url",
    "position",
    "author",
    "author_url",
    "author_title",
    "author_joined",
    "posted_at",
    "body_text",
    "body_html",
    "quotes",
    "signature",
}


def extract(*args):
    return subprocess.run(
        [sys.executable, "-m", "forumcrawl.cli", "extract", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_extract_prints_thread_posts_and_articles():
    result = extract(SEED_PAGE, "--url", SEED_THREAD)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records[0]["type"] == "thread" and records[0]["title"].startswith("Russia Urges")
    posts = [r for r in records if r["type"] == "post"]
    assert len(posts) == 4 and all(set(p) >= POST_FIELDS for p in posts)
    assert posts[0]["author_title"] == "Senior Member" and posts[0]["author_joined"] == "2011-03-18"
    assert posts[1]["quotes"][0] == {
        "author": "GeoStrat",
        "post_id": "1001",
        "user_id": "512",
        "text": posts[1]["quotes"][0]["text"],
        "depth": 1,
    }
    articles = [r for r in records if r["type"] == "article"]
    assert [(a["byline"], a["published_at"], a["outlet"]) for a in articles] == [
        ("Henry Meyer", "2015-05-30", "Bloomberg")
    ]


def test_extract_on_a_board_page_lists_threads():
    board = FIXTURES / "site/defence-forum.example/forums/global-defence.12/index.html"
    result = extract(board, "--url", "https://defence-forum.example/forums/global-defence.12/")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    links = [r for r in records if r["type"] == "thread_link"]
    assert len(links) == 4 and links[0]["reply_count"] == 5
    assert records[0]["type"] == "board" and records[0]["next_url"].endswith("/page-2")


def test_extract_names_the_reader_when_the_engine_misses_the_posts(tmp_path):
    page = tmp_path / "restyled.html"
    page.write_text(SEED_PAGE.read_text(encoding="utf-8").replace("message--post", "gone"), encoding="utf-8")
    result = extract(page)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records[0]["engine"] == "xenforo2" and records[0]["reader"] == "generic"
    assert "xenforo2 found no post" in records[0]["reader_notes"][0]
    posts = [r for r in records if r["type"] == "post"]
    assert posts and posts[0]["author"] == "GeoStrat" and posts[0]["site_id"] == "defence-forum.example"


def test_extract_fails_clearly_on_a_page_without_posts(tmp_path):
    page = tmp_path / "empty.html"
    text = SEED_PAGE.read_text(encoding="utf-8")
    head, _sep, _rest = text.partition('<div class="p-body-pageContent">')
    page.write_text(head + '<div class="p-body-pageContent"></div></div></body></html>', encoding="utf-8")
    result = extract(page)
    assert result.returncode == 1 and "zero posts" in result.stderr and result.stdout == ""


def test_extract_missing_file():
    result = extract("/nonexistent/page.html")
    assert result.returncode == 2 and "cannot read" in result.stderr


def test_every_command_that_opens_a_database_takes_it_first_or_as_db():
    from forumcrawl.cli import build_parser, resolve_database

    parser = build_parser()

    def db_of(*argv: str) -> str:
        args = parser.parse_args(list(argv))
        resolve_database(parser, args)
        return args.db

    for command, rest in (
        ("serve", ()),
        ("stats", ()),
        ("export", ()),
        ("reparse", ()),
        ("metadata", ()),
        ("export-warc", ("out.warc.gz",)),
    ):
        assert db_of(command, "my.db", *rest) == db_of(command, *rest, "--db", "my.db") == "my.db", command
        assert db_of(command, *rest) == "forumcrawl.db", command
    assert db_of("import-warc", "a.warc.gz", "--db", "my.db") == "my.db"
    assert db_of("crawl", "https://f.example/", "--db", "my.db") == "my.db"
