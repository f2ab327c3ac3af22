"""The real default model on the bundled corpus: dev queries find their innovations."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.config import Settings
from matcher.evaluate import load_queries
from matcher.session import open_recommender

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def e5(tmp_path_factory):
    return open_recommender(Settings(data_dir=tmp_path_factory.mktemp("data")))


@pytest.mark.real_model
def test_default_model_finds_gold_in_top5_for_most_indonesian_dev_queries(e5):
    queries = [q for q in load_queries(ROOT / "eval" / "dev_queries.jsonl", set(e5.corpus.by_id))
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
    assert e5.index.manifest.count == len(e5.corpus) == 280
