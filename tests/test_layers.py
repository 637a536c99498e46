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
    "controls": 1,  # control characters that are not white space, though `str.strip` says so
    "forks": 1,  # what a fork of the process waits for
    # pure helpers: text, names, URLs, dates, HTTP policy, a byte-bounded cache, the folder watcher
    "text": 2,
    "slugs": 2,
    "urls": 2,
    "dates": 2,
    "httppolicy": 3,  # HTTP semantics as text (its hosts checked by `urls`)
    "cache": 2,
    "watch": 2,
    "store": 2,  # the memory's tables, in SQLite or PostgreSQL
    "websub": 2,  # telling WebSub hubs, in the background
    "urlkeys": 3,
    "docurls": 4,  # a document's own URLs: its article URL and the others it gives
    "urlpaths": 2,  # which paths hold each URL, one path kept as itself
    "keywords": 3,  # front matter keys in the form they are compared with known names
    "scalars": 3,  # YAML numbers and booleans that keep their text as written
    "yamlsyntax": 3,  # YAML syntax errors in plain words, at the line of their cause
    "yamlrefused": 3,  # what libyaml refuses that other writers write (surrogate escapes, control characters)
    # reading one document: YAML nodes → values → fields → an article
    "yamlvalues": 4,
    "vocabulary": 4,
    "fields": 4,
    "skim": 3,  # the lines of a hidden document its reading needs
    "frontmatter": 5,
    "yamlpaths": 5,  # the path of the value that holds a character of the YAML text
    "selfnames": 5,  # what a document that cannot be shown still names itself by: URLs, headline
    "skimread": 5,  # those lines read without YAML when each is one scalar
    "describe": 5,  # the article a document's values describe: required fields, the flag, warnings
    "withdrawal": 5,  # whether broken text withdraws its document, read leniently
    "parse": 6,
    # the folder on disk, and reading many files
    "scan": 4,
    "racy": 5,  # when an unchanged signature does not prove a file unchanged (a clock's tick)
    "parsecache": 7,
    "codestamp": 1,  # which code reads documents: a hash of its modules' source, noted beside the cache
    "bulkread": 7,
    "filestate": 7,  # what one file serves: its read, its last good article
    "remembered": 8,  # the parse cache and what was read since it was written
    "deletionrun": 8,  # deletions given back if the root goes right after them (`rm -rf` of it)
    "rescan": 8,  # what a scan finds changed; a full rescan by forked processes
    "snapshot": 8,  # a content directory's state as one value (`Corpus`)
    "corpus": 9,
    # which articles are visible, which feeds exist
    "feedkeys": 4,
    "index": 6,
    "indexread": 5,  # answering from the index's state: pages, names, articles as shown
    "indexchanges": 5,  # which feeds changed since a version, which URLs since the memory looked
    "hiddenlinks": 4,  # what hidden documents keep out of related lists
    "settings": 6,
    # renderers: values in, bytes out (never the index, the corpus or the service)
    "render.meta": 3,
    "render.body": 3,
    "render.feedgen_ext": 3,
    "render.read": 3,  # what the renderers read of an article, as bytes
    "render.fragments": 4,
    "render.opml": 3,
    "render.fingerprint": 4,
    "render.jsonfeed": 5,
    "render.syndication": 5,
    "render.chart": 3,  # articles per month as inline SVG charts
    "render.html": 5,
    "render": 6,
    "representation": 7,
    "memorydigests": 5,  # the memory's digests and times
    "memory": 7,  # the memory of what was published: Last-Modified, updated, tombstones
    "memoryrecall": 8,  # what the memory says of a corpus, read without recording (a standby worker)
    "presentation": 9,
    "report": 10,  # what `check` says about a corpus
    "recorder": 9,  # the memory of what was published, per process, and WebSub announcements
    "service": 10,
    "loadlog": 2,  # what a first read of the corpus logs
    # HTTP and the command line
    "exportnginx": 4,
    "requestpath": 4,  # request paths as nginx reads them (merged slashes, dot segments)
    "query": 5,  # a feed request's query string → FeedQuery
    "fast": 11,
    "standby": 11,  # a worker started after its server, while the content folder cannot be read
    "exportfiles": 3,  # the export folder: manifest, whole-file writes, removals
    "exportcheck": 11,  # what an export refuses, before it touches anything
    "export": 12,
    "exportwatch": 13,  # export --watch
    "web": 12,
    "cli": 14,
    "app": 15,
    "": 16,  # feeds/__init__.py: create_app and __version__, imported lazily
    # what servers and the shell run: the WSGI entry point, gunicorn's settings, the `feeds` command
    "wsgi": 17,
    "gunicorn_conf": 17,
    "command": 17,
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
    return imports_in(path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py")


def imports_in(source: str, name: str, is_package: bool = False) -> set[str]:
    """The package's modules that the module `name` imports if its text is `source`: `from .x import y`
    and `from feeds.x import y` name `x`, and `x.y` too when that is a module (`from .render import
    html` is `render.html`); `import feeds.x` names `x`."""
    package = name.split(".") if is_package else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = [p for p in package[: len(package) - (node.level - 1)] if p]
                module = ".".join([*base, *([node.module] if node.module else [])])
            elif node.module == "feeds" or (node.module or "").startswith("feeds."):
                module = (node.module or "").removeprefix("feeds").lstrip(".")
            else:
                continue
            inner = {f"{module}.{alias.name}".lstrip(".") for alias in node.names}
            submodules = inner & set(MODULES)
            found |= submodules
            if (module and node.module) or len(submodules) < len(inner):  # names from the module itself
                found.add(module)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "feeds" or alias.name.startswith("feeds."):
                    found.add(alias.name.removeprefix("feeds").lstrip("."))
    return found - {name}


def upward_imports(name: str, imported: set[str]) -> dict[str, int]:
    """The modules of `imported` whose layer is not below `name`'s: the arrows that point up."""
    return {dep: LAYERS[dep] for dep in imported if LAYERS[dep] >= LAYERS[name]}


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def test_every_module_has_a_layer() -> None:
    assert sorted(set(MODULES) - set(LAYERS)) == []
    assert sorted(set(LAYERS) - set(MODULES)) == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_a_module_imports_only_lower_layers(name: str) -> None:
    upward = upward_imports(name, imports_of(MODULES[name]))
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


@pytest.mark.parametrize(
    "source",
    [
        "from ..service import FeedService",
        "from .. import service",
        "from feeds.service import FeedService",
        "from feeds import service",
        "import feeds.service",
        "import feeds.service as svc",
        "def later():\n    from feeds import service\n",
    ],
)
def test_an_upward_import_is_caught_however_it_is_written(source: str) -> None:
    """A renderer that imported the service, in each way Python lets one write it, is reported."""
    assert upward_imports("render.html", imports_in(source, "render.html")) == {"service": LAYERS["service"]}


def test_an_import_from_a_package_names_the_module_it_takes() -> None:
    assert imports_in("from .render import html", "presentation") == {"render", "render.html"}
    assert imports_in("from . import html, meta", "render.syndication") == {"render.html", "render.meta"}
    assert imports_in("from feeds.render import html", "presentation") == {"render", "render.html"}
    assert imports_in("import feedgen.feed\nfrom feedgen import feed", "render.syndication") == set()


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_over_300_lines(name: str) -> None:
    """A module holds one concern: past 300 lines it holds more (docs/design.md, "Module map")."""
    lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    assert lines <= 300, f"{MODULES[name].relative_to(PACKAGE.parent)} has {lines} lines"
