"""Where in a document's YAML a character is: the path of the value that holds it, as warnings name
values (`related[0].title`)."""

from __future__ import annotations

from yaml.nodes import MappingNode, SequenceNode

from .yamlvalues import MERGE, key_text


def path_at(root: MappingNode, at: int) -> str:
    """The path of the value that holds the character at index `at` of the YAML text, as warnings name
    values (`related[0].title`; a merged mapping's keys as their own, `<<` left out; a value an alias
    names where its anchor wrote it), or `front matter` when no value holds it (a comment)."""
    path, node = "", root
    while isinstance(node, MappingNode | SequenceNode):
        if isinstance(node, MappingNode):
            pair = next(((k, v) for k, v in node.value if k.start_mark.index <= at < v.end_mark.index), None)
            if pair is None:
                break
            name = "" if pair[0].tag == MERGE else key_text(pair[0])
            path, node = (f"{path}.{name}" if path and name else path or name), pair[1]
        else:
            item = next(
                ((n, v) for n, v in enumerate(node.value) if v.start_mark.index <= at < v.end_mark.index),
                None,
            )
            if item is None:
                break
            path, node = f"{path}[{item[0]}]", item[1]
    return path or "front matter"
