"""Lexical channel: BM25 (Lucene variant) over analysed stems, updated by delta.

Postings are scored at query time, so a write changes only the postings of the stems the
changed documents contain: no rebuild (bm25s took 0.95 s to index 30,000 documents, see
docs/performance.md). Scores equal bm25s's "lucene" method, its test oracle.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Postings hold int32 document ids (ids are dense and small) and uint16 term counts.
_EMPTY = (np.zeros(0, np.int32), np.zeros(0, np.uint16))
MAX_TF = np.iinfo(np.uint16).max
# Changed stems' postings are kept apart from the flat base until they hold this share of
# its postings (or MERGE_MIN postings, whichever is larger); then a new base is made. A
# write that touches frequent stems holds their whole postings: at 5% nearly every PUT
# merged at 30,000 innovations (93 ms p50); at half, one in about fifteen does (21 ms p50,
# a merge adding ~30 ms), and the superseded base copies cost at most half the postings.
MERGE_SHARE = 0.5
MERGE_MIN = 50_000


@dataclass(frozen=True, slots=True)
class Postings:
    """Every stem's postings in two flat arrays: stem `s` owns ids[starts[slot[s]]:
    starts[slot[s] + 1]]. One array pair per index, not two array objects per stem."""

    slot: Mapping[str, int]
    starts: np.ndarray  # int64, one more than stems
    ids: np.ndarray  # int32, sorted within each stem
    tf: np.ndarray  # uint16

    @classmethod
    def empty(cls) -> Postings:
        """No stems at all."""
        return cls({}, np.zeros(1, dtype=np.int64), *_EMPTY)

    def get(self, stem: str) -> tuple[np.ndarray, np.ndarray]:
        """(ids, counts) of one stem: views into the flat arrays."""
        n = self.slot.get(stem)
        if n is None:
            return _EMPTY
        lo, hi = int(self.starts[n]), int(self.starts[n + 1])
        return self.ids[lo:hi], self.tf[lo:hi]


def bm25_term(tf: np.ndarray, doc_len: np.ndarray, avg_len: float, df: int, n_docs: int,
              k1: float, b: float) -> np.ndarray:
    """One query stem's Lucene BM25 contribution for documents with term counts `tf`."""
    idf = math.log(1 + (n_docs - df + 0.5) / (df + 0.5))
    return idf * tf / (k1 * ((1 - b) + b * doc_len / avg_len) + tf)


class LexicalIndex:
    """BM25 postings keyed by integer document ids; never mutated once built.

    `changed` returns a new index that shares the postings of every stem the change does
    not touch, so searches on the old one go on undisturbed.
    """

    def __init__(self, base: Postings, changed: Mapping[str, tuple[np.ndarray, np.ndarray]],
                 lengths: np.ndarray, present: np.ndarray,
                 params: Mapping[str, float] | None = None) -> None:
        self._base = base  # flat postings as last merged
        self._changed = changed  # stem -> (sorted int ids, counts) since; empty: removed
        self._lengths = lengths  # tokens per id (float32); 0 where absent
        self._present = present  # bool per id
        self.params = dict(params or {"k1": 1.2, "b": 0.75})
        self._count = int(present.sum())
        self._total = float(lengths.sum())
        self._size = len(present)

    def _get(self, stem: str) -> tuple[np.ndarray, np.ndarray]:
        got = self._changed.get(stem)
        return self._base.get(stem) if got is None else got

    @classmethod
    def build(cls, docs: Mapping[int, Sequence[str]] | Sequence[Sequence[str]], *,
              k1: float = 1.2, b: float = 0.75) -> LexicalIndex:
        """Index one token list per integer id (a sequence: ids 0..n-1); an empty token
        list is allowed and never matches."""
        if not isinstance(docs, Mapping):
            docs = dict(enumerate(docs))
        empty = cls(Postings.empty(), {}, np.zeros(0, np.float32), np.zeros(0, bool),
                    {"k1": k1, "b": b})
        return empty.changed({}, docs)

    @property
    def doc_count(self) -> int:
        """Documents indexed."""
        return self._count

    @property
    def size(self) -> int:
        """Length of a score array: one past the largest id."""
        return self._size

    def df(self, stem: str) -> int:
        """Documents that contain `stem`."""
        return len(self._get(stem)[0])

    def postings_ids(self, stem: str) -> np.ndarray:
        """Ids of the documents that contain `stem`."""
        return self._get(stem)[0]

    def knows(self, stem: str) -> bool:
        """Whether any document contains `stem`."""
        return len(self._get(stem)[0]) > 0

    def scores(self, stems: Sequence[str], mask: np.ndarray | None = None) -> np.ndarray:
        """BM25 score of every id for the query stems (a repeated stem counts again); ids
        outside `mask` and ids not indexed score 0."""
        out = np.zeros(self._size, dtype=np.float32)
        n = self._count
        if not n:
            return out
        avg = self._total / n if self._total else 1.0
        k1, b = self.params["k1"], self.params["b"]
        for stem, times in Counter(stems).items():
            ids, tf = self._get(stem)
            if len(ids):
                out[ids] += times * bm25_term(tf.astype(np.float32), self._lengths[ids], avg,
                                              len(ids), n, k1, b)
        if mask is not None:
            keep = np.zeros(self._size, bool)
            keep[: min(len(mask), self._size)] = mask[: self._size]
            out = np.where(keep, out, 0.0)
        return out.astype(np.float32)

    def changed(self, removed: Mapping[int, Sequence[str]], added: Mapping[int, Sequence[str]]
                ) -> LexicalIndex:
        """A new index without the `removed` documents (id -> the tokens they were indexed
        with) and with the `added` ones."""
        size = max(self._size, max((int(d) + 1 for d in added), default=0))
        lengths = np.zeros(size, np.float32)
        present = np.zeros(size, bool)
        lengths[: self._size], present[: self._size] = self._lengths, self._present
        drop: dict[str, set[int]] = {}
        for doc, tokens in removed.items():
            if 0 <= int(doc) < self._size and present[int(doc)]:
                present[int(doc)], lengths[int(doc)] = False, 0.0
                for stem in set(tokens):
                    drop.setdefault(stem, set()).add(int(doc))
        add: dict[str, list[tuple[int, int]]] = {}
        for doc, tokens in added.items():
            if present[int(doc)]:
                raise ValueError(f"document id {doc} is already indexed")
            present[int(doc)], lengths[int(doc)] = True, len(tokens)
            for stem, count in Counter(tokens).items():
                add.setdefault(stem, []).append((int(doc), count))
        changed = dict(self._changed)
        for stem in drop.keys() | add.keys():
            ids, tf = self._get(stem)
            if stem in drop:
                keep = ~np.isin(ids, np.fromiter(drop[stem], np.int32))
                ids, tf = ids[keep], tf[keep]
            if stem in add:
                new = sorted(add[stem])
                counts = [c for _, c in new]
                if max(counts) > MAX_TF:
                    raise ValueError(f"stem {stem!r} occurs {max(counts)} times in one "
                                     f"document; at most {MAX_TF} are counted")
                ids = np.concatenate([ids, np.array([d for d, _ in new], np.int32)])
                tf = np.concatenate([tf, np.array(counts, np.uint16)])
                order = np.argsort(ids, kind="stable")
                ids, tf = ids[order], tf[order]
            changed[stem] = (ids, tf)
        twin = LexicalIndex(self._base, changed, lengths, present, self.params)
        return twin._merged() if twin._needs_merge() else twin

    def _needs_merge(self) -> bool:
        held = sum(len(ids) for ids, _ in self._changed.values())
        return held > max(MERGE_MIN, MERGE_SHARE * len(self._base.ids))

    def _merged(self) -> LexicalIndex:
        """The same postings with the changed stems folded into a new flat base: the
        unchanged stems' postings kept in place by one mask, the changed ones after them."""
        if not self._changed:
            return self
        base = self._base
        counts = np.diff(base.starts)
        stale = np.zeros(len(counts), dtype=bool)
        stale[[n for s, n in base.slot.items() if s in self._changed]] = True
        keep = np.repeat(~stale, counts)
        kept = [s for s, n in sorted(base.slot.items(), key=lambda item: item[1])
                if not stale[n]]
        fresh = [(s, p) for s, p in self._changed.items() if len(p[0])]
        sizes = np.concatenate([counts[~stale], [len(p[0]) for _, p in fresh]])
        merged = Postings(
            {s: n for n, s in enumerate(kept + [s for s, _ in fresh])},
            np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
            np.concatenate([base.ids[keep], *(p[0] for _, p in fresh)]).astype(np.int32),
            np.concatenate([base.tf[keep], *(p[1] for _, p in fresh)]).astype(np.uint16))
        return LexicalIndex(merged, {}, self._lengths, self._present, self.params)

    def save(self, folder: Path) -> None:
        """Write the postings as plain arrays and JSON (no pickles)."""
        folder.mkdir(parents=True, exist_ok=True)
        flat = self._merged()._base
        stems = sorted(flat.slot, key=flat.slot.__getitem__)
        np.savez(folder / "postings.npz", ids=flat.ids, tf=flat.tf,
                 counts=np.diff(flat.starts), lengths=self._lengths, present=self._present)
        (folder / "lexical.json").write_text(json.dumps(
            {"params": self.params, "stems": stems}, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """Load an index written by `save`."""
        meta = json.loads((folder / "lexical.json").read_text(encoding="utf-8"))
        with np.load(folder / "postings.npz", allow_pickle=False) as arrays:
            ids, tf, counts = (arrays["ids"].astype(np.int32, copy=False),
                               arrays["tf"], arrays["counts"])
            lengths, present = arrays["lengths"], arrays["present"]
        if len(counts) != len(meta["stems"]) or int(counts.sum()) != len(ids) \
                or len(tf) != len(ids):
            raise ValueError(f"{folder}: postings do not match the stem list")
        if len(tf) and (tf.min() < 0 or tf.max() > MAX_TF):
            raise ValueError(f"{folder}: term counts outside 0..{MAX_TF}")
        if len(lengths) != len(present):
            raise ValueError(f"{folder}: document lengths do not match the id list")
        base = Postings({s: n for n, s in enumerate(meta["stems"])},
                        np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), ids,
                        tf.astype(np.uint16))
        return cls(base, {}, lengths.astype(np.float32), present.astype(bool), meta["params"])
