"""The document's field names, and the fail-closed reading of the keys that say whether a document
is published (contract: "Which articles are visible").

A document is visible only when its intent is clear. Every key that speaks of publishing is read,
whatever its case, width (NFKC) or separators, and each must say "show": `published` (and
`visible`, `public`, `listed`) clearly true; `draft`, `private`, `hidden`, `embargo`, `embargoed`,
`unlisted` clearly false; `status` one of `published`, `publish`, `public`, `live`. A negated
`published` (`unpublished`, `not_published`, `isNonPublic`, `invisible`) hides whatever its value.
Near misses of those keys and of `DATE_KEYS` count as the key; so do compounds (`isDraft`,
`draftMode`, `embargoUntil`, `EXPIRESAT`), the same key in another mapping (`meta.published`; not in
`related` or `images`), and, exactly, `GONE_KEYS`, `EXACT_SHOWN_KEYS`, `STATUS_KEYS`. Near misses of
other fields are only reported: a misspelt `excerpt` costs no embargo.
"""

from __future__ import annotations

import enum
import functools
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .errors import DuplicateKeyError, YamlValueError, quoted
from .keywords import CONTROL, damaged, near, nearest, words
from .scalars import plain_flag_digit

PUBLISHED = "published"
KNOWN_FIELDS = frozenset(
    {
        "title", "excerpt", "publishedDateTime", "webUrl", "originalUrl", "published", "provider",
        "topics", "images", "related", "secured", "quality", "heat", "type", "category", "ampWebUrl",
        "cdnAmpWebUrl", "featuredContent",
    }
)  # fmt: skip
TRUE_WORDS = frozenset({"true", "yes", "on", "1"})
FALSE_WORDS = frozenset({"false", "no", "off", "0"})
SHOWN_KEYS = ("published", "visible", "public", "listed")  # shown only when clearly true
WITHHELD_KEYS = ("draft", "private", "hidden", "embargo", "embargoed", "unlisted")  # unless clearly false
STATUS = "status"
SHOWN_STATUSES = frozenset({"published", "publish", "public", "live"})
_SHOWN_VISIBILITY = frozenset({"public", "published", "visible"})
STATUS_KEYS = {STATUS: SHOWN_STATUSES, "visibility": _SHOWN_VISIBILITY, "access": _SHOWN_VISIBILITY}
# exact (no near misses): hidden unless clearly false, and shown only when clearly true
GONE_KEYS = (
    "retracted", "withdrawn", "archived", "deleted", "removed", "spiked", "killed", "scheduled", "legalhold",
    "onhold",
)  # fmt: skip
EXACT_SHOWN_KEYS = ("live", "approved")
DATE_KEYS = {  # hidden unless empty: this service reads one date, publishedDateTime
    name.lower(): name for name in ("expiryDate", "expirationDate", "expires", "expiry", "publishDate")
}
_COMPOUND_LEADS = ("is", "be", "was", "do")
# A tail of time (`embargoUntil`, `deleted_at`): the key holds a date, hidden unless empty
_TIME_TAILS = ("until", "at", "on", "date", "time")
_COMPOUND_TAILS = ("mode", "flag", *_TIME_TAILS)
NESTED_EXEMPT = frozenset({"related", "images"})  # their mappings describe other things
NEGATIONS = ("un", "not", "non", "no", "in", "im", "dis", "de")
_LEADS = ("", "is", "be", "do", "was")  # words a negation may follow: `is_unpublished`, `doNotPublish`
_NORMALISED = {name.lower(): name for name in sorted(KNOWN_FIELDS)}  # one order in every process


class Flag(enum.Enum):
    """What a `published` value says."""

    TRUE = "true"
    FALSE = "false"
    UNCLEAR = "unclear"


class Intent(enum.Enum):
    """How a key that speaks of publishing is read: which value shows the document."""

    SHOWN = "shown when clearly true"
    WITHHELD = "hidden unless clearly false"
    STATUS = "shown when published"
    NEGATED = "hidden whatever its value"
    DATED = "hidden unless empty"
    AMBIGUOUS = "as near to names read in different ways: hidden whatever its value"
    UNREADABLE = "what it names cannot be read: hidden whatever its value"


def flag_of(value: object) -> Flag:
    """`true`/`false` (YAML), their words (`yes`, `on`, `1` / `no`, `off`, `0`, any case), or unclear."""
    if isinstance(value, bool):
        return Flag.TRUE if value else Flag.FALSE
    if isinstance(value, int) and value in (0, 1) and plain_flag_digit(value):
        return Flag.TRUE if value else Flag.FALSE
    if isinstance(value, str) and not CONTROL.search(value):  # `"true\x0b"` is not clearly true
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return Flag.TRUE
        if word in FALSE_WORDS:
            return Flag.FALSE
    return Flag.UNCLEAR


def says(key: str, value: object) -> Flag:
    """What one key's value says about showing the document: `Flag.TRUE` (show), `Flag.FALSE`
    (clearly withhold) or `Flag.UNCLEAR`; `Flag.TRUE` for a key that does not speak of publishing."""
    found = intent(key)
    if found is None:
        return Flag.TRUE
    kind, name = found
    if kind is Intent.SHOWN:
        return flag_of(value)
    if kind is Intent.WITHHELD:
        return {Flag.TRUE: Flag.FALSE, Flag.FALSE: Flag.TRUE}.get(flag_of(value), Flag.UNCLEAR)
    if kind is Intent.STATUS:
        word = _fold(value.strip()) if isinstance(value, str) and not CONTROL.search(value) else None
        return Flag.TRUE if word in STATUS_KEYS[name] else Flag.FALSE if word else Flag.UNCLEAR
    if kind is Intent.DATED:
        empty = value is None or (isinstance(value, str) and not value.strip() and not CONTROL.search(value))
        return Flag.TRUE if empty else Flag.FALSE
    return Flag.FALSE if flag_of(value) is Flag.TRUE else Flag.UNCLEAR


def published_flag(
    data: Mapping[str, Any], problems: Mapping[str, YamlValueError], warn: Callable[[str, str], None]
) -> Flag:
    """Whether the document may be shown: `Flag.TRUE` when every key that speaks of publishing says
    so; else hidden (`Flag.FALSE` or `Flag.UNCLEAR`), each such key named in a warning."""
    flags = [_read_key(key, data, problems, warn) for key in dict.fromkeys([*data, *problems])]
    seen: set[int] = set()
    for key, value in data.items():
        if key not in NESTED_EXEMPT and isinstance(value, dict | list):
            flags.extend(_nested(value, key, warn, seen))
    return _worst(flags)


def _nested(value: object, path: str, warn: Callable[[str, str], None], seen: set[int]) -> Iterable[Flag]:
    """What keys that speak of publishing inside a value say (each not saying "show" named in a
    warning by its path: `meta.published`, `blocks[2].draft`). Each list or mapping is read once
    (`seen`): aliases share them, and an alias bomb is read as written, not as its expansion."""
    if id(value) in seen:
        return
    seen.add(id(value))
    pairs = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for name, child in pairs:
        where = f"{path}[{name}]" if isinstance(name, int) else f"{path}.{name}"
        if isinstance(name, str) and speaks_of_publishing(name):
            said = says(name, child)
            if said is not Flag.TRUE:
                warn(where, f"speaks of publishing ({_show(child)}); the document is hidden")
            yield said
        yield from _nested(child, where, warn, seen)


def duplicate_intent(pairs: Iterable[tuple[str, object, int]]) -> DuplicateKeyError | None:
    """Two top-level keys (key, node, line) written differently that read as one key that speaks of
    publishing (`published` and `published<NBSP>`, `draft` and `Draft`): a duplicate, or None."""
    seen: dict[str, tuple[str, int]] = {}
    for key, _node, line in pairs:
        found = intent(key)
        if found is None or "".join(words(key)) != found[1]:
            continue
        if found[1] in seen and seen[found[1]][0] != key:
            first = seen[found[1]][1]
            lines = (min(first, line), max(first, line))
            reason = f"{found[1]!r} written twice, on lines {lines[0]} and {lines[1]}: which one is meant?"
            return DuplicateKeyError(key, lines[1], reason, lines)
        seen.setdefault(found[1], (key, line))
    return None


def _read_key(
    key: str,
    data: Mapping[str, Any],
    problems: Mapping[str, YamlValueError],
    warn: Callable[[str, str], None],
) -> Flag:
    found = intent(key)
    if found is None:
        return Flag.TRUE
    kind, name = found
    said = says(key, data[key]) if key in data else Flag.UNCLEAR
    if key == PUBLISHED:
        if key in problems:
            problem = problems[key]
            reason = f"line {problem.line}: {problem.reason}"
            warn(key, f"{reason}; the document is hidden until it says true or false")
        elif said is Flag.UNCLEAR:
            warn(key, f"neither true nor false: {_show(data[key])}; the document is hidden until it says")
    elif said is Flag.TRUE:
        if key != name and kind is not Intent.DATED:
            warn(key, f"unknown field; did you mean {name!r}?")
    elif kind is Intent.NEGATED:
        warn(key, f"negates {name!r}; the document is hidden whatever its value")
    elif kind is Intent.AMBIGUOUS:
        warn(key, f"as near to {name} (read in different ways); the document is hidden whatever its value")
    elif name == PUBLISHED:
        warn(key, f"looks like a misspelt {PUBLISHED!r} and does not say true; the document is hidden")
    elif kind is Intent.DATED:
        shown = DATE_KEYS.get(name, key)
        warn(key, f"read as {shown!r}, a date this service does not read: {_show(data.get(key))}; "
             "the document is hidden while it is set (publishedDateTime is its date)")  # fmt: skip
    else:
        warn(key, f"read as {name!r} ({kind.value}): {_show(data.get(key))}; the document is hidden")
    return said


def _worst(flags: Iterable[Flag]) -> Flag:
    found = set(flags)
    return Flag.UNCLEAR if Flag.UNCLEAR in found else Flag.FALSE if Flag.FALSE in found else Flag.TRUE


@functools.lru_cache(maxsize=1 << 15)  # a document of that many keys reads each once
def intent(key: str) -> tuple[Intent, str] | None:
    """How a key that speaks of publishing is read, and the key it is read as (`published`, `draft`,
    `status`, `expirydate`, …), or None. Keys are compared as `keywords.words` gives them (escapes
    undone, NFKC, format characters dropped, case-folded, without separators); `published` itself,
    written exactly, is the field. A negation (`un`, `not`, `non`, `no`, `in`, `im`, `dis`, `de`, at
    the start of the key or of a word of it) before `published`, `visible`, `public` or `listed` or
    a near miss of one is `NEGATED`; else the name (the exact name, or a near miss (`misspelt`'s
    distances) of the first contract names and `DATE_KEYS`; `GONE_KEYS`, `EXACT_SHOWN_KEYS`,
    `visibility` and `access` only exactly), alone or with a lead (`is`, `be`, `was`, `do`) or tail
    (`mode`, `flag`) word, gives its reading; with a tail of time (`_TIME_TAILS`: `embargoUntil`,
    `deleted_at`) it holds a date: `DATED`, hidden unless empty."""
    if key in KNOWN_FIELDS and key != PUBLISHED:
        return None
    if damaged(key):  # a control character left in it once terminal codes are out: it may be any key
        return Intent.UNREADABLE, "a key holding a control character"
    parts = words(key)
    plain = "".join(parts)
    if plain in _NAMES:
        return _NAMES[plain], plain
    for start in range(len(parts)):
        tail = "".join(parts[start:])
        for lead in _LEADS:
            for negation in NEGATIONS:
                rest = tail.removeprefix(lead).removeprefix(negation)
                if tail.startswith(lead + negation) and (shown := near(rest, SHOWN_KEYS)) is not None:
                    return Intent.NEGATED, shown
    core = parts[1:] if parts[:1] and parts[0] in _COMPOUND_LEADS else parts
    last = core[-1] if len(core) > 1 and core[-1] in _COMPOUND_TAILS else ""
    core = core[:-1] if last else core
    joined = "".join(core)
    if core != parts and joined not in _NAMES and (found := _near_intent(joined)) is not None:
        return (Intent.DATED, found[1]) if last in _TIME_TAILS and found[0] is not Intent.AMBIGUOUS else found
    if core != parts and joined in _NAMES:
        return (Intent.DATED if last in _TIME_TAILS else _NAMES[joined]), joined
    for lead in ("", *_COMPOUND_LEADS):  # the same words run together in one case (`EXPIRESAT`)
        for tail in ("", *_COMPOUND_TAILS) if plain.startswith(lead) else ():
            name = plain[len(lead) : len(plain) - len(tail)] if plain.endswith(tail) else ""
            if (lead or tail) and name in _NAMES:
                return (Intent.DATED if tail in _TIME_TAILS else _NAMES[name]), name
    return _near_intent(plain)  # after compounds: `published_at: true` is a date, not a flag


def _near_intent(plain: str) -> tuple[Intent, str] | None:
    """The reading of the contract names (`_NEAR_NAMES`) `plain` is nearest to, with the name; when
    those nearest are read in different ways (`nlisted`: `listed` or `unlisted`), `AMBIGUOUS` with
    their names (fail closed: hidden whatever its value). None when none is near."""
    near = nearest(plain, _NEAR_NAMES)
    if not near:
        return None
    readings = {_NAMES[name] for name in near}
    if len(readings) > 1:
        return Intent.AMBIGUOUS, " or ".join(repr(name) for name in near)
    return _NAMES[near[0]], near[0]


_NEAR_NAMES: dict[str, Intent] = dict.fromkeys(SHOWN_KEYS, Intent.SHOWN)
_NEAR_NAMES.update(dict.fromkeys(WITHHELD_KEYS, Intent.WITHHELD))
_NEAR_NAMES[STATUS] = Intent.STATUS
_NEAR_NAMES.update(dict.fromkeys(DATE_KEYS, Intent.DATED))
_NAMES = {**_NEAR_NAMES, **dict.fromkeys(GONE_KEYS, Intent.WITHHELD)}
_NAMES.update(dict.fromkeys(EXACT_SHOWN_KEYS, Intent.SHOWN))
_NAMES.update(dict.fromkeys(STATUS_KEYS, Intent.STATUS))


def speaks_of_publishing(key: str) -> bool:
    """Whether a key speaks of publishing (`intent`: it has a reading)."""
    return intent(key) is not None


def misspelt(key: str) -> str | None:
    """The known field an unknown key stands for: `published` for any key that speaks of publishing
    (`intent`); else the field it looks like a misspelling of (case, width, separators, or an edit
    distance of 2 — 1 for names of five letters or fewer); or None."""
    if key in KNOWN_FIELDS:
        return None
    if speaks_of_publishing(key):
        return PUBLISHED
    plain = "".join(words(key))
    if plain in _NORMALISED:
        return _NORMALISED[plain]
    return _NORMALISED[name] if (name := near(plain, _NORMALISED)) is not None else None


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _show(value: object) -> str:
    if value is None:
        return "an empty value"
    if isinstance(value, dict | list):
        return "a mapping" if isinstance(value, dict) else "a list"
    text = quoted(" ".join(value.split())) if isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
