"""Run bulk-upload jobs in the background, batch by batch, through the live engine."""

from __future__ import annotations

import logging

from corpus.jobs import Jobs
from matcher.live import LiveEngine
from matcher.worker import Worker

log = logging.getLogger(__name__)
BATCH = 200  # innovations per committed batch


class JobRunner:
    """One worker thread that drains the store's queued jobs (resuming unfinished ones
    first); each batch goes through `engine.write`, so the index follows it at once."""

    def __init__(self, engine: LiveEngine, batch: int = BATCH) -> None:
        self.engine = engine
        self.jobs = Jobs(engine.store)
        self.batch = batch
        self._worker = Worker("replika-jobs", self._drain)

    def start(self) -> None:
        """Start the worker; unfinished jobs from before a restart are resumed."""
        self._worker.wake()

    def notify(self) -> None:
        """A job was submitted."""
        self._worker.wake()

    def stop(self, timeout: float = 30) -> None:
        """Stop after the batch in progress."""
        self._worker.stop(timeout)

    def _drain(self) -> None:
        for job_id in self.jobs.pending():
            if self._worker.stopping:
                return
            self.run(job_id)

    def run(self, job_id: str) -> None:
        """Apply a job's remaining batches."""
        job = self.jobs.get(job_id)
        try:
            records = self.jobs.records(job_id)
            for start in range(job.done, len(records), self.batch):
                if self._worker.stopping:
                    return
                batch = records[start:start + self.batch]
                done = start + len(batch)
                self.engine.write(
                    lambda store, b=batch, d=done: self.jobs.apply_batch(store, job_id, b, d))
        except Exception as exc:  # a job must end visibly, never hang as 'running'
            log.exception("bulk job %s failed", job_id)
            self.jobs.fail(job_id, f"{type(exc).__name__}: {exc}")
