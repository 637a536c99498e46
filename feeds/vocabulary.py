"""The document's field names, and the fail-closed reading of `published` (contract: visibility).

A document is visible only when its intent is clear: no `published` key, or one that is clearly
true. A value that is neither clearly true nor clearly false hides it; so does a key that looks like
a misspelt `published` (`publised`, `Published`) unless its value is clearly true. Near misses of
the other known fields are only reported: a misspelt `excerpt` costs an excerpt, not an embargo.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
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
_NORMALISED = {name.lower(): name for name in KNOWN_FIELDS}


class Flag(enum.Enum):
    """What a `published` value says."""

    TRUE = "true"
    FALSE = "false"
    UNCLEAR = "unclear"


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


def published_flag(
    data: Mapping[str, Any], problems: Mapping[str, YamlValueError], warn: Callable[[str, str], None]
) -> Flag:
    """Whether the document may be shown: `Flag.TRUE`, or hidden (with a warning when unclear)."""
    flag = Flag.TRUE
    if PUBLISHED in problems:
        problem = problems[PUBLISHED]
        warn(
            PUBLISHED,
            f"line {problem.line}: {problem.reason}; the document is hidden until it says true or false",
        )
        flag = Flag.UNCLEAR
    elif PUBLISHED in data:
        flag = flag_of(data[PUBLISHED])
        if flag is Flag.UNCLEAR:
            warn(
                PUBLISHED,
                f"neither true nor false: {_show(data[PUBLISHED])}; the document is hidden until it says",
            )
    for key in [*data, *problems]:
        if key == PUBLISHED or misspelt(key) != PUBLISHED:
            continue
        said = flag_of(data[key]) if key in data else Flag.UNCLEAR
        if said is Flag.TRUE:
            warn(key, f"unknown field; did you mean {PUBLISHED!r}?")
        else:
            warn(key, f"looks like a misspelt {PUBLISHED!r} and does not say true; the document is hidden")
            flag = Flag.FALSE if flag is Flag.TRUE else flag
    return flag


_TOP_LEVEL_PAIR = re.compile(r"""^["']?([^\s:"'#][^:"'#]*?)["']?[ \t]*:(?:[ \t]+(.*))?$""", re.M)


def stated_flags(yaml_text: str) -> list[Flag]:
    """What each top-level `published` line (or near miss of one) of front matter text says, read
    line by line, for text that could not be read as a document."""
    flags = []
    for match in _TOP_LEVEL_PAIR.finditer(yaml_text):
        key, value = match.group(1), (match.group(2) or "").split(" #")[0].strip().strip("\"'")
        if key == PUBLISHED or misspelt(key) == PUBLISHED:
            flags.append(flag_of(value))
    return flags


def says_unpublished(yaml_text: str) -> bool:
    """Whether such text has a `published` line (or near miss) that does not clearly say true: then a
    broken edit withdraws the document."""
    return any(flag is not Flag.TRUE for flag in stated_flags(yaml_text))


def says_false(yaml_text: str) -> bool:
    """Whether such text clearly withholds its document: a `published` line (or near miss) says false
    and none says true (a `published: false` and a `published: true` leave the intent unknown)."""
    flags = stated_flags(yaml_text)
    return Flag.FALSE in flags and Flag.TRUE not in flags


def misspelt(key: str) -> str | None:
    """The known field an unknown key looks like a misspelling of (case, `_`/`-`/spaces, or an edit
    distance of 2 — 1 for names of five letters or fewer), or None."""
    if key in KNOWN_FIELDS:
        return None
    plain = "".join(c for c in key.lower() if c not in "_- ")
    if plain in _NORMALISED:
        return _NORMALISED[plain]
    for lowered, name in _NORMALISED.items():
        allowed = 1 if len(lowered) <= 5 else 2
        if abs(len(lowered) - len(plain)) <= allowed and _distance(plain, lowered, allowed) <= allowed:
            return name
    return None


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
