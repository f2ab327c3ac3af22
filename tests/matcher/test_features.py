"""Candidate-pair features on a small real corpus with the deterministic hashing embedder."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.engine import Recommender
from matcher.features import (
    BASE_FEATURES,
    FEATURES,
    coverage,
    idf_weights,
    neighbour_features,
    pair_features,
)
from matcher.index import build_index, make_analyzer
from matcher.termrows import TermRows

COL = {f: n for n, f in enumerate(FEATURES)}


@pytest.fixture()
def rec(small_corpus, hashing_embedder):
    analyzer = make_analyzer(small_corpus)
    return Recommender(small_corpus, build_index(small_corpus, hashing_embedder, analyzer),
                       hashing_embedder, analyzer)


def features_for(rec, text):
    vector = rec.query_vector(text)
    _, stems = rec.query_stems(text)
    cands = rec.candidates_for(vector, stems, None, 50, rec.language(text))
    return cands, pair_features(rec.pair_inputs(vector, stems, cands))


def test_one_row_per_candidate_and_one_column_per_feature(rec, small_corpus):
    cands, x = features_for(rec, "sampah rumah tangga menumpuk")
    assert x.shape == (len(cands.ids), len(FEATURES)) == (len(small_corpus), len(FEATURES))
    assert np.isfinite(x).all()
    assert len(FEATURES) == 2 * len(BASE_FEATURES) - 1


def test_a_document_with_every_query_word_is_fully_covered(rec):
    cands, x = features_for(rec, "kompos sampah organik")
    row = cands.ids.index("kipp-2018-toss-klungkung")
    assert x[row, COL["coverage"]] == pytest.approx(1.0)
    assert x[row, COL["matched"]] >= 2
    assert x[row, COL["missing_idf"]] == 0.0
    assert x[row, COL["bm25_norm"]] == pytest.approx(1.0)
    assert x[row, COL["lexical_rank"]] == pytest.approx(np.log1p(1))


def test_absent_fields_and_thin_records_show_in_the_features(rec):
    cands, x = features_for(rec, "pasar tradisional")
    row = cands.ids.index("kipp-2019-gerebek-pasar-legi-gresik")  # title only
    assert x[row, COL["has_problem"]] == 0 and x[row, COL["has_solution"]] == 0
    assert x[row, COL["problem_cos"]] == 0 and x[row, COL["solution_cos"]] == 0
    assert x[row, COL["body_words"]] == 0


def test_relative_features_are_zero_for_the_best_candidate(rec):
    _, x = features_for(rec, "akta kelahiran bayi")
    assert x[:, COL["dense_rel"]].max() == pytest.approx(0.0)
    assert x[:, COL["field_max_rel"]].max() == pytest.approx(0.0)
    assert (x[:, COL["dense_rel"]] <= 1e-9).all()


def test_english_copies_are_zero_for_indonesian_queries_and_equal_for_english(rec):
    _, x_id = features_for(rec, "akta kelahiran bayi di rumah sakit")
    _, x_en = features_for(rec, "the hospital gives parents the birth certificate")
    en_cols = [COL[f"en*{f}"] for f in BASE_FEATURES if f != "lang_en"]
    base_cols = [COL[f] for f in BASE_FEATURES if f != "lang_en"]
    assert (x_id[:, en_cols] == 0).all() and (x_id[:, COL["lang_en"]] == 0).all()
    assert (x_en[:, COL["lang_en"]] == 1).all()
    assert np.allclose(x_en[:, en_cols], x_en[:, base_cols])


def test_rank_of_a_channel_that_missed_the_document(rec):
    cands, x = features_for(rec, "kompos")
    missed = [n for n, r in enumerate(cands.lexical_ranks) if r == 0]
    assert missed, "some documents do not contain the word"
    assert np.allclose(x[missed, COL["lexical_rank"]], np.log1p(cands.depth + 1))


def term_rows(sets: list[set[str]]) -> TermRows:
    """Sets of stems as code rows (codes by sorted stem)."""
    code = {t: n for n, t in enumerate(sorted(set().union(*sets)))}
    return TermRows.of([np.array(sorted(code[t] for t in s), dtype=np.int64) for s in sets])


def test_no_query_stems_cover_nothing():
    share, count, missing = coverage(np.zeros(0), np.zeros(0, bool), np.zeros((2, 0), bool))
    assert share.tolist() == count.tolist() == missing.tolist() == [0.0, 0.0]


def test_idf_and_coverage_oracle():
    idf = idf_weights(["a", "b", "z"], {"a": 3, "b": 1}, 4)
    assert idf["z"] > idf["b"] > idf["a"]
    docs = [{"a", "b"}, {"z"}, set()]
    present = np.array([[s in d for s in idf] for d in docs])
    share, count, missing = coverage(np.array(list(idf.values())),
                                     np.array([s in {"b", "z"} for s in idf]), present)
    total = sum(idf.values())
    assert share == pytest.approx([(idf["a"] + idf["b"]) / total, idf["z"] / total, 0.0])
    assert count.tolist() == [1, 1, 0]
    assert missing.tolist() == pytest.approx([idf["z"], idf["b"], idf["z"]])


def test_neighbour_features_against_a_loop_oracle():
    rng = np.random.default_rng(11)
    vectors = rng.normal(size=(8, 4))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    convex = rng.uniform(size=8)
    tokens = [set(rng.choice(list("abcdefgh"), size=4, replace=False)) for _ in range(8)]
    sectors = ["s1", "s2", "s1", "s1", "s2", "s3", "s1", "s2"]
    got = neighbour_features(convex, vectors, term_rows(tokens), sectors, k=3)
    top = list(np.argsort(-convex)[:3])
    for i in range(8):
        others = [t for t in top if t != i]
        cos = [float(vectors[i] @ vectors[t]) for t in others]
        jac = [len(tokens[i] & tokens[t]) / len(tokens[i] | tokens[t]) for t in others]
        assert got["nbr_cos"][i] == pytest.approx(np.mean(cos))
        assert got["nbr_cos_max"][i] == pytest.approx(max(cos))
        assert got["nbr_jaccard"][i] == pytest.approx(np.mean(jac))
        assert got["nbr_sector"][i] == sum(sectors[t] == sectors[i] for t in others)
        assert got["nbr_top_sector"][i] == float(sectors[top[0]] == sectors[i])


def test_a_lone_candidate_has_no_neighbours():
    got = neighbour_features(np.array([0.7]), np.ones((1, 3)) / np.sqrt(3),
                             term_rows([{"a"}]), ["s"])
    assert got["nbr_cos"][0] == 0 and got["nbr_cos_max"][0] == -1.0
    assert got["nbr_sector"][0] == 0
