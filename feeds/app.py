"""The Flask application factory: settings, the service, the web and CLI layers."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import DEFAULTS, base_url, flag, settings_from, whole_number
from .fast import FastPath
from .service import FeedService


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """The WSGI app: settings from defaults, `FEEDS_*` variables, then `test_config`."""
    app = Flask(__name__)
    _log_to_stderr()
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("FEEDS")
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.config["FEEDS_BASE"] = base_url(app.config)
    for name in ("MAX_AGE", "STALE_WHILE_REVALIDATE", "PROXY_HOPS"):
        app.config[name] = whole_number(app.config, name)
    service = FeedService(settings_from(app.config))  # reads the corpus on first use
    app.extensions["feeds"] = service
    # Repeat requests for cached responses are answered before Flask dispatches them (see `fast`).
    fast = FastPath(
        app.wsgi_app,
        app.extensions,
        app.config["MAX_AGE"],
        app.config["STALE_WHILE_REVALIDATE"],
        host_matters=app.config["FEEDS_BASE"] is None,
        enabled=flag(app.config, "FAST_PATH"),
    )
    app.extensions["feeds_fast"] = fast
    app.wsgi_app = fast  # type: ignore[method-assign]
    if hops := app.config["PROXY_HOPS"]:
        # Trust X-Forwarded-* only from the proxies we were told about (Werkzeug ProxyFix).
        proxied = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)
        app.wsgi_app = proxied  # type: ignore[method-assign]

    from . import cli, web  # the layers above the core, imported here so the core never pulls Flask

    app.register_blueprint(web.bp)
    cli.register(app)
    return app


def _log_to_stderr() -> None:
    """Start-up progress and reload problems (the `feeds` logger) go to stderr, where servers log."""
    logger = logging.getLogger("feeds")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[feeds %(process)d] %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
