"""Which articles are visible, and which feeds exist: the one visibility rule, in one place.

The rules are the contract's ("Which articles are visible"): `published: false` hides, a future
date hides until it passes, two visible documents with one URL are one entry (later date wins, then
later path), and a hidden document leaves no trace, not even as somebody's related link.

What hidden documents must not reveal through related lists is `feeds.hiddenlinks`; what changed,
for `export --watch` and the memory, `feeds.indexchanges`.

The index is incremental: a change to one document touches only the URLs it had and has, and each
feed is a sorted list updated in O(log n). So picking up one edit costs the same at 100 documents
and at 100,000. Canonical names and related-link filtering are applied to the few entries a feed
actually shows, when it is selected. Readers and writers share one lock; `version` changes with
every applied change, so whatever is cached from a selection names the state it came from.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

from sortedcontainers import SortedList

from .feedkeys import ALL, FeedKey, Tombstone, memberships
from .hiddenlinks import HiddenLinks
from .indexchanges import Changes
from .indexread import Doc, Reading, doc_of
from .model import Article, PathContent, Withheld
from .urlpaths import UrlPaths

_versions = itertools.count(1)


def _order(article: Article) -> tuple[float, str]:
    """Newest first; ties by id ascending (contract: Entries)."""
    return (-article.date_published.timestamp(), article.url)


class Index(Reading):
    """The articles of a corpus, the feeds they make and what hidden documents keep out, at `now`."""

    def __init__(self, now: dt.datetime) -> None:
        self._lock = threading.RLock()
        self.now = now
        self.version = next(_versions)
        self._docs: dict[str, Doc] = {}  # path → document
        self._paths_by_url = UrlPaths()
        self._winner: dict[str, Article] = {}  # url → the visible article shown for it
        self._hidden = HiddenLinks()  # what hidden documents block: URLs, spellings, headlines
        self._feeds: dict[FeedKey, SortedList] = {ALL: SortedList(key=_order)}
        self._names: dict[FeedKey, Counter[str]] = defaultdict(Counter)  # spellings among winners
        self._scheduled: dict[str, dt.datetime] = {}  # path → when its article becomes visible
        self._due: list[tuple[dt.datetime, str]] = []  # the same as a heap (with entries edits left behind)
        self._due_in: dict[FeedKey, list[tuple[dt.datetime, str]]] = {}  # the same for each feed
        self.hidden_count = 0  # documents whose article is not visible now
        self._name_memo: tuple[int, dict[FeedKey, str]] = (0, {})
        self._names_before: dict[FeedKey, str | None] = {}  # during a change: names before it
        # During a large change (a start, a sync): articles to add to each feed, sorted in at its end.
        self._pending: dict[FeedKey, list[Article]] | None = None
        # Each listed article as feeds show it (`_canonical`), by id: (article, its updated, shown).
        # Cleared when a canonical name or a related link's visibility changes; an entry is dropped
        # when its article leaves the feeds.
        self._shown: dict[int, tuple[Article, dt.datetime | None, Article]] = {}
        self._changes = Changes(self.version)  # for `changed_since` and `drain`
        # What the memory knows (`annotate`): entry id → updated; feed → modified, tombstones.
        self._updated: dict[str, dt.datetime] = {}
        self._modified: dict[FeedKey, dt.datetime] = {}
        self._dated: dict[FeedKey, dt.datetime | None] = {}  # what `advance` moved, from what
        self._floor = dt.datetime.min.replace(tzinfo=dt.UTC)  # no feed dated before (`touch_all`)
        self._tombstones: dict[FeedKey, tuple[Tombstone, ...]] = {}

    @classmethod
    def of(
        cls, articles: Iterable[Article], now: dt.datetime, withheld: Mapping[str, Withheld] | None = None
    ) -> Index:
        """An index of these articles (and of rejected hidden documents' `path → url`), at `now`."""
        index = cls(now)
        changes: dict[str, PathContent] = dict(withheld or {})
        changes.update((a.path, a) for a in articles)
        index.apply(changes)
        return index

    # --- writing --------------------------------------------------------------------------------

    def apply(self, changes: Mapping[str, PathContent]) -> None:
        """What is now at these paths: a document's article; a rejected file's URL and headline
        (`Withheld`: neither may show up in a related link, URLs compared by `url_key`); or nothing."""
        with self._lock:
            self._changes.begin(len(changes))
            touched: set[str] = set()
            for path, now_there in changes.items():
                touched |= self._put(path, doc_of(now_there))
            self._recompute(touched)

    def advance(self, now: dt.datetime) -> bool:
        """Move the clock: scheduled articles whose time has come become visible. True if any did."""
        with self._lock:
            self.now = max(self.now, now)
            touched: set[str] = set()
            while self._due and self._due[0][0] <= self.now:
                moment, path = heapq.heappop(self._due)
                if self._scheduled.get(path) == moment:  # not an entry left behind by an edit
                    del self._scheduled[path]
                    self.hidden_count -= 1
                    self._hide(self._docs[path], False)
                    touched.add(self._docs[path].url)
            self._recompute(touched)
            if self._modified:  # until the memory records it: the feeds changed no earlier than now
                second = self.now.replace(microsecond=0)  # dates are whole seconds (RFC 9110 §5.6.7)
                for url in touched:
                    if (article := self._winner.get(url)) is not None:
                        for key, _ in memberships(article):
                            self._dated.setdefault(key, self._modified.get(key))
                            self._modified[key] = max(self._modified.get(key, second), second)
            return bool(touched)

    def _put(self, path: str, doc: Doc | None) -> set[str]:
        touched: set[str] = set()
        old = self._docs.pop(path, None)
        if old is not None:
            if old.url:
                self._paths_by_url.discard(old.url, path)
                touched.add(old.url)
            if self._is_hidden(old):
                self.hidden_count -= 1
            if self._hides(old):
                self._hide(old, False)
            self._scheduled.pop(path, None)
        if doc is not None:
            self._docs[path] = doc
            if doc.url:
                self._paths_by_url.add(doc.url, path)
                touched.add(doc.url)
            if self._is_hidden(doc):
                self.hidden_count += 1
            if self._hides(doc):
                self._hide(doc, True)
            article = doc.article
            if article is not None and article.publish and article.date_published > self.now:
                self._schedule(path, article)
        return touched

    def _visible(self, doc: Doc) -> bool:
        a = doc.article
        return a is not None and a.publish and a.date_published <= self.now

    def _hides(self, doc: Doc) -> bool:  # links titled with its headline, or to its other URLs, go
        return self._is_hidden(doc) or doc.article is None  # a hidden document, or a rejected file

    def _hide(self, doc: Doc, hidden: bool) -> None:
        """Its headline and other URLs came (`hidden`) or went (`_hides`); `_recompute` blocks its URL."""
        self._hidden.hide_titles((doc.title, *doc.other_titles), hidden)
        self._hidden.hide_urls(doc.others, hidden)

    def _is_hidden(self, doc: Doc) -> bool:
        """A document with an article that is not visible now (rejected files are not documents here)."""
        return doc.article is not None and not self._visible(doc)

    def _recompute(self, urls: Iterable[str]) -> None:
        changed = reshown = False
        self._names_before = {}
        self._pending = None if self._changes.ranked else {}  # one sort per feed, not one insertion each
        for url in urls:
            paths = self._paths_by_url.paths(url)
            docs = [self._docs[p] for p in paths]
            shown = [d.article for d in docs if self._visible(d) and d.article is not None]
            winner = max(shown, key=lambda a: (a.date_published, a.path)) if shown else None
            old = self._winner.get(url)
            if old is not winner:
                if old is not None:
                    self._unlist(old)
                if winner is not None:
                    self._list(winner)
                    self._winner[url] = winner
                else:
                    self._winner.pop(url, None)
                self._changes.touch(url)
                changed = True
                titles = [a.title if a is not None else None for a in (old, winner)]
                if self._shown and self._hidden.reshows(url, *titles):  # links to it kept otherwise now
                    self._hidden.changed = True
            self._hidden.block(url, winner is None and bool(docs))
        for key, added in (self._pending or {}).items():
            self._feeds[key].update(added)
        self._pending = None
        if self._hidden.changed:  # related links to hidden documents, in any entry, appear or go
            self._hidden.changed = False
            self._shown.clear()
            changed = reshown = True
        if changed:
            self.version = next(_versions)
        self._changes.commit(self.version if changed else None)
        if reshown:
            self._changes.reshow(self.version)
        if any(  # a feed that appears or goes changes no other entry's names
            name is not None and (now := self._top_name(key)) is not None and now != name
            for key, name in self._names_before.items()
        ):
            self._shown.clear()  # a canonical name changed: every entry that carries it
            self._changes.reshow(self.version)

    def _top_name(self, key: FeedKey) -> str | None:
        counts = self._names.get(key)
        return min(counts.items(), key=lambda item: (-item[1], item[0]))[0] if counts else None

    def _list(self, article: Article) -> None:
        for key, name in memberships(article):
            if key not in self._names_before:
                self._names_before[key] = self._top_name(key)
            entries = self._feeds.get(key)
            if entries is None:  # not setdefault: that would build a list for every article listed
                entries = self._feeds[key] = SortedList(key=_order)
            if self._pending is not None:
                self._pending.setdefault(key, []).append(article)
                self._changes.changed_at(key, None)
            else:
                entries.add(article)
                self._changes.changed_at(key, entries.bisect_left(article))
            self._names[key][name] += 1

    def _unlist(self, article: Article) -> None:
        self._shown.pop(id(article), None)
        self._updated.pop(article.url, None)  # the memory says it again for whatever takes its place
        for key, name in memberships(article):
            if key not in self._names_before:
                self._names_before[key] = self._top_name(key)
            entries = self._feeds[key]
            if self._pending and key in self._pending:  # removing from a feed: what it has first
                entries.update(self._pending.pop(key))
            self._changes.changed_at(key, entries.bisect_left(article) if self._changes.ranked else None)
            entries.remove(article)
            self._names[key][name] -= 1
            if not self._names[key][name]:
                del self._names[key][name]
            if not entries and key != ALL:
                del self._feeds[key]
                del self._names[key]

    # --- the memory of what was published (`feeds.memory`) ---------------------------------------

    @property
    def lock(self) -> threading.RLock:
        """Held by the writer across a change and its recording: no request sees one without the other."""
        return self._lock

    def drain(self) -> tuple[set[str], bool]:
        """What changed since the last call: the URLs (`urlkeys.url_key`) whose shown article changed,
        and whether every entry must be looked at (the first call; a canonical name or a related link
        changed)."""
        with self._lock:
            return self._changes.drain()

    def annotate(
        self,
        updated: Mapping[str, dt.datetime],
        modified: Mapping[FeedKey, dt.datetime],
        tombstones: Mapping[FeedKey, tuple[Tombstone, ...]],
        floor: dt.datetime | None = None,
    ) -> None:
        """What the memory knows, from now on shown: entries' `date_modified` (by id), feeds' last
        change, their live tombstones (an empty tuple removes them), a `floor` as `touch_all`'s."""
        with self._lock:
            self._updated.update(updated)
            # A date not after `touch_all`'s is of bytes that may differ from what it dated: now, later
            floor, second = self._floor, dt.timedelta(seconds=1)
            later = max(self.now.replace(microsecond=0), floor + second)
            for key, before in self._dated.items():  # dated by `advance`, and not by the memory: the
                if key not in modified and before is not None:  # bytes came back to what it recorded
                    self._modified[key] = before if before > floor else later
            self._dated = {}
            self._modified.update((key, when if when > floor else later) for key, when in modified.items())
            for key, stones in tombstones.items():
                if stones:
                    self._tombstones[key] = stones
                else:
                    self._tombstones.pop(key, None)
            self._floor = max(self._floor, floor.replace(microsecond=0)) if floor else self._floor
            self.version = next(_versions)
            self._changes.mark(self.version, dict.fromkeys([*modified, *tombstones], 0))  # page 1 says both

    def changed_since(self, version: int) -> dict[FeedKey, int] | None:
        """The feeds whose entries, their showing or the memory's facts about them changed after
        `version` (an earlier `version` of this index), each with the first rank (0: its newest entry)
        from which it may have changed; None when every feed may have."""
        with self._lock:
            return self._changes.since(version)

    def touch_all(self, now: dt.datetime) -> None:
        """Every feed changed no earlier than `now` (the memory could not record a change): a new
        version whose Last-Modified is never older than its bytes."""
        with self._lock:
            self._floor = max(self._floor, now.replace(microsecond=0))  # and none the memory gives later
            for key in self._feeds:
                self._modified[key] = max(self._modified.get(key, now), now)
            self.version = next(_versions)
            self._changes.all_changed = self.version
