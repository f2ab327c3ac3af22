"""Databases the store runs on: SQLite in a file, or a PostgreSQL server shared by hosts.

A backend is a small interface: per-thread connections, a serialised write transaction,
the schema, and the translation of the store's SQL (written once, `?` placeholders, in the
dialect both engines accept) into its own. `open_database` is the factory.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

# The store's tables. `{serial}` is each engine's auto-numbered integer key.
TABLES = (
    """CREATE TABLE IF NOT EXISTS innovations (
        id TEXT PRIMARY KEY, data TEXT NOT NULL, hash TEXT NOT NULL,
        updated_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS replications (
        id {serial}, innovation_id TEXT NOT NULL, region TEXT NOT NULL,
        province TEXT NOT NULL DEFAULT '', stage TEXT NOT NULL, date TEXT,
        note TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS replications_innovation ON replications(innovation_id)",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS changes (
        generation {serial}, kind TEXT NOT NULL, ids TEXT NOT NULL, at TEXT NOT NULL)""",
)
# Every write takes this PostgreSQL advisory lock first, as SQLite's BEGIN IMMEDIATE
# takes the file's write lock: generations then commit in the order they are numbered,
# so a reader that has seen generation n never later finds a smaller one appear.
WRITE_LOCK = 0x5245504C  # "REPL"

Row = Mapping[str, Any]


class StoreUnavailableError(RuntimeError):
    """The store cannot be reached or written (read-only file or folder, full disk, a server
    that is down or read-only); the message says which store and why."""


class Cursor(Protocol):
    """What a query answers: rows as mappings of column name to value."""

    def fetchone(self) -> Row | None: ...
    def fetchall(self) -> Sequence[Row]: ...


class Connection(Protocol):
    """A connection taking the store's SQL (`?` placeholders)."""

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Cursor: ...
    def close(self) -> None: ...


class Database:
    """The interface every backend offers the store: one connection per thread."""

    description: str  # shown in messages: a file path or a server address without password
    serial = ""  # the engine's auto-numbered integer primary key

    def __init__(self) -> None:
        self._local = threading.local()

    def connection(self) -> Connection:
        """This thread's connection, opened on first use (and again once closed)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    def _connect(self) -> Connection:
        raise NotImplementedError

    def write(self) -> AbstractContextManager[Connection]:
        """A write transaction, serialised with every other writer of the database."""
        raise NotImplementedError

    def ensure(self, statements: Sequence[str]) -> None:
        """Create the tables and indexes of `statements` that are missing; a database that
        has them all is only read (so a read-only store still opens)."""
        missing = [s for s in statements if not self.exists(_created_name(s))]
        if missing:
            with self.write() as conn:
                for statement in missing:
                    conn.execute(statement.format(serial=self.serial))

    def exists(self, name: str) -> bool:
        """Whether a table or index of this name exists."""
        raise NotImplementedError

    def columns(self, table: str) -> set[str]:
        """The column names of a table (empty when it does not exist)."""
        raise NotImplementedError

    def add_column(self, table: str, definition: str) -> None:
        """Add a column (`name TYPE ...`) to a table made by an older release, unless it is
        there already; a store that has it is only read."""
        if definition.split()[0] not in self.columns(table):
            with self.write() as conn:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {definition}")

    def check_writable(self) -> None:
        """Raise StoreUnavailableError unless a write can succeed now, probed for real."""
        raise NotImplementedError

    def close(self) -> None:
        """Close this thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            self._local.conn = None
            conn.close()


class SqliteDatabase(Database):
    """One SQLite file in WAL mode, fully synchronous; one connection per thread."""

    serial = "INTEGER PRIMARY KEY AUTOINCREMENT"

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = Path(path)
        self.description = str(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.row_factory = sqlite3.Row
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        conn = self.connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise self._unavailable(exc) from None
        try:
            yield conn
        except sqlite3.OperationalError as exc:
            conn.execute("ROLLBACK")
            raise self._unavailable(exc) from None
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            raise self._unavailable(exc) from None

    def _unavailable(self, exc: sqlite3.OperationalError) -> StoreUnavailableError:
        return StoreUnavailableError(f"the store {self.path} cannot be written: {exc}")

    def exists(self, name: str) -> bool:
        row = self.connection().execute(
            "SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone()
        return row is not None

    def columns(self, table: str) -> set[str]:
        rows = self.connection().execute(
            "SELECT name FROM pragma_table_info(?)", (table,)).fetchall()
        return {r["name"] for r in rows}

    def check_writable(self) -> None:
        # The file must open for writing and the folder take a new file (the WAL needs
        # both); permission bits say nothing to root or of a read-only mount.
        probe = self.path.parent / f".{self.path.name}.probe-{os.getpid()}"
        try:
            os.close(os.open(self.path, os.O_WRONLY))
            os.close(os.open(probe, os.O_WRONLY | os.O_CREAT, 0o600))
            os.unlink(probe)
        except OSError as exc:
            raise StoreUnavailableError(
                f"the store {self.path} cannot be written ({exc.strerror}); writes are "
                "refused until it can") from None


class _PgConnection:
    """A psycopg connection that takes `?` placeholders and answers rows as dicts."""

    def __init__(self, conn: Any) -> None:
        self.raw = conn

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Any:
        return self.raw.execute(_pg_sql(sql), tuple(args))

    def close(self) -> None:
        self.raw.close()


def _pg_sql(sql: str) -> str:
    """The store's SQL for psycopg: `%` escaped, `?` as `%s` (the store's SQL never has a
    literal question mark)."""
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresDatabase(Database):
    """A PostgreSQL server (psycopg 3); one autocommit connection per thread."""

    serial = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.description = _without_password(url)

    def connection(self) -> _PgConnection:
        conn = getattr(self._local, "conn", None)
        if conn is not None and conn.raw.closed:  # the server dropped it: open anew
            self._local.conn = None
        return super().connection()

    def _connect(self) -> _PgConnection:
        import psycopg
        from psycopg.rows import dict_row

        try:
            return _PgConnection(psycopg.connect(self.url, autocommit=True,
                                                 row_factory=dict_row, connect_timeout=10))
        except psycopg.OperationalError as exc:
            raise StoreUnavailableError(
                f"the store {self.description} cannot be reached: {_first_line(exc)}"
            ) from None

    @contextmanager
    def write(self) -> Iterator[_PgConnection]:
        import psycopg

        conn = self.connection()
        try:
            with conn.raw.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(?)", (WRITE_LOCK,))
                yield conn
        except (psycopg.OperationalError, psycopg.errors.InsufficientPrivilege,
                psycopg.errors.ReadOnlySqlTransaction) as exc:
            if isinstance(exc, psycopg.OperationalError):
                self.close()  # a broken connection is opened again on next use
            raise StoreUnavailableError(
                f"the store {self.description} cannot be written: {_first_line(exc)}"
            ) from None

    def exists(self, name: str) -> bool:
        row = self.connection().execute("SELECT to_regclass(?) AS t", (name,)).fetchone()
        return row is not None and row["t"] is not None

    def columns(self, table: str) -> set[str]:
        rows = self.connection().execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "AND table_schema = current_schema()", (table,)).fetchall()
        return {r["column_name"] for r in rows}

    def check_writable(self) -> None:
        import psycopg

        # A real write, rolled back: privileges, a read-only server or a standby all fail.
        conn = self.connection()
        try:
            with conn.raw.transaction(force_rollback=True):
                conn.execute("UPDATE meta SET value = value WHERE key = 'store_id'")
        except psycopg.Error as exc:
            if isinstance(exc, psycopg.OperationalError):
                self.close()
            raise StoreUnavailableError(
                f"the store {self.description} cannot be written ({_first_line(exc)}); "
                "writes are refused until it can") from None


_CREATED = re.compile(r"CREATE\s+(?:TABLE|INDEX)\s+IF\s+NOT\s+EXISTS\s+(\w+)", re.I)


def _created_name(statement: str) -> str:
    """The table or index a CREATE ... IF NOT EXISTS statement makes."""
    found = _CREATED.search(statement)
    if found is None:
        raise ValueError(f"not a CREATE ... IF NOT EXISTS statement: {statement[:60]!r}")
    return found.group(1)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _without_password(url: str) -> str:
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1@", url)


def is_server_url(target: str | Path) -> bool:
    """Whether `target` names a PostgreSQL server rather than a SQLite file."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def open_database(target: str | Path | Database) -> Database:
    """The backend for a SQLite file path or a `postgresql://` URL."""
    if isinstance(target, Database):
        return target
    if is_server_url(target):
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise StoreUnavailableError(
                "a postgresql:// store needs psycopg: pip install 'replika[postgres]'"
            ) from None
        return PostgresDatabase(str(target))
    return SqliteDatabase(Path(target))
