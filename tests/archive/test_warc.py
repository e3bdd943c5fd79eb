"""Web archives in and out: ``forumcrawl export-warc`` and ``import-warc``.

A crawl's archive written as WARC and read back gives the crawl's rows; WARC files
written by other tools (wget against the live forum, warcio around real fixture pages)
give their forums' thread pages as rows, the rest counted and passed over.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
import sqlite_utils
from conftest import FIXTURES, content_rows, run_live
from live_forum import LiveForum
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


def forumcrawl(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "forumcrawl.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_a_crawl_written_as_warc_and_read_back_gives_the_crawls_rows(demo_db, tmp_path):
    warc = tmp_path / "demo.warc.gz"
    result = forumcrawl("export-warc", str(demo_db), str(warc), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    archived = sqlite_utils.Database(demo_db)["pages"].count
    assert f"{archived} archived pages of {demo_db} written to {warc}" in result.stderr

    with warc.open("rb") as stream:
        records = [
            (r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.http_headers)
            for r in ArchiveIterator(stream)
        ]
    assert records[0][0] == "warcinfo"
    responses = [r for r in records if r[0] == "response"]
    assert len(responses) == archived
    assert all(h.get_statuscode() == "200" and h.get_header("Content-Type") for _t, _u, h in responses)
    urls = {u for _t, u, _h in responses}
    assert urls == {r["url"] for r in sqlite_utils.Database(demo_db).query("select url from pages")}

    fresh = tmp_path / "fresh.db"
    result = forumcrawl("import-warc", str(warc), "--db", str(fresh), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"imported {archived} pages of {archived + 1} WARC records" in result.stderr
    assert content_rows(fresh) == content_rows(demo_db)
    # the pages joined the archive: reparse works on them
    assert forumcrawl("reparse", str(fresh), cwd=tmp_path).returncode == 0
    assert content_rows(fresh) == content_rows(demo_db)
    # imported twice: nothing changes
    assert forumcrawl("import-warc", str(warc), "--db", str(fresh), cwd=tmp_path).returncode == 0
    assert content_rows(fresh) == content_rows(demo_db)


@pytest.mark.skipif(shutil.which("wget") is None, reason="wget is not installed (.ci/run installs it)")
def test_a_warc_wget_made_of_the_live_forum_imports_its_threads(tmp_path):
    with LiveForum() as forum:
        assert run_live(tmp_path, f"{forum.root}/forums/").returncode == 0
        reference = content_rows(tmp_path / "forumcrawl.db")
        subprocess.run(
            [
                "wget",
                "--quiet",
                "--recursive",
                "--level=inf",
                "--warc-file=forum",
                "--directory-prefix=mirror",
                "--reject-regex=/members/|/login|/register|/posts/|/goto/|\\.rss",
                f"{forum.root}/forums/",
            ],
            cwd=tmp_path,
            timeout=300,
            check=False,  # wget exits 8 for the 404s a forum's links always include
        )
    result = forumcrawl("import-warc", "forum.warc.gz", "--db", "wget.db", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "request:" in result.stderr  # wget's request records, passed over
    imported = content_rows(tmp_path / "wget.db")
    for table in ("sites", "boards", "threads", "users", "posts", "quotes", "articles"):
        assert imported[table] == reference[table], table


def test_a_warc_around_real_pages_imports_their_posts_and_passes_over_the_rest(tmp_path):
    pages = {
        "xenforo2/katzen-forum-pepe.html": 18,
        "phpbb3/openoffice-82202.html": None,
        "vbulletin4/worldofplayers-welchen-blog-2020.html": None,
    }
    listed = {
        line.split("\t")[0]: line.split("\t")
        for line in (FIXTURES / "PAGES.tsv").read_text(encoding="utf-8").splitlines()
        if not line.startswith("#")
    }
    warc = tmp_path / "theirs.warc.gz"
    with warc.open("wb") as out:
        writer = WARCWriter(out, gzip=True)

        def response(url: str, body: bytes, status: str = "200 OK", kind: str = "text/html; charset=UTF-8"):
            headers = StatusAndHeaders(status, [("Content-Type", kind)], protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=headers)
            )

        for name in pages:
            response(listed[name][1], (FIXTURES / name).read_bytes())
        response("https://www.katzen-forum.net/styles/logo.png", b"\x89PNG\r\n", kind="image/png")
        response("https://www.katzen-forum.net/old-thread/", b"", status="301 Moved Permanently")
        request = StatusAndHeaders("GET / HTTP/1.1", [("Host", "www.katzen-forum.net")], is_http_request=True)
        writer.write_record(
            writer.create_warc_record(
                "https://www.katzen-forum.net/", "request", payload=BytesIO(b""), http_headers=request
            )
        )
    db = tmp_path / "theirs.db"
    result = forumcrawl("import-warc", str(warc), "--db", str(db), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "imported 3 pages of 6 WARC records" in result.stderr
    assert (
        "not_a_page: 1" in result.stderr
        and "status_301: 1" in result.stderr
        and "request: 1" in result.stderr
    )
    stored = sqlite_utils.Database(db)
    for name in pages:
        expected = int(listed[name][3])
        url = listed[name][1]
        assert (
            stored.execute("select count(*) from posts where page_url = ?", [url]).fetchone()[0] == expected
        ), name
    engines = {r["engine"] for r in stored.query("select engine from sites")}
    assert engines == {"xenforo2", "phpbb3", "vbulletin4"}


def test_what_is_not_a_warc_is_one_line(tmp_path):
    (tmp_path / "page.html").write_text("<html><body>hi</body></html>", encoding="utf-8")
    for given, says in (("page.html", "is not a WARC file"), ("none.warc.gz", "cannot read")):
        result = forumcrawl("import-warc", given, "--db", "x.db", cwd=tmp_path)
        assert result.returncode == 2 and says in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    result = forumcrawl("export-warc", "none.db", "out.warc.gz", cwd=tmp_path)
    assert result.returncode == 2 and "no database at none.db" in result.stderr
