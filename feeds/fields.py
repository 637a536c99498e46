"""Reading one document's optional fields: what is unusable is dropped with a warning, never fatal.

Each reader takes the built YAML value of one field and a `warn(field, reason)` callback, and gives
the cleaned value (plain text, URIs, aware UTC dates) or nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from .dates import read_date
from .errors import quoted
from .model import Article, Image, Provider, Related, Topic
from .scalars import is_bool, written
from .slugs import short, slugify
from .text import clean_text, one_line
from .urlkeys import url_key
from .urls import host_name, http_url, url_problem

_WHOLE = re.compile(r"\s*[-+]?[0-9]{1,4300}\s*")  # 4300: Python's int() limit on digits
MAX_WHOLE = 10**18 - 1  # `quality` and `heat`
MAX_PIXELS = 99_999  # an image's width or height
MAX_RELATED = 500  # more is not coverage, it is noise; and each one is a link in every feed it is in
MAX_TOPICS = 100  # each is a feed the entry is in, and a category in each of them: the export's size squares
Warn = Callable[[str, str], None]  # (field, reason)


def url_reason(data: Mapping[str, Any]) -> str:
    """Why neither `webUrl` nor `originalUrl` gives an article URL, quoting what was written."""
    web, original = data.get("webUrl"), data.get("originalUrl")
    if web is None and original is None:
        return "missing (nor is there an originalUrl)"
    if isinstance(web, str) and web.strip():
        return f"{url_problem(web)}: {show(web)}"
    if original is None:
        return f"{url_problem(web)}, and there is no originalUrl"
    return f"{url_problem(original)} (originalUrl, as webUrl is empty): {show(original)}"


# The endings of the site's file names (`presentation.page_path`: feeds, their `.gz`, HTML pages): a
# provider's slug is its domain, so a domain ending in one would name another feed's file or page
# (`news.atom`, the Atom feed of the provider `news`); none is a top-level domain
FILE_ENDINGS = frozenset({"atom", "rss", "json", "gz", "html"})


def read_provider(value: object, warn: Warn) -> Provider | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        warn("provider", f"expected a mapping with name and domain, got {kind_of(value)}; left out")
        return None
    name = text_of(value.get("name"))
    raw_domain = value.get("domain")
    raw_domain = written(raw_domain) or raw_domain
    domain = host_name(raw_domain) if isinstance(raw_domain, str) and raw_domain.strip() else None
    if raw_domain is not None and domain is None:
        warn("provider.domain", f"not a host name: {show(raw_domain)}; left out")
    elif domain is not None and (ending := domain.rpartition(".")[2]) in FILE_ENDINGS:
        said = f"ends in .{ending}, as the site's files do (no domain does): {show(raw_domain)}; left out"
        warn("provider.domain", said)
        domain = None
    if domain:
        return _shared(Provider(slug=short(domain), name=name or domain, domain=domain))
    if name and slugify(name):
        return _shared(Provider(slug=slugify(name), name=name))
    warn("provider", "has neither a usable domain nor a name; left out")
    return None


def read_topics(value: object, warn: Warn) -> tuple[Topic, ...]:
    if value is None:
        return ()
    lone = isinstance(value, str) or written(value) is not None
    if lone:
        value = [value]  # one topic, as written: `topics: AI`, `topics: 3.10`
    if not isinstance(value, list):
        warn("topics", f"expected a list, got {kind_of(value)}; left out")
        return ()
    topics: dict[str, Topic] = {}
    for n, item in enumerate(value):
        if item is None or item == "":
            continue  # null or empty topics are skipped (contract), silently: real data has many
        name = text_of(item)
        slug = slugify(name)
        if not slug:  # named by its place in the list (`topics[2]`), as YAML values are
            warn("topics" if lone else f"topics[{n}]", f"not a topic name: {show(item)}; left out")
            continue
        topics.setdefault(slug, _shared(Topic(slug, name)))
    if len(topics) > MAX_TOPICS:
        warn("topics", f"{len(topics)} topics: the first {MAX_TOPICS} are kept, the rest left out")
    return tuple(topics.values())[:MAX_TOPICS]


V = TypeVar("V", Provider, Topic)
_SHARED: dict[Provider | Topic, Provider | Topic] = {}
SHARED_MAX = 100_000


def _shared(value: V) -> V:
    """One object for equal providers and topics: a large corpus holds a few hundred of them, not one
    per document (memory, and the parse cache stores each once per chunk)."""
    if len(_SHARED) >= SHARED_MAX:
        _SHARED.clear()
    return _SHARED.setdefault(value, value)  # type: ignore[return-value]


def read_image(value: object, warn: Warn, dropped: Mapping[str, str] | None = None) -> Image | None:
    """The first image with an absolute http(s) URL; each item that has none (before it or after), and
    each size of any item that is not a whole number of pixels in [1, `MAX_PIXELS`], is warned about by path
    (`images[0].url`, `images[0].width`). `dropped`: why a value YAML could not build was left out,
    by path (`images[0].url` → `line 5: unsupported YAML tag …`), said instead of `missing`."""
    if value is None:
        return None
    if not isinstance(value, list):
        warn("images", f"expected a list, got {kind_of(value)}; left out")
        return None
    chosen: Image | None = None
    for n, item in enumerate(value):  # every item looked at: one left out after the first is said too
        if not isinstance(item, dict):
            expected = "expected a mapping with url, width and height"
            warn(f"images[{n}]", f"{expected}, got {kind_of(item)}; left out")
            continue
        given = item.get("url")
        url = http_url(given)
        if url is None:
            reason = "missing" if "url" not in item else "empty" if given is None else url_problem(given)
            reason = (dropped or {}).get(f"images[{n}].url", reason)
            warn(f"images[{n}].url", f"{reason}{'' if given is None else ': ' + show(given)}; left out")
        else:  # the sizes of each usable item are looked at too: bad ones are said, though one is used
            sizes = [_dimension(item.get(key), f"images[{n}].{key}", warn) for key in ("width", "height")]
            chosen = chosen or Image(url, sizes[0], sizes[1])
    return chosen


def read_related(
    value: object, warn: Warn, tz: dt.tzinfo, dropped: Mapping[str, str] | None = None
) -> tuple[Related, ...]:
    """The usable related articles, one per article however its URL is spelt. Each item left out is
    warned about by name: `related[3] (https://…)`, or `('its title')` when it has no URL; `dropped`:
    as `read_image`'s (`related[3].title`)."""
    why = dropped or {}
    if value is None:
        return ()
    if not isinstance(value, list):
        warn("related", f"expected a list, got {kind_of(value)}; left out")
        return ()
    related: dict[str, Related] = {}
    for n, item in enumerate(value):
        if len(related) >= MAX_RELATED:
            warn("related", f"more than {MAX_RELATED} related articles; the rest are left out")
            break
        if not isinstance(item, dict):
            warn(f"related[{n}]", "not a mapping with a webUrl and a title; left out")
            continue
        name = _item_name(n, item)
        url, title = http_url(item.get("webUrl")), text_of(item.get("title"))
        if url is None:
            given = item.get("webUrl")
            reason = why.get(f"related[{n}].webUrl", "missing" if given is None else url_problem(given))
            warn(name, f"webUrl: {reason}; left out")
            continue
        if not title:
            reason = why.get(f"related[{n}].title") or field_problem(item, "title")
            warn(name, f"title: {reason}; left out")
            continue
        key = url_key(url)
        if key in related:  # one article, however its URL is spelt
            continue
        provider = item.get("provider")
        provider_name = text_of(provider.get("name")) if isinstance(provider, dict) else ""
        date = item.get("publishedDateTime", item.get("date"))
        moment = None
        if date is not None:
            reading = read_date(date, tz)
            moment = reading.moment
            if reading.problem:
                warn(name, f"publishedDateTime: {reading.problem}; the date is left out")
            elif reading.note:
                warn(name, f"publishedDateTime: {reading.note}")
        related[key] = Related(url, title, provider_name or None, moment)
    return tuple(related.values())


def _item_name(n: int, item: dict[str, object]) -> str:
    """`related[n] (its webUrl as written)`, else `related[n] ('its title')`, else `related[n]`."""
    url = item.get("webUrl")
    if isinstance(url, str) and url.strip():
        return f"related[{n}] ({one_line(url.strip()[:200])})"
    title = text_of(item.get("title"))
    return f"related[{n}] ({show(title)})" if title else f"related[{n}]"


def text_of(value: object) -> str:
    """A text field's value as the author wrote it: text cleaned (`text.clean_text`), and a plain
    scalar that YAML reads as a number or boolean (`1e3`, `007`, `TRUE`) as its own text; "" for
    anything else (nothing, a list, a mapping)."""
    if isinstance(value, str):
        return clean_text(value)
    source = written(value)
    return clean_text(source) if source is not None else ""


def field_problem(item: Mapping[str, object], key: str) -> str:
    """Why `item`'s text field `key` gives no text: `missing` when it is not there, `empty` when it is
    null, else `text_problem`'s words."""
    if key not in item:
        return "missing"
    return "empty" if item[key] is None else text_problem(item[key])


def text_problem(value: object) -> str:
    """Why `text_of(value)` is empty, in words: `missing`, `empty` (`empty: '<b></b>' shows no text` when
    something is written that shows nothing), or `not text: a list of 2 item(s)`."""
    if value is None:
        return "missing"
    if isinstance(value, dict | list):
        return f"not text: {show(value)}"
    if isinstance(value, str) and value.strip():  # markup or invisible characters only: quoted
        return f"empty: {show(value)} shows no text"
    return "empty" if isinstance(value, str) or written(value) is not None else f"not text: {show(value)}"


def whole_number(value: object, field: str, warn: Warn) -> int | None:
    """A whole number (`quality`, `heat`) in [-`MAX_WHOLE`, `MAX_WHOLE`]: a YAML integer (any
    spelling: `0x1F`) or digits as text; None with a warning quoting what was written otherwise."""
    return _bounded(value, field, warn, -MAX_WHOLE, MAX_WHOLE, "a whole number")


def _dimension(value: object, field: str, warn: Warn) -> int | None:
    return _bounded(value, field, warn, 1, MAX_PIXELS, "a whole number of pixels")


def _bounded(value: object, field: str, warn: Warn, low: int, high: int, kind: str) -> int | None:
    """`value` as an int in [low, high]; None, with a warning that quotes it and says why, otherwise."""
    if value is None:
        return None
    text = value if isinstance(value, str) and _WHOLE.fullmatch(value) else None
    number = int(value) if isinstance(value, int) and not is_bool(value) else int(text) if text else None
    if number is None:
        warn(field, f"expected {kind}, got {show(value)}; left out")
    elif not low <= number <= high:
        warn(field, f"out of range: {show(value)} (expected {kind} from {low} to {high}); left out")
    else:
        return number
    return None


def kind_of(value: object) -> str:
    """What a value is, in words (`a mapping`, `a boolean`, `a number`, `nothing`)."""
    if written(value) is not None:
        return show(value)
    if is_bool(value):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    kinds: dict[type, str] = {dict: "a mapping", list: "a list", str: "text"}
    return kinds.get(type(value), type(value).__name__ if value is not None else "nothing")


def show(value: object) -> str:
    """A value for a message: short, one line, and never more of the document than needed.

    Containers are described, never printed: an alias bomb (billion laughs) is tiny as YAML and
    astronomically large as text.
    """
    if isinstance(value, dict | list):
        return f"{kind_of(value)} of {len(value)} item(s)"
    value = written(value) or value
    if value is None:
        return "nothing"
    text = quoted((value.strip() or value)[:80]) if isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def slim(article: Article) -> Article:
    """An unpublished article is never shown: keep what the index needs of it (its path, URLs, title
    and date), not its excerpt, provider, topics, image and related list, which are most of its memory."""
    if article.publish:
        return article
    return Article(
        article.path,
        article.url,
        article.title,
        "",
        article.date_published,
        False,
        None,
        other_urls=article.other_urls,
        other_titles=article.other_titles,
    )
