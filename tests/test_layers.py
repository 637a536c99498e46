"""The import graph points one way (docs/design.md, "Module map").

Each module of the package has a layer; a module imports only modules of lower layers, so there is
no cycle and no upward arrow. The table is the design: adding a module means giving it a layer here.
The core (everything below the web layer) never loads Flask, Werkzeug or click, which a fresh
interpreter proves for each core module.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "feeds"

LAYERS: dict[str, int] = {
    # values and errors
    "model": 0,
    "errors": 1,
    # pure helpers: text, names, URLs, dates, HTTP policy, a byte-bounded cache, the folder watcher
    "text": 2,
    "slugs": 2,
    "urls": 2,
    "dates": 2,
    "httppolicy": 2,
    "cache": 2,
    "watch": 2,
    "store": 2,  # the memory's tables, in SQLite or PostgreSQL
    "websub": 2,  # telling WebSub hubs, in the background
    "urlkeys": 3,
    "scalars": 3,  # YAML numbers and booleans that keep their text as written
    "yamlsyntax": 3,  # YAML syntax errors in plain words, at the line of their cause
    # reading one document: YAML nodes → values → fields → an article
    "yamlvalues": 4,
    "vocabulary": 4,
    "fields": 4,
    "frontmatter": 5,
    "parse": 6,
    # the folder on disk, and reading many files
    "scan": 4,
    "parsecache": 7,
    "bulkread": 7,
    "corpus": 8,
    # which articles are visible, which feeds exist
    "feedkeys": 4,
    "index": 5,
    "settings": 6,
    # renderers: values in, bytes out (never the index, the corpus or the service)
    "render.meta": 3,
    "render.body": 3,
    "render.feedgen_ext": 3,
    "render.fragments": 3,
    "render.opml": 3,
    "render.fingerprint": 4,
    "render.jsonfeed": 4,
    "render.syndication": 4,
    "render.html": 5,
    "render": 6,
    "representation": 7,
    "memory": 7,  # the memory of what was published: Last-Modified, updated, tombstones
    "presentation": 9,
    "report": 9,  # what `check` says about a corpus
    "service": 10,
    # HTTP and the command line
    "exportnginx": 3,
    "fast": 11,
    "export": 11,
    "web": 12,
    "cli": 12,
    "app": 13,
    "": 14,  # feeds/__init__.py: create_app and __version__, imported lazily
    # what servers and the shell run: the WSGI entry point, gunicorn's settings, the `feeds` command
    "wsgi": 15,
    "gunicorn_conf": 15,
    "command": 15,
}
WEB_LAYER = {"fast", "web", "cli", "app", "", "wsgi", "gunicorn_conf", "command"}
RENDERERS = {name for name in LAYERS if name.startswith("render")}
FRAMEWORKS = ("flask", "werkzeug", "click")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """The package's modules that `path` imports (relative and absolute imports, at any depth)."""
    name = module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = [p for p in package[: len(package) - (node.level - 1)] if p]
            if node.module:
                found.add(".".join([*base, node.module]))
            else:
                found |= {".".join([*base, alias.name]) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("feeds"):
            found.add((node.module or "").removeprefix("feeds").lstrip("."))
    return found - {name}


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def test_every_module_has_a_layer() -> None:
    assert sorted(set(MODULES) - set(LAYERS)) == []
    assert sorted(set(LAYERS) - set(MODULES)) == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_a_module_imports_only_lower_layers(name: str) -> None:
    upward = {dep: LAYERS[dep] for dep in imports_of(MODULES[name]) if LAYERS[dep] >= LAYERS[name]}
    assert upward == {}, f"{name or 'feeds'} (layer {LAYERS[name]}) imports {upward}"


def test_renderers_never_import_the_index_the_corpus_or_the_service() -> None:
    for name in RENDERERS:
        assert imports_of(MODULES[name]) & {"index", "corpus", "service", "presentation", "settings"} == set()


def test_the_core_never_imports_the_web_layer() -> None:
    for name in set(MODULES) - WEB_LAYER:
        assert imports_of(MODULES[name]) & WEB_LAYER == set(), name


def test_the_core_loads_no_web_framework_in_a_fresh_interpreter() -> None:
    core = sorted(f"feeds.{name}" if name else "feeds" for name in set(MODULES) - (WEB_LAYER - {""}))
    probe = (
        "import importlib, json, sys\n"
        f"loaded = {{}}\nfor name in {core!r}:\n"
        "    importlib.import_module(name)\n"
        f"    loaded[name] = sorted(m for m in sys.modules if m.split('.')[0] in {FRAMEWORKS!r})\n"
        "print(json.dumps(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = json.loads(result.stdout)
    assert {name: frameworks for name, frameworks in loaded.items() if frameworks} == {}
