"""Cache-busting: a new query string on every request must not grow memory past the cache bound.

    .venv/bin/python -m bench.cache_bust [--seconds 300] [--cache-mb 8]

gunicorn with 2 workers and FEEDS_CACHE_BYTES; wrk sends distinct query strings (half of them only
unknown parameters, which make no cache entry; half distinct valid filters, each a new cache entry)
for the given time (about 4,000 a second here: 300 s sends over a million). Prints worker RSS before
and after. Needs wrk.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import tempfile
from pathlib import Path

from bench.soak import worker_rss_kb
from bench.wrk import wrk_binary
from tests.helpers import DEMO
from tests.servers import fetch, gunicorn

LUA = r"""
local n = 0
function request()
  n = n + 1
  if n % 2 == 0 then
    return wrk.format("GET", "/all.atom?utm_source=x" .. n .. "&fbclid=" .. n)
  end
  return wrk.format("GET", "/topics/energy.atom?limit=" .. (1 + n % 500) .. "&min_quality=" .. (n % 1000000)
    .. "&min_heat=-1")
end
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--cache-mb", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "bust.lua"
        script.write_text(LUA)
        env = {"FEEDS_CACHE_BYTES": str(args.cache_mb * 1024 * 1024), "FEEDS_BASE_URL": "http://bust.example"}
        with gunicorn(DEMO, workers=2, env=env) as server:
            fetch(f"{server.base}/all.atom")
            warm = [wrk_binary(), "-t1", "-c8", "-d10s", "-s", str(script), server.base]
            subprocess.run(warm, capture_output=True, check=True, timeout=120)
            before = worker_rss_kb(server.process.pid)
            command = [wrk_binary(), "-t1", "-c16", f"-d{args.seconds}s", "-s", str(script), server.base]
            timeout = args.seconds + 60
            out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=timeout).stdout
            after = worker_rss_kb(server.process.pid)
            alive = fetch(f"{server.base}/healthz").status
    sent = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    rows = [
        ("distinct query strings sent", f"{sent:,}"),
        ("non-2xx/3xx", errors.group(1) if errors else "0"),
        ("worker RSS before", f"{before / 1024:.1f} MB"),
        ("worker RSS after", f"{after / 1024:.1f} MB"),
        ("growth", f"{100 * (after - before) / before:.1f}%"),
        ("cache bound (2 workers)", f"{2 * args.cache_mb} MB"),
        ("service alive afterwards", str(alive == 200)),
    ]
    print("| measure | value |\n|---|---:|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows))


if __name__ == "__main__":
    main()
