"""Where the memory of what was published is kept: SQLite in a data folder, or PostgreSQL.

The memory (`feeds.memory`) decides what to write; this module only keeps it, with the same plain
SQL on both databases. It holds only what was public: entry ids (article URLs) with a digest of
their content and the feeds they were in, feed paths with a digest of their state, tombstones (a
feed, an entry id, a time). Times are whole seconds since the epoch (UTC), the resolution of an
HTTP date (RFC 9110 §5.6.7).

Writers are serialised: SQLite with `BEGIN IMMEDIATE` (one writer at a time across processes, WAL
so that readers never wait), PostgreSQL with a transaction-scoped advisory lock. So several worker
processes, or several machines on one PostgreSQL, that observe the same change write it once: the
first writes the time, the others find it written and read it back.

The schema is versioned (`schema_version`); `MIGRATIONS[n]` takes a database from version n to n+1.
A database written by a newer version is refused, never changed.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .errors import ConfigError

log = logging.getLogger("feeds")

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        "CREATE TABLE entries (id TEXT PRIMARY KEY, digest TEXT NOT NULL, updated BIGINT NOT NULL,"
        " feeds TEXT NOT NULL)",
        "CREATE TABLE feeds (path TEXT PRIMARY KEY, state TEXT NOT NULL, modified BIGINT NOT NULL)",
        "CREATE TABLE tombstones (feed TEXT NOT NULL, ref TEXT NOT NULL, at BIGINT NOT NULL,"
        " PRIMARY KEY (feed, ref))",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)
CHUNK = 500  # ids per `IN (…)` query: below SQLite's bound on parameters
BUSY_SECONDS = 30.0  # how long opening waits for another process that holds the database


@dataclass(frozen=True, slots=True)
class EntryRow:
    """An entry as last served: its id, a digest of its content, when that content last changed
    (seconds), and the paths of the feeds it was in (sorted; empty once it is no longer served)."""

    id: str
    digest: str
    updated: int
    feeds: tuple[str, ...]


class Store:
    """The memory's tables over one database connection (one per process: open it after a fork)."""

    def __init__(self, connection: Any, dialect: str, where: str) -> None:
        self._db = connection
        self.dialect = dialect  # "sqlite" or "postgresql"
        self.where = where  # for messages: the file, or the database URL without its password
        self.created = False  # whether this process created the schema (a first start, or a lost memory)

    # --- opening ---------------------------------------------------------------------------------

    @classmethod
    def sqlite(cls, path: Path) -> Store:
        """The memory in a SQLite file (created with its folder when missing); `ConfigError` when the
        file is not a database of ours or cannot be opened. Several workers may open it at the same
        moment: a database that is busy (another one switching it to WAL, or creating the tables) is
        tried again for up to `BUSY_SECONDS`."""
        deadline = time.monotonic() + BUSY_SECONDS
        while True:
            try:
                return cls._open_sqlite(path)
            except sqlite3.OperationalError as error:
                if not _busy(error) or time.monotonic() > deadline:
                    raise ConfigError(f"{path}: cannot open the memory: {error}") from None
                time.sleep(0.05)

    @classmethod
    def _open_sqlite(cls, path: Path) -> Store:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as error:
            raise ConfigError(f"{path}: cannot open the memory: {error}") from None
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode=WAL")  # readers never wait for the one writer; kept
            db.execute("PRAGMA synchronous=NORMAL")  # durable at each checkpoint; WAL keeps it consistent
            store = cls(db, "sqlite", str(path))
            store._migrate()
        except sqlite3.OperationalError as error:
            db.close()
            if _busy(error):
                raise
            raise ConfigError(f"{path}: cannot open the memory: {error}") from None
        except sqlite3.DatabaseError as error:  # not a database, or not ours: left as it is
            db.close()
            raise ConfigError(f"{path}: not a memory of feeds ({error}); it is left as it is") from None
        return store

    @classmethod
    def postgresql(cls, url: str) -> Store:
        """The memory in PostgreSQL (psycopg 3); `ConfigError` when the driver is missing or the server
        cannot be reached."""
        try:
            import psycopg
        except ImportError:
            raise ConfigError(
                "FEEDS_DATABASE_URL: PostgreSQL needs psycopg 3: pip install 'feeds[postgres]'"
            ) from None
        shown = _without_password(url)
        try:
            db = psycopg.connect(url, autocommit=True, connect_timeout=10)
        except psycopg.Error as error:
            raise ConfigError(f"FEEDS_DATABASE_URL: cannot connect to {shown}: {error}".strip()) from None
        store = cls(db, "postgresql", shown)
        try:
            store._migrate()
        except psycopg.Error as error:
            db.close()
            raise ConfigError(f"FEEDS_DATABASE_URL: {shown}: {error}".strip()) from None
        return store

    def close(self) -> None:
        self._db.close()

    def _migrate(self) -> None:
        with self.transaction():
            self._sql("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = self._sql("SELECT version FROM schema_version").fetchone()
            version = row[0] if row is not None else 0
            if version > SCHEMA_VERSION:
                raise ConfigError(
                    f"{self.where}: the memory has schema version {version}, written by a newer feeds"
                    f" (this one knows {SCHEMA_VERSION}); it is left as it is"
                )
            for statements in MIGRATIONS[version:]:
                for statement in statements:
                    self._sql(statement)
            if row is None:
                self._sql("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
            elif version != SCHEMA_VERSION:
                self._sql("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))
            self.created = version == 0

    # --- transactions ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        """One writer at a time, across processes and machines; committed on success, rolled back on
        an exception."""
        if self.dialect == "sqlite":
            self._sql("BEGIN IMMEDIATE")
        else:
            self._sql("BEGIN")
            self._sql("SELECT pg_advisory_xact_lock(5105)")  # any constant: the memory's one lock
        try:
            yield self
        except BaseException:
            self._sql("ROLLBACK")
            raise
        self._sql("COMMIT")

    def _spoken(self, sql: str) -> str:
        """Our SQL (`?` placeholders, sqlite3's) as this database's driver takes it (psycopg: `%s`)."""
        return sql.replace("?", "%s") if self.dialect == "postgresql" else sql

    def _sql(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._db.execute(self._spoken(sql), params)

    def _many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self.dialect == "postgresql":
            with self._db.cursor() as cursor:
                cursor.executemany(self._spoken(sql), rows)
        else:
            self._db.executemany(sql, rows)

    def _rows_in(self, select: str, column: str, keys: Iterable[str]) -> list[tuple[Any, ...]]:
        keys = list(keys)
        found: list[tuple[Any, ...]] = []
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            marks = ",".join("?" * len(chunk))
            found.extend(self._sql(f"{select} WHERE {column} IN ({marks})", chunk).fetchall())
        return found

    # --- entries ---------------------------------------------------------------------------------

    def entries(self, ids: Iterable[str] | None = None) -> dict[str, EntryRow]:
        """Stored entries by id: those of `ids`, or all (None)."""
        select = "SELECT id, digest, updated, feeds FROM entries"
        rows = self._sql(select).fetchall() if ids is None else self._rows_in(select, "id", ids)
        return {r[0]: EntryRow(r[0], r[1], int(r[2]), _paths(r[3])) for r in rows}

    def has_entries(self) -> bool:
        return self._sql("SELECT 1 FROM entries LIMIT 1").fetchone() is not None

    def put_entries(self, rows: Sequence[EntryRow]) -> None:
        self._many(
            "INSERT INTO entries (id, digest, updated, feeds) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET digest = excluded.digest, updated = excluded.updated,"
            " feeds = excluded.feeds",
            [(r.id, r.digest, r.updated, "\n".join(r.feeds)) for r in rows],
        )

    # --- feeds -----------------------------------------------------------------------------------

    def feeds(self, paths: Iterable[str] | None = None) -> dict[str, tuple[str, int]]:
        """Stored feed states by path: path → (state digest, modified seconds)."""
        select = "SELECT path, state, modified FROM feeds"
        rows = self._sql(select).fetchall() if paths is None else self._rows_in(select, "path", paths)
        return {r[0]: (r[1], int(r[2])) for r in rows}

    def put_feeds(self, rows: Sequence[tuple[str, str, int]]) -> None:
        """(path, state, modified) rows, inserted or replaced."""
        self._many(
            "INSERT INTO feeds (path, state, modified) VALUES (?, ?, ?)"
            " ON CONFLICT (path) DO UPDATE SET state = excluded.state, modified = excluded.modified",
            rows,
        )

    # --- tombstones ------------------------------------------------------------------------------

    def tombstones(self, newest: int, feeds: Iterable[str] | None = None) -> dict[str, dict[str, int]]:
        """Tombstones by feed path: ref → when (seconds); the `newest` of each feed (by time, then by
        ref in code-point order), of `feeds` (None: all)."""
        collate = ' COLLATE "C"' if self.dialect == "postgresql" else ""  # SQLite compares code points
        rank = f"ROW_NUMBER() OVER (PARTITION BY feed ORDER BY at DESC, ref{collate}) AS n"
        # Only constants are put together here; every value is a parameter.
        inner = f"SELECT feed, ref, at, {rank} FROM tombstones {{}}"  # noqa: S608
        ranked = f"SELECT feed, ref, at FROM ({inner}) AS r WHERE n <= ?"  # noqa: S608
        limit = [newest]
        if feeds is None:
            rows = self._sql(ranked.format(""), limit).fetchall()
        else:
            rows, feeds = [], list(feeds)
            for start in range(0, len(feeds), CHUNK):
                chunk = feeds[start : start + CHUNK]
                where = f"WHERE feed IN ({','.join('?' * len(chunk))})"
                rows += self._sql(ranked.format(where), [*chunk, *limit]).fetchall()
        found: dict[str, dict[str, int]] = {}
        for feed, ref, at in rows:
            found.setdefault(feed, {})[ref] = int(at)
        return found

    def put_tombstones(self, rows: Sequence[tuple[str, str, int]]) -> None:
        """(feed, ref, when) rows; a tombstone already there keeps its time."""
        self._many("INSERT INTO tombstones (feed, ref, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", rows)

    def drop_tombstones(self, rows: Sequence[tuple[str, str]]) -> None:
        """(feed, ref): the entry is in that feed again."""
        self._many("DELETE FROM tombstones WHERE feed = ? AND ref = ?", rows)

    def expire_tombstones(self, cutoff: int) -> set[str]:
        """Drop every tombstone made at or before `cutoff` (seconds); the feeds that had one."""
        found = self._sql("SELECT DISTINCT feed FROM tombstones WHERE at <= ?", (cutoff,)).fetchall()
        feeds = {feed for (feed,) in found}
        if feeds:
            self._sql("DELETE FROM tombstones WHERE at <= ?", (cutoff,))
        return feeds

    def oldest_tombstone(self) -> int | None:
        """When the oldest tombstone was made (seconds), None without one."""
        (at,) = self._sql("SELECT MIN(at) FROM tombstones").fetchone()
        return None if at is None else int(at)


def _busy(error: sqlite3.OperationalError) -> bool:
    return "locked" in str(error) or "busy" in str(error)


def _paths(joined: str) -> tuple[str, ...]:
    return tuple(joined.split("\n")) if joined else ()


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}@{host}" if parts.username else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))
