"""The WebSub helpers (tests/websub.py) against each other, no feed service: a topic is published to
flask-websub's hub, which fetches it and delivers its current body to the subscriber, and only to the
subscribers of that topic."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .servers import eventually
from .websub import hub, serving, subscriber

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

pytestmark = pytest.mark.slow
ATOM = "application/atom+xml"


class Topics:
    """A tiny publisher: serves each topic's current body with the Link header a WebSub hub wants
    (rel="self", rel="hub"), and notes every path fetched."""

    def __init__(self, hub_url: str) -> None:
        self.hub_url = hub_url
        self.base = ""
        self.bodies: dict[str, bytes] = {}
        self.fetched: list[str] = []
        self.lock = threading.Lock()

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"

    def put(self, name: str, title: str) -> bytes:
        body = (
            '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            f"<id>{self.url(name)}</id><title>{title}</title><updated>2024-01-01T00:00:00Z</updated></feed>\n"
        ).encode()
        self.bodies[name] = body
        return body

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        name = environ["PATH_INFO"].lstrip("/")
        with self.lock:
            self.fetched.append(name)
        body = self.bodies.get(name)
        if body is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"no such topic\n"]
        link = f'<{self.url(name)}>; rel="self", <{self.hub_url}>; rel="hub"'
        start_response("200 OK", [("Content-Type", ATOM), ("Content-Length", str(len(body))), ("Link", link)])
        return [body]


def publish(
    hub_url: str, topic_url: str, fields: tuple[str, ...] = ("hub.url", "hub.topic")
) -> tuple[int, bytes]:
    """POST hub.mode=publish as the feed service does (WebSub §7: hubs differ in the name they read)."""
    form = urllib.parse.urlencode({"hub.mode": "publish", **dict.fromkeys(fields, topic_url)}).encode()
    try:  # urllib sends it as application/x-www-form-urlencoded
        with urllib.request.urlopen(urllib.request.Request(hub_url, form), timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture
def hub_url(tmp_path: Path) -> Iterator[str]:
    with hub(tmp_path / "hub") as url:
        yield url


@pytest.fixture
def topics(hub_url: str) -> Iterator[Topics]:
    served = Topics(hub_url)
    with serving(served) as base:
        served.base = base
        yield served


def test_a_publish_reaches_the_topics_subscriber_and_no_other(
    hub_url: str, topics: Topics, tmp_path: Path
) -> None:
    first = topics.put("a.atom", "first")
    topics.put("b.atom", "another topic")
    with subscriber(hub_url, topics.url("a.atom"), tmp_path / "subscriber") as sub:
        assert publish(hub_url, topics.url("a.atom"))[0] == 202
        (delivery,) = sub.wait_for(1, seconds=5)
        assert (delivery.body, delivery.content_type, delivery.topic) == (first, ATOM, topics.url("a.atom"))
        assert delivery.link is not None
        assert f'<{topics.url("a.atom")}>; rel="self"' in delivery.link
        assert f'<{hub_url}>; rel="hub"' in delivery.link
        assert "a.atom" in topics.fetched  # the hub fetched the topic itself

        second = topics.put("a.atom", "second")
        assert publish(hub_url, topics.url("a.atom"))[0] == 202
        assert [d.body for d in sub.wait_for(2, seconds=5)] == [first, second]

        assert publish(hub_url, topics.url("b.atom"))[0] == 202
        eventually(lambda: "b.atom" in topics.fetched, 5, "the hub fetching the other topic")
        time.sleep(0.5)  # time enough for a delivery, were one due
        assert len(sub.deliveries()) == 2

    # flask-websub's hub reads hub.topic only: a publisher that sends hub.url alone is refused.
    status, body = publish(hub_url, topics.url("a.atom"), fields=("hub.url",))
    assert (status, body) == (400, b"Missing form argument: hub.topic\n")
