"""Recording what was published: the memory (`memory`) opened in each process that serves, and the
WebSub hubs told about feeds whose bytes changed (`websub`)."""

from __future__ import annotations

import datetime as dt
import logging
import os

from .errors import ConfigError
from .httppolicy import MEDIA_TYPES
from .index import Index
from .memory import Memory
from .memorydigests import digest_of
from .memoryrecall import recall
from .render.fingerprint import RENDERER
from .render.meta import EPOCH, VERSION
from .settings import Settings
from .store import Store
from .text import one_line
from .websub import Announcer

log = logging.getLogger("feeds")


def check_memory(settings: Settings) -> None:
    """`ConfigError` naming the setting (`FEEDS_DATABASE_URL`, `FEEDS_DATA_DIR`) when the memory it asks
    for cannot be opened (a path that is a file, a folder that cannot be written, a database that
    refuses): at start-up, where a server can still say so and stop."""
    try:
        store = open_store(settings)
    except ConfigError as error:
        variable = "FEEDS_DATABASE_URL" if settings.database_url is not None else "FEEDS_DATA_DIR"
        raise ConfigError(f"{variable}: {error}") from None
    if store is not None:
        store.close()


class Recorder:
    """The memory of one service: opened on the first record, again in each forked process (a
    connection is not shared across a fork). `remember=False` (or no store configured): records nothing."""

    def __init__(self, settings: Settings, remember: bool) -> None:
        self.settings = settings
        self.remember = remember
        self.memory: Memory | None = None
        self._pid = 0
        self.error: str | None = None  # why the last write failed; None: it did not
        self._warned = False
        self._recalled: dict[str, tuple[str, int]] | None = None  # the feeds' records `recall` read
        self._file: tuple[int, int] | None = None  # the SQLite file open: (device, inode); else None
        self._lost = False  # the file was deleted or replaced under this process, which served from it
        hubs = settings.websub_hub
        self.announcer = Announcer(hubs) if hubs and remember and settings.base_url else None

    def due(self) -> dt.datetime | None:
        """When the memory next changes by itself (a tombstone expiring), or None. After `recall`:
        at once (`EPOCH`) when another process has changed a feed's record since (a tombstone it
        expired, a scheduled article it dated), so the index is recalled again. At once, too, when the
        SQLite file was deleted or another put in its place (`_replaced`): the next record opens it."""
        if self._replaced():
            return EPOCH
        if self._recalled is not None and self.memory is not None:
            try:
                moved = self.memory.store.feeds() != self._recalled
            except Exception:  # a store that fails says so at the next recall
                moved = True
            return EPOCH if moved else None
        return self.memory.due() if self.memory is not None else None

    def record(self, index: Index, now: dt.datetime, starting: bool, served_before: bool = False) -> None:
        """Record the index's change in the memory (the index's lock held; `served_before`: see
        `Memory.observe`) and announce the feeds whose bytes changed to the WebSub hubs. When the
        store fails, every feed's Last-Modified moves to `now` (never a 304 for bytes a client has not
        seen) and the next change looks at everything again. Raises `ConfigError` only while
        `starting` (a memory that cannot be used at start-up)."""
        if not self.remember:
            return
        self._recalled = None
        try:
            memory = self._open()
            if memory is None:
                return
            if self._nothing_to_record(memory, index):
                self.recall(index, now)  # shown as the memory has it, as a standby shows it
                return
            observed = memory.observe(index, now, served_before or self._lost)
            self._lost = False
        except Exception as error:  # a database that is down must not stop the service
            if isinstance(error, ConfigError) and starting:
                raise
            log.error("the memory of what was published could not be written: %s", error)
            self.error = one_line(str(error)) or type(error).__name__
            index.touch_all(now)
            if self.memory is not None:
                self.memory.forget()
            self._pid = 0  # open it again next time
            return
        self.error = None
        if self.announcer is not None and observed.changed and not observed.first:
            base = self.settings.base_url
            self.announcer.announce(
                f"{base}/{path}.{fmt}" for path in sorted(observed.changed) for fmt in MEDIA_TYPES
            )

    def recall(self, index: Index, now: dt.datetime) -> None:
        """Show in `index` what the memory says readers were sent, recording nothing
        (`memoryrecall`): for a process serving the parse cache's corpus, which may be older than
        what was published. When the store fails, every feed is dated `now` (`Index.touch_all`)."""
        if not self.remember:
            return
        try:
            memory = self._open()
            if memory is not None:
                state = site_state(self.settings)
                self._recalled = recall(memory.store, state, self.settings.feed_limit, index, now)
        except Exception as error:  # a database that is down must not stop the service
            log.error("the memory of what was published could not be read: %s", error)
            self.error = one_line(str(error)) or type(error).__name__
            index.touch_all(now)
            self._pid = 0  # open it again next time

    def _nothing_to_record(self, memory: Memory, index: Index) -> bool:
        """An index that holds no document at all while the memory knows entries: a worker started
        over an empty folder (an unmounted volume) with no parse cache. Recording it would tombstone
        every entry; nothing is recorded until a document is there, and what the memory says readers
        were sent is shown (`recall`), so the worker dates each feed as the workers that served it."""
        if not index.holds_nothing() or not memory.store.has_entries():
            return False
        if not self._warned:
            self._warned = True
            log.warning(
                "the content folder holds no document, and the memory of what was published knows some:"
                " recording nothing until it holds one (an unmounted volume?)"
            )
        return True

    def _open(self) -> Memory | None:
        if self._replaced() and self.memory is not None:
            log.warning(
                "the memory at %s was deleted or replaced while in use: opened again", self.memory.store.where
            )
            self.memory.store.close()  # SQLite neither checkpoints nor deletes the WAL of a file moved
            self.memory.forget()
            self._pid, self._lost = 0, True
        if self._pid != os.getpid():
            store = open_store(self.settings)
            if store is None:
                self.remember = False
                return None
            self._file = _identity(store)
            if self.memory is None:
                state = site_state(self.settings)
                self.memory = Memory(store, state, self.settings.tombstone_days, self.settings.feed_limit)
            else:
                self.memory.store = store  # a fork: the parent's connection is not ours
            self._pid = os.getpid()
        return self.memory

    def _replaced(self) -> bool:
        """Whether the SQLite file this process has open is no longer at its path: deleted (`rm -rf`
        of the data folder), or another file put there (a restore). Its writes would go to a file no
        other process opens, and processes started since would date feeds apart from this one."""
        if self._file is None or self._pid != os.getpid() or self.memory is None:
            return False
        return _identity(self.memory.store) != self._file  # None: the file is gone

    def status(self) -> dict[str, object]:
        """For `/healthz`: the store (`sqlite`, `postgresql`, None), where, the last write's error,
        WebSub announcements sent and waiting in this process."""
        store = self.memory.store if self.memory is not None else None
        return {
            "store": store.dialect if store is not None else None,
            "where": store.where if store is not None else None,
            "error": self.error,
            "websub_sent": self.announcer.sent if self.announcer is not None else 0,
            "websub_pending": self.announcer.pending() if self.announcer is not None else 0,
        }


def open_store(settings: Settings) -> Store | None:
    """The store the settings ask for: PostgreSQL at `database_url`, else SQLite in `data_dir`; None
    when both are off. `ConfigError` when it cannot be opened. One per process."""
    if settings.database_url is not None:
        return Store.postgresql(settings.database_url)
    if settings.data_dir is not None:
        return Store.sqlite(settings.data_dir / "memory.sqlite3")
    return None


def _identity(store: Store) -> tuple[int, int] | None:
    """(device, inode) of a SQLite store's file, None for PostgreSQL or a file that is gone already."""
    if store.dialect != "sqlite":
        return None
    try:
        info = os.stat(store.where)
    except OSError:
        return None
    return (info.st_dev, info.st_ino)


def site_state(settings: Settings) -> str:
    """A digest of what every feed's bytes share beside its entries: the renderer, the version and
    the settings that are written into feeds. When it changes, every feed's Last-Modified moves."""
    shared = (RENDERER, VERSION, settings.title, settings.feed_limit, settings.base_url, settings.websub_hub)
    return f"{digest_of(*shared, settings.tombstone_days):032x}"
