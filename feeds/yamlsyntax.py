"""YAML syntax errors in plain words, at the line where the author can fix them.

libyaml reports where it noticed a problem, in its own words ("did not find expected key"); the
cause is often earlier: a quote that is not closed, a `[` that is not closed. `explain` names the
cause and its line.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import yaml

from .text import one_line

ErrorLine = Callable[[str], int | None]


def explain(exc: yaml.MarkedYAMLError, yaml_text: str, error_line: ErrorLine) -> tuple[int | None, str]:
    """A YAML syntax error in plain words, and the line (0-based in `yaml_text`; None when unknown)
    where the author can fix it. `error_line(text)` is the 0-based line of a text's first syntax
    error (-1 when unknown), or None when it has none: used to test a guess.

    A quoted value that is never closed is named at the line where its quote opened, wherever
    libyaml noticed it (often at a later line, as "did not find expected key"); a tab where YAML
    expects indentation at the tab's line; an unclosed `[` or `{` where it opened. Other libyaml
    messages are reworded (`_WORDS`); one not known keeps libyaml's words.
    """
    problem, context = exc.problem or "", exc.context or ""
    mark = exc.problem_mark or exc.context_mark
    opened = _unclosed_quote(yaml_text, mark.line if mark is not None else len(yaml_text), error_line)
    if opened is not None:
        return opened, "a quoted value is not closed"
    if mark is not None and ("tab character" in problem or _char_at(yaml_text, mark) == "\t"):
        return mark.line, "a tab character cannot indent YAML; use spaces"
    if mark is not None and problem.startswith("mapping values are not allowed"):
        keyless = _keyless_line(yaml_text, mark.line, error_line)
        if keyless is not None:
            return keyless, _WORDS["could not find expected ':'"][0]
    for start, (words, at_context) in _WORDS.items():
        if problem.startswith(start):
            where = exc.context_mark if at_context and exc.context_mark is not None else mark
            char = _char_at(yaml_text, where) if where is not None else ""
            return (where.line if where is not None else None), words.replace("{char}", one_line(char))
    return (mark.line if mark is not None else None), one_line(problem or context or "unreadable")


# libyaml's problem → (plain words, whether the cause is at its context mark rather than the problem's)
_WORDS = {
    "mapping values are not allowed": (
        "a value contains ': ' (quote the value), or a key is indented further than the key above it",
        False,
    ),
    "did not find expected ',' or ']'": (
        "a [ list ] is not closed, or an item in it is missing a comma",
        True,
    ),
    "did not find expected ',' or '}'": (
        "a { mapping } is not closed, or an item in it is missing a comma",
        True,
    ),
    "did not find expected key": (
        "this line does not line up with the keys above it, or text follows a quoted value",
        False,
    ),
    "could not find expected ':'": ("a line has no ': ' between its key and its value", True),
    "found character that cannot start any token": ("a value cannot start with '{char}': quote it", False),
    "found undefined alias": ("an alias (*name) names no anchor (&name) written before it", False),
    "found unknown directive name": ("a line starts with '%': quote the value or remove the line", False),
    "block sequence entries are not allowed": (
        "a '- ' list item where a value was expected: start the list on the line after its key",
        False,
    ),
}
_MAX_TRIES = 20
_QUOTE_OPENS = re.compile(r"""^[ \t]*(?:-[ \t]+)*(?:[^\s#'"\[{][^#]*?:[ \t]+|-[ \t]+)?(["'])(.*)$""")


def _unclosed_quote(yaml_text: str, last: int, error_line: ErrorLine) -> int | None:
    """The first line (0-based, up to `last`) whose value opens a quote that is not closed on it and
    whose closing on that line makes the error go or move past `last`: the quote that was meant to
    close there. None when no such line explains the error."""
    lines = yaml_text.split("\n")
    tries = 0
    for number, line in enumerate(lines[: last + 1]):
        match = _QUOTE_OPENS.match(line)
        if match is None or _closes(match.group(1), match.group(2)):
            continue
        tries += 1
        if tries > _MAX_TRIES:  # a file of many multi-line quoted values: keep libyaml's line
            return None
        fixed = "\n".join([*lines[:number], line + match.group(1), *lines[number + 1 :]])
        moved = error_line(fixed)
        if moved is None or moved > last:
            return number
    return None


def _keyless_line(yaml_text: str, last: int, error_line: ErrorLine) -> int | None:
    """The line (0-based, just above `last`) of words with no `: ` that YAML read as the start of the
    key on line `last`, when leaving it out makes the error go or move past `last`; else None."""
    lines = yaml_text.split("\n")
    for number in range(last - 1, max(last - _MAX_TRIES, 0) - 1, -1):
        line = lines[number].strip()
        if not line or ": " in line or line.endswith(":") or line.startswith(("#", "-")) or _quoted(line):
            return None
        moved = error_line("\n".join([*lines[:number], "", *lines[number + 1 :]]))
        if moved is None or moved > last:
            return number
    return None


def _quoted(line: str) -> bool:
    """Whether a line holds a quote: it may end a quoted value begun above it, not a keyless line."""
    return '"' in line or "'" in line


def _closes(quote: str, rest: str) -> bool:
    """Whether a quoted value's text after its opening quote closes it on the same line."""
    if quote == "'":
        return "'" in rest.replace("''", "")
    return re.search(r'(?<!\\)(?:\\\\)*"', rest) is not None


def _char_at(text: str, mark: yaml.Mark) -> str:
    """The character at a libyaml mark (line and column counted from 0), or '' past the end."""
    lines = text.split("\n")
    if mark.line >= len(lines):
        return ""
    return lines[mark.line][mark.column : mark.column + 1]
