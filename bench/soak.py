"""Load and fault soak: wrk over a mix of requests while documents are added, rewritten, corrupted and
deleted underneath a running gunicorn.

    .venv/bin/python -m bench.soak [--seconds 60] [--connections 32] [--documents 2000]

Pass: zero 5xx, zero connection errors, every visible document served at the end and nothing deleted
or replaced still served, worker memory growth under 10%. Prints a Markdown table (docs/reliability.md
keeps the latest) and exits 1 on a failure. Needs wrk (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.generate import generate
from bench.wrk import wrk_binary
from tests.helpers import document, front_matter
from tests.servers import fetch, gunicorn

LUA = r"""
local paths = {}
counts = {}  -- global: done() reads it from each thread with thread:get
local threads = {}
local n = 0
function setup(thread)
  table.insert(threads, thread)
end
local etag = ""
function init(args)
  etag = args[1]  -- the current ETag of /topics/ai.atom: conditional requests that should get a 304
  for i = 2, #args do paths[i - 1] = args[i] end
  counts = {s5xx = 0, s4xx = 0, s304 = 0, s2xx = 0}
end
function request()
  n = n + 1
  local p = paths[math.random(#paths)]
  local r = math.random()
  if r < 0.25 then
    return wrk.format("GET", "/topics/ai.atom", {["If-None-Match"] = etag})
  elseif r < 0.35 then  -- cache busting: a new query string every time
    return wrk.format("GET", p .. "?limit=" .. (1 + n % 500) .. "&utm=" .. n)
  elseif r < 0.45 then
    return wrk.format("GET", p, {["Accept-Encoding"] = "gzip"})
  end
  return wrk.format("GET", p)
end
function response(status, headers, body)
  if status >= 500 then counts.s5xx = counts.s5xx + 1
  elseif status == 304 then counts.s304 = counts.s304 + 1
  elseif status >= 400 then counts.s4xx = counts.s4xx + 1
  else counts.s2xx = counts.s2xx + 1 end
end
function done(summary, latency, requests)
  local total = {s5xx = 0, s4xx = 0, s304 = 0, s2xx = 0}
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    for k, v in pairs(c) do total[k] = total[k] + v end
  end
  io.write(string.format("SOAK %d %d %d %d %d %d %d %d %.3f %.3f\n", total.s2xx, total.s304, total.s4xx,
    total.s5xx, summary.errors.connect, summary.errors.read + summary.errors.write, summary.errors.timeout,
    summary.requests, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


@dataclass
class Mutator:
    """Rewrites, corrupts and deletes 200 documents at random, remembering what each file should serve.

    A corrupted file keeps serving its last version *the server saw* valid. When a corruption follows a
    rewrite within milliseconds the server may never have seen that rewrite, so for a corrupted file any
    one of the versions written since it was last deleted is right, and so is none of them.
    """

    root: Path
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    versions: dict[str, list[str]] = field(default_factory=dict)  # file name → URLs since its last delete
    corrupt: set[str] = field(default_factory=set)  # file names whose bytes are now broken
    mutations: int = 0

    def run(self, stop: threading.Event) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            name = f"soak/doc{self.rng.randrange(200)}.md"
            path = self.root / name
            path.parent.mkdir(exist_ok=True)
            action = self.rng.random()
            url = f"https://soak.example/{name}/{n}"
            if action < 0.5:  # add or rewrite, in place, in two halves
                text = front_matter(document(n=n, webUrl=url, title=f"Soak {n}", topics=["Soak"])).encode()
                with open(path, "wb") as handle:
                    handle.write(text[: len(text) // 2])
                    handle.flush()
                    time.sleep(0.001)
                    handle.write(text[len(text) // 2 :])
                self.versions.setdefault(name, []).append(url)
                self.corrupt.discard(name)
            elif action < 0.7 and path.exists():  # corrupt: the last good version keeps serving
                path.write_bytes(path.read_bytes()[:40] + b"\n: [broken\n")
                self.corrupt.add(name)
            elif action < 0.9 and path.exists():
                path.unlink()
                self.versions.pop(name, None)
                self.corrupt.discard(name)
            self.mutations += 1
            time.sleep(0.01)

    def mismatches(self, served: set[str]) -> tuple[list[str], list[str]]:
        """(URLs that should be served and are not, soak URLs served that should not be)."""
        missing, allowed = [], set()
        for name, urls in self.versions.items():
            if name in self.corrupt:
                allowed.update(urls)
            else:
                allowed.add(urls[-1])
                if urls[-1] not in served:
                    missing.append(urls[-1])
        extra = {url for url in served if url.startswith("https://soak.example/")} - allowed
        return sorted(missing), sorted(extra)


def worker_rss_kb(master: int) -> int:
    children = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    total = 0
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    return total


def served_urls(base: str) -> set[str]:
    urls: set[str] = set()
    url: str | None = f"{base}/all.json?limit=500"
    while url:
        feed = json.loads(fetch(url).body)
        urls |= {item["id"] for item in feed["items"]}
        url = feed.get("next_url")
    return urls


def soak(seconds: int, connections: int, documents: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        root = generate(Path(tmp) / "content", documents)
        # A small cache bound, so that the warm-up fills it and growth afterwards would be a leak.
        env = {"FEEDS_CACHE_BYTES": str(1024 * 1024), "FEEDS_BASE_URL": "http://soak.example"}
        with gunicorn(root, workers=2, env=env, startup_seconds=120) as server:
            paths = [
                "/all.atom",
                "/all.rss",
                "/all.json",
                "/",
                "/feeds.opml",
                "/topics/ai.atom",
                "/topics/ai",
                "/topics/economie.rss",
                "/providers/outlet1.example.atom",
                "/topics/soak.atom",
                "/nope.atom",
                "/healthz",
            ]
            script = Path(tmp) / "soak.lua"
            script.write_text(LUA)
            etag = fetch(f"{server.base}/topics/ai.atom").headers["ETag"]
            lua = ["-s", str(script), server.base, "--", etag, *paths]
            # Warm up with the mutator already running: the render cache fills to its bound and the
            # mutator's 200 documents exist, so growth measured afterwards is growth, not arrival.
            mutator = Mutator(root)
            stop = threading.Event()
            thread = threading.Thread(target=mutator.run, args=(stop,))
            thread.start()
            warm = [wrk_binary(), "-t2", f"-c{connections}", "-d8s", *lua]
            subprocess.run(warm, capture_output=True, check=True, timeout=60)
            before, mutations_before = worker_rss_kb(server.process.pid), mutator.mutations
            command = [wrk_binary(), "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *lua]
            out = subprocess.run(
                command, capture_output=True, text=True, check=True, timeout=seconds + 60
            ).stdout
            stop.set()
            thread.join()
            # Let the watchers apply the last changes: within the live bound (2 s; a deletion waits for
            # its burst to end, at most 1.5 s), with a margin for a loaded machine.
            deadline = time.monotonic() + 3
            while True:
                missing, extra = mutator.mismatches(served_urls(server.base))
                if not (missing or extra) or time.monotonic() > deadline:
                    break
                time.sleep(0.25)
            after = worker_rss_kb(server.process.pid)
    numbers = re.search(r"SOAK (.*)", out).group(1).split()  # type: ignore[union-attr]
    ok2, ok304, c4xx, c5xx, connect, rw, timeouts, total = (int(x) for x in numbers[:8])
    return {
        "seconds": seconds,
        "connections": connections,
        "documents": documents,
        "requests": total,
        "2xx": ok2,
        "304": ok304,
        "4xx": c4xx,
        "5xx": c5xx,
        "connection errors": connect + rw + timeouts,
        "p50 ms": float(numbers[8]),
        "p99 ms": float(numbers[9]),
        "mutations": mutator.mutations - mutations_before,
        "rss before MB": round(before / 1024, 1),
        "rss after MB": round(after / 1024, 1),
        "growth %": round(100 * (after - before) / before, 1),
        "missing visible documents": len(missing),
        "documents served that should not be": len(extra),
    }


def verdict(result: dict[str, object]) -> list[str]:
    failures = []
    if result["5xx"]:
        failures.append(f"{result['5xx']} responses were 5xx")
    if result["connection errors"]:
        failures.append(f"{result['connection errors']} connection errors")
    if result["missing visible documents"]:
        failures.append(f"{result['missing visible documents']} visible documents not served at the end")
    if extra := result["documents served that should not be"]:
        failures.append(f"{extra} deleted or replaced documents served")
    if float(result["growth %"]) >= 10:  # type: ignore[arg-type]
        failures.append(f"worker memory grew {result['growth %']}%")
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--documents", type=int, default=2000)
    args = parser.parse_args()
    result = soak(args.seconds, args.connections, args.documents)
    print("| measure | value |\n|---|---:|")
    for key, value in result.items():
        print(f"| {key} | {value:,} |" if isinstance(value, int) else f"| {key} | {value} |")
    failures = verdict(result)
    print("\nPASS" if not failures else "\nFAIL: " + "; ".join(failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
