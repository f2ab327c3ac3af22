"""A background worker: one daemon thread, started when first woken, that runs a task after
every wake-up until stopped (the index saver and the bulk-job runner are both one)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Worker:
    """Runs `task` on its own thread each time it is woken; wakes during a run are kept,
    so the task runs again after it."""

    def __init__(self, name: str, task: Callable[[], None]) -> None:
        self.name = name
        self._task = task
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def stopping(self) -> bool:
        """Whether stop() was called: a long task should end at its next safe point."""
        return self._stop.is_set()

    def wake(self) -> None:
        """Start the thread if it is not running, and have it run the task."""
        with self._lock:
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._loop, name=self.name,
                                                daemon=True)
                self._thread.start()
        self._wake.set()

    def woken_again(self) -> bool:
        """Whether a wake arrived since the task began (and consume it)."""
        if self._wake.is_set():
            self._wake.clear()
            return True
        return False

    def pause(self, seconds: float) -> None:
        """Sleep, but return at once when the worker is stopped."""
        self._stop.wait(seconds)

    def stop(self, timeout: float) -> None:
        """Ask the task to end, and wait up to `timeout` seconds for the thread."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            if self._stop.is_set():
                return
            self._wake.clear()
            try:
                self._task()
            except Exception:  # the thread must outlive one failed run (a store outage)
                log.exception("background task %s failed; it runs again on the next wake",
                              self.name)
