"""The Flask application factory: settings, the service, the web and CLI layers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import DEFAULTS, base_url, settings_from, whole_number
from .service import FeedService


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """The WSGI app: settings from defaults, `FEEDS_*` variables, then `test_config`."""
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("FEEDS")
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.config["FEEDS_BASE"] = base_url(app.config)
    for name in ("MAX_AGE", "STALE_WHILE_REVALIDATE", "PROXY_HOPS"):
        app.config[name] = whole_number(app.config, name)
    if hops := app.config["PROXY_HOPS"]:
        # Trust X-Forwarded-* only from the proxies we were told about (Werkzeug ProxyFix).
        proxied = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)
        app.wsgi_app = proxied  # type: ignore[method-assign]
    app.extensions["feeds"] = FeedService(settings_from(app.config))  # reads the corpus on first use

    from . import cli, web  # the layers above the core, imported here so the core never pulls Flask

    app.register_blueprint(web.bp)
    cli.register(app)
    return app
