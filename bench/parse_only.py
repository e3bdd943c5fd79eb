"""Parse-only speed of one source tree on a farm: ``read_page`` over every thread page,
each read as a crawl reads it (the site's engine known from its earlier pages), beside two
floors on the same pages:

- ``bench/floor_extractor.py``, a minimal lxml extractor (four fields a post), the floor
  the issue's parse-only target is set against;
- ``bench/floor_full.py``, a hand-written lxml extractor of every field forumcrawl stores,
  for the farm's markup only: what reading everything costs without a generic reader.

The three are timed page by page in turn (CPU time of each call), so a slower or faster
spell of a shared machine falls on all three alike and the ratios hold.

    python bench/parse_only.py FARM_DIR     # prints {"pages_s": ..., "posts": ..., "floor_...": ...}

``bench/run.py`` runs it in a child process with ``PYTHONPATH`` set to the tree being
measured, so ``--against`` can measure another checkout on the same farm. Nothing of
forumcrawl is imported at module level: the tree under test supplies it.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from urllib.parse import unquote

CONTENT_TYPE = "text/html; charset=utf-8"


def url_of(host: str, name: str) -> str:
    """The URL a replay-layout file name stands for (the inverse of ``ReplayDirectory.path_for``)."""
    if name.endswith("/index.html"):
        return f"http://{host}/{name[: -len('index.html')]}"
    if "%3F" in name:
        return f"http://{host}/" + unquote(name[: -len(".html")])
    return f"http://{host}/{name[: -len('.html')]}"


def thread_pages(root: Path, manifest: dict, engines: bool = False) -> list:
    """Every thread page of the farm, as (URL, bytes), or with ``engines`` (URL, bytes,
    the engine of its site)."""
    out = []
    for engine, site in manifest["sites"].items():
        host = site["host"]
        top = root / host.split(":")[0]
        prefix = "threads/" if engine.startswith("xenforo") else "viewtopic"
        for path in top.rglob("*.html"):
            name = path.relative_to(top).as_posix()
            if name.startswith(prefix):
                out.append(
                    (url_of(host, name), path.read_bytes(), engine)
                    if engines
                    else (url_of(host, name), path.read_bytes())
                )
    return sorted(out)


def posts_of_page():
    """The tree's reading of one page, as its post count."""
    try:
        from forumcrawl.reading.context import PageContext
        from forumcrawl.reading.service import read_page
    except ImportError:  # a tree from before the page-reading service (the 2026-11-25 layout)
        from forumcrawl.document import read_document

        return lambda body, url, engine: len(read_document(body, url, content_type=CONTENT_TYPE).thread.posts)
    return lambda body, url, engine: len(
        read_page(body, url, PageContext(content_type=CONTENT_TYPE, site_engine=engine)).thread.posts
    )


def interleaved(readers: list, pages: list) -> list[tuple[int, float, float]]:
    """(posts, wall s, CPU s) of each reader over ``pages``, the readers taking turns page by page."""
    totals = [[0, 0.0, 0.0] for _ in readers]
    for url, body, engine in pages:
        for read, total in zip(readers, totals):
            start, cpu = time.perf_counter(), time.process_time()
            total[0] += read(body, url, engine)
            total[2] += time.process_time() - cpu
            total[1] += time.perf_counter() - start
    return [tuple(total) for total in totals]


def measure(pages: list) -> dict:
    import floor_extractor
    import floor_full

    (posts, wall, cpu), (floor_posts, _, floor_cpu), (full_posts, _, full_cpu) = interleaved(
        [
            posts_of_page(),
            lambda body, url, engine: len(floor_extractor.extract(body)),
            lambda body, url, engine: len(floor_full.extract(body, url)["posts"]),
        ],
        pages,
    )
    return {
        "pages_s": len(pages) / cpu,
        "wall_pages_s": len(pages) / wall,
        "posts": posts,
        "cpu_ms_per_page": cpu / len(pages) * 1000,
        "floor_cpu_ms_per_page": floor_cpu / len(pages) * 1000,
        "floor_posts": floor_posts,
        "over_floor": cpu / floor_cpu,
        "full_floor_cpu_ms_per_page": full_cpu / len(pages) * 1000,
        "full_floor_posts": full_posts,
        "full_floor_over_floor": full_cpu / floor_cpu,
        "over_full_floor": cpu / full_cpu,
    }


if __name__ == "__main__":
    farm = Path(sys.argv[1])
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    manifest = json.loads((farm / "manifest.json").read_text())
    print(json.dumps(measure(thread_pages(farm, manifest, engines=True))))
