"""The store: the source of truth for innovations and replication records, on SQLite or
PostgreSQL (corpus.db), with a change log that numbers every committed write."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from corpus.collection import Corpus, record_hash
from corpus.db import TABLES, Connection, Database, StoreUnavailableError, open_database
from corpus.loader import record_to_row
from corpus.schema import Innovation, no_control_chars, province_field


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
    """Innovations and replication records in one database; writes are transactions."""

    def __init__(self, target: Path | str | Database) -> None:
        self.db = open_database(target)
        self.location = self.db.description
        self.db.ensure(TABLES)
        if self._store_id() is None:
            with self._write() as conn:
                conn.execute("INSERT INTO meta (key, value) VALUES ('store_id', ?) "
                             "ON CONFLICT (key) DO NOTHING", (uuid.uuid4().hex,))

    def _store_id(self) -> str | None:
        row = self._conn().execute("SELECT value FROM meta WHERE key = 'store_id'").fetchone()
        return None if row is None else str(row["value"])

    @property
    def store_id(self) -> str:
        """A random id fixed when the store was created: an index saved from another
        store is never mistaken for this one's."""
        found = self._store_id()
        if found is None:
            raise StoreUnavailableError(f"the store {self.location} has no store id")
        return found

    def _conn(self) -> Connection:
        return self.db.connection()

    def check_writable(self) -> None:
        """Raise StoreUnavailableError, naming the cause, unless writes can succeed."""
        self.db.check_writable()

    def transaction(self) -> contextlib.AbstractContextManager[Connection]:
        """A write transaction on this store (for tables kept beside it, like jobs)."""
        return self._write()

    def connection(self) -> Connection:
        """This thread's connection (for reads of tables kept beside the store)."""
        return self._conn()

    def _write(self) -> contextlib.AbstractContextManager[Connection]:
        return self.db.write()

    @staticmethod
    def _log(conn: Connection, kind: str, ids: Iterable[str]) -> None:
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
        self.db.close()

    # innovations -----------------------------------------------------------------------

    def count(self) -> int:
        """Number of innovations."""
        row = self._conn().execute("SELECT COUNT(*) AS n FROM innovations").fetchone()
        return int(row["n"])

    def get(self, innovation_id: str) -> Innovation | None:
        """One innovation, or None."""
        row = self._conn().execute("SELECT data FROM innovations WHERE id = ?",
                                   (innovation_id,)).fetchone()
        return Innovation.model_validate_json(row["data"]) if row else None

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
                record = Innovation.model_validate_json(r["data"])
                out[record.id] = record
        return out

    def innovations(self) -> list[Innovation]:
        """All innovations in id order."""
        return list(self._each())

    def _each(self) -> Iterator[Innovation]:
        # Row by row, not fetchall: 30,000 JSON texts held at once doubled the peak.
        cursor = self._conn().execute("SELECT data FROM innovations ORDER BY id")
        for row in cursor:
            yield Innovation.model_validate_json(row["data"])

    def upsert(self, records: Iterable[Innovation], *,
               also: Callable[[Connection, WriteResult], None] | None = None
               ) -> WriteResult:
        """Insert or replace innovations in one transaction (`also` runs inside it with
        what was written: a bulk job records its progress in the same commit)."""
        created, updated = [], []
        with self._write() as conn:
            for record in records:
                exists = conn.execute("SELECT 1 FROM innovations WHERE id = ?",
                                      (record.id,)).fetchone()
                conn.execute(
                    "INSERT INTO innovations (id, data, hash, updated_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (id) DO UPDATE SET data = excluded.data, "
                    "hash = excluded.hash, updated_at = excluded.updated_at",
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
            held = int(conn.execute("SELECT COUNT(*) AS n FROM replications WHERE "
                                    "innovation_id = ?", (innovation_id,)).fetchone()["n"])
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
            self._log(conn, "seed", list(corpus.ids))
        return True

    # replications ----------------------------------------------------------------------

    def _same(self, conn: Connection, record: ReplicationIn,
              other_than: int | None = None) -> Replication | None:
        sql = ("SELECT * FROM replications WHERE innovation_id = ? AND lower(region) = "
               "lower(?) AND stage = ?")
        args: list[object] = [record.innovation_id, record.region, record.stage.value]
        if other_than is not None:
            sql += " AND id <> ?"
            args.append(other_than)
        row = conn.execute(sql, args).fetchone()
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
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (record.innovation_id, record.region, record.province, record.stage.value,
                 record.date.isoformat() if record.date else None, record.note, created))
            self._log(conn, "replication", [record.innovation_id])
            new_id = int(cur.fetchone()["id"])
        return Replication(id=new_id, created_at=created, **record.model_dump())

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
        # One record at a time into the compressed corpus: never all of them decoded.
        return Corpus(self._each(), source=self.location)
