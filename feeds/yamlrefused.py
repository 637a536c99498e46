"""What libyaml refuses that other writers write, read as their readers would read it.

**Escapes.** JSON is YAML 1.2, and JSON writers (Python's `json.dumps`, JavaScript's
`JSON.stringify` of a lone surrogate) escape a character beyond U+FFFF as a UTF-16 surrogate pair:
`"\\ud83d\\ude00"` for U+1F600. libyaml refuses any escape of a surrogate (`found invalid Unicode
character escape code`), so one emoji written that way would cost the whole document. `rewritten`
rewrites every double-quoted scalar in one pass (found by PyYAML's pure-Python scanner, and the one
libyaml stopped in): a pair as the one character it encodes (`\\U0001F600`, silently: that is what
it means), and a lone half, or a code point past U+10FFFF, as U+FFFD, the replacement character
(with a note: the author's character cannot be known, and no text may hold it). Only escapes inside
double-quoted scalars are rewritten: `\\ud83d` in a plain, single-quoted or block scalar is text.

**Characters.** YAML text cannot hold control characters (but tab and line breaks), DEL, U+FFFE or
U+FFFF, which word processors, terminals and mis-decoded text leave behind (Word's line break is
U+000B; a colour code is ESC `[1m`; a Windows-1252 quote read as Latin-1 is U+0080-U+009F); libyaml
refuses the whole text for one. `printable` has each read as the character itself, as if escaped
(`\\x0b`), with a note: then every field judges it as it judges the escape (a URL that holds one is
unusable, a `published` that holds one is neither true nor false, a title drops it). A NUL is left
refused: it is what zeroed blocks of a damaged file hold, and a damaged file must keep serving its
last good version rather than replace it.
"""

from __future__ import annotations

import re
import string

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

REFUSED = "found invalid Unicode character escape code"  # libyaml's words
_WIDTH = {"x": 2, "u": 4, "U": 8}  # hex digits after each escape that takes them
_HIGH, _LOW, _LAST = range(0xD800, 0xDC00), range(0xDC00, 0xE000), 0x10FFFF
# (0-based line in the YAML text, where its scalar or character is in it (an index), what was read for what)
Note = tuple[int, int, str]
Edit = tuple[int, int]  # a rewritten scalar's start in the text, and how many characters shorter it got
# What YAML text may not hold (YAML 1.2 c-printable's complement, as libyaml's reader checks it), NUL apart
_REFUSED = [*range(1, 9), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, *range(0x80, 0x85), *range(0x86, 0xA0)]
_REFUSED += [0xFFFE, 0xFFFF]
_NOT_PRINTABLE = re.compile("[" + "".join(re.escape(chr(c)) for c in _REFUSED) + "]")
# Stand-ins: a run of `len(_REFUSED)` code points of the Supplementary Private Use Area-B that the text
# holds none of, written or escaped (`_stand_ins`)
_PRIVATE_B = re.compile("[\U00100000-\U0010fffd]")
_ESCAPED_B = re.compile(
    r"\\U0010([0-9a-fA-F]{4})|\\u([dD][bB][c-fC-F][0-9a-fA-F])\\u([dD][c-fC-F][0-9a-fA-F]{2})"
)


def readable(
    yaml_text: str, error: yaml.YAMLError, notes: list[Note], scan: bool = True
) -> tuple[str, list[Note], dict[int, int]] | None:
    """After libyaml refused `yaml_text` (`error`): the text to compose again (`printable` for a
    character, `rewritten` for an escape), with `notes` moved to where what they note now is and the
    new ones added, and the table that `restore`s stand-ins ({} when none were written); None when
    the refusal stands. `scan`: find every double-quoted scalar (`rewritten`): the first time only."""
    if isinstance(error, yaml.reader.ReaderError):
        again = printable(yaml_text)
        return None if again is None else (again[0], notes + again[1], again[2])
    notes = capped(notes)  # each is moved past every rewritten scalar: a bounded few
    if not isinstance(error, yaml.MarkedYAMLError) or (found := rewritten(yaml_text, error, scan)) is None:
        return None
    return found[0], [_moved(note, found[2]) for note in notes] + found[1], {}


def capped(notes: list[Note]) -> list[Note]:
    """At most `MAX_NOTES` notes, the last one saying that more lines held the like."""
    if len(notes) <= MAX_NOTES:
        return notes
    line, at, _words = notes[MAX_NOTES - 1]
    return [*notes[: MAX_NOTES - 1], (line, at, "and more lines like the ones above, from this one on")]


MAX_NOTES = 20  # warnings of this kind a document gets: each costs a walk down its values


def _moved(note: Note, edits: list[Edit]) -> Note:
    """Where what `note` notes is once scalars before it were rewritten shorter (`edits`: each one's
    start, and by how much; a note inside one stays at its start)."""
    line, at, words = note
    for start, shrunk in edits:
        if start < at:
            at = max(start, at - shrunk)
    return line, at, words


def printable(yaml_text: str) -> tuple[str, list[Note], dict[int, int]] | None:
    """`yaml_text` with every character YAML text may not hold written as a stand-in libyaml takes (a
    private-use character the text does not hold), a note for each line that held one, and the
    stand-ins' table back (`str.translate`'s, for the composed values: `restore`); None when it holds
    a NUL (the error stands) or no such character."""
    base = _stand_ins(yaml_text) if "\x00" not in yaml_text else None
    if base is None:
        return None
    notes: list[Note] = []
    line, counted = 0, 0
    for found in _NOT_PRINTABLE.finditer(yaml_text):
        at = found.start()
        line, counted = line + yaml_text.count("\n", counted, at), at
        if not notes or notes[-1][0] != line:
            code = ord(found[0])
            named = "a noncharacter" if code in (0xFFFE, 0xFFFF) else "a control character"
            notes.append((line, at, f"U+{code:04X} ({named}) cannot be in YAML text: read as if escaped"))
    if not notes:
        return None
    to = {code: base + n for n, code in enumerate(_REFUSED)}
    return yaml_text.translate(to), notes, {stand_in: code for code, stand_in in to.items()}


def _stand_ins(yaml_text: str) -> int | None:
    """The first of `len(_REFUSED)` private-use code points the text holds none of, as characters or as
    escapes (`\\U0010FE00`, a surrogate pair), so that `restore` gives back only what `printable`
    wrote; None when every run is taken (the error stands)."""
    used = {ord(c) for c in _PRIVATE_B.findall(yaml_text)}
    for long, high, low in _ESCAPED_B.findall(yaml_text):
        used.add(
            0x100000 + int(long, 16)
            if long
            else 0x10000 + (int(high, 16) - 0xD800) * 0x400 + int(low, 16) - 0xDC00
        )
    for base in range(0x10FE00, 0x100000, -0x100):
        if not any(base <= code < base + len(_REFUSED) for code in used):
            return base
    return None


def restore(root: Node, table: dict[int, int]) -> None:
    """Every scalar (keys too) under `root` with the stand-ins of `printable` made the characters again."""
    if not table:
        return
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, ScalarNode):
            node.value = node.value.translate(table)
        elif isinstance(node, MappingNode):
            stack.extend(n for pair in node.value for n in pair)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)


def rewritten(
    yaml_text: str, error: yaml.MarkedYAMLError, scan: bool = True
) -> tuple[str, list[Note], list[Edit]] | None:
    """For libyaml's `REFUSED` error: `yaml_text` with every surrogate escape (and every one past
    U+10FFFF) of every double-quoted scalar rewritten (those PyYAML's own scanner finds, which reads
    such escapes, and the one libyaml stopped in), a note for each line that held one read as U+FFFD,
    and each rewritten scalar's start and how much shorter it got. None for any other error, or when
    nothing could be rewritten (the error stands). Linear in the text: one pass, one scan (none when
    not `scan`: a scan already missed this one, and the next would too)."""
    start = error.context_mark.index if error.context_mark is not None else -1
    if error.problem != REFUSED or start < 0 or yaml_text[start : start + 1] != '"':
        return None
    pieces: list[str] = []
    notes: list[Note] = []
    edits: list[Edit] = []
    done = counted = line = 0
    for opening in sorted({start, *(_double_quoted(yaml_text) if scan else ())}):
        if opening < done:
            continue
        i, shrunk = opening + 1, 0
        while i < len(yaml_text) and yaml_text[i] != '"':
            if yaml_text[i] != "\\":
                i += 1
                continue
            width = _WIDTH.get(yaml_text[i + 1 : i + 2], 0)
            value, end = _code(yaml_text, i, width)
            if value is None or not (value in _HIGH or value in _LOW or value > _LAST):
                # another escape (`\\"`, `\\\\`, a line break), or a character: as written
                i = max(end, i + 2)
                continue
            low, after = _code(yaml_text, end, 4) if yaml_text.startswith("\\u", end) else (None, end)
            if width == 4 and value in _HIGH and low is not None and low in _LOW:
                replacement, end = f"\\U{0x10000 + (value - 0xD800) * 0x400 + (low - 0xDC00):08X}", after
            else:
                replacement = "\\uFFFD"
                line, counted = line + yaml_text.count("\n", counted, i), i
                if not notes or notes[-1][0] != line:
                    notes.append((line, opening, _why(yaml_text[i:end], value)))
            pieces += [yaml_text[done:i], replacement]
            shrunk += end - i - len(replacement)
            done = i = end
        if shrunk:
            edits.append((opening, shrunk))
    if not pieces:
        return None
    return "".join(pieces) + yaml_text[done:], notes, edits


def _double_quoted(yaml_text: str) -> list[int]:
    """Where each double-quoted scalar of `yaml_text` starts, as PyYAML's pure-Python scanner finds them
    in a copy whose `\\u` and `\\U` escapes all name `A`, whose tabs are spaces and whose control
    characters are letters (the same length: the same places; that scanner refuses some escapes, tabs
    libyaml takes, and any control character); [] when it cannot."""
    try:
        return [
            token.start_mark.index
            for token in yaml.scan(_scannable(yaml_text), Loader=yaml.SafeLoader)
            if isinstance(token, yaml.ScalarToken) and token.style == '"'
        ]
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError):  # it raises more than YAMLError
        return []


def _scannable(yaml_text: str) -> str:
    """A copy of the text the pure-Python scanner reads through, character for character in place."""
    copy = _ANY_ESCAPE.sub(_harmless, yaml_text).replace("\t", " ").replace("\x00", "x")
    return _NOT_PRINTABLE.sub("x", copy)


def _harmless(escape: re.Match[str]) -> str:
    return escape[0][:2] + "0" * (len(escape[0]) - 4) + "41"


_ANY_ESCAPE = re.compile(r"\\(?:u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})")


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
