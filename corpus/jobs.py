"""Durable bulk-upload jobs, kept in the store's own database.

A job is acknowledged once its row (with the whole validated upload) is committed; it then
survives a crash, and a restarted server resumes it from the last batch it committed.
Batches are idempotent upserts, so a batch redone after a crash changes nothing twice.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields

from corpus.loader import record_to_row
from corpus.schema import Innovation
from corpus.store import Store, WriteResult

# Added after the first release: a jobs table made by it gains the column on open.
GENERATION_COLUMN = "generation INTEGER NOT NULL DEFAULT 0"
SCHEMA = f"""CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    total INTEGER NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    {GENERATION_COLUMN},
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)"""
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


@dataclass(frozen=True)
class Job:
    """Where a bulk upload stands."""

    id: str
    status: str
    total: int
    done: int
    created: int
    updated: int
    error: str
    generation: int  # the store generation of the last batch committed (0: none yet)
    created_at: str
    updated_at: str


_FIELDS = ", ".join(f.name for f in fields(Job))  # the columns a Job is read from


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Jobs:
    """The jobs table of one store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.store.db.ensure([SCHEMA])
        self.store.db.add_column("jobs", GENERATION_COLUMN)

    def submit(self, records: Sequence[Innovation]) -> Job:
        """Record a validated upload as a queued job (durable once this returns)."""
        job_id = uuid.uuid4().hex
        payload = json.dumps([record_to_row(r) for r in records], ensure_ascii=False)
        now = _now()
        with self.store.transaction() as conn:
            conn.execute("INSERT INTO jobs (id, status, total, payload, created_at, "
                         "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                         (job_id, QUEUED, len(records), payload, now, now))
        return self.get(job_id)

    def get(self, job_id: str) -> Job | None:
        """One job, or None."""
        row = self.store.connection().execute(
            f"SELECT {_FIELDS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return Job(**dict(row)) if row else None

    def pending(self) -> list[str]:
        """Ids of jobs not finished, oldest first (to resume after a restart)."""
        rows = self.store.connection().execute(
            "SELECT id FROM jobs WHERE status IN (?, ?) ORDER BY created_at, id",
            (QUEUED, RUNNING)).fetchall()
        return [r["id"] for r in rows]

    def records(self, job_id: str) -> list[Innovation]:
        """The upload of a job."""
        row = self.store.connection().execute("SELECT payload FROM jobs WHERE id = ?",
                                              (job_id,)).fetchone()
        return [Innovation.model_validate(r) for r in json.loads(row["payload"])]

    def apply_batch(self, store: Store, job_id: str, batch: Sequence[Innovation],
                    done: int) -> WriteResult:
        """Upsert one batch and record the job's progress in the same transaction, with the
        generation that batch committed as (a server reports the job done once its index
        has reached it)."""
        job = self.get(job_id)
        total = job.total if job else done

        def progress(conn, result: WriteResult) -> None:
            conn.execute("UPDATE jobs SET status = ?, done = ?, created = created + ?, "
                         "updated = updated + ?, updated_at = ?, "
                         "generation = (SELECT MAX(generation) FROM changes) WHERE id = ?",
                         (DONE if done >= total else RUNNING, done, len(result.created),
                          len(result.updated), _now(), job_id))

        return store.upsert(batch, also=progress)

    def fail(self, job_id: str, error: str) -> None:
        """Mark a job failed with the reason."""
        with self.store.transaction() as conn:
            conn.execute("UPDATE jobs SET status = ?, error = ?, updated_at = ? WHERE id = ?",
                         (FAILED, error[:2000], _now(), job_id))
