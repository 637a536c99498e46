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
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from yaml.nodes import MappingNode, Node

from . import frontmatter, selfnames, skim, skimread, vocabulary
from .describe import FieldWarning, Parsed, read_fields
from .docurls import article_url, other_urls
from .errors import DocumentError, DuplicateKeyError, FrontMatterError, NotADocumentError, YamlValueError
from .fields import slim, text_of
from .model import Article, Problem, Value
from .text import lenient_text
from .vocabulary import PUBLISHED, Flag, misspelt, published_flag
from .withdrawal import says_false, withdraws, yaml_lines
from .yamlpaths import path_at
from .yamlvalues import build

__all__ = [
    "FieldWarning",
    "Parsed",
    "Reading",
    "Rejected",
    "article_url",
    "parse_document",
    "read_text",
    "read_unreadable",
]


@dataclass(frozen=True, slots=True)
class Rejected(Value):
    """A document that cannot be served, with what little we could still tell about it.

    `url`, `title` and `other_urls` let the index keep the rejected document's URLs and headline out
    of related links (fail closed: its author's intent is unknown). `withdrawn`: the broken text itself says
    not to show it (a duplicate key; a `published`, or a near miss of it, that does not say true), so
    a last good version must not keep serving. `said_false`: its text clearly says `published: false`
    (and nowhere true), so `check` counts it among the hidden documents. None is ever shown.
    """

    problem: Problem
    url: str | None = None
    withdrawn: bool = False  # the text says it must not be shown: its last good version goes too
    said_false: bool = False  # the author hid it on purpose, as far as its text tells
    title: str | None = None  # its headline, when its text gives one
    other_urls: tuple[str, ...] = ()  # the other URLs its text gives for itself (`docurls.other_urls`)
    unread: bool = False  # its bytes could not be read (permissions, I/O): what it holds is unknown
    other_titles: tuple[str, ...] = ()  # headlines it served or blocked before, kept out as `title` is


@dataclass(frozen=True, slots=True)
class Reading(Value):
    """What reading one file gave: an article (with warnings), a rejection, or not a document."""

    article: Article | None = None
    warnings: tuple[FieldWarning, ...] = ()
    rejected: Rejected | None = None  # None with no article: not a document (ignored)


def read_text(text: str, path: str, tz: dt.tzinfo = dt.UTC, lean: bool = False) -> Reading:
    """One document's text as a `Reading`; never raises (not even for text no one imagined).

    `lean`: a document that is not to be shown (its `published` does not say true) is read only as far
    as the index needs it (`LEAN_FIELDS`; `skim` finds those lines of one that says `published: false`
    without composing the rest), so what else it holds goes unreported (`check` reads whole). The
    article is the same either way; only what is said about it differs."""
    reading = _read_or_reject(text, path, tz, lean)
    if reading.rejected is not None:
        return Reading(rejected=_salvaged(reading.rejected, _head(text)))
    return reading


def read_unreadable(problem: Problem, data: bytes, complete: bool = True) -> Reading:
    """A file rejected before its text could be read (over the size limit; not UTF-8), with what its
    bytes still tell when decoded leniently (`lenient_text`): its URL and headline (kept out of
    related links) and whether its text withdraws it (contract: a rejected document counts as
    hidden). `complete`: `data` is the whole file; when it is not (a file too large even to look
    through), it is withdrawn: what it says about publishing cannot all be read."""
    rejected = _salvaged(Rejected(problem), _head(lenient_text(data)))
    return Reading(rejected=rejected if complete else replace(rejected, withdrawn=True))


NO_FRONT_MATTER = "missing: the file does not start with a '---' line, and its text says not to show it"


def _salvaged(rejected: Rejected, head: str) -> Rejected:
    """A rejection with what its front matter text (`head`) still tells, read line by line: the URL
    and headline it gives, when the reading found none; withdrawn when that text speaks of publishing
    in any form other than a clear "show" (`withdrawal.withdraws`); `said_false` when it clearly says
    `published: false`."""
    lines = "\n".join(head.splitlines())  # a URL or a headline ends at any line end Python knows
    stated = frontmatter.stated_values(lines)
    values = selfnames.own_fields(stated)
    url, title = rejected.url or article_url(values), rejected.title or text_of(values.get("title")) or None
    return replace(
        rejected,
        url=url,
        other_urls=rejected.other_urls or other_urls(values, url, selfnames.misspelt_urls(stated)),
        title=title,
        other_titles=rejected.other_titles or selfnames.other_headlines(stated, title),
        withdrawn=rejected.withdrawn or withdraws(head),
        said_false=says_false(lines),
    )


def _head(text: str) -> str:
    """The front matter of a document's text, or all of it after the first line when it is not closed;
    with none (no first `---` line: a blank line before it, line ends a lone CR), the whole text. Its
    line breaks (CR, NEL, LS, PS) made LF (`withdrawal.yaml_lines`); what a broken file says is read
    from it at those, and at every other line end Python knows (VT, FF, FS, GS, RS) too."""
    try:
        yaml_text = frontmatter.split(text)
    except NotADocumentError:
        return yaml_lines(text.replace("\x00", ""))
    return yaml_lines(yaml_text if yaml_text is not None else text.partition("\n")[2])


def _read_or_reject(text: str, path: str, tz: dt.tzinfo, lean: bool = False) -> Reading:
    try:
        return _read(text, path, tz, lean)
    except NotADocumentError:  # ignored, unless its text withdraws the document it may have been
        if not withdraws(_head(text)):
            return Reading()
        return Reading(rejected=Rejected(Problem(path, "front matter", NO_FRONT_MATTER), withdrawn=True))
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
    if lean and (needed := skim.lines(yaml_text, _may_be_needed)) is not None:  # `published: false`
        if (plain := skimread.hidden(needed, path, tz)) is not None:  # each line one scalar: no YAML
            return Reading(plain[0], tuple(FieldWarning(*warning) for warning in plain[1]))
        reading = _read_yaml(needed, path, tz, lean)
        if reading.article is not None and not reading.article.publish:
            return reading
    return _read_yaml(yaml_text, path, tz, lean)


@functools.lru_cache(maxsize=4096)  # the same few keys, document after document
def _may_be_needed(key: str) -> bool:
    """Whether a key a hidden document's skim would blank may be a field it needs spelt another way
    (`misspelt`: `ampWebUlr`, `orignalUrl`), so that the skim keeps it as the whole reading reads it."""
    return misspelt(key) in skim.NEEDED


def _read_yaml(yaml_text: str, path: str, tz: dt.tzinfo, lean: bool) -> Reading:
    try:
        root, notes = frontmatter.compose(yaml_text)
    except FrontMatterError as exc:  # its URL, headline and intent: read from its lines (`_salvaged`)
        return Reading(rejected=Rejected(Problem(path, "front matter", str(exc))))
    try:
        data, problems, lines = _values(root, path, lean)
    except _Rejection as exc:
        return Reading(rejected=_rejected(exc.problem, exc.values, True))
    try:
        parsed = read_fields(data, path, tz, problems, lines)
    except DocumentError as exc:
        return Reading(rejected=_rejected(exc.problem, {**selfnames.blocking_values(root), **data}, False))
    escapes = tuple(FieldWarning(path_at(root, at), f"line {line}: {words}") for line, at, words in notes)
    return Reading(slim(_named_too(parsed.article, data, lines, root)), parsed.warnings + escapes)


def _named_too(article: Article, data: Mapping[str, Any], keys: Iterable[str], root: MappingNode) -> Article:
    """`article` with the other URLs and headlines its document gives for itself under keys that
    misspell those fields (`selfnames`: `Title`, `webUrl\\v`), or under their own keys in a value that
    is not text (a list, `originalUrl: !!int …`), or in a merge (`<<`) a written key overrides, as a
    rejected document's are read (`selfnames.blocking_values`: each built, or as written where it
    cannot be). They keep related links out while it is hidden (fail closed). Read only where `data`
    (the values built) holds a blocking field that is not text, or `keys` a misspelling, or it merges."""
    texts = all(isinstance(data.get(k), str) for k in selfnames.BLOCKING if k in keys)
    if texts and not selfnames.misnames(keys) and not selfnames.merges(root):
        return article
    more_urls, titles = selfnames.other_names(selfnames.blocking_values(root), article.url, article.title)
    return replace(
        article, other_urls=tuple(dict.fromkeys((*article.other_urls, *more_urls))), other_titles=titles
    )


def _rejected(problem: Problem, values: Mapping[str, Any], withdrawn: bool) -> Rejected:
    """A rejection with the URLs and the headlines its values still give (to keep them out of related
    links, as a hidden document's are): titles as an article would show them (`fields.text_of`).
    `withdrawn`: known from its values already (a duplicate key); `_salvaged` adds what its text says.
    Fields under another spelling count (`selfnames.own_fields`: `Title`, `WebURL`)."""
    own = selfnames.own_fields(values)
    url, title = article_url(own), text_of(own.get("title")) or None
    urls, titles = selfnames.other_names(values, url, title)
    return Rejected(problem, url, withdrawn, title=title, other_urls=urls, other_titles=titles)


LEAN_FIELDS = skim.NEEDED - {PUBLISHED}  # what `fields.slim` keeps: all a lean reading builds of a hidden one


def _values(
    root: MappingNode, path: str, lean: bool = False
) -> tuple[dict[str, Any], dict[str, YamlValueError], dict[str, int]]:
    """Every top-level value built, with the problems of the values that could not be (keyed by
    their path: `title`, `related[2].quality`; a bad child is left out of its parent), and each
    top-level key's line. A duplicate key anywhere rejects the document (with its URL and headline
    when that much could be read). `lean`: when its `published` (or a near miss) does not say true,
    only `LEAN_FIELDS` (under any spelling `misspelt` reads as one) beside it are built."""
    data: dict[str, Any] = {}
    problems: dict[str, YamlValueError] = {}
    memo: dict[int, Any] = {}
    duplicate: DuplicateKeyError | None = None
    try:
        pairs: list[tuple[str, Node, int]] = list(frontmatter.fields(root))
        duplicate = frontmatter.merged_conflict(root, vocabulary.speaks_of_publishing)
        duplicate = duplicate or vocabulary.duplicate_intent(pairs)
    except DuplicateKeyError as exc:
        pairs, duplicate = [], exc
    except YamlValueError as exc:  # a merge key that names no mapping
        raise DocumentError(path, exc.key, f"line {exc.line}: {exc.reason}") from None
    lines = {key: line for key, _node, line in pairs}
    if lean:  # the published flag first: a hidden document needs only what `fields.slim` keeps
        names = {key: misspelt(key) for key, _node, _line in pairs}  # the field a misspelt key means
        flags = [pair for pair in pairs if pair[0] == PUBLISHED or names[pair[0]] == PUBLISHED]
        found = _build_values(flags, data, problems, memo)
        duplicate = duplicate or found
        top = {key: problems[key] for key, _node, _line in flags if key in problems}
        if published_flag(data, top, lambda field, reason: None) is not Flag.TRUE:
            pairs = [pair for pair in pairs if pair[0] in LEAN_FIELDS or names[pair[0]] in LEAN_FIELDS]
        else:
            pairs = [pair for pair in pairs if pair not in flags]
    found = _build_values(pairs, data, problems, memo)
    duplicate = duplicate or found
    if duplicate is not None:
        error = DocumentError(
            path,
            duplicate.key,
            f"line {duplicate.line}: {duplicate.reason} The document is hidden until it is fixed.",
        )
        raise _Rejection(error, selfnames.blocking_values(root))  # to hide its related links
    return data, problems, lines


def _build_values(
    pairs: list[tuple[str, Node, int]],
    data: dict[str, Any],
    problems: dict[str, YamlValueError],
    memo: dict[int, Any],
) -> DuplicateKeyError | None:
    """Build each pair's value into `data` (or its problem into `problems`, by path); the first
    duplicate key."""
    duplicate: DuplicateKeyError | None = None
    for key, node, _line in pairs:
        below: list[YamlValueError] = []
        try:
            data[key] = build(node, key, memo, below)
        except DuplicateKeyError as exc:
            duplicate = duplicate or exc
        except YamlValueError as exc:
            problems[key] = exc
        problems.update((problem.key, problem) for problem in below)
    return duplicate


class _Rejection(DocumentError):
    """A document rejected before its values were read, with what `selfnames.blocking_values` could
    still build of it."""

    def __init__(self, error: DocumentError, values: dict[str, Any]) -> None:
        super().__init__(error.path, error.field, error.reason)
        self.values = values
