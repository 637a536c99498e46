"""The `feeds` command installed with the package (`[project.scripts]`).

- `feeds serve`: gunicorn with the packaged settings (`feeds.gunicorn_conf`) serving `feeds.wsgi:app`;
- `feeds check [DIR]`, `feeds export OUTDIR`: the commands of `flask --app feeds check|export`
  (`feeds.cli`), run in the app's context, with the same output and exit statuses;
- `feeds --version`: the installed package's version.
"""

from __future__ import annotations

import os
import sys

import click
from flask.cli import ScriptInfo

from . import cli
from .app import create_app
from .render.meta import VERSION
from .settings import BIND_VARIABLE, DEFAULT_BIND

GUNICORN_CONFIG = "python:feeds.gunicorn_conf"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(VERSION, "--version", prog_name="feeds", message="%(prog)s %(version)s")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Atom, RSS and JSON feeds from a folder of news-article documents (settings: FEEDS_* variables)."""
    # `check` and `export` find the app here (flask.cli.with_appcontext), created when one runs.
    ctx.obj = ScriptInfo(create_app=create_app, set_debug_flag=False, load_dotenv_defaults=False)


@main.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option(
    "--bind",
    "-b",
    envvar=BIND_VARIABLE,
    show_envvar=True,
    help=f"Address to listen on, HOST:PORT or unix:PATH (default {DEFAULT_BIND}).",
)
@click.option(
    "--workers",
    "-w",
    type=click.IntRange(min=1),
    envvar="WEB_CONCURRENCY",
    show_envvar=True,
    help="Worker processes (default: one per core).",
)
@click.argument("gunicorn_options", nargs=-1, type=click.UNPROCESSED)
def serve(bind: str | None, workers: int | None, gunicorn_options: tuple[str, ...]) -> None:
    """Serve the feeds with gunicorn and the packaged settings (`gunicorn -c python:feeds.gunicorn_conf`).

    Further options go to gunicorn as they are (`feeds serve --access-logfile /var/log/feeds.log`).
    The process becomes gunicorn's master: its PID is the one to signal (TERM stops, HUP reloads).
    """
    command = gunicorn_command(bind, workers, gunicorn_options)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)  # noqa: S606  # a fixed program and our own arguments


def gunicorn_command(bind: str | None, workers: int | None, options: tuple[str, ...] = ()) -> list[str]:
    """The argv of gunicorn with the packaged settings (this interpreter's gunicorn module), with
    `--bind` and `--workers` only when given (the settings read FEEDS_BIND and WEB_CONCURRENCY)."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        GUNICORN_CONFIG,
        *(["--bind", bind] if bind else []),
        *(["--workers", str(workers)] if workers else []),
        *options,
    ]


main.add_command(cli.check)
main.add_command(cli.export_site)
