"""Settings are read once, from `FEEDS_*` variables, into one value every part of the service uses."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest

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
