"""forumcrawl against its peers, forum-dl and forumscraper, on the same farm and thread set.

Builds a farm (``bench/farm.py``) with both forums on ``localhost`` (forumscraper refuses
URLs with an IP address; the two forums' paths do not collide), serves it with
keep-alive, and runs in interleaved rounds:

- the XenForo 2 forum: forumcrawl, forum-dl and forumscraper (both peers read XenForo 2);
- both forums: forumcrawl and forumscraper (forum-dl's phpBB extractor needs phpBB 3.2's
  markup, itemprop breadcrumbs and a board index, and cannot read the farm's phpBB 3.0
  prosilver pages, so it is measured on XenForo only).

Each run starts at the board page, as a user would, and is timed from process start to
exit. Figures per tool: wall seconds, pages/s (the farm pages of that thread set over
wall time), requests it made, posts it extracted against the manifest, peak RSS. Then
forumcrawl / peer pages/s, per round, as min/median/max.

The peers are installed in their own virtualenvs (their pins clash with ours)::

    python3.11 -m venv /tmp/peer-fdl && /tmp/peer-fdl/bin/pip install forum-dl 'pydantic<2'
    python3.12 -m venv /tmp/peer-fs && /tmp/peer-fs/bin/pip install forumscraper

    python bench/peers.py --forum-dl /tmp/peer-fdl/bin/forum-dl \\
        --forumscraper /tmp/peer-fs/bin/forumscraper [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import CRAWL_SETTINGS, Farm, become_subreaper, crawl, free_port, run_measured, summary


def forum_dl(exe: str, farm: Farm, work: Path, starts: list[str]) -> dict:
    out = work / "forum-dl.jsonl"
    before = farm.requests()
    wall, cpu, rss, _, pss = run_measured([exe, "-q", "-f", "jsonl", "-o", str(out), *starts], work)
    with out.open(encoding="utf-8") as lines:
        posts = sum(1 for line in lines if json.loads(line)["type"] == "post")
    return measured(farm, starts, wall, cpu, rss, posts, farm.requests() - before, pss)


def forumscraper(exe: str, farm: Farm, work: Path, starts: list[str], threads: int) -> dict:
    out = work / "forumscraper"
    out.mkdir()
    before = farm.requests()
    wall, cpu, rss, _, pss = run_measured(
        [
            exe,
            "-t",
            str(threads),
            "-d",
            str(out),
            "-l",
            str(work / "fs.log"),
            "-F",
            str(work / "fs.failed"),
            *starts,
        ],
        work,
    )
    posts = sum(len(json.loads(f.read_text(encoding="utf-8"))["posts"]) for f in out.iterdir())
    return measured(farm, starts, wall, cpu, rss, posts, farm.requests() - before, pss)


def forumcrawl(farm: Farm, work: Path, starts: list[str]) -> dict:
    before = farm.requests()
    got = crawl(farm, work, starts=starts)
    return measured(
        farm,
        starts,
        got["wall_s"],
        got["cpu_s_per_1000_pages"] * got["pages"] / 1000,
        got["peak_rss_mb"] * 1024,
        got["posts_stored"],
        farm.requests() - before,
        got["tree_peak_pss_mb"] * 1024,
    )


def forumcrawl_shared(farm: Farm, work: Path, starts: list[str], workers: int) -> dict:
    """``workers`` crawler processes sharing the crawl through a local redis-server, then
    ``forumcrawl merge``; timed from the first start to the end of the merge."""
    port = free_port()
    redis = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(work),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    (work / "urls.txt").write_text("\n".join(starts) + "\n", encoding="utf-8")
    before = farm.requests()
    results: list = [None] * workers
    try:
        start = time.perf_counter()

        def one(n: int) -> None:
            results[n] = run_measured(
                [
                    sys.executable,
                    "-m",
                    "scrapy",
                    "crawl",
                    "forum",
                    "-a",
                    "urls_file=urls.txt",
                    "-s",
                    f"FORUMCRAWL_DB={work / f'shard-{n}.db'}",
                    "-s",
                    f"FORUMCRAWL_REDIS_URL=redis://127.0.0.1:{port}/0",
                    *CRAWL_SETTINGS,
                ],
                work,
            )

        threads = [threading.Thread(target=one, args=(n,)) for n in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        merge_cmd = [
            sys.executable,
            "-m",
            "forumcrawl.cli",
            "merge",
            str(work / "merged.db"),
            *(str(work / f"shard-{n}.db") for n in range(workers)),
        ]
        subprocess.run(merge_cmd, check=True, capture_output=True)
        wall = time.perf_counter() - start
    finally:
        redis.terminate()
        redis.wait()
    with sqlite3.connect(work / "merged.db") as conn:
        posts = conn.execute("select count(*) from posts").fetchone()[0]
    return measured(
        farm,
        starts,
        wall,
        sum(r[1] for r in results),
        sum(r[2] for r in results),
        posts,
        farm.requests() - before,
        sum(r[4] for r in results),
    )


def measured(
    farm: Farm,
    starts: list[str],
    wall: float,
    cpu: float,
    rss_kb: int,
    posts: int,
    requests: int,
    pss_kb: int = 0,
) -> dict:
    """One tool's run: CPU of every process it started, memory as the peak RSS of its
    main process and the peak PSS of all its processes together (forumcrawl's reading
    workers included)."""
    pages = farm.pages_of(starts)
    return {
        "wall_s": wall,
        "pages_s": pages / wall,
        "cpu_s": cpu,
        "cpu_ms_per_page": cpu / pages * 1000,
        "peak_pss_mb": pss_kb / 1024,
        "requests": requests,
        "posts": posts,
        "posts_expected": farm.posts_of(starts),
        "peak_rss_mb": rss_kb / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--forum-dl", required=True, help="the forum-dl executable")
    parser.add_argument("--forumscraper", required=True, help="the forumscraper executable")
    parser.add_argument(
        "--forumscraper-threads", type=int, default=1, help="forumscraper's -t (default 1, its own default)"
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=200)
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--posts", type=int, default=20)
    parser.add_argument(
        "--shared-workers",
        type=int,
        default=0,
        help="also run forumcrawl as this many workers sharing the crawl through a"
        " local redis-server (forumcrawl[shared]), merge time included",
    )
    parser.add_argument(
        "--only-shared",
        action="store_true",
        help="run forumcrawl (one process and shared) and forumscraper on both forums only",
    )
    parser.add_argument("--json", type=Path, help="write the results here too")
    args = parser.parse_args()
    become_subreaper()
    tmp = Path(tempfile.mkdtemp(prefix="forumcrawl-peers-"))
    results: dict = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "runs": args.runs,
        "forumscraper_threads": args.forumscraper_threads,
    }
    tools = {
        "xenforo": {
            "forumcrawl": lambda farm, work, starts: forumcrawl(farm, work, starts),
            "forum-dl": lambda farm, work, starts: forum_dl(args.forum_dl, farm, work, starts),
            "forumscraper": lambda farm, work, starts: forumscraper(
                args.forumscraper, farm, work, starts, args.forumscraper_threads
            ),
        },
        "both": {
            "forumcrawl": lambda farm, work, starts: forumcrawl(farm, work, starts),
            "forumscraper": lambda farm, work, starts: forumscraper(
                args.forumscraper, farm, work, starts, args.forumscraper_threads
            ),
        },
    }
    if args.shared_workers:
        tools["both"][f"forumcrawl_x{args.shared_workers}"] = lambda farm, work, starts: forumcrawl_shared(
            farm, work, starts, args.shared_workers
        )
    if args.only_shared:
        del tools["xenforo"]
    rounds: list[dict] = []
    try:
        with Farm(tmp / "farm", args.threads, args.pages, args.posts, phpbb_host="localhost") as farm:
            results["farm"] = farm.manifest
            sets = {"xenforo": [farm.manifest["sites"]["xenforo2"]["start"]], "both": farm.starts}
            for i in range(args.runs):
                one: dict = {}
                for set_name, runners in tools.items():
                    for tool, run in runners.items():
                        work = tmp / f"{i}-{set_name}-{tool}"
                        work.mkdir()
                        one[f"{set_name}/{tool}"] = got = run(farm, work, sets[set_name])
                        shutil.rmtree(work)
                        print(
                            f"round {i + 1} {set_name:8} {tool:12} {got['pages_s']:6.1f} pages/s "
                            f"{got['wall_s']:6.1f} s  {got['posts']}/{got['posts_expected']} posts  "
                            f"{got['requests']} requests  {got['cpu_ms_per_page']:.1f} CPU ms/page  "
                            f"{got['peak_rss_mb']:.0f} MB RSS, {got['peak_pss_mb']:.0f} MB PSS (all processes)",
                            flush=True,
                        )
                rounds.append(one)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    results["rounds"] = rounds
    results["summary"] = {}
    for key in rounds[0]:
        results["summary"][key] = {
            measure: summary([r[key][measure] for r in rounds])
            for measure in (
                "pages_s",
                "wall_s",
                "cpu_ms_per_page",
                "peak_rss_mb",
                "peak_pss_mb",
                "requests",
                "posts",
            )
        }
        results["summary"][key]["all_posts"] = all(
            r[key]["posts"] == r[key]["posts_expected"] for r in rounds
        )
        set_name, tool = key.split("/")
        if not tool.startswith("forumcrawl"):
            for ours in (k.split("/")[1] for k in rounds[0] if k.startswith(f"{set_name}/forumcrawl")):
                results["summary"][f"{set_name}/{ours}_over_{tool}"] = summary(
                    [r[f"{set_name}/{ours}"]["pages_s"] / r[key]["pages_s"] for r in rounds]
                )
                results["summary"][f"{set_name}/{ours}_cpu_over_{tool}"] = summary(
                    [r[f"{set_name}/{ours}"]["cpu_ms_per_page"] / r[key]["cpu_ms_per_page"] for r in rounds]
                )
    print(json.dumps(results["summary"], indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
