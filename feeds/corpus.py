"""Reading the content directory: the only file I/O of the core, confined to the content root."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DocumentError
from .model import Article
from .parse import FieldWarning, NotADocument, article_url, is_false, load_yaml, read_datetime, read_fields

DEFAULT_MAX_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Rejected:
    """A document that cannot be served, with what little we could still tell about it.

    `url` and `hidden` let the index keep a rejected unpublished document's URL out of related
    links; neither is ever shown.
    """

    error: DocumentError
    url: str | None = None
    hidden: bool = False


@dataclass(frozen=True, slots=True)
class Corpus:
    """Everything read from one content directory at one time."""

    articles: tuple[Article, ...] = ()
    rejected: tuple[Rejected, ...] = ()
    warnings: tuple[tuple[str, FieldWarning], ...] = ()  # (path, warning)
    ignored: tuple[str, ...] = ()  # *.md files that are not documents
    problems: tuple[DocumentError, ...] = field(default=())  # unreadable files and folders


def load_corpus(
    root: str | os.PathLike[str], tz: dt.tzinfo = dt.UTC, max_bytes: int = DEFAULT_MAX_BYTES
) -> Corpus:
    """Read every document under `root`. Never raises for a bad file: it is rejected with its reason."""
    articles: list[Article] = []
    rejected: list[Rejected] = []
    warnings: list[tuple[str, FieldWarning]] = []
    ignored: list[str] = []
    problems: list[DocumentError] = []
    base = Path(root)
    for rel, problem in _walk(base):
        if problem is not None:
            problems.append(problem)
            continue
        result = read_document(base, rel, tz, max_bytes)
        if isinstance(result, Rejected):
            rejected.append(result)
        elif result is None:
            ignored.append(rel)
        else:
            articles.append(result[0])
            warnings.extend((rel, w) for w in result[1])
    return Corpus(tuple(articles), tuple(rejected), tuple(warnings), tuple(ignored), tuple(problems))


def read_document(
    base: Path, rel: str, tz: dt.tzinfo, max_bytes: int
) -> tuple[Article, tuple[FieldWarning, ...]] | Rejected | None:
    """One file: its article and warnings, its rejection, or None when it is not a document."""
    try:
        raw = _read_bytes(base / rel, max_bytes)
        text = raw.decode("utf-8")
    except DocumentError as exc:
        return Rejected(DocumentError(rel, exc.field, exc.reason))
    except UnicodeDecodeError as exc:
        return Rejected(DocumentError(rel, "file", f"not UTF-8 text (byte {exc.start})"))
    except OSError as exc:
        return Rejected(DocumentError(rel, "file", f"cannot be read: {exc.strerror or type(exc).__name__}"))
    try:
        data = load_yaml(text, rel)
    except NotADocument:
        return None
    except DocumentError as exc:
        return Rejected(exc)
    try:
        parsed = read_fields(data, rel, tz)
    except DocumentError as exc:
        moment = read_datetime(data.get("publishedDateTime"), tz)
        future = moment is not None and moment > dt.datetime.now(dt.UTC)
        return Rejected(exc, article_url(data), is_false(data.get("published")) or future)
    return parsed.article, parsed.warnings


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    with open(path, "rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DocumentError("", "file", f"larger than the {max_bytes}-byte limit (FEEDS_MAX_DOCUMENT_BYTES)")
    return data


def _walk(base: Path) -> Iterator[tuple[str, DocumentError | None]]:
    """Relative paths of `*.md` files under `base`, sorted; symlinked folders are not followed."""
    root = os.path.realpath(base)
    errors: list[OSError] = []
    found: list[str] = []
    for folder, dirs, files in os.walk(root, onerror=errors.append, followlinks=False):
        dirs.sort()
        for name in files:
            if not name.endswith(".md"):
                continue
            full = os.path.join(folder, name)
            real = os.path.realpath(full)
            if os.path.commonpath([root, real]) != root:
                rel = os.path.relpath(full, root).replace(os.sep, "/")
                yield rel, DocumentError(rel, "file", "a link to outside the content directory; not read")
                continue
            found.append(os.path.relpath(full, root).replace(os.sep, "/"))
    for error in errors:
        where = os.path.relpath(error.filename, root) if error.filename else "."
        yield where.replace(os.sep, "/"), DocumentError(where, "folder", f"cannot be read: {error.strerror}")
    for rel in sorted(found):
        yield rel, None
