"""``forumcrawl`` command line: ``extract`` runs a crawl's parse and normalisation on a
page; ``reparse`` rebuilds a database's rows from its page archive.

``forumcrawl extract PAGE.html [--url ORIGINAL_URL]`` prints JSON Lines: one
``{"type": "thread"}``, one ``{"type": "post"}`` per post and one ``{"type": "article"}``
per reposted article (board pages print ``board`` and ``thread_link`` lines). Field
names are stable: scripts and evaluations depend on them.

``forumcrawl reparse [--db forumcrawl.db] [--out NEW.db] [--site HOST]`` replays the
archived pages through today's parser (see :mod:`forumcrawl.archive.reparse`).

``forumcrawl stats`` prints each site's rows and last run; ``forumcrawl export`` writes a
table or view as JSON Lines or CSV; ``forumcrawl serve`` opens the database in Datasette
with forumcrawl's metadata and queries (``forumcrawl metadata`` prints that metadata).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import signal
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from forumcrawl.archive.reparse import reparse
from forumcrawl.archive.warc import export_warc, import_warc
from forumcrawl.browse import db_name_for, metadata
from forumcrawl.reading.context import SiteSettings
from forumcrawl.reading.service import PageError, UnknownEngine
from forumcrawl.reading.sites import Sites, SitesFileError
from forumcrawl.reading.workers import PageReader, default_workers, workers_setting
from forumcrawl.storage.database import StoreError, open_db, open_readonly, writable_problem
from forumcrawl.storage.lock import RunLock, RunLocked
from forumcrawl.storage.merge import merge
from forumcrawl.storage.records import records_for
from forumcrawl.storage.reports import export_rows, format_stats, site_stats, write_rows


def cmd_crawl(args: argparse.Namespace) -> int:
    """``scrapy crawl forum`` with forumcrawl's settings, from any folder: the same
    spider, command and exit status (0, 1 for a failed run, 75 for a held database)."""
    from scrapy.cmdline import execute

    if not args.urls and not args.urls_file:
        print("forumcrawl crawl: give a forum, board or thread URL, or --urls-file FILE", file=sys.stderr)
        return 2
    # forumcrawl's settings whatever the folder (and whatever scrapy.cfg another project has there)
    os.environ["SCRAPY_SETTINGS_MODULE"] = "forumcrawl.settings"
    argv = ["scrapy", "crawl", "forum"]
    if args.urls:
        argv += ["-a", "urls=" + " ".join(args.urls)]
    if args.urls_file:
        argv += ["-a", f"urls_file={args.urls_file}"]
    if args.full:
        argv += ["-a", "full=1"]
    if args.engine:
        argv += ["-a", f"engine={args.engine}"]
    if args.db:
        argv += ["-s", f"FORUMCRAWL_DB={args.db}"]
    for setting in args.set:
        argv += ["-s", setting]
    for feed in args.output:
        argv += ["-O", feed]
    try:
        execute(argv)  # raises SystemExit with the crawl command's status
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    path = Path(args.page)
    try:
        body = path.read_bytes()
    except OSError as exc:
        print(f"forumcrawl extract: cannot read {path}: {exc}", file=sys.stderr)
        return 2
    url = args.url or path.resolve().as_uri()
    defaults = SiteSettings(
        timezone=args.timezone,
        date_order=args.date_order,
        languages=tuple(args.language) if args.language else None,
    )
    try:
        sites = Sites.load(args.sites, defaults, args.engine)
    except SitesFileError as exc:
        print(f"forumcrawl extract: {exc}", file=sys.stderr)
        return 2
    try:
        records = records_for(body, url, sites.context(url, datetime.now(UTC)))
    except (PageError, UnknownEngine) as exc:
        print(f"forumcrawl extract: {path}: {exc}", file=sys.stderr)
        return 1
    try:
        for record in records:
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:  # piped into head & co.: not an error
        sys.stderr.close()
    return 0


def add_reading(parser: argparse.ArgumentParser) -> None:
    """How a command that reads many pages reads them: the engine, the sites file, the workers."""
    parser.add_argument("--engine", help="skip detection and use this engine")
    parser.add_argument(
        "--sites",
        default="sites.toml" if Path("sites.toml").exists() else None,
        help="per-site settings file (default: sites.toml when present)",
    )
    parser.add_argument(
        "--workers",
        type=_workers,
        default=default_workers(),
        metavar="N",
        help=f"processes that read pages (default {default_workers()}: one per core; 0: this one)",
    )


def _workers(value: str) -> int:
    try:
        return workers_setting(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_reparse(args: argparse.Namespace) -> int:
    if not Path(args.db).exists():
        print(f"forumcrawl reparse: no database at {args.db}", file=sys.stderr)
        return 2
    problem = writable_problem(args.out or args.db)
    if problem:
        print(f"forumcrawl reparse: {problem}", file=sys.stderr)
        return 2
    try:
        with RunLock(args.out or args.db), PageReader(args.workers) as reader:
            result = reparse(
                args.db,
                args.out,
                site=args.site,
                sites=Sites.load(args.sites, engine=args.engine),
                reader=reader,
            )
    except (RunLocked, StoreError, SitesFileError) as exc:
        print(f"forumcrawl reparse: {exc}", file=sys.stderr)
        return 75 if isinstance(exc, RunLocked) else 2
    failed = sum(result.errors.values())
    print(
        f"reparsed {result.pages} archived pages into {args.out or args.db}: "
        f"{result.posts} posts stored ({result.stats['forumcrawl/quotes']} quotes,"
        f" {result.stats['forumcrawl/articles']} articles), {failed} pages unreadable"
        + (f" ({', '.join(f'{k}: {v}' for k, v in sorted(result.errors.items()))})" if failed else "")
    )
    return 1 if failed else 0


def _readonly(args: argparse.Namespace):
    """The database for a read-only command, or None after saying why it cannot be read."""
    try:
        return open_readonly(args.db)
    except StoreError as exc:
        print(f"forumcrawl {args.command}: {exc}", file=sys.stderr)
        return None


def cmd_stats(args: argparse.Namespace) -> int:
    if (db := _readonly(args)) is None:
        return 2
    with db:
        print(format_stats(site_stats(db)))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    if (db := _readonly(args)) is None:
        return 2
    out = open(args.out, "w", encoding="utf-8", newline="") if args.out else sys.stdout  # noqa: SIM115 - closed below, or stdout
    try:
        with db:
            count = write_rows(export_rows(db, args.table, args.site), out, args.format)
    except StoreError as exc:
        print(f"forumcrawl export: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader (head, less) has had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        if args.out:
            out.close()
    print(f"{count} rows of {args.table} written to {args.out or 'standard output'}", file=sys.stderr)
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    try:
        result = merge(args.out, args.shards)
    except StoreError as exc:
        print(f"forumcrawl merge: {exc}", file=sys.stderr)
        return 2
    counts = ", ".join(f"{result.rows[t]} {t}" for t in ("threads", "posts", "users", "articles", "pages"))
    older = (
        f"; {result.older_versions} older post version(s) kept as revisions" if result.older_versions else ""
    )
    print(f"merged {result.shards} shard(s) into {args.out}: {counts}{older}", file=sys.stderr)
    return 0


def cmd_import_warc(args: argparse.Namespace) -> int:
    problem = writable_problem(args.db)
    if problem:
        print(f"forumcrawl import-warc: {problem}", file=sys.stderr)
        return 2
    try:
        with RunLock(args.db), PageReader(args.workers) as reader:
            result = import_warc(
                args.db, args.warcs, sites=Sites.load(args.sites, engine=args.engine), reader=reader
            )
    except (RunLocked, StoreError, SitesFileError) as exc:
        print(f"forumcrawl import-warc: {exc}", file=sys.stderr)
        return 75 if isinstance(exc, RunLocked) else 2
    skipped = sum(result.skipped.values())
    unread = sum(result.errors.values())
    print(
        f"imported {result.pages} pages of {result.records} WARC records into {args.db}:"
        f" {result.posts} posts stored; {skipped} records passed over"
        + (f" ({', '.join(f'{k}: {v}' for k, v in result.skipped.most_common())})" if skipped else "")
        + f"; {unread} pages not read as forum pages"
        + (f" ({', '.join(f'{k}: {v}' for k, v in sorted(result.errors.items()))})" if unread else ""),
        file=sys.stderr,
    )
    return 0


def cmd_export_warc(args: argparse.Namespace) -> int:
    try:
        written = export_warc(args.db, args.out, site=args.site)
    except StoreError as exc:
        print(f"forumcrawl export-warc: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"forumcrawl export-warc: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"{written} archived pages of {args.db} written to {args.out}", file=sys.stderr)
    return 0


def cmd_metadata(args: argparse.Namespace) -> int:
    print(json.dumps(metadata(db_name_for(args.db)), indent=2, ensure_ascii=False))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("datasette") is None:
        print(
            "forumcrawl serve: Datasette is not installed: pip install 'forumcrawl[browse]'", file=sys.stderr
        )
        return 2
    if not Path(args.db).is_file():
        print(f"forumcrawl serve: no database at {args.db}", file=sys.stderr)
        return 2
    try:
        open_db(args.db).close()  # an older database is upgraded before Datasette reads it
    except StoreError as exc:
        print(f"forumcrawl serve: {exc}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        meta = Path(tmp) / "metadata.json"
        meta.write_text(json.dumps(metadata(db_name_for(args.db))), encoding="utf-8")
        extra = args.datasette_args[1:] if args.datasette_args[:1] == ["--"] else args.datasette_args
        command = [
            sys.executable,
            "-m",
            "datasette",
            "serve",
            args.db,
            "--metadata",
            str(meta),
            "--host",
            args.host,
            "--port",
            str(args.port),
            *extra,
        ]
        datasette = subprocess.Popen(command)
        # a supervisor's SIGTERM (systemd, a test, kill) must stop Datasette too, not orphan it
        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, lambda received, _frame: datasette.send_signal(received))
        try:
            return datasette.wait()
        except KeyboardInterrupt:  # Ctrl-C reached Datasette too, through the terminal
            return datasette.wait()


DEFAULT_DB = "forumcrawl.db"


def add_database(command: argparse.ArgumentParser, help: str = "the forumcrawl database") -> None:
    """The database as the first positional argument, as Datasette, sqlite-utils and the
    dogsheep tools take it; ``--db`` stays as an alias."""
    command.add_argument("db", nargs="?", help=f"{help} (default {DEFAULT_DB})")
    command.add_argument("--db", dest="db_option", metavar="DB", help="the same, as an option")


def resolve_database(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if not hasattr(args, "db_option"):
        return
    if args.db and args.db_option and args.db != args.db_option:
        parser.error(f"two databases given: {args.db} and --db {args.db_option}; give one")
    args.db = args.db or args.db_option or DEFAULT_DB


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="forumcrawl", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    crawl = sub.add_parser(
        "crawl",
        help="crawl forums, boards or threads into the database (scrapy crawl forum, from any folder)",
    )
    crawl.add_argument("urls", nargs="*", metavar="URL", help="a forum, board or thread URL")
    crawl.add_argument("--urls-file", help="more URLs, one a line (# comments)")
    crawl.add_argument("--db", help=f"the database to write (default {DEFAULT_DB} in this folder)")
    crawl.add_argument("--full", action="store_true", help="fetch every thread again, not only what changed")
    crawl.add_argument("--engine", help="skip detection and use this engine")
    crawl.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a Scrapy or forumcrawl setting",
    )
    crawl.add_argument(
        "-O", "--output", action="append", default=[], metavar="FILE", help="also write a feed"
    )
    crawl.set_defaults(func=cmd_crawl)
    extract = sub.add_parser("extract", help="parse one saved page and print JSON Lines")
    extract.add_argument("page", help="saved HTML file")
    extract.add_argument("--url", help="the page's original URL (resolves links, names the site)")
    extract.add_argument("--engine", help="skip detection and use this engine")
    extract.add_argument(
        "--timezone",
        default=None,
        help="timezone of text dates (default: the zone the page states, else UTC)",
    )
    extract.add_argument("--date-order", default=None, help="DMY, MDY or YMD for ambiguous dates")
    extract.add_argument(
        "--language", action="append", help="language of text dates (default: the page's lang attribute)"
    )
    extract.add_argument("--sites", help="per-site settings file (sites.toml) to apply")
    extract.set_defaults(func=cmd_extract)
    again = sub.add_parser("reparse", help="rebuild the rows from the archived pages, offline")
    add_database(again, "database whose page archive to read")
    again.add_argument("--out", help="write into this (new) database instead of --db")
    again.add_argument("--site", help="only this site's pages (host name)")
    add_reading(again)
    again.set_defaults(func=cmd_reparse)

    stats = sub.add_parser("stats", help="per site: boards, threads, posts, users, articles, last run")
    add_database(stats)
    stats.set_defaults(func=cmd_stats)
    export = sub.add_parser("export", help="write a table or view as JSON Lines or CSV")
    add_database(export)
    export.add_argument(
        "table", nargs="?", help="table or view (default posts_view: posts with thread, board, author)"
    )
    export.add_argument("--table", dest="table_option", metavar="TABLE", help="the same, as an option")
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    export.add_argument("--site", help="only this site's rows (host name)")
    export.add_argument("--out", help="file to write (default: standard output)")
    export.set_defaults(func=cmd_export)
    fold = sub.add_parser("merge", help="fold the databases of a shared crawl's workers into one")
    fold.add_argument("out", help="database to merge into (created if missing)")
    fold.add_argument("shards", nargs="+", help="worker databases, merged in this order")
    fold.set_defaults(func=cmd_merge)
    warc_in = sub.add_parser(
        "import-warc",
        help="read the forum pages of WARC files (wget, Browsertrix, Heritrix) into the database",
    )
    warc_in.add_argument("warcs", nargs="+", metavar="FILE.warc.gz", help="WARC files, read in this order")
    warc_in.add_argument("--db", default=DEFAULT_DB, help=f"the database to write (default {DEFAULT_DB})")
    add_reading(warc_in)
    warc_in.set_defaults(func=cmd_import_warc)
    warc_out = sub.add_parser(
        "export-warc", help="write the page archive as a WARC file (pywb, ReplayWeb.page)"
    )
    add_database(warc_out)
    warc_out.add_argument(
        "out", metavar="OUT.warc.gz", help="the WARC file to write (gzipped when it ends in .gz)"
    )
    warc_out.add_argument("--site", help="only this site's pages (its id: the host name)")
    warc_out.set_defaults(func=cmd_export_warc)
    meta = sub.add_parser("metadata", help="print the Datasette metadata for a database")
    add_database(meta, "names the database in the metadata")
    meta.set_defaults(func=cmd_metadata)
    serve = sub.add_parser("serve", help="browse the database in Datasette (forumcrawl[browse])")
    add_database(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8001, help="0 picks a free port")
    serve.add_argument(
        "datasette_args", nargs=argparse.REMAINDER, help="anything after -- goes to datasette serve"
    )
    serve.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    resolve_database(parser, args)
    if args.command == "export":
        if args.table and args.table_option and args.table != args.table_option:
            parser.error(f"two tables given: {args.table} and --table {args.table_option}; give one")
        args.table = args.table or args.table_option or "posts_view"
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
