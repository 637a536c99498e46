"""Reading an index: a feed's page, names, counts, and each article as feeds show it (canonical
topic and provider names, related links that hidden documents allow, its last change). A base of
`feeds.index.Index`, which keeps the state read here up to date; every method takes its lock."""

from __future__ import annotations

import datetime as dt
import heapq
import threading
from collections import Counter
from dataclasses import dataclass, replace

from sortedcontainers import SortedList

from .errors import UnknownFeedError
from .feedkeys import ALL, Family, FeedKey, FeedQuery, Selection, Summary, Tombstone, memberships
from .hiddenlinks import HiddenLinks
from .model import Article, PathContent, Provider, Related, Topic
from .urlkeys import url_key


@dataclass(slots=True)
class Doc:
    """What the index needs of one file: its article (None for a rejected file, which only blocks
    its URL) and the comparison form of its URL (`urlkeys.url_key`: one article, however spelt)."""

    url: str
    article: Article | None

    @property
    def title(self) -> str:
        return self.article.title if self.article is not None else ""

    @property
    def others(self) -> tuple[str, ...]:
        """The comparison forms of its other URLs (`Article.other_urls`), kept out while it is hidden."""
        return tuple(url_key(u) for u in self.article.other_urls) if self.article is not None else ()

    @property
    def other_titles(self) -> tuple[str, ...]:
        """Headlines kept out beside `title` while it is hidden (`Article.other_titles`; a rejected
        file's: `WithheldDoc`)."""
        return self.article.other_titles if self.article is not None else ()


@dataclass(slots=True)
class WithheldDoc(Doc):
    """A rejected file (`model.Withheld`): no article; its URL's comparison form ('' when its text
    gives no URL), its headline ('' when none) and its other URLs' forms keep related links out, as a
    hidden document's do."""

    headline: str = ""
    other_keys: tuple[str, ...] = ()
    headlines: tuple[str, ...] = ()  # the other headlines it keeps out (`Withheld.other_titles`)

    @property
    def title(self) -> str:
        return self.headline

    @property
    def other_titles(self) -> tuple[str, ...]:
        return self.headlines

    @property
    def others(self) -> tuple[str, ...]:
        return self.other_keys


def doc_of(content: PathContent) -> Doc | None:
    """What the index keeps of what is at a path: an article, a rejected file's URL and headline."""
    if isinstance(content, Article):
        return Doc(url_key(content.url), content)
    if content is None:
        return None
    others = tuple(url_key(u) for u in content.other_urls)
    key, title = url_key(content.url) if content.url else "", content.title or ""
    return WithheldDoc(key, None, title, others, content.other_titles)


class Reading:
    """What `Index` answers; the state is `Index`'s."""

    def holds_nothing(self) -> bool:
        """No document at all: none visible, hidden, scheduled or rejected."""
        return not self._docs

    _lock: threading.RLock
    version: int
    hidden_count: int
    _docs: dict[str, Doc]
    _winner: dict[str, Article]
    _hidden: HiddenLinks
    _feeds: dict[FeedKey, SortedList]
    _names: dict[FeedKey, Counter[str]]
    _name_memo: tuple[int, dict[FeedKey, str]]
    _shown: dict[int, tuple[Article, dt.datetime | None, Article]]
    _updated: dict[str, dt.datetime]
    _modified: dict[FeedKey, dt.datetime]
    _tombstones: dict[FeedKey, tuple[Tombstone, ...]]
    _scheduled: dict[str, dt.datetime]  # path → when its article becomes visible
    _due: list[tuple[dt.datetime, str]]  # the same as a heap (with entries edits left behind)
    _due_in: dict[FeedKey, list[tuple[dt.datetime, str]]]  # the same for each feed the article enters

    def _schedule(self, path: str, article: Article) -> None:
        """`article` (at `path`) becomes visible at its date: in the heaps of all and of its feeds."""
        moment = article.date_published
        self._scheduled[path] = moment
        heapq.heappush(self._due, (moment, path))
        for key, _ in memberships(article):
            heapq.heappush(self._due_in.setdefault(key, []), (moment, path))

    @property
    def valid_until(self) -> dt.datetime | None:
        """When the next scheduled article becomes visible."""
        with self._lock:
            while self._due and self._scheduled.get(self._due[0][1]) != self._due[0][0]:
                heapq.heappop(self._due)  # left behind by an edit or a deletion
            return self._due[0][0] if self._due else None

    def _due_of(self, key: FeedKey) -> dt.datetime | None:
        """When the next scheduled article that enters the feed `key` becomes visible: a feed's
        `max-age` ends then, and no other's does (a hidden document leaves no trace, not even its
        time, in feeds it does not enter). Call with the lock held."""
        heap = self._due_in.get(key)
        while heap:
            moment, path = heap[0]
            doc = self._docs.get(path)
            article = doc.article if doc is not None else None
            if (
                self._scheduled.get(path) == moment
                and article is not None
                and key in dict(memberships(article))
            ):
                return moment
            heapq.heappop(heap)  # left behind by an edit (its date or its feeds) or a deletion
        return None

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
            due = self._due_of(key)
            return Selection(
                key, name, chosen, total, self.version, query.page, pages, modified, tombstones, due
            )

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
        """Whether this article is what a feed shows for its URL: the same document's, as it is (a file
        read again unchanged gives an equal article, which the index does not take in place of its own)."""
        with self._lock:
            winner = self._winner.get(url_key(article.url))
        return winner is article or (winner is not None and winner.path == article.path and winner == article)

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

    def served(self, url: str) -> Article | None:
        """The article shown for a URL (`urlkeys.url_key`), as feeds show it; None when none is."""
        with self._lock:
            article = self._winner.get(url)
            return self._canonical(article) if article is not None else None

    def feed_keys(self) -> list[FeedKey]:
        """Every feed there is now."""
        with self._lock:
            return list(self._feeds)

    def _canonical(self, article: Article) -> Article:
        """The article as feeds show it: canonical topic and provider names, related links to hidden
        documents taken out, and when its content last changed (from the memory). Kept per article
        until one of those changes."""
        updated = self._updated.get(article.url, article.date_modified)
        known = self._shown.get(id(article))
        if known is None or known[0] is not article:
            shown = self._show(article, updated)
        elif known[1] == updated:
            return known[2]
        else:  # only the time changed (the memory looked): names and related links stand
            shown = _shown_as(article, known[2].topics, known[2].provider, known[2].related, updated)
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
            kept = self._hidden.kept(related, url_key(article.url), self._winner.get)
            related = related if len(kept) == len(related) else kept
        return _shown_as(article, topics, provider, related, modified)


def _shown_as(
    article: Article,
    topics: tuple[Topic, ...],
    provider: Provider | None,
    related: tuple[Related, ...],
    modified: dt.datetime | None,
) -> Article:
    """`article` with these names, related links and time: the article itself when they are its own."""
    if (
        topics == article.topics
        and provider is article.provider
        and related is article.related
        and modified == article.date_modified
    ):
        return article
    return replace(article, topics=topics, provider=provider, related=related, date_modified=modified)
