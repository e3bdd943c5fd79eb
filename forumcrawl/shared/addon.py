"""The Scrapy add-on that ``FORUMCRAWL_REDIS_URL`` switches on (always registered in
``ADDONS``; it imports no Redis unless the setting is given)."""

from __future__ import annotations

from scrapy.settings import BaseSettings

from forumcrawl.shared import crawl_key


class SharedCrawl:
    """Scrapy add-on: with ``FORUMCRAWL_REDIS_URL`` set, the crawl's frontier and its
    per-domain politeness move to Redis."""

    def update_settings(self, settings: BaseSettings) -> None:
        url = settings.get("FORUMCRAWL_REDIS_URL")
        if not url:
            return

        def force(name: str, value) -> None:
            settings.set(name, value, priority=max(settings.getpriority(name) or 0, 20))

        force("REDIS_URL", url)
        force("SCHEDULER", "forumcrawl.shared.scheduler.SharedScheduler")
        force("DUPEFILTER_CLASS", "forumcrawl.shared.scheduler.SharedDupeFilter")
        force("SCHEDULER_QUEUE_CLASS", "forumcrawl.shared.scheduler.LeasedQueue")
        force("SCHEDULER_QUEUE_KEY", crawl_key(settings, "queue"))
        force("SCHEDULER_DUPEFILTER_KEY", crawl_key(settings, "seen"))
        force("SCHEDULER_PERSIST", True)  # the last worker out clears the crawl, not the first
        # The delay between two requests to a site is kept in Redis, for all workers at once;
        # each process's own downloader only keeps its share of the concurrency.
        force("FORUMCRAWL_SHARED_DELAY", settings.getfloat("DOWNLOAD_DELAY"))
        force("DOWNLOAD_DELAY", 0)
        force("RANDOMIZE_DOWNLOAD_DELAY", False)
        force("AUTOTHROTTLE_ENABLED", False)  # it measures one process's latencies only
        middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
        middlewares["forumcrawl.shared.slot.SharedSlotMiddleware"] = 900
        force("DOWNLOADER_MIDDLEWARES", middlewares)
