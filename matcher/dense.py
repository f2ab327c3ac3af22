"""Dense channel: inner-product search over unit vectors with stable integer ids.

An index is never mutated: `changed` returns a new one that shares the large base segment
and adds a small delta segment plus a set of removed ids, so a write costs its delta, not a
copy of every vector (docs/performance.md). Exact search is plain numpy over the one copy
of the vectors. IVF search uses FAISS lists of 8-bit codes (a quarter of the vectors'
memory), and re-scores what they find with the exact vectors, which stay in a file beside
the index and are read by row (matcher.rowstore): the scores and order a caller sees are
exact over the rows the lists found.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import numpy as np

from matcher.rowstore import RowStore

# Up to this many vectors exact search answers in a few milliseconds on 2 cores
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


COMPACT_MIN = 1_000  # delta rows or removed base rows that trigger a merge into the base
COMPACT_SHARE = 0.10  # ... or this share of the base, whichever is larger
# IVF lists hold 8-bit codes; a search takes this many more rows than asked (at least
# RESCORE_MIN more, and twice as many) and keeps the best by their exact scores.
RESCORE_MIN = 32


def top_hits(scores: np.ndarray, ids: np.ndarray, n: int) -> Hits:
    """The n best (score descending, then id) of parallel score and id arrays."""
    if n < len(scores):
        part = np.argpartition(-scores, n - 1)[:n]
        # Ties at the cut-off: keep every row scoring as much as the n-th, then sort.
        cut = scores[part].min()
        part = np.flatnonzero(scores >= cut)
        scores, ids = scores[part], ids[part]
    order = np.lexsort((ids, -scores))[:n]
    return Hits(scores[order].astype(np.float32), ids[order].astype(np.int64))


class DenseIndex:
    """Unit vectors addressable by stable int64 ids: a base segment, removed ids and a
    small delta segment. Immutable; `changed` and `fitted` return new indexes."""

    def __init__(self, dim: int, kind: str = "flat", nprobe: int = 32) -> None:
        if kind not in ("flat", "ivf"):
            raise ValueError(f"unknown dense index kind {kind!r}; known: {', '.join(KINDS)}")
        self.dim = dim
        self.kind = kind
        self.nprobe = nprobe
        self._faiss = None  # IVF over the base segment (8-bit codes); None when flat
        self._base_vecs = np.zeros((0, dim), dtype=np.float32)  # flat only
        self._exact: RowStore | None = None  # IVF only: exact base vectors by id
        self._base_ids = np.zeros(0, dtype=np.int64)
        self._alive = np.zeros(0, dtype=bool)
        self._delta_vecs = np.zeros((0, dim), dtype=np.float32)
        self._delta_ids = np.zeros(0, dtype=np.int64)
        self._row: dict[int, int] = {}  # id -> base row (>= 0) or -(delta row + 1)

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
        return DenseIndex.build(self.vectors, self.ids, kind=wanted, nprobe=self.nprobe)

    @classmethod
    def build(cls, vectors: np.ndarray, ids: Iterable[int], kind: str = "auto",
              nprobe: int = 32) -> DenseIndex:
        """Index `vectors` (unit rows) under the given integer ids (not negative; IVF's
        exact vectors are addressed by id, so ids should be compact, as the engine's are:
        an id at or above matcher.rowstore.MAX_ID is refused)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, vectors.shape[-1])
        ids_arr = np.asarray(list(ids), dtype=np.int64)
        if len(set(ids_arr.tolist())) != len(ids_arr):
            raise ValueError("ids already present or repeated")
        index = cls(vectors.shape[1], cls.choose_kind(len(ids_arr), kind), nprobe)
        index._set_base(vectors, ids_arr)
        return index

    def _set_base(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        self._base_ids, self._alive = ids, np.ones(len(ids), dtype=bool)
        if self.kind == "flat":
            self._base_vecs = vectors
        else:
            self._faiss = self._new_ivf(vectors)
            self._faiss.add_with_ids(vectors, ids)
            self._exact = RowStore(ids, vectors)
        self._row = {int(i): n for n, i in enumerate(ids)}

    def _new_ivf(self, training: np.ndarray):
        import faiss

        # FAISS wants ~39 training points per list; small forced-IVF corpora get fewer lists.
        nlist = max(1, min(ivf_nlist(len(training)), len(training) // 39))
        quantizer = faiss.IndexFlatIP(self.dim)
        ivf = faiss.IndexIVFScalarQuantizer(quantizer, self.dim, nlist,
                                            faiss.ScalarQuantizer.QT_8bit,
                                            faiss.METRIC_INNER_PRODUCT)
        ivf.train(training)
        ivf.nprobe = self.nprobe
        return ivf

    def __len__(self) -> int:
        return len(self._row)

    @property
    def ids(self) -> np.ndarray:
        """Live integer ids: base rows in order, then the delta."""
        return np.concatenate([self._base_ids[self._alive], self._delta_ids])

    @property
    def vectors(self) -> np.ndarray:
        """A copy of the live vectors in the order of `ids` (for rebuilds, not queries)."""
        if self.kind == "flat":
            base = self._base_vecs[self._alive]
        else:
            base = self._exact.rows(self._base_ids[self._alive])
        return np.vstack([base, self._delta_vecs]).astype(np.float32)

    def vector(self, int_id: int) -> np.ndarray:
        """The stored vector of one id (KeyError when absent)."""
        row = self._row[int(int_id)]
        if row < 0:
            return self._delta_vecs[-row - 1]
        if self.kind == "flat":
            return self._base_vecs[row]
        return self._exact.rows([int_id])[0]

    def rows(self, int_ids: Iterable[int]) -> np.ndarray:
        """The stored vectors of the given ids, in order (KeyError for an absent one)."""
        ids = np.fromiter((int(i) for i in int_ids), dtype=np.int64)
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        rows = np.array([self._row[int(i)] for i in ids], dtype=np.int64)
        delta = rows < 0
        out[delta] = self._delta_vecs[-rows[delta] - 1]
        if (~delta).any():
            out[~delta] = (self._base_vecs[rows[~delta]] if self.kind == "flat"
                           else self._exact.rows(ids[~delta]))
        return out

    def with_nprobe(self, nprobe: int) -> DenseIndex:
        """The same index probing `nprobe` IVF lists per query (shares every vector)."""
        twin = DenseIndex(self.dim, self.kind, nprobe)
        twin.__dict__.update({k: v for k, v in self.__dict__.items() if k != "nprobe"})
        return twin

    def changed(self, removed: Iterable[int] = (), vectors: np.ndarray | None = None,
                ids: Iterable[int] = ()) -> DenseIndex:
        """A new index without `removed` (unknown ids are ignored) and with `vectors` added
        under new `ids` (an id still present is an error)."""
        gone = {int(i) for i in removed if int(i) in self._row}
        ids_arr = np.asarray(list(ids), dtype=np.int64)
        clash = [int(i) for i in ids_arr if int(i) in self._row and int(i) not in gone]
        if clash or len(set(ids_arr.tolist())) != len(ids_arr):
            raise ValueError(f"ids already present or repeated: {clash[:5]}")
        twin = DenseIndex(self.dim, self.kind, self.nprobe)
        twin._faiss, twin._base_vecs, twin._base_ids = self._faiss, self._base_vecs, \
            self._base_ids
        twin._exact = self._exact
        twin._alive = self._alive.copy()
        base_gone = [self._row[i] for i in gone if self._row[i] >= 0]
        twin._alive[base_gone] = False
        keep = ~np.isin(self._delta_ids, np.fromiter(gone, np.int64, len(gone)))
        add = (np.zeros((0, self.dim), np.float32) if vectors is None
               else np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dim))
        if len(add) != len(ids_arr):
            raise ValueError(f"{len(add)} vectors for {len(ids_arr)} ids")
        twin._delta_vecs = np.vstack([self._delta_vecs[keep], add])
        twin._delta_ids = np.concatenate([self._delta_ids[keep], ids_arr])
        row = dict(self._row)
        for i in gone:
            del row[i]
        row.update({int(i): -(n + 1) for n, i in enumerate(twin._delta_ids)})
        twin._row = row
        return twin.compacted() if twin._needs_compaction() else twin

    def _needs_compaction(self) -> bool:
        limit = max(COMPACT_MIN, int(COMPACT_SHARE * len(self._base_ids)))
        return len(self._delta_ids) > limit or int((~self._alive).sum()) > limit

    def compacted(self) -> DenseIndex:
        """The same vectors with the delta merged into the base and removed rows dropped
        (IVF keeps its trained lists: no retraining)."""
        if not len(self._delta_ids) and self._alive.all():
            return self
        if self.kind == "flat" or not len(self._base_ids):
            return DenseIndex.build(self.vectors, self.ids, kind=self.kind, nprobe=self.nprobe)
        import faiss

        twin = DenseIndex(self.dim, self.kind, self.nprobe)

        ivf = faiss.clone_index(self._faiss)
        dead = self._base_ids[~self._alive]
        if len(dead):
            ivf.remove_ids(faiss.IDSelectorArray(len(dead), faiss.swig_ptr(dead)))
        if len(self._delta_ids):
            ivf.add_with_ids(self._delta_vecs, self._delta_ids)
        twin._faiss = ivf
        twin._exact = self._exact.changed(dead, self._delta_ids, self._delta_vecs)
        twin._base_ids = np.concatenate([self._base_ids[self._alive], self._delta_ids])
        twin._alive = np.ones(len(twin._base_ids), dtype=bool)
        twin._row = {int(i): n for n, i in enumerate(twin._base_ids)}
        return twin

    def search(self, query: np.ndarray, n: int, allowed: np.ndarray | None = None) -> Hits:
        """Top-n ids by inner product, optionally only among `allowed` ids."""
        pool = len(self) if allowed is None else len(allowed)
        n = min(n, pool)
        if n <= 0:
            return Hits(np.zeros(0, np.float32), np.zeros(0, np.int64))
        q = np.ascontiguousarray(query.reshape(-1), dtype=np.float32)
        allowed_arr = None if allowed is None else np.asarray(allowed, dtype=np.int64)
        base = self._search_base(q, n, allowed_arr)
        if not len(self._delta_ids):
            return base
        d_scores, d_ids = self._delta_vecs @ q, self._delta_ids
        if allowed_arr is not None:
            keep = np.isin(d_ids, allowed_arr)
            d_scores, d_ids = d_scores[keep], d_ids[keep]
        return top_hits(np.concatenate([base.scores, d_scores.astype(np.float32)]),
                        np.concatenate([base.ids, d_ids]), n)

    def _search_base(self, q: np.ndarray, n: int, allowed: np.ndarray | None) -> Hits:
        if not len(self._base_ids):
            return Hits(np.zeros(0, np.float32), np.zeros(0, np.int64))
        if self.kind == "flat":
            # Score every row and drop the excluded ones: indexing the matrix by a mask
            # first would copy all of it on every query.
            scores = (self._base_vecs @ q).astype(np.float32)
            keep = self._alive if allowed is None else self._alive & np.isin(self._base_ids,
                                                                             allowed)
            return top_hits(scores[keep], self._base_ids[keep], n)
        import faiss

        dead = int((~self._alive).sum())
        params = faiss.SearchParametersIVF(nprobe=self.nprobe)
        if allowed is not None:
            params = faiss.SearchParametersIVF(sel=faiss.IDSelectorBatch(allowed),
                                               nprobe=self.nprobe)
        k = min(max(2 * n, n + RESCORE_MIN) + dead, len(self._base_ids))
        _, ids = self._faiss.search(q.reshape(1, -1), k, params=params)
        found = np.array([i for i in ids[0].tolist() if i >= 0 and self._row.get(i, -1) >= 0],
                         dtype=np.int64)
        if not len(found):
            return Hits(np.zeros(0, np.float32), found)
        return top_hits((self._exact.rows(found) @ q).astype(np.float32), found, n)

    def save(self, folder: Path) -> None:
        """Write the compacted index as plain files (and FAISS's own file for IVF)."""
        import faiss

        index = self.compacted()
        folder.mkdir(parents=True, exist_ok=True)
        if index.kind == "flat":
            np.save(folder / "vectors.npy", index._base_vecs, allow_pickle=False)
            np.save(folder / "ids.npy", index._base_ids, allow_pickle=False)
        else:
            faiss.write_index(index._faiss, str(folder / "dense.faiss"))
            index._exact.save_rows(folder, index._base_ids)  # ids.npy and vectors.npy
        (folder / "dense.json").write_text(json.dumps(
            {"dim": self.dim, "kind": self.kind, "nprobe": self.nprobe}), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> DenseIndex:
        """Load an index written by `save`."""
        import faiss

        meta = json.loads((folder / "dense.json").read_text(encoding="utf-8"))
        index = cls(meta["dim"], meta["kind"], meta["nprobe"])
        ids = np.load(folder / "ids.npy", allow_pickle=False)
        if index.kind == "flat":
            vectors = np.load(folder / "vectors.npy", allow_pickle=False, mmap_mode="r")
            if vectors.shape != (len(ids), index.dim):
                raise ValueError(f"{folder}: {vectors.shape} vectors for {len(ids)} ids")
            index._base_vecs = vectors
        else:
            index._faiss = faiss.read_index(str(folder / "dense.faiss"))
            index._faiss.nprobe = index.nprobe
            if index._faiss.ntotal != len(ids):
                raise ValueError(f"{folder}: {index._faiss.ntotal} vectors for {len(ids)} ids")
            index._exact = RowStore.open_rows(folder)
            if index._exact.shape != (index.dim,) or len(index._exact) != len(ids):
                raise ValueError(f"{folder}: exact vectors {index._exact.shape} for "
                                 f"{len(ids)} ids of dimension {index.dim}")
        index._base_ids, index._alive = ids, np.ones(len(ids), dtype=bool)
        index._row = {int(i): n for n, i in enumerate(ids)}
        return index
