"""The few lines of a hidden document that its reading needs, found without reading the rest.

A document whose front matter says `published: false` at the top level is never shown, whatever
else it says (no other key can make it visible), and all the index keeps of it is its URLs, title
and date (`fields.slim`). Composing its whole YAML (related lists, images, excerpts: most of a
news document's nodes) was most of the cost of a cold start. `lines` keeps the lines of the
fields that reading needs (`NEEDED`, and keys that may be one of them spelt another way) and blanks
every other line, so line numbers stay those of the file; `parse` reads that text the usual way and
uses the result only when it is such a hidden article, else it reads the whole text.

That is only sound when each line starting in column 0 really is a top-level key, so `lines`
declines (None) whenever the text holds anything that could carry a line at column 0 inside a
value: a quoted scalar or a flow collection not closed on the line it opens, a line break other
than LF (libyaml also breaks lines at CR, NEL, LS and PS), a column-0 line that is not a plain key,
a comment or a sequence item, or a first line that is not a key. Errors in the blanked lines go
unnoticed, as a lean reading leaves them unread anyway: the document is hidden either way and
hidden documents are never reported (`check` reads whole).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

NEEDED = frozenset(
    {"published", "webUrl", "originalUrl", "ampWebUrl", "cdnAmpWebUrl", "title", "publishedDateTime"}
)

# Each pattern starts with a literal character, so that `re` scans for it instead of trying every
# position (five to ten times faster here); the text is searched with a newline before it.
_SAYS_FALSE = re.compile(r"\npublished:[ \t]*(?:false|False|FALSE)[ \t]*(?:#|\n|\Z)")
_NAME, _COLON = r"[A-Za-z_][A-Za-z0-9_.-]*", r":(?=[ \t\n]|\Z)"  # a plain key: no quotes or indicators
_KEY_LINE = re.compile(rf"\n({_NAME}){_COLON}")
# A column-0 line that is not a plain key, a comment, a sequence item or blank (an indented line
# continues the key above it).
_OTHER_LINE = re.compile(rf"\n(?!{_NAME}{_COLON}|#|-(?:[ \t\n]|\Z)| |\n|\Z)")
# Where a quoted scalar or a flow collection may start: after a line break, an indicator, a tag or
# an anchor; any space counts, so a quote inside plain text may be taken for one (then read whole).
_NOT_OPENER = r"[^-?:,\[{ \t\n]"
# A quoted scalar at such a place that does not close on its line ('' and \x escapes inside), and a
# flow collection at such a place; one pattern per character, each starting with it.
_UNCLOSED = (
    re.compile(rf"'(?<!{_NOT_OPENER}')(?![^'\n]*(?:''[^'\n]*)*'(?!'))"),
    re.compile(rf'"(?<!{_NOT_OPENER}")(?![^"\\\n]*(?:\\[^\n][^"\\\n]*)*")'),
)
_FLOW_STARTS = {c: re.compile(rf"\{c}(?<!{_NOT_OPENER}\{c})") for c in "[{"}
# A key that may be one of `NEEDED` spelt another way (`Title`, `WebURL`, `titel`): kept, so that the
# document is read by YAML, which reads such a key as the field (`parse`), fail closed
_SPELT = re.compile("url|title|titel", re.IGNORECASE)

_LINE_BREAKS = ("\r", "\x85", "\u2028", "\u2029")  # libyaml breaks lines at these too


def lines(yaml_text: str, also: Callable[[str], bool] | None = None) -> str | None:
    """`yaml_text` with only the top-level keys in `NEEDED` (each with the lines below it) kept and
    every other line blanked, when its text says `published: false` at the top level and each
    column-0 line is certainly a top-level key; None otherwise (read the whole text). Kept too: keys
    that hold `url`, `title` or `titel` in any case, and those `also` says may be one of `NEEDED`
    (`parse`: a misspelling the vocabulary reads as one, `ampWebUrI`)."""
    text = "\n" + yaml_text
    if _SAYS_FALSE.search(text) is None or any(b in text for b in _LINE_BREAKS):
        return None
    starts = [(m.start() + 1, m.group(1)) for m in _KEY_LINE.finditer(text)]
    if not starts or any(line[:1] not in ("", "#") for line in text[: starts[0][0]].split("\n")):
        return None  # only blank lines and comments may come before the first key
    if _OTHER_LINE.search(text) or any(pattern.search(text) for pattern in _UNCLOSED):
        return None
    for bracket, pattern in _FLOW_STARTS.items():
        for flow in pattern.finditer(text) if bracket in text else ():
            end = text.find("\n", flow.start())
            if not _closed_flow(text[flow.start() : end if end >= 0 else len(text)]):
                return None
    parts = ["\n" * text.count("\n", 1, starts[0][0])]
    for n, (start, key) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(text)
        if key in NEEDED or _spelt(key) or (also is not None and also(key)):
            parts.append(text[start:end])
        else:
            parts.append("\n" * text.count("\n", start, end))
    return "".join(parts)


@functools.lru_cache(maxsize=4096)  # the same few keys, document after document
def _spelt(key: str) -> bool:
    return _SPELT.search(key) is not None


def _closed_flow(line: str) -> bool:
    """Whether a flow collection opened at the start of `line` closes on it: brackets balance and
    no quote is inside (a quoted scalar could hold a bracket; such a line is read whole)."""
    if "'" in line or '"' in line:
        return False
    depth = 0
    for char in line.partition(" #")[0]:
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return True
    return False
