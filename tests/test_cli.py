"""`flask --app feeds check`: what an editor reads about a corpus, through the app's own CLI runner."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from .helpers import AppFactory, document, write_corpus


def test_check_summarises_a_corpus_with_hidden_and_scheduled_documents(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == (
        "documents: 5, visible: 3, hidden: 2, duplicates: 0, rejected: 0, warnings: 0, unreadable: 0"
    )


def test_check_of_a_missing_folder_is_one_line_and_status_1(runner: FlaskCliRunner, tmp_path: object) -> None:
    result = runner.invoke(args=["check", f"{tmp_path}/contnet"])
    assert result.exit_code == 1
    assert (
        result.output == f"Error: content folder {tmp_path}/contnet does not exist (the DIRECTORY argument)\n"
    )


def test_the_start_up_log_says_how_many_documents_were_rejected_and_how_to_list_them(
    make_app: AppFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_corpus(tmp_path, {"good.md": document(n=1), "bad.md": "---\ntitle: [unclosed\n---\n"})
    with caplog.at_level(logging.INFO, logger="feeds"):
        make_app(tmp_path).extensions["feeds"].index()
    assert f"1 documents rejected: run 'feeds check {tmp_path}' to list them" in caplog.text
    assert "bad.md" not in caplog.text  # a name can be a headline: counts only


def test_check_does_not_tell_its_reader_to_run_check(
    make_app: AppFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_corpus(tmp_path, {"good.md": document(n=1), "bad.md": "---\ntitle: [unclosed\n---\n"})
    with caplog.at_level(logging.INFO, logger="feeds"):
        result = make_app(tmp_path).test_cli_runner().invoke(args=["check", str(tmp_path)])
    assert result.exit_code == 1
    assert "bad.md: front matter: line " in result.output
    assert "documents rejected: run" not in caplog.text


FUTURE = dt.datetime(2099, 6, 1, tzinfo=dt.UTC)  # after the corpus's scheduled story (2099-01-01)


class TestTheExportAtTheAppsClock:
    @pytest.fixture
    def app(self, make_app: AppFactory, corpus_dir: Path) -> Flask:
        return make_app(corpus_dir, clock=lambda: FUTURE)

    def test_the_export_shows_what_the_server_shows_at_its_clock(
        self, runner: FlaskCliRunner, client: FlaskClient, tmp_path: Path
    ) -> None:
        assert b"A scheduled story" in client.get("/all.atom").data
        result = runner.invoke(args=["export", str(tmp_path / "site")])
        assert result.exit_code == 0, result.output
        exported = (tmp_path / "site" / "all.atom").read_bytes()
        assert b"A scheduled story" in exported
        assert b"A hidden embargoed story" not in exported
