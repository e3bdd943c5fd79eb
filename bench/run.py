"""forumcrawl against its own limits on a forum farm, every figure from one run of this script.

Builds a farm (``bench/farm.py``: XenForo 2 and phpBB 3, real markup), serves it on
127.0.0.1 (``bench/serve_farm.py``, keep-alive) and measures, in interleaved rounds:

- parse-only: ``read_page`` (decode, lxml, engine reader, normalise) over every thread page,
  on one core, each page read with its site's engine known as in a crawl, beside two
  floors timed page by page in turn with it: a minimal lxml extractor of four fields a post
  (``bench/floor_extractor.py``) and a hand-written lxml extractor of every stored field,
  for the farm's markup only (``bench/floor_full.py``);
- end to end: ``scrapy crawl forum`` over both forums into a fresh SQLite database
  (boards, threads, every page, normalisation, validation, storage, page archive);
  pages/s, posts/s, CPU seconds per 1000 pages and cores used (every process the crawl
  starts, its reading workers included), peak RSS of the crawl's process and peak PSS
  of all its processes together, posts stored against the manifest;
- re-parse: ``forumcrawl reparse --out`` from that crawl's page archive into a fresh
  database (pages per CPU second, and per wall second with its workers);
- the Scrapy floor: plain Scrapy fetching the same thread pages and doing nothing with
  them (``bench/floor_spider.py``), the most any Scrapy spider could reach here;

then prints min/median/max per measure and the ratios end-to-end / parse-only,
re-parse / parse-only and end-to-end / Scrapy floor. ``--memory`` adds one crawl of a
farm ten times larger, with the crawler's peak RSS read at a tenth of it and at the end.

    python bench/run.py [--runs 5] [--threads 200] [--pages 5] [--posts 20] [--memory]
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import platform
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import farm as farm_builder
from parse_only import thread_pages

CRAWL_SETTINGS = (
    "-s",
    "LOG_LEVEL=WARNING",
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "AUTOTHROTTLE_ENABLED=False",
    "-s",
    "CONCURRENT_REQUESTS=32",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=16",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Farm:
    def __init__(
        self, root: Path, threads: int, pages: int, posts: int, phpbb_host: str = "127.0.0.1"
    ) -> None:
        self.root = root
        self.port = free_port()
        self.manifest = farm_builder.build(
            root, threads, pages, posts, f"localhost:{self.port}", f"{phpbb_host}:{self.port}"
        )
        self.log = root / "requests.log"
        self.server = None

    def __enter__(self) -> Farm:
        self.server = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "serve_farm.py"),
                str(self.root),
                "--port",
                str(self.port),
                "--log",
                str(self.log),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.server.stdout.readline()  # "serving ..."
        return self

    def __exit__(self, *exc) -> None:
        self.server.terminate()
        self.server.wait()

    @property
    def starts(self) -> list[str]:
        return [site["start"] for site in self.manifest["sites"].values()]

    @property
    def posts(self) -> int:
        return sum(site["posts"] for site in self.manifest["sites"].values())

    def posts_of(self, starts: list[str]) -> int:
        return sum(site["posts"] for site in self.manifest["sites"].values() if site["start"] in starts)

    def pages_of(self, starts: list[str]) -> int:
        return sum(site["pages"] for site in self.manifest["sites"].values() if site["start"] in starts)

    @property
    def pages(self) -> int:
        return sum(site["pages"] for site in self.manifest["sites"].values())

    def thread_pages(self) -> list[tuple[str, bytes]]:
        return thread_pages(self.root, self.manifest)

    def requests(self) -> int:
        return sum(1 for _ in self.log.open(encoding="utf-8")) if self.log.exists() else 0


def parse_only(farm: Farm, tree: Path | None = None) -> dict:
    """``bench/parse_only.py`` in a child process (with ``tree`` first on its path)."""
    env = {**os.environ, **({"PYTHONPATH": str(tree)} if tree else {})}
    out = subprocess.run(
        [sys.executable, str(HERE / "parse_only.py"), str(farm.root)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def peak_rss_kb(pid: int) -> int | None:
    """The process's own peak RSS (VmHWM), or None once it has exited."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM")), None)


def become_subreaper() -> None:
    """Processes the measured command leaves behind (the reading workers' fork server)
    become this script's children when their parent exits, so their CPU time is
    collected here instead of by init (Linux; elsewhere they go uncounted)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def children() -> dict[int, list[int]]:
    """Every process's children, from /proc's parent links."""
    out: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return out


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    below = children()
    out, todo = [], [pid]
    while todo:
        one = todo.pop()
        out.append(one)
        todo += below.get(one, [])
    return out


def pss_kb(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in text.splitlines() if line.startswith("Pss:")), 0)


def reap_left_behind(known: set[int], timeout: float = 10.0) -> float:
    """Wait for the children this script inherited from the measured command (see
    :func:`become_subreaper`); their CPU seconds, their own children's included."""
    cpu, deadline = 0.0, time.monotonic() + timeout
    while time.monotonic() < deadline:
        inherited = [p for p in children().get(os.getpid(), []) if p not in known]
        if not inherited:
            break
        for pid in inherited:
            try:
                _pid, _status, usage = os.wait4(pid, 0)
            except ChildProcessError:
                continue
            cpu += usage.ru_utime + usage.ru_stime
    return cpu


def run_measured(
    cmd: list[str],
    cwd: Path,
    watch=None,
    settings_module: str | None = "forumcrawl.settings",
    tree: Path | None = None,
) -> tuple[float, float, int, object, int]:
    """Run ``cmd``; its wall seconds, CPU seconds (every process it started), peak RSS
    of its own process (KB), what ``watch`` saw, and the peak PSS (KB) of all its
    processes together (workers share the pages their fork server loaded: PSS counts a
    shared page once across them, RSS once in each).

    The peak RSS is polled from ``/proc`` while the command runs: ``ru_maxrss`` from
    ``wait4`` would report this benchmark's own size, which the child had between fork
    and exec (Linux keeps that in the child's maximum).
    """
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    if settings_module:
        env["SCRAPY_SETTINGS_MODULE"] = settings_module
    if tree:  # another checkout, measured on the same farm (--against)
        env["PYTHONPATH"] = str(tree)
    known = set(descendants(os.getpid()))
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    peak, tree_peak = [0], [0]

    def poll() -> None:
        beat = 0
        while proc.returncode is None:
            kb = peak_rss_kb(proc.pid)
            if kb is None:
                return
            peak[0] = max(peak[0], kb)
            if beat % 10 == 0:  # PSS walks page tables: every 0.2 s
                tree_peak[0] = max(tree_peak[0], sum(pss_kb(p) for p in descendants(proc.pid)))
            beat += 1
            time.sleep(0.02)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    seen = watch(proc) if watch else None
    stderr = proc.stderr.read()  # drained while it runs: a full pipe would stall the crawl
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    poller.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:6])}... failed:\n{stderr[-3000:]}")
    cpu = usage.ru_utime + usage.ru_stime + reap_left_behind(known)
    return wall, cpu, peak[0], seen, tree_peak[0]


def crawl(
    farm: Farm,
    work: Path,
    watch=None,
    starts: list[str] | None = None,
    settings: tuple[str, ...] = CRAWL_SETTINGS,
    tree: Path | None = None,
) -> dict:
    starts = starts or farm.starts
    work.mkdir(parents=True, exist_ok=True)
    (work / "urls.txt").write_text("\n".join(starts) + "\n", encoding="utf-8")
    before = farm.requests()
    wall, cpu, rss, seen, tree_pss = run_measured(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "forum",
            "-a",
            "urls_file=urls.txt",
            "-s",
            f"FORUMCRAWL_DB={work / 'forumcrawl.db'}",
            *settings,
        ],
        work,
        watch,
        tree=tree,
    )
    hosts = {start.split("/")[2] for start in starts}
    pages = farm.requests() - before - len(hosts)  # robots.txt, once per host
    with sqlite3.connect(work / "forumcrawl.db") as conn:
        stored = conn.execute("select count(*) from posts").fetchone()[0]
    return {
        "pages": pages,
        "wall_s": wall,
        "pages_s": pages / wall,
        "posts_s": stored / wall,
        "cpu_s_per_1000_pages": cpu / pages * 1000,
        "cores": cpu / wall,
        "peak_rss_mb": rss / 1024,
        "tree_peak_pss_mb": tree_pss / 1024,
        "posts_stored": stored,
        "posts_expected": farm.posts_of(starts),
        "seen": seen,
    }


def floor(farm: Farm, work: Path) -> dict:
    """Plain Scrapy fetching every thread page and doing nothing with it (``floor_spider.py``)."""
    work.mkdir(parents=True, exist_ok=True)
    urls = [url for url, _body in farm.thread_pages()]
    (work / "floor-urls.txt").write_text("\n".join(urls) + "\n", encoding="utf-8")
    wall, cpu, _rss, _, _pss = run_measured(
        [
            sys.executable,
            "-m",
            "scrapy",
            "runspider",
            str(HERE / "floor_spider.py"),
            "-a",
            f"urls_file={work / 'floor-urls.txt'}",
            *CRAWL_SETTINGS,
        ],
        work,
        settings_module=None,
    )
    return {"pages": len(urls), "pages_s": len(urls) / wall, "cpu_s_per_1000_pages": cpu / len(urls) * 1000}


def reparse(work: Path, tree: Path | None = None) -> dict:
    out = work / "reparsed.db"
    out.unlink(missing_ok=True)
    wall, cpu, _rss, _, _pss = run_measured(
        [
            sys.executable,
            "-m",
            "forumcrawl.cli",
            "reparse",
            "--db",
            str(work / "forumcrawl.db"),
            "--out",
            str(out),
        ],
        work,
        tree=tree,
    )
    with sqlite3.connect(work / "forumcrawl.db") as conn:
        pages = conn.execute("select count(*) from pages").fetchone()[0]
    return {"pages": pages, "pages_s": pages / cpu, "wall_pages_s": pages / wall, "cores": cpu / wall}


def summary(values: list[float]) -> dict:
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def high_water_at(farm: Farm, fraction: float):
    """A watcher: the crawler's peak RSS (VmHWM) once the server has served ``fraction``
    of the farm's pages."""

    def watch(proc: subprocess.Popen) -> dict:
        target = farm.pages * fraction
        while (kb := peak_rss_kb(proc.pid)) is not None:
            if farm.requests() >= target:
                tree = sum(pss_kb(p) for p in descendants(proc.pid))
                return {
                    "fraction": fraction,
                    "peak_rss_mb": kb / 1024,
                    "tree_pss_mb": tree / 1024,
                    "requests": farm.requests(),
                }
            time.sleep(0.2)
        return {}

    return watch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=200)
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--posts", type=int, default=20)
    parser.add_argument("--memory", action="store_true", help="also crawl a farm ten times larger")
    parser.add_argument("--json", type=Path, help="write the results here too")
    parser.add_argument(
        "--against",
        type=Path,
        metavar="TREE",
        help="another checkout: measure it and this one in alternating rounds on the same farm",
    )
    args = parser.parse_args()
    become_subreaper()
    if args.against:
        return compare(args)
    tmp = Path(tempfile.mkdtemp(prefix="forumcrawl-bench-"))
    results: dict = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "runs": args.runs,
    }
    try:
        with Farm(tmp / "farm", args.threads, args.pages, args.posts) as farm:
            results["farm"] = farm.manifest
            rounds = []
            for i in range(args.runs):
                one = {"parse_only": parse_only(farm), "e2e": crawl(farm, tmp / f"run{i}")}
                one["reparse"] = reparse(tmp / f"run{i}")
                one["floor"] = floor(farm, tmp / f"run{i}")
                rounds.append(one)
                print(
                    f"round {i + 1}: parse-only {one['parse_only']['pages_s']:.1f} pages/s, "
                    f"end to end {one['e2e']['pages_s']:.1f} pages/s "
                    f"({one['e2e']['posts_stored']}/{one['e2e']['posts_expected']} posts), "
                    f"re-parse {one['reparse']['pages_s']:.1f} pages/s, "
                    f"Scrapy floor {one['floor']['pages_s']:.1f} pages/s",
                    flush=True,
                )
                shutil.rmtree(tmp / f"run{i}")
            results["rounds"] = rounds
            ratios = {
                "e2e_over_parse_only": [r["e2e"]["pages_s"] / r["parse_only"]["pages_s"] for r in rounds],
                "reparse_over_parse_only": [
                    r["reparse"]["pages_s"] / r["parse_only"]["pages_s"] for r in rounds
                ],
                "e2e_over_scrapy_floor": [r["e2e"]["pages_s"] / r["floor"]["pages_s"] for r in rounds],
            }
            results["summary"] = {
                "parse_only_pages_s": summary([r["parse_only"]["pages_s"] for r in rounds]),
                "e2e_pages_s": summary([r["e2e"]["pages_s"] for r in rounds]),
                "e2e_posts_s": summary([r["e2e"]["posts_s"] for r in rounds]),
                "e2e_cpu_s_per_1000_pages": summary([r["e2e"]["cpu_s_per_1000_pages"] for r in rounds]),
                "e2e_peak_rss_mb": summary([r["e2e"]["peak_rss_mb"] for r in rounds]),
                "e2e_tree_peak_pss_mb": summary([r["e2e"]["tree_peak_pss_mb"] for r in rounds]),
                "e2e_cores": summary([r["e2e"]["cores"] for r in rounds]),
                "reparse_wall_pages_s": summary([r["reparse"]["wall_pages_s"] for r in rounds]),
                "parse_only_over_floor": summary([r["parse_only"]["over_floor"] for r in rounds]),
                "full_floor_over_floor": summary([r["parse_only"]["full_floor_over_floor"] for r in rounds]),
                "parse_only_over_full_floor": summary([r["parse_only"]["over_full_floor"] for r in rounds]),
                "reparse_pages_s": summary([r["reparse"]["pages_s"] for r in rounds]),
                "scrapy_floor_pages_s": summary([r["floor"]["pages_s"] for r in rounds]),
                "scrapy_floor_cpu_s_per_1000_pages": summary(
                    [r["floor"]["cpu_s_per_1000_pages"] for r in rounds]
                ),
                **{k: summary(v) for k, v in ratios.items()},
                "all_posts_stored": all(
                    r["e2e"]["posts_stored"] == r["e2e"]["posts_expected"] for r in rounds
                ),
            }
        if args.memory:
            with Farm(tmp / "farm10", args.threads * 10, args.pages, args.posts) as big:
                run = crawl(big, tmp / "big", watch=high_water_at(big, 0.1))
                results["memory"] = {
                    "tenth_peak_rss_mb": run["seen"].get("peak_rss_mb"),
                    "whole_peak_rss_mb": run["peak_rss_mb"],
                    "pages": run["pages"],
                    "posts_stored": run["posts_stored"],
                    "posts_expected": run["posts_expected"],
                    "one_x_peak_rss_mb": results["summary"]["e2e_peak_rss_mb"]["median"],
                }
                results["memory"]["whole_over_tenth"] = run["peak_rss_mb"] / run["seen"]["peak_rss_mb"]
                results["memory"]["ten_x_over_one_x"] = (
                    run["peak_rss_mb"] / results["memory"]["one_x_peak_rss_mb"]
                )
                # every process of the crawl, workers included (PSS: shared pages once)
                one_x_tree = results["summary"]["e2e_tree_peak_pss_mb"]["median"]
                results["memory"].update(
                    tenth_tree_pss_mb=run["seen"].get("tree_pss_mb"),
                    whole_tree_peak_pss_mb=run["tree_peak_pss_mb"],
                    one_x_tree_peak_pss_mb=one_x_tree,
                    tree_ten_x_over_one_x=run["tree_peak_pss_mb"] / one_x_tree,
                )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps({k: v for k, v in results.items() if k not in ("rounds", "farm")}, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


def compare(args) -> None:
    """This tree against ``--against`` on one farm, in rounds that alternate which goes first."""
    tmp = Path(tempfile.mkdtemp(prefix="forumcrawl-bench-"))
    trees = {"this": None, "against": args.against.resolve()}
    rows: dict[str, list[dict]] = {"this": [], "against": []}
    try:
        with Farm(tmp / "farm", args.threads, args.pages, args.posts) as farm:
            for i in range(args.runs):
                for name in ("this", "against") if i % 2 == 0 else ("against", "this"):
                    work = tmp / f"{name}{i}"
                    one = {
                        "parse_only": parse_only(farm, trees[name]),
                        "e2e": crawl(farm, work, tree=trees[name]),
                    }
                    one["reparse"] = reparse(work, trees[name])
                    rows[name].append(one)
                    shutil.rmtree(work)
                    print(
                        f"round {i + 1} {name:7}: parse-only {one['parse_only']['pages_s']:.1f}, "
                        f"end to end {one['e2e']['pages_s']:.1f} "
                        f"({one['e2e']['posts_stored']}/{one['e2e']['posts_expected']} posts, "
                        f"{one['e2e']['cpu_s_per_1000_pages']:.1f} CPU s/1000 pages, "
                        f"{one['e2e']['cores']:.2f} cores, PSS {one['e2e']['tree_peak_pss_mb']:.0f} MB), "
                        f"re-parse {one['reparse']['wall_pages_s']:.1f} pages/s "
                        f"({one['reparse']['cores']:.2f} cores)",
                        flush=True,
                    )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    measures = {
        "parse_only_pages_s": lambda r: r["parse_only"]["pages_s"],
        "e2e_pages_s": lambda r: r["e2e"]["pages_s"],
        "e2e_cpu_s_per_1000_pages": lambda r: r["e2e"]["cpu_s_per_1000_pages"],
        "e2e_cores": lambda r: r["e2e"]["cores"],
        "e2e_peak_rss_mb": lambda r: r["e2e"]["peak_rss_mb"],
        "e2e_tree_peak_pss_mb": lambda r: r["e2e"]["tree_peak_pss_mb"],
        "reparse_pages_s_per_cpu_s": lambda r: r["reparse"]["pages_s"],
        "reparse_wall_pages_s": lambda r: r["reparse"]["wall_pages_s"],
        "parse_only_cpu_ms_per_page": lambda r: r["parse_only"]["cpu_ms_per_page"],
        "parse_only_over_floor": lambda r: r["parse_only"]["over_floor"],
        "parse_only_over_full_floor": lambda r: r["parse_only"]["over_full_floor"],
        "full_floor_over_floor": lambda r: r["parse_only"]["full_floor_over_floor"],
    }
    out = {}
    for name, get in measures.items():
        this, against = [get(r) for r in rows["this"]], [get(r) for r in rows["against"]]
        out[name] = {
            "this": summary(this),
            "against": summary(against),
            "this_over_against": summary([a / b for a, b in zip(this, against)]),
        }
    out["all_posts_stored"] = all(
        r["e2e"]["posts_stored"] == r["e2e"]["posts_expected"] for name in rows for r in rows[name]
    )
    print(json.dumps(out, indent=2))
    if args.json:
        args.json.write_text(json.dumps({"rounds": rows, "summary": out}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
