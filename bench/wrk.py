"""Running wrk against a URL and reading its figures."""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


@dataclass(frozen=True)
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    server_cpu_us: float = float("nan")  # CPU the machine spent per request, beside wrk's own


def busy_seconds() -> float:
    """CPU time the whole machine has spent working (user, system, interrupts; not idle, not steal)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
    user, nice, system, _idle, _iowait, irq, softirq = fields
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def children_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


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
    busy, client = busy_seconds(), children_seconds()
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 30).stdout
    server_cpu = (busy_seconds() - busy) - (children_seconds() - client)  # everything but wrk
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    errors += int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    cpu_us = server_cpu / total * 1e6 if total else float("nan")
    return Result(rps, _latency(out, "50%"), _latency(out, "99%"), errors, total, cpu_us)


def _latency(out: str, pct: str) -> float:
    match = re.search(rf"{pct}\s+([\d.]+)(us|ms|s)\b", out)
    return float(match.group(1)) * UNITS[match.group(2)] if match else float("nan")
