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
    """Field vectors addressable by the dense index's stable integer ids; never mutated."""

    def __init__(self, ids: np.ndarray, matrix: np.ndarray) -> None:
        self.ids = np.asarray(ids, dtype=np.int64)
        self.matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        if self.matrix.ndim != 3 or len(self.ids) != len(self.matrix):
            raise ValueError("field vectors must be (n, fields, dim) with one id per row")
        self._row = {int(i): n for n, i in enumerate(self.ids)}

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self, int_ids: Sequence[int]) -> np.ndarray:
        """The (len(int_ids), fields, dim) vectors of the given ids."""
        if not len(int_ids):
            return np.zeros((0, *self.matrix.shape[1:]), dtype=np.float32)
        return self.matrix[[self._row[int(i)] for i in int_ids]]

    def changed(self, removed: Iterable[int], ids: Sequence[int], matrix: np.ndarray
                ) -> FieldVectors:
        """A new FieldVectors without `removed` and with `ids` added."""
        gone = {int(i) for i in removed}
        keep = np.array([int(i) not in gone for i in self.ids], dtype=bool)
        return FieldVectors(np.concatenate([self.ids[keep], np.asarray(ids, np.int64)]),
                            np.concatenate([self.matrix[keep], matrix.astype(np.float32)]))

    def save(self, folder: Path) -> None:
        """Write ids and vectors as plain .npy files."""
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "ids.npy", self.ids, allow_pickle=False)
        np.save(folder / "vectors.npy", self.matrix, allow_pickle=False)
        (folder / "fields.json").write_text(json.dumps({"fields": list(FIELDS)}),
                                            encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> FieldVectors:
        """Load vectors written by `save`."""
        meta = json.loads((folder / "fields.json").read_text(encoding="utf-8"))
        if tuple(meta["fields"]) != FIELDS:
            raise ValueError(f"{folder}: fields {meta['fields']}, expected {list(FIELDS)}")
        return cls(np.load(folder / "ids.npy", allow_pickle=False),
                   np.load(folder / "vectors.npy", allow_pickle=False))
