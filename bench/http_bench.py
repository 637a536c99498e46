"""Requests per second for one cached 50-entry feed, side by side in one run, as ratios to nginx static.

    .venv/bin/python -m bench.http_bench [--seconds 5] [--rounds 3] [--connections 32]

With wrk on loopback: nginx serving the very same bytes as a static file (the baseline); nginx's
proxy_cache (deploy/nginx/feeds.conf) in front of gunicorn; granian (the README's server for speed)
answering 200 from the app's cache and 304 to If-None-Match, and 200 with the fast path off (Flask
dispatch on every hit); gunicorn as deploy/gunicorn.conf.py runs it. The cases are interleaved over
several rounds and each figure is the median round, so a noisy neighbour on a 2-core machine hits
every case alike.
Needs wrk and nginx (apt-get install wrk nginx-light).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from bench.wrk import Result, run
from tests.servers import ROOT, fetch, granian, gunicorn, nginx, nginx_static

CORPUS = ROOT / "tests" / "data" / "real"  # real documents: a 50-entry feed of about 84 KB
FEED = "/all.atom"
Case = tuple[str, str, dict[str, str]]  # label, URL, request headers


def measure(cases: list[Case], args: argparse.Namespace) -> list[tuple[str, Result]]:
    """Each case `args.rounds` times, interleaved; the median round by requests per second.

    Beside throughput, each row has the CPU the machine spent per request outside wrk (from
    /proc/stat, so the servers' own cost, not time stolen by a shared host): "CPU ratio" is nginx
    static's CPU per request over this row's, a throughput ratio that no noisy neighbour can move."""
    for _, url, headers in cases:
        run(url, seconds=1, connections=args.connections, headers=headers)  # warm-up
    results: dict[str, list[Result]] = {label: [] for label, _, _ in cases}
    for round_ in range(args.rounds):
        for label, url, headers in cases:
            result = run(url, seconds=args.seconds, connections=args.connections, headers=headers)
            results[label].append(result)
            print(f"  round {round_ + 1}: {label}: {result.rps:,.0f} req/s", file=sys.stderr)
    return [(label, sorted(rs, key=lambda r: r.rps)[len(rs) // 2]) for label, rs in results.items()]


def table(rows: list[tuple[str, Result]]) -> list[str]:
    baseline = rows[0][1].rps
    cpu = rows[0][1].server_cpu_us
    lines = [
        f"| {'server':<50} | {'req/s':>9} | {'ratio':>6} | {'CPU µs/req':>10} | {'CPU ratio':>9} "
        f"| {'p50 ms':>7} | {'p99 ms':>7} | {'errors':>6} |",
        f"|{'-' * 52}|{'-' * 10}:|{'-' * 7}:|{'-' * 11}:|{'-' * 10}:|{'-' * 8}:|{'-' * 8}:|{'-' * 7}:|",
    ]
    for label, r in rows:
        lines.append(
            f"| {label:<50} | {r.rps:>9,.0f} | {r.rps / baseline:>6.3f} | {r.server_cpu_us:>10.0f} "
            f"| {cpu / r.server_cpu_us:>9.3f} | {r.p50_ms:>7.2f} | {r.p99_ms:>7.2f} | {r.errors:>6} |"
        )
    return lines


GRANIAN_200 = "granian: 200 from the app's cache (fast path)"
GRANIAN_304 = "granian: 304 to If-None-Match (fast path)"
PROXY_HIT = "nginx proxy_cache HIT in front of gunicorn"


def http_benchmark(seconds: float, rounds: int, connections: int) -> tuple[list[tuple[str, Result]], str]:
    """Every server answering the same feed, side by side; rows (nginx static first) and a heading."""
    args = argparse.Namespace(seconds=seconds, rounds=rounds, connections=connections)
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        work = Path(tmp)
        # one public base and one memory of what was published: the same bytes from every server
        env = {"FEEDS_BASE_URL": "https://feeds.example", "FEEDS_DATA_DIR": str(work / "memory")}
        config = ["-c", str(ROOT / "deploy" / "gunicorn.conf.py")]
        cores = os.cpu_count() or 1
        app = stack.enter_context(gunicorn(CORPUS, workers=None, env=env, args=config))
        fast = stack.enter_context(granian(CORPUS, workers=cores, env=env))
        slow = stack.enter_context(granian(CORPUS, workers=cores, env={**env, "FEEDS_FAST_PATH": "false"}))
        bare = stack.enter_context(granian(CORPUS, workers=cores, env={**env, "FEEDS_DATA_DIR": "off"}))
        body = fetch(app.base + FEED)
        etag = {"If-None-Match": body.headers["ETag"]}
        static_dir = work / "static"
        static_dir.mkdir()
        (static_dir / "all.atom").write_bytes(body.body)
        static = stack.enter_context(nginx_static(static_dir, work / "nginx-static"))
        proxy = stack.enter_context(nginx(app.base, work / "nginx-proxy"))
        fetch(proxy + FEED)
        assert fetch(proxy + FEED).headers.get("X-Cache-Status") == "HIT"
        for url in (static, proxy, fast.base, slow.base):
            assert fetch(url + FEED).body == body.body, url
        assert fetch(bare.base + FEED).status == 200
        rows = measure(
            [
                ("nginx, the same bytes as a static file", static + FEED, {}),
                (PROXY_HIT, proxy + FEED, {}),
                (GRANIAN_200, fast.base + FEED, {}),
                ("granian: the same without the memory (FEEDS_DATA_DIR=off)", bare.base + FEED, {}),
                (GRANIAN_304, fast.base + FEED, etag),
                ("granian: 200 through Flask (FEEDS_FAST_PATH=false)", slow.base + FEED, {}),
                ("gunicorn: 200 from the app's cache (fast path)", app.base + FEED, {}),
                ("gunicorn: 304 to If-None-Match (fast path)", app.base + FEED, etag),
            ],
            args,
        )
    heading = (
        f"HTTP benchmark: {FEED} ({len(body.body):,} bytes, 50 entries), wrk -t2 -c{connections} "
        f"-d{seconds:g}s, median of {rounds} interleaved rounds, loopback, {cores} cores, "
        f"{platform.machine()}, Python {platform.python_version()}"
    )
    return rows, heading


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    rows, heading = http_benchmark(args.seconds, args.rounds, args.connections)
    print(f"\n{heading}\n")
    print("\n".join(table(rows)))


if __name__ == "__main__":
    main()
