"""Real servers for end-to-end tests: started on loopback, waited for, stopped by PID, bounded in time."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import IO

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
    headers: Message  # case-insensitive: granian sends header names in lower case (HTTP/1.1 allows it)


def fetch(url: str, headers: Mapping[str, str] | None = None, method: str = "GET") -> Fetched:
    request = urllib.request.Request(url, headers=dict(headers or {}), method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Fetched(response.status, response.read(), response.headers)
    except urllib.error.HTTPError as error:
        return Fetched(error.code, error.read(), error.headers)


def eventually(check: Callable[[], object], seconds: float = 5, what: str = "") -> float:
    """Poll `check` until it is true; the seconds it took. Fails after `seconds`."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if check():
            return time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds} s: {what or check}")


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
def running(
    command: Sequence[str],
    probe: str,
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    stdout: int | IO[bytes] = subprocess.DEVNULL,
    stderr: int | IO[bytes] = subprocess.DEVNULL,
    seconds: float = 20,
) -> Iterator[subprocess.Popen[bytes]]:
    """`command` in a session of its own, until `probe` (a URL) answers; stopped by its process group
    when the block ends, whatever happens in it."""
    process = subprocess.Popen(
        list(command), cwd=cwd, env=env, stdout=stdout, stderr=stderr, start_new_session=True
    )
    try:
        wait_until_up(probe, process, seconds)
        yield process
    finally:
        stop(process)


@dataclass
class Server:
    base: str  # http://127.0.0.1:PORT
    process: subprocess.Popen[bytes]
    log: Path | None = None


@contextlib.contextmanager
def gunicorn(
    content_dir: Path,
    *,
    workers: int | None = 1,
    env: Mapping[str, str] | None = None,
    log: Path | None = None,
    args: Sequence[str] = (),
    startup_seconds: float = 20,
) -> Iterator[Server]:
    """`gunicorn wsgi:app` serving `content_dir` on a free loopback port; with `log`, an access log.

    `workers=None` leaves the count to `args` (e.g. a config file given with `-c`)."""
    port = free_port()
    command = [
        str(BIN / "gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        *(["--workers", str(workers)] if workers else []),
        "--graceful-timeout",
        "2",
        "--no-control-socket",  # gunicorn 25+ would otherwise write ~/.gunicorn/gunicorn.ctl
        *(["--access-logfile", str(log)] if log else []),
        *args,
        "wsgi:app",
    ]
    with _serve(command, port, content_dir, env, startup_seconds) as server:
        server.log = log
        yield server


GRANIAN_ARGS = ("--interface", "wsgi", "--no-ws", "--blocking-threads", "1", "--backpressure", "64")


@contextlib.contextmanager
def granian(
    content_dir: Path,
    *,
    workers: int = 1,
    env: Mapping[str, str] | None = None,
    startup_seconds: float = 20,
) -> Iterator[Server]:
    """`granian --interface wsgi wsgi:app` (the README's server for speed) on a free loopback port."""
    port = free_port()
    command = [
        str(BIN / "granian"),
        *GRANIAN_ARGS,
        "--workers",
        str(workers),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers-kill-timeout",
        "2",
        "wsgi:app",
    ]
    with _serve(command, port, content_dir, env, startup_seconds) as server:
        yield server


SERVERS = {"gunicorn": gunicorn, "granian": granian}


@contextlib.contextmanager
def _serve(
    command: list[str],
    port: int,
    content_dir: Path,
    env: Mapping[str, str] | None,
    startup_seconds: float,
) -> Iterator[Server]:
    base = f"http://127.0.0.1:{port}"
    environment = {
        **os.environ,
        "FEEDS_CONTENT_DIR": str(content_dir),
        "FEEDS_BASE_URL": base,
        "FEEDS_PARSE_CACHE": "off",  # tests that want one name a folder
        **(env or {}),
    }
    with running(command, f"{base}/healthz", cwd=ROOT, env=environment, seconds=startup_seconds) as process:
        yield Server(base, process)


NGINX_SITE = ROOT / "deploy" / "nginx" / "feeds.conf"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)


@contextlib.contextmanager
def nginx(upstream: str, workdir: Path) -> Iterator[str]:
    """nginx with the shipped site config (deploy/nginx/feeds.conf) in front of `upstream`.

    Only the listen address, the upstream address and the cache path are changed.
    """
    port = free_port()
    cache = workdir / "cache"
    cache.mkdir(parents=True)
    site = NGINX_SITE.read_text(encoding="utf-8")
    for old, new in (
        ("listen 80;", f"listen 127.0.0.1:{port};"),
        ("server 127.0.0.1:8000;", f"server {upstream.removeprefix('http://')};"),
        ("/var/cache/nginx/feeds", str(cache)),
    ):
        assert old in site, f"{old!r} is no longer in {NGINX_SITE}; update tests/servers.py"
        site = site.replace(old, new)
    with nginx_site(site, port, workdir) as base:
        yield base


@contextlib.contextmanager
def nginx_static(folder: Path, workdir: Path) -> Iterator[str]:
    """nginx serving `folder` as static files (the yardstick benchmarks measure against)."""
    port = free_port()
    site = f"""server {{
    listen 127.0.0.1:{port};
    root {folder};
    types {{ application/atom+xml atom; application/rss+xml rss; application/json json; }}
    location / {{ }}
}}
"""
    with nginx_site(site, port, workdir, probe="/") as base:
        yield base


@contextlib.contextmanager
def nginx_site(site: str, port: int, workdir: Path, probe: str = "/healthz") -> Iterator[str]:
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed")
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "site.conf").write_text(site, encoding="utf-8")
    temp = "\n".join(
        f"  {name}_temp_path {workdir}/{name};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # As root, nginx's workers would drop to an unprivileged user that cannot enter pytest's 0700 tmp dirs.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    (workdir / "nginx.conf").write_text(
        f"""worker_processes auto;  # one per core, as Debian ships it: the yardstick at its best
{user}daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
{temp}
  include {workdir}/site.conf;
}}
""",
        encoding="utf-8",
    )
    base = f"http://127.0.0.1:{port}"
    with running([binary, "-c", str(workdir / "nginx.conf"), "-p", str(workdir)], f"{base}{probe}"):
        yield base
