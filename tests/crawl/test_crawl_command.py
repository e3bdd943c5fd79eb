"""``forumcrawl crawl``: the spider with forumcrawl's settings from any folder, as a
``pip install`` leaves it (no ``scrapy.cfg``, no ``SCRAPY_SETTINGS_MODULE``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import DEMO, DEMO_HOST, content_rows
from live_forum import BOARD, Fault, LiveForum


def forumcrawl_crawl(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """The installed command, in a folder that has nothing of Scrapy's."""
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    command = shutil.which("forumcrawl", path=str(Path(sys.executable).parent))
    assert command, "the forumcrawl script is installed beside this Python"
    return subprocess.run(
        [command, "crawl", *args, "-s", "LOG_LEVEL=INFO"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_forumcrawl_crawl_from_an_empty_folder_stores_what_scrapy_crawl_stores(tmp_path, demo_db):
    folder = tmp_path / "anywhere"
    folder.mkdir()
    result = forumcrawl_crawl(folder, f"{DEMO_HOST}/forums/", "-s", f"FORUMCRAWL_REPLAY_DIR={DEMO}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(p.name for p in folder.iterdir()) == ["forumcrawl.db", "forumcrawl.db.lock"]
    assert content_rows(folder / "forumcrawl.db") == content_rows(demo_db)


def test_forumcrawl_crawl_against_a_live_forum_with_db_full_and_its_exit_status(tmp_path):
    with LiveForum() as forum:
        fast = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False")
        db = tmp_path / "data" / "forums.db"
        urls = tmp_path / "forums.txt"
        urls.write_text(f"# the forum\n{forum.root}/forums/\n", encoding="utf-8")
        result = forumcrawl_crawl(tmp_path, "--urls-file", str(urls), "--db", str(db), *fast)
        assert result.returncode == 0, result.stderr[-3000:]
        assert len(content_rows(db)["posts"]) == 29
        first = forum.requests()

        since = len(forum.log)
        result = forumcrawl_crawl(tmp_path, f"{forum.root}/forums/", "--db", str(db), "--full", *fast)
        assert result.returncode == 0, result.stderr[-3000:]
        assert sorted(forum.requests(since)) == sorted(first)  # everything again

        forum.faults[f"{BOARD}page-2"] = [Fault(status=500)] * 10
        result = forumcrawl_crawl(tmp_path, f"{forum.root}/forums/", "--db", str(db), "--full", *fast)
        assert result.returncode == 1, result.stderr[-3000:]  # the crawl command's status, passed on
        assert "page_lost: HTTP 500" in result.stderr


def test_forumcrawl_crawl_without_urls_or_with_an_unreadable_list_says_so_in_one_line(tmp_path):
    result = forumcrawl_crawl(tmp_path)
    assert result.returncode == 2 and "give a forum, board or thread URL" in result.stderr
    result = forumcrawl_crawl(tmp_path, "--urls-file", str(tmp_path / "none.txt"))
    assert result.returncode == 2
    assert f"cannot read the URLs file {tmp_path / 'none.txt'}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "forumcrawl.db").exists()
