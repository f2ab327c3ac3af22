"""The real default model on the bundled corpus: dev queries find their innovations."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.loader import load_bundled_corpus
from matcher.config import Settings
from matcher.evaluate import load_queries
from matcher.session import open_recommender

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def e5(tmp_path_factory):
    return open_recommender(Settings(data_dir=tmp_path_factory.mktemp("data")))


@pytest.mark.real_model
def test_default_model_finds_gold_in_top5_for_most_indonesian_dev_queries(e5):
    known = set(e5.corpus.by_id) | set(e5.corpus.aliases)
    queries = [q for q in load_queries(ROOT / "eval" / "dev_queries.jsonl", known,
                                       e5.corpus.aliases)
               if q.lang == "id" and q.answerable][:40]
    hits = 0
    for query in queries:
        answer = e5.recommend(query.text, k=5)
        hits += bool({r.innovation.id for r in answer.results} & query.relevant)
    assert hits / len(queries) >= 0.75, f"only {hits}/{len(queries)} with a gold id in top 5"


@pytest.mark.real_model
def test_issue_example_and_acronyms(e5):
    answer = e5.recommend("warga desa harus ke kota untuk mengurus akta kelahiran", k=5)
    assert not answer.no_match
    assert {r.innovation.sector for r in answer.results[:3]} == {"adminduk"}
    for query in ("TOSS", "Tempat Olah Sampah Setempat"):
        assert e5.recommend(query, k=3).results[0].innovation.id == "kipp-2018-toss-klungkung"


@pytest.mark.real_model
def test_english_query_reaches_indonesian_innovations(e5):
    answer = e5.recommend("pregnant women die in childbirth in remote villages", k=10)
    sectors = [r.innovation.sector for r in answer.results]
    assert sectors.count("kesehatan") >= 5


@pytest.mark.real_model
def test_index_manifest_guards_model(e5):
    assert e5.index.manifest.model == "e5-small"
    assert len(e5.index) == len(e5.corpus) == len(load_bundled_corpus())


@pytest.mark.real_model
def test_shipped_relevance_model_scores_the_default_engine(e5):
    assert e5.calibrated and e5.relevance.manifest.model == "e5-small"
    answer = e5.recommend("warga desa harus ke kota untuk mengurus akta kelahiran", k=3)
    assert answer.results[0].level == "sangat cocok" and not answer.caution
    assert 0.0 < e5.relevance.manifest.threshold < 0.5


@pytest.mark.real_model
@pytest.mark.parametrize("query", ["asdf qwer zxcv", "qwertyuiop", "🙂🙂🙂",
                                   "skor bola tadi malam persib menang berapa"])
def test_nonsense_and_football_scores_get_no_match(e5, query):
    answer = e5.recommend(query)
    assert answer.no_match and answer.results == ()
    assert "dalam satu kalimat" in answer.reason


@pytest.mark.real_model
def test_land_certificate_queue_finds_the_land_office_and_no_birth_records(e5):
    answer = e5.recommend("antrean sertifikat tanah di kantor pertanahan berbulan-bulan", k=5)
    assert answer.results[0].innovation.id == "kipp-2016-ketuk-pintu-rumah-selayar"
    # "berbulan-bulan" (for months) must never match records on "bulan": neither words
    # nor the acronym "Bulan Melah"; a civil-registration record may follow, but weakly.
    assert all("bulan" not in r.explanation.matched_terms for r in answer.results)
    assert all(r.probability < 0.4 for r in answer.results if r.innovation.sector ==
               "adminduk")


@pytest.mark.real_model
def test_island_licensing_problem_never_pairs_with_a_maternity_home(e5):
    from matcher.forum.affinity import statement_scores

    scores = statement_scores(e5, "pelayanan perizinan jauh dari kecamatan kepulauan")
    assert "kipp-2017-rumah-tunggu-kelahiran-sinjai" not in scores
    best = max(scores, key=lambda i: scores[i][0])
    assert e5.corpus.by_id[best].sector == "perizinan"
    # Remote-island health services share "far" and "islands": at most a weak match.
    assert all(p < 0.4 for i, (p, _) in scores.items()
               if e5.corpus.by_id[i].sector == "kesehatan")
