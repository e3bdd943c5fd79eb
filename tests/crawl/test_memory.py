"""The garbage collector tuned for a crawl, and put back after it."""

from __future__ import annotations

import gc

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from forumcrawl.crawl.extensions.memory import CollectorTuning


def test_a_crawl_freezes_start_up_objects_raises_the_young_threshold_and_restores_both():
    before = gc.get_threshold()
    crawler = get_crawler(settings_dict={"FORUMCRAWL_GC_THRESHOLD": 40_000})
    tuning = CollectorTuning.from_crawler(crawler)
    tuning.spider_opened(None)
    try:
        assert gc.get_threshold() == (40_000, *before[1:])
        assert gc.get_freeze_count() > 1000  # Scrapy, Twisted, lxml: never scanned again
    finally:
        tuning.spider_closed(None)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_zero_keeps_cpythons_own_collector():
    with pytest.raises(NotConfigured):
        CollectorTuning.from_crawler(get_crawler(settings_dict={"FORUMCRAWL_GC_THRESHOLD": 0}))
