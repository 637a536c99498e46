"""What a document that cannot be shown still names itself by: its URLs and headline, from its values
as far as they can be built (`blocking_values`) or from its lines when YAML cannot read it
(`frontmatter.stated_values`), under their own keys or keys that misspell them (`own_fields`,
`misspelt_urls`). They keep related links to it out (fail closed: a rejected document counts as
hidden)."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from typing import TypeVar

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .docurls import OTHER_URL_FIELDS, other_urls
from .errors import YamlValueError
from .fields import text_of
from .keywords import legible
from .vocabulary import misspelt
from .yamlvalues import AGAIN, MERGE, Value, build

V = TypeVar("V")

# What a rejected document still keeps out of related links: its URLs (`docurls.OTHER_URL_FIELDS`), its title
BLOCKING = (*OTHER_URL_FIELDS, "title")


MAX_DEPTH = 16  # nesting looked into for a name (a value may also refer to itself through an alias)


def blocking_values(root: MappingNode) -> dict[str, Value]:
    """`BLOCKING`'s fields and the keys that name one under another spelling (`_named`: `Title`,
    `title\\v`), without the other fields, also those a merge (`<<`) brings in, even where a key
    written beside it overrides them: each built, or where it cannot be (`!!int Headline`, an unknown
    tag, in a list or not) its scalars as written. What a document names itself by when it cannot be
    shown, read with `other_names` (a document rejected before its values were built; a hidden one's
    values that could not be)."""
    values: dict[str, Value] = {}
    for n, (key_node, value_node) in enumerate(_pairs(root, 0)):
        key = getattr(key_node, "value", None)
        if isinstance(key, str) and (key in BLOCKING or _named(key) in BLOCKING):
            name = key if key not in values else f"{key}{AGAIN}{n})"  # a key written again: each counts
            try:
                values[name] = build(value_node, key)
            except YamlValueError:
                values[name] = list(_written(value_node, 0, set()))
    return values


def _pairs(mapping: MappingNode, depth: int) -> Iterator[tuple[Node, Node]]:
    """A mapping's key and value nodes, and those of the mappings it merges (`<<`), at any depth."""
    for key_node, value_node in mapping.value:
        if key_node.tag == MERGE and depth < MAX_DEPTH:
            merged = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
            for each in merged:
                if isinstance(each, MappingNode):
                    yield from _pairs(each, depth + 1)
        else:
            yield key_node, value_node


def _written(node: Node, depth: int, seen: set[int]) -> Iterator[str]:
    """The scalars under a node as written (a mapping's keys and values), within `MAX_DEPTH`, each
    node once."""
    if id(node) in seen or depth > MAX_DEPTH:
        return
    seen.add(id(node))
    if isinstance(node, ScalarNode):
        yield node.value
    elif isinstance(node, SequenceNode):
        for item in node.value:
            yield from _written(item, depth + 1, seen)
    elif isinstance(node, MappingNode):
        for key, item in node.value:
            yield from _written(key, depth + 1, seen)
            yield from _written(item, depth + 1, seen)


def _texts(value: object, depth: int = 0) -> Iterator[object]:
    """A value, or what a list, set or mapping (its keys and values: `!!set {Headline}` is a mapping)
    holds, at any depth within `MAX_DEPTH`."""
    if isinstance(value, list | tuple | set | frozenset | dict):
        if depth < MAX_DEPTH:
            for item in (*value.keys(), *value.values()) if isinstance(value, dict) else value:
                yield from _texts(item, depth + 1)
    else:
        yield value


def merges(root: MappingNode) -> bool:
    """Whether the front matter merges a mapping in (`<<`) at its top."""
    return any(key_node.tag == MERGE for key_node, _value in root.value)


def own_fields(values: Mapping[str, V]) -> dict[str, V]:
    """`BLOCKING`'s fields among `values`, each from its own key, else from the first key that
    misspells it (`vocabulary.misspelt`: `Title`, `titel`, `WebURL`): what a document that cannot be
    shown still names itself by, so that its URLs and headline stay out of related links (fail
    closed: a document rejected for a `Title` in place of `title` is hidden, and so is its headline)."""
    near: dict[str, V] = {}
    for key, value in values.items():
        if key not in BLOCKING and (field := _named(key)) in BLOCKING:
            near.setdefault(field, value)
    return {**near, **{field: values[field] for field in BLOCKING if field in values}}


def other_headlines(values: Mapping[str, object], title: str | None) -> tuple[str, ...]:
    """Every headline besides `title` that `values` give, once each, as an article would show it
    (`fields.text_of`): under `title` written again (a duplicate key rejects its document) or under a
    key that misspells it (`Title`, `titel`, `title\\v`) beside it; what a list or mapping under one
    holds, at any depth (`_texts`). A document that cannot be shown may name itself by any of them
    (fail closed)."""
    named = (v for k, v in values.items() if "title" in (base := k.split(AGAIN)[0], _named(base)))
    texts = (text_of(item) for v in named for item in _texts(v))
    return tuple(dict.fromkeys(t for t in texts if t and t != title))


def other_names(
    values: Mapping[str, V], url: str | None, title: str | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The other URLs (`docurls.other_urls`) and headlines (`other_headlines`) that `values` give for a
    document whose URL is `url` and headline `title`: under their fields' own keys and under keys that
    misspell them (`own_fields`, `misspelt_urls`); what a list or mapping under one holds too."""
    own = own_fields(values)
    held = [
        item
        for field in OTHER_URL_FIELDS
        if not isinstance(own.get(field), str)
        for item in _texts(own.get(field))
    ]
    return other_urls(own, url, [*misspelt_urls(values), *held]), other_headlines(values, title)


def misnames(keys: Iterable[str]) -> bool:
    """Whether any of `keys` names a URL field or `title` under another spelling (`_named`)."""
    return any(key not in BLOCKING and _named(key) in BLOCKING for key in keys)


def misspelt_urls(values: Mapping[str, object]) -> list[object]:
    """The values of keys that misspell a URL field (`webUrll`, `ampWebUlr`: `vocabulary.misspelt`),
    whether or not the field itself is given (what a list or mapping under one holds): each one more
    URL a document that cannot be shown may name itself by (`docurls.other_urls`' `more`; fail
    closed)."""
    return [
        item
        for key, value in values.items()
        if key not in BLOCKING
        and (_named(key) in OTHER_URL_FIELDS or key.split(AGAIN)[0] in OTHER_URL_FIELDS)
        for item in _texts(value)
    ]


@functools.lru_cache(maxsize=4096)  # the same few keys, document after document
def _named(key: str) -> str | None:
    """The known field a key names: itself once its control characters are out (`keywords.legible`:
    `title\\x0b`), or the one it misspells (`vocabulary.misspelt`)."""
    readable = legible(key)
    return readable if readable != key and readable in BLOCKING else misspelt(readable)
