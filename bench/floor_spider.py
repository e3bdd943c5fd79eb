"""Scrapy's own floor on the farm: fetch the same thread pages and do nothing with them.

Run by ``bench/run.py`` with ``scrapy runspider`` and the end-to-end crawl settings, so
the difference between this and the end-to-end crawl is what forumcrawl itself costs
per page (decoding, parsing, normalising, storing), and this is the most any spider
built on Scrapy could reach on this machine with these pages.

    scrapy runspider bench/floor_spider.py -a urls_file=URLS
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import scrapy


class FloorSpider(scrapy.Spider):
    name = "floor"
    custom_settings: ClassVar[dict] = {"ROBOTSTXT_OBEY": False, "COOKIES_ENABLED": False}

    def __init__(self, urls_file: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.urls = Path(urls_file).read_text(encoding="utf-8").split()

    async def start(self):
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response):
        self.crawler.stats.inc_value("floor/bytes", len(response.body))
        return None
