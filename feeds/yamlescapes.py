"""Escapes libyaml refuses in a double-quoted scalar, read as a JSON reader reads them.

JSON is YAML 1.2, and JSON writers (Python's `json.dumps`, JavaScript's `JSON.stringify` of a
lone surrogate) escape a character beyond U+FFFF as a UTF-16 surrogate pair: `"\\ud83d\\ude00"` for
U+1F600. libyaml refuses any escape of a surrogate (`found invalid Unicode character escape code`),
so one emoji written that way would cost the whole document. `rewritten` rewrites the scalar libyaml
stopped in: a pair as the one character it encodes (`\\U0001F600`, silently: that is what it means),
and a lone half, or a code point past U+10FFFF, as U+FFFD, the replacement character (with a note:
the author's character cannot be known, and no text may hold it). Only escapes are rewritten, and
only inside that double-quoted scalar: `\\ud83d` in a plain, single-quoted or block scalar is text.
"""

from __future__ import annotations

import string

import yaml

REFUSED = "found invalid Unicode character escape code"  # libyaml's words
_WIDTH = {"x": 2, "u": 4, "U": 8}  # hex digits after each escape that takes them
_HIGH, _LOW, _LAST = range(0xD800, 0xDC00), range(0xDC00, 0xE000), 0x10FFFF
# (0-based line in the YAML text, where its scalar starts in it (an index), what was read in place of what)
Note = tuple[int, int, str]


def rewritten(yaml_text: str, error: yaml.MarkedYAMLError) -> tuple[str, list[Note]] | None:
    """For libyaml's `REFUSED` error: `yaml_text` with every surrogate escape (and every one past
    U+10FFFF) of the double-quoted scalar it was reading rewritten, and a note for each one read as
    U+FFFD (the scalar starts where it did: later rewrites are further on). None for any other
    error, or when nothing there could be rewritten (the error stands)."""
    start = error.context_mark.index if error.context_mark is not None else -1
    if error.problem != REFUSED or start < 0 or yaml_text[start : start + 1] != '"':
        return None
    pieces: list[str] = []
    notes: list[Note] = []
    done, i = 0, start + 1
    while i < len(yaml_text) and yaml_text[i] != '"':
        if yaml_text[i] != "\\":
            i += 1
            continue
        width = _WIDTH.get(yaml_text[i + 1 : i + 2], 0)
        value, end = _code(yaml_text, i, width)
        if value is None or not (value in _HIGH or value in _LOW or value > _LAST):
            i = max(end, i + 2)  # another escape (`\\"`, `\\\\`, a line break), or a character: as written
            continue
        low, after = _code(yaml_text, end, 4) if yaml_text.startswith("\\u", end) else (None, end)
        if width == 4 and value in _HIGH and low is not None and low in _LOW:
            replacement, end = f"\\U{0x10000 + (value - 0xD800) * 0x400 + (low - 0xDC00):08X}", after
        else:
            replacement = "\\uFFFD"
            notes.append((yaml_text.count("\n", 0, i), start, _why(yaml_text[i:end], value)))
        pieces += [yaml_text[done:i], replacement]
        done = i = end
    if not pieces:
        return None
    return "".join(pieces) + yaml_text[done:], notes


def _code(text: str, at: int, width: int) -> tuple[int | None, int]:
    """The code point of the escape at `at` (a backslash, a letter, `width` hex digits), and where it ends;
    None when it is no such escape."""
    digits = text[at + 2 : at + 2 + width]
    if width == 0 or len(digits) != width or not all(c in string.hexdigits for c in digits):
        return None, at + 2
    return int(digits, 16), at + 2 + width


def _why(escape: str, value: int) -> str:
    if value > _LAST:
        return f"the escape {escape} is past U+10FFFF, the last Unicode character: read as U+FFFD"
    return f"the escape {escape} is half of a UTF-16 surrogate pair, without its other half: read as U+FFFD"
