"""The memory of what was published: what it costs to record, side by side with not recording.

    .venv/bin/python -m bench.memory_bench [--size 100000] [--repeats 9]

An index of `--size` visible articles (built in memory: this measures the memory, not YAML), in 200
topics and 50 providers, two related links each. In one run:
1. first sighting: `Memory.observe` writing every entry and feed into a new SQLite file (and into
   PostgreSQL when the distribution's server is installed: tests/pgserver.py starts one on loopback);
2. a restart: a new process's first observation over the same file (every worker does this at start);
3. one edited article: `Index.apply` alone vs `Index.apply` + `Memory.observe`, median of `--repeats`
   (what an edit costs on its way to being served, under the index's lock).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from feeds.index import Index
from feeds.memory import Memory
from feeds.model import Article, Provider, Related, Topic
from feeds.store import Store

START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def articles(size: int) -> list[Article]:
    made = []
    for n in range(size):
        made.append(
            Article(
                path=f"{n}.md",
                url=f"https://news.example/{n}",
                title=f"Story {n}",
                excerpt=f"What happened in story {n}.",
                date_published=START - dt.timedelta(minutes=n),
                publish=True,
                provider=Provider(f"p{n % 50}.example", f"Provider {n % 50}", f"p{n % 50}.example"),
                topics=(
                    Topic(f"t{n % 200}", f"Topic {n % 200}"),
                    Topic(f"t{(n * 7) % 200}", f"Topic {(n * 7) % 200}"),
                ),
                related=tuple(
                    Related(f"https://news.example/{(n + k) % size}", f"Story {(n + k) % size}")
                    for k in (1, 2)
                ),
            )
        )
    return made


def timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def run(size: int, repeats: int, opened: Callable[[], Store], name: str) -> list[str]:
    docs = articles(size)
    now = START + dt.timedelta(days=1)
    index = Index.of(docs, now)
    first = timed(lambda: Memory(opened(), "site", 30).observe(index, now))
    again = Index.of(docs, now)
    memory = Memory(opened(), "site", 30)
    restart = timed(lambda: memory.observe(again, now))
    bare = Index.of(docs, now)
    bare.drain()
    plain, remembered = [], []
    for n in range(repeats):
        edited = replace(docs[n], title=f"Story {n}, corrected")
        plain.append(timed(lambda edited=edited: bare.apply({edited.path: edited})))
        now += dt.timedelta(seconds=1)

        def record(edited: Article = edited, at: dt.datetime = now) -> None:
            with again.lock:
                again.apply({edited.path: edited})
                memory.observe(again, at)

        remembered.append(timed(record))
    p, r = statistics.median(plain) * 1000, statistics.median(remembered) * 1000
    return [
        f"| {name} | {size:,} | {first:.2f} s | {restart:.2f} s | {p:.2f} ms | {r:.2f} ms | {r / p:.1f}× |",
    ]


@contextmanager
def postgres_url(work: Path) -> Iterator[str | None]:
    from tests.pgserver import postgres, postgres_bindir

    if postgres_bindir() is None:
        yield None
        return
    with postgres(work / "pg") as url:
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    rows = [
        "| store | visible articles | first sighting | restart (each worker) | one edit: index alone"
        " | index + memory | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rows += run(args.size, args.repeats, lambda: Store.sqlite(work / "memory.sqlite3"), "SQLite (WAL)")
        with postgres_url(work) as url:
            if url is not None:
                rows += run(args.size, args.repeats, lambda: Store.postgresql(url), "PostgreSQL (loopback)")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
