"""Deletions that may be the first steps of the content folder going away.

`rm -rf content` (a deploy script, an operator's mistake) unlinks the files one by one and the folder
last. A look at the folder in the middle of a long one (a poll, the safety-net rescan, the watcher's
deletion burst read at its longest, `watch.BURST_MAX`) finds a readable folder with files missing,
which is what an author deleting documents looks like. Once the folder itself is gone, the content
directory's rule is to keep serving the last good corpus; without this module that would be the
corpus with the run's files already dropped: an emptied site.

A `DeletionRun` keeps what the documents deleted in the current run served. The run ends, and its
deletions stand as the author's, when the deletions stop: the watcher read a deletion burst that went
quiet (`settle`), a look found the folder there and nothing more deleted `QUIET` seconds or more
after the last deletion (`looked`), or `hold` seconds passed since it. If the content folder is found
unusable (gone, replaced by a file, unreadable) before then, the run is given back (`give_back`): the
corpus is as it was before the run began. A deletion a moment before a folder is lost is ambiguous;
a deletion that was seen to end stays.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .filestate import FileState
from .watch import BURST_QUIET as QUIET

HOLD_SECONDS = 3.0  # the longest a run lasts without a look; watchers that look less often ask for more


class DeletionRun:
    """The files deleted in the current run, each with the state it served when it was deleted (a file
    written again in the run and deleted again: its newer state). `clock`: monotonic seconds."""

    def __init__(self, hold: float = HOLD_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.hold = hold
        self.clock = clock
        self._states: dict[str, FileState] = {}
        self._last = 0.0  # the clock when the run last deleted a file

    def deleted(self, rel: str, state: FileState) -> None:
        """`rel`, which had `state`, was found gone from a folder that could be listed."""
        self._states[rel] = state
        self._last = self.clock()

    def written(self, rel: str) -> None:
        """A file is at `rel` again: the run's deletion of it is undone by the author, not by us."""
        self._states.pop(rel, None)

    def looked(self, since: float) -> None:
        """A look that began at `since` (the clock) found the content folder there and usable. The run
        ends if the look deleted nothing and began `QUIET` seconds or more after the run's last
        deletion (the deletions stopped), or if that deletion is `hold` seconds old."""
        if not self._states:
            return
        stopped = self._last < since and since - self._last >= QUIET
        if stopped or self.clock() - self._last >= self.hold:
            self._states = {}

    def settle(self) -> None:
        """The deletions stopped (the watcher read a burst of them after it went quiet): they stand."""
        self._states = {}

    end = settle  # the folder was read anew (back after being unusable, or another one): nothing to give

    def give_back(self) -> dict[str, FileState]:
        """The content folder was found unusable: the run's deleted files with the states to serve
        again (path → state), if its last deletion was less than `hold` seconds ago; nothing otherwise.
        The run is over either way."""
        states, self._states = self._states, {}
        return states if self.clock() - self._last < self.hold else {}
