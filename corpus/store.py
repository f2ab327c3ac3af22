"""SQLite (WAL) store: the source of truth for innovations and replication records."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from corpus.loader import Corpus, record_hash, record_to_row
from corpus.schema import Innovation, no_control_chars, province_field

SCHEMA = """
CREATE TABLE IF NOT EXISTS innovations (
    id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    hash TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS replications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    innovation_id TEXT NOT NULL,
    region TEXT NOT NULL,
    province TEXT NOT NULL DEFAULT '',
    stage TEXT NOT NULL,
    date TEXT,
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS replications_innovation ON replications(innovation_id);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS changes (
    generation INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    ids TEXT NOT NULL,
    at TEXT NOT NULL
);
"""


class Stage(StrEnum):
    """How far a region has come in replicating an innovation."""

    INTEREST = "interest"
    MOU_SIGNED = "mou-signed"
    IMPLEMENTED = "implemented"


# Stages that count as a known replication for the "proven" prior and the explanations.
COMMITTED_STAGES = (Stage.MOU_SIGNED, Stage.IMPLEMENTED)


class ReplicationIn(BaseModel):
    """A replication record as submitted: who adopted which innovation, when, how far."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)
    _no_control = field_validator("*")(no_control_chars)

    innovation_id: str = Field(min_length=1, max_length=128)
    region: str = Field(min_length=1, max_length=200)
    province: str = Field(default="", max_length=100)
    stage: Stage
    date: dt.date | None = None
    note: str = Field(default="", max_length=2000)

    _norm_province = field_validator("province", mode="before")(province_field)

    @field_validator("date", mode="before")
    @classmethod
    def _iso_date(cls, value: object) -> object:
        # Strict: `0` would otherwise become 1970-01-01, and "2026-1-5" a guess.
        if value is None or isinstance(value, dt.date):
            return value
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError("date must be an ISO date, YYYY-MM-DD")
        return value

    @model_validator(mode="after")
    def _not_in_the_future(self) -> ReplicationIn:
        if self.date is not None and self.stage in COMMITTED_STAGES and \
                self.date > dt.date.today() and "id" not in type(self).model_fields:
            raise ValueError(f"a '{self.stage.value}' replication cannot be dated in the "
                             f"future ({self.date.isoformat()}); record it once it happened")
        return self


class Replication(ReplicationIn):
    """A stored replication record."""

    id: int
    created_at: str


class StoreUnavailableError(RuntimeError):
    """The store cannot be written (read-only file or folder, full disk)."""


class DuplicateReplicationError(ValueError):
    """The same innovation, adopter and stage are already recorded."""

    def __init__(self, existing: Replication) -> None:
        super().__init__(f"replication {existing.id} already records {existing.region!r} "
                         f"at stage {existing.stage.value!r} for {existing.innovation_id!r}")
        self.existing = existing


class UnknownReplicationError(KeyError):
    """A replication id the store does not hold."""


class HasReplicationsError(ValueError):
    """An innovation with replication records cannot be deleted without cascading."""

    def __init__(self, innovation_id: str, count: int) -> None:
        super().__init__(f"innovation {innovation_id!r} has {count} replication record(s); "
                         "delete them first, or ask to cascade (?cascade=true)")
        self.count = count


class UnknownInnovationError(KeyError):
    """A write refers to an innovation id the store does not hold."""


@dataclass(frozen=True)
class WriteResult:
    """What a write changed."""

    created: tuple[str, ...]
    updated: tuple[str, ...]
    deleted: tuple[str, ...]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Store:
    """Innovations and replication records in one SQLite file; writes are transactions."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._conn().executescript(SCHEMA)  # idempotent; executescript commits itself
        self._conn().execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('store_id', ?)",
                             (uuid.uuid4().hex,))

    @property
    def store_id(self) -> str:
        """A random id fixed when the store was created: an index saved from another
        store is never mistaken for this one's."""
        row = self._conn().execute("SELECT value FROM meta WHERE key = 'store_id'").fetchone()
        return str(row["value"])

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
        return conn

    def check_writable(self) -> None:
        """Raise StoreUnavailableError, naming the cause, unless writes can succeed: the
        file opens for writing and the folder takes a new file (SQLite's WAL needs both).
        Probed for real, since permission bits say nothing to root or of a read-only
        mount."""
        probe = self.path.parent / f".{self.path.name}.probe-{os.getpid()}"
        try:
            os.close(os.open(self.path, os.O_WRONLY))
            os.close(os.open(probe, os.O_WRONLY | os.O_CREAT, 0o600))
            os.unlink(probe)
        except OSError as exc:
            raise StoreUnavailableError(
                f"the store {self.path} cannot be written ({exc.strerror}); writes are "
                "refused until it can") from None

    def transaction(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """A write transaction on this store (for tables kept beside it, like jobs)."""
        return self._write()

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (for reads of tables kept beside the store)."""
        return self._conn()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
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

    @staticmethod
    def _log(conn: sqlite3.Connection, kind: str, ids: Iterable[str]) -> None:
        """Record a change in the same transaction: it bumps the store's generation."""
        conn.execute("INSERT INTO changes (kind, ids, at) VALUES (?, ?, ?)",
                     (kind, json.dumps(sorted(set(ids)), ensure_ascii=False), _now()))

    def generation(self) -> int:
        """The number of the last committed write: every process reading this store sees
        the same number, so comparing it with its own tells whether it is up to date."""
        row = self._conn().execute("SELECT MAX(generation) AS g FROM changes").fetchone()
        return int(row["g"] or 0)

    def changes_since(self, generation: int) -> list[tuple[int, str, list[str]]]:
        """(generation, kind, ids) of every write after `generation`, oldest first."""
        rows = self._conn().execute(
            "SELECT generation, kind, ids FROM changes WHERE generation > ? ORDER BY "
            "generation", (generation,)).fetchall()
        return [(int(r["generation"]), r["kind"], json.loads(r["ids"])) for r in rows]

    def close(self) -> None:
        """Close this thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # innovations -----------------------------------------------------------------------

    def count(self) -> int:
        """Number of innovations."""
        return int(self._conn().execute("SELECT COUNT(*) FROM innovations").fetchone()[0])

    def get(self, innovation_id: str) -> Innovation | None:
        """One innovation, or None."""
        row = self._conn().execute("SELECT data FROM innovations WHERE id = ?",
                                   (innovation_id,)).fetchone()
        return Innovation.model_validate(json.loads(row["data"])) if row else None

    def get_many(self, ids: Iterable[str]) -> dict[str, Innovation]:
        """The innovations among `ids` that exist, by id."""
        wanted = list(dict.fromkeys(ids))
        out: dict[str, Innovation] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            rows = self._conn().execute(
                f"SELECT data FROM innovations WHERE id IN ({','.join('?' * len(chunk))})",
                chunk).fetchall()
            for r in rows:
                record = Innovation.model_validate(json.loads(r["data"]))
                out[record.id] = record
        return out

    def innovations(self) -> list[Innovation]:
        """All innovations in id order."""
        rows = self._conn().execute("SELECT data FROM innovations ORDER BY id").fetchall()
        return [Innovation.model_validate(json.loads(r["data"])) for r in rows]

    def upsert(self, records: Iterable[Innovation], *,
               also: Callable[[sqlite3.Connection, WriteResult], None] | None = None
               ) -> WriteResult:
        """Insert or replace innovations in one transaction (`also` runs inside it with
        what was written: a bulk job records its progress in the same commit)."""
        created, updated = [], []
        with self._write() as conn:
            for record in records:
                exists = conn.execute("SELECT 1 FROM innovations WHERE id = ?",
                                      (record.id,)).fetchone()
                conn.execute(
                    "INSERT OR REPLACE INTO innovations (id, data, hash, updated_at) "
                    "VALUES (?, ?, ?, ?)",
                    (record.id, json.dumps(record_to_row(record), ensure_ascii=False),
                     record_hash(record), _now()))
                (updated if exists else created).append(record.id)
            self._log(conn, "upsert", created + updated)
            result = WriteResult(tuple(created), tuple(updated), ())
            if also is not None:
                also(conn, result)
        return result

    def delete(self, innovation_id: str, *, cascade: bool = False) -> WriteResult:
        """Delete one innovation; one with replication records only with `cascade`, which
        deletes them too (HasReplicationsError otherwise, and nothing changes)."""
        with self._write() as conn:
            held = int(conn.execute("SELECT COUNT(*) FROM replications WHERE innovation_id = ?",
                                    (innovation_id,)).fetchone()[0])
            if held and not cascade:
                if not conn.execute("SELECT 1 FROM innovations WHERE id = ?",
                                    (innovation_id,)).fetchone():
                    raise UnknownInnovationError(innovation_id)
                raise HasReplicationsError(innovation_id, held)
            gone = conn.execute("DELETE FROM innovations WHERE id = ?",
                                (innovation_id,)).rowcount
            if not gone:
                raise UnknownInnovationError(innovation_id)
            conn.execute("DELETE FROM replications WHERE innovation_id = ?", (innovation_id,))
            self._log(conn, "delete", [innovation_id])
        return WriteResult((), (), (innovation_id,))

    def needs_seed(self) -> bool:
        """True for a new store: never seeded and holding no innovation.

        A store whose innovations were all deleted stays empty; it is not seeded again.
        """
        seeded = self._conn().execute("SELECT 1 FROM meta WHERE key = 'seeded'").fetchone()
        return not seeded and self.count() == 0

    def seed(self, corpus: Corpus) -> bool:
        """Load a corpus into a new store, once; False if it was seeded or holds data."""
        if not self.needs_seed():
            return False
        with self._write() as conn:
            # Checked again under the write lock: another process may have just seeded it.
            if conn.execute("SELECT 1 FROM meta WHERE key = 'seeded' UNION ALL "
                            "SELECT 1 FROM innovations LIMIT 1").fetchone():
                return False
            for record in corpus.records:
                conn.execute(
                    "INSERT INTO innovations (id, data, hash, updated_at) VALUES (?, ?, ?, ?)",
                    (record.id, json.dumps(record_to_row(record), ensure_ascii=False),
                     record_hash(record), _now()))
            conn.execute("INSERT INTO meta (key, value) VALUES ('seeded', ?)", (_now(),))
            self._log(conn, "seed", [r.id for r in corpus.records])
        return True

    # replications ----------------------------------------------------------------------

    def _same(self, conn: sqlite3.Connection, record: ReplicationIn,
              other_than: int | None = None) -> Replication | None:
        row = conn.execute(
            "SELECT * FROM replications WHERE innovation_id = ? AND lower(region) = lower(?) "
            "AND stage = ? AND id IS NOT ?", (record.innovation_id, record.region,
                                             record.stage.value, other_than)).fetchone()
        return Replication(**dict(row)) if row else None

    def add_replication(self, record: ReplicationIn) -> Replication:
        """Store one replication record for an existing innovation (the same innovation,
        region and stage twice is DuplicateReplicationError)."""
        with self._write() as conn:
            if not conn.execute("SELECT 1 FROM innovations WHERE id = ?",
                                (record.innovation_id,)).fetchone():
                raise UnknownInnovationError(record.innovation_id)
            existing = self._same(conn, record)
            if existing is not None:
                raise DuplicateReplicationError(existing)
            created = _now()
            cur = conn.execute(
                "INSERT INTO replications (innovation_id, region, province, stage, date, note,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (record.innovation_id, record.region, record.province, record.stage.value,
                 record.date.isoformat() if record.date else None, record.note, created))
            self._log(conn, "replication", [record.innovation_id])
        return Replication(id=int(cur.lastrowid), created_at=created, **record.model_dump())

    def replication(self, replication_id: int) -> Replication | None:
        """One replication record, or None."""
        row = self._conn().execute("SELECT * FROM replications WHERE id = ?",
                                   (replication_id,)).fetchone()
        return Replication(**dict(row)) if row else None

    def replace_replication(self, replication_id: int, record: ReplicationIn) -> Replication:
        """Correct a replication record (its id and creation time stay)."""
        with self._write() as conn:
            row = conn.execute("SELECT * FROM replications WHERE id = ?",
                               (replication_id,)).fetchone()
            if row is None:
                raise UnknownReplicationError(replication_id)
            if not conn.execute("SELECT 1 FROM innovations WHERE id = ?",
                                (record.innovation_id,)).fetchone():
                raise UnknownInnovationError(record.innovation_id)
            existing = self._same(conn, record, other_than=replication_id)
            if existing is not None:
                raise DuplicateReplicationError(existing)
            conn.execute(
                "UPDATE replications SET innovation_id = ?, region = ?, province = ?, "
                "stage = ?, date = ?, note = ? WHERE id = ?",
                (record.innovation_id, record.region, record.province, record.stage.value,
                 record.date.isoformat() if record.date else None, record.note,
                 replication_id))
            self._log(conn, "replication", {record.innovation_id, row["innovation_id"]})
        return Replication(id=replication_id, created_at=row["created_at"],
                           **record.model_dump())

    def delete_replication(self, replication_id: int) -> None:
        """Delete one replication record."""
        with self._write() as conn:
            row = conn.execute("SELECT innovation_id FROM replications WHERE id = ?",
                               (replication_id,)).fetchone()
            if row is None:
                raise UnknownReplicationError(replication_id)
            conn.execute("DELETE FROM replications WHERE id = ?", (replication_id,))
            self._log(conn, "replication", [row["innovation_id"]])

    def replications(self, innovation_id: str | None = None) -> list[Replication]:
        """Replication records, newest first, optionally for one innovation."""
        sql = "SELECT * FROM replications"
        args: tuple = ()
        if innovation_id is not None:
            sql += " WHERE innovation_id = ?"
            args = (innovation_id,)
        rows = self._conn().execute(sql + " ORDER BY id DESC", args).fetchall()
        return [Replication(**dict(r)) for r in rows]

    def committed_replications(self, ids: Iterable[str] | None = None) -> dict[str, int]:
        """Distinct regions per innovation that signed an MoU or implemented it (only for
        `ids` when given)."""
        marks = ",".join("?" * len(COMMITTED_STAGES))
        args: list[str] = [s.value for s in COMMITTED_STAGES]
        where = ""
        if ids is not None:
            wanted = list(dict.fromkeys(ids))
            if not wanted:
                return {}
            where = f" AND innovation_id IN ({','.join('?' * len(wanted))})"
            args += wanted
        rows = self._conn().execute(
            f"SELECT innovation_id, COUNT(DISTINCT lower(region)) AS n FROM replications "
            f"WHERE stage IN ({marks}){where} GROUP BY innovation_id", args).fetchall()
        return {r["innovation_id"]: int(r["n"]) for r in rows}

    def corpus(self) -> Corpus:
        """The stored innovations as a Corpus (replication records are kept apart)."""
        return Corpus(tuple(self.innovations()), source=str(self.path))
