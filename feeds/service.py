"""The service without HTTP: the lifecycle (first read, a watcher per process, scheduled articles)
and the render cache of representations per corpus version.

`web`, `fast`, `cli` and `export` talk to this; it never imports Flask. Every cached representation
is keyed by the index version it came from, so cached bytes and their ETags always follow the corpus
version they were made from. What a response says is `presentation`'s business.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import os
import threading
import time
from collections.abc import Callable, Hashable, Iterator

from . import presentation
from .corpus import ContentDir
from .feedkeys import FeedKey, FeedQuery
from .forks import hold_across_fork
from .httppolicy import Format
from .index import Index
from .loadlog import ProgressLog, log_read
from .model import ROOT_FIELD
from .parsecache import ParseCache
from .recorder import Recorder
from .render.fragments import Fragments
from .render.meta import EPOCH
from .representation import RenderCache, Representation
from .settings import Settings
from .snapshot import Corpus
from .watch import Mode, Watcher

Clock = Callable[[], dt.datetime]
NO_DOCUMENTS = f"{ROOT_FIELD}: holds no documents (no *.md file with front matter)"


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
        self._refreshing = threading.RLock()  # one refresh at a time, and never a fork in the middle of one
        # Rendered representations of the newest corpus version, bounded by FEEDS_CACHE_BYTES.
        self.cache = RenderCache(settings.cache_bytes)
        # Rendered entries, reused by every feed and version they appear in: a quarter more memory.
        self.fragments = Fragments(settings.cache_bytes // 4)
        folder, tz, limit = settings.parse_cache, settings.timezone, settings.max_document_bytes
        parsed = ParseCache(folder, settings.content_dir, tz, limit, lean) if folder is not None else None
        processes, progress = settings.parse_processes, ProgressLog()
        self.content = ContentDir(
            settings.content_dir, tz, limit, cache=parsed, processes=processes, progress=progress, lean=lean
        )
        # A deletion run is given back if a look within two polls finds the root gone (`deletionrun`)
        self.content.deletions.hold = max(self.content.deletions.hold, 2 * settings.poll_seconds + 1)
        self.loaded_at = EPOCH
        self._loaded = False
        self._index = Index(clock())
        self._read = (self._index.version, self._index.now.replace(microsecond=0))  # version, when read
        self._watcher: Watcher | None = None
        self._watcher_pid = self._ready_pid = 0  # the process whose watcher runs; whose reading is current
        self._held: Index | None = None  # while `snapshot` holds the index
        self.recorder = Recorder(settings, remember)  # the memory of what was published, WebSub
        hold_across_fork(self, lambda service: (service._refreshing, service._index.lock))

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
        content, seconds = self.content, time.perf_counter() - start
        parsed = content.read_from_disk - before if content.cache else None
        empty = not content.problems and not self._holds_documents(self._index)
        visible, rejected = self._index.count(), len(content.rejected)
        log_read(self.settings.content_dir, len(content), visible, seconds, parsed, rejected, empty)

    def reload(self) -> Corpus:
        """Read the content directory (only what changed since the last read) and serve the result."""
        self.refresh(None)
        return self.corpus

    def refresh(self, paths: list[str] | None = None) -> bool:
        """Apply changes under the given paths (None: rescan all), and record them in the memory of
        what was published. Both happen under the index's lock, so a request sees wholly the old or
        wholly the new state, never a change before the memory has it."""
        with self._refreshing, self.content.first_read(paths):  # a sibling waits for the record too
            changes = self.content.refresh(paths)
            if changes is None and self._loaded and not self._memory_due():
                return False
            with self._index.lock:
                self._index.advance(self._clock())
                self._index.apply(changes or {})
                self._record()
                if self._read[0] != self._index.version or not self._loaded:
                    self._read = (self._index.version, self._clock().replace(microsecond=0))  # HTTP dates
            with self._lock:
                self.loaded_at, self._loaded = self._clock(), True
            return True

    @property
    def read_at(self) -> dt.datetime:
        """When the corpus the index holds was read (its last change from the content folder), in whole
        seconds: the date of a feed with no entry and no date in the memory (`presentation.last_modified`)."""
        return self._read[1]

    def holds_documents(self) -> bool:
        """Whether the content folder holds a document at all: an `*.md` file with front matter,
        visible, hidden, scheduled or rejected. False for an empty folder (an unmounted mount point,
        a sync that has not run), which `/healthz` reports as `NO_DOCUMENTS` when the folder could be
        read in full (a folder that cannot be read is a problem of its own: what it holds is unknown)."""
        return self._holds_documents(self.index())

    def _holds_documents(self, index: Index) -> bool:
        return bool(index.count() or index.hidden_count or self.content.rejected or self.content.stale)

    def index(self) -> Index:
        """The index, with the corpus read on first use and watched from then on, and scheduled
        articles shown once their time has come."""
        if (held := self._held) is not None:
            return held
        if self._ready_pid != os.getpid():
            self._start_here(os.getpid())
        if not self._loaded:
            with self._lock:
                loaded = self._loaded
            if not loaded:
                self.load()
        due = self._index.valid_until
        advanced = due is not None and self._clock() >= due and self._index.advance(self._clock())
        if advanced and self.recorder.memory is not None:  # off this request's path (Index.advance)
            threading.Thread(target=self._record_locked, name="feeds-memory", daemon=True).start()
        return self._index

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Index]:
        """The index as it is now, held for the block (an export): nothing changes it (other threads'
        refreshes wait; no scheduled article comes due), and processes forked in it use it as is, with
        no watcher or re-read (`_start_here`): every file an export makes is of one corpus version."""
        with self._refreshing:
            outer = self._held
            self._held = self.index()
            try:
                yield self._held
            finally:
                self._held = outer

    def _start_here(self, pid: int) -> None:
        """This process's first use: its watcher, started before the first read so that a change made
        while it reads is not missed; and where the corpus was read before the watcher started (a
        worker forked from a loaded master, `follow`), what changed since, read before it serves, so
        nothing unpublished meanwhile shows (`tests/test_fork.py`). Other threads wait for it."""
        with self._refreshing:
            if self._ready_pid != pid:
                self._watch()
                if self._loaded:
                    self.refresh(None)
                self._ready_pid = pid

    def _record_locked(self) -> None:
        with self._index.lock:
            self._record()

    def _record(self) -> None:
        if self.content.serving_cache:  # maybe older than what was published: no tombstones, and dated
            self._index.touch_all(self._clock())  # now (readers may hold later dates than its entries')
        else:
            served_before = self.content.remembered.knew  # its parse cache knew documents of the folder
            self.recorder.record(self._index, self._clock(), not self._loaded, served_before)

    def follow(self, mode: Mode = "auto") -> None:
        """Follow the content folder from now on, as `mode` says (`auto` when it is `off`): for a
        service made without a watcher so that it could fork (`export --watch` after its first export)."""
        self.settings = dataclasses.replace(self.settings, watch=mode if mode != "off" else "auto")
        self.watch_again()

    def watch_again(self) -> None:
        """Start this process's watcher again, as the settings now say, and read what changed meanwhile."""
        self._watcher_pid = self._ready_pid = 0
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
            on_settled=self.content.settle_deletions,
            on_tick=self._record_if_due,
        )
        self._watcher.start()

    def _record_if_due(self) -> None:
        """Record what the memory says is due without waiting for an event or the rescan."""
        if self._memory_due():
            self.refresh([])

    def _memory_due(self) -> bool:
        """Whether the memory has something to record by now, the folder unchanged (`Recorder.due`)."""
        return (due := self.recorder.due()) is not None and due <= self._clock()

    def memory_status(self) -> dict[str, object]:
        """For `/healthz`: `Recorder.status`."""
        return self.recorder.status()

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
        return self.cache.made(
            (index.version, key, fmt, base_url, query),
            lambda: presentation.feed(
                index, key, fmt, base_url, query, self.settings, self.fragments, self.read_at
            ),
        )

    def outline(self, base_url: str) -> Representation:
        """`/feeds.opml`: every feed, grouped, for one-click subscription in a reader."""
        index = self.index()
        return self.cache.made(
            (index.version, "opml", base_url),
            lambda: presentation.outline(index, base_url, self.settings, self.read_at),
        )

    def home_page(self, base_url: str) -> Representation:
        index = self.index()
        return self.cache.made(
            (index.version, "home", base_url),
            lambda: presentation.home_page(index, base_url, self.settings, self.read_at),
        )

    def feed_preview(self, key: FeedKey, fmt: Format, base_url: str, query: FeedQuery) -> Representation:
        """The HTML page a browser gets for a feed URL (`presentation.feed_preview`)."""
        index = self.index()
        return self.cache.made(
            (index.version, "preview", key, fmt, base_url, query),
            lambda: presentation.feed_preview(index, key, fmt, base_url, query, self.settings, self.read_at),
        )

    def feed_page(self, key: FeedKey, base_url: str, query: FeedQuery) -> Representation:
        index = self.index()
        return self.cache.made(
            (index.version, "page", key, base_url, query),
            lambda: presentation.feed_page(
                index, key, base_url, query, self.settings, self.read_at, self.fragments
            ),
        )

    def cached(self, key: Hashable) -> Representation | None:
        """A representation still in the render cache, by its key (`fast` looks them up on each hit)."""
        return self.cache.get(key)

    def body(self, representation: Representation, gzipped: bool = False) -> bytes:
        """The representation's bytes, rendered (and compressed) at most once while it is cached."""
        return self.cache.body(representation, gzipped)
