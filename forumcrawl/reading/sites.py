"""Per-site settings (``sites.toml``): fix a theme or a date format without touching code.

One table per host name (``www.`` ignored)::

    ["forum.example.org"]
    engine = "phpbb3"            # skip detection
    language = "de"              # dateparser language(s): "de" or ["de", "en"]
    timezone = "Europe/Berlin"   # for dates shown as text without an offset
    date_order = "DMY"           # for ambiguous numeric dates

    ["forum.example.org".selectors]   # replace any selector of the engine module
    posts = "//div[@class='post-row']"
    extra_chrome = ".//div[@class='ad-inside-post']"

A mistake (unknown key, unknown engine, a selector the engine does not have, an XPath
that does not compile) is an error when the file is loaded, never a silently empty crawl.

:class:`Sites` is a run's whole reading configuration (the file, the run's defaults and
a forced engine); the spider, ``reparse`` and ``extract`` ask it for each page's
:class:`~forumcrawl.reading.context.PageContext`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from forumcrawl.reading.context import PageContext, SiteSettings, site_id_for
from forumcrawl.reading.engines import UnknownEngine, get_engine
from forumcrawl.reading.engines.base import ThreadLink

_KEYS = {"engine", "language", "languages", "timezone", "date_order", "selectors"}
_ORDERS = {"DMY", "MDY", "YMD", "YDM", "DYM", "MYD"}


class SitesFileError(ValueError):
    """``sites.toml`` says something forumcrawl cannot do."""


@dataclass(frozen=True, slots=True)
class SiteConfig:
    engine: str | None = None
    selectors: tuple[tuple[str, str], ...] = ()
    settings: SiteSettings | None = None


def _site(host: str, table: dict, defaults: SiteSettings) -> SiteConfig:
    unknown = set(table) - _KEYS
    if unknown:
        raise SitesFileError(
            f"[{host}]: unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(_KEYS))}"
        )
    engine = table.get("engine")
    selectors = tuple(sorted((table.get("selectors") or {}).items()))
    if selectors and engine is None:
        raise SitesFileError(f'[{host}]: selectors need an engine = "..." to apply to')
    if engine is not None:
        try:
            get_engine(engine, selectors)  # builds the customised engine once: errors now
        except (UnknownEngine, ValueError) as exc:
            raise SitesFileError(f"[{host}]: {exc}") from None
    languages = table.get("languages", table.get("language"))
    if isinstance(languages, str):
        languages = [languages]
    order = table.get("date_order", defaults.date_order)
    if order and order not in _ORDERS:
        raise SitesFileError(f"[{host}]: date_order must be one of {', '.join(sorted(_ORDERS))}")
    settings = SiteSettings(
        timezone=table.get("timezone", defaults.timezone),
        date_order=order,
        languages=tuple(languages) if languages else defaults.languages,
    )
    return SiteConfig(engine=engine, selectors=selectors, settings=settings)


def site_defaults(settings) -> SiteSettings:
    """The crawl-wide reading of text dates (``FORUMCRAWL_TIMEZONE`` & co. in Scrapy
    settings), which a site's own table in ``sites.toml`` refines."""
    languages = settings.getlist("FORUMCRAWL_LANGUAGES") or None
    return SiteSettings(
        timezone=settings.get("FORUMCRAWL_TIMEZONE") or None,
        date_order=settings.get("FORUMCRAWL_DATE_ORDER") or None,
        languages=tuple(languages) if languages else None,
    )


def load_sites(path: str | Path | None, defaults: SiteSettings = SiteSettings()) -> dict[str, SiteConfig]:
    """Read a sites file; an absent path means no per-site settings."""
    if not path:
        return {}
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SitesFileError(f"cannot read sites file {path}: {exc}") from None
    for host, table in data.items():
        if not isinstance(table, dict):
            raise SitesFileError(f'{path}: {host!r} is not a table of settings (["{host}"])')
    return {site_id_for(f"http://{host}/"): _site(host, table, defaults) for host, table in data.items()}


@dataclass(frozen=True)
class Sites:
    """A run's reading configuration: the sites file, the run's defaults, a forced engine."""

    configs: dict[str, SiteConfig] = field(default_factory=dict)
    defaults: SiteSettings = SiteSettings()
    engine: str | None = None  # -a engine=NAME: every page of the run

    @classmethod
    def load(
        cls, path: str | Path | None, defaults: SiteSettings = SiteSettings(), engine: str | None = None
    ) -> Sites:
        if engine is not None:
            try:
                get_engine(engine)
            except UnknownEngine as exc:
                raise SitesFileError(str(exc)) from None
        return cls(load_sites(path, defaults), defaults, engine)

    def config(self, url: str) -> SiteConfig | None:
        return self.configs.get(site_id_for(url))

    def settings(self, url: str) -> SiteSettings:
        """How to read this site's dates: its ``sites.toml`` entry, else the run's defaults."""
        site = self.config(url)
        return site.settings if site and site.settings else self.defaults

    def context(
        self,
        url: str,
        fetched_at: datetime,
        content_type: str | None = None,
        site_engine: str | None = None,
        listing: ThreadLink | None = None,
    ) -> PageContext:
        site = self.config(url)
        engine = self.engine or (site.engine if site else None)
        selectors = site.selectors if site and engine == site.engine else ()
        return PageContext(
            fetched_at=fetched_at,
            content_type=content_type,
            settings=self.settings(url),
            engine=engine,
            selectors=selectors,
            site_engine=site_engine,
            listing=listing,
        )
