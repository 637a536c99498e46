"""deploy/systemd/feeds.service does what it says: systemd accepts it, and its very command and
environment (paths moved into a temporary folder) serve the corpus, keep the memory in its state folder
and the parse cache in its cache folder, reload on HUP, stop on TERM, and exit with the status the unit
tells systemd not to restart on when the content folder is wrong."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from .helpers import document, write_corpus
from .servers import BIN, ROOT, eventually, fetch, free_port, running

pytestmark = pytest.mark.slow
UNIT = ROOT / "deploy" / "systemd" / "feeds.service"


def service_section() -> dict[str, list[str]]:
    """The unit's [Service] settings, each key with its values in order (systemd allows repeats)."""
    values: dict[str, list[str]] = {}
    section = ""
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line
        elif section == "[Service]":
            key, _, value = line.partition("=")
            values.setdefault(key, []).append(value)
    return values


def moved(tmp_path: Path, port: int) -> tuple[list[str], dict[str, str], dict[str, Path]]:
    """The unit's command and environment with its paths moved under `tmp_path`."""
    unit = service_section()
    folders = {
        "/srv/news": tmp_path / "news",
        "/var/lib/feeds": tmp_path / "state",
        "/var/cache/feeds": tmp_path / "cache",
    }
    environment = dict(item.partition("=")[::2] for item in unit["Environment"])
    for name, value in environment.items():
        environment[name] = str(folders.get(value, value))
    environment["FEEDS_BIND"] = f"127.0.0.1:{port}"
    (command,) = unit["ExecStart"]
    program, *arguments = command.split()
    assert program == "/opt/feeds/bin/feeds", "README and the unit name the installed command"
    return [str(BIN / "feeds"), *arguments], environment, folders


def children(pid: int) -> set[int]:
    """The process's child processes (Linux /proc)."""
    return {int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


def clean_environment(unit_env: dict[str, str], home: Path) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("FEEDS_")}
    return {**inherited, "HOME": str(home), **unit_env}


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    unit = tmp_path / "feeds.service"
    unit.write_text(UNIT.read_text().replace("/opt/feeds/bin/feeds", str(BIN / "feeds")))
    verified = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert verified.returncode == 0, verified.stderr
    assert "feeds.service" not in verified.stderr, verified.stderr  # no ignored or unknown setting


def test_the_units_command_serves_keeps_its_state_reloads_and_stops(tmp_path: Path) -> None:
    port = free_port()
    command, unit_env, folders = moved(tmp_path, port)
    write_corpus(folders["/srv/news"], {"one.md": document(n=1), "two.md": document(n=2)})
    env = clean_environment(unit_env, tmp_path)
    base = f"http://127.0.0.1:{port}"
    with running(command, f"{base}/healthz", env=env, cwd=tmp_path, seconds=30) as server:
        feed = fetch(f"{base}/all.atom")
        assert feed.status == 200
        assert b"https://news.example.org/all.atom" in feed.body  # FEEDS_BASE_URL from the unit
        assert b"Article number 2" in feed.body
        assert (folders["/var/lib/feeds"] / "memory.sqlite3").is_file()
        assert any(folders["/var/cache/feeds"].iterdir()), "the parse cache lives in CacheDirectory"

        workers = children(server.pid)
        assert workers
        reload = service_section()["ExecReload"][0].replace("$MAINPID", str(server.pid)).split()
        subprocess.run(reload, check=True, timeout=10)  # the unit's ExecReload, as systemd runs it
        eventually(lambda: children(server.pid) and not children(server.pid) & workers, 30, "new workers")
        assert fetch(f"{base}/all.atom").status == 200
        assert server.poll() is None

        server.send_signal(signal.SIGTERM)  # KillSignal: gunicorn's master is the main process
        assert server.wait(timeout=int(service_section()["TimeoutStopSec"][0])) == 0


def test_a_wrong_content_folder_exits_with_the_status_systemd_does_not_restart(tmp_path: Path) -> None:
    command, unit_env, _ = moved(tmp_path, free_port())  # /srv/news moved, never made
    stopped = subprocess.run(
        command,
        env=clean_environment(unit_env, tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert str(stopped.returncode) in service_section()["RestartPreventExitStatus"][0].split()
    assert "news" in stopped.stderr
    assert "does not exist" in stopped.stderr
    assert "Traceback" not in stopped.stderr
    assert "not a setting" not in stopped.stderr  # the unit's FEEDS_BIND is a known variable
