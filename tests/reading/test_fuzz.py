"""Bad input is read or refused with one line, never a traceback or a hang.

Real pages (the engine fixtures, the WCXB pages) and real API responses (Discourse,
Flarum) are mutated the ways downloads and servers break them: cut short, tags deleted,
NUL and control bytes sprinkled (also inside tag and attribute names), labelled with the
wrong charset, bits flipped, re-encoded as UTF-16, gzip-compressed, and, for JSON, values
swapped for ones of another type or nested absurdly deep. A fixed seed makes every
failure reproducible: the case number names the source and the mutations.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import multiprocessing
import random
import signal
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from contextlib import redirect_stderr, redirect_stdout
from functools import cache

import pytest
from conftest import FIXTURES

from forumcrawl import cli
from forumcrawl.reading.context import PageContext
from forumcrawl.reading.service import PageError, UnknownEngine, read_page

CASES = 1000
SEED = 20  # issue 20
SECONDS = 10  # a page that takes longer than this hangs


def sources() -> list[tuple[str, str, bytes]]:
    """(name, url, bytes) of every real page and API response in the fixtures."""
    out = []
    for line in (FIXTURES / "PAGES.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, url = line.split("\t")[:2]
        out.append((name, url, (FIXTURES / name).read_bytes()))
    for page in sorted((FIXTURES / "wcxb").glob("*/page.html")):
        out.append(
            (str(page.relative_to(FIXTURES)), f"https://{page.parent.name}.example/t/1", page.read_bytes())
        )
    for api in sorted(FIXTURES.glob("discourse/json/*.json")) + sorted(FIXTURES.glob("flarum/*.json")):
        out.append(
            (str(api.relative_to(FIXTURES)), f"https://{api.parent.name}.example/t/1.json", api.read_bytes())
        )
    return out


# ---------------------------------------------------------------- mutations
def truncate(rng: random.Random, body: bytes) -> bytes:
    return body[: rng.randrange(len(body) + 1)]


def delete_tags(rng: random.Random, body: bytes) -> bytes:
    for _ in range(rng.randint(1, 40)):
        start = body.find(b"<", rng.randrange(len(body) + 1))
        end = body.find(b">", start)
        if start < 0 or end < 0:
            break
        body = body[:start] + body[end + 1 :]
    return body


def control_bytes(rng: random.Random, body: bytes) -> bytes:
    data = bytearray(body)
    for _ in range(rng.randint(1, 30)):
        at = rng.randrange(len(data) + 1)
        if rng.random() < 0.5:  # inside a tag: an attribute or element name
            tag = data.find(b"<", at)
            at = tag + rng.randint(2, 6) if tag >= 0 else at
        data[at:at] = bytes([rng.choice([0, 1, 2, 7, 8, 11, 12, 14, 27, 31, 127])])
    return bytes(data)


def wrong_charset(rng: random.Random, body: bytes) -> tuple[bytes, str]:
    text = body.decode("utf-8", "replace")
    codec = rng.choice(["latin-1", "cp1252", "shift_jis", "koi8-r", "utf-8"])
    label = rng.choice(["iso-8859-1", "utf-8", "windows-1251", "shift_jis", "utf-16", "x-nonsense"])
    return text.encode(codec, "replace"), f"text/html; charset={label}"


def bit_flips(rng: random.Random, body: bytes) -> bytes:
    data = bytearray(body)
    for _ in range(rng.randint(1, 200)):
        if data:
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    return bytes(data)


def utf16(rng: random.Random, body: bytes) -> bytes:
    text = body.decode("utf-8", "replace")
    return (
        rng.choice([b"", b"\xff\xfe"]) + text.encode("utf-16-le")
        if rng.random() < 0.7
        else text.encode("utf-16")
    )


def gzipped(rng: random.Random, body: bytes) -> bytes:
    packed = gzip.compress(body, mtime=0)
    return packed if rng.random() < 0.7 else packed[: rng.randrange(len(packed) + 1)]


def json_types(rng: random.Random, body: bytes) -> bytes:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return body
    nodes: list = []

    def walk(node, depth=0):
        if isinstance(node, dict):
            for key in node:
                nodes.append((node, key))
                walk(node[key], depth + 1)
        elif isinstance(node, list):
            for i in range(len(node)):
                nodes.append((node, i))
                walk(node[i], depth + 1)

    walk(data)
    for _ in range(rng.randint(1, 12)):
        if not nodes:
            break
        parent, key = rng.choice(nodes)
        parent[key] = rng.choice([None, "", 0, -1, 1.5, True, [], {}, "x" * 3, [None], {"id": None}])
    if rng.random() < 0.1:
        data = rng.choice([None, [], "text", 42, [[[[]]]]])
    return json.dumps(data).encode()


def deep_nesting(rng: random.Random, body: bytes) -> bytes:
    depth = rng.choice([500, 3000, 100_000])
    if body.lstrip()[:1] in (b"{", b"["):
        return b"[" * depth + b"]" * depth
    at = body.find(b"<body")
    at = body.find(b">", at) + 1 if at >= 0 else 0
    return body[:at] + b"<div>" * depth + b"x" + b"</div>" * depth + body[at:]


MUTATIONS = {
    "truncate": truncate,
    "delete_tags": delete_tags,
    "control_bytes": control_bytes,
    "wrong_charset": wrong_charset,
    "bit_flips": bit_flips,
    "utf16": utf16,
    "gzip": gzipped,
    "json_types": json_types,
    "deep_nesting": deep_nesting,
}


@cache
def cases() -> list[tuple[str, str, bytes, str | None]]:
    """(what, url, body, content type): each a real page under one to three mutations."""
    rng = random.Random(SEED)
    pool = sources()
    out = []
    for n in range(CASES):
        name, url, body = rng.choice(pool)
        content_type = None
        applied = []
        for mutation in rng.sample(sorted(MUTATIONS), rng.choice([1, 1, 2, 3])):
            result = MUTATIONS[mutation](rng, body)
            body, content_type = result if isinstance(result, tuple) else (result, content_type)
            applied.append(mutation)
        out.append((f"case {n}: {name} + {', '.join(applied)}", url, body, content_type))
    return out


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang


@pytest.fixture
def hang_alarm():
    previous = signal.signal(signal.SIGALRM, _alarm)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


def outcomes_of(numbers: range) -> tuple[Counter, list[str]]:
    """Read cases ``numbers`` (in a worker process): how each ended, and what went wrong."""
    logging.disable(logging.WARNING)  # the readers' warnings about broken pages, by the thousand
    signal.signal(signal.SIGALRM, _alarm)
    outcomes: Counter = Counter()
    problems = []
    all_cases = cases()
    for n in numbers:
        what, url, body, content_type = all_cases[n]
        signal.setitimer(signal.ITIMER_REAL, SECONDS)
        try:
            read_page(body, url, PageContext(content_type=content_type))
            outcomes["read"] += 1
        except Hang:
            problems.append(f"{what}: no answer in {SECONDS} s")
        except (PageError, UnknownEngine) as exc:
            outcomes["refused"] += 1
            message = str(exc)
            if "\n" in message or not message.strip():
                problems.append(f"{what}: refused without one line: {message!r}")
            if isinstance(exc, PageError) and exc.reason == "reader_failed":
                problems.append(f"{what}: a reader crashed: {message}")  # a bug, not bad input
        except Exception as exc:
            problems.append(f"{what}: {type(exc).__name__}: {exc}")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    return outcomes, problems


def test_mutated_pages_are_read_or_refused_with_one_line_never_a_traceback_or_a_hang():
    cases()  # made once, before the workers fork
    outcomes: Counter = Counter()
    problems: list[str] = []
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        for counted, found in pool.map(outcomes_of, [range(i, CASES, 8) for i in range(8)]):
            outcomes.update(counted)
            problems.extend(found)
    assert not problems, "\n".join(problems[:20]) + f"\n({len(problems)} in all)"
    assert sum(outcomes.values()) == CASES
    # both outcomes happen: mutations that break nothing, and ones that leave no page
    assert outcomes["read"] > CASES // 10 and outcomes["refused"] > CASES // 10, outcomes


def test_forumcrawl_extract_answers_mutated_pages_with_records_or_one_line(tmp_path, hang_alarm):
    for what, url, body, _content_type in cases()[:: CASES // 60]:
        page = tmp_path / "page.html"
        page.write_bytes(body)
        out, err = io.StringIO(), io.StringIO()
        signal.setitimer(signal.ITIMER_REAL, SECONDS)
        try:
            with redirect_stdout(out), redirect_stderr(err):
                status = cli.main(["extract", str(page), "--url", url])
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if status == 0:
            assert [json.loads(line) for line in out.getvalue().splitlines()], what
        else:
            assert status == 1 and err.getvalue().count("\n") == 1, (what, err.getvalue()[:500])
            assert "Traceback" not in err.getvalue()


def test_the_cases_are_the_same_every_run():
    first, second = cases()[:50], cases()[:50]
    assert first == second
    assert {what.split(" + ")[1].split(", ")[0] for what, *_ in cases()} >= set(MUTATIONS)
