"""Public statements of interest ("kami ingin mereplikasi inovasi ini"), kept apart.

Anyone may say their region wants to replicate an innovation, so these are claims, not
records: they live in their own table beside the store, never feed the proven prior, and
become an `interest` replication record only when an organiser confirms one with the key.
Nothing about who sent a statement is stored, only the region it names.
"""

from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from corpus.schema import no_control_chars, province_field
from corpus.store import (
    DuplicateReplicationError,
    Replication,
    ReplicationIn,
    Stage,
    Store,
    UnknownInnovationError,
)

SCHEMA = """CREATE TABLE IF NOT EXISTS interests (
    id {serial},
    innovation_id TEXT NOT NULL,
    region TEXT NOT NULL,
    province TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    replication_id INTEGER
)"""
INDEX = "CREATE INDEX IF NOT EXISTS interests_innovation ON interests(innovation_id)"

# "Kabupaten Sragen", "Kota Ambon", "Provinsi Bali", "Kab. Bantul", "Desa Ponggok"...
_REGION = re.compile(r"^(kabupaten|kab\.?|kota|provinsi|prov\.?|kecamatan|desa|kelurahan|"
                     r"nagari|gampong)\s+\S", re.IGNORECASE)


class InterestIn(BaseModel):
    """A statement of interest as a visitor sends it."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)
    _no_control = field_validator("*")(no_control_chars)

    innovation_id: str = Field(min_length=1, max_length=128)
    region: str = Field(min_length=6, max_length=120,
                        description="the visitor's region, e.g. 'Kabupaten Sragen'")
    province: str = Field(default="", max_length=100)
    note: str = Field(default="", max_length=500)

    _norm_province = field_validator("province", mode="before")(province_field)

    @field_validator("region")
    @classmethod
    def _a_region(cls, value: str) -> str:
        if not _REGION.match(value):
            raise ValueError("region must name a region with its kind, e.g. 'Kabupaten "
                             "Sragen', 'Kota Ambon' or 'Provinsi Bali'")
        return " ".join(value.split())


class Interest(InterestIn):
    """A stored statement of interest; `replication_id` is set once confirmed."""

    id: int
    created_at: str
    replication_id: int | None = None

    @property
    def confirmed(self) -> bool:
        """Whether an organiser confirmed it (it is then a replication record)."""
        return self.replication_id is not None


class DuplicateInterestError(ValueError):
    """The same region already stated interest in the same innovation."""

    def __init__(self, existing: Interest) -> None:
        super().__init__(f"{existing.region} already stated interest in "
                         f"{existing.innovation_id!r} (statement {existing.id})")
        self.existing = existing


class UnknownInterestError(KeyError):
    """An interest id the store does not hold."""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Interests:
    """The interests table of one store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        store.db.ensure([SCHEMA, INDEX])

    def add(self, record: InterestIn) -> Interest:
        """Store one statement (DuplicateInterestError when the region already made it)."""
        with self.store.transaction() as conn:
            if not conn.execute("SELECT 1 FROM innovations WHERE id = ?",
                                (record.innovation_id,)).fetchone():
                raise UnknownInnovationError(record.innovation_id)
            row = conn.execute("SELECT * FROM interests WHERE innovation_id = ? AND "
                               "lower(region) = lower(?)",
                               (record.innovation_id, record.region)).fetchone()
            if row is not None:
                raise DuplicateInterestError(Interest(**dict(row)))
            created = _now()
            cur = conn.execute(
                "INSERT INTO interests (innovation_id, region, province, note, created_at) "
                "VALUES (?, ?, ?, ?, ?) RETURNING id",
                (record.innovation_id, record.region, record.province, record.note, created))
            new_id = int(cur.fetchone()["id"])
        return Interest(id=new_id, created_at=created, **record.model_dump())

    def get(self, interest_id: int) -> Interest | None:
        """One statement, or None."""
        row = self.store.connection().execute("SELECT * FROM interests WHERE id = ?",
                                              (interest_id,)).fetchone()
        return Interest(**dict(row)) if row else None

    def list(self, innovation_id: str | None = None, *,
             confirmed: bool | None = None) -> list[Interest]:
        """Statements, newest first, optionally for one innovation or by confirmation."""
        sql, args = "SELECT * FROM interests WHERE 1 = 1", []
        if innovation_id is not None:
            sql += " AND innovation_id = ?"
            args.append(innovation_id)
        if confirmed is not None:
            sql += " AND replication_id IS NOT NULL" if confirmed else \
                " AND replication_id IS NULL"
        rows = self.store.connection().execute(sql + " ORDER BY id DESC", args).fetchall()
        return [Interest(**dict(r)) for r in rows]

    def counts(self) -> dict[str, int]:
        """How many statements are waiting for confirmation and how many were confirmed."""
        row = self.store.connection().execute(
            "SELECT COUNT(*) AS n, COUNT(replication_id) AS confirmed FROM interests"
        ).fetchone()
        return {"unconfirmed": int(row["n"]) - int(row["confirmed"]),
                "confirmed": int(row["confirmed"])}

    def confirm(self, interest_id: int) -> Replication:
        """Turn a statement into an `interest` replication record (idempotent: a confirmed
        statement, or one whose record exists already, answers with that record)."""
        found = self.get(interest_id)
        if found is None:
            raise UnknownInterestError(interest_id)
        if found.replication_id is not None:
            existing = self.store.replication(found.replication_id)
            if existing is not None:
                return existing
        record = ReplicationIn(innovation_id=found.innovation_id, region=found.region,
                               province=found.province, stage=Stage.INTEREST,
                               note=found.note or "dinyatakan melalui Replika")
        try:
            made = self.store.add_replication(record)
        except DuplicateReplicationError as exc:
            made = exc.existing
        with self.store.transaction() as conn:
            conn.execute("UPDATE interests SET replication_id = ? WHERE id = ?",
                         (made.id, interest_id))
        return made
