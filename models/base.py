"""The embedder interface every backend implements."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np
from tqdm.auto import tqdm


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as contiguous float32."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


class Embedder(ABC):
    """Turns queries and documents into unit-length float32 vectors."""

    name: str
    dim: int
    batch_size: int = 16

    @abstractmethod
    def _encode(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        """Encode one batch; rows need not be normalised."""

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) unit vectors for search queries / problem statements."""
        return self._encode_all(list(texts), is_query=True, progress=False)

    def encode_documents(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """(n, dim) unit vectors for innovation descriptions."""
        return self._encode_all(list(texts), is_query=False, progress=progress)

    @property
    def _guard(self) -> threading.Lock:
        # Native engines are not guaranteed thread-safe and web requests run in a thread pool.
        return self.__dict__.setdefault("_guard_lock", threading.Lock())

    def _encode_all(self, texts: list[str], *, is_query: bool, progress: bool) -> np.ndarray:
        with self._guard:
            return self._encode_batches(texts, is_query=is_query, progress=progress)

    def _encode_batches(self, texts: list[str], *, is_query: bool, progress: bool
                        ) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        batches = range(0, len(texts), self.batch_size)
        out = []
        with tqdm(total=len(texts), desc=f"encoding ({self.name})", unit="doc",
                  disable=not progress) as bar:
            for start in batches:
                chunk = texts[start:start + self.batch_size]
                out.append(self._encode(chunk, is_query=is_query))
                bar.update(len(chunk))
        return l2_normalise(np.vstack(out))
