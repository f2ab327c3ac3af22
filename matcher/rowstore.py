"""Fixed-shape float32 rows addressable by stable integer ids: a saved base read on demand
and small in-memory deltas. The dense index's exact vectors and the field vectors use it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from matcher.rowfile import RowFile, save_rows

Segment = np.ndarray | RowFile  # the saved base is read on demand; deltas are in memory
MAX_DELTAS = 64  # delta segments before they are merged into one
SAVE_CHUNK = 4096  # rows written at a time
MAX_ID = 1 << 26  # ids index two arrays (6 bytes an id up to the largest): 400 MB at most


class RowStore:
    """Rows by id; never mutated: a change adds a delta segment instead of copying the base.

    Where each id lives is two arrays indexed by id (segment, row), copied on change: 6 bytes
    an id, not a dict entry of about 150."""

    def __init__(self, ids: np.ndarray, matrix: Segment) -> None:
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if not isinstance(matrix, RowFile):
            matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        if len(matrix.shape) < 2 or len(ids) != len(matrix):
            raise ValueError(f"rows must be (n, ...) with one id per row: {len(ids)} ids "
                             f"for shape {tuple(matrix.shape)}")
        if len(ids) and (ids.min() < 0 or len(np.unique(ids)) != len(ids)):
            raise ValueError("row ids must be distinct and not negative")
        _check_ids(ids)
        size = int(ids.max()) + 1 if len(ids) else 0
        self._segments: tuple[Segment, ...] = (matrix,)
        self._seg = np.full(size, -1, dtype=np.int16)
        self._at = np.zeros(size, dtype=np.int32)
        self._seg[ids], self._at[ids] = 0, np.arange(len(ids), dtype=np.int32)
        self._shape = tuple(matrix.shape[1:])

    def __len__(self) -> int:
        return int((self._seg >= 0).sum())

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of one row."""
        return self._shape

    @property
    def ids(self) -> np.ndarray:
        """Live ids in storage order."""
        live = np.flatnonzero(self._seg >= 0)
        return live[np.lexsort((self._at[live], self._seg[live]))].astype(np.int64)

    def rows(self, int_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """The (len(int_ids), *shape) rows of the given ids, in the order given."""
        ids = np.asarray(int_ids, dtype=np.int64).reshape(-1)
        out = np.zeros((len(ids), *self._shape), dtype=np.float32)
        if not len(ids):
            return out
        if ids.min() < 0 or ids.max() >= len(self._seg) or (self._seg[ids] < 0).any():
            missing = [int(i) for i in ids if i < 0 or i >= len(self._seg) or self._seg[i] < 0]
            raise KeyError(f"no stored rows for ids {missing[:5]}")
        seg, at = self._seg[ids], self._at[ids]
        for s in np.unique(seg).tolist():
            picked = np.flatnonzero(seg == s)
            segment = self._segments[s]
            out[picked] = (segment.take(at[picked]) if isinstance(segment, RowFile)
                           else segment[at[picked]])
        return out

    def changed(self, removed: Iterable[int], ids: Sequence[int] | np.ndarray,
                matrix: np.ndarray) -> RowStore:
        """A new store of the same type without `removed` and with `ids` added."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        _check_ids(ids)
        size = max(len(self._seg), int(ids.max()) + 1 if len(ids) else 0)
        seg = np.full(size, -1, dtype=np.int16)
        at = np.zeros(size, dtype=np.int32)
        seg[: len(self._seg)], at[: len(self._at)] = self._seg, self._at
        gone = np.fromiter((int(i) for i in removed), dtype=np.int64)
        seg[gone[(gone >= 0) & (gone < size)]] = -1
        segments = self._segments
        if len(ids):
            segments = (*segments, np.ascontiguousarray(matrix, dtype=np.float32)
                        .reshape(len(ids), *self._shape))
            seg[ids], at[ids] = len(segments) - 1, np.arange(len(ids), dtype=np.int32)
        twin = self._twin(segments, seg, at)
        return twin._merged_deltas() if len(segments) > 1 + MAX_DELTAS else twin

    def _twin(self, segments: tuple[Segment, ...], seg: np.ndarray, at: np.ndarray
              ) -> RowStore:
        """A store of the same type over these segments and locations."""
        twin = type(self).__new__(type(self))
        twin._shape, twin._segments, twin._seg, twin._at = self._shape, segments, seg, at
        return twin

    def _merged_deltas(self) -> RowStore:
        """The same rows with every delta segment merged into one (the base untouched)."""
        live = np.flatnonzero(self._seg > 0)
        merged = self.rows(live)
        seg, at = self._seg.copy(), self._at.copy()
        seg[live], at[live] = 1, np.arange(len(live), dtype=np.int32)
        return self._twin((self._segments[0], merged), seg, at)

    def save_rows(self, folder: Path, ids: np.ndarray | None = None) -> None:
        """Write `ids` (default: the live ids) and their rows as `ids.npy` and `vectors.npy`,
        a chunk of rows at a time."""
        folder.mkdir(parents=True, exist_ok=True)
        ids = self.ids if ids is None else np.asarray(ids, dtype=np.int64)
        np.save(folder / "ids.npy", ids, allow_pickle=False)
        save_rows(folder / "vectors.npy", (len(ids), *self._shape), np.float32,
                  (self.rows(ids[n:n + SAVE_CHUNK]) for n in range(0, len(ids), SAVE_CHUNK)))

    @classmethod
    def open_rows(cls, folder: Path) -> RowStore:
        """Open rows written by `save_rows`: read from the file when asked for (matcher.rowfile),
        never held in memory."""
        return cls(np.load(folder / "ids.npy", allow_pickle=False),
                   RowFile(folder / "vectors.npy"))


def _check_ids(ids: np.ndarray) -> None:
    """Refuse ids the id-indexed arrays would have to grow past MAX_ID for."""
    if len(ids) and int(ids.max()) >= MAX_ID:
        raise ValueError(f"row id {int(ids.max())} is above the limit of {MAX_ID - 1}: "
                         "ids must be compact non-negative integers")
