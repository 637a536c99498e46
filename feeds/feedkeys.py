"""Feeds as values: which feed (`FeedKey`), what a client asked of it (`FeedQuery`), and what the
index selected for it (`Selection`, `Summary`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, cast

from .errors import UnknownFeedError
from .model import Article

Family = Literal["all", "topics", "providers"]  # which family of feeds: everything, a topic, a provider


@dataclass(frozen=True, slots=True)
class FeedKey:
    """A feed, as a value: `all`, or a topic or provider by slug."""

    family: Family
    slug: str = ""

    @property
    def path(self) -> str:
        """The feed's path without the format: `all`, `topics/ai`, `providers/bbc.co.uk`."""
        return "all" if self.family == "all" else f"{self.family}/{self.slug}"

    @classmethod
    def of_path(cls, path: str) -> FeedKey:
        """The key of a `path` (the inverse of `path`); `UnknownFeedError` when it names no feed."""
        if path == "all":
            return ALL
        family, _, slug = path.partition("/")
        if family not in ("topics", "providers") or not slug:
            raise UnknownFeedError(f"not a feed path: {path!r}")
        return cls(cast(Family, family), slug)


ALL = FeedKey("all")


@dataclass(frozen=True, slots=True)
class FeedQuery:
    """What a client may ask of a feed, normalised: equal queries are equal values (one cache entry).

    `min_quality` and `min_heat` keep only articles that state a value at least that high (the
    original site filtered its news by a minimum heat); articles without the value are left out.
    """

    limit: int = 50
    min_quality: int | None = None
    min_heat: int | None = None
    page: int = 1  # RFC 5005 paged feeds: page N holds entries (N-1)*limit+1 … N*limit

    def accepts(self, article: Article) -> bool:
        return _at_least(article.quality, self.min_quality) and _at_least(article.heat, self.min_heat)

    @property
    def filtered(self) -> bool:
        return self.min_quality is not None or self.min_heat is not None

    def query_string(self, page: int, default_limit: int) -> str:
        """This query at another page, as a canonical query string ('' when all are defaults)."""
        params = [
            ("limit", self.limit if self.limit != default_limit else None),
            ("min_quality", self.min_quality),
            ("min_heat", self.min_heat),
            ("page", page if page != 1 else None),
        ]
        joined = "&".join(f"{name}={value}" for name, value in params if value is not None)
        return f"?{joined}" if joined else ""


def _at_least(value: int | None, minimum: int | None) -> bool:
    return minimum is None or (value is not None and value >= minimum)


@dataclass(frozen=True, slots=True)
class Tombstone:
    """RFC 6721 `at:deleted-entry`: an entry a feed served (`ref`, its id) and `when` it left it."""

    ref: str
    when: dt.datetime


@dataclass(frozen=True, slots=True)
class Selection:
    """A feed's selection: its canonical name and its articles as feeds show them, newest first."""

    key: FeedKey
    name: str
    articles: tuple[Article, ...]
    total: int  # articles in the whole feed that the query accepts
    version: int  # the index state it was selected from
    page: int = 1
    pages: int = 1  # how many pages the query makes (at least 1: an empty feed has one empty page)
    # From the memory of what was published (`feeds.memory`); None and () where there is none:
    modified: dt.datetime | None = None  # when the feed's bytes last changed (its Last-Modified)
    tombstones: tuple[Tombstone, ...] = ()  # RFC 6721: entries it had that are no longer served
    due: dt.datetime | None = None  # when a scheduled article enters it (its max-age ends then)


@dataclass(frozen=True, slots=True)
class Summary:
    """A topic or provider for listings: name, count and newest date."""

    key: FeedKey
    name: str
    count: int
    newest: dt.datetime


def feed_paths(article: Article) -> tuple[str, ...]:
    """The paths of the feeds an article is in (`FeedKey.path`), sorted."""
    return tuple(sorted(key.path for key, _ in memberships(article)))


def memberships(article: Article) -> list[tuple[FeedKey, str]]:
    """The feeds an article is in, each with the name the article gives it (a topic's or provider's
    name as written; "" for the feed of all articles)."""
    keys = [(ALL, "")] + [(FeedKey("topics", t.slug), t.name) for t in article.topics]
    if article.provider is not None:
        keys.append((FeedKey("providers", article.provider.slug), article.provider.name))
    return keys
