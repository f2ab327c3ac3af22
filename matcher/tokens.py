"""Each document's stems as int32 codes into one vocabulary: four bytes a token, not a string.

At 30,000 documents the stems as Python lists of strings took 221 MiB; as codes, 15 MiB. A
table loaded from its saved files reads a document's codes from the file when asked (the
candidates of a query, an explanation, a changed document), so those stay on disk too.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from corpus.blobs import BlobFile, Blobs


class TokenTable(Mapping[str, tuple[str, ...]]):
    """Stems per document id, in document order; never mutated (`changed` makes a new one)."""

    def __init__(self, vocab: Sequence[str], docs: Mapping[str, np.ndarray] | Blobs) -> None:
        self._vocab = tuple(vocab)
        self._code = {s: n for n, s in enumerate(self._vocab)}
        # Each document's codes as the bytes of an int32 array (from the saved file, or
        # held); 33 bytes of overhead a document instead of an array's 112.
        self._docs = docs if isinstance(docs, Blobs) else Blobs(
            {i: _packed(c) for i, c in docs.items()})

    def _codes(self, doc_id: str) -> np.ndarray:
        return np.frombuffer(self._docs[doc_id], dtype=np.int32)

    @classmethod
    def build(cls, tokens: Mapping[str, Sequence[str]]) -> TokenTable:
        """A table of these documents' stems."""
        table = cls((), {})
        return table.changed((), tokens)

    def __getitem__(self, doc_id: str) -> tuple[str, ...]:
        vocab = self._vocab
        return tuple(vocab[c] for c in self._codes(doc_id).tolist())

    def __iter__(self) -> Iterator[str]:
        return iter(self._docs)

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._docs

    def distinct(self, doc_id: str) -> np.ndarray:
        """The sorted distinct codes of one document's stems (codes of this table only)."""
        return np.unique(self._codes(doc_id))

    def codes(self, stems: Sequence[str]) -> np.ndarray:
        """The code of each stem in this table, -1 for a stem no document has."""
        code = self._code
        return np.fromiter((code.get(s, -1) for s in stems), dtype=np.int64, count=len(stems))

    def having(self, doc_ids: Iterable[str], sequence: Sequence[str]) -> set[str]:
        """Those of `doc_ids` whose stems contain `sequence` as consecutive stems."""
        if not sequence or any(s not in self._code for s in sequence):
            return set()
        seq = np.array([self._code[s] for s in sequence], dtype=np.int32)
        found = set()
        for doc_id in doc_ids:
            if doc_id not in self._docs:
                continue
            codes = self._codes(doc_id)
            if len(codes) < len(seq):
                continue
            at = np.flatnonzero(codes[: len(codes) - len(seq) + 1] == seq[0])
            for k in range(1, len(seq)):
                at = at[codes[at + k] == seq[k]]
            if len(at):
                found.add(doc_id)
        return found

    def changed(self, removed: Iterable[str], added: Mapping[str, Sequence[str]]
                ) -> TokenTable:
        """A new table without `removed` and with `added` (replacing any same id)."""
        vocab, code = self._vocab, self._code
        new = {s for stems in added.values() for s in stems if s not in code}
        if new:  # the vocabulary only grows here; `save` drops what no document uses
            vocab = vocab + tuple(sorted(new))
            code = {**code, **{s: n for n, s in enumerate(vocab) if n >= len(self._vocab)}}
        put = {doc_id: _packed(np.fromiter((code[s] for s in stems), dtype=np.int32,
                                           count=len(stems)))
               for doc_id, stems in added.items()}
        docs = self._docs.changed(put, removed)
        twin = TokenTable.__new__(TokenTable)
        twin._vocab, twin._code, twin._docs = vocab, code, docs
        return twin

    def save(self, folder: Path) -> None:
        """Write the vocabulary in use, the document ids and one flat array of codes."""
        folder.mkdir(parents=True, exist_ok=True)
        ids = list(self._docs)
        per_doc = [self._codes(i) for i in ids]
        flat = np.concatenate(per_doc) if ids else np.zeros(0, dtype=np.int32)
        # The codes in use and their new numbers, by counting rather than sorting (np.unique
        # sorted 3 million codes in 0.46 s at 30,000 documents)
        used = np.flatnonzero(np.bincount(flat, minlength=len(self._vocab)))
        renumber = np.zeros(len(self._vocab), dtype=np.int32)
        renumber[used] = np.arange(len(used), dtype=np.int32)
        flat = renumber[flat]
        offsets = np.zeros(len(ids) + 1, dtype=np.int64)
        np.cumsum([len(codes) for codes in per_doc], out=offsets[1:])
        np.save(folder / "codes.npy", flat.astype(np.int32), allow_pickle=False)
        np.save(folder / "offsets.npy", offsets, allow_pickle=False)
        (folder / "table.json").write_text(json.dumps(
            {"ids": ids, "vocab": [self._vocab[c] for c in used.tolist()]},
            ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> TokenTable:
        """Open a table written by `save`; documents' codes are read from the file when asked."""
        meta = json.loads((folder / "table.json").read_text(encoding="utf-8"))
        offsets = np.load(folder / "offsets.npy", allow_pickle=False)
        ids, vocab = [sys.intern(i) for i in meta["ids"]], meta["vocab"]  # see matcher.index
        # Checked once here, so reads need no checks: the codes are streamed, not kept.
        codes = np.load(folder / "codes.npy", allow_pickle=False, mmap_mode="r")
        if codes.dtype != np.int32 or codes.ndim != 1 or len(offsets) != len(ids) + 1 or \
                offsets[-1] != len(codes) or (len(codes) and (
                    int(codes.min()) < 0 or int(codes.max()) >= len(vocab))):
            raise ValueError(f"{folder}: token table does not fit together "
                             f"({len(ids)} ids, {len(offsets)} offsets, {len(codes)} codes)")
        start = codes.offset
        del codes  # drop the mapping (and its resident pages) before serving
        return cls(vocab, Blobs(BlobFile(folder / "codes.npy", ids, offsets * 4, start=start)))


def _packed(codes: np.ndarray) -> bytes:
    """A document's codes as the bytes of an int32 array."""
    return np.ascontiguousarray(codes, dtype=np.int32).tobytes()
