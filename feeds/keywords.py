"""The form in which front matter keys are compared with the names the service knows (contract:
"Which articles are visible"): the key as written, escapes undone, invisible characters dropped, any
space a separator, split into words; and the known names a key is a near miss of (`nearest`).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from .controls import CONTROL as KEY_CONTROL
from .controls import CONTROL_CHARACTERS

_ESCAPE = re.compile(r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[tnr])")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# What a terminal never shows as text (ECMA-48), raw or written as a YAML or C escape, taken out only
# whole: control strings (OSC, DCS, APC, PM, SOS: a window title, a hyperlink; to BEL or ST), control
# sequences (CSI: colours, cursor moves) and escape sequences with an intermediate (`ESC ( B`)
_ESC = r"(?:\x1b|\\e|\\x1[bB]|\\u001[bB]|\\U0000001[bB]|\\033)"
_TERMINAL_CODE = re.compile(
    rf"(?:{_ESC}[\]P_^X]|[\x90\x98\x9d\x9e\x9f]).*?(?:{_ESC}\\\\?|\x9c|\x07|\\a|\\x07|\\u0007)"
    rf"|(?:{_ESC}\[|\x9b)[0-?]*[ -/]*[@-~]|{_ESC}[ -/]+[0-~]",
    re.M,
)
_MAY_HOLD_CODES = re.compile(r"[\x1b\x90-\x9f\\]")  # what each of them starts with
# In a flag, a control character (`controls`) or U+FFFD: what it says is not clear
CONTROL = re.compile(f"[{CONTROL_CHARACTERS}\ufffd]")
# Letters and symbols that fonts draw as blank space, though Unicode does not class them as spaces
# (all but the last are Default_Ignorable_Code_Point): the Hangul fillers (choseong, jungseong,
# compatibility, halfwidth) and the blank Braille pattern.
_BLANK_LETTERS = (0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800)


def raw_key(key: str) -> str:
    """The key as written in the YAML: `yamlvalues.key_text`'s escapes of characters that are not
    printable (`\\t`, `\\xa0`, `\\u200b`, `\\U0001f600`) undone. A key written with such a backslash
    sequence reads as the character it names: fail closed."""
    if "\\" not in key:
        return key
    return _ESCAPE.sub(lambda m: m.group().encode("ascii").decode("unicode_escape"), key)


def without_terminal_codes(text: str) -> str:
    """`text` without what a terminal never shows (`_TERMINAL_CODE`): a key coloured in a terminal
    (`\\x1b[1mpublished\\x1b[0m`, pasted from `yq -C`; `\\e[1m` in YAML) is the key."""
    return _TERMINAL_CODE.sub("", text) if _MAY_HOLD_CODES.search(text) else text


def damaged(key: str) -> bool:
    """Whether a key holds a control character once terminal codes are left out, or nothing
    else: what it names cannot be read, so it may be any key (`vocabulary.intent`: hidden whatever its
    value)."""
    return _shown(key)[1]


def legible(key: str) -> str:
    """A key as `damaged` reads it, its control characters left out: what it most likely names (a
    rejected document's `title\\x0b` still names its headline; `Summary\\x0bNote:` in a broken text
    is no key that speaks of publishing)."""
    shown, unreadable = _shown(key)
    return KEY_CONTROL.sub("", shown) if unreadable else key


def _shown(key: str) -> tuple[str, bool]:
    """The key as a terminal shows it (`raw_key`, `without_terminal_codes`), and whether it is damaged."""
    raw = raw_key(key)
    shown = without_terminal_codes(raw)
    return shown, bool(KEY_CONTROL.search(shown)) or (shown != raw and not shown.strip())  # or only codes


def visible_text(text: str) -> str:
    """NFKC, without format characters (Unicode category Cf: zero-width space, joiners, soft
    hyphen, word joiner, byte order mark, bidi marks), every space separator (Zs, such as a
    no-break space), line or paragraph separator, control character and letter drawn as a blank
    (`_BLANK_LETTERS`) a plain space."""
    text = unicodedata.normalize("NFKC", text)
    if text.isascii() and text.isprintable():
        return text
    return text.translate(_invisible_table())


@functools.cache
def _invisible_table() -> dict[int, str | None]:
    """`str.translate`'s table for `visible_text` (built once, on first use: some 140,000 code
    points looked up, the planes where Unicode assigns these categories)."""
    table: dict[int, str | None] = {}
    for start, stop in ((0, 0x10000), (0x11000, 0x20000), (0xE0000, 0xE1000)):
        for code in range(start, stop):
            kind = unicodedata.category(chr(code))
            if kind == "Cf":
                table[code] = None
            elif kind in ("Zs", "Zl", "Zp", "Cc"):
                table[code] = " "
    for code in _BLANK_LETTERS:
        table[code] = " "
    return table


def words(key: str) -> list[str]:
    """A key's words (`raw_key`, terminal codes left out, `visible_text`), split at separators (any
    character that is not a letter or digit) and camelCase, case-folded: `isDraft` → `['is', 'draft']`;
    a key coloured in a terminal (`\\x1b[1mpublished\\x1b[0m`, pasted from `yq -C`) → `['published']`."""
    text = visible_text(without_terminal_codes(raw_key(key)))
    return [unicodedata.normalize("NFKC", w).casefold() for w in _WORD.findall(_CAMEL.sub(" ", text))]


def distance(a: str, b: str, bound: int) -> int:
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


def near(plain: str, names: Iterable[str]) -> str | None:
    """The first (in `names`' order) of the names `nearest` gives, or None."""
    near = nearest(plain, names)
    return near[0] if near else None


def nearest(plain: str, names: Iterable[str]) -> list[str]:
    """Those of these lower-case names `plain` is nearest to, within an edit distance of 2 (1 for
    names of five letters or fewer), in `names`' order; [] when none is that near. The same in every
    process: `names` is never a set, whose order changes with the hash seed."""
    best, found, letters = 3, [], set(plain)
    for name in names:  # a letter of `plain` that `name` lacks costs an edit (the distance's bound)
        allowed = 1 if len(name) <= 5 else 2
        if abs(len(name) - len(plain)) > allowed or len(letters.difference(name)) > allowed:
            continue
        if (far := distance(plain, name, allowed)) <= allowed:
            if far < best:
                best, found = far, [name]
            elif far == best:
                found.append(name)
    return found
