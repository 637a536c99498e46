"""Running wrk against a URL and reading its figures."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


@dataclass(frozen=True)
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    return found


def run(
    url: str,
    seconds: float = 5,
    connections: int = 32,
    threads: int = 2,
    headers: Mapping[str, str] | None = None,
) -> Result:
    command = [
        wrk_binary(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        url,
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    errors += int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    return Result(rps, _latency(out, "50%"), _latency(out, "99%"), errors, total)


def _latency(out: str, pct: str) -> float:
    match = re.search(rf"{pct}\s+([\d.]+)(us|ms|s)\b", out)
    return float(match.group(1)) * UNITS[match.group(2)] if match else float("nan")
