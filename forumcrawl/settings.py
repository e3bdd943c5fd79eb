"""Scrapy settings for forumcrawl: polite by default, offline when a replay directory is set.

forumcrawl's own settings (override with ``-s NAME=VALUE``):

- ``FORUMCRAWL_DB``: SQLite file to write (default ``forumcrawl.db`` in the working directory).
- ``FORUMCRAWL_REPLAY_DIR``: serve every request from saved pages in this directory.
- ``FORUMCRAWL_TIMEZONE``: timezone of dates shown as text without an offset (default: the
  zone the page states, "All times are GMT -5", else UTC).
- ``FORUMCRAWL_DATE_ORDER``: ``DMY``/``MDY``/``YMD`` for ambiguous numeric dates.
- ``FORUMCRAWL_LANGUAGES``: dateparser languages for text dates (default: the page's lang).
- ``FORUMCRAWL_BATCH_SIZE``: items written per SQLite transaction.
- ``FORUMCRAWL_SITES``: per-site settings file (see ``forumcrawl/reading/sites.py``).
- ``FORUMCRAWL_COOKIES``: a cookies.txt (Netscape format, as browser extensions export
  it) for logged-in crawls; its cookies go with the seed requests of their sites.
- ``FORUMCRAWL_MAX_RETRY_AFTER``: longest ``Retry-After`` waited for (seconds); a site
  asking for more is left alone for the rest of the run (see ``forumcrawl/crawl/middlewares/retry.py``).
- ``FORUMCRAWL_BOARD_EARLY_STOP``: stop paging a board at a listing page whose last
  thread is unchanged (listings show the latest activity first); ``-a full=1`` ignores it.
- ``FORUMCRAWL_DRIFT_MIN_POSTS``, ``FORUMCRAWL_DRIFT_RATIO``: when a field (date, author,
  user title, ...) filled on a site's stored posts is missing from this run's, the run
  fails as layout drift (see ``forumcrawl/crawl/pipelines/drift.py``); 0 posts turns the check off.
- ``FORUMCRAWL_GC_THRESHOLD``: the garbage collector's young-generation threshold during a
  crawl (``forumcrawl/crawl/extensions/memory.py``); 0 keeps CPython's.
- ``FORUMCRAWL_PARSE_WORKERS``: processes that read pages (default: one per core;
  0 reads in the crawl's own process); ``FORUMCRAWL_PARSE_TIMEOUT``:
  seconds a page may take to read (see ``forumcrawl/reading/workers.py``).
- ``FORUMCRAWL_PROGRESS_INTERVAL``, ``FORUMCRAWL_PROGRESS_LIVE``: a progress line every so
  many seconds, or a live status line on a terminal (``forumcrawl/crawl/extensions/progress.py``).
"""

import os

BOT_NAME = "forumcrawl"
SPIDER_MODULES = ["forumcrawl.crawl.spiders"]
NEWSPIDER_MODULE = "forumcrawl.crawl.spiders"
COMMANDS_MODULE = "forumcrawl.crawl.commands"

FORUMCRAWL_DB = "forumcrawl.db"
FORUMCRAWL_REPLAY_DIR = None
FORUMCRAWL_TIMEZONE = ""  # the page's stated zone, else UTC
FORUMCRAWL_DATE_ORDER = None
FORUMCRAWL_LANGUAGES = []
FORUMCRAWL_BATCH_SIZE = 500
FORUMCRAWL_BOARD_EARLY_STOP = True
FORUMCRAWL_DRIFT_MIN_POSTS = 20  # posts needed, this run and stored, to judge layout drift
FORUMCRAWL_DRIFT_RATIO = 0.5
# Per-site settings (engine, language, timezone, date order, selectors): a sites.toml in
# the working directory is used when present; -s FORUMCRAWL_SITES=PATH names another.
FORUMCRAWL_SITES = "sites.toml" if os.path.exists("sites.toml") else None

USER_AGENT = "forumcrawl/0.1 (forum archiving crawler; set USER_AGENT to include your contact)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
COOKIES_ENABLED = True
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
DOWNLOAD_FAIL_ON_DATALOSS = False
REDIRECT_MAX_TIMES = 8  # a forum's redirects are one or two hops; more is a loop

DOWNLOADER_MIDDLEWARES = {
    # Retry-After, Crawl-delay and block pages, in Scrapy's retry middleware's place.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "forumcrawl.crawl.middlewares.retry.PoliteMiddleware": 550,
    # Scrapy's offsite filter, failing the run when a page redirects to another host.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "forumcrawl.crawl.middlewares.offsite.ReportingOffsiteMiddleware": 50,
    # Before the cache and the network, after robots.txt handling.
    "forumcrawl.crawl.middlewares.replay.ReplayMiddleware": 950,
}
FORUMCRAWL_COOKIES = None
FORUMCRAWL_MAX_RETRY_AFTER = 600  # seconds; a site asking for longer is left for this run
# Items come read, normalised and validated from the page-reading service
# (forumcrawl/reading/service.py); the pipelines watch for layout drift and store them.
ITEM_PIPELINES = {
    "forumcrawl.crawl.pipelines.drift.DriftPipeline": 300,
    "forumcrawl.crawl.pipelines.store.StorePipeline": 900,
}
EXTENSIONS = {
    "forumcrawl.crawl.extensions.runs.RunRecorder": 500,
    "forumcrawl.crawl.extensions.progress.Progress": 510,
    "forumcrawl.crawl.extensions.memory.CollectorTuning": 520,
}
# Young-generation threshold of the garbage collector during a crawl, start-up objects
# frozen (forumcrawl/crawl/extensions/memory.py); 0 keeps CPython's own (700).
FORUMCRAWL_GC_THRESHOLD = 50_000
# Worker processes that read pages (forumcrawl/reading/workers.py): None is one per core
# this process may use; 0 reads in the crawl's process.
FORUMCRAWL_PARSE_WORKERS = None
FORUMCRAWL_PARSE_TIMEOUT = 60.0  # seconds a page may take to read before it fails
# One progress line every this many seconds (0: none); a live status line instead when
# standard error is a terminal (FORUMCRAWL_PROGRESS_LIVE=False keeps the log lines).
FORUMCRAWL_PROGRESS_INTERVAL = 60.0
LOGSTATS_INTERVAL = 0  # Scrapy's "Crawled N pages" line: the progress line says more
STATS_DUMP = False  # Scrapy's stats: logged at DEBUG by the progress extension, and kept in crawl_runs.stats

# Seen requests are remembered for one run only: what is stored is known from the database
# (forumcrawl/crawl/incremental.py), so a killed run's sent-but-unstored pages are asked again.
DUPEFILTER_CLASS = "forumcrawl.crawl.scheduler.RunDupeFilter"
SCHEDULER_DISK_QUEUE = "forumcrawl.crawl.scheduler.ResumableDiskQueue"  # with JOBDIR only
# Scrapy's scheduler, with an unreadable JOBDIR active.json set aside instead of fatal
SCHEDULER = "forumcrawl.crawl.scheduler.ResumableScheduler"

TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
# -O posts.jsonl / .json / .csv write the records `forumcrawl extract` prints (forumcrawl/crawl/exporters.py)
FEED_EXPORTERS = {
    "jsonlines": "forumcrawl.crawl.exporters.RecordsJsonLinesExporter",
    "jsonl": "forumcrawl.crawl.exporters.RecordsJsonLinesExporter",
    "json": "forumcrawl.crawl.exporters.RecordsJsonExporter",
    "csv": "forumcrawl.crawl.exporters.PostsCsvExporter",
}
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = "INFO"
# no DEBUG record made per item and per page unless LOG_LEVEL is DEBUG (forumcrawl/crawl/logformatter.py)
LOG_FORMATTER = "forumcrawl.crawl.logformatter.QuietLogFormatter"

# A crawl shared by several processes through Redis (forumcrawl/shared/scheduler.py): set
# FORUMCRAWL_REDIS_URL (needs `pip install 'forumcrawl[shared]'`); workers of one crawl share
# FORUMCRAWL_REDIS_CRAWL; a worker silent for FORUMCRAWL_REDIS_WORKER_TIMEOUT seconds is dead
# and its requests go to the others. FORUMCRAWL_MARKS_DB: read the incremental watermarks from
# this database (the merged one) instead of FORUMCRAWL_DB (this worker's shard).
FORUMCRAWL_REDIS_URL = None
FORUMCRAWL_REDIS_CRAWL = "forum"
FORUMCRAWL_REDIS_WORKER_TIMEOUT = 60
FORUMCRAWL_MARKS_DB = None
ADDONS = {"forumcrawl.shared.addon.SharedCrawl": 0}
