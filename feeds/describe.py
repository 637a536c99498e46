"""The article a document's values describe (`read_fields`): the fields it cannot be served without
(its URL, title and date: else `DocumentError`), the published flag, and a warning for each value
left out or guessed (`FieldWarning`). `parse` builds the values; this decides what they make."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .dates import read_date
from .docurls import article_url, other_urls
from .errors import DocumentError, YamlValueError, quoted
from .fields import (
    field_problem,
    kind_of,
    read_image,
    read_provider,
    read_related,
    read_topics,
    text_of,
    url_reason,
    whole_number,
)
from .model import Article, Value
from .text import one_line
from .vocabulary import PUBLISHED, Flag, misspelt, published_flag

_ITEM_NEEDS = re.compile(r"images\[\d+\]\.url|related\[\d+\]\.(?:webUrl|title)")


@dataclass(frozen=True, slots=True)
class FieldWarning(Value):
    """Something dropped or guessed while reading a document that still serves."""

    field: str
    reason: str


@dataclass(frozen=True, slots=True)
class Parsed:
    article: Article
    warnings: tuple[FieldWarning, ...]


def read_fields(
    data: Mapping[str, Any],
    path: str,
    tz: dt.tzinfo = dt.UTC,
    problems: Mapping[str, YamlValueError] | None = None,
    lines: Mapping[str, int] | None = None,
) -> Parsed:
    """The article the values describe; `DocumentError` when it cannot be served, its reason
    starting `line N: ` when the field is written (`lines`: each top-level key's line)."""
    problems = problems or {}
    warnings: list[FieldWarning] = []

    def warn(field: str, reason: str) -> None:
        warnings.append(FieldWarning(field, reason))

    def reject(field: str, reason: str, line: int | None = None) -> DocumentError:
        line = line or (lines or {}).get(field)
        reason += _spelt_hint(data, field)
        return DocumentError(path, field, f"line {line}: {reason}" if line else reason)

    def required(field: str) -> None:
        if field in problems:
            raise reject(field, problems[field].reason, problems[field].line)

    for field in ("webUrl", "originalUrl") if "webUrl" in problems else ():
        required(field)
    url = article_url(data)
    if url is None:
        web, original = data.get("webUrl"), data.get("originalUrl")
        used = (
            "originalUrl" if not (isinstance(web, str) and web.strip()) and original is not None else "webUrl"
        )
        raise reject("webUrl", url_reason(data), (lines or {}).get(used))
    required("title")
    title = text_of(data.get("title"))
    if not title:
        raise reject("title", field_problem(data, "title"))
    required("publishedDateTime")
    date = read_date(data.get("publishedDateTime"), tz)
    if date.moment is None:
        raise reject("publishedDateTime", date.problem or "not a date")
    if date.note:
        warn("publishedDateTime", date.note)

    # a value an image or related link cannot do without: one warning, where the item is left out
    dropped = {k: f"line {p.line}: {p.reason}" for k, p in problems.items() if _ITEM_NEEDS.fullmatch(k)}
    for key, problem in problems.items():
        if key not in ("title", "publishedDateTime", "webUrl", "originalUrl") and key not in dropped:
            warn(one_line(key, 200), f"line {problem.line}: {problem.reason}; left out")
    top = {key: problem for key, problem in problems.items() if lines is None or key in lines}
    flag = published_flag(data, top, warn)
    for key in data:  # what such a key names the document by while it is hidden: `parse._named_too`
        if (known := misspelt(key)) is not None and known != PUBLISHED:
            warn(key, f"unknown field; did you mean {known!r}?")

    excerpt = text_of(data.get("excerpt"))
    if data.get("excerpt") is not None and not isinstance(data.get("excerpt"), str | int | float):
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
        image=read_image(data.get("images"), warn, dropped),
        related=read_related(data.get("related"), warn, tz, dropped),
        quality=whole_number(data.get("quality"), "quality", warn),
        heat=whole_number(data.get("heat"), "heat", warn),
        doc_type=text_of(data.get("type")) or None,
        other_urls=other_urls(data, url),
    )
    return Parsed(article, tuple(warnings))


def _spelt_hint(data: Mapping[str, object], field: str) -> str:
    """For a required field that is missing or unusable: the keys that look like it (`misspelt`), as
    a visible document's warnings name them (`; 'Title' is not a field: did you mean 'title'?`)."""
    spelt = [key for key in data if key != field and misspelt(key) == field]
    return "".join(f"; {quoted(key)} is not a field: did you mean {quoted(field)}?" for key in spelt[:3])
