"""YAML nodes → plain Python values (`str`, `int`, `float`, `bool`, `None`, `list`, `dict`), without
PyYAML's constructors: anything that cannot be built is a `YamlValueError` (key path, line, reason).

Scalars are built by their resolved tag as the YAML 1.2 core schema says; `!!timestamp` stays text
(dates are read by `dates`); any other tag is a problem of its value, and nothing is ever executed.
A number or boolean is an `Int`, `Float` or `Bool` that keeps its text as written (`source`): a name
written `1e3` or `TRUE` is read as that text, and messages quote it (`repr` is the source's).
With a `problems` list, a value below the top level that cannot be built is left out of its mapping
or list and recorded there, so one bad child costs only itself.
A key written twice in one mapping is a `DuplicateKeyError`. Each node is built once, so aliases
cost nothing more and an alias bomb stays as small as its text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any, TypeGuard

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import DuplicateKeyError, YamlValueError
from .scalars import Bool, Float, Int
from .text import one_line

FIRST_LINE = 2  # the YAML starts on the file's second line, after the opening `---`
AGAIN = " (again, "  # a key written again, read line by line: its value under `key (again, N)`
_TAG = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = (_TAG + t for t in ("str", "int", "float", "bool", "null"))
SEQ, MAP, MERGE, TIMESTAMP = (_TAG + t for t in ("seq", "map", "merge", "timestamp"))
_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(
    r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
)
# How a plain scalar resolves by the YAML 1.2 core schema, by its first character
# (https://yaml.org/spec/1.2.2/#1032-tag-resolution); any other plain scalar is text.
_CORE_SCHEMA: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
for _tag, _pattern, _firsts in (
    (BOOL, r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    (NULL, r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    (INT, rf"^(?:{_INT.pattern})$", "-+0123456789"),  # the numbers `scalar` builds, no other
    (FLOAT, rf"^(?:{_FLOAT.pattern})$", "-+0123456789."),
    (MERGE, r"^(?:<<)$", ["<"]),
):
    for _first in _firsts:
        _CORE_SCHEMA.setdefault(_first, []).append((_tag, re.compile(_pattern)))


def plain_tag(text: str) -> str:
    """The tag the YAML 1.2 core schema gives a plain (unquoted, untagged) scalar written `text`:
    `BOOL`, `NULL`, `INT`, `FLOAT`, `MERGE` (`<<`), else `STR`."""
    for tag, pattern in _CORE_SCHEMA.get(text[:1], ()):
        if pattern.match(text):
            return tag
    return STR


_MAX_DIGITS = (
    40  # a longer number is no quality score or image width: text, or a problem where a number is due
)
Value = str | int | float | bool | None | list[Any] | dict[str, Any]


def _keep(kind: type[Int] | type[Float] | type[Bool], number: float, text: str) -> Any:
    value = kind(number)
    value.source = text.strip()
    return value


Problems = list[YamlValueError] | None  # where a value's bad children are reported (None: raise)


def line_of(node: Node) -> int:
    """The file line (1-based, the opening `---` being line 1) where a node starts."""
    return int(node.start_mark.line) + FIRST_LINE


def build(
    node: Node,
    key: str,
    memo: dict[int, Value] | None = None,
    problems: Problems = None,
) -> Value:
    """The node as a plain value; `YamlValueError` (or `DuplicateKeyError`) when it cannot be one.

    `key` names the node in problems (`related[2].title`). Each node is built once (`memo`), so
    aliases cost nothing more and an alias bomb stays as small as its text. With `problems`, a
    child (at any depth) that cannot be built is left out and its `YamlValueError` appended there;
    a duplicate key still raises.
    """
    memo = {} if memo is None else memo
    try:
        return _build(node, key, memo, 0, problems)
    except RecursionError:
        raise YamlValueError(key, line_of(node), "nested too deeply") from None


_LEFT_OUT = object()


def _child(node: Node, key: str, memo: dict[int, Value], depth: int, problems: Problems) -> Any:
    """A child's value, or `_LEFT_OUT` (its problem recorded) when `problems` collects them."""
    if problems is None:
        return _build(node, key, memo, depth, problems)
    try:
        return _build(node, key, memo, depth, problems)
    except DuplicateKeyError:
        raise
    except YamlValueError as exc:
        problems.append(exc)
        return _LEFT_OUT


_MAX_DEPTH = 200
_BUILDING: Any = object()  # in `memo` while a collection's children are built


def _build(node: Node, key: str, memo: dict[int, Value], depth: int, problems: Problems) -> Value:
    if id(node) in memo:
        if memo[id(node)] is _BUILDING:
            raise YamlValueError(key, line_of(node), "an alias refers to a value that contains it")
        return memo[id(node)]
    if depth > _MAX_DEPTH:
        raise YamlValueError(key, line_of(node), f"nested more than {_MAX_DEPTH} levels deep")
    value: Value
    if isinstance(node, ScalarNode):
        value = scalar(node, key)
    elif not _supported(node):
        raise _unsupported(node, key)
    else:
        memo[id(node)] = _BUILDING  # an alias met inside it is a cycle, not a deeper level
        try:
            value = _collection(node, key, memo, depth, problems)
        finally:
            del memo[id(node)]
    memo[id(node)] = value
    return value


def _supported(node: Node) -> TypeGuard[SequenceNode | MappingNode]:
    """A sequence or mapping tagged as one (`!!seq`, `!!map`, or no tag)."""
    if isinstance(node, SequenceNode):
        return node.tag == SEQ
    return isinstance(node, MappingNode) and node.tag == MAP


def _collection(
    node: SequenceNode | MappingNode, key: str, memo: dict[int, Value], depth: int, problems: Problems
) -> Value:
    if isinstance(node, SequenceNode):
        items = (_child(item, f"{key}[{n}]", memo, depth + 1, problems) for n, item in enumerate(node.value))
        return [item for item in items if item is not _LEFT_OUT]
    return _mapping(node, key, memo, depth, problems)


def _mapping(
    node: MappingNode, key: str, memo: dict[int, Value], depth: int, problems: Problems
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    lines: dict[str, int] = {}
    merged: list[tuple[str, Node]] = []
    for key_node, value_node in node.value:
        if key_node.tag == MERGE:
            merged.extend((name, value) for name, value, _ in merge_pairs(value_node, f"{key}.<<"))
            continue
        name = key_text(key_node)
        line = line_of(key_node)
        path = f"{key}.{name}" if key else name
        if name in lines:
            raise duplicate(path, lines[name], line)
        lines[name] = line
        value = _child(value_node, path, memo, depth + 1, problems)
        if value is not _LEFT_OUT:
            result[name] = value
    for name, value_node in merged:
        if name not in lines:
            value = _child(value_node, f"{key}.{name}" if key else name, memo, depth + 1, problems)
            if value is not _LEFT_OUT:
                result[name] = value
    return result


def merge_pairs(node: Node, key: str) -> Iterator[tuple[str, Node, int]]:
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
            name = key_text(key_node)
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
            return _keep(Bool, lowered == "true", text)  # type: ignore[no-any-return]
        raise _bad(node, key, "boolean")
    if tag == INT:
        return _int(node, key)
    if tag == FLOAT:
        return _float(node, key)
    raise _unsupported(node, key)


def _int(node: ScalarNode, key: str) -> Int:
    text = node.value.strip().replace("_", "")
    if len(text) > _MAX_DIGITS:
        raise YamlValueError(key, line_of(node), f"{_quote(node.value)} has too many digits for a number")
    if not _INT.fullmatch(text):
        raise _bad(node, key, "whole number")
    if text.startswith("0o"):
        return _keep(Int, int(text[2:], 8), node.value)  # type: ignore[no-any-return]
    if text.startswith("0x"):
        return _keep(Int, int(text[2:], 16), node.value)  # type: ignore[no-any-return]
    return _keep(Int, int(text, 10), node.value)  # type: ignore[no-any-return]


def _float(node: ScalarNode, key: str) -> Float:
    text = node.value.strip()
    if len(text) > _MAX_DIGITS:
        raise YamlValueError(key, line_of(node), f"{_quote(node.value)} has too many digits for a number")
    if not _FLOAT.fullmatch(text):
        raise _bad(node, key, "number")
    if text.lower().endswith(".nan"):
        number = math.nan
    elif text.lower().endswith(".inf"):
        number = -math.inf if text.startswith("-") else math.inf
    else:
        number = float(text)
    return _keep(Float, number, node.value)  # type: ignore[no-any-return]


def key_text(node: Node) -> str:
    """A mapping key as text. Characters that are not printable (a tab, a line separator) are written
    as escapes (`c\\tategory`), so a key can always be named on one line of a report; no key the
    service reads has them."""
    if not isinstance(node, ScalarNode):
        return f"<{kind_of(node)} as a key>"
    key = str(node.value)
    if key.isprintable():
        return key
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in key)


def duplicate(key: str, first: int, second: int) -> DuplicateKeyError:
    lines = (min(first, second), max(first, second))
    where = f"on lines {lines[0]} and {lines[1]}" if first != second else f"twice on line {first}"
    return DuplicateKeyError(key, lines[1], f"duplicate key {where}: which one is meant?", lines)


def _bad(node: ScalarNode, key: str, kind: str) -> YamlValueError:
    return YamlValueError(key, line_of(node), f"{_shown_tag(node.tag)} {_quote(node.value)} is not a {kind}")


def _unsupported(node: Node, key: str) -> YamlValueError:
    return YamlValueError(key, line_of(node), f"unsupported YAML tag {_shown_tag(node.tag)}")


def _shown_tag(tag: str) -> str:
    return (
        "!!" + tag[len(_TAG) :]
        if tag.startswith(_TAG)
        else one_line(tag if tag.startswith("!") else f"!<{tag}>")
    )


def kind_of(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return "a single value"


def _quote(text: str) -> str:
    """Source text for a message: short, one line, quoted."""
    shown = one_line(text.strip())
    return repr(shown if len(shown) <= 60 else shown[:57] + "...")
