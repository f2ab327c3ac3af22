"""Per-field document vectors (heading, problem, solution) beside the whole-document vector."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from corpus.schema import Innovation
from matcher.rowstore import RowStore, Segment
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


class FieldVectors(RowStore):
    """Field vectors addressable by the dense index's stable integer ids; never mutated."""

    def __init__(self, ids: np.ndarray, matrix: Segment) -> None:
        super().__init__(ids, matrix)
        if len(self.shape) != 2:
            raise ValueError("field vectors must be (n, fields, dim) with one id per row")

    def save(self, folder: Path) -> None:
        """Write ids and vectors as plain .npy files, a chunk of rows at a time."""
        self.save_rows(folder)
        (folder / "fields.json").write_text(json.dumps({"fields": list(FIELDS)}),
                                            encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> FieldVectors:
        """Open vectors written by `save`: rows are read from the file as candidates need
        them (matcher.rowfile), never held in memory."""
        meta = json.loads((folder / "fields.json").read_text(encoding="utf-8"))
        if tuple(meta["fields"]) != FIELDS:
            raise ValueError(f"{folder}: fields {meta['fields']}, expected {list(FIELDS)}")
        return cls.open_rows(folder)
