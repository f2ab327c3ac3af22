"""The relevance model: fitting, plain-file round trip, refusal on mismatch, tree oracle."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from matcher.engine import Recommender
from matcher.index import build_index, make_analyzer
from matcher.lambdarank import export_lightgbm, fit_lambdarank
from matcher.learn import collect, conformal_threshold, export_trees, fit_relevance
from matcher.relevance import (
    RelevanceError,
    level,
    load_relevance,
    save_relevance,
    shown_percent,
    tree_scores,
)


@pytest.fixture()
def rec(small_corpus, hashing_embedder):
    analyzer = make_analyzer(small_corpus)
    return Recommender(small_corpus, build_index(small_corpus, hashing_embedder, analyzer),
                       hashing_embedder, analyzer)


@pytest.fixture(params=["logistic", "blend"])
def fitted(request, rec, small_queries):
    data = collect(rec, small_queries)
    return fit_relevance(rec, data, data, learner=request.param, alpha=0.1,
                         training_hash="t")


def test_fitted_model_ranks_the_labelled_answer_first(rec, fitted, small_queries):
    ranked = Recommender(rec.corpus, rec.index, rec.embedder, rec.analyzer, relevance=fitted)
    hits = 0
    for query in small_queries:
        answer = ranked.recommend(query.text, k=3)
        if query.answerable and answer.results:
            hits += answer.results[0].innovation.id in query.relevant
    assert hits >= 8  # of 10 answerable training queries
    assert 0 <= fitted.manifest.threshold <= 1
    assert fitted.manifest.calibration_queries == 10


def test_round_trip_through_plain_files(tmp_path, rec, fitted, small_queries):
    save_relevance(fitted, tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["manifest.json", "params.npz"]
    loaded = load_relevance(tmp_path / "m")
    x = collect(rec, small_queries).x
    assert np.allclose(loaded.probabilities(x), fitted.probabilities(x))
    assert loaded.manifest == fitted.manifest
    np.load(tmp_path / "m" / "params.npz", allow_pickle=False)  # no pickles inside


def test_model_for_another_embedder_or_feature_set_is_refused(tmp_path, fitted):
    fitted.check("hashing")
    with pytest.raises(RelevanceError, match="fitted on features of 'hashing'.*'e5-small'"):
        fitted.check("e5-small")
    older = dataclasses.replace(fitted, manifest=dataclasses.replace(
        fitted.manifest, feature_version=0))
    with pytest.raises(RelevanceError, match="feature version 0.*replika relevance fit"):
        older.check("hashing")
    save_relevance(fitted, tmp_path / "m")
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    manifest["features"] = manifest["features"][:-1]
    (tmp_path / "m" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(RelevanceError, match="feature version"):
        load_relevance(tmp_path / "m").check("hashing")


def test_missing_or_damaged_model_says_what_is_wrong(tmp_path, fitted):
    with pytest.raises(RelevanceError, match="manifest.json missing"):
        load_relevance(tmp_path / "nowhere")
    save_relevance(fitted, tmp_path / "m")
    (tmp_path / "m" / "params.npz").write_bytes(b"not a zip")
    with pytest.raises(RelevanceError, match="damaged"):
        load_relevance(tmp_path / "m")


def test_exported_trees_score_exactly_like_sklearn():
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(3)
    x = rng.normal(size=(600, 5))
    y = (x[:, 0] + x[:, 1] * x[:, 2] > 0.3).astype(int)
    est = HistGradientBoostingClassifier(max_iter=40, max_leaf_nodes=9,
                                         random_state=0).fit(x, y)
    probe = rng.normal(size=(200, 5))
    assert np.allclose(tree_scores(export_trees(est), probe), est.decision_function(probe))


def test_exported_lambdarank_trees_score_exactly_like_lightgbm():
    import lightgbm
    rng = np.random.default_rng(4)
    x = rng.normal(size=(900, 5))
    grade = np.clip(np.round(x[:, 0] + x[:, 1] * x[:, 2]), 0, 2).astype(int)
    group = np.repeat(np.arange(30), 30)
    model = lightgbm.LGBMRanker(n_estimators=30, num_leaves=7, min_child_samples=5,
                                verbose=-1, random_state=0)
    model.fit(x, grade, group=np.full(30, 30))
    probe = rng.normal(size=(300, 5))
    exported = export_lightgbm(model.booster_.dump_model())
    assert np.allclose(tree_scores(exported, probe), model.predict(probe))
    assert np.allclose(tree_scores(fit_lambdarank(x, grade, group, 0), x[:5]),
                       tree_scores(fit_lambdarank(x, grade, group, 0), x[:5]))  # repeatable


def test_a_blend_model_without_its_trees_is_refused(tmp_path, rec, small_queries):
    data = collect(rec, small_queries)
    model = fit_relevance(rec, data, data, learner="blend", alpha=0.1, training_hash="t")
    save_relevance(dataclasses.replace(model, trees=None), tmp_path / "m")
    with pytest.raises(RelevanceError, match="damaged.*lacks tree_roots"):
        load_relevance(tmp_path / "m")


def test_conformal_threshold_withholds_at_most_alpha():
    rng = np.random.default_rng(5)
    calibration = rng.uniform(size=199)
    threshold = conformal_threshold(calibration, 0.05)
    assert (calibration < threshold).sum() == 9  # floor(0.05 * 200) - 1 below the 10th
    fresh = rng.uniform(size=100_000)
    assert (fresh < threshold).mean() <= 0.05 + 0.01
    assert conformal_threshold([0.9, 0.8], 0.05) == 0.0  # too few to withhold anything


@pytest.mark.parametrize(("p", "word"), [(0.95, "sangat cocok"), (0.5, "cocok"),
                                          (0.1, "lemah")])
def test_match_levels_in_words(p, word):
    assert level(p) == word


@pytest.mark.parametrize(("p", "shown"), [(0.3996, "39%"), (0.4, "40%"), (0.699, "69%"),
                                          (0.7, "70%"), (0.0, "0%"), (1.0, "100%"),
                                          (0.29, "29%")])
def test_the_shown_percent_never_crosses_into_the_next_level(p, shown):
    assert shown_percent(p) == shown
    assert level(p) == level(int(shown[:-1]) / 100)
