"""BM25 lexical channel: ranking, masks, unknown words, empty documents, persistence."""

from __future__ import annotations

import math

import numpy as np
import pytest

from matcher.lexical import LexicalIndex
from matcher.text import Analyzer

DOCS = [
    ["izin", "usaha", "daring", "satu", "pintu"],
    ["akta", "lahir", "bayi", "rumah", "sakit", "akta"],
    ["sampah", "olah", "kompos", "sampah", "tempat"],
    ["gizi", "balita", "ibu", "hamil"],
    ["bank", "sampah", "warga"],
]


def bm25_oracle(docs: list[list[str]], query: list[str], k1: float = 1.2,
                b: float = 0.75) -> np.ndarray:
    """Lucene-style BM25 written out by hand."""
    n = len(docs)
    avgdl = sum(len(d) for d in docs) / n
    out = np.zeros(n)
    for term in set(query):
        df = sum(term in d for d in docs)
        if not df:
            continue
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        for i, doc in enumerate(docs):
            tf = doc.count(term)
            out[i] += idf * tf / (tf + k1 * (1 - b + b * len(doc) / avgdl))
    return out


@pytest.fixture(scope="module")
def index() -> LexicalIndex:
    return LexicalIndex.build(DOCS)


@pytest.mark.parametrize("query", [
    ["sampah"], ["akta", "lahir"], ["izin", "daring"], ["gizi", "ibu", "sampah"], ["warga"],
])
def test_scores_match_hand_computed_bm25(index, query):
    np.testing.assert_allclose(index.scores(query), bm25_oracle(DOCS, query), rtol=1e-5)


def test_document_with_the_query_stems_ranks_first(index):
    assert int(np.argmax(index.scores(["akta", "lahir"]))) == 1
    scores = index.scores(["sampah", "kompos"])
    assert int(np.argmax(scores)) == 2
    assert scores[4] > 0  # "bank sampah" matches one word
    assert scores[[0, 1, 3]].tolist() == [0, 0, 0]


def test_ranking_through_the_analyzer(small_corpus):
    analyzer = Analyzer()
    records = list(small_corpus)
    index = LexicalIndex.build([analyzer.base_stems(r.document_text()) for r in records])
    scores = index.scores(analyzer.base_stems("mengurus akta kelahiran bayi"))
    assert records[int(np.argmax(scores))].id == "kipp-2015-lahir-procot-banyuwangi"
    scores = index.scores(analyzer.base_stems("pengelolaan sampah rumah tangga"))
    assert records[int(np.argmax(scores))].id == "kipp-2018-toss-klungkung"


def test_mask_zeroes_rows(index):
    mask = np.array([True, True, False, True, True])
    full = index.scores(["sampah"])
    masked = index.scores(["sampah"], mask=mask)
    assert masked[2] == 0 and full[2] > 0
    np.testing.assert_array_equal(masked[mask], full[mask])
    assert masked.dtype == np.float32 and masked.shape == (5,)


def test_unknown_tokens_give_zeros(index):
    for query in (["tidakada"], [], ["\x00EMPTY"]):
        scores = index.scores(query)
        assert scores.shape == (len(DOCS),) and not scores.any()


def test_unknown_tokens_do_not_change_known_scores(index):
    np.testing.assert_array_equal(index.scores(["sampah", "tidakada"]), index.scores(["sampah"]))


def test_empty_documents_are_allowed_and_never_match():
    docs = [["sampah", "kompos"], [], ["akta", "lahir"], []]
    index = LexicalIndex.build(docs)
    assert index.doc_count == 4
    for query in (["sampah"], ["akta"], ["sampah", "akta", "lahir"]):
        scores = index.scores(query)
        assert scores[1] == 0 and scores[3] == 0
    assert index.scores(["sampah"])[0] > 0


def test_empty_index():
    index = LexicalIndex.build([])
    assert index.doc_count == 0
    assert index.scores(["sampah"]).shape == (0,)


def test_save_load_round_trip(index, tmp_path):
    index.save(tmp_path / "lex")
    loaded = LexicalIndex.load(tmp_path / "lex")
    assert loaded.doc_count == index.doc_count
    assert loaded.params == index.params == {"k1": 1.2, "b": 0.75}
    for query in (["sampah"], ["akta", "lahir"], ["gizi", "izin", "tidakada"], []):
        np.testing.assert_array_equal(loaded.scores(query), index.scores(query))


def test_custom_parameters_survive_save_load(tmp_path):
    index = LexicalIndex.build(DOCS, k1=0.9, b=0.4)
    np.testing.assert_allclose(index.scores(["sampah"]),
                               bm25_oracle(DOCS, ["sampah"], k1=0.9, b=0.4), rtol=1e-5)
    index.save(tmp_path / "lex")
    loaded = LexicalIndex.load(tmp_path / "lex")
    assert loaded.params["k1"] == 0.9 and loaded.params["b"] == 0.4
    np.testing.assert_array_equal(loaded.scores(["sampah"]), index.scores(["sampah"]))


def test_empty_index_save_load(tmp_path):
    LexicalIndex.build([]).save(tmp_path / "lex")
    loaded = LexicalIndex.load(tmp_path / "lex")
    assert loaded.doc_count == 0 and loaded.scores(["sampah"]).shape == (0,)


@pytest.mark.parametrize("merge_min", [3, 10**9])  # merged into a new base often, or never
def test_changes_score_as_a_fresh_build_through_merges_and_a_reload(monkeypatch, tmp_path,
                                                                    merge_min):
    import matcher.lexical as lexical

    monkeypatch.setattr(lexical, "MERGE_MIN", merge_min)
    monkeypatch.setattr(lexical, "MERGE_SHARE", 0.0)
    rng = np.random.default_rng(5)
    words = [f"w{n}" for n in range(12)]
    live = {d: [str(w) for w in rng.choice(words, size=rng.integers(0, 7))] for d in range(20)}
    index = LexicalIndex.build(live)
    next_id = 20
    for _ in range(40):
        gone = {d: live.pop(d) for d in rng.choice(list(live), size=1).tolist()}
        added = {next_id: list(rng.choice(words, size=rng.integers(1, 7)))}
        next_id += 1
        index = index.changed(gone, added)
        live.update(added)
        fresh = LexicalIndex.build(live)
        query = list(rng.choice(words, size=3))
        np.testing.assert_allclose(index.scores(query)[: fresh.size], fresh.scores(query),
                                   rtol=1e-6)
        assert all(index.df(w) == fresh.df(w) for w in words)
    assert (not index._changed) == (merge_min == 3)  # merged after every change, or never
    index.save(tmp_path / "lex")
    loaded = LexicalIndex.load(tmp_path / "lex")
    np.testing.assert_array_equal(loaded.scores(words), index.scores(words))
    assert loaded._base.tf.dtype == np.uint16 and loaded._base.ids.dtype == np.int32


def test_a_term_count_beyond_the_counter_is_refused():
    with pytest.raises(ValueError, match="at most 65535"):
        LexicalIndex.build([["kata"] * 70_000])
