"""Lexical channel: BM25 over analysed stems, backed by bm25s (plain-file save directory)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np


class LexicalIndex:
    """BM25 scores for every document row; rows are positions in the token list it was built on."""

    def __init__(self, retriever: object, doc_count: int, params: dict) -> None:
        self._retriever = retriever
        self.doc_count = doc_count
        self.params = params

    @classmethod
    def build(cls, token_lists: Sequence[Sequence[str]], *, k1: float = 1.2, b: float = 0.75,
              method: str = "lucene") -> LexicalIndex:
        """Index one token list per document (an empty list is allowed)."""
        import bm25s

        retriever = bm25s.BM25(k1=k1, b=b, method=method)
        # bm25s needs at least one token per document; a placeholder never matches a query.
        docs = [list(tokens) or ["\x00empty"] for tokens in token_lists]
        if docs:
            retriever.index(docs, show_progress=False)
        return cls(retriever, len(docs), {"k1": k1, "b": b, "method": method})

    def scores(self, stems: Sequence[str], mask: np.ndarray | None = None) -> np.ndarray:
        """BM25 score of every row for the query stems; rows outside `mask` score 0."""
        known = [s for s in stems if s in self._vocab]
        if not known or self.doc_count == 0:
            return np.zeros(self.doc_count, dtype=np.float32)
        scores = np.asarray(self._retriever.get_scores(known), dtype=np.float32)
        if mask is not None:
            scores = np.where(mask, scores, 0.0).astype(np.float32)
        return scores

    def knows(self, stem: str) -> bool:
        """Whether any document contains `stem`."""
        return stem in self._vocab

    @property
    def _vocab(self) -> dict:
        return getattr(self._retriever, "vocab_dict", {})

    def save(self, folder: Path) -> None:
        """Write the index as plain files (arrays and JSON, no pickles)."""
        folder.mkdir(parents=True, exist_ok=True)
        if self.doc_count:
            self._retriever.save(str(folder))
        (folder / "lexical.json").write_text(json.dumps(
            {"doc_count": self.doc_count, "params": self.params}), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """Load an index written by `save`."""
        import bm25s

        meta = json.loads((folder / "lexical.json").read_text(encoding="utf-8"))
        if meta["doc_count"]:
            retriever = bm25s.BM25.load(str(folder))
        else:
            retriever = bm25s.BM25(**{k: meta["params"][k] for k in ("k1", "b", "method")})
        return cls(retriever, meta["doc_count"], meta["params"])
