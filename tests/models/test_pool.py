"""The encoder pool: the same vectors as one instance, instances lent to concurrent calls."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from models.hashing import HashingEmbedder
from models.pool import EmbedderPool


class SlowEmbedder(HashingEmbedder):
    """Records how many calls run at once."""

    running = 0
    peak = 0
    lock = threading.Lock()

    def _encode(self, texts, *, is_query):
        with SlowEmbedder.lock:
            SlowEmbedder.running += 1
            SlowEmbedder.peak = max(SlowEmbedder.peak, SlowEmbedder.running)
        time.sleep(0.05)
        with SlowEmbedder.lock:
            SlowEmbedder.running -= 1
        return super()._encode(texts, is_query=is_query)


def test_a_pool_gives_the_vectors_of_one_instance():
    texts = ["antrean KTP panjang", "sampah menumpuk di pasar"]
    pool = EmbedderPool(HashingEmbedder, 3)
    one = HashingEmbedder()
    assert np.allclose(pool.encode_queries(texts), one.encode_queries(texts))
    assert np.allclose(pool.encode_documents(texts), one.encode_documents(texts))
    assert (pool.name, pool.dim) == (one.name, one.dim)


def test_concurrent_calls_use_separate_instances_up_to_the_pool_size():
    made = []

    def factory():
        made.append(1)
        return SlowEmbedder()

    pool = EmbedderPool(factory, 2)
    assert len(made) == 1  # the second instance is made when first needed
    threads = [threading.Thread(target=pool.encode_queries, args=([f"q {n}"],))
               for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(made) == 2 and SlowEmbedder.peak == 2


def test_a_pool_needs_one_instance():
    with pytest.raises(ValueError, match="at least 1"):
        EmbedderPool(HashingEmbedder, 0)
