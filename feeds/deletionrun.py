"""Deletions that may be the first steps of the content folder going away.

`rm -rf content` (a deploy script, an operator's mistake) unlinks the files one by one and the folder
last. A look at the folder in the middle (a poll, the safety-net rescan, the end of the watcher's
deletion burst when the run is long) finds a readable folder with files missing, which is what an
author deleting documents looks like. Once the folder itself is gone, the content directory's rule is
to keep serving the last good corpus; without this module that would be the corpus with the run's
files already dropped, that is, an emptied site.

A `DeletionRun` keeps what the documents deleted in the current run served: deletions found by looks
less than `hold` seconds apart. If the content folder is then found unusable (gone, replaced by a
file, unreadable) within `hold` seconds of the run's last deletion, the run is given back (`give_back`)
and the corpus is as it was before it began. A look that finds the folder still there `hold` seconds
after the last deletion ends the run: those deletions were the author's, and stay.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .filestate import FileState

HOLD_SECONDS = 3.0  # the least time a run is kept; watchers that look less often ask for more (`hold`)


class DeletionRun:
    """The files deleted in the current run, each with the state it served when it was deleted (a file
    written again in the run and deleted again: its newer state). `clock`: monotonic seconds."""

    def __init__(self, hold: float = HOLD_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.hold = hold
        self.clock = clock
        self._states: dict[str, FileState] = {}
        self._last = 0.0  # the clock when the run last deleted a file

    def __len__(self) -> int:
        return len(self._states)

    def deleted(self, rel: str, state: FileState) -> None:
        """`rel`, which had `state`, was found gone from a folder that could be listed."""
        self._states[rel] = state
        self._last = self.clock()

    def written(self, rel: str) -> None:
        """A file is at `rel` again: the run's deletion of it is undone by the author, not by us."""
        self._states.pop(rel, None)

    def root_seen(self) -> None:
        """The content folder was found there and usable: a run quiet for `hold` seconds ends here."""
        if self._states and self.clock() - self._last >= self.hold:
            self._states = {}

    def end(self) -> None:
        """The run is over: the folder was read anew (back after being unusable, or another folder)."""
        self._states = {}

    def give_back(self) -> dict[str, FileState]:
        """The content folder was found unusable: the run's deleted files with the states to serve
        again (path → state), if its last deletion was less than `hold` seconds ago; nothing otherwise.
        The run is over either way."""
        states, self._states = self._states, {}
        return states if self.clock() - self._last < self.hold else {}
