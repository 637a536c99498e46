"""What a renderer needs to know about the feed itself, beside its articles."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import metadata
from urllib.parse import urlsplit

# The date of a feed with no entries: fixed, so that an empty feed is as deterministic as a full one.
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _installed_version() -> str:
    """The version of the installed `feeds` distribution (PEP 566 metadata); `0+unknown` when the
    package runs from a folder that was never installed."""
    try:
        return metadata.version("feeds")
    except metadata.PackageNotFoundError:
        return "0+unknown"


VERSION = _installed_version()


@dataclass(frozen=True, slots=True)
class FeedMeta:
    title: str
    subtitle: str
    feed_url: str  # this feed's own URL: its Atom id (the same for every page)
    page_url: str  # the HTML page of the same feed: rel="alternate"
    base_url: str  # the site root, without a trailing slash
    self_url: str = ""  # this page's URL (rel="self"); the feed URL when empty
    paging: tuple[tuple[str, str], ...] = ()  # RFC 5005 (rel, URL): first, previous, next, last
    site_title: str = ""  # the site's name (FEEDS_TITLE): the feed's author
    generator_version: str = VERSION  # in the feed's generator element; part of every ETag's inputs
    # From the memory of what was published (`feeds.memory`), where there is one:
    updated: dt.datetime | None = None  # when the feed last changed (Atom <updated>); None: newest date
    hubs: tuple[str, ...] = ()  # WebSub hubs (rel="hub")
    tombstones: tuple[tuple[str, dt.datetime], ...] = ()  # RFC 6721 (ref, when), Atom only

    @property
    def self_link(self) -> str:
        return self.self_url or self.feed_url

    def paging_link(self, rel: str) -> str | None:
        return next((url for name, url in self.paging if name == rel), None)

    @property
    def topic_scheme(self) -> str:
        return f"{self.base_url}/topics/"

    def provider_feed(self, slug: str) -> str:
        return f"{self.base_url}/providers/{slug}.rss"

    @property
    def site_name(self) -> str:
        """The site as the feed's author: its title, or its host name when the title is empty;
        never empty (RFC 4287 §3.2.1: a person construct has exactly one non-empty name)."""
        return self.site_title or urlsplit(self.base_url).hostname or self.base_url

    @property
    def site_url(self) -> str:
        """The site's root URL (`base_url` and `/`): the feed author's URI."""
        return f"{self.base_url}/"
