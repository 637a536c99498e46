"""gzip of an export's files by zlib (the standard library's) and by zlib-ng, level by level.

    .venv/bin/python -m bench.gzip_bench [--size 20050] [--rounds 3] [--corpora DIR]

Exports a generated corpus (bench/generate.py) once, with one process, then compresses every file
it wrote (not the `.gz` beside each) with each compressor at each level, as one gzip member as
`Representation.gzipped` makes it: the CPU time, best of --rounds, and the compressed bytes as a
share of the raw bytes, each beside zlib level 6's (the ratio columns). Which level and compressor
the service uses, and why: docs/performance.md, "gzip".
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

from zlib_ng import zlib_ng

from bench.startup_bench import corpus
from feeds.export import export, pages
from feeds.representation import GZIP_WBITS
from feeds.service import FeedService
from feeds.settings import read_settings

LEVELS = (1, 4, 5, 6, 7, 9)
Compress = Callable[[bytes, int], bytes]
COMPRESSORS: dict[str, Compress] = {
    "zlib": lambda data, level: zlib.compress(data, level, wbits=GZIP_WBITS),
    "zlib-ng": lambda data, level: zlib_ng.compress(data, level, wbits=GZIP_WBITS),
}


def exported_files(root: Path, work: Path) -> list[bytes]:
    """The bytes of every file an export of `root` writes, but the `.gz` ones and `.feeds/`."""
    environ = {
        "FEEDS_CONTENT_DIR": str(root),
        "FEEDS_PARSE_CACHE": str(work / "cache"),
        "FEEDS_DATA_DIR": str(work / "data"),
        "FEEDS_BASE_URL": "https://example.org",
    }
    settings = dataclasses.replace(read_settings(environ), watch="off")
    service = FeedService(settings)
    out = work / "out"
    export(service, out, list(pages(service, "https://example.org")), settings.caching, processes=1)
    return [
        path.read_bytes()
        for path in sorted(out.rglob("*"))
        if path.is_file() and path.suffix != ".gz" and ".feeds" not in path.parts
    ]


def measure(files: list[bytes], rounds: int) -> dict[tuple[str, int], tuple[float, int]]:
    """(compressor, level) → (best CPU seconds over `rounds`, compressed bytes), rounds interleaved."""
    best: dict[tuple[str, int], float] = {}
    sizes: dict[tuple[str, int], int] = {}
    for _ in range(rounds):
        for name, compress in COMPRESSORS.items():
            for level in LEVELS:
                start = time.process_time()
                size = sum(len(compress(data, level)) for data in files)
                spent = time.process_time() - start
                best[name, level] = min(spent, best.get((name, level), spent))
                sizes[name, level] = size
    return {key: (best[key], sizes[key]) for key in best}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", type=int, default=20_050)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--corpora", type=Path, help="keep the generated corpus here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = corpus(args.size, args.corpora or Path(tmp))
        files = exported_files(root, Path(tmp) / "work")
        raw = sum(map(len, files))
        results = measure(files, args.rounds)
    base_cpu, base_size = results["zlib", 6]
    cores = os.cpu_count()
    print(f"{len(files):,} files, {raw / 1e6:.1f} MB, from a {args.size:,}-document corpus; {cores} cores")
    print("| compressor | level | CPU s | CPU ÷ zlib 6 | size, % of raw | size ÷ zlib 6 |")
    print("|---|---:|---:|---:|---:|---:|")
    for (name, level), (cpu, size) in results.items():
        print(
            f"| {name} | {level} | {cpu:.2f} | {cpu / base_cpu:.2f} | {100 * size / raw:.2f}% "
            f"| {size / base_size:.3f} |"
        )


if __name__ == "__main__":
    main()
