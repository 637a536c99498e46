"""`make bench`: every speed-and-scale benchmark in one run, and a table of targets beside measured figures.

    .venv/bin/python -m bench.report [--size 100000] [--corpora DIR] [--seconds 5] [--rounds 3]

1. HTTP (bench/http_bench.py): nginx static vs nginx proxy_cache, granian and gunicorn, side by side.
2. Start-up and render (bench/startup_bench.py) at 1,000 and `--size` generated documents.
3. Export (`flask --app feeds export`) of the `--size` corpus: full, then again with nothing changed,
   and nginx serving the exported folder vs nginx serving one plain static file, side by side.
Prints the detail tables and then the summary; docs/performance.md keeps the latest.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.http_bench import GRANIAN_200, GRANIAN_304, PROXY_HIT, http_benchmark, measure
from bench.http_bench import table as http_table
from bench.startup_bench import corpus, render_rounds, startup
from bench.startup_bench import table as startup_table
from tests.servers import ROOT, free_port, nginx_site, nginx_static

BIN = Path(sys.executable).parent


def export_benchmark(root: Path, work: Path, args: argparse.Namespace) -> tuple[dict[str, float], list[str]]:
    out = work / "export"
    env = {
        **os.environ,
        "FEEDS_CONTENT_DIR": str(root),
        "FEEDS_BASE_URL": "https://feeds.example",
        "FEEDS_PARSE_CACHE": str(work / "parse-cache"),
        "FEEDS_WATCH": "off",
    }
    command = [str(BIN / "flask"), "--app", "feeds", "export", str(out)]
    subprocess.run(
        command, env=env, cwd=ROOT, check=True, capture_output=True, timeout=3600
    )  # warms the cache
    timings = {}
    for label in ("export (parse cache warm, nothing on disk)", "export again (nothing changed)"):
        if label.startswith("export (") and out.exists():
            subprocess.run(["rm", "-rf", str(out)], check=True)
        start = time.perf_counter()
        done = subprocess.run(
            command, env=env, cwd=ROOT, check=True, capture_output=True, text=True, timeout=3600
        )
        timings[label] = time.perf_counter() - start
        print(f"  {label}: {timings[label]:.1f} s: {done.stdout.strip()}", file=sys.stderr)
    files = sum(1 for p in out.rglob("*") if p.is_file())
    # nginx serving the export (its generated config) vs nginx serving a plain static file: the same feed
    feed = (out / "all.atom").read_bytes()
    plain = work / "plain"
    plain.mkdir()
    (plain / "all.atom").write_bytes(feed)
    port = free_port()
    site = (out / ".feeds" / "nginx.conf").read_text().replace("listen 8080;", f"listen 127.0.0.1:{port};")
    with (
        nginx_static(plain, work / "nginx-plain") as static,
        nginx_site(site, port, work / "nginx-export", "/"),
    ):
        exported = f"http://127.0.0.1:{port}"
        rows = measure(
            [
                ("nginx, the same bytes as a static file", static + "/all.atom", {}),
                ("nginx serving the export (generated config)", exported + "/all.atom", {}),
            ],
            argparse.Namespace(seconds=args.seconds, rounds=args.rounds, connections=32),
        )
    timings["files"] = files
    timings["served ratio"] = rows[1][1].rps / rows[0][1].rps
    return timings, http_table(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--corpora", type=Path, help="keep generated corpora here (default: a temporary one)")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpora = args.corpora or work
        print("HTTP …", file=sys.stderr)
        http_rows, http_heading = http_benchmark(args.seconds, args.rounds, 32)
        print("start-up and render …", file=sys.stderr)
        roots = [corpus(n, corpora) for n in (1000, args.size)]
        small, large = render_rounds([startup(root, work) for root in roots], roots, work)
        print("export …", file=sys.stderr)
        exported, export_rows = export_benchmark(corpus(args.size, corpora), work, args)
    rps = {label: r.rps for label, r in http_rows}
    cpu = {label: r.server_cpu_us for label, r in http_rows}
    static, static_cpu = http_rows[0][1].rps, http_rows[0][1].server_cpu_us
    render_growth = large.render_ms / small.render_ms
    summary = [
        (
            "cached feed from the app alone (granian, fast path) / nginx static",
            "≥ 0.25",
            rps[GRANIAN_200] / static,
        ),
        ("304 from the app alone / 200 from the app alone", "≥ 1.00", rps[GRANIAN_304] / rps[GRANIAN_200]),
        (
            "the same, by CPU per request (nginx static's / the app's)",
            "≥ 0.25",
            static_cpu / cpu[GRANIAN_200],
        ),
        ("nginx proxy_cache HIT in front of gunicorn / nginx static", "≥ 0.80", rps[PROXY_HIT] / static),
        ("the same, by CPU per request", "≥ 0.80", static_cpu / cpu[PROXY_HIT]),
        (f"first render of a 50-entry feed at {args.size:,} documents (ms)", "< 10", large.render_ms),
        (f"first render at {args.size:,} / at 1,000 documents", "≤ 1.20", render_growth),
        ("first render after a change (entries rendered before) (ms)", "-", large.reused_ms),
        (f"warm start, {args.size:,} documents (s)", "< 5", large.warm_s),
        (f"cold start, {args.size:,} documents, {large.processes} processes (s)", "all cores", large.cold_s),
        (f"resident memory per worker, {args.size:,} documents (MB)", "≤ 400", large.rss_mb),
        (
            f"full export, {args.size:,} documents, {exported['files']:,.0f} files (s)",
            "-",
            exported["export (parse cache warm, nothing on disk)"],
        ),
        ("export again with nothing changed (s)", "-", exported["export again (nothing changed)"]),
        ("nginx serving the export / nginx static", "≈ 1", exported["served ratio"]),
    ]
    print(f"\n{http_heading}\n")
    print("\n".join(http_table(http_rows)))
    print(f"\nStart-up and render (generated corpora, {large.processes} cores)\n")
    print("\n".join(startup_table([small, large])))
    print("\nServing the export\n")
    print("\n".join(export_rows))
    print(
        f"\nSummary, {dt.datetime.now(dt.UTC).date().isoformat()}, {os.cpu_count()} cores, "
        f"{platform.machine()}, Python {platform.python_version()}\n"
    )
    print("| measure | target | measured | met |\n|---|---:|---:|:---:|")
    for label, target, value in summary:
        print(f"| {label} | {target} | {value:,.2f} | {verdict(target, value)} |")


def verdict(target: str, value: float) -> str:
    if target.startswith("≥"):
        return "yes" if value >= float(target[1:]) else "NO"
    if target.startswith("≤"):
        return "yes" if value <= float(target[1:]) else "NO"
    if target.startswith("<"):
        return "yes" if value < float(target[1:]) else "NO"
    return ""


if __name__ == "__main__":
    main()
