"""The memory of what was published: when each feed's bytes and each entry's content last changed as
served, and which entries left which feeds (RFC 6721 tombstones).

The documents say what is true now; the memory says what readers were told before, so that
- `Last-Modified` (RFC 9110 §8.8.2) moves forward whenever a feed's bytes change (a late, backdated
  article; a corrected headline; an unpublished newest article), never back, and stays the same
  across restarts, workers and machines for the same bytes;
- an entry's `updated` is when its content (title, excerpt, link, image, related links, date) last
  changed as served; on its first sighting it is its `published` date, so a first start over an old
  corpus marks nothing as changed;
- an entry that a feed served and no longer serves leaves a tombstone in that feed for
  `FEEDS_TOMBSTONE_DAYS`: its id and the time, nothing else.

`observe` runs after each change of the index, under the index's lock, so no request sees a change
before the memory has it (and so never a `Last-Modified` older than the bytes). It is never called
on a request's path: the watcher's thread and start-up call it. It writes only what changed, in one
transaction of `store.Store`, which serialises writers: the first worker or machine to see a change
writes its time, the others read it back.

A feed's state is a 128-bit digest: the XOR of its members' digests (everything the renderers read
of the entry, with its `updated`) and of its live tombstones. XOR makes a change cost O(1) per feed
it touches, and gives every process the same digest for the same served state.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import UnknownFeedError
from .feedkeys import ALL, FeedKey, FeedQuery, Tombstone, feed_paths
from .index import Index
from .memorydigests import dated, feed_state, feeds_only, moment, newest_first, seconds, site_modified
from .model import Article
from .store import EntryRow, Store
from .urlkeys import url_key

log = logging.getLogger("feeds")
SITE = ""  # the feeds-table row of the site itself: what every feed's bytes share (renderer, settings)
_OUT = (0, ())  # `Memory._member` of an entry this process does not serve


@dataclass(frozen=True, slots=True)
class Observed:
    """What one observation changed: the feeds whose bytes changed (paths), and whether it was the
    memory's very first (nothing to announce: nobody was told anything before)."""

    changed: frozenset[str]
    first: bool


class Memory:
    """One process's view of the store, kept in step with the index it annotates."""

    def __init__(self, store: Store, site_state: str, tombstone_days: int, shown: int = 50) -> None:
        """`shown`: the most tombstones a feed carries (its newest; `FEEDS_FEED_LIMIT`), so that a day
        of many deletions never makes a feed document grow without bound."""
        self.store = store  # one connection per process: the service gives a forked process its own
        self._site_state = site_state  # a digest of what all feeds share: renderer, version, settings
        self._keep = tombstone_days * 86_400
        self._shown = shown
        self._ids: dict[str, str] = {}  # url_key → entry id (the article URL as served)
        self._member: dict[str, tuple[int, tuple[str, ...]]] = {}  # entry id → (digest, feed paths)
        self._members: dict[str, int] = {}  # feed path → XOR of its members' digests
        self._tombs: dict[str, dict[str, int]] = {}  # feed path → {ref: when}, the `shown` newest
        self._oldest: int | None = None  # no stored tombstone is older (seconds); None: none is stored
        self._site_modified = 0
        self._observed = False

    def observe(self, index: Index, now: dt.datetime, served_before: bool = False) -> Observed:
        """Record what changed in `index` since the last call and annotate the index with it. Call with
        the index's lock held, right after the change. `served_before`: the site's documents were
        served before this process started (its parse cache knew them), so a memory found empty lost
        what readers were sent: its first look dates every feed `now`, never before what they saw."""
        at = seconds(now)
        with index.lock:
            touched, everything = index.drain()
            first_here = not self._observed
            lost = False
            with self.store.transaction() as store:
                if first_here:
                    lost = self._start(store, at, served_before)
                if everything or first_here:
                    current = {a.url: a for a in index.articles}
                    self._ids = {url_key(url): url for url in current}
                    stored = store.entries()
                    ids = set(current) | set(self._member) | set(stored)
                else:
                    current = {}
                    ids = set()
                    for key in touched:
                        if (old := self._ids.pop(key, None)) is not None:
                            ids.add(old)
                        if (article := index.served(key)) is not None:
                            current[article.url] = article
                            self._ids[key] = article.url
                            ids.add(article.url)
                    stored = store.entries(ids)
                affected, updated = self._entries(store, ids, current, stored, at)
                if first_here:  # every feed it knows, empty ones too: each gets its Last-Modified
                    affected |= set(store.feeds()) | {ALL.path}
                affected |= self._expire(store, at)
                affected = feeds_only(affected - {SITE})
                modified, changed = self._feeds(store, affected, index, at, lost)
                self._observed = True
            stones = {FeedKey.of_path(path): self.tombstones(path) for path in affected}
            index.annotate(updated, modified, stones)
        return Observed(frozenset(changed), first_here and store.created)

    def forget(self) -> None:
        """Start again at the next `observe` (the store failed): look at everything, from the store."""
        self._observed = False
        self._member, self._members, self._ids = {}, {}, {}

    def tombstones(self, path: str) -> tuple[Tombstone, ...]:
        """The feed's live tombstones it shows: the newest, at most `shown`, but none of an entry it
        serves (another process may have dropped that tombstone since this one read it)."""
        return tuple(Tombstone(ref, moment(when)) for ref, when in self._live(path).items())

    def _live(self, path: str) -> dict[str, int]:
        stones, member = self._tombs.get(path, {}), self._member
        return {ref: when for ref, when in stones.items() if path not in member.get(ref, _OUT)[1]}

    def _start(self, store: Store, at: int, served_before: bool) -> bool:
        """This process's first look: the site's own state, and the live tombstones. True when the
        store holds nothing of a site `served_before`: what readers were sent is not known."""
        stored = store.feeds([SITE]).get(SITE)
        self._site_modified = site_modified(stored, self._site_state, at)
        if stored is None or stored[0] != self._site_state:
            store.put_feeds([(SITE, self._site_state, self._site_modified)])
        self._tombs = {p: self._kept(t) for p, t in store.tombstones(self._shown).items()}
        self._oldest = store.oldest_tombstone()
        empty = store.created or not store.has_entries()
        lost = empty and served_before
        if store.created and not lost:
            log.info("the memory of what was published starts now, at %s", store.where)
        elif empty:
            log.warning(
                "the memory at %s is empty: history (Last-Modified, updated, tombstones) starts again"
                " from the documents%s",
                store.where,
                ", every feed dated now (the site was served: readers may hold later dates)" if lost else "",
            )
        return lost

    def _entries(
        self,
        store: Store,
        ids: set[str],
        current: dict[str, Article],
        stored: dict[str, EntryRow],
        at: int,
    ) -> tuple[set[str], dict[str, dt.datetime]]:
        """Bring the entries of `ids` (shown now: `current`; as stored: `stored`) up to date; the feeds
        they touch, and the entries' `updated`."""
        writes: list[EntryRow] = []
        stones: list[tuple[str, str, int]] = []
        back: list[tuple[str, str]] = []
        updated: dict[str, dt.datetime] = {}
        affected: set[str] = set()
        for id in sorted(ids):
            article, row = current.get(id), stored.get(id)
            before = set(row.feeds) if row is not None else set()
            if article is None:
                now_in: tuple[str, ...] = ()
                new = EntryRow(id, row.digest, row.updated, ()) if row is not None else None
                member = None
            else:
                now_in = feed_paths(article)
                digest, when, member = dated(article, row, at)
                new = EntryRow(id, digest, when, now_in)
                updated[id] = moment(when)
            if new is not None and new != row:
                writes.append(new)
            stones += [(path, id, at) for path in sorted(before - set(now_in))]
            back += [(path, id) for path in now_in if row is not None and path not in before]
            affected |= self._member_change(id, member, now_in)
            affected |= before ^ set(now_in)
        store.put_entries(writes)
        if self._keep and stones:
            store.put_tombstones(stones)
            self._oldest = min(at, self._oldest if self._oldest is not None else at)
        store.drop_tombstones(back)
        affected |= {path for path, _, _ in stones} | {path for path, _ in back}
        if affected:  # read back: another process may have recorded this change first, with its time
            self._reread(store, affected)
        return affected, updated

    def _member_change(self, id: str, member: int | None, now_in: tuple[str, ...]) -> set[str]:
        """Move the entry's digest (None: it is not served) in the feeds' XORs; the feeds whose XOR
        changed."""
        old = self._member.pop(id, None)
        new = None
        if member is not None:
            new = (member, now_in)
            self._member[id] = new
        if old == new:
            return set()
        changed: set[str] = set()
        for digest, paths in (old or (0, ())), (new or (0, ())):
            for path in paths:
                self._members[path] = self._members.get(path, 0) ^ digest
                changed.add(path)
        return changed

    def _expire(self, store: Store, at: int) -> set[str]:
        """Drop tombstones older than the lifetime: in the store, shown or not, and here, where another
        process may have recorded them and dropped them first; the feeds that had them."""
        due = self.due()
        if due is None or seconds(due) > at:
            return set()
        cutoff = at - self._keep
        gone = store.expire_tombstones(cutoff)
        gone |= {path for path, stones in self._tombs.items() if min(stones.values(), default=at) <= cutoff}
        self._oldest = store.oldest_tombstone()
        self._reread(store, gone)
        return gone

    def _reread(self, store: Store, paths: set[str]) -> None:
        """The feeds' shown tombstones, as the store has them now (another process may write first)."""
        fresh = store.tombstones(self._shown, paths)
        for path in paths:
            self._tombs[path] = self._kept(fresh.get(path, {}))

    def _kept(self, stones: dict[str, int]) -> dict[str, int]:
        """A feed's `shown` newest tombstones: all a process keeps of them (a day of many deletions
        makes the store grow, for the tombstone lifetime, not every process)."""
        return newest_first(stones, self._shown)

    def _feeds(
        self, store: Store, paths: Iterable[str], index: Index, at: int, lost: bool = False
    ) -> tuple[dict[FeedKey, dt.datetime], set[str]]:
        """Record the new state of each feed of `paths`; their served modification times, and the
        feeds whose state this process was the first to record (to announce). A feed first seen is
        dated by its newest entry, or `at` when what readers were sent is `lost` (`_start`)."""
        paths = sorted(paths)
        stored = store.feeds(paths)
        writes: list[tuple[str, str, int]] = []
        changed: set[str] = set()
        modified: dict[FeedKey, dt.datetime] = {}
        for path in paths:
            state = feed_state(self._members.get(path, 0), self._live(path))
            row = stored.get(path)
            if row is None:
                when = (None if lost else _newest(index, path)) or at  # a first sighting: its newest entry
            elif row[0] != state:
                when = max(at, row[1] + 1)
            else:
                when = row[1]
            if row is None or row[0] != state:
                writes.append((path, state, when))
                if row is not None:
                    changed.add(path)
            modified[FeedKey.of_path(path)] = moment(max(when, self._site_modified))
        store.put_feeds(writes)
        return modified, changed

    def due(self) -> dt.datetime | None:
        """When the next tombstone expires (then `observe` has something to do); None: none will."""
        whens = [when for stones in self._tombs.values() for when in stones.values()]
        whens += [self._oldest] if self._oldest is not None else []  # the oldest stored, when last looked
        return moment(min(whens) + self._keep) if whens and self._keep else None


def _newest(index: Index, path: str) -> int | None:
    """The newest date in the feed at `path`, in seconds; None when it has no entries."""
    try:
        found = index.select(FeedKey.of_path(path), FeedQuery(limit=1)).articles
    except UnknownFeedError:  # a feed with no entries left
        return None
    return seconds(found[0].date_published) if found else None
