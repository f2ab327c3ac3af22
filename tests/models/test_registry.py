"""Embedder registry, the hashing embedder, the embedding cache, and (marked) real models."""

from __future__ import annotations

import numpy as np
import pytest

from models.base import Embedder, l2_normalise
from models.cache import EmbeddingCache, text_key
from models.hashing import HashingEmbedder
from models.registry import (
    DEFAULT_EMBEDDER,
    UnknownEmbedderError,
    available_embedders,
    canonical_name,
    create_embedder,
)

BIRTH_DOC = ("Akta kelahiran diproses cepat dan diantarkan ke rumah sakit atau puskesmas tempat "
             "bayi lahir, sehingga orang tua pulang sudah membawa akta kelahiran anaknya.")
WASTE_DOC = ("Sampah rumah tangga dipilah organik dan anorganik; sampah organik dicacah dan "
             "difermentasi menjadi kompos serta pelet bahan bakar di tempat olah sampah.")
BIRTH_QUERY = "Warga kesulitan mengurus akta kelahiran bayi yang baru lahir"


# --- registry -----------------------------------------------------------------------------


def test_available_embedders():
    assert available_embedders() == ["e5-small", "hashing", "minilm"]
    assert DEFAULT_EMBEDDER in available_embedders()


def test_unknown_name_lists_known_embedders():
    with pytest.raises(UnknownEmbedderError) as info:
        create_embedder("bert-raksasa")
    message = str(info.value)
    assert message.startswith("unknown embedder 'bert-raksasa'")
    for name in ("e5-small", "hashing", "minilm"):
        assert name in message
    assert "st:<name-or-path>" in message
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(("alias", "name"), [
    ("multilingual-e5-small", "e5-small"),
    ("intfloat/multilingual-e5-small", "e5-small"),
    ("Intfloat/Multilingual-E5-Small", "e5-small"),
    ("all-MiniLM-L6-v2", "minilm"),
    ("sentence-transformers/all-MiniLM-L6-v2", "minilm"),
    ("e5-small", "e5-small"),
    ("hashing", "hashing"),
    ("st:/models/saya", "st:/models/saya"),
])
def test_aliases(alias, name):
    assert canonical_name(alias) == name


def test_create_hashing_by_name():
    embedder = create_embedder("hashing")
    assert isinstance(embedder, HashingEmbedder)
    assert (embedder.name, embedder.dim) == ("hashing", 256)


# --- the hashing embedder -----------------------------------------------------------------


def test_hashing_is_deterministic_across_instances(hashing_embedder):
    texts = [BIRTH_DOC, WASTE_DOC, "TOSS"]
    first = hashing_embedder.encode_documents(texts)
    again = HashingEmbedder().encode_documents(texts)
    np.testing.assert_array_equal(first, again)
    # Queries and documents are encoded alike.
    np.testing.assert_array_equal(hashing_embedder.encode_queries(texts), first)


def test_hashing_vectors_are_unit_float32(hashing_embedder):
    vectors = hashing_embedder.encode_documents([BIRTH_DOC, WASTE_DOC, "a", "TOSS Klungkung"])
    assert vectors.shape == (4, 256) and vectors.dtype == np.float32
    assert vectors.flags["C_CONTIGUOUS"]
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)


def test_hashing_empty_input(hashing_embedder):
    assert hashing_embedder.encode_documents([]).shape == (0, 256)
    # A text without words has no features: its vector stays zero rather than NaN.
    zero = hashing_embedder.encode_queries(["", "!!"])
    np.testing.assert_array_equal(zero, np.zeros((2, 256), dtype=np.float32))


def test_hashing_similarity_follows_shared_words(hashing_embedder):
    query, birth, waste = hashing_embedder.encode_documents([BIRTH_QUERY, BIRTH_DOC, WASTE_DOC])
    assert query @ birth > query @ waste
    # Case does not matter.
    np.testing.assert_array_equal(*hashing_embedder.encode_documents(["Akta KELAHIRAN",
                                                                       "akta kelahiran"]))


def test_hashing_batches_do_not_change_vectors(hashing_embedder):
    texts = [f"inovasi pelayanan publik nomor {i}" for i in range(600)]
    together = hashing_embedder.encode_documents(texts)
    one_by_one = np.vstack([hashing_embedder.encode_documents([t]) for t in texts[::97]])
    np.testing.assert_array_equal(together[::97], one_by_one)


def test_hashing_other_dimension():
    embedder = HashingEmbedder(dim=64)
    assert embedder.name == "hashing-64"
    assert embedder.encode_documents(["akta"]).shape == (1, 64)


def test_l2_normalise():
    out = l2_normalise(np.array([[3.0, 4.0], [0.0, 0.0]]))
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]])
    assert out.dtype == np.float32


# --- the embedding cache ------------------------------------------------------------------


class CountingEmbedder(HashingEmbedder):
    """Records every text it is asked to encode."""

    def __init__(self) -> None:
        super().__init__()
        self.encoded: list[str] = []

    def _encode(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        self.encoded.extend(texts)
        return super()._encode(texts, is_query=is_query)


def test_cache_encodes_only_missing_texts():
    embedder = CountingEmbedder()
    cache = EmbeddingCache()
    first = cache.encode(embedder, ["a b", "c d", "a b"])
    assert embedder.encoded == ["a b", "c d"]  # the repeat is encoded once
    assert len(cache) == 2
    second = cache.encode(embedder, ["c d", "e f", "a b"])
    assert embedder.encoded == ["a b", "c d", "e f"]
    expected = HashingEmbedder().encode_documents(["a b", "c d", "a b", "e f"])
    np.testing.assert_array_equal(first, expected[:3])
    np.testing.assert_array_equal(second, expected[[1, 3, 0]])
    assert second.dtype == np.float32


def test_cache_keys_separate_models():
    assert text_key("hashing", "a") == text_key("hashing", "a")
    assert text_key("hashing", "a") != text_key("e5-small", "a")
    assert text_key("hashing", "a") != text_key("hashing", "b")
    assert len(text_key("hashing", "a")) == 32


def test_cache_empty_request():
    cache = EmbeddingCache()
    assert cache.encode(CountingEmbedder(), []).shape == (0, 256)


def test_cache_save_load_round_trip(tmp_path):
    embedder = CountingEmbedder()
    cache = EmbeddingCache(tmp_path / "cache")
    texts = [BIRTH_DOC, WASTE_DOC, "TOSS"]
    vectors = cache.encode(embedder, texts)
    cache.save()
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["keys.npy", "vectors.npy"]

    reloaded = EmbeddingCache(tmp_path / "cache", dim=256)
    assert len(reloaded) == 3
    fresh = CountingEmbedder()
    np.testing.assert_array_equal(reloaded.encode(fresh, texts), vectors)
    assert fresh.encoded == []


def test_cache_save_only_some_keys(tmp_path):
    embedder = CountingEmbedder()
    cache = EmbeddingCache()
    cache.encode(embedder, ["a", "b", "c"])
    cache.save(tmp_path, only=[text_key(embedder.name, "b"), "not-a-key"])
    reloaded = EmbeddingCache(tmp_path)
    assert len(reloaded) == 1
    fresh = CountingEmbedder()
    reloaded.encode(fresh, ["a", "b", "c"])
    assert fresh.encoded == ["a", "c"]


def test_cache_with_other_dimension_starts_empty(tmp_path):
    cache = EmbeddingCache()
    cache.encode(CountingEmbedder(), ["a", "b"])
    cache.save(tmp_path)
    assert len(EmbeddingCache(tmp_path, dim=256)) == 2
    assert len(EmbeddingCache(tmp_path, dim=384)) == 0


def test_cache_with_unequal_files_starts_empty(tmp_path):
    cache = EmbeddingCache()
    cache.encode(CountingEmbedder(), ["a", "b"])
    cache.save(tmp_path)
    np.save(tmp_path / "keys.npy", np.array(["only-one"], dtype="U32"))
    assert len(EmbeddingCache(tmp_path)) == 0


def test_cache_without_folder_cannot_save():
    with pytest.raises(ValueError, match="no folder"):
        EmbeddingCache().save()


# --- real models (slower; still run in CI) -------------------------------------------------


def check_unit_rows(embedder: Embedder, dim: int) -> None:
    assert embedder.dim == dim
    queries = embedder.encode_queries(["akta kelahiran", "pengelolaan sampah"])
    documents = embedder.encode_documents([BIRTH_DOC, WASTE_DOC, "TOSS"])
    assert queries.shape == (2, dim) and documents.shape == (3, dim)
    assert queries.dtype == documents.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(queries, axis=1), 1.0, rtol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(documents, axis=1), 1.0, rtol=1e-4)


@pytest.fixture
def offline(monkeypatch):
    """Real models come from installed packages; never from the network."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.mark.real_model
def test_e5_small_real_model(offline):
    embedder = create_embedder("e5-small")
    assert embedder.name == "e5-small"
    check_unit_rows(embedder, 384)
    [query] = embedder.encode_queries([BIRTH_QUERY])
    birth, waste = embedder.encode_documents([BIRTH_DOC, WASTE_DOC])
    assert query @ birth > query @ waste + 0.03  # about 0.89 against 0.81
    # Same text, same vector.
    np.testing.assert_allclose(embedder.encode_queries([BIRTH_QUERY])[0], query, atol=1e-6)


@pytest.mark.real_model
def test_minilm_real_model(offline):
    embedder = create_embedder("all-MiniLM-L6-v2")
    assert embedder.name == "minilm"
    check_unit_rows(embedder, 384)


def test_cache_saves_append_parts_and_reload_them(tmp_path, hashing_embedder):
    from models import cache as cache_module

    cache = EmbeddingCache(tmp_path / "c", hashing_embedder.dim)
    first = cache.encode(hashing_embedder, ["satu dokumen", "dua dokumen"])
    cache.save()
    cache.encode(hashing_embedder, ["tiga dokumen"])
    cache.save()  # appends a part, leaves the first files alone
    assert len(list((tmp_path / "c").glob("part-*-keys.npy"))) >= 1
    reloaded = EmbeddingCache(tmp_path / "c", hashing_embedder.dim)
    assert len(reloaded) == 3
    assert np.allclose(reloaded.encode(hashing_embedder, ["satu dokumen", "dua dokumen"]),
                       first)
    for n in range(cache_module.MAX_PARTS + 1):  # many saves are merged into one pair
        reloaded.encode(hashing_embedder, [f"dokumen ke-{n}"])
        reloaded.save()
    assert len(list((tmp_path / "c").glob("part-*"))) <= 2 * cache_module.MAX_PARTS
    assert len(EmbeddingCache(tmp_path / "c", hashing_embedder.dim)) == 3 + \
        cache_module.MAX_PARTS + 1


def test_compacting_a_cache_made_only_of_parts_removes_every_part(tmp_path, hashing_embedder):
    from models import cache as cache_module

    bundled = EmbeddingCache(tmp_path / "bundled", hashing_embedder.dim)
    bundled.encode(hashing_embedder, ["dokumen bawaan"])
    bundled.save()
    cache = EmbeddingCache(tmp_path / "own", hashing_embedder.dim)
    cache.fill_from(EmbeddingCache(tmp_path / "bundled", hashing_embedder.dim))
    for n in range(cache_module.MAX_PARTS + 1):  # the folder never gets a base pair first
        cache.encode(hashing_embedder, [f"dokumen ke-{n}"])
        cache.save()
    # The last save found MAX_PARTS parts and merged them all into one pair of files.
    assert not list((tmp_path / "own").glob("part-*"))
    reloaded = EmbeddingCache(tmp_path / "own", hashing_embedder.dim)
    assert len(reloaded) == cache_module.MAX_PARTS + 2
