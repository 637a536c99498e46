"""Noticing changes in the content directory: watchdog (inotify) events, with polling as the fallback.

Each process (each gunicorn worker) runs its own watcher thread, started on first use after the
fork. Events only name paths; `ContentDir.refresh(paths)` decides what actually changed by the
files' signatures. A full rescan every `rescan_seconds` catches anything events missed (an
overflowed inotify queue, a content directory swapped for another).
"""

from __future__ import annotations

import logging
import os
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

log = logging.getLogger(__name__)
Mode = Literal["auto", "poll", "off"]
OnChange = Callable[[list[str] | None], object]  # changed paths, or None for "rescan everything"
RECHECK_SECONDS = (0.25, 1.0)  # when a new folder is looked into again
Identity = tuple[int, int]  # a folder's device and inode
BURST_QUIET, BURST_MAX = 0.3, 1.5  # deletions are read once no event came for 0.3 s, or after 1.5 s


def folder_identity(path: str | os.PathLike[str]) -> Identity | None:
    """(st_dev, st_ino) of the folder at `path` (symbolic links followed), or None when nothing is
    there, it is not a folder or it cannot be looked at. Another folder moved to the same path has
    another identity."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISDIR(info.st_mode) else None


class Watcher:
    """Calls `on_change` with changed paths (events), or None (everything, every `poll_seconds` when
    polling, every `rescan_seconds` beside events). With events it also looks at the root's identity
    every `poll_seconds`: inotify does not report the root itself being moved away, and a folder put in
    its place is not watched; a root gone, moved or replaced means everything is read again and a
    new root is watched anew."""

    def __init__(
        self,
        root: Path,
        on_change: OnChange,
        *,
        mode: Mode = "auto",
        poll_seconds: float = 1.0,
        rescan_seconds: float = 300.0,
        settle_seconds: float = 0.05,
        on_settled: Callable[[], object] | None = None,
        on_tick: Callable[[], object] | None = None,
    ) -> None:
        """`on_settled`: called once the paths of a deletion burst that went quiet (`BURST_QUIET`)
        were read: those deletions stopped, so they were not the start of the root itself going
        (`deletionrun`). A burst read at its longest (`BURST_MAX`) while events still come is not.
        `on_tick`: called every `poll_seconds` beside events, when nothing else looks (what is due
        without a change in the folder: the memory's)."""
        self.root = root
        self.on_change = on_change
        self.on_settled = on_settled
        self.on_tick = on_tick
        self.mode = mode
        self.poll_seconds = poll_seconds
        self.rescan_seconds = rescan_seconds
        self.settle_seconds = settle_seconds  # let a burst of events (one save) arrive before reading
        self.using = "polling"
        self._pending: set[str] = set()
        self._deleting = False  # a deletion burst lasts: paths with no file wait for its end
        self._burst_start = self._last_event = 0.0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._observer: Any = None
        self._observed: Identity | None = None  # the root the observer watches
        self._seen: Identity | None = None  # the root at the last look
        self._thread = threading.Thread(target=self._run, name="feeds-watcher", daemon=True)

    def start(self) -> None:
        self._seen = folder_identity(self.root)
        if self.mode == "auto":
            self._observer = self._start_observer()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._observer is not None:
            self._observer.stop()
        self._thread.join(timeout=5)

    def notify(self, *paths: str, deleted: bool = False) -> None:
        """Read `paths` again soon. A path with no file waits while a deletion burst lasts (until no
        event came for `BURST_QUIET`, at most `BURST_MAX`): `rm -rf` of the whole root deletes its files
        first, and once the root itself is gone nothing is read as deleted. A path whose file is there
        (written again after a deletion, say) is read at once; one file deleted still leaves the feeds
        within the bound."""
        with self._lock:
            self._pending.update(paths)
            now = time.monotonic()
            if deleted and not self._deleting:
                self._deleting, self._burst_start = True, now
            self._last_event = now
        self._wake.set()

    def _burst_end(self) -> float:
        """When the current deletion burst ends (monotonic seconds); now when there is none."""
        if not self._deleting:
            return time.monotonic()
        return min(self._last_event + BURST_QUIET, self._burst_start + BURST_MAX)

    def _take(self) -> tuple[list[str], bool]:
        """The pending paths to read now: those whose file (or folder) is there, and the others too
        once no deletion burst lasts; and whether they end a burst that went quiet."""
        with self._lock:
            now, quiet = time.monotonic(), False
            if now >= self._burst_end():
                quiet = self._deleting and now >= self._last_event + BURST_QUIET
                self._deleting = False
                ready, self._pending = self._pending, set()
            else:
                ready = {path for path in self._pending if os.path.lexists(path)}
                self._pending -= ready
        return sorted(ready), quiet

    def recheck(self, folder: str) -> None:
        """Look into a new folder again a little later. Files written into it right after it was made
        can land before inotify watches it, and then no event may name them (seen in a test: a file
        written just after `mkdir -p` reached one of two workers 2.8 s late instead of ~0.1 s)."""
        for delay in RECHECK_SECONDS:
            timer = threading.Timer(delay, self.notify, args=(folder,))
            timer.daemon = True
            timer.start()

    def _start_observer(self) -> Any:
        try:
            from watchdog.events import FileSystemEvent, FileSystemEventHandler
            from watchdog.observers import Observer
        except ImportError:  # pragma: no cover - watchdog is a dependency; polling still works without it
            return None
        watcher = self
        # The folder itself, not a link to it: watchdog reports no event for the files at the top of a
        # linked root, and names those below it by the link, a path outside the root the scan reads
        # (`ContentDir` reads `os.path.realpath` of it). A link swapped to another folder is a new root
        # (`_look_at_root`: its identity changes), watched anew.
        watched = os.path.realpath(self.root)

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                if event.src_path == watched and event.event_type in ("deleted", "moved"):
                    watcher._observed = None  # its watches went with it: watch the next root anew
                if event.is_directory and event.event_type in ("modified", "opened", "closed_no_write"):
                    return  # a child changed: its own event names it
                if event.event_type in ("opened", "closed_no_write"):
                    return  # reads change nothing
                paths = [str(p) for p in (event.src_path, getattr(event, "dest_path", "")) if p]
                deleted = event.event_type == "deleted"
                watcher.notify(
                    *(p for p in paths if event.is_directory or p.endswith(".md")), deleted=deleted
                )
                if event.is_directory and event.event_type in ("created", "moved"):
                    watcher.recheck(paths[-1])

        observer = Observer()
        self._observed = folder_identity(self.root)
        try:
            observer.schedule(Handler(), watched, recursive=True)
            observer.start()
        except OSError as exc:  # no inotify, too many watches, the folder missing: poll instead
            log.warning(
                "watching %s with events failed (%s); polling every %s s", self.root, exc, self.poll_seconds
            )
            return None
        self.using = "events"
        return observer

    def _run(self) -> None:
        last_full = last_look = time.monotonic()
        while not self._stop.is_set():
            interval = self.rescan_seconds if self._observer is not None else self.poll_seconds
            due = min(last_full + interval, last_look + self.poll_seconds)
            if self._pending:  # paths held by a deletion burst are read when it ends
                due = min(due, self._burst_end())
            self._wake.wait(timeout=max(0.0, due - time.monotonic()))
            if self._stop.is_set():
                return
            if self._wake.is_set() or self._pending:
                if self._wake.is_set():
                    time.sleep(self.settle_seconds)
                    self._wake.clear()
                paths, quiet = self._take()
                if paths:
                    self._call(paths)
                if quiet and self.on_settled is not None:
                    self._call_hook(self.on_settled, "settling the deletions read")
            if time.monotonic() - last_full >= interval:
                self._call(None)
                last_full = last_look = time.monotonic()
            elif time.monotonic() - last_look >= self.poll_seconds:
                if self._observer is not None:
                    self._look_at_root()
                    if self.on_tick is not None:
                        self._call_hook(self.on_tick, "recording what is due")
                last_look = time.monotonic()

    def _look_at_root(self) -> None:
        """With events: a root gone, moved away or replaced since the last look means everything is
        read again (`on_change(None)`), and a folder at the root's path that the observer does not
        watch gets a new observer."""
        now = folder_identity(self.root)
        if now == self._seen and (now is None or now == self._observed):
            return
        self._seen = now
        if now is not None and now != self._observed:
            self._observer.stop()
            self._observer = self._start_observer()
            if self._observer is None:
                self.using = "polling"
        self._call(None)

    def _call_hook(self, hook: Callable[[], object], what: str) -> None:
        try:
            hook()
        except Exception:
            log.exception("%s failed", what)

    def _call(self, paths: list[str] | None) -> None:
        try:
            self.on_change(paths)
        except Exception:  # a watcher that dies silently would freeze the corpus: log and keep going
            log.exception("refreshing the corpus failed; will try again")
