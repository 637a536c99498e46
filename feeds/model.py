"""The values the rest of the service works with: cleaned, validated, immutable.

Every string here is plain text with entities decoded, tags removed and characters XML cannot
carry taken out; every URL is absolute http(s); every datetime is timezone-aware UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


class Value:
    """Base of the frozen value types: pickled as their field values (the parse cache holds them).

    A slotted dataclass otherwise unpickles through a generic `__setstate__` that looks its fields up
    for every object, which made a 100,000-document cache take seconds longer to load."""

    __slots__ = ()

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        names: tuple[str, ...] = self.__slots__  # the subclass's: a slotted dataclass lists its fields
        return type(self), tuple(getattr(self, name) for name in names)


@dataclass(frozen=True, slots=True)
class Image(Value):
    url: str
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class Provider(Value):
    slug: str
    name: str
    domain: str | None = None

    @property
    def uri(self) -> str | None:
        return f"https://{self.domain}/" if self.domain else None


@dataclass(frozen=True, slots=True)
class Topic(Value):
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class Related(Value):
    """Another article, as a document lists it under `related`."""

    url: str
    title: str
    provider: str | None = None
    published: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Article(Value):
    """One document, read and cleaned. Whether it is shown is the index's decision, not this value's."""

    path: str  # relative to the content root, with forward slashes
    url: str  # the article URL: also its feed id
    title: str
    excerpt: str
    published: dt.datetime  # publishedDateTime, UTC
    flagged_published: bool  # False when the document says `published: false`
    provider: Provider | None
    topics: tuple[Topic, ...] = ()
    image: Image | None = None
    related: tuple[Related, ...] = ()
    quality: int | None = None
    heat: int | None = None
    kind: str | None = None  # the document's `type`

    @property
    def id(self) -> str:
        return self.url
