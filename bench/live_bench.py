"""Live corpus: from a file change to the change being served, and the CPU one reload costs.

    .venv/bin/python -m bench.live_bench [--sizes 1000 10000 100000] [--repeats 5] [--corpora DIR]

For each size, a corpus from bench.generate (85% unpublished). In this process: the cold load, the
CPU time of picking up one edited file (`FeedService.refresh([path])`: one parse plus a new index),
without and with the memory of what was published (a SQLite file), and of a full rescan that finds
nothing (the watcher's periodic safety net). Then against gunicorn with 2 workers watching the
folder, keeping the memory: the wall time from rewriting a file to the first response that shows it,
and to every worker having reloaded. Every process keeps its parse cache in the work folder, as a
deployment does: the first in-process load is cold and writes it; the others start warm.
`--corpora DIR` keeps the generated corpora (and caches) there and reuses them (a million documents
take minutes to generate).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.generate import generate
from feeds.service import FeedService
from feeds.settings import Settings
from tests.servers import fetch, gunicorn

WORKERS = 2


@dataclass
class Row:
    documents: int
    visible: int
    cold_load_s: float
    warm_load_s: float
    reload_cpu_ms: float
    reload_memory_cpu_ms: float
    rescan_cpu_ms: float
    first_ms: float
    all_ms: float


def edit(path: Path, marker: str) -> None:
    """Rewrite the document with `marker` at the start of its title."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('title: "', f'title: "{marker} ', 1), encoding="utf-8")


def in_process(
    root: Path, repeats: int, parse_cache: Path, data_dir: Path | None = None
) -> tuple[FeedService, float, float, float, Path]:
    """First load (cold when `parse_cache` is empty), one reload and one empty rescan (CPU); with
    `data_dir`, keeping the memory there."""
    svc = FeedService(Settings(content_dir=root, watch="off", data_dir=data_dir, parse_cache=parse_cache))
    start = time.perf_counter()
    svc.reload()
    cold = time.perf_counter() - start
    newest = svc.index().articles[0]
    path = root / newest.path
    reload_cpu, rescan_cpu = [], []
    for n in range(repeats):
        edit(path, f"[edit {n}]")
        before = time.process_time()
        assert svc.refresh([str(path)])
        reload_cpu.append(time.process_time() - before)
        before = time.process_time()
        assert not svc.refresh(None)
        rescan_cpu.append(time.process_time() - before)
    return svc, cold, statistics.median(reload_cpu) * 1e3, statistics.median(rescan_cpu) * 1e3, path


def every_worker_up(base: str, seconds: float) -> None:
    """Cold loads take a while at 100,000 documents: wait until every worker answers."""
    pids: set[object] = set()
    deadline = time.monotonic() + seconds
    while len(pids) < WORKERS:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(pids)} of {WORKERS} workers answered within {seconds:.0f} s")
        pids.add(json.loads(fetch(f"{base}/healthz", {"Connection": "close"}).body)["pid"])
        time.sleep(0.05)


def served(base: str, path: Path, repeats: int) -> tuple[float, float]:
    firsts, alls = [], []
    for n in range(repeats):
        marker = f"[served {n}]"
        changed_at = time.time()
        start = time.monotonic()
        edit(path, marker)
        first = None
        loaded: dict[object, float] = {}
        while time.monotonic() - start < 30:
            if first is None and marker.encode() in fetch(f"{base}/all.atom").body:
                first = time.monotonic() - start
            health = json.loads(fetch(f"{base}/healthz", {"Connection": "close"}).body)
            if dt.datetime.fromisoformat(health["loaded_at"]).timestamp() >= changed_at:
                loaded.setdefault(health["pid"], time.monotonic() - start)
            if first is not None and len(loaded) == WORKERS:
                break
            time.sleep(0.005)
        else:
            raise SystemExit(f"change {n} not served by every worker within 30 s")
        firsts.append(first)
        alls.append(max(loaded.values()))
        time.sleep(0.2)
    return statistics.median(firsts) * 1e3, statistics.median(alls) * 1e3


def measure(size: int, repeats: int, work: Path) -> Row:
    root = work / f"corpus-{size}"
    if not (root / ".complete").exists():  # a corpus kept by an earlier run (--corpora) is reused
        generate(root, size)
        (root / ".complete").touch()
        print(f"  {size:,} documents generated", file=sys.stderr)
    cache = work / f"parse-cache-{size}-{time.time_ns()}"  # a new one: the first load is cold
    svc, cold, reload_ms, rescan_ms, path = in_process(root, repeats, cache)
    visible = len(svc.index().articles)
    print(f"  {size:,}: cold load {cold:.1f} s, reload {reload_ms:.1f} ms CPU", file=sys.stderr)
    del svc
    remembering, warm, memory_ms, _, _ = in_process(root, repeats, cache, work / f"memory-{size}")
    print(f"  {size:,}: warm load with the memory {warm:.1f} s", file=sys.stderr)
    del remembering
    env = {"FEEDS_DATA_DIR": str(work / f"served-memory-{size}"), "FEEDS_PARSE_CACHE": str(cache)}
    with gunicorn(root, workers=WORKERS, env=env, startup_seconds=max(30.0, size / 500)) as server:
        every_worker_up(server.base, seconds=max(30.0, size / 500))
        first_ms, all_ms = served(server.base, path, repeats)
    return Row(size, visible, cold, warm, reload_ms, memory_ms, rescan_ms, first_ms, all_ms)


def peak_rss_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--corpora", type=Path, help="keep generated corpora here and reuse them")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.corpora or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        rows = [measure(size, args.repeats, work) for size in args.sizes]
    print(
        f"\nLive corpus benchmark: median of {args.repeats} edits, gunicorn with {WORKERS} workers watching "
        f"(inotify), peak RSS of the measuring process {peak_rss_mb()} MB\n"
    )
    print(
        "| documents | visible | cold load s | warm load s | one reload, CPU ms "
        "| the same with the memory, CPU ms | rescan finding nothing, CPU ms "
        "| change → first response ms | change → every worker ms |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r.documents:,} | {r.visible:,} | {r.cold_load_s:.1f} | {r.warm_load_s:.1f} | "
            f"{r.reload_cpu_ms:.1f} | {r.reload_memory_cpu_ms:.1f} | {r.rescan_cpu_ms:.1f} | "
            f"{r.first_ms:.0f} | {r.all_ms:.0f} |"
        )


if __name__ == "__main__":
    main()
