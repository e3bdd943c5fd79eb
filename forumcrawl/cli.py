"""``forumcrawl`` command line: ``extract`` runs a crawl's parse and normalisation on a
page; ``reparse`` rebuilds a database's rows from its page archive.

``forumcrawl extract PAGE.html [--url ORIGINAL_URL]`` prints JSON Lines: one
``{"type": "thread"}``, one ``{"type": "post"}`` per post and one ``{"type": "article"}``
per reposted article (board pages print ``board`` and ``thread_link`` lines). Field
names are stable: scripts and evaluations depend on them.

``forumcrawl reparse [--db forumcrawl.db] [--out NEW.db] [--site HOST]`` replays the
archived pages through today's parser (see :mod:`forumcrawl.reparse`).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

from .document import PageError, UnknownEngine, read_document
from .items import PostItem, ThreadItem
from .lock import RunLock, RunLocked
from .normalize import SiteSettings, normalise_item, page_items
from .reparse import reparse
from .sites import SitesFileError, config_for, load_sites
from .store import StoreError


def post_record(post: PostItem) -> dict:
    author = post.author
    return {
        "type": "post",
        "post_id": post.post_id,
        "thread_id": post.thread_id,
        "site_id": post.site_id,
        "url": post.url,
        "position": post.position,
        "author": author.name if author else None,
        "author_url": author.profile_url if author else None,
        "author_id": author.user_id if author else None,
        "author_title": author.title if author else None,
        "author_joined": author.joined.value if author else None,
        "author_joined_raw": author.joined.raw if author else None,
        "author_messages": author.message_count if author else None,
        "posted_at": post.posted.value,
        "posted_raw": post.posted.raw,
        "posted_source": post.posted.source,
        "edited_at": post.edited.value,
        "body_text": post.body_text,
        "body_html": post.body_html,
        "quotes": [{"author": q.author, "post_id": q.post_id, "user_id": q.author_user_id,
                    "text": q.text, "depth": q.depth} for q in post.quotes],
        "signature": post.signature_text,
        "reactions": post.reaction_count,
    }


def article_record(post: PostItem, article) -> dict:
    return {
        "type": "article",
        "post_id": post.post_id,
        "headline": article.headline,
        "byline": article.byline,
        "published_at": article.published.value,
        "published_raw": article.published.raw,
        "source_url": article.source_url,
        "outlet": article.outlet,
        "in_quote": article.in_quote,
        "body_text": article.body_text,
    }


def thread_record(thread: ThreadItem, doc) -> dict:
    return {
        "type": "thread",
        "thread_id": thread.thread_id,
        "site_id": thread.site_id,
        "title": thread.title,
        "url": thread.url,
        "board_id": thread.board_id,
        "board_title": thread.board_title,
        "board_url": thread.board_url,
        "page": doc.thread.page_number,
        "page_count": thread.page_count,
        "next_url": doc.thread.next_url,
        "engine": doc.detection.engine.name,
        "engine_evidence": doc.detection.evidence,
    }


def extract_records(body: bytes, url: str, settings: SiteSettings, engine=None,
                    fetched_at: datetime | None = None) -> list[dict]:
    """The records ``extract`` prints for one page (raises PageError / UnknownEngine)."""
    doc = read_document(body, url, engine=engine)
    if doc.thread is None:
        board = doc.board
        out = []
        if board.board:
            out.append({"type": "board", **asdict(board.board), "next_url": board.next_url,
                        "engine": doc.detection.engine.name})
        out += [{"type": "thread_link", "url": t.url, "thread_id": t.thread_id,
                 "title": t.title, "reply_count": t.reply_count,
                 "last_post_raw": t.last_post.raw} for t in board.threads]
        out += [{"type": "board", **asdict(b)} for b in board.boards]
        return out
    records = []
    for item in page_items(doc.thread, url, fetched_at):
        normalise_item(item, settings)
        if isinstance(item, ThreadItem):
            records.append(thread_record(item, doc))
        else:
            records.append(post_record(item))
            records += [article_record(item, a) for a in item.articles]
    return records


def cmd_extract(args: argparse.Namespace) -> int:
    path = Path(args.page)
    try:
        body = path.read_bytes()
    except OSError as exc:
        print(f"forumcrawl extract: cannot read {path}: {exc}", file=sys.stderr)
        return 2
    url = args.url or path.resolve().as_uri()
    settings = SiteSettings(timezone=args.timezone, date_order=args.date_order,
                            languages=tuple(args.language) if args.language else None)
    engine = args.engine
    try:
        site = config_for(load_sites(args.sites, settings), url)
    except SitesFileError as exc:
        print(f"forumcrawl extract: {exc}", file=sys.stderr)
        return 2
    if site:
        settings = site.settings or settings
        engine = engine or site.engine
    try:
        records = extract_records(body, url, settings, engine=engine,
                                  fetched_at=datetime.now(timezone.utc))
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


def cmd_reparse(args: argparse.Namespace) -> int:
    if not Path(args.db).exists():
        print(f"forumcrawl reparse: no database at {args.db}", file=sys.stderr)
        return 2
    try:
        with RunLock(args.out or args.db):
            result = reparse(args.db, args.out, site=args.site, engine=args.engine,
                             sites_file=args.sites)
    except (RunLocked, StoreError, SitesFileError) as exc:
        print(f"forumcrawl reparse: {exc}", file=sys.stderr)
        return 75 if isinstance(exc, RunLocked) else 2
    failed = sum(result.errors.values())
    print(f"reparsed {result.pages} archived pages into {args.out or args.db}: "
          f"{result.posts} posts stored, {failed} pages unreadable"
          + (f" ({', '.join(f'{k}: {v}' for k, v in sorted(result.errors.items()))})" if failed else ""))
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="forumcrawl", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    extract = sub.add_parser("extract", help="parse one saved page and print JSON Lines")
    extract.add_argument("page", help="saved HTML file")
    extract.add_argument("--url", help="the page's original URL (resolves links, names the site)")
    extract.add_argument("--engine", help="skip detection and use this engine")
    extract.add_argument("--timezone", default=None,
                         help="timezone of text dates (default: the zone the page states, else UTC)")
    extract.add_argument("--date-order", default=None, help="DMY, MDY or YMD for ambiguous dates")
    extract.add_argument("--language", action="append",
                         help="language of text dates (default: the page's lang attribute)")
    extract.add_argument("--sites", help="per-site settings file (sites.toml) to apply")
    extract.set_defaults(func=cmd_extract)
    again = sub.add_parser("reparse", help="rebuild the rows from the archived pages, offline")
    again.add_argument("--db", default="forumcrawl.db", help="database whose page archive to read")
    again.add_argument("--out", help="write into this (new) database instead of --db")
    again.add_argument("--site", help="only this site's pages (host name)")
    again.add_argument("--engine", help="skip detection and use this engine")
    again.add_argument("--sites", default="sites.toml" if Path("sites.toml").exists() else None,
                       help="per-site settings file (default: sites.toml when present)")
    again.set_defaults(func=cmd_reparse)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
