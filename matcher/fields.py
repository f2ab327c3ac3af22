"""Per-field document vectors (heading, problem, solution) beside the whole-document vector."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from corpus.schema import Innovation
from matcher.rowfile import RowFile, save_rows
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


Segment = np.ndarray | RowFile  # the saved base is read on demand; deltas are in memory
MAX_DELTAS = 64  # delta segments before they are merged into one
SAVE_CHUNK = 4096  # rows written at a time


class FieldVectors:
    """Field vectors addressable by the dense index's stable integer ids; never mutated.

    Like the dense index, a change adds a delta segment instead of copying the base. Where
    each id lives is two arrays indexed by id (segment, row), copied on change: 6 bytes an
    id, not a dict entry of about 150."""

    def __init__(self, ids: np.ndarray, matrix: Segment) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        if not isinstance(matrix, RowFile):
            matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        if len(matrix.shape) != 3 or len(ids) != len(matrix):
            raise ValueError("field vectors must be (n, fields, dim) with one id per row")
        if len(ids) and (ids.min() < 0 or len(np.unique(ids)) != len(ids)):
            raise ValueError("field vector ids must be distinct and not negative")
        size = int(ids.max()) + 1 if len(ids) else 0
        self._segments: tuple[Segment, ...] = (matrix,)
        self._seg = np.full(size, -1, dtype=np.int16)
        self._at = np.zeros(size, dtype=np.int32)
        self._seg[ids], self._at[ids] = 0, np.arange(len(ids), dtype=np.int32)
        self._shape = tuple(matrix.shape[1:])

    def __len__(self) -> int:
        return int((self._seg >= 0).sum())

    @property
    def ids(self) -> np.ndarray:
        """Live ids in storage order."""
        live = np.flatnonzero(self._seg >= 0)
        return live[np.lexsort((self._at[live], self._seg[live]))].astype(np.int64)

    def rows(self, int_ids: Sequence[int]) -> np.ndarray:
        """The (len(int_ids), fields, dim) vectors of the given ids."""
        ids = np.asarray(int_ids, dtype=np.int64).reshape(-1)
        out = np.zeros((len(ids), *self._shape), dtype=np.float32)
        if not len(ids):
            return out
        if ids.min() < 0 or ids.max() >= len(self._seg) or (self._seg[ids] < 0).any():
            missing = [int(i) for i in ids if i < 0 or i >= len(self._seg) or self._seg[i] < 0]
            raise KeyError(f"no field vectors for ids {missing[:5]}")
        seg, at = self._seg[ids], self._at[ids]
        for s in np.unique(seg).tolist():
            picked = np.flatnonzero(seg == s)
            segment = self._segments[s]
            out[picked] = (segment.take(at[picked]) if isinstance(segment, RowFile)
                           else segment[at[picked]])
        return out

    def changed(self, removed: Iterable[int], ids: Sequence[int], matrix: np.ndarray
                ) -> FieldVectors:
        """A new FieldVectors without `removed` and with `ids` added."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        size = max(len(self._seg), int(ids.max()) + 1 if len(ids) else 0)
        seg = np.full(size, -1, dtype=np.int16)
        at = np.zeros(size, dtype=np.int32)
        seg[: len(self._seg)], at[: len(self._at)] = self._seg, self._at
        gone = np.fromiter((int(i) for i in removed), dtype=np.int64)
        seg[gone[(gone >= 0) & (gone < size)]] = -1
        segments = self._segments
        if len(ids):
            segments = (*segments, np.ascontiguousarray(matrix, dtype=np.float32))
            seg[ids], at[ids] = len(segments) - 1, np.arange(len(ids), dtype=np.int32)
        twin = FieldVectors.__new__(FieldVectors)
        twin._shape, twin._segments, twin._seg, twin._at = self._shape, segments, seg, at
        return twin._merged_deltas() if len(segments) > 1 + MAX_DELTAS else twin

    def _merged_deltas(self) -> FieldVectors:
        """The same vectors with every delta segment merged into one (the base untouched)."""
        live = np.flatnonzero(self._seg > 0)
        merged = self.rows(live)
        twin = FieldVectors.__new__(FieldVectors)
        twin._shape, twin._segments = self._shape, (self._segments[0], merged)
        twin._seg, twin._at = self._seg.copy(), self._at.copy()
        twin._seg[live], twin._at[live] = 1, np.arange(len(live), dtype=np.int32)
        return twin

    def save(self, folder: Path) -> None:
        """Write ids and vectors as plain .npy files, a chunk of rows at a time."""
        folder.mkdir(parents=True, exist_ok=True)
        ids = self.ids
        np.save(folder / "ids.npy", ids, allow_pickle=False)
        save_rows(folder / "vectors.npy", (len(ids), *self._shape), np.float32,
                  (self.rows(ids[n:n + SAVE_CHUNK]) for n in range(0, len(ids), SAVE_CHUNK)))
        (folder / "fields.json").write_text(json.dumps({"fields": list(FIELDS)}),
                                            encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> FieldVectors:
        """Open vectors written by `save`: rows are read from the file as candidates need
        them (matcher.rowfile), never held in memory."""
        meta = json.loads((folder / "fields.json").read_text(encoding="utf-8"))
        if tuple(meta["fields"]) != FIELDS:
            raise ValueError(f"{folder}: fields {meta['fields']}, expected {list(FIELDS)}")
        return cls(np.load(folder / "ids.npy", allow_pickle=False),
                   RowFile(folder / "vectors.npy"))
