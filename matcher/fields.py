"""Per-field document vectors (heading, problem, solution) beside the whole-document vector."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from corpus.schema import Innovation
from models.base import Embedder
from models.cache import EmbeddingCache

FIELDS = ("title", "problem", "solution")


def encode_fields(records: Sequence[Innovation], embedder: Embedder,
                  cache: EmbeddingCache) -> np.ndarray:
    """(n, len(FIELDS), dim) unit vectors; an absent field is a zero vector."""
    texts = [r.field_texts() for r in records]
    flat = [t for row in texts for t in row if t]
    vectors = cache.encode(embedder, flat) if flat else np.zeros((0, embedder.dim), np.float32)
    out = np.zeros((len(records), len(FIELDS), embedder.dim), dtype=np.float32)
    n = 0
    for i, row in enumerate(texts):
        for j, text in enumerate(row):
            if text:
                out[i, j] = vectors[n]
                n += 1
    return out


class FieldVectors:
    """Field vectors addressable by the dense index's stable integer ids; never mutated.

    Like the dense index, a change adds a delta segment instead of copying the base."""

    def __init__(self, ids: np.ndarray, matrix: np.ndarray) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        if matrix.ndim != 3 or len(ids) != len(matrix):
            raise ValueError("field vectors must be (n, fields, dim) with one id per row")
        self._segments: tuple[np.ndarray, ...] = (matrix,)
        self._row = {int(i): (0, n) for n, i in enumerate(ids)}
        self._shape = matrix.shape[1:]

    def __len__(self) -> int:
        return len(self._row)

    @property
    def ids(self) -> np.ndarray:
        """Live ids in storage order."""
        return np.array(sorted(self._row, key=self._row.__getitem__), dtype=np.int64)

    def rows(self, int_ids: Sequence[int]) -> np.ndarray:
        """The (len(int_ids), fields, dim) vectors of the given ids."""
        if not len(int_ids):
            return np.zeros((0, *self._shape), dtype=np.float32)
        return np.stack([self._segments[seg][row]
                         for seg, row in (self._row[int(i)] for i in int_ids)])

    def changed(self, removed: Iterable[int], ids: Sequence[int], matrix: np.ndarray
                ) -> FieldVectors:
        """A new FieldVectors without `removed` and with `ids` added."""
        twin = FieldVectors.__new__(FieldVectors)
        twin._shape = self._shape
        gone = {int(i) for i in removed}
        row = dict(self._row)
        for i in gone:
            row.pop(i, None)
        segments = self._segments
        if len(ids):
            segments = (*segments, np.ascontiguousarray(matrix, dtype=np.float32))
            row.update({int(i): (len(segments) - 1, n) for n, i in enumerate(ids)})
        twin._segments, twin._row = segments, row
        if len(segments) > 64:  # many small writes: merge them into one segment
            live = twin.ids
            return FieldVectors(live, twin.rows(live))
        return twin

    def save(self, folder: Path) -> None:
        """Write ids and vectors as plain .npy files."""
        folder.mkdir(parents=True, exist_ok=True)
        ids = self.ids
        np.save(folder / "ids.npy", ids, allow_pickle=False)
        np.save(folder / "vectors.npy", self.rows(ids), allow_pickle=False)
        (folder / "fields.json").write_text(json.dumps({"fields": list(FIELDS)}),
                                            encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> FieldVectors:
        """Load vectors written by `save`."""
        meta = json.loads((folder / "fields.json").read_text(encoding="utf-8"))
        if tuple(meta["fields"]) != FIELDS:
            raise ValueError(f"{folder}: fields {meta['fields']}, expected {list(FIELDS)}")
        # Memory-mapped: pages are read as candidates need them, not held twice.
        return cls(np.load(folder / "ids.npy", allow_pickle=False),
                   np.load(folder / "vectors.npy", allow_pickle=False, mmap_mode="r"))
