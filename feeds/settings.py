"""Every `FEEDS_*` setting, read and validated once into one frozen `Settings` value.

The server, the fast path, the command line and the export all take their settings from here: a
value is read in one place, so two parts of the service can never disagree about it. A bad value
raises `ConfigError` naming the variable; an unknown `FEEDS_*` variable (a typo such as
`FEEDS_TITEL`) is reported by `unknown_variables`, which start-up logs. The variables that gunicorn's
settings read (`FEEDS_BIND`: `server_bind`) are known here too, though they are not the app's.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, NoReturn, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError
from .httppolicy import Caching
from .scan import DEFAULT_MAX_BYTES
from .urls import http_url
from .watch import Mode

PREFIX = "FEEDS_"
BIND_VARIABLE = "FEEDS_BIND"  # where `feeds serve` listens: gunicorn's settings and `--bind` read it
DEFAULT_BIND = "127.0.0.1:8000"
SERVER_VARIABLES = (BIND_VARIABLE,)  # read by the server's settings (`feeds.gunicorn_conf`), not the app


@dataclass(frozen=True, slots=True)
class Settings:
    """The service's settings. Field `x` is the variable `FEEDS_X`; the README's tables say each one."""

    content_dir: Path = Path("content")  # the folder of documents
    base_url: str | None = None  # public root of absolute URLs, no trailing slash; None: the request's host
    title: str = "Feeds"  # the site's name in feed titles and pages
    timezone: dt.tzinfo = dt.UTC  # how dates without a zone are read
    feed_limit: int = 50  # entries per feed page
    max_age: int = 300  # Cache-Control max-age, seconds
    stale_while_revalidate: int = 60  # seconds a cache may serve a stale feed while it refreshes it
    proxy_hops: int = 0  # proxies in front whose X-Forwarded-* headers are trusted
    max_document_bytes: int = DEFAULT_MAX_BYTES  # larger files are rejected
    cache_bytes: int = 64 * 1024 * 1024  # bound of the rendered-feed cache
    watch: Mode = "auto"  # auto: filesystem events, polling as the fallback; poll; off
    poll_seconds: float = 1.0  # how often polling looks for changes
    rescan_seconds: float = 300.0  # full rescans beside filesystem events, as a safety net
    parse_cache: Path | None = field(default=None)  # folder of the parse cache; None: no cache
    parse_processes: int = 1  # processes that read a cold corpus
    fast_path: bool = True  # answer repeat requests before Flask dispatch
    # The memory of what was published (`feeds.memory`): a SQLite file in this folder (None: none),
    # or PostgreSQL at `database_url`, which then wins
    data_dir: Path | None = None
    database_url: str | None = None
    tombstone_days: int = 30  # how long an entry that left a feed stays in it as an RFC 6721 tombstone
    websub_hub: tuple[str, ...] = ()  # WebSub hubs every feed names and every change is announced to

    @property
    def caching(self) -> Caching:
        """`Cache-Control` lifetimes, for the server's headers and the export's nginx config alike."""
        return Caching(self.max_age, self.stale_while_revalidate)


def default_data_dir(content_dir: Path) -> Path:
    """`$XDG_DATA_HOME/feeds/<folder name>-<hash of its absolute path>` (else under
    `~/.local/share`): one memory per content folder, never inside it."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    folder = content_dir.resolve()
    digest = hashlib.sha256(str(folder).encode()).hexdigest()[:10]
    return Path(base) / "feeds" / f"{folder.name or 'root'}-{digest}"


def default_parse_cache() -> Path:
    """`$XDG_CACHE_HOME/feeds`, else `~/.cache/feeds`."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "feeds"


def read_settings(
    environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Settings from `FEEDS_*` variables of `environ` (default: the process's), then `overrides`
    (names with or without the prefix: `{"TITLE": "News"}`; other keys are ignored). Defaults are
    `Settings`' own, except that the parse cache is on (`default_parse_cache`) and the parse
    processes default to one per core. `ConfigError` names the first invalid value."""
    environ = os.environ if environ is None else environ
    raw: dict[str, Any] = {k[len(PREFIX) :]: v for k, v in environ.items() if k.startswith(PREFIX)}
    for key, value in (overrides or {}).items():
        raw[key.removeprefix(PREFIX)] = value
    values: dict[str, Any] = {}
    for name, read in _READERS.items():
        variable = name.upper()
        if variable in raw:
            values[name] = read(raw[variable], PREFIX + variable)
    values.setdefault("parse_cache", default_parse_cache())
    if "data_dir" not in values:
        values["data_dir"] = default_data_dir(values.get("content_dir", Path("content")))
    if values.get("websub_hub") and not values.get("base_url"):
        raise ConfigError(
            "FEEDS_WEBSUB_HUB: hubs are told the feeds' public URLs, so FEEDS_BASE_URL must be set too"
        )
    if not values.get("parse_processes"):
        values["parse_processes"] = os.cpu_count() or 1
    return Settings(**values)


def unknown_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """One line for each `FEEDS_*` variable that is no setting, with the closest one when it looks
    like a typo (`FEEDS_TITEL: not a setting (did you mean FEEDS_TITLE?)`)."""
    environ = os.environ if environ is None else environ
    known = [PREFIX + f.name.upper() for f in fields(Settings)] + list(SERVER_VARIABLES)
    lines = []
    for variable in sorted(v for v in environ if v.startswith(PREFIX) and v not in known):
        close = difflib.get_close_matches(variable, known, n=1, cutoff=0.7)
        hint = f" (did you mean {close[0]}?)" if close else ""
        lines.append(f"{variable}: not a setting{hint}; ignored")
    return lines


def server_bind(environ: Mapping[str, str] | None = None) -> str:
    """Where `feeds serve` listens: `FEEDS_BIND` of `environ` (default: the process's), `HOST:PORT` or
    `unix:PATH` as gunicorn's `bind` reads it, else `127.0.0.1:8000`."""
    environ = os.environ if environ is None else environ
    return environ.get(BIND_VARIABLE) or DEFAULT_BIND


APP_LOAD_ERROR = 4  # the exit status gunicorn reads as "App failed to load": it stops instead of respawning


def cannot_start(error: ConfigError) -> NoReturn:
    """One line on stderr, and the exit status a WSGI server reads as "App failed to load": a setting
    the service cannot start with stops it once, not a worker at a time."""
    sys.stderr.write(f"feeds: cannot start: {error}\n")
    sys.stderr.flush()
    raise SystemExit(APP_LOAD_ERROR) from None


def server_workers(environ: Mapping[str, str] | None = None) -> int:
    """How many workers `feeds serve` starts: `WEB_CONCURRENCY` of `environ` (default: the process's),
    1 to 1024, else one per core; `ConfigError` naming it for anything else."""
    environ = os.environ if environ is None else environ
    raw = environ.get("WEB_CONCURRENCY", "").strip()
    return _whole(1, 1024)(raw, "WEB_CONCURRENCY") if raw else os.cpu_count() or 1


def _text(value: object, variable: str) -> str:
    return str(value)


def _path(value: object, variable: str) -> Path:
    text = str(value).strip()
    if not text:
        raise ConfigError(f"{variable}: expected a folder, got an empty value")
    return Path(text).expanduser()


def _base_url(value: object, variable: str) -> str | None:
    raw = str(value or "").strip()
    if not raw:
        return None
    url = http_url(raw)
    if url is None:
        raise ConfigError(f"{variable}: not an absolute http(s) URL: {raw!r}")
    if "?" in url or "#" in url:
        raise ConfigError(f"{variable}: a public root has no query or fragment: {raw!r}")
    return url.rstrip("/")


def _zone(value: object, variable: str) -> dt.tzinfo:
    name = str(value).strip()
    try:
        return dt.UTC if name.upper() == "UTC" else ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{variable}: unknown time zone {name!r}") from None


def _whole(minimum: int, maximum: int) -> Callable[[object, str], int]:
    """A reader of a whole number from `minimum` to `maximum`, written in ASCII digits (`²` and `٣` are
    digits to `str.isdigit`, not to `int`)."""

    def read(value: object, variable: str) -> int:
        text = str(value).strip()
        if isinstance(value, bool) or not isinstance(value, int | str) or not _DIGITS.fullmatch(text):
            raise ConfigError(f"{variable}: expected a whole number, got {value!r}")
        if int(text) < minimum:
            raise ConfigError(f"{variable}: must be at least {minimum}, got {value!r}")
        if int(text) > maximum:
            raise ConfigError(f"{variable}: must be at most {maximum}, got {value!r}")
        return int(text)

    return read


_DIGITS = re.compile(r"[0-9]{1,30}")
DELTA_SECONDS = 2**31  # the largest lifetime a cache needs to understand (RFC 9111 §1.2.2)


def _seconds(value: object, variable: str) -> float:
    try:
        seconds = float(cast(Any, value))
    except (TypeError, ValueError):
        raise ConfigError(f"{variable}: expected a number of seconds, got {value!r}") from None
    if not 0.05 <= seconds <= 86_400:
        raise ConfigError(f"{variable}: expected 0.05 to 86400 seconds, got {seconds!r}")
    return seconds


def _watch(value: object, variable: str) -> Mode:
    mode = str(value).strip().lower()
    if mode not in ("auto", "poll", "off"):
        raise ConfigError(f"{variable}: expected auto, poll or off, got {value!r}")
    return cast(Mode, mode)


def _parse_cache(value: object, variable: str) -> Path | None:
    text = str(value).strip()
    if text.lower() in ("off", "false", "0", "no"):
        return None
    return Path(text).expanduser() if text else default_parse_cache()


def _data_dir(value: object, variable: str) -> Path | None:
    text = str(value).strip()
    if text.lower() in ("off", "false", "0", "no"):
        return None
    return _path(value, variable)


def _database_url(value: object, variable: str) -> str | None:
    text = str(value).strip()
    if not text:
        return None
    if not text.startswith(("postgresql://", "postgres://")):
        raise ConfigError(f"{variable}: expected a postgresql:// URL, got {text.split('://')[0]!r}://…")
    return text


def _hubs(value: object, variable: str) -> tuple[str, ...]:
    hubs = []
    for raw in str(value).replace(",", " ").split():
        url = http_url(raw)
        if url is None:
            raise ConfigError(f"{variable}: not an absolute http(s) URL: {raw!r}")
        hubs.append(url)
    return tuple(dict.fromkeys(hubs))


def _flag(value: object, variable: str) -> bool:
    word = str(value).strip().lower()
    if word in ("true", "1", "yes", "on"):
        return True
    if word in ("false", "0", "no", "off"):
        return False
    raise ConfigError(f"{variable}: expected true or false, got {value!r}")


_READERS: dict[str, Callable[[Any, str], Any]] = {
    "content_dir": _path,
    "base_url": _base_url,
    "title": _text,
    "timezone": _zone,
    "feed_limit": _whole(1, 500),  # as `?limit=`
    "max_age": _whole(0, DELTA_SECONDS),
    "stale_while_revalidate": _whole(0, DELTA_SECONDS),
    "proxy_hops": _whole(0, 64),
    "max_document_bytes": _whole(1, 1 << 30),
    "cache_bytes": _whole(1, 1 << 40),
    "watch": _watch,
    "poll_seconds": _seconds,
    "rescan_seconds": _seconds,
    "parse_cache": _parse_cache,
    "parse_processes": _whole(0, 1024),
    "fast_path": _flag,
    "data_dir": _data_dir,
    "database_url": _database_url,
    "tombstone_days": _whole(0, 36_500),  # a century: its dates stay within `datetime`'s
    "websub_hub": _hubs,
}
assert set(_READERS) == {f.name for f in fields(Settings)}, "every setting has one reader"
