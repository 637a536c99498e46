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
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from yaml.nodes import MappingNode, Node

from . import frontmatter
from .dates import read_date
from .errors import DocumentError, DuplicateKeyError, FrontMatterError, NotADocumentError, YamlValueError
from .fields import kind_of, read_image, read_provider, read_related, read_topics, show, text_of, whole_number
from .model import Article, Problem, Value
from .urls import http_url, url_problem
from .vocabulary import PUBLISHED, Flag, misspelt, published_flag, says_false, says_unpublished
from .yamlvalues import build

__all__ = ["Parsed", "Reading", "Rejected", "parse_document", "read_text"]


@dataclass(frozen=True, slots=True)
class FieldWarning(Value):
    """Something dropped or guessed while reading a document that still serves."""

    field: str
    reason: str


@dataclass(frozen=True, slots=True)
class Rejected(Value):
    """A document that cannot be served, with what little we could still tell about it.

    `url` lets the index keep the rejected document's URL out of related links (fail closed: its
    author's intent is unknown). `withdrawn`: the broken text itself says not to show it (a duplicate
    key; a `published`, or a near miss of it, that does not say true), so a last good version must
    not keep serving. `said_false`: its text clearly says `published: false` (and nowhere true), so
    `check` counts it among the hidden documents. None is ever shown.
    """

    problem: Problem
    url: str | None = None
    withdrawn: bool = False  # the text says it must not be shown: its last good version goes too
    said_false: bool = False  # the author hid it on purpose, as far as its text tells


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


def read_text(text: str, path: str, tz: dt.tzinfo = dt.UTC, lean: bool = False) -> Reading:
    """One document's text as a `Reading`; never raises (not even for text no one imagined).

    `lean`: a document that is not to be shown (its `published` does not say true) is read only as far
    as the index needs it (`LEAN_FIELDS`): its excerpt, images, related list and unknown fields are
    not built, so their warnings, and a duplicate key inside them, go unreported (`check` reads
    whole). The article is the same either way; only what is said about it differs."""
    reading = _read_or_reject(text, path, tz, lean)
    if reading.rejected is not None and says_false(_head(text)):
        return Reading(rejected=replace(reading.rejected, said_false=True))
    return reading


def _head(text: str) -> str:
    """The front matter of a document's text, or all of it after the first line when it is not closed."""
    yaml_text = frontmatter.split(text)
    return yaml_text if yaml_text is not None else text.partition("\n")[2]


def _read_or_reject(text: str, path: str, tz: dt.tzinfo, lean: bool = False) -> Reading:
    try:
        return _read(text, path, tz, lean)
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


def _read(text: str, path: str, tz: dt.tzinfo, lean: bool = False) -> Reading:
    yaml_text = frontmatter.split(text)
    if yaml_text is None:
        raise DocumentError(path, "front matter", "not closed by a '---' line (is the file truncated?)")
    try:
        root = frontmatter.compose(yaml_text)
    except FrontMatterError as exc:
        problem = Problem(path, "front matter", str(exc))
        return Reading(rejected=Rejected(problem, withdrawn=says_unpublished(yaml_text)))
    try:
        data, problems, url = _values(root, path, lean)
    except _Rejection as exc:
        return Reading(rejected=Rejected(exc.problem, exc.url, withdrawn=True))
    try:
        parsed = read_fields(data, path, tz, problems)
    except DocumentError as exc:
        return Reading(rejected=Rejected(exc.problem, url, withdrawn=says_unpublished(yaml_text)))
    article = parsed.article
    return Reading(_slim(article), parsed.warnings)


# What the index keeps of a document that is not shown (`_slim`): all a lean reading builds of it.
LEAN_FIELDS = frozenset(
    {"webUrl", "originalUrl", "title", "publishedDateTime", "provider", "topics", "quality", "heat", "type"}
)


def _values(
    root: MappingNode, path: str, lean: bool = False
) -> tuple[dict[str, Any], dict[str, YamlValueError], str | None]:
    """Every top-level value built, with the problems of those that could not be; a duplicate key
    anywhere rejects the document (with its URL when that much could be read). `lean`: when its
    `published` (or a near miss) does not say true, only `LEAN_FIELDS` beside it are built."""
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
    if lean:  # the published flag first: a hidden document needs only what `_slim` keeps
        flags = [pair for pair in pairs if pair[0] == PUBLISHED or misspelt(pair[0]) == PUBLISHED]
        found = _build_values(flags, data, problems, memo)
        duplicate = duplicate or found
        if published_flag(data, problems, lambda field, reason: None) is not Flag.TRUE:
            pairs = [pair for pair in pairs if pair[0] in LEAN_FIELDS]
        else:
            pairs = [pair for pair in pairs if pair not in flags]
    found = _build_values(pairs, data, problems, memo)
    duplicate = duplicate or found
    if duplicate is not None:
        url = _url_of(root)
        error = DocumentError(
            path, duplicate.key, f"{duplicate.reason} The document is hidden until it is fixed."
        )
        raise _Rejection(error, url)
    return data, problems, article_url(data)


def _build_values(
    pairs: list[tuple[str, Node, int]],
    data: dict[str, Any],
    problems: dict[str, YamlValueError],
    memo: dict[int, Any],
) -> DuplicateKeyError | None:
    """Build each pair's value into `data` (or its problem into `problems`); the first duplicate key."""
    duplicate: DuplicateKeyError | None = None
    for key, node, _line in pairs:
        try:
            data[key] = build(node, key, memo)
        except DuplicateKeyError as exc:
            duplicate = duplicate or exc
        except YamlValueError as exc:
            problems[key] = exc
    return duplicate


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
                values.setdefault(key_node.value, build(value_node, key_node.value))
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
    title = text_of(data.get("title"))
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

    excerpt = text_of(data.get("excerpt"))
    if data.get("excerpt") is not None and not isinstance(data.get("excerpt"), str):
        warn("excerpt", f"expected text, got {kind_of(data.get('excerpt'))}; left out")
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
        quality=whole_number(data.get("quality"), "quality", warn),
        heat=whole_number(data.get("heat"), "heat", warn),
        doc_type=text_of(data.get("type")) or None,
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
        return f"{url_problem(web)}: {show(web)}"
    if original is None:
        return f"{url_problem(web)}, and there is no originalUrl"
    return f"{url_problem(original)} (originalUrl, as webUrl is empty): {show(original)}"


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
