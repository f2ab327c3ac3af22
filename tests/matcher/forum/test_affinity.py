"""Forum affinities are calibrated probabilities: absolute, comparable across regions."""

from __future__ import annotations

import pytest

from matcher.engine import Recommender
from matcher.forum.affinity import UncalibratedError, pair_affinities
from matcher.gate import LanguageGate
from matcher.index import build_index, make_analyzer

SSW = "kipp-2014-surabaya-single-window"
TOSS = "kipp-2018-toss-klungkung"
INNOVATIONS = {"I1": SSW, "I2": TOSS}


@pytest.fixture()
def rec(small_corpus, hashing_embedder, hashing_relevance):
    analyzer = make_analyzer(small_corpus)
    return Recommender(small_corpus, build_index(small_corpus, hashing_embedder, analyzer),
                       hashing_embedder, analyzer, relevance=hashing_relevance,
                       gate=LanguageGate())


def test_affinity_is_the_calibrated_probability_of_the_best_statement(rec):
    statements = {"R1": ["izin usaha sulit, pemohon datang ke banyak unit kerja",
                         "sampah rumah tangga menumpuk"]}
    scored = pair_affinities(rec, statements, INNOVATIONS)
    for (region, innovator), s in scored.items():
        best = max(
            next((r.probability for r in rec.recommend(t, k=30).results
                  if r.innovation.id == INNOVATIONS[innovator]), 0.0)
            for t in statements[region])
        assert s.affinity == pytest.approx(best)
        assert s.affinity >= rec.relevance.manifest.threshold
    assert scored[("R1", "I1")].statement == statements["R1"][0]


def test_a_pairs_affinity_ignores_what_other_regions_wrote(rec):
    mine = ["izin usaha sulit, pemohon datang ke banyak unit kerja"]
    first = pair_affinities(rec, {"R1": mine, "R2": ["sampah rumah tangga menumpuk"]},
                            INNOVATIONS)
    second = pair_affinities(rec, {"R1": mine, "R2": ["berita hoaks menyebar cepat"]},
                             INNOVATIONS)
    mine_first = {p: s.affinity for p, s in first.items() if p[0] == "R1"}
    mine_second = {p: s.affinity for p, s in second.items() if p[0] == "R1"}
    assert mine_first and mine_first == mine_second


def test_a_no_match_statement_admits_nothing(rec):
    assert pair_affinities(rec, {"R1": ["asdf qwer zxcv"]}, INNOVATIONS) == {}


def test_forum_planning_refuses_an_uncalibrated_engine(small_corpus, hashing_embedder):
    analyzer = make_analyzer(small_corpus)
    plain = Recommender(small_corpus, build_index(small_corpus, hashing_embedder, analyzer),
                        hashing_embedder, analyzer)
    with pytest.raises(UncalibratedError, match="needs a relevance model"):
        pair_affinities(plain, {"R1": ["izin usaha sulit"]}, INNOVATIONS)
