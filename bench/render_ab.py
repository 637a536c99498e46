"""Making a feed again from cached entries with the code of two commits, side by side.

    .venv/bin/python -m bench.render_ab CORPUS --before REV [--after REV] [--rounds 4]

What every feed costs after an edit: a new corpus version empties the render cache, and each feed
page is assembled again from the entries rendered before. Each commit's package (a `git worktree`,
as `bench.read_ab` makes; `--after` defaults to the working tree) loads CORPUS in a fresh process
and makes the all-articles feed (50 entries) in Atom, RSS and JSON Feed 200 times each, the render
cache emptied before each; interleaved rounds, the best of each printed in microseconds per feed.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile

from bench.read_ab import ab_arguments, checkout

RENDER = r"""
import sys, tempfile, time
sys.path.insert(0, sys.argv[1])
from feeds.app import create_app
from feeds.feedkeys import ALL, FeedQuery
settings = {"TESTING": True, "CONTENT_DIR": sys.argv[2], "WATCH": "off", "PARSE_CACHE": "off",
            "DATA_DIR": tempfile.mkdtemp(), "BASE_URL": "http://bench.example"}
service = create_app(settings).extensions["feeds"]
service.index()
start = time.perf_counter()
for _ in range(200):
    service.cache.clear()
    for fmt in ("atom", "rss", "json"):
        service.body(service.feed(ALL, fmt, "http://bench.example", FeedQuery()))
print((time.perf_counter() - start) / 600 * 1e6)
"""


def main() -> None:
    args = ab_arguments(__doc__, rounds=4).parse_args()
    best = {"before": float("inf"), "after": float("inf")}
    tmp = tempfile.gettempdir()  # not this checkout: the `feeds` of each tree is the one imported
    with checkout(args.before) as before, checkout(args.after) as after:
        for _ in range(args.rounds):
            for label, tree in (("before", before), ("after", after)):
                command = [sys.executable, "-c", RENDER, str(tree), str(args.corpus.resolve())]
                done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=tmp)
                best[label] = min(best[label], float(done.stdout.split()[-1]))
    print(f"{args.corpus}: µs per 50-entry feed made again from cached entries, best of {args.rounds} rounds")
    print("| before | after | before ÷ after |")
    print("|---:|---:|---:|")
    print(f"| {best['before']:.0f} | {best['after']:.0f} | {best['before'] / best['after']:.2f} |")


if __name__ == "__main__":
    main()
