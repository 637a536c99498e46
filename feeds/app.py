"""The Flask application factory: settings, the service, the fast path, the web and CLI layers."""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import click
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .corpus import ContentDir
from .errors import ConfigError
from .fast import FastPath
from .scan import content_dir_problem, require_content_dir
from .service import Clock, FeedService, utc_now
from .settings import PREFIX, Settings, read_settings, unknown_variables

if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import FrameType

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

APP_LOAD_ERROR = 4  # the exit status gunicorn reads as "App failed to load": it stops instead of respawning
STARTED = "GUNICORN_FEEDS_STARTED"  # the pid of a gunicorn master that checked the settings and folder
RETRY_AFTER = 60  # seconds: while a worker has nothing of an unusable content folder to serve
log = logging.getLogger("feeds")


class SettingError(ConfigError, click.ClickException):
    """A `ConfigError` that the `flask` command line reports as one line (`Error: …`, exit status 1)
    instead of a traceback; code that catches `ConfigError` still catches it."""


def create_app(
    config: Settings | Mapping[str, Any] | None = None,
    *,
    clock: Clock = utc_now,
    environ: Mapping[str, str] | None = None,
    standby: bool = False,
) -> Flask:
    """The WSGI app over `Settings`: given whole, or read from `FEEDS_*` variables of `environ` (default:
    the process's) with `config` on top (names with or without `FEEDS_`; other keys, such as
    `TESTING`, go to Flask's config). `clock` is the service's "now" (tests pass a fixed one). A
    `FEEDS_*` variable or `config` key that is no setting is logged as a warning (`unknown_variables`).

    Raises `SettingError` (a `ConfigError`) naming the setting when one is invalid. The content folder
    is not looked at here (`flask check DIR` needs none): `serve` and the commands check it.
    `standby`: a worker started while its folder is unusable (`Standby`, `Unavailable`)."""
    app = Flask(__name__)
    _log_to_stderr()
    if isinstance(config, Settings):
        settings = config
    else:
        try:
            settings = read_settings(environ, config)
        except ConfigError as error:
            raise SettingError(str(error)) from None
        app.config.from_mapping({k: v for k, v in (config or {}).items() if k.isupper()})
    given = {} if isinstance(config, Settings) else {k: "" for k in config or {} if k.startswith(PREFIX)}
    for line in unknown_variables({**(os.environ if environ is None else environ), **given}):
        log.warning("%s", line)
    service = (Standby if standby else FeedService)(settings, clock)  # reads the corpus on first use
    app.extensions["feeds"] = service
    # Repeat requests for cached responses are answered before Flask dispatches them (see `fast`).
    fast = FastPath(
        app.wsgi_app,
        service,
        settings.caching,
        host_matters=settings.base_url is None,
        enabled=settings.fast_path,
    )
    app.extensions["feeds_fast"] = fast
    app.wsgi_app = fast  # type: ignore[method-assign]
    if standby:
        app.wsgi_app = Unavailable(app.wsgi_app, service.content)  # type: ignore[method-assign]
    if hops := settings.proxy_hops:
        # Trust X-Forwarded-* only from the proxies we were told about (Werkzeug ProxyFix).
        proxied = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)
        app.wsgi_app = proxied  # type: ignore[method-assign]

    from . import cli, web  # the layers above the core, imported here so the core never pulls Flask

    app.register_blueprint(web.bp)
    cli.register(app)
    return app


def checked_app(*, replacing: bool = False) -> Flask:
    """The app from the environment, its settings and content folder checked, the corpus not read.

    When the service cannot start (a bad setting; a content folder that does not exist, is not a
    folder or cannot be read), one line on stderr names the problem and the process exits with
    status 4, which gunicorn reads as "App failed to load": it stops the whole server instead of
    starting workers again and again. `replacing`: this process replaces a worker of a server that
    started (`replacement`); an unusable folder then makes a standby app (`create_app(standby=True)`)
    instead, since exiting would stop the workers still serving the last good corpus.
    """
    _log_to_stderr()
    try:
        settings = read_settings()
        problem = content_dir_problem(settings.content_dir)
        if problem is not None and replacing:
            log.warning(
                "content folder %s %s: this worker was started after the server was; it serves the"
                " last good corpus from the parse cache (if any), /healthz answers 503",
                os.path.abspath(settings.content_dir),
                problem,
            )
        else:
            require_content_dir(settings.content_dir)
        return create_app(settings, standby=problem is not None)
    except ConfigError as error:
        sys.stderr.write(f"feeds: cannot start: {error}\n")
        sys.stderr.flush()
        raise SystemExit(APP_LOAD_ERROR) from None


def serve() -> Flask:
    """The app as a WSGI server loads it (`wsgi.py`): `checked_app`, with the corpus read now, so a
    worker's first request is not the slow one."""
    app = checked_app(replacing=replacement())
    app.extensions["feeds"].index()
    return app


def replacement() -> bool:
    """This process belongs to a server that already started: a gunicorn master marked `STARTED` with
    its pid after checking (`gunicorn_conf.on_starting`; this is it, or its worker); gunicorn numbers
    this worker beyond its first ones, or granian forked it to respawn one (a worker that crashed,
    was killed, timed out, reached `max_requests`, its lifetime or memory bound, or was reloaded).
    Otherwise (a first start; `--preload`; a server that starts workers some other way): False."""
    if os.environ.get(STARTED) in (str(os.getpid()), str(os.getppid())):
        return True
    base = sys.modules.get("gunicorn.workers.base")
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:  # who is loading this app: a caller up the stack (a fork keeps the parent's)
        worker = frame.f_locals.get("self")
        if base is not None and isinstance(worker, base.Worker):
            return int(getattr(worker, "age", 0)) > int(getattr(worker.cfg, "workers", 0))
        module = str(frame.f_globals.get("__name__"))
        if frame.f_code.co_name == "_respawn_workers" and module.startswith("granian."):
            return True
        frame = frame.f_back
    return False


class Standby(FeedService):
    """The service of a worker started while its content folder is unusable: it serves what the parse
    cache holds as the last good corpus (`ContentDir.last_good_from_cache`), never records it in the
    memory of what was published (it may be older than what was published: recording it would mark
    articles deleted), and polls the folder (events cannot watch a folder that is not there or cannot
    be read). Once the folder has been read again in full, it records and watches as configured."""

    def __init__(self, settings: Settings, clock: Clock = utc_now) -> None:
        self._wanted = settings.watch
        super().__init__(
            dataclasses.replace(settings, watch="poll" if settings.watch != "off" else "off"), clock
        )
        self.content.last_good_from_cache = True

    def _record(self) -> None:
        if _root_unusable(self.content):
            return
        if self.settings.watch != self._wanted:
            self.settings = dataclasses.replace(self.settings, watch=self._wanted)
            threading.Thread(target=self._rewatch, name="feeds-rewatch", daemon=True).start()
        super()._record()

    def _rewatch(self) -> None:
        """Replace the polling watcher (whose thread may be the caller of `_record`) with the one the
        settings ask for."""
        self.stop()
        self._watcher_pid = 0
        self.index()


class Unavailable:
    """WSGI: while the content folder is unusable and this process holds nothing of it (no parse
    cache), every request but `/healthz` is answered `503 Service Unavailable` with `Retry-After`
    (RFC 9110 §15.6.4, §10.2.3), never an empty feed, which readers would take as every article
    withdrawn."""

    def __init__(self, app: WSGIApplication, content: ContentDir) -> None:
        self.app = app
        self.content = content

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if len(self.content) or environ.get("PATH_INFO") == "/healthz" or not _root_unusable(self.content):
            return self.app(environ, start_response)
        body = b"The content folder cannot be read and this worker has no copy of it; try again later.\n"
        headers = [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Retry-After", str(RETRY_AFTER)),
            ("Cache-Control", "no-store"),
        ]
        start_response("503 Service Unavailable", headers)
        return [body]


def _root_unusable(content: ContentDir) -> bool:
    return any(p.field == "content directory" for p in content.problems)


def _log_to_stderr() -> None:
    """Start-up progress and reload problems (the `feeds` logger) go to stderr, where servers log."""
    logger = logging.getLogger("feeds")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[feeds %(process)d] %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
