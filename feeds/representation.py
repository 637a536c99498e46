"""One response body as a value: validators at once, bytes (and gzip) rendered on first use, then kept.

A `Representation` is what the render cache holds and what `web`, `fast` and `export` send. Its
ETag is a fingerprint of the renderer's inputs (`render.fingerprint`), so a conditional request is
answered without rendering.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Sequence
from typing import cast

from zlib_ng import zlib_ng

from .cache import ByteLRU
from .httppolicy import CONTENT_TYPES, Format
from .model import Article
from .render import FeedMeta, render_atom, render_json, render_rss
from .render.fingerprint import fingerprint
from .render.fragments import Fragments

GZIP_WBITS = 31  # zlib's window bits for a gzip member (RFC 1952) with a 32 KiB window (15 + 16)
RENDERERS: dict[Format, Callable[[FeedMeta, Sequence[Article], Fragments | None], bytes]] = {
    "atom": render_atom,
    "rss": render_rss,
    "json": render_json,
}


class Representation:
    """One response body (a feed page in one format, or a site document): validators at once, bytes
    (and gzip) on first use.

    The ETag is a fingerprint of the renderer's inputs (`render.fingerprint`), so a conditional
    request is answered without rendering; bytes are rendered once and compressed once, then kept.
    `last_modified` (aware UTC) is when the bytes last changed, from the memory of what was published
    (`feeds.memory`; without one, the newest date), truncated to whole seconds, the resolution of an
    HTTP date (RFC 9110 §5.6.7), so a client that sends back the `Last-Modified` it was given in
    `If-Modified-Since` compares equal to it.
    """

    __slots__ = ("_body", "_gzip", "_render", "content_type", "due", "etag", "key", "last_modified", "weight")

    def __init__(
        self,
        key: Hashable,
        content_type: str,
        etag: str,
        last_modified: dt.datetime,
        render: Callable[[], bytes],
        weight: int = 0,
        due: dt.datetime | None = None,
    ) -> None:
        self.key = key  # its cache key
        self.due = due  # when a scheduled article enters what it shows (`Selection.due`): max-age ends
        self.content_type = content_type
        self.etag = etag
        self.last_modified = last_modified.replace(microsecond=0)
        self.weight = weight  # bytes its inputs hold, for the cache bound
        self._render = render
        self._body: bytes | None = None
        self._gzip: bytes | None = None

    @classmethod
    def feed(
        cls,
        key: Hashable,
        fmt: Format,
        meta: FeedMeta,
        articles: tuple[Article, ...],
        last_modified: dt.datetime,
        fragments: Fragments | None = None,
        due: dt.datetime | None = None,
    ) -> Representation:
        """One page of a feed: `last_modified` is when the feed last changed
        (`presentation.last_modified`); `due`: as the constructor's."""
        render = RENDERERS[fmt]
        return cls(
            key,
            CONTENT_TYPES[fmt],
            fingerprint(fmt, meta, articles),
            last_modified,
            lambda: render(meta, articles, fragments),
            64 * len(articles),
            due,
        )

    @property
    def version(self) -> int:
        """The index version this was made from: every cache key starts with it."""
        return cast(int, cast(tuple[object, ...], self.key)[0])

    def body(self) -> bytes:
        if self._body is None:  # two threads may both render; the bytes are identical either way
            self._body = self._render()
        return self._body

    def gzipped(self) -> bytes:
        if self._gzip is None:  # a gzip member (wbits 31) with mtime 0: the same bytes every time
            # Level 6 (zlib's default): measured on an export's files, 1.6% more bytes than level 9 for
            # two thirds of its CPU; zlib-ng's deflate, a quarter less CPU than zlib's for 0.6% more
            # bytes (docs/performance.md, "gzip"). An export compresses every file it writes.
            self._gzip = zlib_ng.compress(self.body(), 6, wbits=GZIP_WBITS)
        return self._gzip

    def size(self) -> int:
        """Bytes held, for the cache bound: what is rendered so far plus its inputs and overhead."""
        return len(self._body or b"") + len(self._gzip or b"") + self.weight + 1024


class RenderCache(ByteLRU[Representation]):
    """Representations of the newest index version, bounded in bytes (`Representation.size`). Every
    key starts with the version it was made from, and only the newest version's keys are ever looked
    up, so the first representation of a newer version empties the cache, and one of an older
    version (made by a request that overlapped a change) is not kept: the feeds' articles it would
    keep alive are not in its size."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(max_bytes, Representation.size)
        self.newest = 0  # the index version of every representation held

    def put(self, key: Hashable, value: Representation) -> None:
        version = value.version
        if version < self.newest:
            return
        if version > self.newest:
            self.clear()
            self.newest = version
        super().put(key, value)

    def made(self, key: Hashable, build: Callable[[], Representation]) -> Representation:
        """The representation cached under `key` (which starts with the index version), or a new one
        from `build`, cached under its own key (the version of the index it was built from)."""
        found = self.get(key)
        if found is None:
            found = build()
            self.put(found.key, found)
        return found

    def body(self, representation: Representation, gzipped: bool = False) -> bytes:
        """The representation's bytes, rendered (and compressed) at most once while it is cached."""
        before = representation.size()
        data = representation.gzipped() if gzipped else representation.body()
        if representation.size() != before:
            self.put(representation.key, representation)  # count the new bytes against the bound
        return data
