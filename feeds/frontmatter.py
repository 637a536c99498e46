"""Front matter text → a YAML node graph, with YAML 1.2 core-schema resolution; never raises anything
but this package's errors.

A document is YAML between two `---` lines. It is read in two steps: `compose` (here) turns the
text into nodes with libyaml (PyYAML's C parser; syntax errors become `FrontMatterError` with the
line in the file; surrogate escapes and control characters libyaml refuses are read as their
writers meant: `yamlrefused`), and `yamlvalues.build` turns a node into a plain value without
PyYAML's constructors, whose `ValueError`, `TypeError`, `OverflowError` and more for values they
cannot build are never reached.

Scalars are resolved as the YAML 1.2 core schema says (https://yaml.org/spec/1.2.2/#1032-tag-resolution):
only `true`/`false` (three casings) are booleans, `null`/`~`/empty is null, and integers and floats
have one spelling each. So `NO`, `off`, `y` and `2025-03-14` are text, as the author wrote them;
dates and the `published` words are read by `parse`, which knows what each field means.

`fields` gives the top-level pairs, merges applied; a key written twice is a `DuplicateKeyError`
(PyYAML would keep the last one silently, and for `published` that is a leaked embargo). Merge keys
(`<<`) work as in YAML 1.1 (explicit keys win), except that a merged `published` that differs from
an explicit one, or two merged ones that disagree, are a duplicate too (`merged_conflict`).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Iterator

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from .errors import DuplicateKeyError, FrontMatterError, NotADocumentError, YamlValueError
from .text import one_line
from .yamlrefused import Note, capped, readable, restore
from .yamlsyntax import explain
from .yamlvalues import (
    AGAIN,
    FIRST_LINE,
    MERGE,
    NULL,
    Value,
    build,
    duplicate,
    key_text,
    kind_of,
    line_of,
    merge_pairs,
    plain_tag,
)

_TEXT, _LIST, _MAPPING = (
    BaseResolver.DEFAULT_SCALAR_TAG,
    BaseResolver.DEFAULT_SEQUENCE_TAG,
    BaseResolver.DEFAULT_MAPPING_TAG,
)
_OPENING = re.compile(r"\A\ufeff?---[ \t]*(?:\n|\Z)")
_CLOSING = re.compile(r"\n---[ \t]*(?:\n|\Z)")  # searched for from the opening line's end


class _CoreResolver(BaseResolver):
    """Plain scalars resolved by the YAML 1.2 core schema (`yamlvalues.plain_tag`), not PyYAML's
    YAML 1.1 rules."""

    def resolve(self, kind: type[Node], value: str, implicit: tuple[bool, bool]) -> str:
        """`BaseResolver.resolve` with no path or wildcard resolvers (we never add any): libyaml
        calls this for every node."""
        if kind is ScalarNode:
            return plain_tag(value) if implicit[0] else _TEXT
        return _LIST if kind is SequenceNode else _MAPPING


try:
    from yaml._yaml import CParser as _Parser  # libyaml: parsing and composing in C
except ImportError:  # pragma: no cover - PyYAML built without libyaml

    class _Parser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)


class _Composer(_Parser, _CoreResolver):
    """A YAML parser and composer with core-schema resolution; nothing is constructed."""

    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)
        _CoreResolver.__init__(self)


def split(text: str) -> str | None:
    """The YAML between the first two `---` lines (LF or CRLF, with or without a byte-order mark).

    `NotADocumentError` when the text does not start with a `---` line; None when it does but the front
    matter is never closed (a truncated file, or one caught half-written).
    """
    text = text.replace("\r\n", "\n")
    opening = _OPENING.match(text)
    if opening is None:
        raise NotADocumentError("no front matter: the text does not start with a '---' line")
    start = opening.end()
    if not text.endswith("\n", 0, start):
        return None
    closing = _CLOSING.search(text, start)  # after a line of front matter, else right after the opening
    if closing is not None:
        return text[start : closing.start() + 1]
    return "" if _CLOSING.match(text, start - 1) else None


def compose(yaml_text: str) -> tuple[MappingNode, list[Note]]:
    """The front matter's top-level mapping node, and what was read in place of what libyaml refuses
    (`yamlrefused.readable`: a JSON writer's surrogate pairs, control characters) as (file line, where
    it is in the YAML text, words); `FrontMatterError` for anything else."""
    notes: list[Note] = []
    stand_ins: dict[int, int] = {}
    scanned = False  # every double-quoted scalar looked for once: later passes rewrite one each
    for rewrites in range(MAX_REWRITES + 1):
        try:
            node = _mapping(_composed(yaml_text))
            restore(node, stand_ins)
            return node, [(line + FIRST_LINE, at, words) for line, at, words in capped(notes)]
        except (yaml.reader.ReaderError, yaml.MarkedYAMLError) as exc:
            again = readable(yaml_text, exc, notes, not scanned) if rewrites < MAX_REWRITES else None
            if again is None:
                raise _refused(yaml_text, exc) from None
            scanned = scanned or isinstance(exc, yaml.MarkedYAMLError)
            yaml_text, notes, stand_ins = again[0], again[1], again[2] or stand_ins
    raise AssertionError("unreachable: the last pass returns or raises")


MAX_REWRITES = 64  # passes (each a new parse) in one document before libyaml's error stands


def _composed(yaml_text: str) -> Node | None:
    """The text's one YAML node (None when there is none); `yaml.MarkedYAMLError` and
    `yaml.reader.ReaderError` as libyaml raises them, `FrontMatterError` for anything else."""
    try:
        loader = _Composer(yaml_text)
        try:
            node: Node | None = loader.get_single_node()
        finally:
            loader.dispose()
    except (yaml.MarkedYAMLError, yaml.reader.ReaderError):
        raise
    except yaml.YAMLError as exc:
        raise FrontMatterError(None, f"invalid YAML: {one_line(str(exc))}") from None
    except RecursionError:
        raise FrontMatterError(None, "YAML nested too deeply") from None
    return node


def _refused(yaml_text: str, exc: yaml.YAMLError) -> FrontMatterError:
    """libyaml's refusal in plain words, at its line: a syntax error (`explain`), or a character YAML
    text cannot hold, named."""
    if isinstance(exc, yaml.MarkedYAMLError):
        line, words = explain(exc, yaml_text, _syntax_error_line)
        return FrontMatterError(None if line is None else line + FIRST_LINE, f"invalid YAML: {words}")
    assert isinstance(exc, yaml.reader.ReaderError)
    where = yaml_text.count("\n", 0, exc.position) + FIRST_LINE
    char = chr(exc.character) if isinstance(exc.character, int) else str(exc.character)[:1]
    named = unicodedata.name(char, "a control character") if char else "a character"
    reason = f"U+{ord(char):04X} ({named.lower()}) cannot be in YAML text" if char else exc.reason
    return FrontMatterError(where, f"invalid YAML: {reason}")


def _mapping(node: Node | None) -> MappingNode:
    if not isinstance(node, MappingNode):
        got = (
            "nothing"
            if node is None or (isinstance(node, ScalarNode) and node.tag == NULL)
            else kind_of(node)
        )
        raise FrontMatterError(FIRST_LINE, f"must be a mapping of fields, not {got}")
    return node


def _syntax_error_line(yaml_text: str) -> int | None:
    """The 0-based line of the first YAML syntax error in the text (-1 when unknown), or None when it
    has none."""
    try:
        loader = _Composer(yaml_text)
        try:
            loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return mark.line if mark is not None else -1
    except (yaml.YAMLError, RecursionError):
        return -1
    return None


def fields(root: MappingNode) -> Iterator[tuple[str, Node, int]]:
    """The top-level `(key, value node, line)` pairs, merges applied; `DuplicateKeyError` on a repeat.

    A key that is not text (a number, a list) is given as its YAML source text.
    """
    seen: dict[str, int] = {}
    merged: dict[str, tuple[Node, int]] = {}
    for key_node, value_node in root.value:
        line = line_of(key_node)
        if key_node.tag == MERGE:
            for key, node, where in merge_pairs(value_node, "<<"):
                merged.setdefault(key, (node, where))
            continue
        key = key_text(key_node)
        if key in seen:
            raise duplicate(key, seen[key], line)
        seen[key] = line
        yield key, value_node, line
    for key, (node, line) in merged.items():
        if key not in seen:
            yield key, node, line


def merged_conflict(root: MappingNode, wanted: Callable[[str], bool]) -> DuplicateKeyError | None:
    """A key `wanted` says matters (one that speaks of publishing) given two different values through
    merges (`<<`): a merged value that differs from the one written explicitly, or two merged sources
    that disagree (`<<: [{published: true}, {published: false}]`, which YAML would settle by order);
    a value that cannot be built differs from everything. None when there is none."""
    given: dict[str, list[tuple[Node, int]]] = {}
    for key_node, value_node in root.value:
        if key_node.tag != MERGE:
            if wanted(name := key_text(key_node)):
                given.setdefault(name, []).append((value_node, line_of(key_node)))
            continue
        for source in value_node.value if isinstance(value_node, SequenceNode) else [value_node]:
            for inner_key, inner_value in source.value if isinstance(source, MappingNode) else ():
                if inner_key.tag != MERGE and wanted(name := key_text(inner_key)):
                    given.setdefault(name, []).append((inner_value, line_of(inner_key)))
    for name, values in given.items():
        first = _built_or_none(values[0][0], name)
        for node, line in values[1:]:
            if first is None or _built_or_none(node, name) != first:
                return duplicate(name, min(values[0][1], line), max(values[0][1], line))
    return None


def _built_or_none(node: Node, key: str) -> tuple[Value] | None:
    try:
        return (build(node, key),)
    except YamlValueError:
        return None


# `key: value` at the start of a line, or `key:` with its value on the lines after it
_TOP_LINE = re.compile(r"""^["']?([^\s"':#][^:\n]*?)["']?[ \t]*:(?:[ \t]+(.*))?$""", re.M)
_ALIAS, _ANCHOR = (re.compile(rf"(?<![^\s\[{{,]){c}([^\s,\[\]{{}}]+)") for c in (r"\*", "&"))  # `*t`, `&t`
_NAMING = re.compile("title|url", re.I)  # keys an alias is read through first (`selfnames.BLOCKING`'s)
_COMMENT = re.compile(r"[ \t]#")  # where a comment starts: `#` after a space or a tab
MAX_ALIASES, MAX_ALIAS_TEXT = 16, 1 << 21  # anchors read through for aliases, and their text (bounds)


def stated_values(yaml_text: str) -> dict[str, str]:
    """Each top-level key's value as its lines write it, for front matter that YAML cannot read: its
    line and the more indented ones after it composed alone (a block scalar, a quoted value over
    several lines, a tag, an anchor; an alias after the lines that set its anchor), else its line
    (`line_value`); a key written again keeps each value (`AGAIN`). Its URLs and headline (read with
    `own_fields` and `misspelt_urls`) still keep related links out (a rejected document counts as
    hidden)."""
    found: dict[str, str] = {}
    starts = list(_TOP_LINE.finditer(yaml_text))
    chunks = [yaml_text[a:b] for a, b in itertools.pairwise([*(m.start() for m in starts), len(yaml_text)])]
    pending: list[tuple[str, str, str]] = []  # (key, anchor name, its lines): an alias, read below
    for n, match in enumerate(starts):
        key = match.group(1) if match.group(1) not in found else f"{match.group(1)}{AGAIN}{n})"
        written, value, said = match.group(2) or "", _alone(chunks[n]), chunks[n].partition(":")[2]
        if value is None and (alias := _ALIAS.fullmatch(_COMMENT.split(said.strip())[0].strip())):
            pending.append((key, alias.group(1), chunks[n]))
        found[key] = value or line_value(written)
    anchors = {a: c for c in chunks for a in _ANCHOR.findall(c)} if pending else {}  # its latest setting
    resolved: dict[str, str | None] = {}  # by anchor: one compose each, headline and URL keys first
    for key, name, lines in sorted(pending, key=lambda item: not _NAMING.search(item[0])):
        if name not in resolved and len(resolved) < MAX_ALIASES and anchors.get(name) not in (None, lines):
            spent = sum(len(anchors[a]) for a in resolved) + len(anchors[name])  # within MAX_ALIAS_TEXT
            resolved[name] = _alone(anchors[name] + "\n" + lines, -1) if spent <= MAX_ALIAS_TEXT else None
        found[key] = resolved.get(name) or found[key]
    return found


def _alone(lines: str, at: int = 0) -> str | None:
    """The value of the `at`th pair these lines write, composed alone; None where YAML cannot read it."""
    try:
        root, _notes = compose(lines)
    except FrontMatterError:
        return None
    value = root.value[at][1] if root.value else None
    return str(value.value) if isinstance(value, ScalarNode) and value.tag != NULL else None


def line_value(written: str) -> str:
    """A value as one line writes it: quoted, as YAML reads it on its own (`"caf\\u00e9 \\ud83d\\ude00"`
    is `café 😀`, `'it''s'` is `it's`); else, or when YAML cannot read it alone (a quote not closed on
    the line), without a trailing comment and its quotes."""
    text = _COMMENT.split(written)[0].strip()
    quoted = _alone(f"v: {written}") if text[:1] in ("'", '"') else None
    return quoted if quoted is not None else text.strip("\"'")
