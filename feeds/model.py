"""The values the rest of the service works with: cleaned, validated, immutable.

Every string here is plain text with entities decoded, tags removed and characters XML cannot
carry taken out; every URL is absolute http(s); every datetime is timezone-aware UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Image:
    url: str
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class Provider:
    slug: str
    name: str
    domain: str | None = None

    @property
    def uri(self) -> str | None:
        return f"https://{self.domain}/" if self.domain else None


@dataclass(frozen=True, slots=True)
class Topic:
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class Related:
    """Another article, as a document lists it under `related`."""

    url: str
    title: str
    provider: str | None = None
    published: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Article:
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
