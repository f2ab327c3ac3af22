"""Dense channel: FAISS inner-product search over unit vectors with stable integer ids."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import numpy as np

# Up to this many vectors an exact flat index answers in a few milliseconds on 2 cores
# (see docs/performance.md); above it an IVF index is used, with recall measured there.
EXACT_MAX = 20_000
KINDS = ("auto", "flat", "ivf")


class Hits(NamedTuple):
    """Search results: scores (descending) and the matching integer ids."""

    scores: np.ndarray
    ids: np.ndarray


def brute_force_search(vectors: np.ndarray, ids: np.ndarray, query: np.ndarray, n: int,
                       allowed: np.ndarray | None = None) -> Hits:
    """Exact top-n by inner product in plain numpy; the oracle FAISS is tested against."""
    scores = vectors @ query
    if allowed is not None:
        keep = np.isin(ids, allowed)
        scores, ids = scores[keep], ids[keep]
    order = np.lexsort((ids, -scores))[:n]
    return Hits(scores[order].astype(np.float32), ids[order].astype(np.int64))


def set_search_threads(threads: int) -> None:
    """Threads FAISS may use (process-wide).

    One query vector at a time gains nothing from more, and idle OpenMP workers spinning
    beside the encoder's own threads slowed recommend by a third (docs/performance.md).
    """
    import faiss

    faiss.omp_set_num_threads(max(1, threads))


def ivf_nlist(count: int) -> int:
    """Number of IVF lists for `count` vectors (about 4 * sqrt(n))."""
    return max(1, int(4 * math.sqrt(count)))


class DenseIndex:
    """A FAISS index plus its vectors, addressable by stable int64 ids."""

    def __init__(self, dim: int, kind: str = "flat", nprobe: int = 32) -> None:
        if kind not in ("flat", "ivf"):
            raise ValueError(f"unknown dense index kind {kind!r}; known: {', '.join(KINDS)}")
        self.dim = dim
        self.kind = kind
        self.nprobe = nprobe
        self._index = None
        self._vectors = np.zeros((0, dim), dtype=np.float32)
        self._ids = np.zeros(0, dtype=np.int64)
        self._row: dict[int, int] = {}

    @staticmethod
    def choose_kind(count: int, kind: str = "auto", exact_max: int = EXACT_MAX) -> str:
        """'flat' up to `exact_max` vectors, 'ivf' above, unless a kind is forced."""
        if kind not in KINDS:
            raise ValueError(f"unknown dense index kind {kind!r}; known: {', '.join(KINDS)}")
        if kind != "auto":
            return kind
        return "flat" if count <= exact_max else "ivf"

    def fitted(self, kind: str = "auto", exact_max: int = EXACT_MAX) -> DenseIndex:
        """This index, or a new one of the kind its current size calls for: after writes
        grow or shrink it across `exact_max`, 'auto' switches between exact and IVF."""
        wanted = self.choose_kind(len(self), kind, exact_max)
        if wanted == self.kind or not len(self):
            return self
        return DenseIndex.build(self._vectors, self._ids, kind=wanted, nprobe=self.nprobe)

    @classmethod
    def build(cls, vectors: np.ndarray, ids: Iterable[int], kind: str = "auto",
              nprobe: int = 32) -> DenseIndex:
        """Index `vectors` (unit rows) under the given integer ids."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        ids_arr = np.asarray(list(ids), dtype=np.int64)
        index = cls(vectors.shape[1], cls.choose_kind(len(ids_arr), kind), nprobe)
        index._index = index._new_faiss(vectors)
        index.add(vectors, ids_arr)
        return index

    def _new_faiss(self, training: np.ndarray):
        import faiss

        if self.kind == "flat":
            return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
        # FAISS wants ~39 training points per list; small forced-IVF corpora get fewer lists.
        nlist = max(1, min(ivf_nlist(len(training)), len(training) // 39))
        quantizer = faiss.IndexFlatIP(self.dim)
        ivf = faiss.IndexIVFFlat(quantizer, self.dim, nlist, faiss.METRIC_INNER_PRODUCT)
        ivf.train(training)
        ivf.nprobe = self.nprobe
        return ivf

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def ids(self) -> np.ndarray:
        """Integer ids in storage order."""
        return self._ids

    @property
    def vectors(self) -> np.ndarray:
        """Stored vectors in the order of `ids`."""
        return self._vectors

    def vector(self, int_id: int) -> np.ndarray:
        """The stored vector of one id."""
        return self._vectors[self._row[int(int_id)]]

    def copy(self) -> DenseIndex:
        """An independent copy: changing it never disturbs searches on this one."""
        import faiss

        twin = DenseIndex(self.dim, self.kind, self.nprobe)
        twin._index = faiss.clone_index(self._index)
        twin._vectors, twin._ids = self._vectors.copy(), self._ids.copy()
        twin._row = dict(self._row)
        return twin

    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        """Add vectors under new ids (an existing id is an error)."""
        ids = np.asarray(ids, dtype=np.int64)
        dupes = [int(i) for i in ids if int(i) in self._row]
        if dupes or len(set(ids.tolist())) != len(ids):
            raise ValueError(f"ids already present or repeated: {dupes[:5]}")
        if len(ids) == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self._index.add_with_ids(vectors, ids)
        start = len(self._ids)
        self._vectors = np.vstack([self._vectors, vectors])
        self._ids = np.concatenate([self._ids, ids])
        self._row.update({int(i): start + n for n, i in enumerate(ids)})

    def remove(self, ids: Iterable[int]) -> None:
        """Remove ids (unknown ids are ignored)."""
        import faiss

        gone = {int(i) for i in ids if int(i) in self._row}
        if not gone:
            return
        self._index.remove_ids(faiss.IDSelectorBatch(np.fromiter(gone, dtype=np.int64)))
        keep = np.array([int(i) not in gone for i in self._ids], dtype=bool)
        self._vectors, self._ids = self._vectors[keep], self._ids[keep]
        self._row = {int(i): n for n, i in enumerate(self._ids)}

    def search(self, query: np.ndarray, n: int, allowed: np.ndarray | None = None) -> Hits:
        """Top-n ids by inner product, optionally only among `allowed` ids."""
        import faiss

        pool = len(self._ids) if allowed is None else len(allowed)
        n = min(n, pool)
        if n <= 0:
            return Hits(np.zeros(0, np.float32), np.zeros(0, np.int64))
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        params = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64))
            params = (faiss.SearchParametersIVF(sel=selector, nprobe=self.nprobe)
                      if self.kind == "ivf" else faiss.SearchParameters(sel=selector))
        scores, ids = self._index.search(q, n, params=params)
        found = ids[0] >= 0
        return Hits(scores[0][found], ids[0][found])

    def save(self, folder: Path) -> None:
        """Write the FAISS index, vectors and ids as plain files."""
        import faiss

        folder.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self._index, str(folder / "dense.faiss"))
        np.save(folder / "vectors.npy", self._vectors, allow_pickle=False)
        np.save(folder / "ids.npy", self._ids, allow_pickle=False)
        (folder / "dense.json").write_text(json.dumps(
            {"dim": self.dim, "kind": self.kind, "nprobe": self.nprobe}), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> DenseIndex:
        """Load an index written by `save`."""
        import faiss

        meta = json.loads((folder / "dense.json").read_text(encoding="utf-8"))
        index = cls(meta["dim"], meta["kind"], meta["nprobe"])
        index._index = faiss.read_index(str(folder / "dense.faiss"))
        if index.kind == "ivf":
            index._index.nprobe = index.nprobe
        index._vectors = np.load(folder / "vectors.npy", allow_pickle=False)
        index._ids = np.load(folder / "ids.npy", allow_pickle=False)
        index._row = {int(i): n for n, i in enumerate(index._ids)}
        return index
