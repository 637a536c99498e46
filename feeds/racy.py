"""Racily clean signatures: when a file's unchanged signature does not prove its bytes unchanged.

A signature (size, ctime, inode: `scan.Signature`) says a file is as it was read only if any later
write moves its ctime. A file system stamps times from a clock that moves in ticks: the kernel's
coarse clock (`CLOCK_REALTIME_COARSE`, 1-10 ms), or whole seconds on some (ext2 and ext3 with
128-byte inodes, HFS+, a FAT file's two). Two writes in one tick share one ctime; a file read between
them and written again with its size kept (`published: true ` to `published: false`) keeps its
signature, and the edit would go unseen for as long as the file is not written again. This is git's
"racy git" problem (Documentation/technical/racy-git.txt), and the cure is git's: a read that began
before the ctime's tick surely ended does not vouch for the signature.

`wait_out` waits, before a read, for the ticks of the files to be read to end, when that takes at
most `WAIT_NS` (the usual case: a tick of the kernel's clock); `kept` gives the signature to record
after the read: the file's own, or, where its tick had not surely ended when the read began, a
`marked` one that equals no scan's, so the next look at the file reads it again.

A file system whose clock is not this machine's (NFS, SMB) and runs behind it by more than a tick
can still hide such an edit; one that runs ahead only makes files read again until it is passed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from .scan import Signature

# The kernel's coarse clock: how far a file's time may lag the time read here (CLOCK_REALTIME_COARSE
# is clock id 5 on Linux, not named by Python's `time`); 10 ms where it cannot be asked.
try:
    TICK_NS = max(1, round(time.clock_getres(5) * 1e9))
except (OSError, AttributeError):  # not Linux
    TICK_NS = 10_000_000
# A file system's own granularity, judged from a time's trailing zeros: a second's worth of them
# on a fine clock happens once in a billion files, and then costs one read more.
GRANULES_NS = (2_000_000_000, 1_000_000_000, 10_000_000, 1_000_000, 1_000)
LONGEST_NS = GRANULES_NS[0] + TICK_NS  # a ctime older than this before a read is surely settled
WAIT_NS = 50_000_000  # the longest a read waits for its files' ticks to end; longer: `marked`


def granule_ns(ctime_ns: int) -> int:
    """The file system's time granularity as a time shows it (ns): 2 s, 1 s, 10 ms, 1 ms, 1 µs or 1."""
    for granule in GRANULES_NS:
        if ctime_ns % granule == 0:
            return granule
    return 1


def settled_from(ctime_ns: int) -> int:
    """The wall-clock time (ns) from which a read proves a file with this ctime unchanged since: no
    later write can be stamped with the same time."""
    return ctime_ns + granule_ns(ctime_ns) + TICK_NS


def wait_out(signatures: Iterable[Signature]) -> int:
    """Sleeps until every file of `signatures` (those about to be read) is settled, when that takes
    at most `WAIT_NS`; returns the time (`time.time_ns()`) the reads begin from, for `kept`. One pass,
    and no sleep when none was written in the last `LONGEST_NS`."""
    now = time.time_ns()
    recent = [s[1] for s in signatures if s[1] > now - LONGEST_NS]
    waits = [w for c in recent if 0 < (w := settled_from(c) - now) <= WAIT_NS]
    if not waits:
        return now
    time.sleep(max(waits) / 1e9)
    return time.time_ns()


def kept(signature: Signature, read_from: int) -> Signature:
    """The signature to record for a file read from `read_from` (ns, `wait_out`): its own once
    settled, else `marked`."""
    if settled_from(signature[1]) <= read_from:
        return signature
    return marked(signature)


def marked(signature: Signature) -> Signature:
    """A signature no scan gives (its ctime negative, below `scan.UNREADABLE`'s): the file is read
    again at the next look, and a parse cache holding it is not taken for the file."""
    size, ctime, inode = signature
    return (size, -ctime - 2, inode)
