"""The shipped nginx sites on a stock Debian nginx, as the README installs them.

The distribution's own configuration tree (/etc/nginx: nginx.conf, mime.types, modules-enabled and the
default site in sites-enabled) is copied into tmp_path; our site goes into its sites-enabled/ as the
README says. Only what a test cannot use is changed: the paths nginx writes (pid, logs, temp
folders, the proxy cache), the include paths into the copy, the listen ports (free loopback ports),
the upstream (gunicorn on a free port), the certificate paths (a self-signed certificate), and, as
root, the user nginx's workers run as (pytest's folders are private to root).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from .helpers import document, write_corpus
from .servers import ROOT, free_port, gunicorn, nginx_binary, running

DEBIAN = Path("/etc/nginx")
HOST = "news.example.org"  # the README's example host name
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(nginx_binary() is None, reason="nginx is not installed (apt-get install nginx-light)"),
    pytest.mark.skipif(
        not (DEBIAN / "nginx.conf").is_file() or not (DEBIAN / "sites-enabled" / "default").exists(),
        reason="no distribution nginx configuration with a default site in /etc/nginx",
    ),
]


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes


def get(port: int, path: str, host: str, tls: ssl.SSLContext | None = None) -> Answer:
    """GET `path` from 127.0.0.1:`port` with `Host: host` (as a reader resolving that name would)."""
    connection: http.client.HTTPConnection = (
        http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=tls)
        if tls
        else http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    )
    try:
        connection.request("GET", path, headers={"Host": host, "User-Agent": "DeployTest/1.0"})
        response = connection.getresponse()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


def install_site(tree: Path, shipped: str) -> None:
    """The README's step: our site with the host name put in, into the distribution's sites-enabled."""
    text = (ROOT / "deploy" / "nginx" / shipped).read_text(encoding="utf-8")
    (tree / "sites-enabled" / "feeds.conf").write_text(
        re.sub(r"feeds\.example\.org", HOST, text), encoding="utf-8"
    )


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        return False
    return True


def localize(
    work: Path, ports: Mapping[int, int], upstream: str, replacements: Mapping[str, str] | None = None
) -> Path:
    """The copied tree made runnable here; the path of its nginx.conf."""
    tree = work / "etc" / "nginx"
    v6 = ipv6_loopback()
    for folder in ("log", "run", "cache", "temp"):
        (work / folder).mkdir()

    def listen(match: re.Match[str]) -> str:
        indent, v6_any, port = match.group(1), match.group(2), ports[int(match.group(3))]
        if v6_any:
            return f"{indent}listen [::1]:{port}" if v6 else f"{indent}# (no IPv6 here) listen [::1]:{port}"
        return f"{indent}listen 127.0.0.1:{port}"

    for path in tree.rglob("*"):
        if not path.is_file() or path.suffix in {".so"}:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # koi-win and the like: character tables, no paths
        text = text.replace(str(DEBIAN) + "/", f"{tree}/")
        text = re.sub(r"^(\s*)pid\s+\S+;", rf"\1pid {work}/run/nginx.pid;", text, flags=re.M)
        text = text.replace("/var/log/nginx/", f"{work}/log/")
        text = text.replace("/var/cache/nginx/feeds", f"{work}/cache")
        text = text.replace("server 127.0.0.1:8000;", f"server {upstream};")
        text = re.sub(r"^([ \t]*)listen\s+(\[::\]:)?(80|443)\b", listen, text, flags=re.M)
        for old, new in (replacements or {}).items():
            text = text.replace(old, new)
        if path.name == "nginx.conf":
            temp = "".join(
                f"\n\t{name}_temp_path {work}/temp/{name};"
                for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
            )
            text = re.sub(r"^http \{", "http {" + temp, text, count=1, flags=re.M)
            if os.geteuid() == 0:
                text = re.sub(r"^user\s+\S+;", "user root root;", text, flags=re.M)
        path.write_text(text, encoding="utf-8")
    return tree / "nginx.conf"


def copy_distribution(work: Path) -> Path:
    tree = work / "etc" / "nginx"
    shutil.copytree(DEBIAN, tree, symlinks=False)  # sites-enabled/default: a link into sites-available
    return tree


def nginx_test(conf: Path) -> subprocess.CompletedProcess[str]:
    binary = nginx_binary()
    assert binary is not None
    return subprocess.run([binary, "-t", "-c", str(conf)], capture_output=True, text=True, timeout=30)


@contextlib.contextmanager
def running_nginx(conf: Path, port: int) -> Iterator[None]:
    binary = nginx_binary()
    assert binary is not None
    log = conf.parent.parent.parent / "log" / "stderr.log"
    with (
        log.open("wb") as stderr,
        running([binary, "-c", str(conf), "-g", "daemon off;"], f"http://127.0.0.1:{port}/", stderr=stderr),
    ):
        yield


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "content", {"a.md": document(n=1, title="Harbour wind farm approved")})


APP_ENV = {"FEEDS_PROXY_HOPS": "1", "FEEDS_BASE_URL": ""}  # as the README runs it behind nginx


def test_the_site_answers_beside_debians_default_site(tmp_path: Path, corpus: Path) -> None:
    work = tmp_path / "nginx"
    tree = copy_distribution(work)
    install_site(tree, "feeds.conf")
    port = free_port()
    with gunicorn(corpus, env=APP_ENV) as app:
        conf = localize(work, {80: port}, app.base.removeprefix("http://"))
        checked = nginx_test(conf)
        assert checked.returncode == 0, checked.stderr
        assert "conflicting server name" not in checked.stderr
        with running_nginx(conf, port):
            first = get(port, "/all.atom", HOST)
            second = get(port, "/all.atom", HOST)
            elsewhere = get(port, "/all.atom", "127.0.0.1")
    assert (first.status, first.headers["x-cache-status"]) == (200, "MISS")
    assert (second.status, second.headers["x-cache-status"]) == (200, "HIT")
    assert first.headers["content-type"].startswith("application/atom+xml")
    assert b"Harbour wind farm approved" in first.body
    assert f"<id>http://{HOST}:{port}/all.atom</id>".encode() in first.body  # through FEEDS_PROXY_HOPS=1
    # other names still reach the distribution's default site, which has no feeds
    assert elsewhere.status == 404
    assert "x-cache-status" not in elsewhere.headers


def self_signed(folder: Path) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: no certificate to test TLS with (apt-get install openssl)")
    folder.mkdir()
    cert, key = folder / "fullchain.pem", folder / "privkey.pem"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={HOST}"),
            *("-addext", f"subjectAltName=DNS:{HOST}", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def test_the_tls_site_terminates_https_and_redirects_http(tmp_path: Path, corpus: Path) -> None:
    work = tmp_path / "nginx"
    tree = copy_distribution(work)
    install_site(tree, "feeds-tls.conf")
    cert, key = self_signed(tmp_path / "tls")
    http_port, https_port = free_port(), free_port()
    live = f"/etc/letsencrypt/live/{HOST}"
    with gunicorn(corpus, env=APP_ENV) as app:
        conf = localize(
            work,
            {80: http_port, 443: https_port},
            app.base.removeprefix("http://"),
            {f"{live}/fullchain.pem": str(cert), f"{live}/privkey.pem": str(key)},
        )
        checked = nginx_test(conf)
        assert checked.returncode == 0, checked.stderr
        assert "conflicting server name" not in checked.stderr
        tls = ssl.create_default_context(cafile=str(cert))
        tls.check_hostname = False  # we connect to 127.0.0.1; the certificate is checked against our CA
        with running_nginx(conf, http_port):
            redirect = get(http_port, "/all.atom?limit=5", HOST)
            first = get(https_port, "/all.atom", HOST, tls)
            second = get(https_port, "/all.atom", HOST, tls)
    assert redirect.status == 301
    assert redirect.headers["location"] == f"https://{HOST}/all.atom?limit=5"
    assert (first.status, first.headers["x-cache-status"]) == (200, "MISS")
    assert (second.status, second.headers["x-cache-status"]) == (200, "HIT")
    assert b"Harbour wind farm approved" in first.body
    # the app writes https:// URLs: nginx says the scheme (X-Forwarded-Proto) and FEEDS_PROXY_HOPS=1 trusts it
    assert f"<id>https://{HOST}:{https_port}/all.atom</id>".encode() in first.body
