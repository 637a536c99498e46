"""Start-up and render cost at scale: cold start, warm start (parse cache), memory, first render.

    .venv/bin/python -m bench.startup_bench [--sizes 1000 100000] [--corpora DIR]

For each size, a generated corpus (bench/generate.py, shaped like the real sample), each figure from
a fresh process as a worker would start, keeping the memory of what was published (its first
sighting in the cold start, a restart's look at every entry in the warm one): a cold start (no parse
cache, reading with one process per core), a warm start (the cache the cold start wrote), the
resident memory after the warm start, and the first render of a 50-entry Atom feed (the "Probe"
topic: the same 50 documents in every generated corpus; what a new corpus version costs per feed,
since the render cache is per version), measured in rounds alternating between the sizes, the best
of each (the work's own cost: steal time on a shared VM only ever adds to it).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.generate import generate

ROOT = Path(__file__).resolve().parent.parent

PROBE = r"""
import json, os, re, statistics, sys, time
from pathlib import Path
from feeds.feedkeys import FeedKey, FeedQuery
from feeds.service import FeedService
from feeds.settings import Settings
root, cache, processes, memory = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
settings = Settings(content_dir=root, watch="off", parse_cache=Path(cache) if cache != "off" else None,
                    parse_processes=processes, data_dir=Path(memory) if memory != "off" else None)
start = time.perf_counter()
svc = FeedService(settings)
index = svc.index()
seconds = time.perf_counter() - start
rss = int(re.search(r"VmRSS:\s+(\d+)", Path("/proc/self/status").read_text()).group(1)) / 1024
peak = int(re.search(r"VmHWM:\s+(\d+)", Path("/proc/self/status").read_text()).group(1)) / 1024
# The work of a first render (select the page, its validator, its bytes) of the "Probe" topic's feed:
# the same 50 documents at every corpus size (bench/generate.py). One other feed first, so one-time
# costs (imports, lxml's first documents) are not counted; then the best of 10. "cold": entries
# never rendered before; "reused": after a corpus change, its entries already rendered (fragments).
from feeds.feedkeys import ALL
from feeds import presentation
from feeds.render import render_atom
from feeds.render.fingerprint import fingerprint
from feeds.render.fragments import Fragments
svc.body(svc.feed(ALL, "atom", "https://feeds.example"))
key, query = FeedKey("topics", "probe"), FeedQuery(limit=50)
fragments = Fragments(64 << 20)
timings = {"cold": [], "reused": []}
for kind in ("cold", "reused") * 15:
    t = time.perf_counter()
    group = index.select(key, query)
    meta = presentation.feed_meta(group, "atom", "https://feeds.example", query, svc.settings)
    etag = fingerprint("atom", meta, group.articles)
    body = render_atom(meta, group.articles, fragments if kind == "reused" else None)
    timings[kind].append((time.perf_counter() - t) * 1e3)
    assert body.count(b"<entry>") == 50 == len(group.articles)
# The first ones also pay for fresh memory pages (a small heap's process); of the rest, the fastest:
# the cost of the work itself, without the time other processes on a shared machine took meanwhile.
render = min(timings["cold"][5:])
reused = min(timings["reused"][5:])
print(json.dumps({"seconds": seconds, "rss_mb": rss, "peak_mb": peak, "parsed": svc.content.read_from_disk,
                  "documents": len(svc.content), "visible": index.count(),
                  "render_ms": render, "reused_ms": reused}))
"""


@dataclass(frozen=True)
class Startup:
    documents: int
    visible: int
    cold_s: float
    cold_parsed: int
    warm_s: float
    warm_parsed: int
    rss_mb: float
    peak_mb: float
    render_ms: float
    reused_ms: float
    processes: int
    cache_mb: float = 0.0  # the parse cache file on disk


def probe(root: Path, cache: str, processes: int, memory: str = "off") -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(root), cache, str(processes), memory],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=3600,
    ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def startup(root: Path, work: Path) -> Startup:
    processes = os.cpu_count() or 1
    cache = work / f"cache-{root.name}"
    memory = str(work / f"memory-{root.name}")  # a worker keeps the memory of what was published
    cold = probe(root, str(cache), processes, memory)
    print(f"  {root.name}: cold {cold['seconds']:.1f} s", file=sys.stderr)
    warm = probe(root, str(cache), processes, memory)
    print(f"  {root.name}: warm {warm['seconds']:.1f} s, {warm['rss_mb']:.0f} MB", file=sys.stderr)
    cache_bytes = sum(f.stat().st_size for f in cache.glob("*.pickle"))
    return Startup(
        int(warm["documents"]),
        int(warm["visible"]),
        cold["seconds"],
        int(cold["parsed"]),
        warm["seconds"],
        int(warm["parsed"]),
        warm["rss_mb"],
        max(warm["peak_mb"], cold["peak_mb"]),
        warm["render_ms"],
        warm["reused_ms"],
        processes,
        cache_bytes / 1e6,
    )


def render_rounds(rows: list[Startup], roots: list[Path], work: Path, rounds: int = 3) -> list[Startup]:
    """The render figures again, from fresh warm processes alternating between the corpora, `rounds`
    times: the best per corpus, so that a slow minute on a shared machine hits every size alike."""
    measured: dict[Path, list[dict[str, float]]] = {root: [] for root in roots}
    for _ in range(rounds):
        for root in roots:
            memory = str(work / f"memory-{root.name}")
            measured[root].append(probe(root, str(work / f"cache-{root.name}"), os.cpu_count() or 1, memory))
    result = []
    for row, root in zip(rows, roots, strict=True):
        runs = measured[root]
        result.append(
            dataclasses.replace(
                row,
                render_ms=min(r["render_ms"] for r in runs),
                reused_ms=min(r["reused_ms"] for r in runs),
                warm_s=min([row.warm_s] + [r["seconds"] for r in runs]),  # each round is a warm start too
                rss_mb=max([row.rss_mb] + [r["rss_mb"] for r in runs]),  # memory: the worst
            )
        )
    return result


def corpus(size: int, corpora: Path) -> Path:
    """A generated corpus of `size` documents, made once and kept under `corpora`."""
    root = corpora / f"corpus-{size}"
    if not (root / ".complete").exists():
        generate(root, size)
        (root / ".complete").write_text("")
    return root


def table(rows: list[Startup]) -> list[str]:
    lines = [
        "| documents | visible | cold start s | warm start s | parsed when warm | RSS MB | peak MB "
        "| first render ms | after a change ms | parse cache MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.documents:,} | {r.visible:,} | {r.cold_s:.1f} | {r.warm_s:.2f} | {r.warm_parsed:,} "
            f"| {r.rss_mb:.0f} | {r.peak_mb:.0f} | {r.render_ms:.2f} | {r.reused_ms:.2f} | {r.cache_mb:.0f} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--corpora", type=Path, help="keep generated corpora here (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpora = args.corpora or Path(tmp)
        roots = [corpus(size, corpora) for size in args.sizes]
        rows = render_rounds([startup(root, Path(tmp)) for root in roots], roots, Path(tmp))
    print("\n".join(table(rows)))


if __name__ == "__main__":
    main()
