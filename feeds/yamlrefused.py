"""What libyaml refuses that other writers write, read as their readers would read it.

**Escapes.** JSON is YAML 1.2, and JSON writers (Python's `json.dumps`, JavaScript's
`JSON.stringify` of a lone surrogate) escape a character beyond U+FFFF as a UTF-16 surrogate pair:
`"\\ud83d\\ude00"` for U+1F600. libyaml refuses any escape of a surrogate (`found invalid Unicode
character escape code`), so one emoji written that way would cost the whole document. `rewritten`
rewrites the scalar libyaml stopped in: a pair as the one character it encodes (`\\U0001F600`,
silently: that is what it means), and a lone half, or a code point past U+10FFFF, as U+FFFD, the
replacement character (with a note: the author's character cannot be known, and no text may hold
it). Only escapes are rewritten, and only inside that double-quoted scalar: `\\ud83d` in a plain,
single-quoted or block scalar is text.

**Characters.** YAML text cannot hold control characters (but tab and line breaks), DEL, U+FFFE or
U+FFFF, which word processors and mis-decoded text leave behind (Word's line break is U+000B; a
Windows-1252 quote read as Latin-1 is U+0080-U+009F); libyaml refuses the whole text for one. `printable`
reads each as U+FFFD, with a note: a character that is nowhere valid in YAML text is replaced alike
wherever it stands, and a `published` that holds one is neither true nor false, so its document is
hidden. A NUL is left refused: it is what zeroed blocks of a damaged file hold, and a damaged file
must keep serving its last good version rather than replace it.
"""

from __future__ import annotations

import re
import string

import yaml

REFUSED = "found invalid Unicode character escape code"  # libyaml's words
_WIDTH = {"x": 2, "u": 4, "U": 8}  # hex digits after each escape that takes them
_HIGH, _LOW, _LAST = range(0xD800, 0xDC00), range(0xDC00, 0xE000), 0x10FFFF
# (0-based line in the YAML text, where its scalar or character is in it (an index), what was read for what)
Note = tuple[int, int, str]
# What YAML text may not hold (YAML 1.2 c-printable's complement, as libyaml's reader checks it)
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def readable(yaml_text: str, error: yaml.YAMLError, notes: list[Note]) -> tuple[str, list[Note]] | None:
    """After libyaml refused `yaml_text` (`error`): the text to compose again (`printable` for a
    character, `rewritten` for an escape), with `notes` moved to where what they note now is and the
    new ones added; None when the refusal stands."""
    if isinstance(error, yaml.reader.ReaderError):
        again = printable(yaml_text)
        return None if again is None else (again[0], notes + again[1])
    if not isinstance(error, yaml.MarkedYAMLError) or (found := rewritten(yaml_text, error)) is None:
        return None
    start = error.context_mark.index if error.context_mark is not None else 0  # the rewritten scalar's
    shrunk = len(yaml_text) - len(found[0])  # it shrank by this much: what is after it moved back
    moved = [(line, max(start, at - shrunk) if at > start else at, words) for line, at, words in notes]
    return found[0], moved + found[1]


def printable(yaml_text: str) -> tuple[str, list[Note]] | None:
    """`yaml_text` with every character YAML text may not hold read as U+FFFD, and a note for each line
    that held one; None when it holds a NUL (the error stands) or no such character."""
    if "\x00" in yaml_text:
        return None
    notes: list[Note] = []
    line, counted = 0, 0
    for found in _NOT_PRINTABLE.finditer(yaml_text):
        at = found.start()
        line, counted = line + yaml_text.count("\n", counted, at), at
        if not notes or notes[-1][0] != line:
            code = ord(found[0])
            named = "a noncharacter" if code in (0xFFFE, 0xFFFF) else "a control character"
            notes.append((line, at, f"U+{code:04X} ({named}) cannot be in YAML text: read as U+FFFD"))
    if not notes:
        return None
    return _NOT_PRINTABLE.sub("\ufffd", yaml_text), notes


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
