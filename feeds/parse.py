"""Document text → `Reading`: an article with warnings, a rejection, or "not a document". Pure, and total.

`read_text` is the one way from a file's text to an article. Whatever the text holds, it returns; no
exception escapes it (`frontmatter` builds values without PyYAML's constructors, and every step
after it turns what it cannot use into a reason). Fields that make an article unservable reject it;
fields that are merely unusable are dropped with a warning, so one odd value never costs a reader
the whole article. Where the author's intent about publishing is unclear, the document is hidden
(contract: "Which articles are visible").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from yaml.nodes import MappingNode, Node

from . import frontmatter
from .dates import read_date
from .errors import DocumentError, DuplicateKeyError, FrontMatterError, NotADocumentError, YamlValueError
from .model import Article, Image, Problem, Provider, Related, Topic, Value
from .slugs import slugify
from .text import clean_text
from .urlkeys import url_key
from .urls import host_name, http_url, url_problem
from .vocabulary import PUBLISHED, Flag, misspelt, published_flag, says_unpublished

__all__ = ["Parsed", "Reading", "Rejected", "parse_document", "read_text"]

MAX_RELATED = 500  # more is not coverage, it is noise; and each one is a link in every feed it is in


@dataclass(frozen=True, slots=True)
class FieldWarning(Value):
    """Something dropped or guessed while reading a document that still serves."""

    field: str
    reason: str


@dataclass(frozen=True, slots=True)
class Rejected(Value):
    """A document that cannot be served, with what little we could still tell about it.

    `url` lets the index keep the rejected document's URL out of related links (fail closed: its
    author's intent is unknown). `withdrawn`: the
    broken text itself says not to show it (a duplicate key; a `published`, or a near miss of it,
    that does not say true), so a last good version must not keep serving. None is ever shown.
    """

    problem: Problem
    url: str | None = None
    withdrawn: bool = False  # the text says it must not be shown: its last good version goes too


@dataclass(frozen=True, slots=True)
class Reading(Value):
    """What reading one file gave: an article (with warnings), a rejection, or not a document."""

    article: Article | None = None
    warnings: tuple[FieldWarning, ...] = ()
    rejected: Rejected | None = None  # None with no article: not a document (ignored)


@dataclass(frozen=True, slots=True)
class Parsed:
    article: Article
    warnings: tuple[FieldWarning, ...]


def front_matter(text: str) -> str | None:
    """The YAML between the first two `---` lines (see `frontmatter.split`)."""
    return frontmatter.split(text)


def read_text(text: str, path: str, tz: dt.tzinfo = dt.UTC) -> Reading:
    """One document's text as a `Reading`; never raises (not even for text no one imagined)."""
    try:
        return _read(text, path, tz)
    except NotADocumentError:
        return Reading()
    except DocumentError as exc:
        return Reading(rejected=Rejected(exc.problem))
    except Exception as exc:  # the promise is "never raises": say what happened instead
        reason = f"cannot be read ({type(exc).__name__}); please report this document"
        return Reading(rejected=Rejected(Problem(path, "document", reason)))


def parse_document(text: str, path: str, tz: dt.tzinfo = dt.UTC) -> Parsed:
    """`read_text` for callers that want an article or a `DocumentError` (`NotADocumentError` too)."""
    frontmatter.split(text)  # NotADocumentError
    read = read_text(text, path, tz)
    if read.article is None:
        assert read.rejected is not None
        raise DocumentError.of(read.rejected.problem)
    return Parsed(read.article, read.warnings)


def _read(text: str, path: str, tz: dt.tzinfo) -> Reading:
    yaml_text = frontmatter.split(text)
    if yaml_text is None:
        raise DocumentError(path, "front matter", "not closed by a '---' line (is the file truncated?)")
    try:
        root = frontmatter.compose(yaml_text)
    except FrontMatterError as exc:
        problem = Problem(path, "front matter", str(exc))
        return Reading(rejected=Rejected(problem, withdrawn=says_unpublished(yaml_text)))
    try:
        data, problems, url = _values(root, path)
    except _Rejection as exc:
        return Reading(rejected=Rejected(exc.problem, exc.url, withdrawn=True))
    try:
        parsed = read_fields(data, path, tz, problems)
    except DocumentError as exc:
        return Reading(rejected=Rejected(exc.problem, url, withdrawn=says_unpublished(yaml_text)))
    article = parsed.article
    return Reading(_slim(article), parsed.warnings)


def _values(root: MappingNode, path: str) -> tuple[dict[str, Any], dict[str, YamlValueError], str | None]:
    """Every top-level value built, with the problems of those that could not be; a duplicate key
    anywhere rejects the document (with its URL when that much could be read)."""
    data: dict[str, Any] = {}
    problems: dict[str, YamlValueError] = {}
    memo: dict[int, Any] = {}
    duplicate: DuplicateKeyError | None = None
    try:
        pairs: list[tuple[str, Node, int]] = list(frontmatter.fields(root))
        duplicate = frontmatter.merged_conflict(root, PUBLISHED)
    except DuplicateKeyError as exc:
        pairs, duplicate = [], exc
    except YamlValueError as exc:  # a merge key that names no mapping
        raise DocumentError(path, exc.key, f"line {exc.line}: {exc.reason}") from None
    for key, node, _line in pairs:
        try:
            data[key] = frontmatter.build(node, key, memo)
        except DuplicateKeyError as exc:
            duplicate = duplicate or exc
        except YamlValueError as exc:
            problems[key] = exc
    if duplicate is not None:
        url = _url_of(root)
        error = DocumentError(
            path, duplicate.key, f"{duplicate.reason} The document is hidden until it is fixed."
        )
        raise _Rejection(error, url)
    return data, problems, article_url(data)


class _Rejection(DocumentError):
    """A document rejected before its values were read, with its URL when that much was readable."""

    def __init__(self, error: DocumentError, url: str | None) -> None:
        super().__init__(error.path, error.field, error.reason)
        self.url = url


def _url_of(root: MappingNode) -> str | None:
    """The article URL of a document rejected before its values were built (to hide its related links)."""
    values: dict[str, Any] = {}
    for key_node, value_node in root.value:
        if getattr(key_node, "value", None) in ("webUrl", "originalUrl"):
            try:
                values.setdefault(key_node.value, frontmatter.build(value_node, key_node.value))
            except YamlValueError:
                continue
    return article_url(values)


def read_fields(
    data: Mapping[str, Any],
    path: str,
    tz: dt.tzinfo = dt.UTC,
    problems: Mapping[str, YamlValueError] | None = None,
) -> Parsed:
    """The article the values describe; `DocumentError` when it cannot be served."""
    problems = problems or {}
    warnings: list[FieldWarning] = []

    def warn(field: str, reason: str) -> None:
        warnings.append(FieldWarning(field, reason))

    def required(field: str) -> None:
        if field in problems:
            problem = problems[field]
            raise DocumentError(path, field, f"line {problem.line}: {problem.reason}")

    for field in ("webUrl", "originalUrl") if "webUrl" in problems else ():
        required(field)
    url = article_url(data)
    if url is None:
        raise DocumentError(path, "webUrl", _url_reason(data))
    required("title")
    title = _text(data.get("title"))
    if not title:
        raise DocumentError(path, "title", "missing or empty")
    required("publishedDateTime")
    date = read_date(data.get("publishedDateTime"), tz)
    if date.moment is None:
        raise DocumentError(path, "publishedDateTime", date.problem or "not a date")
    if date.note:
        warn("publishedDateTime", date.note)

    for key, problem in problems.items():
        if key not in ("title", "publishedDateTime", "webUrl", "originalUrl"):
            warn(key, f"line {problem.line}: {problem.reason}; left out")
    flag = published_flag(data, problems, warn)
    for key in data:
        if (known := misspelt(key)) is not None and known != PUBLISHED:
            warn(key, f"unknown field; did you mean {known!r}?")

    excerpt = _text(data.get("excerpt"))
    if data.get("excerpt") is not None and not isinstance(data.get("excerpt"), str):
        warn("excerpt", f"expected text, got {_kind(data.get('excerpt'))}; left out")
    article = Article(
        path=path,
        url=url,
        title=title,
        excerpt=excerpt,
        date_published=date.moment,
        publish=flag is Flag.TRUE,
        provider=read_provider(data.get("provider"), warn),
        topics=read_topics(data.get("topics"), warn),
        image=read_image(data.get("images"), warn),
        related=read_related(data.get("related"), warn, tz),
        quality=_int(data.get("quality"), "quality", warn),
        heat=_int(data.get("heat"), "heat", warn),
        doc_type=_text(data.get("type")) or None,
    )
    return Parsed(article, tuple(warnings))


def article_url(data: Mapping[str, Any]) -> str | None:
    """`webUrl`, or `originalUrl` when `webUrl` is missing or empty (contract)."""
    web = data.get("webUrl")
    if isinstance(web, str) and web.strip():
        return http_url(web)
    return http_url(data.get("originalUrl"))


def _url_reason(data: Mapping[str, Any]) -> str:
    web, original = data.get("webUrl"), data.get("originalUrl")
    if web is None and original is None:
        return "missing (nor is there an originalUrl)"
    if isinstance(web, str) and web.strip():
        return f"{url_problem(web)}: {_show(web)}"
    if original is None:
        return f"{url_problem(web)}, and there is no originalUrl"
    return f"{url_problem(original)} (originalUrl, as webUrl is empty): {_show(original)}"


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
            warn("images.url", f"{url_problem(item.get('url'))}: {_show(item.get('url'))}; left out")
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
    for n, item in enumerate(value):
        if len(related) >= MAX_RELATED:
            warn("related", f"more than {MAX_RELATED} related articles; the rest are left out")
            break
        url = http_url(item.get("webUrl")) if isinstance(item, dict) else None
        title = _text(item.get("title")) if isinstance(item, dict) else ""
        if url is None or not title:
            unusable += 1
            continue
        if url_key(url) in related:  # one article, however its URL is spelt
            continue
        provider = item.get("provider")
        provider_name = _text(provider.get("name")) if isinstance(provider, dict) else ""
        date = item.get("publishedDateTime", item.get("date"))
        moment = None
        if date is not None:
            reading = read_date(date, tz)
            moment = reading.moment
            if reading.problem:
                warn(f"related[{n}].publishedDateTime", f"{reading.problem}; the date is left out")
        related[url_key(url)] = Related(url, title, provider_name or None, moment)
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
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**18:
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,18}\s*", value):
        return int(value)
    warn(field, f"expected a whole number, got {_show(value)}; left out")
    return None


def _dimension(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 100_000:
        return value
    if (
        isinstance(value, str)
        and value.strip().isdigit()
        and len(value.strip()) < 6
        and 0 < int(value) < 100_000
    ):
        return int(value)
    return None


def _slim(article: Article) -> Article:
    """An unpublished article is never shown: keep what the index needs of it (its URL, date and
    provider), not its excerpt, image and related list, which are most of its memory."""
    if article.publish:
        return article
    return Article(
        article.path,
        article.url,
        article.title,
        "",
        article.date_published,
        False,
        article.provider,
        article.topics,
        None,
        (),
        article.quality,
        article.heat,
        article.doc_type,
    )


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
