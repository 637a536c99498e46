"""Which code reads documents, as one stamp: a hash of the source of the modules that turn a file into
a parse cache's `Reading` (`reading_modules`, found from their imports) and of the versions of the
libraries that shape what is read. The parse cache takes no read made under another stamp
(`parsecache.ParseCache`); computing it parses those modules (a tenth of a second), so it is noted
beside the cache (`code.json`) against the package files' sizes and times, and read from there."""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
READERS = ("bulkread.py", "parsecache.py")  # what turns a file into a cached `Reading`, and the format


def reading_modules(package: Path) -> list[Path]:
    """The modules of `package` that `READERS` import, directly or through each other (relative
    imports, found in their source): the code whose change can change what a file reads as. A list
    kept by hand would go stale the day a reading module imports one more; the whole package would
    throw a million-document cache away for an edit to the HTTP layer."""
    found: set[Path] = set()
    todo = [package / name for name in READERS]
    while todo:
        module = todo.pop()
        if module in found or not module.is_file():
            continue
        found.add(module)
        for node in ast.walk(ast.parse(module.read_bytes(), str(module))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                base = package.joinpath(*node.module.split(".")) if node.module else package
                if base.with_suffix(".py").is_file():  # `from .x import y`
                    todo.append(base.with_suffix(".py"))
                else:  # `from . import x`, `from .sub import x`: a (sub)package's modules by name
                    if base != package:
                        todo.append(base / "__init__.py")
                    todo.extend(base / f"{alias.name}.py" for alias in node.names)
    return sorted(found)


def code_hash(package: Path) -> str:
    """A fingerprint of the code in `package` that reads documents (`reading_modules`), and the
    versions of the libraries whose tables and rules shape what is read (`_library_versions`)."""
    digest = hashlib.sha256()
    for module in reading_modules(package):
        digest.update(module.relative_to(package).as_posix().encode() + b"\0" + module.read_bytes())
    for name, version in _library_versions():
        digest.update(f"{name}=={version}".encode())
    return digest.hexdigest()[:16]


def _library_versions() -> list[tuple[str, str]]:
    """Each library that shapes what is read, with its version as the library states it (`__version__`:
    no `importlib.metadata`, whose import and search cost more than the rest of a stamp)."""
    import anyascii
    import idna
    import yaml

    return [("PyYAML", yaml.__version__), ("anyascii", anyascii.__version__), ("idna", idna.__version__)]


def _package_files(package: Path) -> list[tuple[str, int, int]]:
    """Every module of `package` (its subpackages too) as (path, size, mtime in ns): what
    `reading_modules` and `code_hash` depend on, known without reading a file."""
    found: list[tuple[str, int, int]] = []
    todo = [os.fspath(package)]
    while todo:
        with os.scandir(todo.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
                    todo.append(entry.path)
                elif entry.name.endswith(".py"):
                    stat = entry.stat()
                    found.append((os.path.relpath(entry.path, package), stat.st_size, stat.st_mtime_ns))
    return sorted(found)


def current_code(folder: Path, package: Path = PACKAGE) -> str:
    """`code_hash(package)`, remembered in `folder/code.json` against the package's files (`_package_files`)
    and the libraries' versions: a start that finds them as they were reads no module (the hash reads and
    parses twenty, a tenth of a second). Computed afresh when the note is missing, damaged or out of
    date, or cannot be written (then each start computes it)."""
    note = folder / "code.json"
    key = [[list(f) for f in _package_files(package)], [list(v) for v in _library_versions()]]
    with contextlib.suppress(OSError, ValueError):
        known = json.loads(note.read_bytes())
        if isinstance(known, dict) and known.get("key") == key and isinstance(known.get("hash"), str):
            return str(known["hash"])
    fresh = code_hash(package)
    temporary = note.with_name(f"{note.name}.{os.getpid()}.tmp")
    with contextlib.suppress(OSError):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary.write_text(json.dumps({"key": key, "hash": fresh}))
        os.replace(temporary, note)
    with contextlib.suppress(OSError):
        temporary.unlink()
    return fresh


CODE: str | None = None  # this process's `current_code`, once known (a test may set another)


def code_for(folder: Path) -> str:
    """This process's code stamp (`current_code`, noted in `folder`), computed once."""
    global CODE
    if CODE is None:
        CODE = current_code(folder)
    return CODE
