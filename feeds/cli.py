"""`flask --app feeds check [DIR]`: every problem in a corpus, one line each, then a summary.
`flask --app feeds export OUTDIR`: the whole site as static files."""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .corpus import load_corpus
from .export import export, pages
from .index import Index
from .service import FeedService, utc_now
from .text import http_url


@click.command("check")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def check(directory: Path | None) -> None:
    """Report every problem in DIR (default: FEEDS_CONTENT_DIR) as `path: field: reason`.

    Exits with status 1 when any document is rejected.
    """
    settings = current_app.extensions["feeds"].settings
    root = directory if directory is not None else settings.content_dir
    if not root.is_dir():
        raise click.UsageError(f"{root}: not a folder")
    corpus = load_corpus(root, settings.timezone, settings.max_document_bytes)
    hidden_refs = {r.error.path: r.url for r in corpus.rejected if r.hidden and r.url}
    index = Index.of(corpus.articles, utc_now(), hidden_refs)
    visible = index.count()

    def where(rel: str) -> str:
        return os.path.join(root, rel)

    for error in corpus.problems:
        click.echo(f"{where(error.path)}: {error.field}: {error.reason}")
    for rejected in corpus.rejected:
        click.echo(f"{where(rejected.error.path)}: {rejected.error.field}: {rejected.error.reason}")
    for rel, warning in corpus.warnings:
        click.echo(f"{where(rel)}: {warning.field}: {warning.reason} (warning)")
    for rel in corpus.ignored:
        click.echo(f"{where(rel)}: file: no front matter, not a document; ignored (warning)")
    total = len(corpus.articles) + len(corpus.rejected)
    duplicates = len(corpus.articles) - index.hidden_count - visible
    click.echo(
        f"documents: {total}, visible: {visible}, hidden: {index.hidden_count}, "
        f"duplicates: {duplicates}, rejected: {len(corpus.rejected)}, "
        f"warnings: {len(corpus.warnings) + len(corpus.ignored)}, unreadable: {len(corpus.problems)}"
    )
    if corpus.rejected or corpus.problems:
        raise SystemExit(1)


@click.command("export")
@click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--base-url", help="Public root of absolute URLs (default: FEEDS_BASE_URL; one is needed).")
@with_appcontext
def export_site(outdir: Path, base_url: str | None) -> None:
    """Write the whole site under OUTDIR as static files (and .gz), byte-identical to the server's
    answers, with .feeds/nginx.conf to serve them. Only files whose bytes changed are rewritten."""
    base = (base_url or current_app.config["FEEDS_BASE"] or "").rstrip("/")
    if not http_url(base):
        raise click.UsageError("set FEEDS_BASE_URL or --base-url to the site's public root (absolute URLs)")
    settings = current_app.extensions["feeds"].settings
    service = FeedService(dataclasses.replace(settings, watch="off"))  # one snapshot; forks safely
    jobs = list(pages(service, base))
    with click.progressbar(length=len(jobs), label="exporting", file=sys.stderr) as bar:
        result = export(service, outdir, jobs, bar.update, processes=settings.parse_processes)
    click.echo(
        f"{outdir}: {result.files} files, {result.written} written, {result.unchanged} unchanged, "
        f"{result.removed} removed; nginx: {outdir / '.feeds' / 'nginx.conf'}"
    )


def register(app: Flask) -> None:
    app.cli.add_command(check)
    app.cli.add_command(export_site)
