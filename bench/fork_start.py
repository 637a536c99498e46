"""A worker forked from a process that read the corpus (`gunicorn --preload`) against a worker that
reads it itself from the parse cache (a warm start), side by side in one run.

    .venv/bin/python -m bench.fork_start CORPUS [--workers 2] [--cache DIR] [--memory DIR]

One process reads CORPUS as a worker does (the parse cache and the memory of what was published as
given; the first run fills them) and follows it (inotify), as a `--preload` master does; then it
forks `--workers` workers at once. Each reads what changed since the load (`FeedService.index`), then
renders the first page of one feed (the "Probe" topic of `bench/generate.py`, or the feed of all
articles); it reports the seconds from the fork to those bytes, and its resident (RSS) and
proportional (PSS: shared pages divided among the processes sharing them) memory while all of them
are alive. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from feeds.errors import UnknownFeedError
from feeds.feedkeys import ALL, FeedKey
from feeds.service import FeedService
from feeds.settings import Settings

BASE = "https://feeds.example"


def memory_mb() -> dict[str, float]:
    """This process's RSS and PSS in MB (Linux: /proc/self/smaps_rollup)."""
    text = Path("/proc/self/smaps_rollup").read_text()
    return {
        name.lower(): int(re.search(rf"^{name}:\s+(\d+) kB", text, re.M).group(1)) / 1024  # type: ignore[union-attr]
        for name in ("Rss", "Pss")
    }


def first_page(service: FeedService) -> int:
    """The bytes of a first request: the Probe topic's Atom feed, or all articles' when there is none."""
    try:
        representation = service.feed(FeedKey("topics", "probe"), "atom", BASE)
    except UnknownFeedError:
        representation = service.feed(ALL, "atom", BASE)
    return len(service.body(representation))


def worker(service: FeedService, forked_at: float, report: int, go: int) -> None:
    """In a forked child: catch up, answer, report, wait until every worker has reported, measure."""
    service.index()
    size = first_page(service)
    seconds = time.perf_counter() - forked_at
    os.write(report, b"ready\n")
    os.read(go, 1)
    line = json.dumps({"pid": os.getpid(), "seconds": seconds, "bytes": size, **memory_mb()})
    os.write(report, line.encode() + b"\n")
    os.read(go, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cache", type=Path, help="the parse cache folder (default: a temporary one)")
    parser.add_argument("--memory", type=Path, help="FEEDS_DATA_DIR (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            content_dir=args.corpus,
            watch="auto",
            parse_cache=args.cache or Path(tmp) / "cache",
            parse_processes=os.cpu_count() or 1,
            data_dir=args.memory or Path(tmp) / "memory",
        )
        start = time.perf_counter()
        service = FeedService(settings)
        service.index()
        first_page(service)
        loaded = time.perf_counter() - start
        parsed = service.content.read_from_disk
        documents = len(service.content)
        print(f"read {documents:,} documents in {loaded:.1f} s ({parsed:,} parsed)", file=sys.stderr)
        report_r, report_w = os.pipe()
        go_r, go_w = os.pipe()
        forked_at = time.perf_counter()
        pids = []
        for _ in range(args.workers):
            pid = os.fork()
            if pid == 0:
                try:
                    worker(service, forked_at, report_w, go_r)
                finally:
                    os._exit(0)
            pids.append(pid)
        reports = os.fdopen(report_r)
        for _ in pids:
            reports.readline()  # every worker has answered
        os.write(go_w, b"x" * len(pids))
        workers = [json.loads(reports.readline()) for _ in pids]
        master = memory_mb()
        os.write(go_w, b"x" * len(pids))
        for pid in pids:
            os.waitpid(pid, 0)
    print("| process | start to first feed s | RSS MB | PSS MB |\n|---|---:|---:|---:|")
    print(f"| a warm start (this corpus read from the parse cache) | {loaded:.2f} | – | – |")
    print(f"| master (after forking) | – | {master['rss']:,.0f} | {master['pss']:,.0f} |")
    for n, w in enumerate(workers, 1):
        print(f"| worker {n}, forked | {w['seconds']:.2f} | {w['rss']:,.0f} | {w['pss']:,.0f} |")
    total = master["pss"] + sum(w["pss"] for w in workers)
    slowest = max(w["seconds"] for w in workers)
    print(f"\nforked worker start / warm start: {slowest / loaded:.3f}")
    print(f"all processes together: {total:,.0f} MB (PSS)")


if __name__ == "__main__":
    main()
