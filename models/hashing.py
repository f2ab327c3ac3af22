"""A deterministic bag-of-character-n-grams embedder: no model, instant, for tests."""

from __future__ import annotations

import hashlib
import re

import numpy as np

from models.base import Embedder


class HashingEmbedder(Embedder):
    """Hashes character trigrams of words into a fixed number of signed buckets."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.name = "hashing" if dim == 256 else f"hashing-{dim}"
        self.batch_size = 256

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        for word in re.findall(r"\w+", text.lower()):
            padded = f"#{word}#"
            grams = [padded[i:i + 3] for i in range(max(1, len(padded) - 2))] + [padded]
            for gram in grams:
                digest = hashlib.blake2b(gram.encode(), digest_size=8).digest()
                bucket = int.from_bytes(digest[:4], "little") % self.dim
                vec[bucket] += 1.0 if digest[4] & 1 else -1.0
        return vec

    def _encode(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts])
