"""Rendered entries kept between renders: a feed is assembled from its header and its entries' bytes.

An article's entry is the same in every feed it is in (all, its topics, its provider, any page) and
in every corpus version until the article itself changes, so it is rendered once per format and
site root and then reused: a feed whose articles were rendered before costs its header and a join.
The bytes are exactly those of rendering the whole feed at once (feedgen writes the entries last,
after the header and our extension's links; JSON Feed's `items` is its last key), which the tests
check feed by feed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence

from ..cache import ByteLRU
from ..model import Article
from .read import read_by_renderer

ENTRY_OVERHEAD = 512  # bytes a cached entry costs beside its bytes (a key: what the renderer read)
Entry = tuple[Hashable, bytes]  # a cached entry: its key (scope, what the renderer read) and its bytes


class Fragments:
    def __init__(self, max_bytes: int) -> None:
        self._entries: ByteLRU[bytes] = ByteLRU(max_bytes, lambda data: len(data) + ENTRY_OVERHEAD)
        self._made: list[Entry] | None = None  # while `recording`: the entries rendered since

    def entries(
        self,
        scope: Hashable,
        articles: Sequence[Article],
        render: Callable[[Sequence[Article]], list[bytes]],
    ) -> list[bytes]:
        """Each article's entry bytes in `scope` (format and site root); the missing ones rendered
        together by `render`, which returns one entry's bytes per article it is given."""
        keys = [(scope, read_by_renderer(a)) for a in articles]  # by value, not keeping articles alive
        found = [self._entries.get(key) for key in keys]
        missing = [a for a, data in zip(articles, found, strict=True) if data is None]
        if missing:
            made = iter(render(missing))
            for i, data in enumerate(found):
                if data is None:
                    data = next(made)
                    self._entries.put(keys[i], data)
                    found[i] = data
                    if self._made is not None:
                        self._made.append((keys[i], data))
        return [data for data in found if data is not None]

    @contextlib.contextmanager
    def recording(self) -> Iterator[list[Entry]]:
        """A list that receives every entry rendered (not found) while the block runs: what a process
        that renders part of a site hands to the others (`keep`)."""
        made: list[Entry] = []
        self._made = made
        try:
            yield made
        finally:
            self._made = None

    def keep(self, entries: Iterable[Entry]) -> None:
        """Hold `entries`, rendered by another process (`recording`), as if rendered here."""
        for key, data in entries:
            self._entries.put(key, data)

    def grow(self, max_bytes: int) -> None:
        """Raise the bound (bytes) to `max_bytes` if it is lower: a batch that shows each entry in many
        feeds, such as an export, holds them all rather than rendering them again."""
        self._entries.max_bytes = max(self._entries.max_bytes, max_bytes)

    def __len__(self) -> int:
        return len(self._entries)


def split_between(document: bytes, opening: bytes, closing: bytes) -> list[bytes]:
    """The `opening…` elements of a serialized feed whose entries come last, before `closing`.

    Text and attribute values are escaped in the serialization, so `opening` (`<entry>`, `<item>`)
    only ever appears as a tag."""
    if not document.endswith(closing):
        raise ValueError(f"the entries must come last, before {closing!r}")
    body = document[document.index(opening) : len(document) - len(closing)]
    return [opening + part for part in body.split(opening)[1:]]
