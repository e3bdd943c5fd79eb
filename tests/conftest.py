"""Shared test helpers: fixture paths and a real ``scrapy crawl`` in a subprocess."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
DEMO = FIXTURES / "site"
DEMO_HOST = "https://defence-forum.example"
SEED_THREAD = f"{DEMO_HOST}/threads/russia-urges-u-s-to-enlist-syrias-assad-to-fight-islamic-state.345/"


def run_crawl(
    workdir: Path, url: str | None, replay: Path = DEMO, *extra: str
) -> subprocess.CompletedProcess:
    """``scrapy crawl forum`` as a user runs it, offline against a replay directory,
    writing ``workdir/forumcrawl.db``. ``url=None``: the start comes from ``extra``."""
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "forumcrawl.settings"}
    start = ["-a", f"url={url}"] if url else []
    cmd = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "forum",
        *start,
        "-s",
        f"FORUMCRAWL_REPLAY_DIR={replay}",
        "-s",
        f"FORUMCRAWL_DB={workdir / 'forumcrawl.db'}",
        "-s",
        "LOG_LEVEL=INFO",
        *extra,
    ]
    return subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=300)


def live_crawl_command(workdir: Path, url: str, *extra: str) -> list[str]:
    """``scrapy crawl forum`` against a live server (no replay), fast and without robots
    delays: the server is ours, on 127.0.0.1."""
    return [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "forum",
        "-a",
        f"url={url}",
        "-s",
        f"FORUMCRAWL_DB={workdir / 'forumcrawl.db'}",
        "-s",
        "LOG_LEVEL=INFO",
        "-s",
        "DOWNLOAD_DELAY=0",
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
        *extra,
    ]


def run_live(workdir: Path, url: str, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "forumcrawl.settings"}
    return subprocess.run(
        live_crawl_command(workdir, url, *extra),
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


# The tables a crawl fills with what it read (not its runs, not its page archive).
CONTENT_TABLES = ("sites", "boards", "threads", "users", "posts", "quotes", "articles", "post_revisions")


def content_rows(db_path: Path) -> dict[str, list[dict]]:
    db = sqlite_utils.Database(db_path)
    return {t: list(db.query(f"select * from [{t}] order by id")) for t in CONTENT_TABLES}


def foreign_database(path: Path) -> bytes:
    """Another program's SQLite file, with a ``posts`` table of its own; returns its bytes."""
    conn = sqlite3.connect(path)
    conn.execute("create table posts (id integer primary key, title text, votes integer)")
    conn.execute("insert into posts values (1, 'their row', 3)")
    conn.commit()
    conn.close()
    return path.read_bytes()


def last_run(db_path: Path) -> dict:
    """The newest ``crawl_runs`` row."""
    return next(sqlite_utils.Database(db_path).query("select * from crawl_runs order by id desc limit 1"))


def last_stats(db_path: Path) -> dict:
    return json.loads(last_run(db_path)["stats"])


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """The demo forum crawled once, from its index, into a fresh database."""
    work = tmp_path_factory.mktemp("demo")
    result = run_crawl(work, f"{DEMO_HOST}/forums/")
    assert result.returncode == 0, result.stderr[-3000:]
    return work / "forumcrawl.db"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 for a test's own server."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stored_posts(workdir: Path) -> int:
    """Posts a (possibly running) crawl in ``workdir`` has committed so far."""
    try:
        conn = sqlite3.connect(f"file:{workdir / 'forumcrawl.db'}?mode=ro", uri=True, timeout=1)
        try:
            return conn.execute("select count(*) from posts").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0
