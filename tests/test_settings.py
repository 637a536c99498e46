"""Settings are read once, from `FEEDS_*` variables, into one value every part of the service uses."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.errors import ConfigError
from feeds.httppolicy import Caching
from feeds.settings import Settings, read_settings, server_bind, unknown_variables

from .helpers import DEMO, ROOT, AppFactory


def test_variables_become_one_frozen_value() -> None:
    settings = read_settings(
        {"FEEDS_TITLE": "Harbour News", "FEEDS_MAX_AGE": "42", "FEEDS_STALE_WHILE_REVALIDATE": "7"}
    )
    assert settings.title == "Harbour News"
    assert settings.caching == Caching(42, 7)
    with pytest.raises(AttributeError):
        settings.title = "Other"  # type: ignore[misc]


def test_overrides_win_over_variables_with_or_without_the_prefix() -> None:
    settings = read_settings(
        {"FEEDS_TITLE": "From the environment"}, {"TITLE": "Given", "FEEDS_FEED_LIMIT": 7}
    )
    assert (settings.title, settings.feed_limit) == ("Given", 7)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("FEEDS_MAX_AGE", "soon", "FEEDS_MAX_AGE: expected a whole number, got 'soon'"),
        ("FEEDS_FEED_LIMIT", "0", "FEEDS_FEED_LIMIT: must be at least 1, got '0'"),
        ("FEEDS_TIMEZONE", "Mars/Olympus", "FEEDS_TIMEZONE: unknown time zone 'Mars/Olympus'"),
        ("FEEDS_WATCH", "sometimes", "FEEDS_WATCH: expected auto, poll or off, got 'sometimes'"),
        (
            "FEEDS_BASE_URL",
            "https://news.example/?a=1",
            "FEEDS_BASE_URL: a public root has no query or fragment",
        ),
        (
            "FEEDS_BASE_URL",
            "https://news.example/#top",
            "FEEDS_BASE_URL: a public root has no query or fragment",
        ),
        ("FEEDS_FAST_PATH", "maybe", "FEEDS_FAST_PATH: expected true or false, got 'maybe'"),
    ],
)
def test_a_bad_value_names_its_variable(variable: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match="^" + message.replace("?", r"\?").replace(".", r"\.")):
        read_settings({variable: value})


def test_an_unknown_variable_that_looks_like_a_typo_is_reported_with_the_right_name() -> None:
    assert unknown_variables({"FEEDS_TITEL": "x", "FEEDS_TITLE": "y", "HOME": "/"}) == [
        "FEEDS_TITEL: not a setting (did you mean FEEDS_TITLE?); ignored"
    ]
    assert unknown_variables({"FEEDS_NONSENSE": "1"}) == ["FEEDS_NONSENSE: not a setting; ignored"]


def test_the_server_logs_an_unknown_variable_at_start_up(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "FEEDS_CONTENT_DIR": str(DEMO), "FEEDS_TITEL": "x"}
    env["FEEDS_PARSE_CACHE"] = "off"
    probe = "from feeds.app import create_app; create_app()"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "FEEDS_TITEL: not a setting (did you mean FEEDS_TITLE?); ignored" in result.stderr


def test_settings_given_whole_are_used_as_they_are(tmp_path: Path) -> None:
    from feeds import create_app

    app = create_app(Settings(content_dir=tmp_path, title="Given whole", watch="off", parse_cache=None))
    assert app.extensions["feeds"].settings.title == "Given whole"


def test_feeds_bind_is_known_though_gunicorn_reads_it() -> None:
    assert unknown_variables({"FEEDS_BIND": "127.0.0.1:8123"}) == []
    assert unknown_variables({"FEEDS_BIND": "127.0.0.1:8123", "FEEDS_TITEL": "x"}) == [
        "FEEDS_TITEL: not a setting (did you mean FEEDS_TITLE?); ignored"
    ]
    assert server_bind({"FEEDS_BIND": "unix:/run/feeds.sock"}) == "unix:/run/feeds.sock"
    assert server_bind({}) == "127.0.0.1:8000"  # the README's default


def test_gunicorns_settings_bind_feeds_bind_and_start_up_does_not_call_it_unknown(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "FEEDS_CONTENT_DIR": str(DEMO)}
    env |= {"FEEDS_PARSE_CACHE": "off", "FEEDS_DATA_DIR": "off", "FEEDS_BIND": "127.0.0.1:8123"}
    probe = "import feeds.gunicorn_conf as c; from feeds.app import create_app; create_app(); print(c.bind)"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout == "['127.0.0.1:8123']\n"
    assert "not a setting" not in result.stderr


def test_an_unknown_setting_given_to_create_app_is_reported(
    make_app: AppFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="feeds"):
        make_app(tmp_path, FEEDS_TITEL="News", FEEDS_BIND="127.0.0.1:1", TESTING=True)
    assert "FEEDS_TITEL: not a setting (did you mean FEEDS_TITLE?); ignored" in caplog.text
    assert "FEEDS_BIND" not in caplog.text


def test_every_variable_the_readme_documents_is_known() -> None:
    # The README's settings tables: one row per variable (its prose also quotes a typo, FEEDS_TITEL).
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(FEEDS_[A-Z_]+)`", readme, flags=re.MULTILINE))
    assert {"FEEDS_BIND", "FEEDS_TITLE", "FEEDS_MAX_AGE"} <= documented
    assert unknown_variables(dict.fromkeys(documented, "1")) == []


WHOLE = {  # each whole-number setting: its range, as the README gives it
    "FEEDS_FEED_LIMIT": (1, 500),
    "FEEDS_MAX_AGE": (0, 2**31),
    "FEEDS_STALE_WHILE_REVALIDATE": (0, 2**31),
    "FEEDS_PROXY_HOPS": (0, 64),
    "FEEDS_MAX_DOCUMENT_BYTES": (1, 2**30),
    "FEEDS_CACHE_BYTES": (1, 2**40),
    "FEEDS_PARSE_PROCESSES": (0, 1024),
    "FEEDS_TOMBSTONE_DAYS": (0, 36_500),
}
NUMBER_PIECES = ["0", "1", "5", "9", "00", "99999999999", "+", "-", " ", "²", "٣", "５", "_", "e", ".", "x"]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(sorted(WHOLE)), st.lists(st.sampled_from(NUMBER_PIECES), max_size=5).map("".join))
def test_a_whole_number_setting_is_ascii_digits_in_its_range_or_one_line_naming_it(
    variable: str, value: str
) -> None:
    """Every whole-number setting reads ASCII digits within its range; anything else (a superscript,
    Arabic-Indic or full-width digits, a sign, a number past the range: a tombstone lifetime past
    `datetime`'s years) is a `ConfigError` naming the variable, never another exception."""
    low, high = WHOLE[variable]
    written = value.strip(" ")
    if not (re.fullmatch("[0-9]+", written) and low <= int(written) <= high):
        with pytest.raises(ConfigError, match=f"^{variable}: "):
            read_settings({variable: value})
        return
    settings_ = read_settings({variable: value})
    name = variable.removeprefix("FEEDS_").lower()
    got = getattr(settings_, name)
    assert got == int(written) or (name == "parse_processes" and written.strip("0") == "")  # 0: each core


def test_a_memory_that_cannot_be_opened_stops_the_server_in_one_line(tmp_path: Path) -> None:
    """FEEDS_DATA_DIR naming a file (or under one): the WSGI server's app load exits with status 4 (a
    server stops instead of starting workers again and again), saying why in one line."""
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x")
    for data_dir in (a_file, a_file / "below"):
        env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "FEEDS_CONTENT_DIR": str(DEMO)}
        env |= {"FEEDS_PARSE_CACHE": "off", "FEEDS_DATA_DIR": str(data_dir)}
        probe = "from feeds.app import serve; serve()"
        result = subprocess.run(
            [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 4, result.stderr
        lines = [line for line in result.stderr.splitlines() if line.startswith("feeds: cannot start:")]
        assert lines, result.stderr
        assert lines[0].startswith("feeds: cannot start: FEEDS_DATA_DIR: "), lines
        assert "Traceback" not in result.stderr


def test_an_app_whose_memory_cannot_be_opened_answers_503_not_500(
    tmp_path: Path, make_app: AppFactory
) -> None:
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x")
    client = make_app(DEMO, DATA_DIR=str(a_file)).test_client()
    for url in ("/all.atom", "/healthz", "/"):
        response = client.get(url)
        assert response.status_code == 503, url
        text = response.get_data(as_text=True)
        assert text.startswith("Service Unavailable: "), text
        assert text.count("\n") == 1, text
        assert "cannot open the memory" in text


@pytest.mark.parametrize("value", ["0", "2000"])
def test_a_bad_web_concurrency_stops_gunicorn_in_one_line(tmp_path: Path, value: str) -> None:
    """What gunicorn itself reads as a number (it fails on anything else before reading our settings:
    `feeds serve` checks that first, below)."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "FEEDS_CONTENT_DIR": str(DEMO)}
    env |= {"FEEDS_PARSE_CACHE": "off", "FEEDS_DATA_DIR": str(tmp_path / "data"), "WEB_CONCURRENCY": value}
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "python:feeds.gunicorn_conf", "--check-config"]
    result = subprocess.run(gunicorn, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 4, result.stderr
    assert "feeds: cannot start: WEB_CONCURRENCY: " in result.stderr
    assert "Traceback" not in result.stderr
    env["WEB_CONCURRENCY"] = "2"
    fine = subprocess.run(gunicorn, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert fine.returncode == 0, fine.stderr


@pytest.mark.parametrize("value", ["abc", "²", "1.5", "0"])
def test_feeds_serve_refuses_a_bad_web_concurrency_in_one_line(tmp_path: Path, value: str) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "FEEDS_CONTENT_DIR": str(DEMO),
        "WEB_CONCURRENCY": value,
    }
    feeds = [str(Path(sys.executable).parent / "feeds"), "serve"]
    result = subprocess.run(feeds, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "Invalid value for '--workers'" in result.stderr
    assert "Traceback" not in result.stderr
