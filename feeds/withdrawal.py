"""Whether the text of a file that could not be read as a document withdraws it, read leniently and
failing closed (contract: "Which articles are visible").

A broken edit of a served document (a YAML error, front matter never closed, a file grown over the
size limit or no longer UTF-8) keeps its last good version up, since most broken edits are typos made
on the way to a fix; unless the broken text speaks of publishing in any way other than a clear
"show". Then it comes down at once: an unpublishing edit with a typo in it must not leave the article
up. Typos are exactly what such text holds, so the key is looked for in every form a person may have
meant it, not only as YAML would read it.
"""

from __future__ import annotations

import re

from .keywords import legible, without_terminal_codes
from .vocabulary import Flag, says, speaks_of_publishing

# A key anywhere (any run of characters that cannot end or separate one, so an invisible character
# inside it stays inside it): at the start of a line at any indentation, inside a flow mapping, or
# after another value; quoted or not; then `:` or `=` with any spacing (`published:false`,
# ` published: false`, `published = false`, `meta: {published: false`, `"published" : 'false`).
# Its value runs to the end of the line, a comma, a bracket or a comment; a key written inside
# another's value counts too (`title: Budget published: false`), so the value is only looked ahead at.
_ANY_PAIR = re.compile(
    r"""(?:^|(?<=[\s{,\[]))["']?([^\s:=,{}\[\]"'#]+)["']?(?=[ \t]*[:=][ \t]*([^,{}\[\]\n#]*))""", re.M
)
_YAML_BREAK = re.compile("\r\n?|[\x85\u2028\u2029]")  # YAML 1.1's line breaks besides LF
YAML_BLANK = " \t"  # what YAML takes off a plain value's ends


def yaml_lines(text: str) -> str:
    """`text` with each line break YAML knows made LF, and no other (VT, FF, FS, GS, RS stay)."""
    return _YAML_BREAK.sub("\n", text)


def withdraws(text: str) -> bool:
    """Whether broken front matter text (`yaml_lines`) has a key that speaks of publishing
    (`vocabulary.intent`: `published` and its near misses, `draft`, `status`, …) saying anything but a
    clear "show" (`vocabulary.says`): on a top-level line as `says_unpublished` reads them (a key of
    several words too), or in any of the forms above. Read four ways, failing closed: with terminal
    codes left out (a key coloured in a terminal, raw or escaped, is the key:
    `keywords.without_terminal_codes`) and as written (a value's codes, `true\\x1b[0m`, make it
    unclear, as in a document that can be read); as YAML reads lines and values (a control character
    it keeps in a value, `published: true\\x0b`, makes it unclear) and at every line end Python knows
    (`str.splitlines`: a VT may be where a line was meant to end), any white space around a value
    taken off."""
    return any(
        _withdraws(read, YAML_BLANK) or _withdraws("\n".join(read.splitlines()), None)
        for read in dict.fromkeys((without_terminal_codes(text), text))
    )


def _withdraws(text: str, blank: str | None) -> bool:
    if says_unpublished(text, blank):
        return True
    for match in _ANY_PAIR.finditer(text):  # a key with a control character: as it most likely reads
        if says(legible(match.group(1)), match.group(2).strip(blank).strip("\"'")) is not Flag.TRUE:
            return True
    return False


_TOP_LEVEL_PAIR = re.compile(r"""^["']?([^\s:"'#][^:"'#]*?)["']?[ \t]*:(?:[ \t]+(.*))?$""", re.M)


def stated_flags(yaml_text: str, blank: str | None = None) -> list[Flag]:
    """What each top-level line of a key that speaks of publishing says (`says`), read line by line,
    for front matter text that could not be read as a document; `blank`: what is taken off a value's
    ends before the quotes (None: white space)."""
    flags = []
    for match in _TOP_LEVEL_PAIR.finditer(yaml_text):
        value = (match.group(2) or "").split(" #")[0].strip(blank).strip("\"'")
        key = legible(match.group(1))
        if speaks_of_publishing(key):
            flags.append(says(key, value))
    return flags


def says_unpublished(yaml_text: str, blank: str | None = None) -> bool:
    """Whether such text has a key that speaks of publishing and does not clearly say "show": then a
    broken edit withdraws the document."""
    return any(flag is not Flag.TRUE for flag in stated_flags(yaml_text, blank))


def says_false(yaml_text: str) -> bool:
    """Whether such text clearly withholds its document: a key says so and none says "show" (a
    `published: false` and a `published: true` leave the intent unknown)."""
    flags = stated_flags(yaml_text)
    return Flag.FALSE in flags and Flag.TRUE not in flags
