"""Settings: defaults, then `FEEDS_*` environment variables, then a test mapping (in that order)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfoNotFoundError

from .corpus import DEFAULT_MAX_BYTES
from .errors import FeedsError
from .parse import zone
from .service import Settings
from .text import http_url

DEFAULTS: dict[str, Any] = {
    "CONTENT_DIR": "content",  # FEEDS_CONTENT_DIR: the folder of documents
    "BASE_URL": "",  # FEEDS_BASE_URL: public root of absolute URLs; empty: the request's host
    "TITLE": "Feeds",  # FEEDS_TITLE: the site's name in feed titles and pages
    "TIMEZONE": "UTC",  # FEEDS_TIMEZONE: how dates without a zone are read
    "FEED_LIMIT": 50,  # FEEDS_FEED_LIMIT: entries per feed
    "MAX_AGE": 300,  # FEEDS_MAX_AGE: Cache-Control max-age, seconds
    "STALE_WHILE_REVALIDATE": 60,  # FEEDS_STALE_WHILE_REVALIDATE: seconds served stale while refreshing
    "PROXY_HOPS": 0,  # FEEDS_PROXY_HOPS: proxies in front whose X-Forwarded-* headers are trusted
    "MAX_DOCUMENT_BYTES": DEFAULT_MAX_BYTES,  # FEEDS_MAX_DOCUMENT_BYTES: larger files are rejected
    "CACHE_BYTES": 64 * 1024 * 1024,  # FEEDS_CACHE_BYTES: bound of the rendered-feed cache
}


class ConfigError(FeedsError):
    """A setting the service cannot start with."""


def settings_from(config: Mapping[str, Any]) -> Settings:
    """Validate the Flask config into core `Settings`; a bad value stops start-up with its name."""
    try:
        tz = zone(str(config["TIMEZONE"]))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"FEEDS_TIMEZONE: unknown time zone {config['TIMEZONE']!r}") from None
    return Settings(
        content_dir=Path(str(config["CONTENT_DIR"])),
        title=str(config["TITLE"]),
        timezone=tz,
        limit=_positive(config, "FEED_LIMIT"),
        max_document_bytes=_positive(config, "MAX_DOCUMENT_BYTES"),
        cache_bytes=_positive(config, "CACHE_BYTES"),
    )


def base_url(config: Mapping[str, Any]) -> str | None:
    """`FEEDS_BASE_URL` without its trailing slash, or None to use the request's host."""
    raw = str(config.get("BASE_URL") or "").strip()
    if not raw:
        return None
    url = http_url(raw)
    if url is None:
        raise ConfigError(f"FEEDS_BASE_URL: not an absolute http(s) URL: {raw!r}")
    return url.rstrip("/")


def whole_number(config: Mapping[str, Any], name: str, minimum: int = 0) -> int:
    """A setting that must be a whole number of at least `minimum`."""
    value = config[name]
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
        raise ConfigError(f"FEEDS_{name}: expected a whole number, got {value!r}")
    if int(value) < minimum:
        raise ConfigError(f"FEEDS_{name}: must be at least {minimum}, got {value!r}")
    return int(value)


def _positive(config: Mapping[str, Any], name: str) -> int:
    return whole_number(config, name, 1)
