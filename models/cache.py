"""A document-embedding cache keyed by model and text, stored as plain .npy files.

Saved vectors stay on disk, memory-mapped: the index already holds every vector a query
needs, so the cache is read only to avoid encoding a text twice and does not hold a second
copy in memory. A save appends the vectors encoded since the last one as a new part
(`part-*-vectors.npy` + `part-*-keys.npy`) instead of rewriting the whole cache.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from corpus.files import write_atomic
from models.base import Embedder

log = logging.getLogger(__name__)
MAX_PARTS = 16  # more parts than this are merged into one on save


KEY_CHARS = 32  # hex digits of a cache key; the key files store them as fixed-width text
_KEY_DTYPE = f"U{KEY_CHARS}"


def text_key(model: str, text: str) -> str:
    """Cache key of one document text under one model."""
    return hashlib.sha256(f"{model}\x00passage\x00{text}".encode()).hexdigest()[:KEY_CHARS]


def _parts(folder: Path) -> list[tuple[Path, Path]]:
    """(keys, vectors) file pairs of a cache folder, the base pair first."""
    pairs = [(folder / "keys.npy", folder / "vectors.npy")]
    pairs += [(k, k.with_name(k.name.replace("-keys.npy", "-vectors.npy")))
              for k in sorted(folder.glob("part-*-keys.npy"))]
    return [(k, v) for k, v in pairs if k.exists()]


class _Segment:
    """One part's sorted keys and vectors, both memory-mapped once on disk."""

    def __init__(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        self.keys, self.vectors = keys, vectors

    def find(self, key: str) -> int | None:
        """The row of `key`, or None (a file out of order only costs re-encoding)."""
        row = int(np.searchsorted(self.keys, key))
        return row if row < len(self.keys) and self.keys[row] == key else None


def _read_part(keys_path: Path, vectors_path: Path, dim: int | None) -> _Segment | None:
    """One part's memory-mapped keys and vectors; None when the part is unreadable (every
    vector can be encoded again)."""
    try:
        keys = np.load(keys_path, allow_pickle=False, mmap_mode="r")
        vectors = np.load(vectors_path, allow_pickle=False, mmap_mode="r")
    except (OSError, ValueError, EOFError) as exc:
        log.warning("embedding cache part %s is unreadable (%s); encoding anew",
                    vectors_path, exc)
        return None
    # A crash between the two writes leaves them unequal: then the part is dropped.
    if len(keys) != len(vectors) or vectors.ndim != 2 or (dim is not None
                                                           and vectors.shape[1] != dim):
        log.warning("embedding cache part %s does not fit together (%d keys, %s vectors); "
                    "encoding anew", vectors_path, len(keys), vectors.shape)
        return None
    # Rows are checked when read (see EmbeddingCache._lookup), not here: a scan would make
    # every page of a large cache resident although a server only reads it on writes; and
    # keys are found by bisection, not a dict of every key (23 MiB at 30,000 innovations).
    return _Segment(keys, vectors)


def _intact(vector: np.ndarray) -> bool:
    """Stored vectors are unit length: a zeroed or altered row is not trusted."""
    return bool(abs(float(np.linalg.norm(vector)) - 1.0) < 1e-3)


class EmbeddingCache:
    """Vectors of previously encoded documents, on disk; new ones in memory until saved."""

    def __init__(self, folder: Path | None = None, dim: int | None = None) -> None:
        self.folder = folder
        self._segments: list[_Segment] = []  # earlier segments win for a repeated key
        self._fresh: dict[str, np.ndarray] = {}  # encoded since the last save
        if folder is not None and folder.is_dir():
            for keys_path, vectors_path in _parts(folder):
                part = _read_part(keys_path, vectors_path, dim)
                if part is not None:
                    self._segments.append(part)

    def _keys(self) -> set[str]:
        """Every key held, on disk or fresh."""
        held = set(self._fresh)
        for seg in self._segments:
            held.update(str(k) for k in seg.keys)
        return held

    def __len__(self) -> int:
        return len(self._keys())

    def __contains__(self, key: object) -> bool:
        return key in self._fresh or (isinstance(key, str) and self._stored(key) is not None)

    def _stored(self, key: str) -> tuple[_Segment, int] | None:
        for seg in self._segments:
            row = seg.find(key)
            if row is not None:
                return seg, row
        return None

    def _lookup(self, key: str) -> np.ndarray | None:
        """The cached vector of `key`, or None when absent or damaged on disk."""
        if key in self._fresh:
            return self._fresh[key]
        where = self._stored(key)
        if where is None:
            return None
        vector = np.array(where[0].vectors[where[1]], dtype=np.float32)
        return vector if _intact(vector) else None

    def fill_from(self, other: EmbeddingCache) -> None:
        """Take the other cache's vectors for keys this one lacks (without copying them)."""
        self._segments.extend(other._segments)
        for key, vector in other._fresh.items():
            if key not in self:
                self._fresh[key] = vector

    def encode(self, embedder: Embedder, texts: Sequence[str], *, progress: bool = False
               ) -> np.ndarray:
        """Document vectors for `texts`, encoding only those not cached yet (or whose stored
        vector is damaged)."""
        keys = [text_key(embedder.name, t) for t in texts]
        found: dict[str, np.ndarray] = {}
        missing: dict[str, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in found and key not in missing:
                vector = self._lookup(key)
                if vector is not None:
                    found[key] = vector
                else:
                    missing[key] = text
        damaged = sum(1 for k in missing if self._stored(k) is not None)
        if damaged:
            log.warning("embedding cache at %s: %d stored vectors damaged; they are encoded "
                        "anew", self.folder, damaged)
        if missing:
            fresh = embedder.encode_documents(list(missing.values()), progress=progress)
            for key, vector in zip(missing, fresh, strict=True):
                self._fresh[key] = found[key] = vector
        if not keys:
            return np.zeros((0, embedder.dim), dtype=np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32)

    def save(self, folder: Path | None = None, only: Sequence[str] | None = None) -> None:
        """Write the cache atomically: into its own folder, append what was encoded since
        the last save as a new part; into another folder (or `only` some keys), write one
        complete pair of files."""
        folder = folder or self.folder
        if folder is None:
            raise ValueError("no folder to save the embedding cache in")
        folder.mkdir(parents=True, exist_ok=True)
        if only is not None or folder != self.folder or not self._segments:
            wanted = sorted(set(only) & self._keys() if only is not None else self._keys())
            self._write_pair(folder / "keys.npy", folder / "vectors.npy", wanted)
            if folder == self.folder and only is None:  # now on disk: map it, free memory
                self._reload(folder)
            return
        if not self._fresh:
            return
        if len(_parts(folder)) >= MAX_PARTS:
            self._compact(folder)
            return
        name = f"part-{uuid.uuid4().hex[:12]}"
        keys = sorted(self._fresh)
        self._write_pair(folder / f"{name}-keys.npy", folder / f"{name}-vectors.npy", keys)
        self._segments.append(_Segment(np.array(keys, dtype=_KEY_DTYPE),
                                       np.stack([self._fresh[k] for k in keys])))
        self._fresh = {}

    def _write_pair(self, keys_path: Path, vectors_path: Path, keys: Sequence[str]) -> None:
        kept = [(k, v) for k, v in ((k, self._lookup(k)) for k in keys) if v is not None]
        keys = [k for k, _ in kept]  # a damaged row is not carried into the new files
        vectors = (np.stack([v for _, v in kept]) if kept
                   else np.zeros((0, 1), np.float32))
        # Vectors first, keys last: a part whose keys file is missing is never read.
        write_atomic(vectors_path, lambda h: np.save(h, vectors, allow_pickle=False))
        write_atomic(keys_path, lambda h: np.save(h, np.array(keys, dtype=_KEY_DTYPE),
                                                  allow_pickle=False))

    def _compact(self, folder: Path) -> None:
        keys = sorted(self._keys())
        old = [pair for pair in _parts(folder) if pair[0].name != "keys.npy"]
        self._write_pair(folder / "keys.npy", folder / "vectors.npy", keys)
        for keys_path, vectors_path in old:
            keys_path.unlink(missing_ok=True)
            vectors_path.unlink(missing_ok=True)
        self._reload(folder)

    def _reload(self, folder: Path) -> None:
        self._segments, self._fresh = [], {}
        part = _read_part(folder / "keys.npy", folder / "vectors.npy", None)
        if part is not None:
            self._segments.append(part)
