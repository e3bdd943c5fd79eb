"""Scrapy's offsite filter, with a redirect off the forum reported as a lost page.

A link to another host is simply not followed, as in Scrapy. A thread or listing that
*redirects* to another host (a forum moved, a thread turned into a link to a blog, a
login wall on an identity provider) is different: the page the run had to read is gone
from this crawl, so it is a failure of the run (``crawl_runs.failures``, non-zero exit),
not just an ``offsite/filtered`` stat.
"""

from __future__ import annotations

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.exceptions import IgnoreRequest

from forumcrawl.crawl.extensions.runs import record_failure


class ReportingOffsiteMiddleware(OffsiteMiddleware):
    """``OffsiteMiddleware`` that fails the run for a redirect leaving the forum's hosts."""

    def __init__(self, stats) -> None:
        super().__init__(stats)
        self.reported: set[str] = set()

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        try:
            super().process_request(request)
        except IgnoreRequest:
            chain = request.meta.get("redirect_urls")
            if chain and request.url not in self.reported:
                self.reported.add(request.url)
                self.stats.inc_value("forumcrawl/pages_lost")
                self.stats.inc_value("forumcrawl/errors/offsite_redirect")
                message = (
                    f"{chain[0]} redirects to {request.url} on another host; not followed"
                    " (add the host to the seeds' forum if it moved there)"
                )
                self.crawler.spider.logger.error(message)
                record_failure(self.stats, "offsite_redirect", message)
            raise
