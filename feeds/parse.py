"""Document text → `Article`: all validation and cleaning, pure (no file I/O).

A document is YAML front matter between two `---` lines (contract: "Which files are documents").
Fields that make an article unservable raise `DocumentError`; fields that are merely unusable are
dropped and reported as warnings, so one odd value never costs a reader the whole article.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import yaml

from .errors import DocumentError
from .model import Article, Image, Provider, Related, Topic, Value
from .text import clean_text, host_name, http_url, slugify

_Loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|\Z)", re.S)
_OPENING = re.compile(r"\A\ufeff?---[ \t]*(?:\n|\Z)")
FALSE_WORDS = frozenset({"false", "no", "off", "0"})
MAX_RELATED = 500  # more is not coverage, it is noise; and each one is a link in every feed it is in


@dataclass(frozen=True, slots=True)
class FieldWarning(Value):
    """Something dropped or guessed while reading a document that still serves."""

    field: str
    reason: str


@dataclass(frozen=True, slots=True)
class Parsed:
    article: Article
    warnings: tuple[FieldWarning, ...]


class NotADocument(Exception):
    """The text has no front matter: not a document at all (ignored, and listed by `check`)."""


def front_matter(text: str) -> str | None:
    """The YAML between the first two `---` lines (LF or CRLF, with or without a byte-order mark).

    `NotADocument` when the text does not start with a `---` line; None when it does but the front
    matter is never closed (a truncated file, or one caught half-written).
    """
    text = text.replace("\r\n", "\n")
    match = _FRONT_MATTER.match(text)
    if match is not None:
        return match.group(1) or ""
    if _OPENING.match(text):
        return None
    raise NotADocument("no front matter: the text does not start with a '---' line")


def load_yaml(text: str, path: str) -> Mapping[str, Any]:
    yaml_text = front_matter(text)
    if yaml_text is None:
        raise DocumentError(path, "front matter", "not closed by a '---' line (is the file truncated?)")
    try:
        data = yaml.load(yaml_text, Loader=_Loader)  # noqa: S506 - a safe loader, C or Python
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise DocumentError(path, "front matter", f"invalid YAML{where}: {problem}") from None
    except RecursionError:
        raise DocumentError(path, "front matter", "YAML nested too deeply") from None
    if not isinstance(data, dict):
        raise DocumentError(path, "front matter", f"must be a mapping of fields, not {_kind(data)}")
    return data


def parse_document(text: str, path: str, tz: dt.tzinfo = dt.UTC) -> Parsed:
    """Read one document; raise `DocumentError` when it cannot be served."""
    return read_fields(load_yaml(text, path), path, tz)


def read_fields(data: Mapping[str, Any], path: str, tz: dt.tzinfo = dt.UTC) -> Parsed:
    warnings: list[FieldWarning] = []

    def warn(field: str, reason: str) -> None:
        warnings.append(FieldWarning(field, reason))

    url = article_url(data)
    if url is None:
        raise DocumentError(path, "webUrl", "missing or not an absolute http(s) URL (nor is originalUrl)")
    title = _text(data.get("title"))
    if not title:
        raise DocumentError(path, "title", "missing or empty")
    published = read_datetime(data.get("publishedDateTime"), tz)
    if published is None:
        shown = _show(data.get("publishedDateTime"))
        raise DocumentError(path, "publishedDateTime", f"not a date or date-time: {shown}")
    if _is_naive(data.get("publishedDateTime")):
        warn("publishedDateTime", f"no time zone; read in {tz}")

    excerpt = _text(data.get("excerpt"))
    if data.get("excerpt") is not None and not isinstance(data.get("excerpt"), str):
        warn("excerpt", f"expected text, got {_kind(data.get('excerpt'))}; left out")
    article = Article(
        path=path,
        url=url,
        title=title,
        excerpt=excerpt,
        published=published,
        flagged_published=not is_false(data.get("published")),
        provider=read_provider(data.get("provider"), warn),
        topics=read_topics(data.get("topics"), warn),
        image=read_image(data.get("images"), warn),
        related=read_related(data.get("related"), warn, tz),
        quality=_int(data.get("quality"), "quality", warn),
        heat=_int(data.get("heat"), "heat", warn),
        kind=_text(data.get("type")) or None,
    )
    return Parsed(article, tuple(warnings))


def article_url(data: Mapping[str, Any]) -> str | None:
    """`webUrl`, or `originalUrl` when `webUrl` is missing or empty (contract)."""
    web = data.get("webUrl")
    if isinstance(web, str) and web.strip():
        return http_url(web)
    return http_url(data.get("originalUrl"))


def is_false(value: object) -> bool:
    """`published: false`, and its string and number spellings, hide a document (contract)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | str):
        return str(value).strip().lower() in FALSE_WORDS
    return False


def read_datetime(value: object, tz: dt.tzinfo) -> dt.datetime | None:
    """A YAML timestamp, date or string as an aware UTC datetime; naive values are read in `tz`."""
    try:
        if isinstance(value, dt.datetime):
            moment = value
        elif isinstance(value, dt.date):
            moment = dt.datetime(value.year, value.month, value.day)  # noqa: DTZ001 - zone set below
        elif isinstance(value, str) and value.strip():
            moment = _datetime_from_string(value.strip())
        else:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=tz)
        return moment.astimezone(dt.UTC)
    except (ValueError, OverflowError):  # year 1 minus an offset, and the like
        return None


def _datetime_from_string(value: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)  # RFC 822, as RSS writes dates
        if parsed is None:  # pragma: no cover - older Pythons returned None
            raise
        return parsed


def _is_naive(value: object) -> bool:
    if isinstance(value, dt.datetime):
        return value.tzinfo is None
    if isinstance(value, dt.date):
        return True
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.strip()).tzinfo is None
        except ValueError:
            return False
    return False


def read_provider(value: object, warn: Callable[[str, str], None]) -> Provider | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        warn("provider", f"expected a mapping with name and domain, got {_kind(value)}; left out")
        return None
    name = _text(value.get("name"))
    raw_domain = value.get("domain")
    domain = host_name(raw_domain) if isinstance(raw_domain, str) and raw_domain.strip() else None
    if raw_domain is not None and domain is None:
        warn("provider.domain", f"not a host name: {_show(raw_domain)}; left out")
    if domain:
        return _shared(Provider(slug=domain, name=name or domain, domain=domain))
    if name and slugify(name):
        return _shared(Provider(slug=slugify(name), name=name))
    warn("provider", "has neither a usable domain nor a name; left out")
    return None


def read_topics(value: object, warn: Callable[[str, str], None]) -> tuple[Topic, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        warn("topics", f"expected a list, got {_kind(value)}; left out")
        return ()
    topics: dict[str, Topic] = {}
    for item in value:
        if item is None or item == "":
            continue  # null or empty topics are skipped (contract), silently: real data has many
        name = _text(item) if isinstance(item, str | int | float) and not isinstance(item, bool) else ""
        slug = slugify(name)
        if not slug:
            warn("topics", f"not a topic name: {_show(item)}; left out")
            continue
        topics.setdefault(slug, _shared(Topic(slug, name)))
    return tuple(topics.values())


V = TypeVar("V", Provider, Topic)
_SHARED: dict[Provider | Topic, Provider | Topic] = {}
SHARED_MAX = 100_000


def _shared(value: V) -> V:
    """One object for equal providers and topics: a large corpus holds a few hundred of them, not one
    per document (memory, and the parse cache stores each once per chunk)."""
    if len(_SHARED) >= SHARED_MAX:
        _SHARED.clear()
    return _SHARED.setdefault(value, value)  # type: ignore[return-value]


def read_image(value: object, warn: Callable[[str, str], None]) -> Image | None:
    """The first image with an absolute http(s) URL."""
    if value is None:
        return None
    if not isinstance(value, list):
        warn("images", f"expected a list, got {_kind(value)}; left out")
        return None
    for item in value:
        if not isinstance(item, dict):
            warn("images", f"expected a mapping with url, width and height, got {_kind(item)}; left out")
            continue
        url = http_url(item.get("url"))
        if url is None:
            warn("images.url", f"not an absolute http(s) URL: {_show(item.get('url'))}; left out")
            continue
        return Image(url, _dimension(item.get("width")), _dimension(item.get("height")))
    return None


def read_related(value: object, warn: Callable[[str, str], None], tz: dt.tzinfo) -> tuple[Related, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        warn("related", f"expected a list, got {_kind(value)}; left out")
        return ()
    related: dict[str, Related] = {}
    unusable = 0
    for item in value:
        if len(related) >= MAX_RELATED:
            warn("related", f"more than {MAX_RELATED} related articles; the rest are left out")
            break
        url = http_url(item.get("webUrl")) if isinstance(item, dict) else None
        title = _text(item.get("title")) if isinstance(item, dict) else ""
        if url is None or not title:
            unusable += 1
            continue
        if url in related:
            continue
        provider = item.get("provider")
        provider_name = _text(provider.get("name")) if isinstance(provider, dict) else ""
        date = item.get("publishedDateTime", item.get("date"))
        related[url] = Related(url, title, provider_name or None, read_datetime(date, tz))
    if unusable:
        warn("related", f"{unusable} related article(s) without an http(s) webUrl or a title; left out")
    return tuple(related.values())


def _text(value: object) -> str:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _int(value: object, field: str, warn: Callable[[str, str], None]) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,18}\s*", value):
        return int(value)
    warn(field, f"expected a whole number, got {_show(value)}; left out")
    return None


def _dimension(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 100_000:
        return value
    if isinstance(value, str) and value.strip().isdigit() and 0 < int(value) < 100_000:
        return int(value)
    return None


def _kind(value: object) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "a boolean"}.get(
        type(value), type(value).__name__ if value is not None else "nothing"
    )


def _show(value: object) -> str:
    """A value for a message: short, one line, and never more of the document than needed.

    Containers are described, never printed: an alias bomb (billion laughs) is tiny as YAML and
    astronomically large as text.
    """
    if isinstance(value, dict | list):
        return f"{_kind(value)} of {len(value)} item(s)"
    if isinstance(value, str):
        text = repr(value.strip()[:80])
        return clean_text(text if len(text) <= 60 else text[:57] + "...")
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def zone(name: str) -> dt.tzinfo:
    """The `FEEDS_TIMEZONE` setting as a tzinfo."""
    return dt.UTC if name.upper() == "UTC" else ZoneInfo(name)
