"""A whole corpus read with the code of two commits, with the page cache dropped and kept.

    sudo .venv/bin/python -m bench.cold_read CORPUS --before REV [--after REV] [--rounds 5] [--processes 2]

Each round reads every file of CORPUS (as a cold start does: `bulkread.read_many`, lean, with
--processes reading processes) by the package of each commit (`read_ab.checkout`), each in a fresh
process, in interleaved rounds, twice: once right after the kernel's page cache was dropped
(`sync; echo 1 > /proc/sys/vm/drop_caches`: files come from the disk, as on a first start or after
the machine was idle long enough for the cache to be reclaimed) and once with the files just read
(in the page cache). Prints the median wall seconds of each, and before ÷ after. Dropping the page
cache needs root; without it the cold rows are left out.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile

from bench.read_ab import ab_arguments, checkout

READ = r"""
import datetime as dt, os, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from feeds.bulkread import read_many
root, processes = Path(sys.argv[2]), int(sys.argv[3])
rels = sorted(os.path.relpath(os.path.join(d, n), root) for d, _, names in os.walk(root) for n in names)
start = time.perf_counter()
reads = read_many(root, rels, dt.UTC, 1 << 20, processes, None, True)
print(time.perf_counter() - start)
"""
DROP = "/proc/sys/vm/drop_caches"


def drop_page_cache() -> bool:
    """Drop the kernel's clean page cache (after writing dirty pages out); False without root."""
    os.sync()
    try:
        with open(DROP, "w") as control:
            control.write("1\n")
    except OSError:
        return False
    return True


def main() -> None:
    parser = ab_arguments(__doc__, rounds=5)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    walls: dict[tuple[str, str], list[float]] = {}
    tmp = tempfile.gettempdir()  # not this checkout: the `feeds` of each tree is the one imported
    cold = True
    with checkout(args.before) as before, checkout(args.after) as after:
        for _ in range(args.rounds):
            for label, tree in (("before", before), ("after", after)):
                for cache in ("dropped", "kept"):
                    if cache == "dropped":
                        cold = cold and drop_page_cache()
                        if not cold:
                            continue
                    command = [sys.executable, "-c", READ, str(tree), str(args.corpus), str(args.processes)]
                    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=tmp)
                    walls.setdefault((cache, label), []).append(json.loads(done.stdout))
    print(
        f"{args.corpus}, {args.processes} reading processes; wall s, "
        f"median of {args.rounds} interleaved rounds"
    )
    if not cold:
        print(f"(the page cache could not be dropped: {DROP} needs root; the cold rows are left out)")
    print("| page cache | before | after | before ÷ after |")
    print("|---|---:|---:|---:|")
    for cache in ("dropped", "kept"):
        if (cache, "before") in walls:
            old, new = (statistics.median(walls[cache, label]) for label in ("before", "after"))
            print(f"| {cache} | {old:.2f} | {new:.2f} | {old / new:.2f} |")


if __name__ == "__main__":
    main()
