"""Layered reading: the engine's reader, the page's structured data, the generic reader.

Each reader can read a thread page on its own; the best reading wins and the others
fill what it lacks:

1. the engine's page reader, when an engine was detected (or forced);
2. the page's schema.org structured data (:mod:`forumcrawl.reading.structured`), read
   whenever the page carries some (it is cheap): it cross-checks the engine (more posts
   than the engine found, or posts on a page the engine calls a board, and it takes
   over) and completes the engine's posts (a machine date, an author's profile link,
   likes) where both name the same post;
3. the generic reader (:mod:`forumcrawl.reading.engines.generic`), only when neither
   found a post: pages an engine reads fully never pay for it.

Every take-over is logged, counted (``forumcrawl/readers/...``) and noted in the result,
never silent; "no known engine" and "zero posts" are errors only when no reader finds a
post.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from forumcrawl.items import DateField, PostItem
from forumcrawl.reading import pagefacts
from forumcrawl.reading.context import PageContext
from forumcrawl.reading.decode import PageError
from forumcrawl.reading.document import Document
from forumcrawl.reading.engines import ENGINES, GENERIC, Detection, Engine, UnknownEngine, detect, get_engine
from forumcrawl.reading.engines.base import (
    PAGE_BOARD,
    PAGE_INDEX,
    PAGE_THREAD,
    BoardPage,
    PageReader,
    ThreadPage,
)
from forumcrawl.reading.structured import (
    Structured,
    StructuredPost,
    author_of,
    body_of,
    dates_of,
    fallback_id,
    read_structured,
)

logger = logging.getLogger(__name__)


@dataclass
class Reading:
    """The page as the winning reader read it, and why that reader."""

    detection: Detection  # the site's engine (generic when none), with its evidence
    page: ThreadPage | BoardPage
    reader: str  # the engine's name, microdata, json-ld or generic
    notes: list[str] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    def note(self, stat: str, message: str, warn: bool = True) -> None:
        self.notes.append(message)
        self.counts[f"forumcrawl/readers/{stat}"] += 1
        if warn:
            logger.warning("%s: %s", self.page_url, message)

    page_url: str = ""


def read_layers(doc: Document, context: PageContext) -> Reading:
    if context.engine:
        engine = get_engine(context.engine, context.selectors)
        detection: Detection | None = Detection(engine, [f"forced: engine={engine.name}"])
    elif context.engines:
        detection = detect(doc, prefer=context.site_engine)
    else:
        detection = None
    engine_reader = detection.engine.read(doc) if detection else None
    kind = engine_reader.kind() if engine_reader else None
    engine_page: ThreadPage | None = None
    board: BoardPage | None = None
    if kind == PAGE_THREAD:
        engine_page = engine_reader.thread()
    elif kind in (PAGE_BOARD, PAGE_INDEX):
        board = engine_reader.board()
        board.kind = kind

    structured = read_structured(doc.root, doc.base, doc.source)
    engine = detection.engine if detection else None
    site = detection or Detection(GENERIC, ["no engine matched"])

    # 1. The engine read posts: structured data checks and completes them.
    if engine_page is not None and engine_page.posts:
        reading = Reading(site, engine_page, engine.name, page_url=doc.url)
        alternative = _structured_thread(doc, structured, engine, engine_reader, engine_page)
        if alternative is not None and _outnumbers(alternative, structured, len(engine_page.posts)):
            reading.note(
                "fewer_than_structured",
                f"{engine.name} read {len(engine_page.posts)} posts, the page's structured data "
                f"{_bodies(alternative)} ({'; '.join(structured.sources)}): structured data read it",
            )
            return _taking_over(reading, alternative, structured)
        filled = complete(engine_page, structured, engine_reader.anchors)
        if alternative is not None:  # JSON-LD posts, matched by author and opening words
            filled += _complete_opening(engine_page, alternative)
        if filled:
            reading.counts["forumcrawl/readers/fields_from_structured"] += filled
        return reading

    # 2. The engine read a board, or nothing: structured data, then the generic reader.
    alternative = _structured_thread(doc, structured, engine, engine_reader, engine_page)
    if board is not None:
        if alternative is not None and _anchored(alternative, structured) and _thread_item(structured):
            reading = Reading(site, alternative, "", page_url=doc.url)
            reading.note(
                "board_with_posts",
                f"{engine.name} took the page for a {kind}, but its structured data shows "
                f"{_bodies(alternative)} posts ({'; '.join(structured.sources)}): read as a thread",
            )
            return _taking_over(reading, alternative, structured)
        return Reading(site, board, engine.name, page_url=doc.url)
    why = (
        f"{engine.name} found no post"
        if engine_page is not None
        else f"{engine.name} could not tell what the page is"
        if engine
        else "no known engine"
    )
    # the stat says why the engine's reading was passed over (the reader is in read_by/)
    stat = "engine_found_none" if engine_page is not None else "engine_unsure_kind" if engine else "no_engine"
    structured_posts = _bodies(alternative) if alternative is not None else 0
    generic: ThreadPage | None = None
    found = ""
    if (
        structured_posts <= 2
        or all(p.reader == "json-ld" for p in alternative.posts)
        or not _thread_item(structured)
    ):
        # structured data that names the opening post only (JSON-LD often does), or only
        # the replies (microdata Comments under an opening post marked up as nothing), is
        # checked against the page's own repeated structure
        generic, found = _generic_thread(doc, structured, engine, engine_reader, engine_page)
    summary_only = alternative is not None and not _anchored(alternative, structured)
    if structured_posts and not (
        generic is not None
        and (
            len(generic.posts) > structured_posts or (summary_only and len(generic.posts) >= structured_posts)
        )
    ):
        # the structured data's posts win, unless the page's own elements show more of them,
        # or as many where the structured data is only a summary beside the page (JSON-LD:
        # plain text, no quotes apart, no dates as shown); the generic reading then takes
        # its machine dates and profile links
        reading = Reading(site, alternative, "", page_url=doc.url)
        reading.note(
            stat,
            f"{why}; read from the page's structured data ({'; '.join(structured.sources)})",
            warn=engine is not None,
        )
        return _taking_over(reading, alternative, structured)
    if generic is not None and generic.posts:
        if detection is None:
            site = Detection(GENERIC, [f"fallback: no engine matched; posts found as {found}"])
        reading = Reading(site, generic, GENERIC.name, page_url=doc.url)
        message = f"{why}; the generic reader found {len(generic.posts)} posts as {found}"
        if structured_posts:
            message += f" (the structured data names {structured_posts}: {'; '.join(structured.sources)})"
            filled = _complete_opening(generic, alternative)
            if filled:
                reading.counts["forumcrawl/readers/fields_from_structured"] += filled
        reading.note(stat, message, warn=engine is not None)
        return reading
    empty = engine_reader.empty() if engine_reader is not None else None
    if empty is not None:
        raise PageError(*empty)
    if engine_page is not None:
        raise PageError("no_posts", f"{engine.name} thread page with zero posts: {doc.url}")
    if engine is not None:
        raise PageError(
            "unknown_page_kind",
            f"{engine.name} page that is neither a thread, a board nor a forum index: {doc.url}",
        )
    generator = doc.first("//meta[@name='generator']/@content")
    hint = f" (meta generator: {generator!r})" if generator else ""
    raise UnknownEngine(
        f"no known forum engine recognised this page{hint} and no reader found posts on it; "
        f"known engines: {', '.join(ENGINES)}"
    )


def _generic_thread(
    doc: Document,
    structured: Structured,
    engine: Engine | None,
    engine_reader: PageReader | None,
    engine_page: ThreadPage | None,
) -> tuple[ThreadPage | None, str]:
    """The generic reader's reading of the page, with the engine's idea of the thread."""
    reader = GENERIC.read(doc)
    posts, found = reader.found
    if not posts:
        return None, ""
    shell = engine_page or (engine_reader.shell() if engine_reader is not None else None)
    if shell is not None and not shell.thread.title:
        shell.thread.title = pagefacts.title_of(doc, structured.title)
    page = reader.thread(structured.title, shell)
    return (page, found) if page.posts else (None, "")


def _complete_opening(page: ThreadPage, structured: ThreadPage) -> int:
    """Posts completed by the structured data's posts they share an author and opening
    words with (an opening post's machine date, a profile link): JSON-LD names no element."""
    filled = 0
    for sp in structured.posts:
        words = sp.body_text.split()[:8]
        for post in page.posts:
            if post.author is None or sp.author is None or post.author.name != sp.author.name:
                continue
            if words and post.body_text.split()[:8] != words:
                continue
            if sp.posted.machine and not post.posted.machine:
                post.posted.machine = sp.posted.machine
                filled += 1
            if sp.author.profile_url and not post.author.profile_url:
                post.author.profile_url = sp.author.profile_url
                filled += 1
            break
    return filled


def _bodies(page: ThreadPage) -> int:
    return sum(1 for post in page.posts if post.body_text or post.quotes)


def _outnumbers(page: ThreadPage, structured: Structured, posts: int) -> bool:
    """The structured reading found more posts than the engine: more marked up in the
    page's own elements, or many more in a summary beside them (JSON-LD lists a thread's
    posts, sometimes its opening post twice)."""
    anchored = _anchored(page, structured)
    return anchored > posts or _bodies(page) >= max(posts * 1.5, posts + 2)


def _anchored(page: ThreadPage, structured: Structured) -> int:
    """Posts the page's own elements mark up (microdata), not a summary beside them."""
    return sum(1 for p in page.posts if p.reader == "microdata")


def _thread_item(structured: Structured) -> bool:
    return any(
        p.kind in ("DiscussionForumPosting", "Question", "SocialMediaPosting")
        and p.parent is None
        and (p.text_element is not None or p.text)
        for p in structured.posts
    )


def _taking_over(reading: Reading, page: ThreadPage, structured: Structured) -> Reading:
    reading.page = page
    reading.reader = "microdata" if any(p.reader == "microdata" for p in page.posts) else "json-ld"
    return reading


# ---------------------------------------------------------------- structured data as a reader
def _structured_thread(
    doc: Document,
    structured: Structured,
    engine: Engine | None,
    engine_reader: PageReader | None,
    engine_page: ThreadPage | None,
) -> ThreadPage | None:
    """The thread page as the structured data tells it, or None when it names no post."""
    posts = _with_text(_merged(structured.posts))
    if not posts:
        return None
    thread = _shell(doc, structured, engine, engine_reader, engine_page)
    reader = engine_reader or GENERIC.read(doc)
    rule = (engine or GENERIC).quote_rule
    chrome = (engine or GENERIC).chrome()
    items: list[PostItem] = []
    ids: dict[int, str] = {}
    for number, sp in enumerate(posts, 1):
        body = body_of(sp, rule, chrome, doc.base)
        if body is None or not (body.text or body.quotes):
            continue
        local = (
            sp.native_id
            or (str(sp.position) if sp.position else None)
            or fallback_id(sp.author, sp.published, body.text[:200])
        )
        post_id = structured_post_id(engine, thread.thread.thread_id, local)
        if post_id in {p.post_id for p in items}:
            post_id = f"{post_id}-{number}"
        ids[id(sp)] = post_id
        item = reader.new_post(
            thread.thread.thread_id,
            post_id,
            body,
            url=sp.url,
            author=author_of(sp, reader.new_user),
            posted=dates_of(sp),
            element=sp.element,
            edited=DateField(machine=sp.modified)
            if sp.modified and sp.modified != sp.published
            else DateField(),
            position=sp.position,
            reaction_count=sp.votes,
            reader=sp.source,
            parent_id=ids.get(id(sp.parent)) if sp.parent is not None else None,
        )
        items.append(item)
    if not items:
        return None
    return reader.thread_page(
        thread.thread,
        items,
        page_number=thread.page_number,
        next_url=thread.next_url,
        more_urls=thread.more_urls,
    )


def structured_post_id(engine: Engine | None, thread_id: str, local: str) -> str:
    """A post's id as the site's engine names its posts: the forum's own post number for
    engines whose ids are forum-wide, "topic/number" where they are per topic
    (Discourse), and the thread and the page's own id for sites no engine knows (an
    element id such as ``reply1`` is only unique within its thread)."""
    if engine is None:
        return f"{thread_id}#{local}"
    return engine.post_id_from_local(thread_id, local)


def _shell(
    doc: Document,
    structured: Structured,
    engine: Engine | None,
    engine_reader: PageReader | None,
    engine_page: ThreadPage | None,
) -> ThreadPage:
    """The thread and its place (page number, next page) without posts: the engine's
    reading of the page when it has one, else the page's own facts."""
    if engine_page is not None:
        shell = ThreadPage(
            thread=engine_page.thread,
            posts=[],
            page_number=engine_page.page_number,
            next_url=engine_page.next_url,
            language=engine_page.language,
            more_urls=engine_page.more_urls,
        )
    else:
        shell = engine_reader.shell() if engine_reader is not None else None
    if shell is not None:
        if not shell.thread.title:
            shell.thread.title = pagefacts.title_of(doc, structured.title)
        return shell
    reader = engine_reader or GENERIC.read(doc)
    url = pagefacts.thread_url(doc)
    thread = reader.new_thread(url, pagefacts.title_of(doc, structured.title), url)
    return ThreadPage(thread=thread, posts=[], next_url=pagefacts.next_url(doc), language=doc.language)


def _with_text(posts: list[StructuredPost]) -> list[StructuredPost]:
    return [p for p in posts if p.text_element is not None or p.text]


def _merged(posts: list[StructuredPost]) -> list[StructuredPost]:
    """Microdata posts, each completed by the JSON-LD post that describes it; JSON-LD
    posts that describe none of them stay, after (a page may carry only JSON-LD)."""
    micro = [p for p in posts if p.source == "microdata"]
    out = list(micro)
    for ld in (p for p in posts if p.source == "json-ld"):
        twin = next((m for m in out if _same_post(m, ld)), None)
        if twin is None:
            if ld.text:
                out.append(ld)
            continue
        for name in ("author", "author_url", "published", "modified", "headline", "url", "position", "votes"):
            if getattr(twin, name) is None and getattr(ld, name) is not None:
                setattr(twin, name, getattr(ld, name))
    return out


def _same_post(a: StructuredPost, b: StructuredPost) -> bool:
    if a.url and b.url and a.url.split("#")[0] == b.url.split("#")[0] and (a.native_id == b.native_id):
        return True
    if a.published and b.published and a.published[:16] == b.published[:16] and a.author == b.author:
        return True
    text_a = (a.text or (a.text_element.text_content() if a.text_element is not None else "")).split()
    text_b = (b.text or "").split()
    return bool(text_a and text_b) and text_a[:12] == text_b[:12]


# ---------------------------------------------------------------- completion
def complete(page: ThreadPage, structured: Structured, anchors: dict) -> int:
    """Fill what the engine's posts lack from the structured post of the same element:
    a machine date, the author's profile link, likes, the position. Returns how many
    fields were filled."""
    if not structured.posts or not anchors:
        return 0
    by_element = {}
    for sp in structured.posts:
        if sp.element is not None:
            by_element[sp.element] = sp
    if not by_element:
        return 0
    filled = 0
    for post in page.posts:
        anchor = anchors.get(post.post_id)
        if anchor is None:
            continue
        sp = by_element.get(anchor) or next(
            (by_element[a] for a in anchor.iterancestors() if a in by_element), None
        )
        if sp is None:
            sp = next((s for el, s in by_element.items() if anchor in el.iterancestors()), None)
        if sp is None:
            continue
        if sp.published and not post.posted.machine:
            post.posted.machine = sp.published
            filled += 1
        if post.author is not None and sp.author_url and not post.author.profile_url:
            post.author.profile_url = sp.author_url
            filled += 1
        if post.reaction_count is None and sp.votes is not None:
            post.reaction_count = sp.votes
            filled += 1
        if post.position is None and sp.position is not None:
            post.position = sp.position
            filled += 1
    return filled
