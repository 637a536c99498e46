"""Which articles are visible, and which feeds exist: the one visibility rule, in one place.

The rules are the contract's ("Which articles are visible"): `published: false` hides, a future
date hides until it passes, two visible documents with one URL are one entry (later date wins, then
later path), and a hidden document leaves no trace, not even as somebody's related link.

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
from dataclasses import dataclass, replace

from sortedcontainers import SortedList

from .errors import UnknownFeedError
from .feedkeys import ALL, Family, FeedKey, FeedQuery, Selection, Summary, Tombstone
from .model import Article, PathContent, Provider, Topic, Withheld
from .urlkeys import url_key

_versions = itertools.count(1)
MAX_CHANGES = 64  # changes remembered per feed (`changed_since`); older ones are merged
RANKED_CHANGES = 256  # a change of more documents marks its feeds changed from the top, without ranks


@dataclass(slots=True)
class _Doc:
    """What the index needs of one file: its article (None for a rejected file, which only blocks
    its URL) and the comparison form of its URL (`urlkeys.url_key`: one article, however spelt)."""

    url: str
    article: Article | None


def _order(article: Article) -> tuple[float, str]:
    """Newest first; ties by id ascending (contract: Entries)."""
    return (-article.date_published.timestamp(), article.url)


class Index:
    def __init__(self, now: dt.datetime) -> None:
        self._lock = threading.RLock()
        self.now = now
        self.version = next(_versions)
        self._docs: dict[str, _Doc] = {}  # path → document
        self._paths_by_url: dict[str, set[str]] = defaultdict(set)
        self._winner: dict[str, Article] = {}  # url → the visible article shown for it
        self._blocked: set[str] = set()  # URLs of hidden documents that no visible document shares
        self._feeds: dict[FeedKey, SortedList] = {ALL: SortedList(key=_order)}
        self._names: dict[FeedKey, Counter[str]] = defaultdict(Counter)  # spellings among winners
        self._scheduled: dict[str, dt.datetime] = {}  # path → when its article becomes visible
        self._due: list[tuple[dt.datetime, str]] = []  # the same as a heap (with entries edits left behind)
        self.hidden_count = 0  # documents whose article is not visible now
        self._name_memo: tuple[int, dict[FeedKey, str]] = (0, {})
        self._names_before: dict[FeedKey, str | None] = {}  # during a change: names before it
        # Each listed article as feeds show it (`_canonical`), by id: (article, its updated, shown).
        # Cleared when a canonical name or a related link's visibility changes; an entry is dropped
        # when its article leaves the feeds.
        self._shown: dict[int, tuple[Article, dt.datetime | None, Article]] = {}
        # The version at which each feed last changed, and at which they all did (`changed_since`).
        self._feed_changed: dict[FeedKey, list[tuple[int, int]]] = {}  # (version, first rank changed)
        self._all_changed = self.version
        self._dirty: dict[FeedKey, int] = {}  # during a change: the feeds it touches, from which rank
        self._ranked = True  # whether this change finds those ranks (a large one counts from the top)
        # What changed since the memory of what was published last looked (`drain`): URLs whose shown
        # article changed, and whether something changed how other entries are shown (a canonical
        # name, a related link taken out), which makes it look at every entry.
        self._touched: set[str] = set()
        self._everything = True
        self._journaling = False  # from the first `drain` on: without a memory, nothing is kept
        # What the memory knows (`annotate`): entry id → updated; feed → modified, tombstones.
        self._updated: dict[str, dt.datetime] = {}
        self._modified: dict[FeedKey, dt.datetime] = {}
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
        """What is now at these paths: a document's article; a URL (a rejected file: its URL must not
        show up as a related link); or nothing. URLs are compared by `urlkeys.url_key`."""
        with self._lock:
            self._ranked = len(changes) <= RANKED_CHANGES
            touched: set[str] = set()
            for path, now_there in changes.items():
                if isinstance(now_there, Article):
                    doc: _Doc | None = _Doc(url_key(now_there.url), now_there)
                else:
                    doc = _Doc(url_key(now_there.url), None) if now_there is not None else None
                touched |= self._put(path, doc)
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
                    touched.add(self._docs[path].url)
            self._recompute(touched)
            if self._modified:  # until the memory records it: the feeds changed no earlier than now
                for url in touched:
                    if (article := self._winner.get(url)) is not None:
                        for key, _ in _memberships(article):
                            self._modified[key] = max(self._modified.get(key, self.now), self.now)
            return bool(touched)

    @property
    def valid_until(self) -> dt.datetime | None:
        """When the next scheduled article becomes visible."""
        with self._lock:
            while self._due and self._scheduled.get(self._due[0][1]) != self._due[0][0]:
                heapq.heappop(self._due)  # left behind by an edit or a deletion
            return self._due[0][0] if self._due else None

    def _put(self, path: str, doc: _Doc | None) -> set[str]:
        touched: set[str] = set()
        old = self._docs.pop(path, None)
        if old is not None:
            self._paths_by_url[old.url].discard(path)
            touched.add(old.url)
            self.hidden_count -= self._hidden(old)
            self._scheduled.pop(path, None)
        if doc is not None:
            self._docs[path] = doc
            self._paths_by_url[doc.url].add(path)
            touched.add(doc.url)
            self.hidden_count += self._hidden(doc)
            article = doc.article
            if article is not None and article.publish and article.date_published > self.now:
                self._scheduled[path] = article.date_published
                heapq.heappush(self._due, (article.date_published, path))
        return touched

    def _visible(self, doc: _Doc) -> bool:
        a = doc.article
        return a is not None and a.publish and a.date_published <= self.now

    def _hidden(self, doc: _Doc) -> bool:
        """A document with an article that is not visible now (rejected files are not documents here)."""
        return doc.article is not None and not self._visible(doc)

    def _recompute(self, urls: Iterable[str]) -> None:
        changed = reshown = False
        self._names_before = {}
        for url in urls:
            paths = self._paths_by_url.get(url, set())
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
                if self._journaling:
                    self._touched.add(url)
                changed = True
            blocked = winner is None and bool(docs)
            if blocked != (url in self._blocked):
                (self._blocked.add if blocked else self._blocked.discard)(url)
                self._everything = True  # related links to it, in any entry, appear or go
                self._shown.clear()
                changed = reshown = True
            if not paths:
                self._paths_by_url.pop(url, None)
        if changed:
            self.version = next(_versions)
            self._mark(self._dirty)
        self._dirty = {}
        if reshown:
            self._all_changed = self.version
        if any(  # a feed that appears or goes changes no other entry's names
            name is not None and (now := self._top_name(key)) is not None and now != name
            for key, name in self._names_before.items()
        ):
            self._everything = True  # a canonical name changed: every entry that carries it
            self._shown.clear()
            self._all_changed = self.version

    def _mark(self, ranks: Mapping[FeedKey, int]) -> None:
        """Record that these feeds changed at this version, from these ranks (0: the newest entry) on."""
        for key, rank in ranks.items():
            changes = self._feed_changed.setdefault(key, [])
            changes.append((self.version, rank))
            if len(changes) > MAX_CHANGES:  # the oldest ones as one: the latest version, the first rank
                old = changes[: -MAX_CHANGES // 2]
                changes[: -MAX_CHANGES // 2] = [(old[-1][0], min(r for _, r in old))]

    def _top_name(self, key: FeedKey) -> str | None:
        counts = self._names.get(key)
        return min(counts.items(), key=lambda item: (-item[1], item[0]))[0] if counts else None

    def _list(self, article: Article) -> None:
        for key, name in _memberships(article):
            if key not in self._names_before:
                self._names_before[key] = self._top_name(key)
            entries = self._feeds.get(key)
            if entries is None:  # not setdefault: that would build a list for every article listed
                entries = self._feeds[key] = SortedList(key=_order)
            entries.add(article)
            self._changed_at(key, entries.bisect_left(article) if self._ranked else 0)
            self._names[key][name] += 1

    def _changed_at(self, key: FeedKey, rank: int) -> None:
        self._dirty[key] = min(rank, self._dirty.get(key, rank))

    def _unlist(self, article: Article) -> None:
        self._shown.pop(id(article), None)
        self._updated.pop(article.url, None)  # the memory says it again for whatever takes its place
        for key, name in _memberships(article):
            if key not in self._names_before:
                self._names_before[key] = self._top_name(key)
            entries = self._feeds[key]
            self._changed_at(key, entries.bisect_left(article) if self._ranked else 0)
            entries.remove(article)
            self._names[key][name] -= 1
            if not self._names[key][name]:
                del self._names[key][name]
            if not entries and key != ALL:
                del self._feeds[key]
                del self._names[key]

    # --- reading --------------------------------------------------------------------------------

    def select(self, key: FeedKey, query: FeedQuery | None = None) -> Selection:
        """One page of the feed's articles as feeds show them; `UnknownFeedError` when no visible article
        makes that feed, or the page is past the last one."""
        query = query or FeedQuery()
        with self._lock:
            entries = self._feeds.get(key)
            if entries is None:
                raise UnknownFeedError(f"no {key.family[:-1]} {key.slug!r}")
            start = (query.page - 1) * query.limit
            if query.filtered:
                accepted = [a for a in entries if query.accepts(a)]
                total, window = len(accepted), accepted[start : start + query.limit]
            else:
                total, window = len(entries), list(entries.islice(start, start + query.limit))
            pages = max(1, -(-total // query.limit))
            if query.page > pages:
                raise UnknownFeedError(f"no page {query.page} of {key.path}: it has {pages}")
            chosen = tuple(self._canonical(a) for a in window)
            tombstones = self._tombstones.get(key, ()) if query.page == 1 else ()
            modified = self._modified.get(key)
            name = self.name(key)
            return Selection(key, name, chosen, total, self.version, query.page, pages, modified, tombstones)

    def name(self, key: FeedKey) -> str:
        """A topic's or provider's most frequent spelling among visible articles; ties alphabetical."""
        if key == ALL:
            return "All articles"
        version, known = self._name_memo
        if version != self.version:  # spellings only change with the version
            known = {}
            self._name_memo = (self.version, known)
        name = known.get(key)
        if name is None:
            names = self._names[key]
            name = known[key] = min(names.items(), key=lambda item: (-item[1], item[0]))[0]
        return name

    def summaries(self, family: Family) -> list[Summary]:
        with self._lock:
            return [
                Summary(key, self.name(key), len(entries), entries[0].date_published)
                for key, entries in sorted(self._feeds.items(), key=lambda item: item[0].slug)
                if key.family == family
            ]

    def months(self, key: FeedKey, count: int = 12) -> tuple[tuple[str, int], ...]:
        """Articles per month ('2025-03', n) over the last `count` months in which the feed had any,
        oldest first. Reads only those months' articles (the feed is sorted newest first)."""
        with self._lock:
            entries = self._feeds.get(key, ())
            months: dict[str, int] = {}
            for article in entries:
                month = article.date_published.strftime("%Y-%m")
                if month not in months and len(months) == count:
                    break
                months[month] = months.get(month, 0) + 1
            return tuple(reversed(months.items()))

    @property
    def articles(self) -> tuple[Article, ...]:
        """Every visible article as feeds show them, newest first (O(n): for tools and tests)."""
        with self._lock:
            return tuple(self._canonical(a) for a in self._feeds[ALL])

    def shows(self, article: Article) -> bool:
        """Whether this very article is what a feed shows for its URL."""
        with self._lock:
            return self._winner.get(url_key(article.url)) is article

    @property
    def duplicate_count(self) -> int:
        """Documents with an article that are neither shown nor hidden: another document with the same
        URL (`urlkeys.url_key`) is shown in their place."""
        with self._lock:
            documents = sum(1 for doc in self._docs.values() if doc.article is not None)
            return documents - self.hidden_count - len(self._feeds[ALL])

    def count(self, family: Family | None = None) -> int:
        """Visible articles (no family), or how many topics or providers have any."""
        with self._lock:
            if family is None:
                return len(self._feeds[ALL])
            return sum(1 for key in self._feeds if key.family == family)

    # --- the memory of what was published (`feeds.memory`) ---------------------------------------

    @property
    def lock(self) -> threading.RLock:
        """Held by the writer across a change and its recording, so no request sees one without the
        other."""
        return self._lock

    def drain(self) -> tuple[set[str], bool]:
        """What changed since the last call: the URLs (`urlkeys.url_key`) whose shown article changed,
        and whether every entry must be looked at (the first call; a canonical name or a related link
        changed)."""
        with self._lock:
            touched, everything = self._touched, self._everything or not self._journaling
            self._touched, self._everything, self._journaling = set(), False, True
            return touched, everything

    def served(self, url: str) -> Article | None:
        """The article shown for a URL (`urlkeys.url_key`), as feeds show it; None when none is."""
        with self._lock:
            article = self._winner.get(url)
            return self._canonical(article) if article is not None else None

    def annotate(
        self,
        updated: Mapping[str, dt.datetime],
        modified: Mapping[FeedKey, dt.datetime],
        tombstones: Mapping[FeedKey, tuple[Tombstone, ...]],
    ) -> None:
        """What the memory knows, from now on shown: entries' `date_modified` (by id), feeds' last
        change and their live tombstones (an empty tuple removes them). A new version."""
        with self._lock:
            self._updated.update(updated)
            self._modified.update(modified)
            for key, stones in tombstones.items():
                if stones:
                    self._tombstones[key] = stones
                else:
                    self._tombstones.pop(key, None)
            self.version = next(_versions)
            self._mark(dict.fromkeys([*modified, *tombstones], 0))  # the first page says both

    def feed_keys(self) -> list[FeedKey]:
        """Every feed there is now."""
        with self._lock:
            return list(self._feeds)

    def changed_since(self, version: int) -> dict[FeedKey, int] | None:
        """The feeds whose entries, their showing or the memory's facts about them changed after
        `version` (an earlier `version` of this index), each with the first rank (0: its newest entry)
        from which it may have changed; None when every feed may have."""
        with self._lock:
            if self._all_changed > version:
                return None
            changed: dict[FeedKey, int] = {}
            for key, changes in self._feed_changed.items():
                ranks = [rank for at, rank in changes if at > version]
                if ranks:
                    changed[key] = min(ranks)
            return changed

    def touch_all(self, now: dt.datetime) -> None:
        """Every feed changed no earlier than `now` (the memory could not record a change): a new
        version whose Last-Modified is never older than its bytes."""
        with self._lock:
            for key in self._feeds:
                self._modified[key] = max(self._modified.get(key, now), now)
            self.version = next(_versions)
            self._all_changed = self.version

    def _canonical(self, article: Article) -> Article:
        """The article as feeds show it: canonical topic and provider names, related links to hidden
        documents taken out, and when its content last changed (from the memory). Kept per article
        until one of those changes."""
        updated = self._updated.get(article.url, article.date_modified)
        known = self._shown.get(id(article))
        if known is not None and known[0] is article and known[1] == updated:
            return known[2]
        shown = self._show(article, updated)
        self._shown[id(article)] = (article, updated, shown)
        return shown

    def _show(self, article: Article, modified: dt.datetime | None) -> Article:
        topics = tuple(Topic(t.slug, self.name(FeedKey("topics", t.slug))) for t in article.topics)
        provider = article.provider
        if provider is not None:
            name = self.name(FeedKey("providers", provider.slug))
            if name != provider.name:
                provider = Provider(provider.slug, name, provider.domain)
        related = article.related
        if related:
            own = url_key(article.url)
            kept = tuple(r for r in related if (k := url_key(r.url)) != own and k not in self._blocked)
            related = related if len(kept) == len(related) else kept
        if (
            topics == article.topics
            and provider is article.provider
            and related is article.related
            and modified == article.date_modified
        ):
            return article
        return replace(article, topics=topics, provider=provider, related=related, date_modified=modified)


def feed_paths(article: Article) -> tuple[str, ...]:
    """The paths of the feeds an article is in (`FeedKey.path`), sorted."""
    return tuple(sorted(key.path for key, _ in _memberships(article)))


def _memberships(article: Article) -> list[tuple[FeedKey, str]]:
    keys = [(ALL, "")] + [(FeedKey("topics", t.slug), t.name) for t in article.topics]
    if article.provider is not None:
        keys.append((FeedKey("providers", article.provider.slug), article.provider.name))
    return keys
