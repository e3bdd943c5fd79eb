"""From a page as read to the items to store: dates to UTC, listings attached, articles found.

Every date is read against the page's own fetch time (relative text such as "Yesterday
at 3:15 PM" or "3 hours ago" means the same thing whenever the page is read again,
by ``reparse`` or ``extract``), with the site's language, time zone and day order.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from forumcrawl.items import ArticleItem, ThreadItem
from forumcrawl.reading.context import PageContext, infer_date_order
from forumcrawl.reading.engines.base import BoardPage, PostLinks, ThreadLink, ThreadPage
from forumcrawl.reading.extract.articles import find_article
from forumcrawl.reading.extract.dates import DateContext, normalise_date


def normalise_board(page: BoardPage, context: PageContext) -> None:
    """Resolve the listing's last-post dates to UTC, as the stored watermarks are."""
    ctx = context.settings.context(page.language, context.fetched_at, page_timezone=page.timezone)
    for link in page.threads:
        normalise_date(link.last_post, ctx)


def normalise_thread(page: ThreadPage, context: PageContext) -> None:
    """Dates to UTC and reposted articles found, for every post of the page; the thread
    takes the reply count and last-post date of the listing that led to it."""
    listing = context.listing
    if listing is not None:
        attach_listing(page.thread, listing)
    order = infer_date_order(p.posted.raw for p in page.posts)
    ctx = context.settings.context(page.language, context.fetched_at, order, page.timezone)
    if listing is None:
        normalise_date(page.thread.last_post, ctx)  # an API's own (machine) value
    for post in page.posts:
        normalise_date(post.posted, ctx)
        normalise_date(post.edited, ctx)
        if post.author is not None:
            normalise_date(post.author.joined, ctx)
        post.articles = articles_in(
            post.body_text, post.quotes, page.links.get(post.post_id), ctx, urlsplit(post.page_url).hostname
        )


def attach_listing(thread: ThreadItem, listing: ThreadLink) -> None:
    """The thread's reply count and last-post date as the listing that led to it shows
    them (the next run's watermark); the date was read with the listing's own fetch time."""
    thread.reply_count = listing.reply_count
    thread.last_post = listing.last_post


def articles_in(
    body_text: str, quotes, links: PostLinks | None, ctx: DateContext, host: str | None
) -> list[ArticleItem]:
    """The news articles a post reposts: in its own words, and in each of its quotes."""
    links = links or PostLinks()
    articles = []
    candidate = find_article(body_text, links.body, ctx, site_host=host)
    if candidate:
        articles.append(candidate)
    for i, quote in enumerate(quotes):
        found = find_article(
            quote.text,
            links.quotes[i] if i < len(links.quotes) else [],
            ctx,
            position=len(articles),
            site_host=host,
            in_quote=True,
        )
        if found:
            articles.append(found)
    for article in articles:
        normalise_date(article.published, ctx)
    return articles
