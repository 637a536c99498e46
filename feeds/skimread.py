"""A hidden document's needed lines (`skim.lines`) read without YAML, when each is one scalar.

`skim.lines` keeps the few top-level lines of a document that says `published: false` that its
reading needs; `parse` composes them with libyaml and builds them as any front matter. Most such
lines hold one plain or quoted scalar on the line (`title: "…"`, `publishedDateTime:
2019-01-01T09:47:00Z`), and `hidden` reads those here in about a third of the time. It reads only
what it is sure YAML reads the same way, and gives None for anything else, which `parse` then
composes as before: a key written twice, a value over several lines, a comment, a tab, an escape,
an anchor, a tag, a plain scalar the core schema reads as other than text, a character YAML does
not allow, or an article that would be rejected (a rejection's reasons are YAML's to give).
tests/test_skimread.py holds it to the same article and warnings as the YAML reading.
"""

from __future__ import annotations

import datetime as dt
import re

from .dates import read_date
from .docurls import article_url, other_urls
from .fields import text_of
from .model import Article
from .skim import NEEDED
from .vocabulary import PUBLISHED
from .yamlvalues import STR, plain_tag

_TEXT_KEYS = sorted(NEEDED - {PUBLISHED})
# Each line that is not blank: a key of `skim.NEEDED` and what is written after it, or anything else.
_LINES = re.compile(rf"^(?:({'|'.join(sorted(NEEDED))}): +(.*?) *|(.+))$", re.M)
_FALSE = ("false", "False", "FALSE")
# Characters YAML 1.2 allows in a scalar on one line (https://yaml.org/spec/1.2.2/#51-character-set),
# less the tab, the byte-order mark and the line breaks LS and PS, which are read here only by YAML.
_NOT_PRINTABLE = re.compile(
    "[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")  # a plain scalar cannot start with one (YAML 1.2 §6.1)

Warnings = tuple[tuple[str, str], ...]  # (field, reason)


def hidden(needed: str, path: str, tz: dt.tzinfo) -> tuple[Article, Warnings] | None:
    """The slim hidden article (`fields.slim`) and warnings that composing `needed` (the output of
    `skim.lines`) would give, when every line of it is blank or `key: scalar` with a key of
    `skim.NEEDED` written once, `published` says `false`, and the article is not rejected; None
    otherwise (compose it)."""
    values: dict[str, str] = {}
    for key, written, other in _LINES.findall(needed):
        if other or key in values:
            return None
        values[key] = written
    if values.pop(PUBLISHED, None) not in _FALSE:
        return None
    texts: dict[str, str] = {}
    for key in _TEXT_KEYS:
        if key in values and (text := _scalar(values[key])) is not None:
            texts[key] = text
        elif key in values:
            return None
    url, title = article_url(texts), text_of(texts.get("title"))
    date = read_date(texts.get("publishedDateTime"), tz)
    if url is None or not title or date.moment is None:
        return None
    warnings = (("publishedDateTime", date.note),) if date.note else ()
    article = Article(path, url, title, "", date.moment, False, None, other_urls=other_urls(texts, url))
    return article, warnings


def _scalar(written: str) -> str | None:
    """The text of a scalar written on one line (no comment after it): double-quoted without
    escapes, single-quoted, or plain and read as text by the core schema; None for anything else."""
    if not written or _NOT_PRINTABLE.search(written):
        return None
    first, inner = written[0], written[1:-1]
    if first == '"':
        quoted = len(written) > 1 and written[-1] == '"' and '"' not in inner and "\\" not in inner
        return inner if quoted else None
    if first == "'":
        quoted = len(written) > 1 and written[-1] == "'" and "'" not in inner.replace("''", "")
        return inner.replace("''", "'") if quoted else None
    if first in _INDICATORS or ": " in written or written.endswith(":") or " #" in written:
        return None
    return written if plain_tag(written) == STR else None
