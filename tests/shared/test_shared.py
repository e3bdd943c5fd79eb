"""A crawl shared by two worker processes through a real Redis (``forumcrawl/shared/scheduler.py``).

redis-server is Debian's (``.ci/run`` installs it); without it these tests skip and
say why. The forum is the live demo forum on 127.0.0.1; its own request log is the
witness of what the workers fetched.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import (
    content_rows,
    free_port,
    last_stats,
    live_crawl_command,
    stored_posts,
)
from live_forum import LiveForum

from forumcrawl.storage.merge import merge

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(
    REDIS_SERVER is None or importlib.util.find_spec("scrapy_redis") is None,
    reason="needs redis-server (apt-get install redis-server) and forumcrawl[shared]",
)


@pytest.fixture
def redis_url(tmp_path):
    import redis

    port = free_port()
    proc = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)


def start_worker(workdir: Path, forum: LiveForum, redis_url: str, *extra: str) -> subprocess.Popen:
    workdir.mkdir(exist_ok=True)
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "forumcrawl.settings"}
    command = live_crawl_command(
        workdir,
        f"{forum.root}/forums/",
        "-s",
        f"FORUMCRAWL_REDIS_URL={redis_url}",
        "-s",
        "FORUMCRAWL_REDIS_WORKER_TIMEOUT=3",
        *extra,
    )
    return subprocess.Popen(
        command, cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )


def finish(proc: subprocess.Popen) -> str:
    _out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err[-3000:]
    return err


def single_process_rows(tmp_path: Path, forum: LiveForum) -> dict:
    single = tmp_path / "single"
    single.mkdir()
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "forumcrawl.settings"}
    done = subprocess.run(
        live_crawl_command(single, f"{forum.root}/forums/"),
        cwd=single,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return content_rows(single / "forumcrawl.db")


def assert_same_rows(got: dict, want: dict) -> None:
    for table in want:
        assert got[table] == want[table], (
            table,
            len(got[table]),
            len(want[table]),
            [(a, b) for a, b in zip(got[table], want[table]) if a != b][:2],
        )


def test_two_workers_fetch_each_page_once_and_merge_to_the_single_process_rows(tmp_path, redis_url):
    import redis

    with LiveForum(delay=0.05) as forum:
        polite = ("-s", "DOWNLOAD_DELAY=0.25", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
        workers = [start_worker(tmp_path / name, forum, redis_url, *polite) for name in ("a", "b")]
        for proc in workers:
            finish(proc)
        fetched = Counter(forum.requests())
        times = list(forum.times)

        # every page of the forum, each fetched once between the two workers
        assert len(fetched) == 13 and set(fetched.values()) == {1}, fetched
        shards = [tmp_path / name / "forumcrawl.db" for name in ("a", "b")]
        pages = [sum(1 for _ in content_rows_of_pages(shard)) for shard in shards]
        assert all(pages) and sum(pages) == 13, pages  # both worked, neither twice

        # the delay held across the workers: leases on the site granted 0.25 s apart (arrivals
        # at the server jitter by how soon each worker sends once granted)
        gaps = sorted(b - a for a, b in zip(times, times[1:]))
        assert gaps[0] >= 0.2 and gaps[len(gaps) // 2] >= 0.25, gaps[:3]

        # the crawl's keys are gone (tomorrow's run starts a fresh frontier), but for the
        # mark that it is done, kept as long as a late worker of it may still start
        client = redis.Redis.from_url(redis_url)
        left = sorted(k.decode() for k in client.keys("forumcrawl:*") if not k.endswith(b":next"))
        assert left == ["forumcrawl:forum:done"], left
        assert 0 < client.ttl("forumcrawl:forum:done") <= 3

        merged = tmp_path / "merged.db"
        merge(merged, shards)
        once = content_rows(merged)
        merge(merged, shards)  # again: nothing changes
        assert content_rows(merged) == once
        assert_same_rows(once, single_process_rows(tmp_path, forum))

        # the next run, watermarks read from the merged database: only what is new is fetched
        since = len(forum.log)
        forum.reply(346, "A late reply to the F-35 thread.")
        second = (
            "-s",
            f"FORUMCRAWL_MARKS_DB={merged}",
            "-s",
            "FORUMCRAWL_REDIS_CRAWL=second",
            "-s",
            "FORUMCRAWL_REDIS_WORKER_TIMEOUT=30",
        )
        again = [start_worker(tmp_path / name, forum, redis_url, *second) for name in ("a2", "b2")]
        for proc in again:
            finish(proc)
        f35 = forum.thread(346)
        # (its last page had 2 posts of 4: the reply is on the same page)
        assert sorted(forum.requests(since)) == sorted(
            ["/forums/", "/forums/global-defence.12/", f35.page_url(3)]
        )

        # a worker of that crawl starting after it finished does not begin it again
        since = len(forum.log)
        finish(start_worker(tmp_path / "late", forum, redis_url, *second))
        assert forum.requests(since) == []
        assert last_stats(tmp_path / "late" / "forumcrawl.db")["forumcrawl/shared/late"] == 1


def content_rows_of_pages(db_path: Path):
    import sqlite_utils

    return sqlite_utils.Database(db_path).query("select url from pages")


def test_a_killed_worker_s_pages_are_taken_over_and_nothing_is_lost(tmp_path, redis_url):
    with LiveForum(delay=0.15) as forum:
        small_batches = ("-s", "FORUMCRAWL_BATCH_SIZE=5")
        killed = start_worker(tmp_path / "killed", forum, redis_url, *small_batches)
        deadline = time.monotonic() + 60
        while stored_posts(tmp_path / "killed") < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        survivor = start_worker(tmp_path / "survivor", forum, redis_url, *small_batches)
        os.kill(killed.pid, signal.SIGKILL)  # with pages leased and not yet stored
        killed.wait()
        assert stored_posts(tmp_path / "killed") < 29  # it died with work left
        finish(survivor)
        # what the dead worker had leased went back to the queue and was read by the survivor
        assert last_stats(tmp_path / "survivor" / "forumcrawl.db")["forumcrawl/shared/reclaimed"] > 0

        merged = tmp_path / "merged.db"
        merge(merged, [tmp_path / "killed" / "forumcrawl.db", tmp_path / "survivor" / "forumcrawl.db"])
        assert_same_rows(content_rows(merged), single_process_rows(tmp_path, forum))
