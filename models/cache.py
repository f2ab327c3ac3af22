"""A document-embedding cache keyed by model and text, stored as plain .npy files."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from corpus.files import write_atomic
from models.base import Embedder

log = logging.getLogger(__name__)


def text_key(model: str, text: str) -> str:
    """Cache key of one document text under one model."""
    return hashlib.sha256(f"{model}\x00passage\x00{text}".encode()).hexdigest()[:32]


def _read(folder: Path, dim: int | None) -> dict[str, np.ndarray]:
    """The cached vectors in `folder`; what is damaged is dropped with a warning, since
    every vector can be encoded again."""
    try:
        keys = np.load(folder / "keys.npy", allow_pickle=False)
        vectors = np.load(folder / "vectors.npy", allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        log.warning("embedding cache at %s is unreadable (%s); encoding anew", folder, exc)
        return {}
    # A crash between the two writes leaves them unequal: then start empty.
    if len(keys) != len(vectors) or vectors.ndim != 2 or (dim is not None
                                                           and vectors.shape[1] != dim):
        log.warning("embedding cache at %s does not fit together (%d keys, %s vectors); "
                    "encoding anew", folder, len(keys), vectors.shape)
        return {}
    # Stored vectors are unit length: a zeroed or altered row is dropped, not trusted.
    norms = np.linalg.norm(vectors, axis=1)
    good = np.abs(norms - 1.0) < 1e-3
    if not good.all():
        log.warning("embedding cache at %s: %d of %d vectors damaged; they are encoded "
                    "anew", folder, int((~good).sum()), len(vectors))
    return {str(k): v for k, v, ok in zip(keys, vectors, good, strict=True) if ok}


class EmbeddingCache:
    """Vectors of previously encoded documents; files: keys.npy and vectors.npy."""

    def __init__(self, folder: Path | None = None, dim: int | None = None) -> None:
        self.folder = folder
        self._vectors: dict[str, np.ndarray] = {}
        if folder is not None and (folder / "keys.npy").exists():
            self._vectors = _read(folder, dim)

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
            write_atomic(folder / name, lambda h, a=array: np.save(h, a, allow_pickle=False))
