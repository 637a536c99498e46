"""Re-exporting after one edit: `feeds export --watch` beside a new `feeds export` run, side by side.

    .venv/bin/python -m bench.export_watch_bench [--size 100000] [--edits 5]

A generated corpus (bench.generate, 85% unpublished) is exported once with a warm parse cache; then
each edit rewrites the title of the newest visible document and is measured twice, interleaved:
1. `feeds export OUT --watch` running: from the write to the new title in OUT/all.atom (wall), and
   the export's own report (files written, its milliseconds);
2. a new `feeds export OUT2` process over the same corpus (parse cache warm, memory warm): its wall.
Medians; the ratio is 2 over 1.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.generate import generate
from tests.servers import eventually

FEEDS = Path(sys.executable).parent / "feeds"
BASE = "https://feeds.example"


def newest_visible(root: Path) -> Path:
    """The visible document with the latest date (it is on page 1 of the all feed)."""
    best: tuple[str, Path] | None = None
    now = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())  # a scheduled one is not in the feed yet
    for path in root.rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"^published: (true|yes)\s*$", text, re.M) is None:
            continue
        date = re.search(r"^publishedDateTime: \"?([^\"\n]+)", text, re.M)
        if date and date.group(1) <= now and (best is None or date.group(1) > best[0]):
            best = (date.group(1), path)
    if best is None:
        raise SystemExit("no visible document in the generated corpus")
    return best[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--edits", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        root = generate(work / "corpus", args.size)
        env = {
            **os.environ,
            "FEEDS_CONTENT_DIR": str(root),
            "FEEDS_PARSE_CACHE": str(work / "cache"),
            "FEEDS_DATA_DIR": str(work / "memory"),
            "FEEDS_WATCH": "auto",
        }
        once = [str(FEEDS), "export", str(work / "once"), "--base-url", BASE]
        subprocess.run(once, env=env, check=True, capture_output=True)  # warms the parse cache and memory
        target = newest_visible(root)
        log = work / "watch.log"
        watch = [str(FEEDS), "export", str(work / "watched"), "--base-url", BASE, "--watch"]
        watched, reported, fresh = [], [], []
        feed = work / "watched" / "all.atom"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                watch, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
            )
            try:
                eventually(lambda: b"watching" in log.read_bytes(), 600, "the first export of --watch")
                for n in range(args.edits):
                    text = target.read_text(encoding="utf-8")
                    marker = f"[edit {n}]"
                    lines = len(log.read_bytes().splitlines())
                    start = time.perf_counter()
                    target.write_text(text.replace('title: "', f'title: "{marker} ', 1), encoding="utf-8")
                    wanted = marker.encode()
                    eventually(lambda m=wanted: m in feed.read_bytes(), 30, "the edit exported")
                    watched.append(time.perf_counter() - start)
                    eventually(lambda k=lines: len(log.read_bytes().splitlines()) > k, 10, "the report")
                    reported.append(log.read_bytes().splitlines()[-1].decode())
                    start = time.perf_counter()
                    subprocess.run(once, env=env, check=True, capture_output=True)
                    fresh.append(time.perf_counter() - start)
            finally:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
    w, f = statistics.median(watched), statistics.median(fresh)
    print(f"\nRe-export after one edit, {args.size:,} generated documents, median of {args.edits} edits\n")
    print("| export | edit → all.atom updated | ratio |")
    print("|---|---:|---:|")
    print(f"| `feeds export --watch` (running) | {w * 1000:.0f} ms | 1.0 |")
    print(
        f"| a new `feeds export` process (parse cache and memory warm) | {f * 1000:.0f} ms | {f / w:.1f}× |"
    )
    print("\n`--watch` reported:\n" + "\n".join(f"    {line}" for line in reported))


if __name__ == "__main__":
    main()
