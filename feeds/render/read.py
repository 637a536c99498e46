"""What the renderers read of an article, as bytes: equal exactly when the entries rendered from two
articles are (for the same format and site root). The ETag fingerprints (`render.fingerprint`) hash
it, and the cache of rendered entries (`render.fragments`) is keyed by it."""

from __future__ import annotations

import weakref

from ..cache import ByteLRU
from ..model import Article

# What the renderers read of each article, as bytes, kept while the article is shown: the index hands
# out the same article object for as long as it is shown the same way, so a feed page made again for a
# new corpus version (most of them, after an edit) hashes its entries without building them again.
# Keyed by the article's id and checked against a weak reference to it, so the cache keeps no article
# alive and an id reused by another object never matches. An article freed has its entry dropped on
# the next call (the weak reference's callback only notes its key: it may run inside the cache's
# lock, from a garbage collection). Least recently used go first.
ENTRY_OVERHEAD = 256  # bytes a kept entry costs beside its text (key, weak reference, bookkeeping)


class _Ref(weakref.ref[Article]):
    __slots__ = ("key",)
    key: int


def _kept_size(kept: tuple[_Ref, bytes]) -> int:
    return len(kept[1]) + ENTRY_OVERHEAD


_ENTRIES: ByteLRU[tuple[_Ref, bytes]] = ByteLRU(4 << 20, _kept_size)
_FREED: list[int] = []  # keys of articles freed since the last call


def _freed(ref: _Ref) -> None:
    _FREED.append(ref.key)


def read_by_renderer(article: Article) -> bytes:
    """What the renderers read of `article` (`rendered`), as bytes: equal exactly when its entries'
    bytes are. Kept for as long as the article object lives, within the bound."""
    while _FREED:
        try:
            _ENTRIES.discard(_FREED.pop())
        except IndexError:  # another thread took the last one
            break
    key = id(article)
    known = _ENTRIES.get(key)
    if known is not None and known[0]() is article:
        return known[1]
    data = repr(rendered(article)).encode() + b"\0"
    ref = _Ref(article, _freed)
    ref.key = key
    _ENTRIES.put(key, (ref, data))
    return data


def rendered(a: Article) -> tuple[object, ...]:
    """What the renderers read of an article, as plain tuples: `repr` of those runs in C, where a
    dataclass's generated `__repr__` is Python (this made a 50-entry fingerprint 4 times faster)."""
    p, i = a.provider, a.image
    return (
        a.url,
        a.title,
        a.excerpt,
        a.date_published,
        a.date_modified,
        (p.slug, p.name, p.domain) if p is not None else None,
        [(t.slug, t.name) for t in a.topics],
        (i.url, i.width, i.height) if i is not None else None,
        [(r.url, r.title, r.provider, r.date_published) for r in a.related],
    )
