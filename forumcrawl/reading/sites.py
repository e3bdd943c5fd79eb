"""Per-site settings (``sites.toml``): fix a theme or a date format without touching code.

One table per host name (``www.`` ignored)::

    ["forum.example.org"]
    engine = "phpbb3"            # skip detection
    language = "de"              # dateparser language(s): "de" or ["de", "en"]
    timezone = "Europe/Berlin"   # for dates shown as text without an offset
    date_order = "DMY"           # for ambiguous numeric dates

    ["forum.example.org".selectors]   # replace any XPath of the engine module
    posts = "//div[@class='post-row']"
    extra_chrome = ".//div[@class='ad-inside-post']"

A mistake (unknown key, unknown engine, a selector the engine does not have, an XPath
that does not compile) is an error when the file is loaded, never a silently empty crawl.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from forumcrawl.reading.engines import Engine, get_engine
from forumcrawl.reading.engines.markup import MarkupEngine
from forumcrawl.reading.normalize import SiteSettings, site_id_for

_KEYS = {"engine", "language", "languages", "timezone", "date_order", "selectors"}
_ORDERS = {"DMY", "MDY", "YMD", "YDM", "DYM", "MYD"}


class SitesFileError(ValueError):
    """``sites.toml`` says something forumcrawl cannot do."""


@dataclass(frozen=True, slots=True)
class SiteConfig:
    engine: Engine | None = None
    settings: SiteSettings | None = None
    selectors: dict[str, str] = field(default_factory=dict)


def settings_of(site: SiteConfig | None, defaults: SiteSettings) -> SiteSettings:
    """How to read this site's dates: its ``sites.toml`` entry, else the run's defaults."""
    return site.settings if site and site.settings else defaults


def _site(host: str, table: dict, defaults: SiteSettings) -> SiteConfig:
    unknown = set(table) - _KEYS
    if unknown:
        raise SitesFileError(f"[{host}]: unknown key(s) {', '.join(sorted(unknown))}; "
                             f"known: {', '.join(sorted(_KEYS))}")
    engine = None
    if "engine" in table:
        try:
            engine = get_engine(table["engine"])
        except LookupError as exc:
            raise SitesFileError(f"[{host}]: {exc}") from None
    selectors = dict(table.get("selectors") or {})
    for name, xpath in selectors.items():
        try:
            etree.XPath(xpath)
        except etree.XPathSyntaxError as exc:
            raise SitesFileError(f"[{host}].selectors.{name}: not a valid XPath ({exc})") from None
    if selectors:
        if engine is None:
            raise SitesFileError(f"[{host}]: selectors need an engine = \"...\" to apply to")
        if not isinstance(engine, MarkupEngine):
            raise SitesFileError(f"[{host}]: engine {engine.name} has no overridable selectors")
        try:
            engine = engine.customised(**selectors)
        except ValueError as exc:
            raise SitesFileError(f"[{host}]: {exc}") from None
    languages = table.get("languages", table.get("language"))
    if isinstance(languages, str):
        languages = [languages]
    order = table.get("date_order", defaults.date_order)
    if order and order not in _ORDERS:
        raise SitesFileError(f"[{host}]: date_order must be one of {', '.join(sorted(_ORDERS))}")
    settings = SiteSettings(timezone=table.get("timezone", defaults.timezone), date_order=order,
                            languages=tuple(languages) if languages else defaults.languages)
    return SiteConfig(engine=engine, settings=settings, selectors=selectors)


def site_defaults(settings) -> SiteSettings:
    """The crawl-wide reading of text dates (``FORUMCRAWL_TIMEZONE`` & co.), which a
    site's own table in ``sites.toml`` refines."""
    languages = settings.getlist("FORUMCRAWL_LANGUAGES") or None
    return SiteSettings(timezone=settings.get("FORUMCRAWL_TIMEZONE") or None,
                        date_order=settings.get("FORUMCRAWL_DATE_ORDER") or None,
                        languages=tuple(languages) if languages else None)


def load_sites(path: str | Path | None, defaults: SiteSettings = SiteSettings()) -> dict[str, SiteConfig]:
    """Read a sites file; an absent path means no per-site settings."""
    if not path:
        return {}
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SitesFileError(f"cannot read sites file {path}: {exc}") from None
    return {site_id_for(f"http://{host}/"): _site(host, table, defaults) for host, table in data.items()}


def config_for(sites: dict[str, SiteConfig], url: str) -> SiteConfig | None:
    return sites.get(site_id_for(url))
