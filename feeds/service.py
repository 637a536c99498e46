"""The service without HTTP: a corpus, its current index, and rendered feeds cached per version.

`web` and `cli` talk to this; it never imports Flask. Each render is keyed by the index it came
from, so cached bytes and their ETags always follow the corpus version they were made from.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .cache import ByteLRU
from .corpus import DEFAULT_MAX_BYTES, Corpus, load_corpus
from .index import FeedKey, Group, Index
from .render import FeedMeta, render_atom, render_rss
from .render.meta import EPOCH

Format = Literal["atom", "rss"]
CONTENT_TYPES: dict[Format, str] = {
    "atom": "application/atom+xml; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8",
}
Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class Rendered:
    """A feed's bytes with its validators."""

    body: bytes
    content_type: str
    etag: str  # strong, from the bytes: it changes exactly when they do
    last_modified: dt.datetime  # the newest entry's date

    @classmethod
    def of(cls, body: bytes, content_type: str, last_modified: dt.datetime) -> Rendered:
        return cls(body, content_type, hashlib.sha256(body).hexdigest()[:32], last_modified)


@dataclass(frozen=True, slots=True)
class Settings:
    content_dir: Path
    title: str = "Feeds"
    timezone: dt.tzinfo = dt.UTC
    limit: int = 50
    max_document_bytes: int = DEFAULT_MAX_BYTES
    cache_bytes: int = 64 * 1024 * 1024


class FeedService:
    def __init__(self, settings: Settings, clock: Clock = utc_now) -> None:
        self.settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: ByteLRU[Rendered] = ByteLRU(settings.cache_bytes, lambda r: len(r.body) + 512)
        self.corpus = Corpus()
        self.loaded_at = EPOCH
        self._versions = itertools.count(1)
        self._index = Index(self.corpus, clock(), 0)

    def reload(self) -> Corpus:
        """Read the content directory again and make it the current corpus."""
        corpus = load_corpus(
            self.settings.content_dir, self.settings.timezone, self.settings.max_document_bytes
        )
        index = Index(corpus, self._clock(), next(self._versions))
        with self._lock:
            self.corpus, self._index, self.loaded_at = corpus, index, self._clock()
        return corpus

    def index(self) -> Index:
        """The current index (the corpus is read on first use); rebuilt when a scheduled article's time
        has come."""
        if self.loaded_at is EPOCH:
            with self._lock:
                loaded = self.loaded_at is not EPOCH
            if not loaded:
                self.reload()
        index = self._index
        if index.valid_until is not None and self._clock() >= index.valid_until:
            with self._lock:
                if self._index is index:
                    self._index = Index(self.corpus, self._clock(), next(self._versions))
                index = self._index
        return index

    def feed(self, key: FeedKey, fmt: Format, base_url: str) -> Rendered:
        """The feed's bytes; `UnknownFeed` when it does not exist."""
        index = self.index()
        group = index.group(key)
        cache_key = (index.version, key, fmt, base_url)
        cached = self._cache.get(cache_key)
        if cached is not None:
            return cached
        articles = group.articles[: self.settings.limit]
        meta = self.meta(group, fmt, base_url)
        body = render_atom(meta, articles) if fmt == "atom" else render_rss(meta, articles)
        rendered = Rendered.of(body, CONTENT_TYPES[fmt], articles[0].published if articles else EPOCH)
        self._cache.put(cache_key, rendered)
        return rendered

    def meta(self, group: Group, fmt: Format, base_url: str) -> FeedMeta:
        site = self.settings.title
        key = group.key
        if key.kind == "all":
            title, subtitle, page = site, f"Every article on {site}, newest first", f"{base_url}/"
        else:
            noun = "topic" if key.kind == "topics" else "provider"
            title = f"{group.name} — {site}"
            subtitle = (
                f"Articles {'about' if noun == 'topic' else 'from'} {group.name} on {site}, newest first"
            )
            page = f"{base_url}/{key.path}"
        return FeedMeta(title, subtitle, f"{base_url}/{key.path}.{fmt}", page, base_url)
