"""A real WebSub hub and subscriber for end-to-end tests, both flask-websub's (0.4.1).

`hub(workdir)` runs flask-websub's hub in a process of its own (this module, run as
`python -m tests.websub PORT DATABASE`), served by werkzeug on loopback. The hub hands its work to
Celery tasks; Celery is not installed, so a stand-in (`ThreadTasks`) runs each task in a worker thread
of the hub process, with Celery's retry contract. Everything else is flask-websub's own code: the
endpoint, the verification of intent (§5.3), the SQLite subscription store, the fetch of the topic on
publish and the content distribution (§8).

What flask-websub's hub asks of a publisher (read from its source, flask_websub/hub/):
- POST to the hub URL, form-encoded, `hub.mode=publish` and `hub.topic=<feed URL>`; it reads only
  `hub.topic` (`hub.url` alone is answered 400 "Missing form argument: hub.topic"). It answers 202 at once.
- Publishing is off unless the hub app's config has PUBLISH_SUPPORTED (ours has).
- The hub then GETs the topic URL itself, in a task: the topic must be reachable from the hub, and its
  response must carry a `Link` HTTP header naming both rel="self" and rel="hub" (a `<link>` in the body
  is not enough): without one the task fails (NotificationError) and nothing is delivered.
- Each subscriber of that topic is POSTed the fetched body with the topic response's headers copied
  (Content-Type, Link, but also Content-Encoding, ETag, …); the body is the decoded one.

`subscriber(hub_url, topic_url, workdir)` runs flask-websub's subscriber client on a werkzeug server in
a thread of the test process, subscribes, waits until the hub has verified and stored the subscription,
and records every distribution it receives.
"""

from __future__ import annotations

import contextlib
import logging
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, request
from flask_websub.hub import Hub, SQLite3HubStorage
from flask_websub.subscriber import SQLite3SubscriberStorage, SQLite3TempSubscriberStorage
from flask_websub.subscriber import Subscriber as WebSubClient
from werkzeug.serving import make_server

from .servers import ROOT, eventually, fetch, free_port, running

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

HUB_PATH = "/hub"  # publishers POST here, subscribers subscribe here
SUBSCRIBERS_PATH = "/hub/subscribers"  # ours, not WebSub: ?topic=URL → the stored callback URLs, a line each
log = logging.getLogger("tests.websub")


# The hub process


class _Retry(Exception):
    """Raised by a bound task's `retry`: this run ends, a later one is scheduled."""


class ThreadTasks:
    """The part of Celery that flask-websub's hub uses, on threads: `task(**options)(f)` is a task whose
    `delay(*args)` runs `f` in a worker thread and returns at once; with `bind=True`, `f` gets the task run
    first, with `request.retries` and `retry(countdown=…)` (again after `countdown` seconds, at most
    `max_retries` times). A task that fails is logged."""

    def __init__(self, workers: int = 8) -> None:
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="hub-task")

    def task(
        self, bind: bool = False, max_retries: int = 3, **_: object
    ) -> Callable[[Callable[..., Any]], _Task]:
        return lambda function: _Task(self.pool, function, bind, max_retries)


@dataclass
class _Task:
    pool: ThreadPoolExecutor
    function: Callable[..., Any]
    bind: bool
    max_retries: int

    def delay(self, *args: Any, **kwargs: Any) -> None:
        self._submit(0, 0.0, args, kwargs)

    def _submit(self, retries: int, countdown: float, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        if countdown > 0:
            timer = threading.Timer(countdown, self._submit, (retries, 0.0, args, kwargs))
            timer.daemon = True
            timer.start()
        else:
            self.pool.submit(self._run, retries, args, kwargs)

    def _run(self, retries: int, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        name = self.function.__name__

        def retry(countdown: float = 0.0, **_: object) -> None:
            if retries >= self.max_retries:
                log.error("task %s gave up after %d retries", name, retries)
            else:
                log.info("task %s: retry %d in %.2f s", name, retries + 1, countdown)
                self._submit(retries + 1, countdown, args, kwargs)
            raise _Retry

        run = SimpleNamespace(request=SimpleNamespace(retries=retries), retry=retry)
        try:
            self.function(*((run,) if self.bind else ()), *args, **kwargs)
            log.info("task %s done", name)
        except _Retry:
            pass
        except Exception:
            log.exception("task %s failed", name)


def hub_app(database: Path) -> Flask:
    """flask-websub's hub at HUB_PATH, publishing allowed, subscriptions in SQLite at `database`, short
    timeouts and retries (a test waits seconds, not the hour of the defaults)."""
    app = Flask("websub_hub")
    app.config["PUBLISH_SUPPORTED"] = True  # the endpoint reads it from the app's config
    storage = SQLite3HubStorage(str(database))
    hub = Hub(storage, ThreadTasks(), REQUEST_TIMEOUT=3, BACKOFF_BASE=0.25, MAX_ATTEMPTS=4)
    app.register_blueprint(hub.build_blueprint(url_prefix=HUB_PATH))

    @app.get(SUBSCRIBERS_PATH)
    def subscribers() -> Response:
        topic = request.args.get("topic", "")
        callbacks = [row["callback_url"] for row in storage.get_callbacks(topic)]
        return Response("".join(f"{c}\n" for c in callbacks), mimetype="text/plain")

    return app


def main(argv: list[str]) -> None:
    """`python -m tests.websub PORT DATABASE`: the hub, on 127.0.0.1:PORT, until it is stopped."""
    port, database = int(argv[0]), Path(argv[1])
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(threadName)s %(name)s: %(message)s"
    )
    make_server("127.0.0.1", port, hub_app(database), threaded=True).serve_forever()


@contextlib.contextmanager
def hub(workdir: Path) -> Iterator[str]:
    """flask-websub's hub in a process of its own on a free loopback port; yields the hub URL (where
    publishers POST and subscribers subscribe). Its log (every request and task) is `workdir/hub.log`;
    its subscriptions are in `workdir/hub.sqlite3`. Stopped by its process group when the block ends."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}{HUB_PATH}"
    command = [sys.executable, "-m", "tests.websub", str(port), str(workdir / "hub.sqlite3")]
    with (
        (workdir / "hub.log").open("wb") as output,
        running(command, url, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT),  # GET: 405, but up
    ):
        yield url


def subscribers(hub_url: str, topic_url: str) -> list[str]:
    """The callback URLs `hub()`'s hub has verified and stored for `topic_url` (not part of WebSub)."""
    base = hub_url.removesuffix(HUB_PATH)
    answer = fetch(f"{base}{SUBSCRIBERS_PATH}?{urllib.parse.urlencode({'topic': topic_url})}")
    assert answer.status == 200, answer
    return answer.body.decode().split()


# Serving a WSGI app in a thread of the test process


@contextlib.contextmanager
def serving(app: WSGIApplication) -> Iterator[str]:
    """`app` on werkzeug's threaded server, on a loopback port of the system's choosing, in a thread of
    this process; yields its base URL (http://127.0.0.1:PORT). Shut down when the block ends."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=f"serving {app}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# The subscriber


@dataclass(frozen=True)
class Delivery:
    """One content distribution (WebSub §8) as the subscriber received it."""

    topic: str  # the subscription's topic (the client knows it by the callback URL the hub POSTed to)
    body: bytes
    content_type: str | None
    link: str | None  # the Link header: rel="self" is the topic, rel="hub" the hub
    headers: dict[str, str]  # all of them (flask-websub's hub copies the topic response's)


@dataclass
class Subscriber:
    topic_url: str
    callback_url: str = ""
    _received: list[Delivery] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def deliveries(self) -> list[Delivery]:
        """Every distribution received so far, oldest first."""
        with self._lock:
            return list(self._received)

    def wait_for(self, count: int, seconds: float = 5) -> list[Delivery]:
        """The deliveries, once there are at least `count`; fails if there are fewer after `seconds`."""
        eventually(
            lambda: len(self.deliveries()) >= count, seconds, f"{count} deliveries of {self.topic_url}"
        )
        return self.deliveries()

    def _record(self, delivery: Delivery) -> None:
        with self._lock:
            self._received.append(delivery)


@contextlib.contextmanager
def subscriber(hub_url: str, topic_url: str, workdir: Path, seconds: float = 10) -> Iterator[Subscriber]:
    """flask-websub's subscriber client, served in a thread on loopback, subscribed to `topic_url` at
    `hub_url`: yields once the hub has verified the intent (§5.3) and stored the subscription (asked at
    the hub's SUBSCRIBERS_PATH, so the hub must be `hub()`'s), then records every distribution (§8).
    Its subscriptions are in `workdir/subscriber.sqlite3`."""
    workdir.mkdir(parents=True, exist_ok=True)
    database = str(workdir / "subscriber.sqlite3")
    client = WebSubClient(SQLite3SubscriberStorage(database), SQLite3TempSubscriberStorage(database))
    app = Flask("websub_subscriber")
    app.register_blueprint(client.build_blueprint(url_prefix="/callback"))
    result = Subscriber(topic_url)
    denied: list[str] = []

    def on_notification(topic: str, callback_id: str, body: bytes) -> None:  # in the POST's request
        headers = dict(request.headers)
        result._record(Delivery(topic, body, request.content_type, request.headers.get("Link"), headers))

    client.add_listener(on_notification)
    client.add_error_handler(lambda topic, callback_id, reason: denied.append(reason))

    with serving(app) as base:
        app.config["SERVER_NAME"] = base.removeprefix("http://")  # for the callback URL the client sends
        with app.app_context():
            callback_id = client.subscribe(topic_url=topic_url, hub_url=hub_url)
            result.callback_url = f"{base}/callback/{callback_id}"
        eventually(
            lambda: denied or result.callback_url in subscribers(hub_url, topic_url),
            seconds,
            f"the hub at {hub_url} verifying and storing a subscription to {topic_url}",
        )
        if denied:
            raise RuntimeError(f"the hub denied the subscription to {topic_url}: {denied}")
        yield result


if __name__ == "__main__":
    main(sys.argv[1:])
