"""Which articles are visible, and which feeds exist: the one visibility rule, in one place.

The rules are the contract's ("Which articles are visible"): `published: false` hides, a future
date hides until it passes, two visible documents with one URL are one entry (later date wins, then
later path), and a hidden document leaves no trace, not even as somebody's related link.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from .corpus import Corpus
from .errors import UnknownFeed
from .model import Article, Provider, Topic

Kind = Literal["all", "topics", "providers"]
KINDS: tuple[Kind, ...] = ("all", "topics", "providers")


@dataclass(frozen=True, slots=True)
class FeedKey:
    """A feed, as a value: `all`, or a topic or provider by slug."""

    kind: Kind
    slug: str = ""

    @property
    def path(self) -> str:
        """The feed's path without the format: `all`, `topics/ai`, `providers/bbc.co.uk`."""
        return "all" if self.kind == "all" else f"{self.kind}/{self.slug}"


@dataclass(frozen=True, slots=True)
class FeedQuery:
    """What a client may ask of a feed, normalised: equal queries are equal values (one cache entry).

    `min_quality` and `min_heat` keep only articles that state a value at least that high (the
    original site filtered its news by a minimum heat); articles without the value are left out.
    """

    limit: int = 50
    min_quality: int | None = None
    min_heat: int | None = None

    def select(self, articles: tuple[Article, ...]) -> tuple[Article, ...]:
        if self.min_quality is None and self.min_heat is None:
            return articles[: self.limit]
        chosen: list[Article] = []
        for article in articles:
            if _at_least(article.quality, self.min_quality) and _at_least(article.heat, self.min_heat):
                chosen.append(article)
                if len(chosen) == self.limit:
                    break
        return tuple(chosen)


def _at_least(value: int | None, minimum: int | None) -> bool:
    return minimum is None or (value is not None and value >= minimum)


@dataclass(frozen=True, slots=True)
class Group:
    """A topic or provider that has visible articles: its canonical name and its articles, newest first."""

    key: FeedKey
    name: str
    articles: tuple[Article, ...]

    @property
    def newest(self) -> dt.datetime:
        return self.articles[0].published


class Index:
    """The visible articles of a corpus at one moment, and every feed they make.

    Built once per corpus version and moment; immutable afterwards, so it can be shared between
    threads. `valid_until` is when the next scheduled article becomes visible: then a new index is due.
    """

    def __init__(self, corpus: Corpus, now: dt.datetime, version: int = 0) -> None:
        self.now = now
        self.version = version  # distinct per index a service builds: the key of everything cached from it
        shown, hidden = _split(corpus.articles, now)
        self.hidden_count = len(hidden)
        self.valid_until: dt.datetime | None = min(
            (a.published for a in hidden if a.flagged_published), default=None
        )
        latest = _deduplicate(shown)
        visible_urls = set(latest)
        blocked = {a.url for a in hidden} | {r.url for r in corpus.rejected if r.url and r.hidden}
        blocked -= visible_urls  # a visible copy of the URL makes it a real, public article
        topic_names = _most_frequent((t.slug, t.name) for a in latest.values() for t in a.topics)
        provider_names = _most_frequent(
            (a.provider.slug, a.provider.name) for a in latest.values() if a.provider
        )
        articles = [_canonical(a, topic_names, provider_names, blocked) for a in latest.values()]
        articles.sort(key=lambda a: (-a.published.timestamp(), a.url))
        self.articles: tuple[Article, ...] = tuple(articles)
        by_topic: dict[str, list[Article]] = defaultdict(list)
        by_provider: dict[str, list[Article]] = defaultdict(list)
        for article in self.articles:
            for topic in article.topics:
                by_topic[topic.slug].append(article)
            if article.provider:
                by_provider[article.provider.slug].append(article)
        self.topics: dict[str, Group] = {
            slug: Group(FeedKey("topics", slug), topic_names[slug], tuple(items))
            for slug, items in sorted(by_topic.items())
        }
        self.providers: dict[str, Group] = {
            slug: Group(FeedKey("providers", slug), provider_names[slug], tuple(items))
            for slug, items in sorted(by_provider.items())
        }

    def group(self, key: FeedKey) -> Group:
        """The feed's articles; `UnknownFeed` when no visible article makes that feed."""
        if key.kind == "all":
            return Group(key, "All articles", self.articles)
        found = (self.topics if key.kind == "topics" else self.providers).get(key.slug)
        if found is None:
            raise UnknownFeed(f"no {key.kind[:-1]} {key.slug!r}")
        return found

    def feed_keys(self) -> list[FeedKey]:
        return [
            FeedKey("all"),
            *(g.key for g in self.topics.values()),
            *(g.key for g in self.providers.values()),
        ]


def _split(articles: Iterable[Article], now: dt.datetime) -> tuple[list[Article], list[Article]]:
    shown: list[Article] = []
    hidden: list[Article] = []
    for article in articles:
        (shown if article.flagged_published and article.published <= now else hidden).append(article)
    return shown, hidden


def _deduplicate(articles: Sequence[Article]) -> dict[str, Article]:
    """One article per URL: the later `publishedDateTime`, ties to the later path (contract)."""
    latest: dict[str, Article] = {}
    for article in articles:
        current = latest.get(article.url)
        if current is None or (article.published, article.path) > (current.published, current.path):
            latest[article.url] = article
    return latest


def _most_frequent(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """slug → its most frequent spelling; ties go to the alphabetically first (contract)."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for slug, name in pairs:
        counts[slug][name] += 1
    return {
        slug: min(names.items(), key=lambda item: (-item[1], item[0]))[0] for slug, names in counts.items()
    }


def _canonical(
    article: Article, topic_names: dict[str, str], provider_names: dict[str, str], blocked: set[str]
) -> Article:
    """The article as feeds show it: canonical topic and provider names, related links to hidden
    documents taken out."""
    topics = tuple(Topic(t.slug, topic_names[t.slug]) for t in article.topics)
    provider = article.provider
    if provider is not None and provider.name != provider_names[provider.slug]:
        provider = Provider(provider.slug, provider_names[provider.slug], provider.domain)
    related = article.related
    if blocked and any(r.url in blocked for r in related):
        related = tuple(r for r in related if r.url not in blocked)
    if topics == article.topics and provider is article.provider and related is article.related:
        return article
    return replace(article, topics=topics, provider=provider, related=related)
