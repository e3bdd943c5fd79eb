"""Feed exports (``scrapy crawl forum -O posts.jsonl``) of the records users read.

Scrapy's own exporters would write every item as its dataclass: nested authors and
dates, the page archive's raw bytes (which JSON cannot hold) and all. These write the
records of :mod:`forumcrawl.storage.records` instead, the same ones ``forumcrawl extract``
prints: JSON and JSON Lines get every record (``type`` says which), CSV gets one row
per post, its quotes as a JSON list.
"""

from __future__ import annotations

import json

from scrapy.exporters import CsvItemExporter, JsonItemExporter, JsonLinesItemExporter

from forumcrawl.storage.records import item_records

POST_COLUMNS = (
    "post_id", "thread_id", "site_id", "url", "position", "author", "author_url", "author_id",
    "author_title", "author_joined", "author_joined_raw", "author_messages", "posted_at",
    "posted_raw", "posted_source", "edited_at", "body_text", "quotes", "signature", "reactions",
)


class _Records:
    """Export each item as its records instead of as itself."""

    def export_item(self, item) -> None:
        for record in item_records(item):
            super().export_item(record)


class RecordsJsonLinesExporter(_Records, JsonLinesItemExporter):
    pass


class RecordsJsonExporter(_Records, JsonItemExporter):
    pass


class PostsCsvExporter(CsvItemExporter):
    def __init__(self, file, **kwargs) -> None:
        kwargs.setdefault("fields_to_export", list(POST_COLUMNS))
        super().__init__(file, **kwargs)

    def export_item(self, item) -> None:
        for record in item_records(item):
            if record["type"] == "post":
                super().export_item({**record, "quotes": json.dumps(record["quotes"], ensure_ascii=False)})
