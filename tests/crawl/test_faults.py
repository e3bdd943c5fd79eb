"""Faults a live forum on 127.0.0.1 throws at a run: bursts of 500s, 429 with
Retry-After, a truncated response, a challenge page, robots.txt's Crawl-delay."""

from __future__ import annotations

import json
from datetime import UTC

import sqlite_utils
from conftest import last_run, last_stats, run_live
from live_forum import BOARD, Fault, LiveForum

from forumcrawl.crawl.middlewares.retry import retry_after_seconds

F35 = 346
CHALLENGE = (
    b'<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title></head>'
    b'<body><div id="challenge-running">Checking if the site connection is secure</div>'
    b'<script src="/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1"></script>'
    b"</body></html>"
)


def posts(tmp_path) -> int:
    return sqlite_utils.Database(tmp_path / "forumcrawl.db")["posts"].count


def test_a_burst_of_500s_is_retried_and_loses_nothing(tmp_path):
    with LiveForum() as forum:
        page2 = forum.thread(F35).page_url(2)
        forum.faults[page2] = [Fault(status=500), Fault(status=500)]
        result = run_live(tmp_path, f"{forum.root}/forums/")
        assert result.returncode == 0, result.stderr[-2000:]
        assert [s for p, s in forum.log if p == page2] == [500, 500, 200]
        assert posts(tmp_path) == 29


def test_429_with_retry_after_is_waited_for(tmp_path):
    with LiveForum() as forum:
        # the site stays at that pace for the run: 1 s keeps this test short
        forum.faults[BOARD] = [Fault(status=429, headers=(("Retry-After", "1"),))]
        result = run_live(tmp_path, f"{forum.root}/forums/")
        assert result.returncode == 0, result.stderr[-2000:]
        hits = [i for i, (path, _s) in enumerate(forum.log) if path == BOARD]
        assert [forum.log[i][1] for i in hits] == [429, 200]
        assert forum.times[hits[1]] - forum.times[hits[0]] >= 0.95  # never less than asked
        later = [t for (path, _s), t in zip(forum.log, forum.times) if path != "/robots.txt"][2:]
        assert min(b - a for a, b in zip(later, later[1:])) >= 0.95
        assert last_stats(tmp_path / "forumcrawl.db")["forumcrawl/retry_after"] == 1
        assert posts(tmp_path) == 29


def test_retry_after_as_seconds_or_http_date():
    from datetime import datetime

    now = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds(b"120") == 120
    assert retry_after_seconds("Tue, 24 Nov 2026 12:01:30 GMT", now) == 90
    assert retry_after_seconds(b"soon") is None and retry_after_seconds(None) is None


def test_truncated_response_stores_nothing_from_it_and_the_next_run_completes_the_thread(tmp_path):
    with LiveForum() as forum:
        page3 = forum.thread(F35).page_url(3)
        forum.faults[page3] = [Fault(truncate=True)]
        result = run_live(tmp_path, f"{forum.root}/forums/")
        assert result.returncode == 1, result.stderr[-2000:]  # the run lost a page
        assert "truncated" in result.stderr
        assert any(
            f.startswith("page_lost: truncated download")
            for f in json.loads(last_run(tmp_path / "forumcrawl.db")["failures"])
        )
        assert posts(tmp_path) == 27  # page 3's two posts are missing, nothing half-stored
        row = sqlite_utils.Database(tmp_path / "forumcrawl.db")["threads"].get("127.0.0.1:346")
        assert (row["last_page"], row["page_count"]) == (2, 3)

        since = len(forum.log)
        result = run_live(tmp_path, f"{forum.root}/forums/")
        assert result.returncode == 0, result.stderr[-2000:]
        assert posts(tmp_path) == 29
        assert page3 in forum.requests(since)


def test_challenge_page_fails_the_run_and_stops_requests_to_the_site(tmp_path):
    with LiveForum() as forum:
        forum.faults[BOARD] = [Fault(status=503, body=CHALLENGE)] * 5
        result = run_live(tmp_path, f"{forum.root}/forums/")
        assert result.returncode == 1
        assert "blocked" in result.stderr and "challenge" in result.stderr
        # the index, then the board's challenge: never retried, nothing after it
        assert forum.requests() == ["/forums/", BOARD]
        run = last_run(tmp_path / "forumcrawl.db")
        assert run["failed"] == 1 and "challenge" in run["failures"]
        assert last_stats(tmp_path / "forumcrawl.db")["forumcrawl/blocked/challenge"] == 1


def test_robots_crawl_delay_is_honoured(tmp_path):
    with LiveForum() as forum:
        forum.robots = "User-agent: *\nCrawl-delay: 1\nDisallow: /members/\n"
        thread = forum.thread(F35)
        result = run_live(tmp_path, f"{forum.root}{thread.url}")
        assert result.returncode == 0, result.stderr[-2000:]
        times = [t for (path, _s), t in zip(forum.log, forum.times) if path != "/robots.txt"]
        assert len(times) == 3
        assert min(b - a for a, b in zip(times, times[1:])) >= 0.9
        assert last_stats(tmp_path / "forumcrawl.db")["forumcrawl/crawl_delay/127.0.0.1"] == 1.0


def test_cookies_file_logs_the_crawl_in(tmp_path):
    cookies = tmp_path / "cookies.txt"
    cookies.write_text(
        "# Netscape HTTP Cookie File\n"
        "127.0.0.1\tFALSE\t/\tFALSE\t4102444800\txf_user\t4410%2Cdeadbeef\n"
        "forum.elsewhere.example\tFALSE\t/\tFALSE\t4102444800\tother\tno\n"
    )
    with LiveForum() as forum:
        result = run_live(tmp_path, f"{forum.root}/forums/", "-s", f"FORUMCRAWL_COOKIES={cookies}")
        assert result.returncode == 0, result.stderr[-2000:]
        sent = [c for (path, _s), c in zip(forum.log, forum.cookies) if path != "/robots.txt"]
        assert len(sent) == 13 and all(c == "xf_user=4410%2Cdeadbeef" for c in sent)


def test_unreadable_cookies_file_fails_the_run(tmp_path):
    with LiveForum() as forum:
        result = run_live(
            tmp_path, f"{forum.root}/forums/", "-s", f"FORUMCRAWL_COOKIES={tmp_path / 'none.txt'}"
        )
        assert result.returncode == 1 and "cannot read cookies file" in result.stderr
        assert forum.requests() == []


def thread_posts(tmp_path, page_url: str) -> int:
    db = sqlite_utils.Database(tmp_path / "forumcrawl.db")
    return db.execute("select count(*) from posts where page_url like ?", [f"%{page_url}"]).fetchone()[0]


def test_oversized_page_fails_the_run_and_names_the_limit_to_raise(tmp_path):
    with LiveForum() as forum:
        page2 = forum.thread(F35).page_url(2)
        big = forum.render(page2).replace("</body>", f"<!--{'x' * 300_000}--></body>")
        forum.faults[page2] = [Fault(body=big.encode())]
        result = run_live(tmp_path, f"{forum.root}/forums/", "-s", "DOWNLOAD_MAXSIZE=200000")
        assert result.returncode == 1
        assert "larger than DOWNLOAD_MAXSIZE (200000 bytes)" in result.stderr
        run = last_run(tmp_path / "forumcrawl.db")
        assert run["failed"] == 1 and "page_too_large" in run["failures"]
        assert thread_posts(tmp_path, page2) == 0 and posts(tmp_path) < 29

        result = run_live(tmp_path, f"{forum.root}/forums/")  # the limit raised: all of it
        assert result.returncode == 0, result.stderr[-2000:]
        assert posts(tmp_path) == 29


def test_redirect_loop_is_reported_and_bounded(tmp_path):
    with LiveForum() as forum:
        page2 = forum.thread(F35).page_url(2)
        forum.faults[page2] = [Fault(status=302, body=b"", headers=(("Location", page2),))] * 50
        result = run_live(tmp_path, f"{forum.root}/forums/")
        # the forum's fault, yet the run could not store page 2: cron must hear of it
        assert result.returncode == 1, result.stderr[-2000:]
        assert "redirect loop, given up after 8 redirects" in result.stderr
        assert forum.requests().count(page2) == 9  # REDIRECT_MAX_TIMES, not forever
        assert last_stats(tmp_path / "forumcrawl.db")["forumcrawl/errors/redirect_loop"] == 1
        assert thread_posts(tmp_path, page2) == 0


def test_a_redirect_back_to_the_page_asked_for_is_followed(tmp_path):
    # a cookie or login bounce: page -> /login/bounce -> page; the second answer is the page
    with LiveForum() as forum:
        page2 = forum.thread(F35).page_url(2)
        forum.faults[page2] = [Fault(status=302, body=b"", headers=(("Location", "/login/bounce"),))]
        forum.faults["/login/bounce"] = [Fault(status=302, body=b"", headers=(("Location", page2),))]
        result = run_live(tmp_path, f"{forum.root}/forums/")
        assert result.returncode == 0, result.stderr[-2000:]
        assert [s for p, s in forum.log if p in (page2, "/login/bounce")] == [302, 302, 200]
        assert posts(tmp_path) == 29


def test_pathologically_deep_html_is_an_error_and_the_page_is_kept(tmp_path):
    with LiveForum() as forum:
        page2 = forum.thread(F35).page_url(2)
        deep = forum.render(page2).replace(
            '<div class="bbWrapper">',
            '<div class="bbWrapper">' + "<div>" * 3000 + "deep" + "</div>" * 3000,
            1,
        )
        forum.faults[page2] = [Fault(body=deep.encode())]
        result = run_live(tmp_path, f"{forum.root}/forums/")
        assert result.returncode == 1, result.stderr[-2000:]
        assert "HTML nested too deep to read" in result.stderr
        db = sqlite_utils.Database(tmp_path / "forumcrawl.db")
        assert last_stats(tmp_path / "forumcrawl.db")["forumcrawl/errors/too_deep"] == 1
        # nothing half-read is stored; the page itself is archived for a later reparse
        assert thread_posts(tmp_path, page2) == 0
        assert [r["kind"] for r in db.query("select kind from pages where url like ?", [f"%{page2}"])] == [
            "too_deep"
        ]

        result = run_live(tmp_path, f"{forum.root}/forums/")
        assert result.returncode == 0, result.stderr[-2000:]
        assert posts(tmp_path) == 29
