"""Ranking metrics against hand-computed values, query loading and calibration fitting."""

from __future__ import annotations

import math

import pytest

from matcher.evaluate import (
    EvalQuery,
    load_queries,
    ndcg_at,
    recall_at,
    reciprocal_rank,
    summarise,
)
from matcher.nomatch import QuerySignals, fit_calibration, load_calibrations, save_calibration

REL = frozenset({"a", "c"})


def test_metrics_match_hand_computation():
    ranked = ["b", "a", "d", "c"]
    assert recall_at(ranked, REL, 1) == 0.0
    assert recall_at(ranked, REL, 2) == 0.5
    assert recall_at(ranked, REL, 4) == 1.0
    assert recall_at(["a"], frozenset({"a", "b", "c"}), 1) == 1.0  # capped by k
    assert reciprocal_rank(ranked, REL) == 0.5
    assert reciprocal_rank(["x"], REL) == 0.0
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    ideal = 1 + 1 / math.log2(3)
    assert ndcg_at(ranked, REL, 10) == pytest.approx(dcg / ideal)


def test_summarise_skips_unanswerable_queries():
    queries = [EvalQuery("1", "id", "", "x", REL), EvalQuery("2", "en", "", "y", frozenset())]
    m = summarise([["a"], ["a"]], queries)
    assert m.n == 1 and m.mrr == 1.0 and m.recall1 == 1.0


def test_load_queries_names_file_line_and_field(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"qid": "1", "text": "t", "relevant": ["a"]}\n'
                    '{"qid": "2", "text": "t", "relevant": ["zzz"]}\n')
    with pytest.raises(ValueError, match=r"q.jsonl:2: field 'relevant': unknown ids \['zzz'\]"):
        load_queries(path, {"a"})
    path.write_text('{"qid": "1", "relevant": []}\n')
    with pytest.raises(ValueError, match="q.jsonl:1: bad query row"):
        load_queries(path)


def test_calibration_separates_clear_cases_and_round_trips(tmp_path):
    good = [QuerySignals(lang, 0.9 + i / 1000, 0.03, 0.6, 0.7)
            for i in range(20) for lang in ("id", "en")]
    bad = [QuerySignals(lang, 0.7 + i / 1000, 0.005, 0.0, 0.1)
           for i in range(10) for lang in ("id", "en")]
    cal = fit_calibration("m", good + bad, [True] * 40 + [False] * 20, target_recall=0.95)
    assert set(cal.languages) == {"id", "en"}
    assert sum(cal.answerable(s)[0] for s in good) >= 38
    assert not any(cal.answerable(s)[0] for s in bad)
    assert all(w >= 0 for lm in cal.languages.values() for w in lm.weights)
    path = tmp_path / "cal.json"
    save_calibration(cal, path)
    assert load_calibrations(path)["m"] == cal
