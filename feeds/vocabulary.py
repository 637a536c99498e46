"""The document's field names, and the fail-closed reading of the keys that say whether a document
is published (contract: "Which articles are visible").

A document is visible only when its intent is clear. Every key that speaks of publishing is read,
whatever its case, width (NFKC) or separators, and each must say "show": `published` (and
`visible`, `public`, `listed`) clearly true; `draft`, `private`, `hidden`, `embargo`, `embargoed`,
`unlisted` clearly false; `status` one of `published`, `publish`, `public`, `live`. A negated
`published` (`unpublished`, `not_published`, `isNonPublic`, `invisible`) hides whatever its value.
Near misses of those keys count as the key. Near misses of the other known fields are only reported:
a misspelt `excerpt` costs an excerpt, not an embargo.
"""

from __future__ import annotations

import enum
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .errors import YamlValueError

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
NEGATIONS = ("un", "not", "non", "no", "in", "im", "dis", "de")
_LEADS = ("", "is", "be", "do", "was")  # words a negation may follow: `is_unpublished`, `doNotPublish`
_NORMALISED = {name.lower(): name for name in KNOWN_FIELDS}


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


def flag_of(value: object) -> Flag:
    """`true`/`false` (YAML), their words (`yes`, `on`, `1` / `no`, `off`, `0`, any case), or unclear."""
    if isinstance(value, bool):
        return Flag.TRUE if value else Flag.FALSE
    if isinstance(value, int) and value in (0, 1):
        return Flag.TRUE if value else Flag.FALSE
    if isinstance(value, str):
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
    kind, _ = found
    if kind is Intent.SHOWN:
        return flag_of(value)
    if kind is Intent.WITHHELD:
        return {Flag.TRUE: Flag.FALSE, Flag.FALSE: Flag.TRUE}.get(flag_of(value), Flag.UNCLEAR)
    if kind is Intent.STATUS:
        word = _fold(value.strip()) if isinstance(value, str) else None
        return Flag.TRUE if word in SHOWN_STATUSES else Flag.FALSE if word else Flag.UNCLEAR
    return Flag.FALSE if flag_of(value) is Flag.TRUE else Flag.UNCLEAR


def published_flag(
    data: Mapping[str, Any], problems: Mapping[str, YamlValueError], warn: Callable[[str, str], None]
) -> Flag:
    """Whether the document may be shown: `Flag.TRUE` when every key that speaks of publishing says
    so; else hidden (`Flag.FALSE` or `Flag.UNCLEAR`), each such key named in a warning."""
    flags = [_read_key(key, data, problems, warn) for key in dict.fromkeys([*data, *problems])]
    return _worst(flags)


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
        if key != name:
            warn(key, f"unknown field; did you mean {name!r}?")
    elif kind is Intent.NEGATED:
        warn(key, f"negates {name!r}; the document is hidden whatever its value")
    elif name == PUBLISHED:
        warn(key, f"looks like a misspelt {PUBLISHED!r} and does not say true; the document is hidden")
    else:
        warn(key, f"read as {name!r} ({kind.value}): {_show(data.get(key))}; the document is hidden")
    return said


def _worst(flags: Iterable[Flag]) -> Flag:
    found = set(flags)
    return Flag.UNCLEAR if Flag.UNCLEAR in found else Flag.FALSE if Flag.FALSE in found else Flag.TRUE


_TOP_LEVEL_PAIR = re.compile(r"""^["']?([^\s:"'#][^:"'#]*?)["']?[ \t]*:(?:[ \t]+(.*))?$""", re.M)


def stated_flags(yaml_text: str) -> list[Flag]:
    """What each top-level line of a key that speaks of publishing says (`says`), read line by line,
    for front matter text that could not be read as a document."""
    flags = []
    for match in _TOP_LEVEL_PAIR.finditer(yaml_text):
        key, value = match.group(1), (match.group(2) or "").split(" #")[0].strip().strip("\"'")
        if intent(key) is not None:
            flags.append(says(key, value))
    return flags


def says_unpublished(yaml_text: str) -> bool:
    """Whether such text has a key that speaks of publishing and does not clearly say "show": then a
    broken edit withdraws the document."""
    return any(flag is not Flag.TRUE for flag in stated_flags(yaml_text))


def says_false(yaml_text: str) -> bool:
    """Whether such text clearly withholds its document: a key says so and none says "show" (a
    `published: false` and a `published: true` leave the intent unknown)."""
    flags = stated_flags(yaml_text)
    return Flag.FALSE in flags and Flag.TRUE not in flags


@functools.lru_cache(maxsize=4096)
def intent(key: str) -> tuple[Intent, str] | None:
    """How a key that speaks of publishing is read, and the key it is read as (`published`, `draft`,
    `status`, …), or None. Keys are compared NFKC-normalised, case-folded, without separators (any
    character that is not a letter or digit); `published` itself, written exactly, is the field. A
    negation (`un`, `not`, `non`, `no`, `in`, `im`, `dis`, `de`, at the start of the key or of a word
    of it) before `published`, `visible`, `public` or `listed` or a near miss of one is `NEGATED`;
    else the exact name, or a near miss (`misspelt`'s distances) of one, gives its reading."""
    if key in KNOWN_FIELDS and key != PUBLISHED:
        return None
    words = _words(key)
    plain = "".join(words)
    names: dict[str, Intent] = dict.fromkeys(SHOWN_KEYS, Intent.SHOWN)
    names.update(dict.fromkeys(WITHHELD_KEYS, Intent.WITHHELD))
    names[STATUS] = Intent.STATUS
    if plain in names:
        return names[plain], plain
    for start in range(len(words)):
        tail = "".join(words[start:])
        for lead in _LEADS:
            for negation in NEGATIONS:
                rest = tail.removeprefix(lead).removeprefix(negation)
                if tail.startswith(lead + negation) and (shown := _near(rest, SHOWN_KEYS)) is not None:
                    return Intent.NEGATED, shown
    name = _near(plain, names)
    return (names[name], name) if name is not None else None


def misspelt(key: str) -> str | None:
    """The known field an unknown key stands for: `published` for any key that speaks of publishing
    (`intent`); else the field it looks like a misspelling of (case, width, separators, or an edit
    distance of 2 — 1 for names of five letters or fewer); or None."""
    if key in KNOWN_FIELDS:
        return None
    if intent(key) is not None:
        return PUBLISHED
    plain = "".join(_words(key))
    if plain in _NORMALISED:
        return _NORMALISED[plain]
    name = _near(plain, _NORMALISED)
    return _NORMALISED[name] if name is not None else None


def _near(plain: str, names: Iterable[str]) -> str | None:
    """The first of these lower-case names `plain` is within an edit distance of 2 of (1 for names
    of five letters or fewer), or None."""
    for name in names:
        allowed = 1 if len(name) <= 5 else 2
        if abs(len(name) - len(plain)) <= allowed and _distance(plain, name, allowed) <= allowed:
            return name
    return None


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _words(key: str) -> list[str]:
    """A key's words: NFKC-normalised, split at separators and camelCase, case-folded."""
    return [_fold(word) for word in _WORD.findall(_CAMEL.sub(" ", unicodedata.normalize("NFKC", key)))]


def _distance(a: str, b: str, bound: int) -> int:
    """Optimal string alignment distance (Damerau–Levenshtein with adjacent transpositions), cut off
    above `bound`."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > bound:
            return bound + 1
        previous2, previous = previous, current
    return previous[-1]


def _show(value: object) -> str:
    if value is None:
        return "an empty value"
    if isinstance(value, dict | list):
        return "a mapping" if isinstance(value, dict) else "a list"
    text = repr(value if not isinstance(value, str) else " ".join(value.split()))
    return text if len(text) <= 60 else text[:57] + "..."
