"""What the parts of a shared crawl (several processes, one frontier in Redis) agree on.

Nothing here imports Redis: a single-process crawl loads this module (the add-on is
always registered) and never needs scrapy-redis.

- :class:`~forumcrawl.shared.addon.SharedCrawl`, the Scrapy add-on that ``FORUMCRAWL_REDIS_URL`` switches on;
  the scheduler it installs is in ``forumcrawl/shared/scheduler.py``, the per-site politeness
  in ``forumcrawl/shared/slot.py``.
- :data:`PAGES_COMMITTED`: sent by the store after a transaction, with the leases
  (``leases=[...]``) of the pages it committed; the scheduler then lets go of them.
- :data:`LEASE`: the request meta key holding a request's lease.
"""

from __future__ import annotations

from scrapy.settings import BaseSettings

from forumcrawl import settings as defaults

PAGES_COMMITTED = object()
LEASE = "forumcrawl_lease"


def crawl_key(settings: BaseSettings, part: str) -> str:
    return f"forumcrawl:{settings.get('FORUMCRAWL_REDIS_CRAWL') or defaults.FORUMCRAWL_REDIS_CRAWL}:{part}"
