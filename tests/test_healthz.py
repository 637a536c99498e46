"""`/healthz` tells the truth: `503` whenever `ok` is false (so load balancers and monitors notice),
with the same JSON body and `Cache-Control: no-store`; the last good corpus keeps serving meanwhile."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .helpers import AppFactory, document, write_corpus
from .servers import eventually, fetch, gunicorn


def test_healthz_is_200_while_the_content_folder_is_readable(tmp_path: Path, make_app: AppFactory) -> None:
    root = write_corpus(tmp_path / "content", {"a.md": document(n=1)})
    with make_app(root).test_client() as client:
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.get_json()["ok"] is True
        assert response.headers["Cache-Control"] == "no-store"


def test_healthz_is_503_while_the_content_folder_is_gone_and_feeds_keep_serving(
    tmp_path: Path, make_app: AppFactory
) -> None:
    root = write_corpus(tmp_path / "content", {"a.md": document(n=1), "b.md": document(n=2)})
    app = make_app(root)
    service = app.extensions["feeds"]
    with app.test_client() as client:
        feed = client.get("/all.atom").data
        root.rename(tmp_path / "swapped-out")
        service.refresh()
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.headers["Cache-Control"] == "no-store"
        body = response.get_json()
        assert body["ok"] is False
        assert body["articles"] == 2  # the last good corpus, still counted
        assert len(body["problems"]) == 1
        assert (client.get("/all.atom").status_code, client.get("/all.atom").data) == (200, feed)
        assert client.head("/healthz").status_code == 503

        (tmp_path / "swapped-out").rename(root)
        service.refresh()
        assert client.get("/healthz").status_code == 200


@pytest.mark.slow
@pytest.mark.parametrize("watch", ["auto", "poll"])
def test_gunicorn_healthz_turns_503_when_the_folder_vanishes_after_start(tmp_path: Path, watch: str) -> None:
    root = write_corpus(tmp_path / "content", {"a.md": document(n=1, title="Harbour wind farm approved")})
    env = {"FEEDS_WATCH": watch}  # auto (inotify) is the default; the root moved away sends no event
    with gunicorn(root, workers=1, env=env, args=("--no-control-socket",)) as server:
        healthy = fetch(f"{server.base}/healthz")
        assert healthy.status == 200
        assert json.loads(healthy.body)["ok"] is True
        feed = fetch(f"{server.base}/all.atom")
        assert b"Harbour wind farm approved" in feed.body

        root.rename(tmp_path / "old-content")  # a deploy swapping folders, or an unmounted volume
        eventually(lambda: fetch(f"{server.base}/healthz").status == 503, 2, "healthz 503")
        sick = fetch(f"{server.base}/healthz")
        assert json.loads(sick.body)["ok"] is False
        assert sick.headers["Cache-Control"] == "no-store"
        assert fetch(f"{server.base}/all.atom").body == feed.body  # the last good corpus serves on

        (tmp_path / "old-content").rename(root)
        eventually(lambda: fetch(f"{server.base}/healthz").status == 200, 2, "healthz 200 again")
        assert fetch(f"{server.base}/all.atom").body == feed.body
