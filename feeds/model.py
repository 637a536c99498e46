"""The values the rest of the service works with: cleaned, validated, immutable.

Every string here is plain text with entities decoded, tags removed and characters XML cannot
carry taken out; every URL is absolute http(s); every datetime is timezone-aware UTC.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class Value:
    """Base of the frozen value types: pickled as their field values (the parse cache holds them).

    A slotted dataclass otherwise unpickles through a generic `__setstate__` that looks its fields up
    for every object, which made a 100,000-document cache take seconds longer to load. The values
    are read by one `operator.attrgetter` per class, in C."""

    __slots__ = ()

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        kind = type(self)
        fields = _FIELDS.get(kind)
        if fields is None:
            fields = _FIELDS[kind] = _fields_of(kind)
        return kind, fields(self)


_FIELDS: dict[type, Callable[[Any], tuple[Any, ...]]] = {}


def _fields_of(kind: type) -> Callable[[Any], tuple[Any, ...]]:
    """A function giving a value's fields as a tuple, in the order of the class's fields."""
    names = tuple(field.name for field in dataclasses.fields(kind))
    if len(names) == 1:  # `attrgetter` of one name gives the value, not a tuple
        return lambda value: (getattr(value, names[0]),)
    return operator.attrgetter(*names)


ROOT_FIELD = "content directory"  # the `field` of a problem with the content root itself


@dataclass(frozen=True, slots=True)
class Problem(Value):
    """Something wrong with a file or folder, as data: `path` (relative to the content root, with
    forward slashes; `.` for the root), `field` (a document field, or `file`, `folder`, `front
    matter`, `ROOT_FIELD`) and `reason`, one line of plain text."""

    path: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.field}: {self.reason}"


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
    date_published: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Withheld(Value):
    """A rejected document as the index sees it: nothing to show, but its URL and its headline keep
    related links out as a hidden document's do (fail closed: its author's intent is unknown), and so
    do its other URLs (`Article.other_urls`). At least one of them is given."""

    url: str | None
    title: str | None = None
    other_urls: tuple[str, ...] = ()  # as `Article.other_urls`
    other_titles: tuple[str, ...] = ()  # headlines it served or blocked before its text gave `title`


@dataclass(frozen=True, slots=True, weakref_slot=True)
class Article(Value):
    """One document, read and cleaned. Whether it is shown is the index's decision, not this value's.
    Caches of what is derived from one article object refer to it weakly (`render.read`)."""

    path: str  # relative to the content root, with forward slashes
    url: str  # the article URL: also its feed id
    title: str
    excerpt: str
    date_published: dt.datetime  # publishedDateTime, UTC (JSON Feed's name; Atom's <published>)
    publish: bool  # the author's instruction: False when `published` is false, unclear or misspelt
    provider: Provider | None
    topics: tuple[Topic, ...] = ()
    image: Image | None = None
    related: tuple[Related, ...] = ()
    quality: int | None = None
    heat: int | None = None
    doc_type: str | None = None  # the document's `type`
    # When the entry's content last changed as served (Atom <updated>, JSON Feed date_modified): set by
    # the memory of what was published (`feeds.memory`), None where there is none (the documents alone)
    date_modified: dt.datetime | None = None
    # The other URLs the document gives for itself (`originalUrl` beside a `webUrl`, `ampWebUrl`,
    # `cdnAmpWebUrl`), where they could not be taken for its URL anyway (`docurls.other_urls`): links
    # to them go while it is hidden. Never shown.
    other_urls: tuple[str, ...] = ()
    # The other headlines it gives for itself beside `title` (`selfnames.other_headlines`: under a key
    # that misspells it, `Title`, `titel`, at any depth, as written where YAML cannot build it): links
    # titled with them go while it is hidden, as its title's do. Never shown.
    other_titles: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.url


PathContent = Article | Withheld | None  # what is at a path now, as the index sees it
