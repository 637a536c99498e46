"""The Flask application factory: settings, the service, the fast path, the web and CLI layers."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

import click
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .errors import ConfigError
from .fast import FastPath
from .recorder import check_memory
from .requestpath import NormalPaths
from .scan import content_dir_problem, require_content_dir
from .service import Clock, FeedService, utc_now
from .settings import PREFIX, Settings, cannot_start, read_settings, unknown_variables
from .standby import Standby, Unavailable, replacement

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
    app.wsgi_app = NormalPaths(app.wsgi_app, settings.base_url is None)  # type: ignore[method-assign]
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
        check_memory(settings)
        return create_app(settings, standby=problem is not None)
    except ConfigError as error:
        cannot_start(error)


def serve() -> Flask:
    """The app as a WSGI server loads it (`wsgi.py`): `checked_app`, with the corpus read now, so a
    worker's first request is not the slow one (a memory that fails then stops it as `checked_app` does)."""
    app = checked_app(replacing=replacement())
    try:
        app.extensions["feeds"].index()
    except ConfigError as error:
        cannot_start(error)
    return app


def _log_to_stderr() -> None:
    """Start-up progress and reload problems (the `feeds` logger) go to stderr, where servers log."""
    logger = logging.getLogger("feeds")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[feeds %(process)d] %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
