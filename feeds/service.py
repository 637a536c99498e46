"""The service without HTTP: the lifecycle (first read, a watcher per process, scheduled articles)
and the render cache of representations per corpus version.

`web`, `fast`, `cli` and `export` talk to this; it never imports Flask. Every cached representation
is keyed by the index version it came from, so cached bytes and their ETags always follow the corpus
version they were made from. What a response says is `presentation`'s business.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import logging
import os
import threading
import time
from collections.abc import Callable, Hashable

from . import presentation
from .cache import ByteLRU
from .corpus import ContentDir, Corpus
from .errors import ConfigError
from .feedkeys import FeedKey, FeedQuery
from .httppolicy import MEDIA_TYPES, Format
from .index import Index
from .memory import Memory, open_store, site_state
from .parsecache import ParseCache
from .render.fragments import Fragments
from .render.meta import EPOCH
from .representation import Representation
from .settings import Settings
from .text import one_line
from .watch import Watcher
from .websub import Announcer

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


class FeedService:
    def __init__(
        self, settings: Settings, clock: Clock = utc_now, remember: bool = True, lean: bool = True
    ) -> None:
        """`remember`: keep the memory of what was published (`feeds.memory`) where the settings put it;
        `lean`: read documents that are not shown only as far as the index needs them (`parse.read_text`).
        `check` does neither: it records nothing, and reports everything wrong in every document."""
        self.settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        # Rendered representations per corpus version, bounded by FEEDS_CACHE_BYTES.
        self.cache: ByteLRU[Representation] = ByteLRU(settings.cache_bytes, Representation.size)
        # Rendered entries, reused by every feed and version they appear in: a quarter more memory.
        self.fragments = Fragments(settings.cache_bytes // 4)
        cache = settings.parse_cache
        self.content = ContentDir(
            settings.content_dir,
            settings.timezone,
            settings.max_document_bytes,
            cache=ParseCache(
                cache, settings.content_dir, settings.timezone, settings.max_document_bytes, lean
            )
            if cache is not None
            else None,
            processes=settings.parse_processes,
            progress=_ProgressLog(),
            lean=lean,
        )
        self.loaded_at = EPOCH
        self._loaded = False
        self._index = Index(clock())
        self._watcher: Watcher | None = None
        self._watcher_pid = 0
        self._remember = remember
        self._memory: Memory | None = None  # opened on the first read, again in each forked process
        self._memory_pid = 0
        self._memory_error: str | None = None  # why the last write failed; None: it did not
        hubs = settings.websub_hub
        self.announcer = Announcer(hubs) if hubs and remember and settings.base_url else None

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
        cached = f"{parsed} parsed, the rest from the parse cache" if self.content.cache else "no parse cache"
        log.info(
            "%d documents, %d visible, read in %.1f s (%s)",
            len(self.content),
            self._index.count(),
            time.perf_counter() - start,
            cached,
        )
        if rejected := len(self.content.rejected):
            log.warning("%d documents rejected: run 'feeds check' to list them", rejected)

    def reload(self) -> Corpus:
        """Read the content directory (only what changed since the last read) and serve the result."""
        self.refresh(None)
        return self.corpus

    def refresh(self, paths: list[str] | None = None) -> bool:
        """Apply changes under the given paths (None: rescan all), and record them in the memory of
        what was published. Both happen under the index's lock, so a request sees wholly the old or
        wholly the new state, never a change before the memory has it."""
        changes = self.content.refresh(paths)
        expiring = (
            self._memory is not None and (due := self._memory.due()) is not None and due <= self._clock()
        )
        if changes is None and self._loaded and not expiring:
            return False
        with self._index.lock:
            self._index.advance(self._clock())
            self._index.apply(changes or {})
            self._record()
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
        advanced = due is not None and self._clock() >= due and self._index.advance(self._clock())
        if advanced and self._memory is not None:  # recorded off this request's path (see Index.advance)
            threading.Thread(target=self._record_locked, name="feeds-memory", daemon=True).start()
        return self._index

    def _record_locked(self) -> None:
        with self._index.lock:
            self._record()

    def _record(self) -> None:
        """Record the index's change in the memory (its lock held) and announce the feeds whose bytes
        changed to the WebSub hubs. When the store fails, every feed's Last-Modified moves to now
        (never a 304 for bytes a client has not seen) and the next change looks at everything again."""
        if not self._remember:
            return
        try:
            if self._memory_pid != os.getpid():
                store = open_store(self.settings)
                if store is None:
                    self._remember = False
                    return
                if self._memory is None:
                    settings = self.settings
                    state = site_state(settings)
                    self._memory = Memory(store, state, settings.tombstone_days, settings.feed_limit)
                else:
                    self._memory.store = store  # a fork: the parent's connection is not ours
                self._memory_pid = os.getpid()
            assert self._memory is not None
            observed = self._memory.observe(self._index, self._clock())
        except Exception as error:  # a database that is down must not stop the service
            if isinstance(error, ConfigError) and not self._loaded:
                raise  # at start: the service does not start without the memory it was told to keep
            log.error("the memory of what was published could not be written: %s", error)
            self._memory_error = one_line(str(error)) or type(error).__name__
            self._index.touch_all(self._clock())
            if self._memory is not None:
                self._memory.forget()
            self._memory_pid = 0  # open it again next time
            return
        self._memory_error = None
        if self.announcer is not None and observed.changed and not observed.first:
            base = self.settings.base_url
            self.announcer.announce(
                f"{base}/{path}.{fmt}" for path in sorted(observed.changed) for fmt in MEDIA_TYPES
            )

    def follow(self) -> None:
        """Follow the content folder from now on, as `FEEDS_WATCH` says (`auto` when it is `off`): for a
        service made without a watcher so that it could fork (`export --watch` after its first export)."""
        mode = self.settings.watch if self.settings.watch != "off" else "auto"
        self.settings = dataclasses.replace(self.settings, watch=mode)
        self._watcher_pid = 0
        self.index()

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

    def memory_status(self) -> dict[str, object]:
        """For `/healthz`: the store (`sqlite`, `postgresql`, None), where, the last write's error,
        WebSub announcements sent and waiting in this process."""
        store = self._memory.store if self._memory is not None else None
        return {
            "store": store.dialect if store is not None else None,
            "where": store.where if store is not None else None,
            "error": self._memory_error,
            "websub_sent": self.announcer.sent if self.announcer is not None else 0,
            "websub_pending": self.announcer.pending() if self.announcer is not None else 0,
        }

    @property
    def watching(self) -> str | None:
        """How this process follows the content folder: "events", "polling", or None (not watched)."""
        return self._watcher.using if self._watcher is not None else None

    def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()

    def feed(
        self, key: FeedKey, fmt: Format, base_url: str, query: FeedQuery | None = None
    ) -> Representation:
        """The feed's representation (validators now, bytes on demand); `UnknownFeedError` if none."""
        index = self.index()
        query = query or FeedQuery(limit=self.settings.feed_limit)
        return self._cached(
            (index.version, key, fmt, base_url, query),
            lambda: presentation.feed(index, key, fmt, base_url, query, self.settings, self.fragments),
        )

    def outline(self, base_url: str) -> Representation:
        """`/feeds.opml`: every feed, grouped, for one-click subscription in a reader."""
        index = self.index()
        return self._cached(
            (index.version, "opml", base_url), lambda: presentation.outline(index, base_url, self.settings)
        )

    def home_page(self, base_url: str) -> Representation:
        index = self.index()
        return self._cached(
            (index.version, "home", base_url), lambda: presentation.home_page(index, base_url, self.settings)
        )

    def feed_preview(self, key: FeedKey, fmt: Format, base_url: str, query: FeedQuery) -> Representation:
        """The HTML page a browser gets for a feed URL (`presentation.feed_preview`)."""
        index = self.index()
        return self._cached(
            (index.version, "preview", key, fmt, base_url, query),
            lambda: presentation.feed_preview(index, key, fmt, base_url, query, self.settings),
        )

    def feed_page(self, key: FeedKey, base_url: str, query: FeedQuery) -> Representation:
        index = self.index()
        return self._cached(
            (index.version, "page", key, base_url, query),
            lambda: presentation.feed_page(index, key, base_url, query, self.settings),
        )

    def _cached(self, key: tuple[Hashable, ...], build: Callable[[], Representation]) -> Representation:
        """The representation cached under `key` (which starts with the index version), or a new one
        from `build`, cached under its own key (the version of the index it was built from)."""
        found = self.cache.get(key)
        if found is None:
            found = build()
            self.cache.put(found.key, found)
        return found

    def cached(self, key: Hashable) -> Representation | None:
        """A representation still in the render cache, by its key (`fast` looks them up on each hit)."""
        return self.cache.get(key)

    def body(self, representation: Representation, gzipped: bool = False) -> bytes:
        """The representation's bytes, rendered (and compressed) at most once while it is cached."""
        before = representation.size()
        data = representation.gzipped() if gzipped else representation.body()
        if representation.size() != before:
            self.cache.put(representation.key, representation)  # count the new bytes against the bound
        return data
