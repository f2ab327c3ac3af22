"""Run bulk-upload jobs in the background, batch by batch, through the live engine."""

from __future__ import annotations

import logging
import threading

from corpus.jobs import Jobs
from matcher.live import LiveEngine

log = logging.getLogger(__name__)
BATCH = 200  # innovations per committed batch


class JobRunner:
    """One worker thread that drains the store's queued jobs (resuming unfinished ones
    first); each batch goes through `engine.write`, so the index follows it at once."""

    def __init__(self, engine: LiveEngine, batch: int = BATCH) -> None:
        self.engine = engine
        self.jobs = Jobs(engine.store)
        self.batch = batch
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the worker; unfinished jobs from before a restart are resumed."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="replika-jobs",
                                            daemon=True)
            self._thread.start()
        self._wake.set()

    def notify(self) -> None:
        """A job was submitted."""
        self._wake.set()

    def stop(self, timeout: float = 30) -> None:
        """Stop after the batch in progress."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            self._wake.clear()
            for job_id in self.jobs.pending():
                if self._stop.is_set():
                    return
                self.run(job_id)

    def run(self, job_id: str) -> None:
        """Apply a job's remaining batches."""
        job = self.jobs.get(job_id)
        try:
            records = self.jobs.records(job_id)
            for start in range(job.done, len(records), self.batch):
                if self._stop.is_set():
                    return
                batch = records[start:start + self.batch]
                done = start + len(batch)
                self.engine.write(
                    lambda store, b=batch, d=done: self.jobs.apply_batch(store, job_id, b, d))
        except Exception as exc:  # a job must end visibly, never hang as 'running'
            log.exception("bulk job %s failed", job_id)
            self.jobs.fail(job_id, f"{type(exc).__name__}: {exc}")
