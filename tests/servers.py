"""Real servers for end-to-end tests: started on loopback, waited for, stopped by PID, bounded in time."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Fetched:
    status: int
    body: bytes
    headers: Mapping[str, str]


def fetch(url: str, headers: Mapping[str, str] | None = None, method: str = "GET") -> Fetched:
    request = urllib.request.Request(url, headers=dict(headers or {}), method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Fetched(response.status, response.read(), dict(response.headers))
    except urllib.error.HTTPError as error:
        return Fetched(error.code, error.read(), dict(error.headers))


def wait_until_up(url: str, process: subprocess.Popen[bytes], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        try:
            fetch(url)
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise TimeoutError(f"no answer from {url} within {seconds} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@contextlib.contextmanager
def gunicorn(
    content_dir: Path, *, workers: int = 1, env: Mapping[str, str] | None = None, log: Path | None = None
) -> Iterator[str]:
    """`gunicorn wsgi:app` serving `content_dir` on a free loopback port; yields its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {**os.environ, "FEEDS_CONTENT_DIR": str(content_dir), "FEEDS_BASE_URL": base, **(env or {})}
    output = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--graceful-timeout",
            "2",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=environment,
        stdout=output,
        stderr=output,
        start_new_session=True,
    )
    try:
        wait_until_up(f"{base}/healthz", process)
        yield base
    finally:
        stop(process)
        if log:
            output.close()  # type: ignore[union-attr]
