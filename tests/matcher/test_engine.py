"""Recommender behaviour on small real corpora with the deterministic hashing embedder."""

from __future__ import annotations

import dataclasses

import pytest

from corpus.loader import load_bundled_corpus
from matcher.engine import EMPTY_FILTER_REASON, EMPTY_QUERY_REASON, Recommender
from matcher.filters import Filters
from matcher.gate import LanguageGate
from matcher.index import build_index, make_analyzer
from matcher.learn import collect, fit_relevance
from models.hashing import HashingEmbedder


class CountingEmbedder(HashingEmbedder):
    """Hashing embedder that counts how many texts it encodes."""

    def __init__(self) -> None:
        super().__init__()
        self.encoded = 0

    def _encode(self, texts, *, is_query):
        self.encoded += len(texts)
        return super()._encode(texts, is_query=is_query)


def make_recommender(corpus, embedder, **kwargs) -> Recommender:
    analyzer = make_analyzer(corpus)
    index = build_index(corpus, embedder, analyzer)
    return Recommender(corpus, index, embedder, analyzer, **kwargs)


@pytest.fixture()
def small_rec(small_corpus):
    return make_recommender(small_corpus, CountingEmbedder())


@pytest.fixture(scope="module")
def bundled_rec():
    return make_recommender(load_bundled_corpus(), HashingEmbedder())


def top_id(answer) -> str:
    return answer.results[0].innovation.id


def test_targeted_problem_ranks_its_innovation_first(small_rec):
    answer = small_rec.recommend("izin usaha sulit, pemohon harus datang ke banyak unit kerja")
    assert not answer.no_match
    assert top_id(answer) == "kipp-2014-surabaya-single-window"


@pytest.mark.parametrize("query", ["TOSS", "kami perlu tempat olah sampah setempat"])
def test_acronym_and_expansion_find_the_same_innovation(small_rec, query):
    answer = small_rec.recommend(query, k=3)
    assert top_id(answer) == "kipp-2018-toss-klungkung"
    assert answer.results[0].lexical.rank == 1


def test_results_carry_channel_scores_ranks_and_explanation(small_rec):
    answer = small_rec.recommend("angka kematian ibu melahirkan tinggi", k=3)
    best = answer.results[0]
    assert best.dense.rank is not None and best.lexical.rank is not None
    assert best.lexical.score > 0
    assert "kematian" in best.explanation.matched_terms
    assert any(r.startswith("Kata kunci") for r in best.explanation.reasons)
    assert any("UN Public Service Awards" in r for r in best.explanation.reasons)
    scores = [r.score for r in answer.results]
    assert scores == sorted(scores, reverse=True)


def test_title_only_records_are_indexed_and_flagged(small_corpus, small_rec):
    title_only = [r for r in small_corpus if r.detail_level.value == "title_only"][0]
    answer = small_rec.recommend(title_only.title, k=len(small_corpus))
    found = [r for r in answer.results if r.innovation.id == title_only.id]
    assert found and any("data inovasi ini tipis" in x for x in found[0].explanation.reasons)
    assert found[0].explanation.thin


@pytest.mark.parametrize("filters", [
    Filters.create(provinces=["Jawa Timur"]),
    Filters.create(sectors=["kesehatan"]),
    Filters.create(levels=["kota"]),
    Filters.create(min_tier="kipp-top"),
    Filters.create(year_from=2019, year_to=2021),
    Filters.create(exclude_region="Kota Surabaya"),
    Filters.create(provinces=["Jawa Tengah"], sectors=["kesehatan"]),
])
@pytest.mark.parametrize("k", [1, 5, 10, 30])
def test_filtered_queries_keep_k_results(bundled_rec, filters, k):
    passing = [r for r in bundled_rec.corpus if filters.accepts(r)]
    answer = bundled_rec.recommend("pelayanan kesehatan ibu dan anak di desa terpencil",
                                   filters=filters, k=k)
    assert len(answer.results) == min(k, len(passing))
    assert all(filters.accepts(r.innovation) for r in answer.results)
    assert len({r.innovation.id for r in answer.results}) == len(answer.results)


def test_filter_that_nothing_passes_says_so(small_rec):
    answer = small_rec.recommend("sampah", filters=Filters.create(provinces=["Papua Tengah"]))
    assert answer.no_match and answer.reason == EMPTY_FILTER_REASON and not answer.results


def test_empty_query_is_a_no_match_with_reason(small_rec):
    answer = small_rec.recommend("   ")
    assert answer.no_match and answer.reason == EMPTY_QUERY_REASON


@pytest.fixture()
def relevance(small_corpus, small_queries):
    rec = make_recommender(small_corpus, HashingEmbedder())
    data = collect(rec, small_queries)
    return fit_relevance(rec, data, data, learner="logistic", alpha=0.1, training_hash="t")


def with_threshold(model, threshold):
    return dataclasses.replace(model, manifest=dataclasses.replace(model.manifest,
                                                                   threshold=threshold))


def test_no_match_below_threshold_returns_empty_list_with_reason(small_corpus, relevance):
    strict = make_recommender(small_corpus, HashingEmbedder(),
                              relevance=with_threshold(relevance, 0.999))
    answer = strict.recommend("peluncuran roket antariksa dari pelabuhan")
    assert answer.no_match and answer.results == ()
    assert "ambang 99.9%" in answer.reason and 0 <= answer.confidence < 0.999


def test_calibrated_results_are_ranked_by_probability_with_levels(small_corpus, relevance):
    rec = make_recommender(small_corpus, HashingEmbedder(), relevance=relevance)
    answer = rec.recommend("pengelolaan sampah rumah tangga menjadi kompos", k=5)
    assert not answer.no_match and answer.calibrated
    probs = [r.probability for r in answer.results]
    assert probs == sorted(probs, reverse=True) and all(0 <= p <= 1 for p in probs)
    assert answer.confidence == probs[0]
    assert all(r.score == r.probability and r.level in ("sangat cocok", "cocok", "lemah")
               for r in answer.results)
    assert answer.results[0].explanation.reasons[0].startswith("Kata kunci")


def test_weak_best_match_is_shown_with_caution(small_corpus, relevance):
    rec = make_recommender(small_corpus, HashingEmbedder(), relevance=with_threshold(
        relevance, 0.0))
    answers = [rec.recommend(q) for q in ("pengelolaan sampah rumah tangga menjadi kompos",
                                          "harga cabai di pasar naik tajam")]
    for answer in answers:
        assert answer.caution == (answer.confidence < 0.4)
    assert not answers[0].caution and answers[1].caution


def test_uncalibrated_engine_says_so_and_never_withholds(small_rec):
    answer = small_rec.recommend("peluncuran roket antariksa dari pelabuhan")
    assert not answer.calibrated and not answer.no_match and answer.confidence is None
    assert all(r.probability is None and r.level is None for r in answer.results)


@pytest.mark.parametrize("query", ["asdf qwer zxcv", "qwertyuiop", "🙂🙂🙂 😂😂",
                                   "hjkl hjkl", "xxxxx yyyyy zzzzz"])
def test_nonsense_input_is_no_match_asking_for_a_sentence(small_corpus, relevance, query):
    rec = make_recommender(small_corpus, HashingEmbedder(),
                           relevance=with_threshold(relevance, 0.0), gate=LanguageGate())
    answer = rec.recommend(query)
    assert answer.no_match and answer.results == ()
    assert "dalam satu kalimat" in answer.reason


def test_the_gate_lets_real_problem_statements_through(small_corpus, relevance):
    rec = make_recommender(small_corpus, HashingEmbedder(),
                           relevance=with_threshold(relevance, 0.0), gate=LanguageGate())
    for query in ("sampah menumpuk", "the hospital is far from the village", "KTP"):
        assert not rec.recommend(query).no_match, query


STOP_AND_GENERIC = {"yang", "di", "dan", "ke", "untuk", "the", "of", "tinggi", "angka",
                    "warga", "masyarakat", "pelayanan", "layanan", "sangat", "banyak"}


def test_explanations_list_only_informative_words_as_the_user_wrote_them(bundled_rec):
    query = ("Angka kematian ibu yang melahirkan di desa sangat tinggi dan warga banyak "
             "mengeluhkan pelayanan puskesmas")
    surfaces = {w.strip(".,").lower() for w in query.split()}
    for result in bundled_rec.recommend(query, k=10).results:
        words = set(result.explanation.matched_terms)
        assert words <= surfaces, words - surfaces  # surface words, never stems
        assert not words & STOP_AND_GENERIC


def test_similar_innovations_are_explained_as_innovation_to_innovation(bundled_rec):
    results = bundled_rec.similar("kipp-2015-lahir-procot-banyuwangi", k=5)
    for result in results:
        reasons = " ".join(result.explanation.reasons)
        assert "masalah Anda" not in reasons
        assert "Kedua inovasi" in reasons or "mirip" in reasons
        source = bundled_rec.corpus.by_id["kipp-2015-lahir-procot-banyuwangi"]
        text = source.document_text().lower()
        assert all(w in text for w in result.explanation.matched_terms)


def test_exclude_own_region(small_rec):
    answer = small_rec.recommend("izin usaha sulit", k=9,
                                 filters=Filters.create(exclude_region="Kota Surabaya"))
    assert all(r.innovation.region != "Kota Surabaya" for r in answer.results)


def test_repeated_query_uses_the_cache(small_rec):
    small_rec.recommend("antrean puskesmas panjang")
    before = small_rec.embedder.encoded
    small_rec.recommend("antrean   puskesmas panjang")
    assert small_rec.embedder.encoded == before


def test_recommend_many_matches_single_queries(small_rec):
    texts = ["sampah rumah tangga menumpuk", "izin usaha lambat"]
    batch = small_rec.recommend_many(texts, k=3)
    single = [small_rec.recommend(t, k=3) for t in texts]
    assert [[r.innovation.id for r in a.results] for a in batch] == \
        [[r.innovation.id for r in a.results] for a in single]


def test_similar_uses_stored_vectors_and_excludes_itself(small_rec):
    before = small_rec.embedder.encoded
    similar = small_rec.similar("kipp-2014-surabaya-single-window", k=3)
    assert small_rec.embedder.encoded == before
    ids = [r.innovation.id for r in similar]
    assert "kipp-2014-surabaya-single-window" not in ids and len(ids) == 3
    scores = [r.score for r in similar]
    assert scores == sorted(scores, reverse=True)


def test_similar_with_a_filter_nothing_passes_is_empty(small_rec):
    assert small_rec.similar("kipp-2018-toss-klungkung",
                             filters=Filters.create(year_from=2099)) == ()


@pytest.mark.parametrize("query", ["???", "!!! ...", "\x00"])
def test_query_without_words_is_an_honest_no_match(small_rec, query):
    answer = small_rec.recommend(query)
    assert answer.no_match and answer.results == () and "kata" in answer.reason


def test_similar_unknown_id_raises(small_rec):
    with pytest.raises(KeyError, match="unknown innovation id"):
        small_rec.similar("no-such-id")


def test_relevance_order_ties_on_log_odds_then_prior_then_exact_probability():
    import numpy as np

    from matcher.engine import relevance_order

    ids = ["a", "b", "c", "d", "e"]
    probs = np.array([0.5000, 0.5010, 0.4000, 0.99951, 0.99999])  # a and b tie
    priors = np.array([0.0, 0.5, 0.9, 0.9, 0.0])
    assert [ids[n] for n in relevance_order(ids, probs, priors)] == ["e", "d", "b", "a", "c"]
