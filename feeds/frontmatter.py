"""Front matter text → plain values, with YAML 1.2 core-schema rules; never raises anything else.

A document is YAML between two `---` lines. It is read in two steps:

1. `compose` turns the text into a YAML node graph with libyaml (PyYAML's C parser). Syntax errors
   become `FrontMatterError` with the line in the file.
2. `build` turns a node into a plain Python value: `str`, `int`, `float`, `bool`, `None`, `list`,
   `dict`. Anything it cannot build becomes `YamlValueError` (key path, line, reason), whatever went
   wrong underneath: no exception of PyYAML's constructors (which raise `ValueError`, `TypeError`,
   `OverflowError` and more for values they cannot build) is ever reached, because PyYAML's
   constructors are not used at all.

Scalars are resolved as the YAML 1.2 core schema says (https://yaml.org/spec/1.2.2/#1032-tag-resolution):
only `true`/`false` (three casings) are booleans, `null`/`~`/empty is null, and integers and floats
have one spelling each. So `NO`, `off`, `y` and `2025-03-14` are text, as the author wrote them;
dates and the `published` words are read by `parse`, which knows what each field means. Explicit
standard tags for those kinds (`!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!seq`, `!!map`,
`!!timestamp`, which stays text) are honoured; any other tag is a problem of its value.

A key that appears twice in one mapping is a problem (`DuplicateKeyError`), at any depth: PyYAML would
keep the last one silently, and for `published` that is a leaked embargo. Merge keys (`<<`) work as
in YAML 1.1 (explicit keys win), except that a merged `published` that differs from an explicit one
is a duplicate too. Aliases are built once per node, so an alias bomb costs its size in nodes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from .errors import DuplicateKeyError, FrontMatterError, NotADocumentError, YamlValueError

_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|\Z)", re.S)
_OPENING = re.compile(r"\A\ufeff?---[ \t]*(?:\n|\Z)")
FIRST_LINE = 2  # the YAML starts on the file's second line, after the opening `---`

_TAG = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = (_TAG + t for t in ("str", "int", "float", "bool", "null"))
SEQ, MAP, MERGE, TIMESTAMP = (_TAG + t for t in ("seq", "map", "merge", "timestamp"))
_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(
    r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
)
_MAX_DIGITS = (
    40  # a longer number is no quality score or image width: text, or a problem where a number is due
)
Value = str | int | float | bool | None | list[Any] | dict[str, Any]


class _CoreResolver(BaseResolver):
    """Plain scalars resolved by the YAML 1.2 core schema, not PyYAML's YAML 1.1 rules."""


for _tag, _regexp, _first in (
    (BOOL, r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    (NULL, r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    (INT, r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        FLOAT,
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    (MERGE, r"^(?:<<)$", ["<"]),
):
    _CoreResolver.add_implicit_resolver(_tag, re.compile(_regexp), list(_first))

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
    match = _FRONT_MATTER.match(text)
    if match is not None:
        return match.group(1) or ""
    if _OPENING.match(text):
        return None
    raise NotADocumentError("no front matter: the text does not start with a '---' line")


def compose(yaml_text: str) -> MappingNode:
    """The front matter's top-level mapping node; `FrontMatterError` for anything else."""
    try:
        loader = _Composer(yaml_text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + FIRST_LINE if mark is not None else None
        raise FrontMatterError(
            line, f"invalid YAML: {_plain(exc.problem or exc.context or 'unreadable')}"
        ) from None
    except yaml.YAMLError as exc:
        raise FrontMatterError(None, f"invalid YAML: {_plain(str(exc))}") from None
    except RecursionError:
        raise FrontMatterError(None, "YAML nested too deeply") from None
    if not isinstance(node, MappingNode):
        got = (
            "nothing"
            if node is None or (isinstance(node, ScalarNode) and node.tag == NULL)
            else _kind_of(node)
        )
        raise FrontMatterError(FIRST_LINE, f"must be a mapping of fields, not {got}")
    return node


def line_of(node: Node) -> int:
    """The file line (1-based, the opening `---` being line 1) where a node starts."""
    return int(node.start_mark.line) + FIRST_LINE


def fields(root: MappingNode) -> Iterator[tuple[str, Node, int]]:
    """The top-level `(key, value node, line)` pairs, merges applied; `DuplicateKeyError` on a repeat.

    A key that is not text (a number, a list) is given as its YAML source text.
    """
    seen: dict[str, int] = {}
    merged: dict[str, tuple[Node, int]] = {}
    for key_node, value_node in root.value:
        line = line_of(key_node)
        if key_node.tag == MERGE:
            for key, node, where in _merged(value_node, "<<"):
                merged.setdefault(key, (node, where))
            continue
        key = _key_text(key_node)
        if key in seen:
            raise _duplicate(key, seen[key], line)
        seen[key] = line
        yield key, value_node, line
    for key, (node, line) in merged.items():
        if key not in seen:
            yield key, node, line


def merged_conflict(root: MappingNode, key: str) -> DuplicateKeyError | None:
    """A merged value of `key` (via `<<`) that differs from the one written explicitly, if any (a
    value that cannot be built differs from everything)."""
    merges = [v for k, v in root.value if k.tag == MERGE]
    explicit = [(v, line_of(k)) for k, v in root.value if k.tag != MERGE and _key_text(k) == key]
    if not merges or not explicit:
        return None
    mine = _built_or_none(explicit[0][0], key)
    for merge in merges:
        for name, node, line in _merged(merge, "<<"):
            if name == key and (mine is None or _built_or_none(node, key) != mine):
                return _duplicate(key, explicit[0][1], line)
    return None


def _built_or_none(node: Node, key: str) -> tuple[Value] | None:
    try:
        return (build(node, key),)
    except YamlValueError:
        return None


def build(node: Node, key: str, memo: dict[int, Value] | None = None) -> Value:
    """The node as a plain value; `YamlValueError` (or `DuplicateKeyError`) when it cannot be one.

    `key` names the node in problems (`related[2].title`). Each node is built once (`memo`), so
    aliases cost nothing more and an alias bomb stays as small as its text.
    """
    memo = {} if memo is None else memo
    try:
        return _build(node, key, memo, 0)
    except RecursionError:
        raise YamlValueError(key, line_of(node), "nested too deeply") from None


_MAX_DEPTH = 200


def _build(node: Node, key: str, memo: dict[int, Value], depth: int) -> Value:
    if id(node) in memo:
        return memo[id(node)]
    if depth > _MAX_DEPTH:
        raise YamlValueError(key, line_of(node), f"nested more than {_MAX_DEPTH} levels deep")
    value: Value
    if isinstance(node, ScalarNode):
        value = scalar(node, key)
    elif isinstance(node, SequenceNode):
        if node.tag != SEQ:
            raise _unsupported(node, key)
        value = [_build(item, f"{key}[{n}]", memo, depth + 1) for n, item in enumerate(node.value)]
    elif isinstance(node, MappingNode):
        if node.tag != MAP:
            raise _unsupported(node, key)
        value = _mapping(node, key, memo, depth)
    else:  # pragma: no cover - the composer makes only these three
        raise YamlValueError(key, line_of(node), "not a YAML value")
    memo[id(node)] = value
    return value


def _mapping(node: MappingNode, key: str, memo: dict[int, Value], depth: int) -> dict[str, Any]:
    result: dict[str, Any] = {}
    lines: dict[str, int] = {}
    merged: list[tuple[str, Node]] = []
    for key_node, value_node in node.value:
        if key_node.tag == MERGE:
            merged.extend((name, value) for name, value, _ in _merged(value_node, f"{key}.<<"))
            continue
        name = _key_text(key_node)
        line = line_of(key_node)
        path = f"{key}.{name}" if key else name
        if name in lines:
            raise _duplicate(path, lines[name], line)
        lines[name] = line
        result[name] = _build(value_node, path, memo, depth + 1)
    for name, value_node in merged:
        if name not in result:
            result[name] = _build(value_node, f"{key}.{name}" if key else name, memo, depth + 1)
    return result


def _merged(node: Node, key: str) -> Iterator[tuple[str, Node, int]]:
    """The pairs a merge key brings in (YAML 1.1 merge: a mapping, or a list of mappings, the first
    one winning); a `YamlValueError` for anything else."""
    sources = node.value if isinstance(node, SequenceNode) else [node]
    seen: set[str] = set()
    for source in sources:
        if not isinstance(source, MappingNode):
            raise YamlValueError(key, line_of(source), "a merge (<<) must name a mapping or mappings")
        for key_node, value_node in source.value:
            if key_node.tag == MERGE:
                raise YamlValueError(key, line_of(key_node), "nested merges (<<) are not supported")
            name = _key_text(key_node)
            if name not in seen:
                seen.add(name)
                yield name, value_node, line_of(key_node)


def scalar(node: ScalarNode, key: str) -> Value:
    """One scalar by its (resolved or explicit) tag."""
    text: str = node.value
    tag = node.tag
    if tag in (STR, TIMESTAMP):  # dates are text here: `parse` reads them, with its own reasons
        return text
    if tag == NULL:
        if text.strip() in ("", "~", "null", "Null", "NULL"):
            return None
        raise _bad(node, key, "null")
    if tag == BOOL:
        lowered = text.strip().lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        raise _bad(node, key, "boolean")
    if tag == INT:
        return _int(node, key)
    if tag == FLOAT:
        return _float(node, key)
    raise _unsupported(node, key)


def _int(node: ScalarNode, key: str) -> int:
    text = node.value.strip().replace("_", "")
    if len(text) > _MAX_DIGITS:
        raise YamlValueError(key, line_of(node), f"{_quote(node.value)} has too many digits for a number")
    if not _INT.fullmatch(text):
        raise _bad(node, key, "whole number")
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def _float(node: ScalarNode, key: str) -> float:
    text = node.value.strip()
    if len(text) > _MAX_DIGITS:
        raise YamlValueError(key, line_of(node), f"{_quote(node.value)} has too many digits for a number")
    if not _FLOAT.fullmatch(text):
        raise _bad(node, key, "number")
    if text.lower().endswith(".nan"):
        return math.nan
    if text.lower().endswith(".inf"):
        return -math.inf if text.startswith("-") else math.inf
    return float(text)


def _key_text(node: Node) -> str:
    if isinstance(node, ScalarNode):
        return str(node.value)
    return f"<{_kind_of(node)} as a key>"


def _duplicate(key: str, first: int, second: int) -> DuplicateKeyError:
    lines = (min(first, second), max(first, second))
    return DuplicateKeyError(
        key, lines[1], f"duplicate key on lines {lines[0]} and {lines[1]}: which one is meant?", lines
    )


def _bad(node: ScalarNode, key: str, kind: str) -> YamlValueError:
    return YamlValueError(key, line_of(node), f"{_shown_tag(node.tag)} {_quote(node.value)} is not a {kind}")


def _unsupported(node: Node, key: str) -> YamlValueError:
    return YamlValueError(key, line_of(node), f"unsupported YAML tag {_shown_tag(node.tag)}")


def _shown_tag(tag: str) -> str:
    return (
        "!!" + tag[len(_TAG) :]
        if tag.startswith(_TAG)
        else _plain(tag if tag.startswith("!") else f"!<{tag}>")
    )


def _kind_of(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return "a single value"


def _quote(text: str) -> str:
    """Source text for a message: short, one line, quoted."""
    shown = _plain(text.strip())
    return repr(shown if len(shown) <= 60 else shown[:57] + "...")


def _plain(text: str) -> str:
    """One line of printable text (messages go to logs and terminals)."""
    return " ".join("".join(c if c.isprintable() else " " for c in str(text)).split())[:200]
