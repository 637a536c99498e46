"""Settings: defaults, then `FEEDS_*` environment variables, then a test mapping (in that order)."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfoNotFoundError

from .corpus import DEFAULT_MAX_BYTES
from .errors import FeedsError
from .parse import zone
from .parsecache import default_folder
from .service import Settings
from .urls import http_url
from .watch import Mode

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
    "WATCH": "auto",  # FEEDS_WATCH: auto (filesystem events, polling fallback), poll, or off
    "POLL_SECONDS": 1.0,  # FEEDS_POLL_SECONDS: how often polling looks for changes
    "RESCAN_SECONDS": 300.0,  # FEEDS_RESCAN_SECONDS: full rescans beside filesystem events, as a safety net
    "PARSE_CACHE": "",  # FEEDS_PARSE_CACHE: folder of the parse cache; empty: ~/.cache/feeds; off: none
    "PARSE_PROCESSES": 0,  # FEEDS_PARSE_PROCESSES: processes that read a cold corpus; 0: one per core
    "FAST_PATH": True,  # FEEDS_FAST_PATH: answer repeat requests before Flask dispatch (false: always Flask)
}


class ConfigError(FeedsError):
    """A setting the service cannot start with."""


@dataclass(frozen=True, slots=True)
class Caching:
    """How long caches may keep a cacheable response, in seconds: `Cache-Control` `max-age`
    (RFC 9111 §5.2.2.1) and `stale-while-revalidate` (RFC 5861 §3). The server's headers and the
    static export's nginx config are both made from this one value (`caching`)."""

    max_age: int
    stale_while_revalidate: int


def caching(config: Mapping[str, Any]) -> Caching:
    """`FEEDS_MAX_AGE` and `FEEDS_STALE_WHILE_REVALIDATE`, validated; `ConfigError` names a bad one."""
    return Caching(whole_number(config, "MAX_AGE"), whole_number(config, "STALE_WHILE_REVALIDATE"))


def content_dir_problem(path: Path) -> str | None:
    """Why `path` cannot be read as a content folder ("does not exist", "is not a folder",
    "cannot be read (Permission denied)"), or None when it is a folder whose entries can be listed
    and looked at. It tries, rather than trusting mode bits: root, ACLs and mounts decide too."""
    try:
        if not stat.S_ISDIR(os.stat(path).st_mode):
            return "is not a folder"
        with os.scandir(path) as entries:
            first = next(entries, None)
        if first is not None:
            os.lstat(first.path)  # needs search (x) permission on the folder, not only read
    except FileNotFoundError as exc:
        if exc.filename is None or os.fspath(exc.filename) == os.fspath(path):
            return "does not exist"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or type(exc).__name__})"
    return None


def require_content_dir(path: Path, source: str = "FEEDS_CONTENT_DIR") -> None:
    """`ConfigError` naming the folder (absolute), the reason and where the path came from, when
    `content_dir_problem` finds one."""
    problem = content_dir_problem(path)
    if problem is not None:
        raise ConfigError(f"content folder {os.path.abspath(path)} {problem} ({source})")


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
        watch=_watch_mode(config),
        poll_seconds=_seconds(config, "POLL_SECONDS"),
        rescan_seconds=_seconds(config, "RESCAN_SECONDS"),
        parse_cache=_parse_cache(config),
        parse_processes=whole_number(config, "PARSE_PROCESSES") or os.cpu_count() or 1,
    )


def _parse_cache(config: Mapping[str, Any]) -> Path | None:
    raw = str(config["PARSE_CACHE"]).strip()
    if raw.lower() in ("off", "false", "0", "no"):
        return None
    return Path(raw).expanduser() if raw else default_folder()


def _watch_mode(config: Mapping[str, Any]) -> Mode:
    mode = str(config["WATCH"]).strip().lower()
    if mode not in ("auto", "poll", "off"):
        raise ConfigError(f"FEEDS_WATCH: expected auto, poll or off, got {config['WATCH']!r}")
    return cast(Mode, mode)


def _seconds(config: Mapping[str, Any], name: str) -> float:
    try:
        value = float(config[name])
    except (TypeError, ValueError):
        raise ConfigError(f"FEEDS_{name}: expected a number of seconds, got {config[name]!r}") from None
    if not 0.05 <= value <= 86_400:
        raise ConfigError(f"FEEDS_{name}: expected 0.05 to 86400 seconds, got {value!r}")
    return value


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


def flag(config: Mapping[str, Any], name: str) -> bool:
    """A yes/no setting: true/false, 1/0, yes/no, on/off."""
    value = str(config[name]).strip().lower()
    if value in ("true", "1", "yes", "on"):
        return True
    if value in ("false", "0", "no", "off"):
        return False
    raise ConfigError(f"FEEDS_{name}: expected true or false, got {config[name]!r}")
