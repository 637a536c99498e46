"""Processes forked from this one (`gunicorn --preload` forks its workers from the master that read
the corpus): what a fork must wait for, so that the child never starts from a state another thread
was half-way through changing, with locks that no thread of the child will ever release; and work
done in short-lived forks (`in_forks`), so that reading everything this process holds does not make
it copy what it shares with its own parent."""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import pickle
import signal
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Protocol, TypeVar

Owner = TypeVar("Owner")
Result = TypeVar("Result")


class Lock(Protocol):
    def acquire(self, blocking: bool = ..., timeout: float = ...) -> bool: ...

    def release(self) -> None: ...


def hold_across_fork(owner: Owner, locks: Callable[[Owner], Sequence[Lock]]) -> None:
    """Before any fork of this process, take `locks(owner)` in their order (waiting for the threads
    that hold them to finish), and let them go after it, in the parent and in the child; except a
    fork made as a helper (`helper_forks`). `owner` is held weakly: once it is gone, forks wait for
    nothing (a handler cannot be unregistered)."""
    ref = weakref.ref(owner)
    mine = threading.local()  # what this thread's fork took: two threads may fork at once

    def before() -> None:
        mine.taken = []
        if getattr(_HELPERS, "active", False) or (held := ref()) is None:
            return
        for lock in locks(held):
            lock.acquire()
            mine.taken.append(lock)

    def after() -> None:
        taken: list[Lock] = getattr(mine, "taken", [])
        while taken:
            taken.pop().release()

    os.register_at_fork(before=before, after_in_parent=after, after_in_child=after)


_HELPERS = threading.local()


@contextlib.contextmanager
def helper_forks() -> Iterator[None]:
    """Forks made by this thread within the block are helpers (`in_forks`, a pool of reading processes):
    they read only what this thread holds, never serve, and exit, so they wait for no lock
    (`hold_across_fork`). A thread forks helpers in the middle of a refresh, holding the lock another
    thread's fork (a gunicorn master forking a worker) waits for while it holds the others: waiting
    for them too would wait for ever."""
    before = getattr(_HELPERS, "active", False)
    _HELPERS.active = True
    try:
        yield
    finally:
        _HELPERS.active = before


def helper_pool(processes: int) -> ProcessPoolExecutor:
    """A pool of `processes` processes forked from this one (they inherit what it holds: nothing is
    pickled to them, and spawning would re-import a server's main module in each) that end when it
    does (`die_with_parent`)."""
    return ProcessPoolExecutor(
        processes, multiprocessing.get_context("fork"), die_with_parent, (os.getpid(),)
    )


def die_with_parent(parent: int) -> None:
    """Make this process (a helper forked by `parent`: a pool's initializer calls it) end when its parent
    does, killed (SIGKILL, an OOM kill, a deploy's timeout) or not: a pool's processes would otherwise
    wait for work for ever, orphaned (Linux `PR_SET_PDEATHSIG`; elsewhere, nothing)."""
    with contextlib.suppress(OSError, AttributeError):
        set_it = ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL) == 0
        if set_it and os.getppid() != parent:  # the parent ended before it was set: end now
            os._exit(1)


_PR_SET_PDEATHSIG = 1


def in_forks(work: Callable[[int], Result], count: int) -> list[Result] | None:
    """`work(0)` … `work(count - 1)`, each in a process forked from this one, their results pickled back
    in that order. The children see this process as it was at the fork and change nothing in it: what
    they touch (every object they read: CPython writes reference counts) is copied into them and freed
    when they exit, not into this process. None when a child could not be made or did not finish (an
    exception in `work`, a signal): the caller then does the work itself."""
    children: list[tuple[int, int]] = []
    try:
        for share in range(count):
            readable, writable = os.pipe()
            try:
                with helper_forks():
                    pid = os.fork()
            except OSError:  # no process to hand this pipe to
                os.close(readable)
                os.close(writable)
                raise
            if pid == 0:  # the child: hand the result back and leave without running anything else
                status = 1
                try:
                    os.close(readable)
                    data = pickle.dumps(work(share), protocol=pickle.HIGHEST_PROTOCOL)
                    view = memoryview(data)
                    while view:
                        view = view[os.write(writable, view) :]
                    status = 0
                finally:
                    os._exit(status)
            os.close(writable)
            children.append((pid, readable))
    except OSError:
        _reap(children)
        return None
    results: list[Result] = []
    failed = False
    for pid, readable in children:  # each read to its end in turn: a child blocked on a full pipe waits
        chunks: list[bytes] = []
        with os.fdopen(readable, "rb") as pipe:
            while chunk := pipe.read(1 << 20):
                chunks.append(chunk)
        try:
            _, status = os.waitpid(pid, 0)
            failed = failed or os.waitstatus_to_exitcode(status) != 0
        except ChildProcessError:  # reaped by another (a server's SIGCHLD handler): its bytes tell
            pass
        if failed:
            continue
        try:  # a child that failed wrote nothing, one killed while writing a part: neither loads
            results.append(pickle.loads(b"".join(chunks)))  # noqa: S301  # our own child's bytes
        except (pickle.UnpicklingError, EOFError, ValueError):
            failed = True
    return None if failed else results


def _reap(children: list[tuple[int, int]]) -> None:
    for pid, readable in children:
        os.close(readable)
        os.waitpid(pid, 0)
