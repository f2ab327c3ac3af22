"""Index persistence: round trip, manifest, mismatch errors and rebuild on request."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from corpus.collection import Corpus
from matcher.config import Settings
from matcher.index import (
    IndexMismatchError,
    IndexMissingError,
    build_index,
    load_index,
    load_saved_corpus,
    make_analyzer,
    read_manifest,
    save_index,
)
from matcher.session import open_index, open_recommender
from models.hashing import HashingEmbedder


def test_save_load_round_trip(tmp_path, small_corpus, hashing_embedder):
    analyzer = make_analyzer(small_corpus)
    index = build_index(small_corpus, hashing_embedder, analyzer)
    save_index(index, tmp_path / "idx")
    loaded = load_index(tmp_path / "idx")
    assert replace(loaded.manifest, files={}, corpus_hash="", count=0) == index.manifest
    assert loaded.manifest.corpus_hash == small_corpus.content_hash == loaded.corpus_hash
    assert loaded.manifest.count == len(small_corpus)
    assert "manifest.json" not in loaded.manifest.files and loaded.manifest.files
    assert loaded.int_ids == index.int_ids and loaded.tokens == index.tokens
    q = hashing_embedder.encode_queries(["sampah"])[0]
    assert np.array_equal(loaded.dense.search(q, 5).ids, index.dense.search(q, 5).ids)
    stems = analyzer.stems("sampah rumah tangga")
    assert np.allclose(loaded.lexical.scores(stems), index.lexical.scores(stems))
    manifest = read_manifest(tmp_path / "idx")
    assert manifest.model == "hashing" and manifest.count == len(small_corpus)
    assert manifest.corpus_hash == small_corpus.content_hash
    assert {"faiss-cpu", "bm25s", "numpy"} <= set(manifest.versions)
    assert [p.name for p in tmp_path.iterdir()] == ["idx"]  # no temporary folders left


def test_overwrite_is_clean(tmp_path, small_corpus, hashing_embedder):
    analyzer = make_analyzer(small_corpus)
    for _ in range(2):
        save_index(build_index(small_corpus, hashing_embedder, analyzer), tmp_path / "idx")
    assert [p.name for p in tmp_path.iterdir()] == ["idx"]


def test_missing_index_error(tmp_path):
    with pytest.raises(IndexMissingError, match="replika index build"):
        load_index(tmp_path / "nothing")


def test_mismatched_model_and_corpus_fail_clearly(tmp_path, small_corpus, hashing_embedder):
    index = build_index(small_corpus, hashing_embedder, make_analyzer(small_corpus))
    with pytest.raises(IndexMismatchError, match="built with model 'hashing'.*'e5-small'"):
        index.check(small_corpus, "e5-small")
    other = Corpus(small_corpus.records[:-1])
    with pytest.raises(IndexMismatchError, match="another corpus"):
        index.check(other, "hashing")
    changed = Corpus((replace_title(small_corpus.records[0]), *small_corpus.records[1:]))
    with pytest.raises(IndexMismatchError, match="another corpus"):
        index.check(changed, "hashing")


def replace_title(record):
    return record.model_copy(update={"title": record.title + " (baru)"})


def test_open_index_builds_when_missing_and_rebuilds_only_when_asked(tmp_path, small_corpus):
    embedder = HashingEmbedder()
    analyzer = make_analyzer(small_corpus)
    settings = Settings(model="hashing", data_dir=tmp_path)
    built = open_index(settings, small_corpus, embedder, analyzer)
    assert (settings.index_dir / "manifest.json").is_file()
    assert len(built) == len(small_corpus)
    smaller = Corpus(small_corpus.records[:-2])
    with pytest.raises(IndexMismatchError):
        open_index(settings, smaller, embedder, make_analyzer(smaller))
    rebuilt = open_index(replace(settings, rebuild=True), smaller, embedder,
                         make_analyzer(smaller))
    assert len(rebuilt) == len(smaller)


def test_open_recommender_end_to_end_with_user_corpus(tmp_path, small_corpus):
    from corpus.loader import save_corpus

    path = tmp_path / "mine.jsonl"
    save_corpus(small_corpus, path)
    rec = open_recommender(Settings(model="hashing", corpus_path=path, data_dir=tmp_path))
    assert len(rec.corpus) == len(small_corpus)
    answer = rec.recommend("TOSS", k=2)
    assert answer.results[0].innovation.id == "kipp-2018-toss-klungkung"


def test_the_corpus_saved_beside_an_index_must_be_the_one_it_holds(
        tmp_path, small_corpus, hashing_embedder):
    index = build_index(small_corpus, hashing_embedder, make_analyzer(small_corpus))
    with pytest.raises(ValueError, match="not the one the index holds"):
        save_index(index, tmp_path / "a",
                   corpus=small_corpus.changed([], ["kipp-2018-toss-klungkung"]))
    save_index(index, tmp_path / "a", corpus=small_corpus)
    assert load_saved_corpus(tmp_path / "a", load_index(tmp_path / "a")) == small_corpus
    first = small_corpus.records[0]
    other = small_corpus.changed([first.model_copy(update={"title": "Lain"})], [])
    save_index(index, tmp_path / "b", corpus=other)  # same ids, other content
    with pytest.raises(ValueError, match="not the one its index holds"):
        load_saved_corpus(tmp_path / "b", load_index(tmp_path / "b"))
    save_index(index, tmp_path / "c")
    with pytest.raises(FileNotFoundError):
        load_saved_corpus(tmp_path / "c", load_index(tmp_path / "c"))


def test_a_save_swapped_in_mid_load_is_not_mixed_in(tmp_path, small_corpus, hashing_embedder,
                                                     monkeypatch):
    """A writer replacing the folder between the checksum pass and the file reads: the
    load starts again and returns the new generation whole, never a mix."""
    import matcher.index as index_module

    analyzer = make_analyzer(small_corpus)
    folder = tmp_path / "idx"
    save_index(build_index(small_corpus, hashing_embedder, analyzer), folder)
    smaller = Corpus(small_corpus.records[:3])
    newer = build_index(smaller, hashing_embedder, make_analyzer(smaller))
    real_load = index_module.DenseIndex.load
    swaps = []

    def load_then_swap(path):
        loaded = real_load(path)
        if not swaps:  # the other writer lands once, while this reader is mid-way
            swaps.append(True)
            save_index(newer, folder)
        return loaded

    monkeypatch.setattr(index_module.DenseIndex, "load", staticmethod(load_then_swap))
    loaded = load_index(folder)
    assert swaps and len(loaded) == len(loaded.dense) == 3
    assert loaded.corpus_hash == smaller.content_hash == loaded.manifest.corpus_hash
    assert set(loaded.tokens) == set(smaller.ids)


def _two_generations(tmp_path, small_corpus, hashing_embedder):
    """A saved index of `small_corpus` and a smaller one to swap in over it."""
    folder = tmp_path / "idx"
    save_index(build_index(small_corpus, hashing_embedder, make_analyzer(small_corpus)), folder)
    smaller = Corpus(small_corpus.records[:3])
    return folder, smaller, build_index(smaller, hashing_embedder, make_analyzer(smaller))


def test_a_swap_that_breaks_the_checksum_pass_is_read_again(tmp_path, small_corpus,
                                                            hashing_embedder, monkeypatch):
    import matcher.index as index_module

    folder, smaller, newer = _two_generations(tmp_path, small_corpus, hashing_embedder)
    real_sha = index_module.sha256_file
    swaps = []

    def sha_then_swap(path):
        if not swaps:  # the writer lands while the first checksums are taken
            swaps.append(True)
            save_index(newer, folder)
        return real_sha(path)

    monkeypatch.setattr(index_module, "sha256_file", sha_then_swap)
    loaded = load_index(folder)
    assert swaps and loaded.corpus_hash == smaller.content_hash and len(loaded) == 3


def test_a_swap_that_fails_a_loader_is_read_again_and_a_real_fault_is_raised(
        tmp_path, small_corpus, hashing_embedder, monkeypatch):
    import matcher.index as index_module

    folder, smaller, newer = _two_generations(tmp_path, small_corpus, hashing_embedder)
    real_load = index_module.DenseIndex.load
    calls = []

    def swap_and_fail(path):
        calls.append(path)
        if len(calls) == 1:  # the old generation's files are gone under this reader
            save_index(newer, folder)
            raise ValueError("vectors do not fit the ids")
        return real_load(path)

    monkeypatch.setattr(index_module.DenseIndex, "load", staticmethod(swap_and_fail))
    assert load_index(folder).corpus_hash == smaller.content_hash

    def always_fail(path):
        raise ValueError("vectors do not fit the ids")

    monkeypatch.setattr(index_module.DenseIndex, "load", staticmethod(always_fail))
    with pytest.raises(ValueError, match="do not fit"):  # nothing swapped: not retried
        load_index(folder)
