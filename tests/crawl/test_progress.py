"""A crawl that talks: progress lines under cron, a live status line on a terminal, and
a summary at the end instead of Scrapy's stats dump."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
from datetime import UTC, datetime, timedelta

from conftest import last_run, live_crawl_command, run_live
from live_forum import BOARD, Fault, LiveForum

from forumcrawl.crawl.extensions.progress import progress_line, summary

ENV = {**os.environ, "SCRAPY_SETTINGS_MODULE": "forumcrawl.settings"}


def test_under_cron_progress_lines_then_a_summary_and_scrapys_stats_only_in_the_database(tmp_path):
    with LiveForum(delay=0.1) as forum:
        result = run_live(tmp_path, f"{forum.root}/forums/", "-s", "FORUMCRAWL_PROGRESS_INTERVAL=0.3")
    assert result.returncode == 0, result.stderr[-2000:]
    progress = [line for line in result.stderr.splitlines() if "progress: " in line]
    assert progress and all("pages (" in line and "posts stored" in line for line in progress)
    assert "Dumping Scrapy stats" not in result.stderr and "Crawled 0 pages" not in result.stderr
    tail = result.stderr.splitlines()[-4:]
    assert (
        tail[0].startswith("forumcrawl: run finished in ")
        and "29 posts stored (29 new, 0 seen before)" in tail[0]
    )
    assert tail[1] == "  127.0.0.1: 29 posts (29 new)"
    assert tail[2].startswith("exit status 0: ")
    assert tail[3] == f"next: forumcrawl serve {tmp_path / 'forumcrawl.db'}"
    stats = json.loads(last_run(tmp_path / "forumcrawl.db")["stats"])
    assert stats["forumcrawl/stored/new_posts"] == 29 and stats["response_received_count"] > 0


def test_the_second_run_counts_posts_seen_before_and_a_failure_is_named_in_the_summary(tmp_path):
    with LiveForum() as forum:
        assert run_live(tmp_path, f"{forum.root}/forums/").returncode == 0
        forum.faults[f"{BOARD}page-2"] = [Fault(status=500)] * 10
        result = run_live(tmp_path, f"{forum.root}/forums/", "-a", "full=1")
    assert result.returncode == 1
    summary_lines = result.stderr[result.stderr.index("forumcrawl: run finished") :].splitlines()
    assert "(0 new, " in summary_lines[0]
    assert summary_lines[2] == "  1 failure:" and summary_lines[3].startswith("    page_lost: HTTP 500 for ")
    assert summary_lines[4].startswith("exit status 1: the run failed")


def test_on_a_terminal_a_live_status_line_instead_of_log_lines(tmp_path):
    with LiveForum(delay=0.3) as forum:
        master, slave = pty.openpty()
        proc = subprocess.Popen(
            live_crawl_command(tmp_path, f"{forum.root}/forums/", "-s", "LOG_LEVEL=WARNING"),
            cwd=tmp_path,
            env={**ENV, "COLUMNS": "200", "TERM": "xterm"},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=slave,
        )
        os.close(slave)
        seen = b""
        while True:
            ready, _, _ = select.select([master], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the crawl closed its end
                break
            if not chunk:
                break
            seen += chunk
        proc.wait(timeout=60)
        os.close(master)
    text = seen.decode("utf-8", "replace")
    assert proc.returncode == 0, text[-2000:]
    assert "forumcrawl: " in text and " pages (" in text and "pages queued" in text  # the live line
    assert "\x1b[" in text  # drawn with terminal codes
    assert "progress: " not in text  # not the log lines of cron
    assert "forumcrawl: run finished in " in text and "Traceback" not in text


def test_the_progress_line_and_the_summary_say_what_they_should():
    stats = {
        "response_received_count": 120,
        "forumcrawl/stored/posts": 1500,
        "forumcrawl/stored/new_posts": 400,
        "scheduler/enqueued": 150,
        "scheduler/dequeued": 121,
        "forumcrawl/failures": ["page_lost: HTTP 500 for https://f.example/t/1"],
    }
    assert progress_line(stats, 60.0) == (
        "120 pages (120/min), 1500 posts stored (400 new, 1100 seen before), 29 pages queued, 1 failure"
    )
    start = datetime(2026, 11, 30, 3, 17, tzinfo=UTC)
    stats |= {
        "start_time": start,
        "finish_time": start + timedelta(seconds=95),
        "finish_reason": "finished",
        "forumcrawl/stored/posts/f.example": 1500,
        "forumcrawl/stored/new_posts/f.example": 400,
        "forumcrawl/stored/revisions": 3,
    }
    text = summary(stats, stats["forumcrawl/failures"], "forums.db", 1)
    assert text.splitlines() == [
        "forumcrawl: run finished in 95 s: 120 pages fetched, 1500 posts stored (400 new, 1100 seen before),"
        " 3 edited, 0 gone",
        "  f.example: 1500 posts (400 new)",
        "  1 failure:",
        "    page_lost: HTTP 500 for https://f.example/t/1",
        "exit status 1: the run failed: what it missed is listed above and in crawl_runs.failures;"
        " the next ordinary run fetches it",
        "next: forumcrawl serve forums.db",
    ]
