"""The service without HTTP: a corpus, its current index, and rendered feeds cached per version.

`web` and `cli` talk to this; it never imports Flask. Each render is keyed by the index it came
from, so cached bytes and their ETags always follow the corpus version they were made from.
"""

from __future__ import annotations

import datetime as dt
import gc
import gzip
import logging
import os
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

from .cache import ByteLRU
from .corpus import DEFAULT_MAX_BYTES, ContentDir, Corpus
from .index import ALL, FeedKey, FeedQuery, Group, Index, Kind
from .model import Article
from .parsecache import ParseCache
from .render import FeedMeta, html, render_atom, render_json, render_rss
from .render.body import short_date
from .render.fingerprint import fingerprint, fingerprint_of
from .render.fragments import Fragments
from .render.meta import EPOCH
from .render.opml import OPML_TYPE, render_opml
from .watch import Mode, Watcher

Format = Literal["atom", "rss", "json"]
CONTENT_TYPES: dict[Format, str] = {
    "atom": "application/atom+xml; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}
RENDERERS: dict[Format, Callable[[FeedMeta, Sequence[Article], Fragments | None], bytes]] = {
    "atom": render_atom,
    "rss": render_rss,
    "json": render_json,
}
HTML_TYPE = "text/html; charset=utf-8"
LISTINGS: tuple[tuple[str, Kind], ...] = (("Topics", "topics"), ("Providers", "providers"))
Clock = Callable[[], dt.datetime]


log = logging.getLogger("feeds")


class _ProgressLog:
    """Logs a long read every tenth of the way, not every chunk (a million documents are 2,000 chunks)."""

    def __init__(self) -> None:
        self._tenth = -1

    def __call__(self, done: int, total: int) -> None:
        tenth = 10 * done // max(1, total)
        if tenth != self._tenth:
            self._tenth = tenth
            log.info("read %d of %d documents (%d%%)", done, total, 100 * done // max(1, total))


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Representation:
    """One response body (a feed page in one format, or a site document): validators at once, bytes
    (and gzip) on first use.

    The ETag is a fingerprint of the renderer's inputs (`render.fingerprint`), so a conditional
    request is answered without rendering; bytes are rendered once and compressed once, then kept.
    `last_modified` (aware UTC) is the newest date truncated to whole seconds, the resolution of an
    HTTP date (RFC 9110 §5.6.7), so a client that sends back the `Last-Modified` it was given in
    `If-Modified-Since` compares equal to it.
    """

    __slots__ = ("_body", "_gzip", "_render", "content_type", "etag", "key", "last_modified", "weight")

    def __init__(
        self,
        key: Hashable,
        content_type: str,
        etag: str,
        last_modified: dt.datetime,
        render: Callable[[], bytes],
        weight: int = 0,
    ) -> None:
        self.key = key  # its cache key
        self.content_type = content_type
        self.etag = etag
        self.last_modified = last_modified.replace(microsecond=0)
        self.weight = weight  # bytes its inputs hold, for the cache bound
        self._render = render
        self._body: bytes | None = None
        self._gzip: bytes | None = None

    @classmethod
    def feed(
        cls,
        key: Hashable,
        fmt: Format,
        meta: FeedMeta,
        articles: tuple[Article, ...],
        fragments: Fragments | None = None,
    ) -> Representation:
        newest = articles[0].published if articles else EPOCH
        render = RENDERERS[fmt]
        return cls(
            key,
            CONTENT_TYPES[fmt],
            fingerprint(fmt, meta, articles),
            newest,
            lambda: render(meta, articles, fragments),
            64 * len(articles),
        )

    @property
    def version(self) -> int:
        """The index version this was made from: every cache key starts with it."""
        return cast(int, cast(tuple[object, ...], self.key)[0])

    def body(self) -> bytes:
        if self._body is None:  # two threads may both render; the bytes are identical either way
            self._body = self._render()
        return self._body

    def gzipped(self) -> bytes:
        if self._gzip is None:  # mtime=0: the same bytes every time
            self._gzip = gzip.compress(self.body(), compresslevel=9, mtime=0)
        return self._gzip

    def size(self) -> int:
        """Bytes held, for the cache bound: what is rendered so far plus its inputs and overhead."""
        return len(self._body or b"") + len(self._gzip or b"") + self.weight + 1024


@dataclass(frozen=True, slots=True)
class Settings:
    content_dir: Path
    title: str = "Feeds"
    timezone: dt.tzinfo = dt.UTC
    limit: int = 50
    max_document_bytes: int = DEFAULT_MAX_BYTES
    cache_bytes: int = 64 * 1024 * 1024
    watch: Mode = "auto"  # "auto": filesystem events (inotify) with polling as the fallback; "poll"; "off"
    poll_seconds: float = 1.0
    rescan_seconds: float = 300.0
    parse_cache: Path | None = None  # the folder of the persistent parse cache; None: no cache
    parse_processes: int = 1  # processes reading a cold corpus


class FeedService:
    def __init__(self, settings: Settings, clock: Clock = utc_now) -> None:
        self.settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: ByteLRU[Representation] = ByteLRU(settings.cache_bytes, Representation.size)
        # Rendered entries, reused by every feed and version they appear in: a quarter more memory.
        self.fragments = Fragments(settings.cache_bytes // 4)
        cache = settings.parse_cache
        self.content = ContentDir(
            settings.content_dir,
            settings.timezone,
            settings.max_document_bytes,
            cache=ParseCache(cache, settings.content_dir, settings.timezone, settings.max_document_bytes)
            if cache is not None
            else None,
            processes=settings.parse_processes,
            progress=_ProgressLog(),
        )
        self.loaded_at = EPOCH
        self._loaded = False
        self._index = Index(clock())
        self._watcher: Watcher | None = None
        self._watcher_pid = 0

    def now(self) -> dt.datetime:
        """The service's clock: what "now" means for visibility and for cache lifetimes."""
        return self._clock()

    @property
    def corpus(self) -> Corpus:
        """Everything read, as one snapshot (O(n): for tools and tests; requests never need it)."""
        return self.content.corpus

    def load(self) -> None:
        """Read the whole corpus (the first time: from the parse cache where it can) and log the time."""
        start, before = time.perf_counter(), self.content.read_from_disk
        collecting = gc.isenabled()
        gc.disable()  # a million new objects, none of them garbage: cyclic collection passes would only
        try:  # scan them again and again (measured: 40% of a warm start at 100,000 documents)
            self.refresh(None)
        finally:
            if collecting:
                gc.enable()
            gc.freeze()  # and later collections need not scan what was loaded (no cycles in it)
        parsed = self.content.read_from_disk - before
        log.info(
            "%d documents, %d visible, read in %.1f s (%d parsed, the rest from the parse cache)",
            len(self.content),
            self._index.count(),
            time.perf_counter() - start,
            parsed,
        )

    def reload(self) -> Corpus:
        """Read the content directory (only what changed since the last read) and serve the result."""
        self.refresh(None)
        return self.corpus

    def refresh(self, paths: list[str] | None = None) -> bool:
        """Apply changes under the given paths (None: rescan all). The index applies them under its
        lock, so a request sees wholly the old or wholly the new state."""
        changes = self.content.refresh(paths)
        if changes is None and self._loaded:
            return False
        self._index.advance(self._clock())
        self._index.apply(changes or {})
        with self._lock:
            self.loaded_at, self._loaded = self._clock(), True
        return True

    def index(self) -> Index:
        """The index, with the corpus read on first use and watched from then on, and scheduled
        articles shown once their time has come."""
        if self._watcher_pid != os.getpid():
            self._watch()  # before the first read: a change made while it reads is not missed
        if not self._loaded:
            with self._lock:
                loaded = self._loaded
            if not loaded:
                self.load()
        due = self._index.valid_until
        if due is not None and self._clock() >= due:
            self._index.advance(self._clock())
        return self._index

    def _watch(self) -> None:
        """Start this process's watcher: in a gunicorn worker, after the fork (threads do not survive one)."""
        with self._lock:
            if self._watcher_pid == os.getpid():
                return
            self._watcher_pid = os.getpid()
        if self.settings.watch == "off":
            return
        self._watcher = Watcher(
            self.settings.content_dir,
            self.refresh,
            mode=self.settings.watch,
            poll_seconds=self.settings.poll_seconds,
            rescan_seconds=self.settings.rescan_seconds,
        )
        self._watcher.start()
        if self._loaded:  # read before this process existed (a fork): look again for what changed since
            self._watcher.rescan_soon()

    def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()

    def feed(
        self, key: FeedKey, fmt: Format, base_url: str, query: FeedQuery | None = None
    ) -> Representation:
        """The feed's representation (validators now, bytes on demand); `UnknownFeed` if there is none."""
        index = self.index()
        query = query or FeedQuery(limit=self.settings.limit)

        def build() -> Representation:
            group = index.group(key, query)  # UnknownFeed when there is no such feed
            meta = self.meta(group, fmt, base_url, query)
            return Representation.feed(
                (group.version, key, fmt, base_url, query), fmt, meta, group.articles, self.fragments
            )

        return self._cached((index.version, key, fmt, base_url, query), build)

    def _cached(self, key: tuple[Hashable, ...], build: Callable[[], Representation]) -> Representation:
        """The representation cached under `key` (which starts with the index version), or a new one
        from `build`, cached under its own key (the version of the index it was built from)."""
        found = self._cache.get(key)
        if found is None:
            found = build()
            self._cache.put(found.key, found)
        return found

    def outline(self, base_url: str) -> Representation:
        """`/feeds.opml`: every feed, grouped, for one-click subscription in a reader."""
        index = self.index()

        def build() -> Representation:
            groups = (("topics", index.summaries("topics")), ("providers", index.summaries("providers")))
            entries = tuple(
                (kind, tuple((s.name, s.key.path) for s in summaries)) for kind, summaries in groups
            )
            newest = max((s.newest for _, summaries in groups for s in summaries), default=EPOCH)
            title = self.settings.title
            return Representation(
                (index.version, "opml", base_url),
                OPML_TYPE,
                fingerprint_of("opml", title, base_url, newest, entries),
                newest,
                lambda: render_opml(title, base_url, newest, entries),
                64 * len(entries),
            )

        return self._cached((index.version, "opml", base_url), build)

    def cached(self, key: Hashable) -> Representation | None:
        """A representation still in the render cache, by its key (`fast` looks them up on each hit)."""
        return self._cache.get(key)

    def body(self, representation: Representation, gzipped: bool = False) -> bytes:
        """The representation's bytes, rendered (and compressed) at most once while it is cached."""
        before = representation.size()
        data = representation.gzipped() if gzipped else representation.body()
        if representation.size() != before:
            self._cache.put(representation.key, representation)  # count the new bytes against the bound
        return data

    def meta(self, group: Group, fmt: Format, base_url: str, query: FeedQuery | None = None) -> FeedMeta:
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
        feed_url = f"{base_url}/{key.path}.{fmt}"
        query = query or FeedQuery(limit=self.settings.limit)
        self_url, paging = self.paging(group, feed_url, query)
        return FeedMeta(title, subtitle, feed_url, page, base_url, self_url, paging, site_title=site)

    def paging(self, group: Group, url: str, query: FeedQuery) -> tuple[str, tuple[tuple[str, str], ...]]:
        """This page's URL, and RFC 5005 §3 links to the first, previous, next and last pages."""

        def at(n: int) -> str:
            return url + query.query_string(n, self.settings.limit)

        links: list[tuple[str, str]] = []
        if group.pages > 1:
            links.append(("first", at(1)))
            if group.page > 1:
                links.append(("previous", at(group.page - 1)))
            if group.page < group.pages:
                links.append(("next", at(group.page + 1)))
            links.append(("last", at(group.pages)))
        return at(group.page), tuple(links)

    # --- HTML pages ---------------------------------------------------------------------------------

    def home_page(self, base_url: str) -> Representation:
        index = self.index()
        cache_key = (index.version, "home", base_url)

        def build() -> Representation:
            listings = tuple(
                html.Listing(
                    heading, tuple((s, html.Chart(index.months(s.key))) for s in index.summaries(kind))
                )
                for heading, kind in LISTINGS
            )
            articles = index.group(ALL, FeedQuery(limit=1)).articles
            newest = articles[0].published if articles else EPOCH
            etag, render = html.index_page(
                self.settings.title, base_url, index.count(), short_date(newest) if articles else "", listings
            )
            return Representation(cache_key, HTML_TYPE, etag, newest, render, 256 * index.count("topics"))

        return self._cached(cache_key, build)

    def feed_page(self, key: FeedKey, base_url: str, query: FeedQuery) -> Representation:
        index = self.index()

        def build() -> Representation:
            group = index.group(key, query)
            _, paging = self.paging(group, f"{base_url}/{key.path}", query)
            etag, render = html.feed_page(
                self.settings.title,
                base_url,
                group.name,
                key.path,
                group.articles,
                paging,
                page=group.page,
                pages=group.pages,
            )
            newest = group.articles[0].published if group.articles else EPOCH
            cache_key = (group.version, "page", key, base_url, query)
            return Representation(cache_key, HTML_TYPE, etag, newest, render, 64 * len(group.articles))

        return self._cached((index.version, "page", key, base_url, query), build)
