"""Reading documents with the code of two commits, side by side: the cost of one document's read.

    .venv/bin/python -m bench.read_ab CORPUS --before REV [--after REV] [--documents 3000] [--rounds 3]

The same documents (a random sample of CORPUS, e.g. one `bench/generate.py` made) are read with
`bulkread.read_document` as the server and the export read them (lean), by the package of each
commit (checked out with `git worktree` in a temporary folder; `--after` defaults to the working
tree), each in a fresh process, in interleaved rounds; the best round of each is printed, hidden
documents (`published: false`) and visible ones apart, in microseconds per document.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

READ = r"""
import datetime as dt, json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from feeds.bulkread import read_document
root, rels = Path(sys.argv[2]), json.loads(sys.argv[3])
out = {}
for kind in ("hidden", "visible"):
    chosen = [r for r in rels if ("\npublished: false" in (root / r).read_text()) == (kind == "hidden")]
    start = time.perf_counter()
    for rel in chosen:
        read_document(root, rel, dt.UTC, 1 << 20, True)
    out[kind] = (time.perf_counter() - start) / max(1, len(chosen)) * 1e6
print(json.dumps(out))
"""


@contextlib.contextmanager
def checkout(rev: str | None) -> Iterator[Path]:
    """The source tree of `rev` (a temporary `git worktree`), or the working tree for None."""
    if rev is None:
        yield ROOT
        return
    with tempfile.TemporaryDirectory(prefix="feeds-ab-") as tmp:
        tree = Path(tmp) / "tree"
        git = ["git", "-C", str(ROOT), "worktree"]
        subprocess.run([*git, "add", "-q", "--detach", str(tree), rev], check=True)
        try:
            yield tree
        finally:
            subprocess.run([*git, "remove", "--force", str(tree)], check=True)


def ab_arguments(doc: str | None, rounds: int) -> argparse.ArgumentParser:
    """The arguments every A/B benchmark takes: CORPUS, --before, --after and --rounds."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--before", required=True, help="a commit: the code run first in each round")
    parser.add_argument("--after", help="a commit (default: the working tree)")
    parser.add_argument("--rounds", type=int, default=rounds)
    return parser


def main() -> None:
    parser = ab_arguments(__doc__, rounds=3)
    parser.add_argument("--documents", type=int, default=3000)
    args = parser.parse_args()
    rels = sorted(
        os.path.relpath(os.path.join(folder, name), args.corpus)
        for folder, _, names in os.walk(args.corpus)
        for name in names
        if name.endswith(".md")
    )
    rels = random.Random(5).sample(rels, min(args.documents, len(rels)))
    best: dict[tuple[str, str], float] = {}
    tmp = tempfile.gettempdir()  # not this checkout: the `feeds` of each tree is the one imported
    with checkout(args.before) as before, checkout(args.after) as after:
        for _ in range(args.rounds):
            for label, tree in (("before", before), ("after", after)):
                command = [sys.executable, "-c", READ, str(tree), str(args.corpus), json.dumps(rels)]
                done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=tmp)
                for kind, micros in json.loads(done.stdout).items():
                    best[label, kind] = min(best.get((label, kind), float("inf")), micros)
    rounds = f"best of {args.rounds} interleaved rounds"
    print(f"{len(rels)} documents of {args.corpus}; µs per document, {rounds}")
    print("| documents | before | after | before ÷ after |")
    print("|---|---:|---:|---:|")
    for kind in ("hidden", "visible"):
        old, new = best["before", kind], best["after", kind]
        print(f"| {kind} | {old:.0f} | {new:.0f} | {old / new:.2f} |")


if __name__ == "__main__":
    main()
