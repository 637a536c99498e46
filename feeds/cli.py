"""`flask --app feeds check [DIR]`: every problem in a corpus, one line each, then a summary.
`flask --app feeds export OUTDIR`: the whole site as static files."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .errors import ConfigError, EmptyCorpusError, ExportRefusedError, printable
from .export import export, page_counts, pages
from .exportcheck import OtherSourceError, check_target
from .exportfiles import kept_text
from .exportwatch import follow
from .feedkeys import FeedKey
from .httppolicy import Caching
from .report import build_report
from .scan import require_content_dir
from .service import FeedService
from .urls import http_url
from .watch import Mode


@click.command("check")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Hidden documents' rejections fail the check too.")
@with_appcontext
def check(directory: Path | None, strict: bool) -> None:
    """Report every problem in DIR (default: FEEDS_CONTENT_DIR) as `path: field: reason`.

    \b
    Problems of documents that are or would be served (and of unreadable files and folders) come
    first, under a heading; those of hidden documents (`published: false`) after them, under another.
    Then documents that share an article URL, related links that pages leave out and why, and a
    summary line.

    \b
    Exits with status 1 when a served document is rejected or a file or folder cannot be read
    (with --strict, when a hidden document is rejected too), and when DIR does not exist, is not a
    folder or cannot be read (one line says so).
    """
    served: FeedService = current_app.extensions["feeds"]
    root = directory if directory is not None else served.settings.content_dir
    _require(root, "FEEDS_CONTENT_DIR" if directory is None else "the DIRECTORY argument")
    # The service's own reading and index (its clock, its parse cache, all cores), over DIR.
    settings = dataclasses.replace(served.settings, content_dir=root, watch="off")
    service = FeedService(settings, served.now, remember=False, lean=False)  # records nothing, reads all
    with _quiet_start_up():  # the start-up log would tell the reader to run this very command
        index = service.index()
    corpus = service.corpus

    def where(rel: str) -> str:  # one line per problem, whatever a file name holds
        return printable(os.path.join(root, rel))

    report = build_report(corpus, index, where)
    for line in report.lines(strict):
        click.echo(line)
    total = len(corpus.articles) + len(corpus.rejected)
    warnings = report.served.warnings + report.hidden.warnings
    click.echo(
        f"documents: {total}, visible: {index.count()}, hidden: {index.hidden_count}, "
        f"duplicates: {index.duplicate_count}, rejected: {len(corpus.rejected) + len(corpus.stale)}, "
        f"warnings: {warnings}, unreadable: {len(corpus.problems)}"
    )
    if report.fails(strict):
        raise SystemExit(1)


@contextlib.contextmanager
def _quiet_start_up() -> Iterator[None]:
    """The `feeds` logger's start-up lines (counts, "run 'feeds check'") held back while `check` reads."""
    logger = logging.getLogger("feeds")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _require(root: Path, source: str) -> None:
    """One line (`Error: content folder … does not exist (…)`, exit status 1) when `root` is unusable."""
    try:
        require_content_dir(root, source)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


@click.command("export")
@click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--base-url", help="Public root of absolute URLs (default: FEEDS_BASE_URL; one is needed).")
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Export even when no article is visible while OUTDIR holds a previous export (its feeds go).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Export even when OUTDIR holds the export of another content folder (its files this one does not"
    " make go).",
)
@click.option(
    "--watch",
    is_flag=True,
    help="Then keep OUTDIR current: export again, in this process, whenever the content folder changes.",
)
@with_appcontext
def export_site(outdir: Path, base_url: str | None, allow_empty: bool, force: bool, watch: bool) -> None:
    """Write the whole site under OUTDIR as static files (and .gz), byte-identical to the server's
    answers, with .feeds/nginx.conf to serve them (with the server's Cache-Control: FEEDS_MAX_AGE,
    FEEDS_STALE_WHILE_REVALIDATE). Only files whose bytes changed are rewritten; files of the
    previous export that are no longer produced are removed, and no others.

    \b
    Changes nothing and exits with status 1, saying why, when:
    - the content folder, or a folder under it, cannot be read (or does not exist);
    - OUTDIR holds files but no .feeds/ folder (it is not a previous export);
    - OUTDIR holds the export of another content folder (.feeds/content names it): a wrong folder
      (a subfolder, another site) would remove every page it does not make. --force exports it all
      the same;
    - no article is visible and OUTDIR holds a previous export: an empty corpus is more often a
      wrong folder or a failed sync than a site meant to be emptied, and the next step (an
      `rsync --delete`) would empty the published site. --allow-empty exports it all the same.

    With --watch it then follows the content folder and exports each change (only the files whose
    bytes changed are written; a refused export is reported and changes nothing) until it is stopped
    (Ctrl-C, SIGTERM).
    """
    served: FeedService = current_app.extensions["feeds"]
    settings = served.settings
    base = (base_url or settings.base_url or "").rstrip("/")
    if not http_url(base):
        raise click.UsageError("set FEEDS_BASE_URL or --base-url to the site's public root (absolute URLs)")
    _require(settings.content_dir, "FEEDS_CONTENT_DIR")
    # One snapshot, with the app's clock (what is visible is what the server shows); forks safely.
    service = FeedService(dataclasses.replace(settings, watch="off"), served.now)
    try:
        with service.snapshot() as held:  # what is checked, the files listed and made: one version
            check_target(service, outdir, allow_empty, force)  # before the progress bar: one line
            jobs = list(pages(service, base))
            holds = (held.version, page_counts(service))  # what OUTDIR holds, for --watch
            with click.progressbar(length=len(jobs), label="exporting", file=sys.stderr) as bar:
                processes = settings.parse_processes
                result = export(
                    service, outdir, jobs, settings.caching, bar.update, processes, allow_empty, force
                )
    except EmptyCorpusError as error:
        raise click.ClickException(f"{error} (--allow-empty exports it all the same)") from None
    except OtherSourceError as error:
        raise click.ClickException(f"{error} (--force exports it all the same)") from None
    except ExportRefusedError as error:
        raise click.ClickException(str(error)) from None
    rejected = sorted(service.content.rejected.items())
    for rel, document in rejected:
        problem = document.problem
        click.echo(
            f"{printable(str(settings.content_dir / rel))}: {problem.field}: {problem.reason}", err=True
        )
    if rejected:
        click.echo(
            f"{len(rejected)} document(s) rejected and left out (feeds check lists them all)",
            err=True,
        )
    for name in result.kept:
        click.echo(kept_text(outdir, name), err=True)
    click.echo(
        f"{outdir}: {result.files} files, {result.written} written, {result.unchanged} unchanged, "
        f"{result.removed} removed{f', {len(result.kept)} kept' if result.kept else ''}; "
        f"nginx: {outdir / '.feeds' / 'nginx.conf'}"
    )
    if watch:
        _follow(service, outdir, base, settings.caching, allow_empty, settings.watch, holds)


def _follow(
    service: FeedService,
    outdir: Path,
    base: str,
    caching: Caching,
    allow_empty: bool,
    watch: Mode,
    holds: tuple[int, dict[FeedKey, int]],
) -> None:
    """`export --watch`: `exportwatch.follow` until Ctrl-C or SIGTERM, one line per export on stdout;
    the folder followed as `FEEDS_WATCH` says (`watch`)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    click.echo(f"watching {service.settings.content_dir} (Ctrl-C to stop)", err=True)
    try:
        follow(service, outdir, base, caching, click.echo, stop, allow_empty, watch=watch, holds=holds)
    except KeyboardInterrupt:
        pass
    finally:
        service.stop()


def register(app: Flask) -> None:
    app.cli.add_command(check)
    app.cli.add_command(export_site)
