"""What readers were sent, read from the memory of what was published without writing to it: for a
process that serves the parse cache's corpus while its content folder cannot be read (`Standby`).

That corpus may be older than what was published, so nothing of it is recorded; but where it is what
was recorded, its bytes are what the other workers serve: each entry's `updated`, each feed's
`Last-Modified` and live tombstones (RFC 6721) as the memory has them. Where it differs, the entry or
feed is dated now, and so is the floor below which no later date may show (`Index.annotate`): when
the folder is back and its bytes go back to what was recorded, `Last-Modified` still moves forward.
"""

from __future__ import annotations

import datetime as dt

from .feedkeys import ALL, FeedKey, Tombstone, feed_paths
from .index import Index
from .memory import SITE
from .memorydigests import dated, feed_state, feeds_only, moment, newest_first, seconds, site_modified
from .store import Store


def recall(
    store: Store, site_state: str, shown: int, index: Index, now: dt.datetime
) -> dict[str, tuple[str, int]]:
    """Annotate `index` (under its lock) with what `store` says readers were sent, as `Memory.observe`
    would see it, writing nothing. `site_state` and `shown` are the `Memory`'s (`recorder.site_state`,
    the most tombstones a feed carries). The feeds' records it read (path → state, modified);
    raises what the store raises."""
    at = seconds(now)
    with index.lock:
        index.drain()
        updated, members, serves = _entries(store, index, at)
        recorded = store.feeds()
        site = site_modified(recorded.get(SITE), site_state, at)
        paths = feeds_only((set(members) | set(recorded) | {ALL.path}) - {SITE})
        stones = store.tombstones(shown)
        modified: dict[FeedKey, dt.datetime] = {}
        tombstones: dict[FeedKey, tuple[Tombstone, ...]] = {}
        differs = False
        for path in paths:
            kept = newest_first(stones.get(path, {}), shown)  # as `Memory._live` has them
            live = {ref: when for ref, when in kept.items() if path not in serves.get(ref, ())}
            row = recorded.get(path)
            same = row is not None and row[0] == feed_state(members.get(path, 0), live)
            differs = differs or not same
            key = FeedKey.of_path(path)
            modified[key] = moment(max(row[1] if row is not None and same else at, site))
            tombstones[key] = tuple(Tombstone(ref, moment(when)) for ref, when in live.items())
        index.annotate(updated, modified, tombstones, now if differs else None)
    return recorded


def _entries(
    store: Store, index: Index, at: int
) -> tuple[dict[str, dt.datetime], dict[str, int], dict[str, tuple[str, ...]]]:
    """Each served entry's `updated` (by id), each feed's XOR of its members' digests (by path), and
    the feeds each entry is in: dated as `Memory._entries` dates them (`memory.dated`), nothing written."""
    stored = store.entries()
    updated: dict[str, dt.datetime] = {}
    members: dict[str, int] = {}
    serves: dict[str, tuple[str, ...]] = {}
    for article in index.articles:
        _digest, when, member = dated(article, stored.get(article.url), at)
        updated[article.url] = moment(when)
        serves[article.url] = feed_paths(article)
        for path in serves[article.url]:
            members[path] = members.get(path, 0) ^ member
    return updated, members, serves
