"""An installed package is deployable by the README's commands alone, away from the checkout.

The package is built and installed (`pip install`, not editable) into a fresh virtualenv from a copy
of the checkout; every command then runs from a folder that holds no checkout, with the virtualenv's
`bin` first on PATH as an activated virtualenv has it. Its dependencies are this environment's
(a `.pth` file, added after the install), so only the build backend and gunicorn come from PyPI.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import pytest

from feeds.render import FeedMeta, render_atom, render_rss
from feeds.render.fingerprint import fingerprint

from . import servers
from .helpers import document, make_article, write_corpus
from .servers import ROOT, eventually, fetch, free_port, stop, wait_until_up

pytestmark = pytest.mark.slow
OFFLINE = ("NewConnectionError", "Temporary failure in name resolution", "Network is unreachable")
PROJECT_VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


@dataclass(frozen=True)
class Installed:
    bin: Path  # the virtualenv's bin folder
    site_packages: Path
    elsewhere: Path  # a folder with no checkout in it: where commands run
    content: Path  # a corpus of two documents

    def env(self, **variables: str) -> dict[str, str]:
        return {
            **os.environ,
            "PATH": f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}",
            "VIRTUAL_ENV": str(self.bin.parent),
            "HOME": str(self.elsewhere),  # gunicorn's control socket, caches: never the real home
            "FEEDS_PARSE_CACHE": "off",
            "PYTHONDONTWRITEBYTECODE": "1",
            **variables,
        }

    def run(self, *command: str, **variables: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command,
            cwd=self.elsewhere,
            env=self.env(**variables),
            capture_output=True,
            text=True,
            timeout=120,
        )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("install")
    source = work / "source"  # setuptools builds in the source tree: a copy keeps the checkout clean
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "feeds", source / "feeds", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    pip_env = {**os.environ, "HOME": str(work), "PIP_CACHE_DIR": str(work / "pip-cache")}
    pip_env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    pip = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps"),
            *(str(source), f"gunicorn=={version('gunicorn')}"),
        ],
        env=pip_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if pip.returncode and any(sign in pip.stderr for sign in OFFLINE):
        pytest.skip(
            f"PyPI is not reachable (the build backend and gunicorn come from it): {pip.stderr[-300:]}"
        )
    assert pip.returncode == 0, pip.stderr
    site_packages = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    (site_packages / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    content = write_corpus(
        work / "news", {"a.md": document(n=1), "b.md": document(n=2, title="Harbour wind farm approved")}
    )
    return Installed(venv / "bin", site_packages, elsewhere, content)


@contextlib.contextmanager
def running(
    installed: Installed, command: list[str], port: int, env: Mapping[str, str]
) -> Iterator[tuple[str, Path]]:
    """`command` started from the folder outside the checkout; its base URL and its output's file.
    Stopped by its PID (the process group gunicorn's workers share)."""
    out = installed.elsewhere / f"stdout-{port}.log"
    base = f"http://127.0.0.1:{port}"
    with (
        out.open("wb") as stdout,
        servers.running(
            command,
            f"{base}/healthz",
            cwd=installed.elsewhere,
            env=installed.env(**env),
            stdout=stdout,
            stderr=stdout,
            seconds=30,
        ),
    ):
        yield base, out


def test_the_package_is_installed_not_read_from_the_checkout(installed: Installed) -> None:
    located = installed.run("python", "-c", "import feeds; print(feeds.__file__)")
    assert Path(located.stdout.strip()).is_relative_to(installed.site_packages)
    assert not (installed.elsewhere / "wsgi.py").exists()


def test_feeds_version_names_the_installed_version(installed: Installed) -> None:
    result = installed.run("feeds", "--version")
    assert (result.returncode, result.stdout) == (0, f"feeds {PROJECT_VERSION}\n")


def test_feeds_check_lists_problems_and_fails_on_a_rejected_document(installed: Installed) -> None:
    good = installed.run("feeds", "check", str(installed.content))
    assert good.returncode == 0, good.stderr
    assert good.stdout.splitlines()[-1] == (
        "documents: 2, visible: 2, hidden: 0, duplicates: 0, rejected: 0, warnings: 0, unreadable: 0"
    )
    bad = write_corpus(
        installed.elsewhere / "bad", {"a.md": document(n=1), "b.md": document(n=2, title=None)}
    )
    result = installed.run("feeds", "check", str(bad))
    assert result.returncode == 1
    assert f"{bad / 'b.md'}: title:" in result.stdout
    assert "rejected: 1" in result.stdout.splitlines()[-1]
    # without DIR: FEEDS_CONTENT_DIR, as with `flask --app feeds check`
    assert installed.run("feeds", "check", FEEDS_CONTENT_DIR=str(installed.content)).returncode == 0


def test_feeds_export_writes_the_site(installed: Installed) -> None:
    out = installed.elsewhere / "site"
    result = installed.run(
        "feeds",
        "export",
        str(out),
        FEEDS_CONTENT_DIR=str(installed.content),
        FEEDS_BASE_URL="https://news.example.org",
    )
    assert result.returncode == 0, result.stderr
    atom = (out / "all.atom").read_bytes()
    assert b"<id>https://news.example.org/all.atom</id>" in atom
    assert b"Harbour wind farm approved" in atom
    assert (out / ".feeds" / "nginx.conf").is_file()


def test_feeds_serve_answers_with_its_version_and_logs_who_polls(installed: Installed) -> None:
    port = free_port()
    command = ["feeds", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    env = {"FEEDS_CONTENT_DIR": str(installed.content)}
    with running(installed, command, port, env) as (base, log):
        feed = fetch(
            f"{base}/all.atom", headers={"User-Agent": "HarbourReader/2.1 (+https://reader.example)"}
        )
        health = fetch(f"{base}/healthz")
        rss = fetch(f"{base}/all.rss")
    assert feed.status == 200
    assert b"Harbour wind farm approved" in feed.body
    assert f'<generator version="{PROJECT_VERSION}">feeds</generator>'.encode() in feed.body
    assert f"<generator>feeds {PROJECT_VERSION}</generator>".encode() in rss.body
    assert health.status == 200
    assert json.loads(health.body)["version"] == PROJECT_VERSION
    # the access log (combined format) names the request, its status and the reader's user agent
    logged = log.read_text(encoding="utf-8")
    assert '"GET /all.atom HTTP/1.1" 200 ' in logged
    assert '"HarbourReader/2.1 (+https://reader.example)"' in logged


def test_feeds_serve_reads_feeds_bind_and_web_concurrency(installed: Installed) -> None:
    port = free_port()
    env = {"FEEDS_CONTENT_DIR": str(installed.content), "FEEDS_BIND": f"127.0.0.1:{port}"}
    with running(installed, ["feeds", "serve"], port, {**env, "WEB_CONCURRENCY": "2"}) as (base, log):
        pids: set[int] = set()

        def both_workers_answered() -> bool:
            pids.add(json.loads(fetch(f"{base}/healthz").body)["pid"])
            return len(pids) >= 2

        eventually(both_workers_answered, 20, "two workers answer")
        pids |= {json.loads(fetch(f"{base}/healthz").body)["pid"] for _ in range(20)}
    assert len(pids) == 2  # WEB_CONCURRENCY workers, no more
    assert "not a setting" not in log.read_text(encoding="utf-8")  # FEEDS_BIND is a known variable


def test_gunicorn_with_the_packaged_settings(installed: Installed) -> None:
    port = free_port()
    env = {
        "FEEDS_CONTENT_DIR": str(installed.content),
        "FEEDS_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
    }
    with running(installed, ["gunicorn", "-c", "python:feeds.gunicorn_conf"], port, env) as (base, log):
        feed = fetch(f"{base}/all.atom", headers={"User-Agent": "PlainGunicornProbe/1.0"})
    assert feed.status == 200
    assert b"Harbour wind farm approved" in feed.body
    assert '"PlainGunicornProbe/1.0"' in log.read_text(encoding="utf-8")
    assert "not a setting" not in log.read_text(encoding="utf-8")  # FEEDS_BIND is a known variable


def test_gunicorn_with_the_packaged_app_name(installed: Installed) -> None:
    port = free_port()
    command = ["gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "feeds.wsgi:app"]
    with running(installed, command, port, {"FEEDS_CONTENT_DIR": str(installed.content)}) as (base, _):
        assert fetch(f"{base}/all.atom").status == 200


def test_a_new_version_changes_the_generator_element_and_the_etag() -> None:
    """Readers and caches see a release: the version is in the bytes, so the ETag changes with it."""
    articles = [make_article()]
    meta = FeedMeta(
        "All", "Every article", "https://n.example/all.atom", "https://n.example/", "https://n.example"
    )
    released = dataclasses.replace(meta, generator_version="9.9.9")
    assert meta.generator_version == PROJECT_VERSION  # this checkout, installed editable
    assert b'<generator version="9.9.9">feeds</generator>' in render_atom(released, articles)
    assert b"<generator>feeds 9.9.9</generator>" in render_rss(released, articles)
    for fmt in ("atom", "rss"):
        assert fingerprint(fmt, released, articles) != fingerprint(fmt, meta, articles)


def stop_session(process: subprocess.Popen[bytes]) -> None:
    """TERM to the session `process` leads (make, the shell, gunicorn and its workers), then wait until
    none of them is left, whether or not make is still there to wait for its child."""
    stop(process)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)

    def gone() -> bool:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return True
        return False

    eventually(gone, 15, "the server started by make stopped")


@pytest.fixture
def checkout_copy(tmp_path: Path) -> Path:
    """The Makefile and pyproject.toml of this checkout in a folder of their own, with a `.venv` whose
    programs are this environment's and whose install stamps are older than pyproject.toml."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    copy = tmp_path / "checkout"
    (copy / ".venv").mkdir(parents=True)
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy2(ROOT / name, copy / name)
    (copy / ".venv" / "bin").symlink_to(Path(sys.executable).parent)
    return copy


def test_make_run_installs_the_package_alone_and_make_test_adds_the_toolchain(checkout_copy: Path) -> None:
    def planned(target: str) -> list[str]:
        result = subprocess.run(["make", "-n", target], cwd=checkout_copy, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        return [
            line
            for line in result.stdout.splitlines()
            if "pip install" in line and "--upgrade pip" not in line
        ]

    assert planned("run") == [".venv/bin/python -m pip install --quiet -e ."]
    assert planned("test") == [
        ".venv/bin/python -m pip install --quiet -e .",
        ".venv/bin/python -m pip install --quiet -e '.[test]'",
    ]


def test_make_run_serves_with_an_access_log(checkout_copy: Path, tmp_path: Path) -> None:
    for stamp in (".installed", ".installed-test"):
        (checkout_copy / ".venv" / stamp).touch()  # installed already: make runs the server alone
    content = write_corpus(tmp_path / "news", {"a.md": document(n=1, title="Harbour wind farm approved")})
    port = free_port()
    out = tmp_path / "make-run.log"
    env = {**os.environ, "HOME": str(tmp_path), "FEEDS_PARSE_CACHE": "off", "FEEDS_CONTENT_DIR": str(content)}
    with out.open("wb") as stdout:
        process = subprocess.Popen(
            ["make", "run", f"PORT={port}"],
            cwd=checkout_copy,
            env=env,
            stdout=stdout,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_until_up(f"http://127.0.0.1:{port}/healthz", process, 30)
            feed = fetch(f"http://127.0.0.1:{port}/all.atom", headers={"User-Agent": "MakeRunReader/0.1"})
        finally:
            stop_session(process)
    assert b"Harbour wind farm approved" in feed.body
    assert '"GET /all.atom HTTP/1.1" 200 ' in out.read_text(encoding="utf-8")
    assert '"MakeRunReader/0.1"' in out.read_text(encoding="utf-8")
