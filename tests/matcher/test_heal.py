"""Derived files heal: a missing, truncated or zeroed index or cache file is rebuilt."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from matcher.config import Settings
from matcher.index import IndexDamagedError, build_index, load_index, make_analyzer, save_index
from matcher.session import open_recommender
from models.cache import EmbeddingCache
from models.hashing import HashingEmbedder

QUERY = "sampah rumah tangga menumpuk, warga perlu membuat kompos"


class _Refusing(HashingEmbedder):
    """The hashing encoder that fails if anything has to be encoded."""

    def encode_documents(self, texts, *, progress=False):  # noqa: ANN001
        raise AssertionError(f"{len(texts)} texts encoded although cached")


def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "missing":
        path.unlink()
    elif how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    else:  # zeroed in the middle, length kept
        mid = len(data) // 2
        span = max(1, min(64, len(data) // 4))
        path.write_bytes(data[:mid] + b"\x00" * span + data[mid + span:])


def _index_files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and p.name != "manifest.json")


@pytest.fixture()
def saved(tmp_path, small_corpus):
    embedder = HashingEmbedder()
    analyzer = make_analyzer(small_corpus)
    save_index(build_index(small_corpus, embedder, analyzer), tmp_path / "idx",
               corpus=small_corpus)
    return tmp_path / "idx"


def test_every_index_file_is_listed_with_its_checksum(saved):
    manifest = load_index(saved).manifest
    assert sorted(manifest.files) == _index_files(saved)
    assert all(len(digest) == 64 for digest in manifest.files.values())


@pytest.mark.parametrize("how", ["missing", "truncated", "zeroed"])
def test_a_damaged_index_file_is_refused_by_name(saved, how):
    for name in _index_files(saved):
        folder = saved.parent / f"copy-{how}-{name.replace('/', '_')}"
        import shutil

        shutil.copytree(saved, folder)
        _damage(folder / name, how)
        with pytest.raises(IndexDamagedError, match=name.split("/")[-1]):
            load_index(folder)


@pytest.mark.parametrize("how", ["missing", "truncated", "zeroed"])
@pytest.mark.parametrize("name", ["ids.json", "tokens/codes.npy", "dense/vectors.npy",
                                  "lexical/postings.npz", "fields/vectors.npy",
                                  "corpus/records.bin", "corpus/facts.jsonl", "manifest.json"])
def test_opening_rebuilds_a_damaged_index_and_answers_as_before(
        tmp_path, small_corpus, lenient_relevance_dir, caplog, name, how):
    from corpus.loader import save_corpus

    corpus = tmp_path / "c.jsonl"
    save_corpus(small_corpus, corpus)
    settings = Settings(model="hashing", corpus_path=corpus, data_dir=tmp_path / "d",
                        relevance_path=lenient_relevance_dir)
    before = [r.innovation.id for r in open_recommender(settings).recommend(QUERY).results]
    _damage(settings.index_dir / name, how)
    with caplog.at_level(logging.WARNING):
        after = [r.innovation.id for r in open_recommender(settings).recommend(QUERY).results]
    assert after == before and before
    if name != "manifest.json" or how != "missing":  # no manifest: simply no index yet
        assert any("rebuilding the index" in r.getMessage() for r in caplog.records)
    load_index(settings.index_dir)  # healed on disk too


@pytest.mark.parametrize("how", ["truncated", "zeroed"])
def test_a_damaged_embedding_cache_is_dropped_not_trusted(tmp_path, caplog, how):
    embedder = HashingEmbedder()
    cache = EmbeddingCache(tmp_path / "cache", embedder.dim)
    texts = [f"dokumen nomor {n} tentang sampah dan kompos" for n in range(40)]
    expected = cache.encode(embedder, texts)
    cache.save()
    _damage(tmp_path / "cache" / "vectors.npy", how)
    with caplog.at_level(logging.WARNING):
        reloaded = EmbeddingCache(tmp_path / "cache", embedder.dim)
        # a truncated part is refused on opening, a zeroed row when it is read
        assert np.allclose(reloaded.encode(embedder, texts), expected)
    assert any("embedding cache" in r.getMessage() for r in caplog.records)
    reloaded.save(tmp_path / "copy")  # damaged rows are not carried into new files
    assert np.allclose(EmbeddingCache(tmp_path / "copy", embedder.dim).encode(
        _Refusing(), texts), expected)
