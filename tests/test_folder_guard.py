"""A wrong content folder never destroys the published site: the server, `check` and `export` refuse
to start on a folder that is missing, not a folder or unreadable (one line, no traceback), and an
export never removes files on the strength of a corpus it could not read, nor touches a folder it
did not make.

Each test runs the user's own commands (`flask --app feeds …`, `gunicorn … wsgi:app`, `granian …`)
as subprocesses with `FEEDS_*` variables, as the README tells them to.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import tempfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from feeds import exportfiles
from feeds.exportfiles import META, Record, read_manifest, record, remove_unmade, write_manifest

from .helpers import AppFactory, document, write_corpus
from .servers import BIN, GRANIAN_ARGS, ROOT, free_port

BASE_URL = "https://news.example.org"
ATOM = "{http://www.w3.org/2005/Atom}"
PR_CAPBSET_DROP = 24  # prctl(2)
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2  # capabilities(7): what lets root ignore permission bits
Preexec = Callable[[], None] | None


def environment(content: Path | str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "FEEDS_CONTENT_DIR": str(content),
        "FEEDS_BASE_URL": BASE_URL,
        "FEEDS_PARSE_CACHE": "off",
        "FEEDS_WATCH": "off",
        **extra,
    }


def flask(
    cwd: Path, content: Path | str, *args: str, preexec: Preexec = None, **extra: str
) -> subprocess.CompletedProcess[str]:
    """`FEEDS_CONTENT_DIR=content flask --app feeds ARGS`, run in `cwd`."""
    return subprocess.run(
        [str(BIN / "flask"), "--app", "feeds", *args],
        cwd=cwd,
        env=environment(content, **extra),
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=preexec,
        check=False,
    )


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under `folder`: its bytes and its mtime (a rewrite with the same bytes shows too)."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def news(tmp_path: Path) -> Path:
    return write_corpus(
        tmp_path / "content",
        {
            "a.md": document(n=1, topics=["Energy"]),
            "b.md": document(n=2, topics=["Climate"], provider={"name": "Tide", "domain": "tide.example"}),
        },
    )


@pytest.fixture
def published(tmp_path: Path, news: Path) -> Path:
    """A site exported from `news`: what `rsync -a --delete` would next copy to the CDN."""
    out = tmp_path / "site"
    first = flask(tmp_path, news, "export", str(out))
    assert first.returncode == 0, first.stderr
    assert (out / "topics" / "energy.atom").is_file()
    return out


# --- a folder that root cannot read either -----------------------------------------------------------


def _drop_root_overrides() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) refused")


@pytest.fixture
def locked(tmp_path: Path) -> Iterator[tuple[Path, Preexec]]:
    """A folder with mode 000 and how to run a program that cannot read it.

    Not root: mode 000 is enough. Root reads anything while it holds CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH; the program is run without them (dropped from its bounding set, so it is
    root without the override, still the owner of the test's folders). Skipped when this process may
    not drop them (no CAP_SETPCAP)."""
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / "a.md").write_text("---\ntitle: x\n---\n", encoding="utf-8")
    folder.chmod(0)
    preexec: Preexec = _drop_root_overrides if os.geteuid() == 0 else None
    try:
        probe = subprocess.run(
            ["ls", str(folder)], preexec_fn=preexec, capture_output=True, check=False, timeout=10
        )
        if probe.returncode == 0:
            pytest.skip("cannot make a folder unreadable here (root whose overrides cannot be dropped)")
        yield folder, preexec
    except subprocess.SubprocessError as error:
        pytest.skip(f"cannot drop root's permission overrides here: {error}")
    finally:
        folder.chmod(0o700)


def unusable(kind: str, tmp_path: Path, locked: tuple[Path, Preexec] | None) -> tuple[Path, str, Preexec]:
    """A content folder of the given kind, the reason a user should read, how to run programs."""
    if kind == "missing":
        return tmp_path / "contnet", "does not exist", None
    if kind == "file":
        path = tmp_path / "content.md"
        path.write_text("not a folder\n", encoding="utf-8")
        return path, "is not a folder", None
    assert locked is not None
    return locked[0], "cannot be read (Permission denied)", locked[1]


KINDS = ["missing", "file", "unreadable"]


@pytest.fixture(params=KINDS)
def bad_folder(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, str, Preexec]:
    locked = request.getfixturevalue("locked") if request.param == "unreadable" else None
    return unusable(request.param, tmp_path, locked)


# --- flask --app feeds check / export ----------------------------------------------------------------


@pytest.mark.parametrize("command", ["check", "export"])
def test_check_and_export_refuse_an_unusable_content_folder_in_one_line(
    tmp_path: Path, bad_folder: tuple[Path, str, Preexec], command: str
) -> None:
    folder, reason, preexec = bad_folder
    out = tmp_path / "site"
    args = ["export", str(out)] if command == "export" else ["check"]
    result = flask(tmp_path, folder, *args, preexec=preexec)
    assert result.returncode == 1, result.stderr
    assert lines(result.stderr) == [f"Error: content folder {folder} {reason} (FEEDS_CONTENT_DIR)"]
    assert not out.exists()


def test_check_of_a_named_folder_that_is_not_there_says_so_in_one_line(tmp_path: Path, news: Path) -> None:
    result = flask(tmp_path, news, "check", str(tmp_path / "nwes"))
    assert result.returncode == 1
    assert lines(result.stderr) == [
        f"Error: content folder {tmp_path / 'nwes'} does not exist (the DIRECTORY argument)"
    ]
    named_file = flask(tmp_path, news, "check", str(news / "a.md"))
    assert named_file.returncode == 1
    assert lines(named_file.stderr) == [
        f"Error: content folder {news / 'a.md'} is not a folder (the DIRECTORY argument)"
    ]


def test_a_bad_setting_is_one_line_not_a_traceback(tmp_path: Path, news: Path) -> None:
    result = flask(tmp_path, news, "check", FEEDS_TIMEZONE="Mars/Olympus_Mons")
    assert result.returncode == 1
    assert lines(result.stderr) == ["Error: FEEDS_TIMEZONE: unknown time zone 'Mars/Olympus_Mons'"]
    export = flask(tmp_path, news, "export", str(tmp_path / "site"), FEEDS_MAX_AGE="soon")
    assert export.returncode == 1
    assert lines(export.stderr) == ["Error: FEEDS_MAX_AGE: expected a whole number, got 'soon'"]
    assert not (tmp_path / "site").exists()


def test_a_typo_in_the_content_folder_leaves_the_previous_export_untouched(
    tmp_path: Path, published: Path
) -> None:
    before = snapshot(published)
    result = flask(tmp_path, "contnet", "export", str(published))
    assert result.returncode == 1
    assert lines(result.stderr) == [
        f"Error: content folder {tmp_path / 'contnet'} does not exist (FEEDS_CONTENT_DIR)"
    ]
    assert "removed" not in result.stdout
    assert snapshot(published) == before


def test_an_unreadable_folder_inside_the_corpus_leaves_the_previous_export_untouched(
    tmp_path: Path, news: Path, published: Path, locked: tuple[Path, Preexec]
) -> None:
    _, preexec = locked
    inner = news / "2025"
    write_corpus(inner, {"c.md": document(n=3, topics=["Tides"])})
    again = flask(tmp_path, news, "export", str(published))
    assert again.returncode == 0, again.stderr
    assert (published / "topics" / "tides.atom").is_file()
    before = snapshot(published)
    inner.chmod(0)
    try:
        result = flask(tmp_path, news, "export", str(published), preexec=preexec)
    finally:
        inner.chmod(0o700)
    assert result.returncode == 1
    last = lines(result.stderr)[-1]
    assert last.startswith(f"Error: {inner}: ")
    assert "cannot be read" in last
    assert last.endswith("nothing was exported or removed")
    assert snapshot(published) == before


def test_an_unreadable_document_leaves_the_previous_export_untouched(
    tmp_path: Path, news: Path, published: Path, locked: tuple[Path, Preexec]
) -> None:
    _, preexec = locked
    write_corpus(news, {"c.md": document(n=3, topics=["Tides"])})
    again = flask(tmp_path, news, "export", str(published))
    assert again.returncode == 0, again.stderr
    assert (published / "topics" / "tides.atom").is_file()
    before = snapshot(published)
    (news / "c.md").chmod(0)
    try:
        result = flask(tmp_path, news, "export", str(published), preexec=preexec)
    finally:
        (news / "c.md").chmod(0o600)
    assert result.returncode == 1
    last = lines(result.stderr)[-1]
    assert last.startswith(f"Error: {news / 'c.md'}: file: cannot be read")
    assert last.endswith("nothing was exported or removed")
    assert snapshot(published) == before


def test_an_empty_corpus_does_not_empty_the_previous_export_unless_asked(
    tmp_path: Path, news: Path, published: Path
) -> None:
    before = snapshot(published)
    for doc in news.glob("*.md"):  # every document unpublished: nothing left to show
        doc.write_text(doc.read_text(encoding="utf-8").replace("published: true", "published: false"))
    refused = flask(tmp_path, news, "export", str(published))
    assert refused.returncode == 1
    last = lines(refused.stderr)[-1]
    assert last.startswith(f"Error: no visible article in {news}")
    assert "--allow-empty" in last
    assert snapshot(published) == before

    empty_folder = tmp_path / "empty"
    empty_folder.mkdir()
    assert flask(tmp_path, empty_folder, "export", str(published)).returncode == 1
    assert snapshot(published) == before

    allowed = flask(tmp_path, news, "export", str(published), "--allow-empty")
    assert allowed.returncode == 0, allowed.stderr
    assert not (published / "topics" / "energy.atom").exists()
    assert etree.fromstring((published / "all.atom").read_bytes()).find(f"{ATOM}entry") is None


def test_an_empty_corpus_exports_into_a_new_folder(tmp_path: Path) -> None:
    empty_folder = tmp_path / "empty"
    empty_folder.mkdir()
    result = flask(tmp_path, empty_folder, "export", str(tmp_path / "site"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "all.atom").is_file()


def test_export_never_touches_a_folder_that_is_not_a_previous_export(tmp_path: Path, news: Path) -> None:
    www = tmp_path / "www"
    www.mkdir()
    (www / "index.html").write_text("<h1>The newsroom's own home page</h1>\n", encoding="utf-8")
    (www / "robots.txt").write_text("User-agent: *\n", encoding="utf-8")
    before = snapshot(www)
    result = flask(tmp_path, news, "export", str(www))
    assert result.returncode == 1
    assert lines(result.stderr)[-1] == (
        f"Error: {www} holds files but no .feeds/ (it is not a previous export); nothing was exported: "
        "export into a new or empty folder"
    )
    assert snapshot(www) == before
    empty = tmp_path / "empty-site"
    empty.mkdir()
    assert flask(tmp_path, news, "export", str(empty)).returncode == 0


def test_files_added_beside_an_export_survive_the_next_export(
    tmp_path: Path, news: Path, published: Path
) -> None:
    (published / "robots.txt").write_text("User-agent: *\n", encoding="utf-8")
    outside = tmp_path / "outside.txt"
    outside.write_text("not the export's\n", encoding="utf-8")
    manifest = published / ".feeds" / "manifest"
    # a manifest edited by hand (or by anyone who can write there) cannot point the removal elsewhere
    manifest.write_text(manifest.read_text() + f"{outside}\tx\t1\t1\n../outside.txt\tx\t1\t1\n")
    (news / "b.md").unlink()
    result = flask(tmp_path, news, "export", str(published))
    assert result.returncode == 0, result.stderr
    assert not (published / "topics" / "climate.atom").exists()  # the export's own file: gone
    assert (published / "robots.txt").read_text() == "User-agent: *\n"
    assert outside.read_text() == "not the export's\n"


def test_a_file_the_export_no_longer_makes_is_removed_only_while_it_holds_what_was_written(
    tmp_path: Path, news: Path, published: Path
) -> None:
    """A person's file named in the manifest by hand, in any shape of line, and an export's file edited
    since, are kept and named on stderr; an export's file only touched or copied (its bytes as
    written, its mtime not) is removed, so a feed that no longer exists never keeps serving."""
    (published / "robots.txt").write_text("User-agent: *\n", encoding="utf-8")
    (published / "topics" / "mine.atom").write_text("<feed>the newsroom's own</feed>\n", encoding="utf-8")
    size = (published / "robots.txt").stat().st_size
    manifest = published / ".feeds" / "manifest"
    manifest.write_text(
        manifest.read_text()
        + "robots.txt\n"  # a line of another shape
        + f"topics/mine.atom\tx\t{(published / 'topics' / 'mine.atom').stat().st_size}\t1\t00000000\n"
        + f"robots.txt\tx\t{size}\t{(published / 'robots.txt').stat().st_mtime_ns}\t12345678\n"
    )
    climate = published / "topics" / "climate.atom"
    climate.write_bytes(climate.read_bytes().replace(b"</feed>", b"<!-- edited by hand --></feed>"))
    rss = published / "topics" / "climate.rss"
    os.utime(rss, ns=(1, 1))  # touched or copied: the bytes are still the export's
    (news / "b.md").unlink()  # the only Climate article: its feeds are no longer made
    result = flask(tmp_path, news, "export", str(published))
    assert result.returncode == 0, result.stderr
    assert (published / "robots.txt").read_text() == "User-agent: *\n"
    assert (published / "topics" / "mine.atom").is_file()
    assert b"edited by hand" in climate.read_bytes()
    assert not rss.exists()
    assert not (published / "topics" / "climate.json").exists()
    kept = [line for line in lines(result.stderr) if ": kept: " in line]
    named = sorted(line.split(": kept: ")[0] for line in kept)
    assert named == sorted(
        str(published / n) for n in ("robots.txt", "topics/climate.atom", "topics/mine.atom")
    )
    assert "3 kept" in result.stdout
    again = flask(tmp_path, news, "export", str(published))  # no longer in the manifest: not named again
    assert ": kept: " not in again.stderr
    assert climate.is_file()


NAMES = ["all.atom", "topics/a.atom", "topics/a/index.html", "robots.txt", "x/y/z.rss", "topics/a.atom.gz"]
AFTER = ["as written", "touched", "edited", "same size, other bytes", "deleted", "replaced by a folder"]
LINES = ["ours", "another shape", "hand: 4 fields", "hand: 5 fields", "hand: size right, crc wrong"]


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(NAMES),
        st.tuples(st.sampled_from(LINES), st.sampled_from(AFTER), st.binary(min_size=1, max_size=40)),
        min_size=1,
    ),
    st.integers(0, 2**32 - 1),
)
def test_removal_takes_only_files_holding_what_an_export_wrote(
    files: dict[str, tuple[str, str, bytes]], hand_crc: int
) -> None:
    """Whatever a manifest line claims and whatever happened to the file since, `remove_unmade` removes
    a file no longer made exactly when it holds the bytes an export recorded writing there."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        previous: dict[str, Record] = {}
        for name, (line, _, data) in files.items():
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            (out / name).write_bytes(data)
            info = (out / name).stat()
            if line == "ours":
                previous[name] = record(out, name, "etag", data)
            elif line == "another shape":
                previous[name] = Record(name, "", -1, -1)
            elif line == "hand: 4 fields":
                previous[name] = Record(name, "x", info.st_size + 1, 1)
            else:
                size = info.st_size if line.startswith("hand: size right") else info.st_size + 3
                crc = hand_crc if hand_crc != zlib.crc32(data) else hand_crc ^ 1
                previous[name] = Record(name, "x", size, info.st_mtime_ns, crc)
        for name, (_, after, data) in files.items():
            path = out / name
            if after == "touched":
                os.utime(path, ns=(1, 1))
            elif after == "edited":
                path.write_bytes(data + b"<!-- a person's edit -->")
            elif after == "same size, other bytes":
                path.write_bytes(bytes(b ^ 0x20 for b in data))
            elif after == "deleted":
                path.unlink()
            elif after == "replaced by a folder":
                path.unlink()
                (path / "inside").mkdir(parents=True)
        now = {n: p.read_bytes() if p.is_file() else None for n in files if (p := out / n).exists()}
        write_manifest(out, list(previous.values()))  # and read back: the lines as an export reads them
        removed, kept = remove_unmade(out, read_manifest(out), set())
        for name, (line, after, data) in files.items():
            path = out / name
            written_there = line == "ours" and now.get(name) == data
            if written_there:
                assert not path.exists(), (name, line, after)
            elif name in now:
                assert path.exists(), (name, line, after)
                assert (path.read_bytes() if path.is_file() else None) == now[name]
        assert removed == sum(1 for n, (line, _, d) in files.items() if line == "ours" and now.get(n) == d)
        assert set(kept) == {n for n in now if not (files[n][0] == "ours" and now[n] == files[n][2])}


def test_an_export_never_writes_or_removes_through_a_symbolic_link_to_a_folder(
    tmp_path: Path, news: Path, published: Path
) -> None:
    """Any folder the export writes or removes files in, replaced by a link to a folder elsewhere that
    holds someone's files under the export's names: the export is refused, naming the link, and
    nothing changes there or in the export (`OUTDIR` itself may be a link)."""
    folders = sorted(
        {str(p.parent.relative_to(published)) for p in published.rglob("*") if p.is_file()} - {"."}
    )
    assert {"topics", ".feeds", "static"} <= set(folders)
    (news / "b.md").unlink()  # the next export removes the Climate feeds too
    for folder in folders:
        elsewhere = tmp_path / "elsewhere" / folder.replace("/", "_")
        shutil.copytree(published / folder, elsewhere)
        for file in elsewhere.iterdir():
            if file.is_file():
                file.write_text("someone else's file\n", encoding="utf-8")
        before = snapshot(elsewhere)
        moved = tmp_path / "moved"
        (published / folder).rename(moved)
        (published / folder).symlink_to(elsewhere, target_is_directory=True)
        result = flask(tmp_path, news, "export", str(published))
        assert result.returncode == 1, (folder, result.stdout)
        assert lines(result.stderr)[-1].startswith(f"Error: {published / folder} is a symbolic link"), folder
        assert snapshot(elsewhere) == before, folder
        (published / folder).unlink()
        moved.rename(published / folder)
    linked = tmp_path / "link-to-site"
    linked.symlink_to(published, target_is_directory=True)
    result = flask(tmp_path, news, "export", str(linked))
    assert result.returncode == 0, result.stderr
    assert not (published / "topics" / "climate.atom").exists()


def test_an_export_from_another_content_folder_changes_nothing_unless_forced(
    tmp_path: Path, news: Path, published: Path
) -> None:
    archive = write_corpus(news / "2024" / "archive", {"old.md": document(n=9, title="An archived story")})
    same = flask(tmp_path, news, "export", str(published))  # the same folder, now with a subfolder
    assert same.returncode == 0, same.stderr
    before = snapshot(published)
    refused = flask(tmp_path, archive, "export", str(published))
    assert refused.returncode == 1
    assert lines(refused.stderr)[-1] == (
        f"Error: {published} holds the export of the content folder {news}, not of {archive}; "
        "nothing was exported or removed (--force exports it all the same)"
    )
    assert snapshot(published) == before  # every file and its mtime

    (tmp_path / "link").symlink_to(news)  # the same folder named another way
    for spelling in (tmp_path / "link", "content", "content/2024/.."):
        again = flask(tmp_path, spelling, "export", str(published))
        assert again.returncode == 0, (spelling, again.stderr)
    assert snapshot(published) == before

    forced = flask(tmp_path, archive, "export", str(published), "--force")
    assert forced.returncode == 0, forced.stderr
    assert not (published / "topics" / "energy.atom").exists()
    assert b"An archived story" in (published / "all.atom").read_bytes()
    back = flask(tmp_path, news, "export", str(published))  # now the site is the archive's
    assert back.returncode == 1
    assert f"holds the export of the content folder {archive}, not of {news}" in back.stderr


def test_a_content_folder_behind_a_symlink_swapped_at_each_deploy_is_the_same_site(tmp_path: Path) -> None:
    releases = tmp_path / "releases"
    write_corpus(releases / "1", {"a.md": document(n=1, title="First release")})
    write_corpus(releases / "2", {"a.md": document(n=1, title="Second release")})
    current, out = tmp_path / "current", tmp_path / "site"
    current.symlink_to(releases / "1")
    assert flask(tmp_path, current, "export", str(out)).returncode == 0
    current.unlink()
    current.symlink_to(releases / "2")
    result = flask(tmp_path, current, "export", str(out))
    assert result.returncode == 0, result.stderr
    assert b"Second release" in (out / "all.atom").read_bytes()


def test_an_export_that_does_not_name_its_content_folder_is_taken_once_and_then_named(
    tmp_path: Path, news: Path, published: Path
) -> None:
    (published / ".feeds" / "content").unlink()  # as an export made before the folder was recorded
    archive = write_corpus(tmp_path / "archive", {"old.md": document(n=9, title="An archived story")})
    taken = flask(tmp_path, archive, "export", str(published))
    assert taken.returncode == 0, taken.stderr
    assert b"An archived story" in (published / "all.atom").read_bytes()
    before = snapshot(published)
    refused = flask(tmp_path, news, "export", str(published))
    assert refused.returncode == 1
    assert f"holds the export of the content folder {archive}, not of {news}" in refused.stderr
    assert snapshot(published) == before


# --- the servers -------------------------------------------------------------------------------------


def start(command: list[str], env: dict[str, str], preexec: Preexec) -> subprocess.CompletedProcess[str]:
    """Run a server that should refuse to start; fails the test if it is still running after 60 s."""
    process = subprocess.Popen(
        command,
        cwd=ROOT,  # where `wsgi` is imported from
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=preexec,
    )
    try:
        stdout, stderr = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        process.communicate()
        raise AssertionError(f"{command[0]} kept running on an unusable content folder") from None
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def gunicorn_command(*args: str) -> list[str]:
    port = free_port()
    return [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--no-control-socket", *args, "wsgi:app"]


def granian_command(*args: str) -> list[str]:
    port = free_port()
    return [
        str(BIN / "granian"),
        *GRANIAN_ARGS,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *args,
        "wsgi:app",
    ]


SERVER_COMMANDS = {
    "gunicorn": lambda: gunicorn_command("--workers", "1"),  # gunicorn's default
    "gunicorn --workers 2": lambda: gunicorn_command("--workers", "2"),
    "gunicorn -c deploy/gunicorn.conf.py": lambda: gunicorn_command("-c", "deploy/gunicorn.conf.py"),
    "granian --workers 2": lambda: granian_command("--workers", "2"),
}


@pytest.mark.slow
@pytest.mark.parametrize("server", SERVER_COMMANDS)
def test_the_server_refuses_to_start_on_an_unusable_content_folder(
    bad_folder: tuple[Path, str, Preexec], server: str
) -> None:
    folder, reason, preexec = bad_folder
    env = environment(folder, WEB_CONCURRENCY="2")  # the deploy config's worker count on 2 cores
    result = start(SERVER_COMMANDS[server](), env, preexec)  # it stops by itself, or the test fails
    ours = [line for line in lines(result.stderr) if line.startswith("feeds:")]
    message = f"feeds: cannot start: content folder {folder} {reason} (FEEDS_CONTENT_DIR)"
    assert ours, result.stderr
    assert set(ours) == {message}, result.stderr  # each worker that tried said the same one line
    assert "feeds/" not in result.stderr  # no traceback through our code
    assert result.returncode != 0
    if server == "gunicorn --workers 2":
        # Both workers fail at once; gunicorn halts on the first ("App failed to load") and, when the
        # second exits while it stops, prints its own HaltServer traceback and exits 1 (gunicorn's
        # arbiter re-raises in stop()). Either way the master stops instead of respawning workers.
        assert "App failed to load." in result.stderr
    elif server.startswith("gunicorn"):
        assert result.returncode == 4  # "App failed to load": the master stops, no worker is respawned
        assert ours == [message]
        assert "Traceback" not in result.stderr
    else:
        assert "Traceback" not in result.stderr
    if server == "gunicorn -c deploy/gunicorn.conf.py":
        assert "Booting worker" not in result.stderr  # checked once, in the master, before any worker


@pytest.mark.slow
def test_gunicorn_stops_on_a_bad_setting_with_one_line(news: Path) -> None:
    env = environment(news, FEEDS_WATCH="sometimes")
    result = start(gunicorn_command("--workers", "1"), env, None)
    assert result.returncode == 4
    ours = [line for line in lines(result.stderr) if line.startswith("feeds:")]
    assert ours == ["feeds: cannot start: FEEDS_WATCH: expected auto, poll or off, got 'sometimes'"]
    assert "Traceback" not in result.stderr


def test_an_export_never_writes_through_a_link_planted_at_its_temporary_file(
    tmp_path: Path, make_app: AppFactory
) -> None:
    """A link (or a file left by a crash) where the export writes a file before renaming it into place:
    the link is replaced, never written through."""
    root = write_corpus(tmp_path / "c", {"a.md": document(n=1, topics=["Energy"])})
    app = make_app(root)
    out = tmp_path / "site"
    assert app.test_cli_runner().invoke(args=["export", str(out)]).exit_code == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("not the export's\n", encoding="utf-8")
    pid = os.getpid()  # the export runs in this process: its manifest, stylesheet and pages
    first = int(repr(exportfiles._WRITES).removeprefix("count(").removesuffix(")"))  # the next one
    names = [f".feeds-{pid}-{n}.tmp" for n in range(first, first + 300)]  # more than it writes
    (out / META / "writing").mkdir(exist_ok=True)
    planted = [out / META / name for name in names] + [out / META / "writing" / name for name in names]
    for link in planted:
        link.symlink_to(victim)
    (out / META / names[1]).unlink()
    (out / META / names[1]).write_text("left by a crash\n", encoding="utf-8")
    write_corpus(root, {"a.md": document(n=1, topics=["Energy"], title="A new headline")})
    result = app.test_cli_runner().invoke(args=["export", str(out)])
    assert result.exit_code == 0, result.output
    assert victim.read_text(encoding="utf-8") == "not the export's\n"
    assert b"A new headline" in (out / "all.atom").read_bytes()
    used = [link for link in planted[:300] if not link.is_symlink()]  # a new file there, renamed in
    assert used, "the export wrote at none of the planted names: the test plants the wrong ones"
    assert not (out / META / "manifest").is_symlink()
