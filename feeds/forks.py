"""Processes forked from this one (`gunicorn --preload` forks its workers from the master that read
the corpus): what a fork must wait for, so that the child never starts from a state another thread
was half-way through changing, with locks that no thread of the child will ever release."""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

Owner = TypeVar("Owner")


class Lock(Protocol):
    def acquire(self, blocking: bool = ..., timeout: float = ...) -> bool: ...

    def release(self) -> None: ...


def hold_across_fork(owner: Owner, locks: Callable[[Owner], Sequence[Lock]]) -> None:
    """Before any fork of this process, take `locks(owner)` in their order (waiting for the threads
    that hold them to finish), and let them go after it, in the parent and in the child. `owner` is
    held weakly: once it is gone, forks wait for nothing (a handler cannot be unregistered)."""
    ref = weakref.ref(owner)
    taken: list[Lock] = []

    def before() -> None:
        if (held := ref()) is not None:
            for lock in locks(held):
                lock.acquire()
                taken.append(lock)

    def after() -> None:
        while taken:
            taken.pop().release()

    os.register_at_fork(before=before, after_in_parent=after, after_in_child=after)
