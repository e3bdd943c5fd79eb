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

from forumcrawl.storage.records import item_records, post_columns


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
        kwargs.setdefault("fields_to_export", post_columns())
        super().__init__(file, **kwargs)

    def export_item(self, item) -> None:
        for record in item_records(item):
            if record["type"] == "post":
                super().export_item({**record, "quotes": json.dumps(record["quotes"], ensure_ascii=False)})
