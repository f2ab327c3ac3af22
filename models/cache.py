"""A document-embedding cache keyed by model and text, stored as plain .npy files."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from models.base import Embedder


def text_key(model: str, text: str) -> str:
    """Cache key of one document text under one model."""
    return hashlib.sha256(f"{model}\x00passage\x00{text}".encode()).hexdigest()[:32]


class EmbeddingCache:
    """Vectors of previously encoded documents; files: keys.npy and vectors.npy."""

    def __init__(self, folder: Path | None = None, dim: int | None = None) -> None:
        self.folder = folder
        self._vectors: dict[str, np.ndarray] = {}
        if folder is not None and (folder / "keys.npy").exists():
            keys = np.load(folder / "keys.npy", allow_pickle=False)
            vectors = np.load(folder / "vectors.npy", allow_pickle=False)
            # A crash between the two writes leaves them unequal: then start empty.
            if len(keys) == len(vectors) and (dim is None or vectors.shape[1] == dim):
                self._vectors = {str(k): v for k, v in zip(keys, vectors, strict=True)}

    def __len__(self) -> int:
        return len(self._vectors)

    def fill_from(self, other: EmbeddingCache) -> None:
        """Take the other cache's vectors for keys this one lacks."""
        for key, vector in other._vectors.items():
            self._vectors.setdefault(key, vector)

    def encode(self, embedder: Embedder, texts: Sequence[str], *, progress: bool = False
               ) -> np.ndarray:
        """Document vectors for `texts`, encoding only those not cached yet."""
        keys = [text_key(embedder.name, t) for t in texts]
        missing = list(dict.fromkeys(
            (k, t) for k, t in zip(keys, texts, strict=True) if k not in self._vectors))
        if missing:
            fresh = embedder.encode_documents([t for _, t in missing], progress=progress)
            self._vectors.update({k: v for (k, _), v in zip(missing, fresh, strict=True)})
        if not keys:
            return np.zeros((0, embedder.dim), dtype=np.float32)
        return np.stack([self._vectors[k] for k in keys]).astype(np.float32)

    def save(self, folder: Path | None = None, only: Sequence[str] | None = None) -> None:
        """Write the cache (optionally only the given keys) atomically."""
        folder = folder or self.folder
        if folder is None:
            raise ValueError("no folder to save the embedding cache in")
        folder.mkdir(parents=True, exist_ok=True)
        keys = sorted(self._vectors if only is None else set(only) & set(self._vectors))
        vectors = (np.stack([self._vectors[k] for k in keys]) if keys
                   else np.zeros((0, 1), np.float32))
        for name, array in (("vectors.npy", vectors), ("keys.npy", np.array(keys, dtype="U32"))):
            fd, tmp = tempfile.mkstemp(dir=folder, suffix=".npy")
            with os.fdopen(fd, "wb") as handle:
                np.save(handle, array, allow_pickle=False)
            os.replace(tmp, folder / name)
