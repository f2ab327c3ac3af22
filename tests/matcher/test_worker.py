"""The background worker: lazy start, runs after every wake, a wake during a run is kept."""

from __future__ import annotations

import threading
import time

from matcher.worker import Worker

GUARD = 10.0  # seconds: a guard against hangs, not a timing claim


def test_a_wake_during_a_run_runs_the_task_again_and_stop_ends_it():
    runs: list[int] = []
    started, release = threading.Event(), threading.Event()

    def task() -> None:
        runs.append(len(runs))
        started.set()
        release.wait(GUARD)

    worker = Worker("test-worker", task)
    assert worker._thread is None  # nothing runs before the first wake
    worker.wake()
    assert started.wait(GUARD)
    worker.wake()  # while the first run is still going
    release.set()
    deadline = time.monotonic() + GUARD
    while len(runs) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(runs) == 2
    worker.stop(GUARD)
    assert worker.stopping and not worker._thread.is_alive()
    worker.wake()  # after stop: no new thread, no run
    time.sleep(0.05)
    assert len(runs) == 2


def test_pause_returns_at_once_when_stopped_and_woken_again_consumes_the_wake():
    worker = Worker("test-worker", lambda: None)
    worker._wake.set()
    assert worker.woken_again() and not worker.woken_again()
    worker.stop(GUARD)
    began = time.monotonic()
    worker.pause(GUARD)
    assert time.monotonic() - began < GUARD / 2


def test_a_failing_run_leaves_the_worker_alive_for_the_next_wake(caplog):
    runs: list[int] = []
    done = threading.Event()

    def task() -> None:
        runs.append(1)
        if len(runs) == 1:
            raise OSError("store unavailable")
        done.set()

    worker = Worker("test-worker", task)
    worker.wake()
    deadline = time.monotonic() + GUARD
    while not runs and time.monotonic() < deadline:
        time.sleep(0.01)
    worker.wake()
    assert done.wait(GUARD) and len(runs) == 2
    assert "store unavailable" in caplog.text
    worker.stop(GUARD)
