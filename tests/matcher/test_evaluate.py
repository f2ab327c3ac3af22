"""Ranking metrics against hand-computed values, graded query loading, no-match counts."""

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
    graded = {"a": 2, "c": 1, "x": 0}
    dcg = 3 / math.log2(3) + 1 / math.log2(5)
    ideal = 3 + 1 / math.log2(3)
    assert ndcg_at(ranked, graded, 10) == pytest.approx(dcg / ideal)


def test_summarise_skips_unanswerable_queries():
    queries = [EvalQuery("1", "id", "", "x", (("a", 2), ("c", 1))),
               EvalQuery("2", "en", "", "y", (("a", 0),))]
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


def test_graded_judgments_load_and_define_relevance(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"qid": "1", "text": "t", "relevant": {"a": 2, "b": 1, "c": 0}}\n'
                    '{"qid": "2", "text": "u", "relevant": {"c": 0}}\n'
                    '{"qid": "3", "text": "v", "relevant": ["a"]}\n')
    one, two, three = load_queries(path, {"a", "b", "c"})
    assert one.relevant == {"a", "b"} and one.grade == {"a": 2, "b": 1, "c": 0}
    assert not two.answerable and three.grade == {"a": 2}
    path.write_text('{"qid": "1", "text": "t", "relevant": {"a": 3}}\n')
    with pytest.raises(ValueError, match="q.jsonl:1: .*grades must be 0, 1 or 2"):
        load_queries(path)
    path.write_text('{"qid": "1", "text": "t", "relevant": []}\n'
                    '{"qid": "1", "text": "u", "relevant": []}\n')
    with pytest.raises(ValueError, match="q.jsonl:2: field 'qid': duplicate '1'"):
        load_queries(path)


def test_bundled_query_sets_are_valid_and_judged():
    from pathlib import Path

    from corpus.loader import load_bundled_corpus

    corpus = load_bundled_corpus()
    known = set(corpus.by_id) | set(corpus.aliases)
    folder = Path(__file__).resolve().parents[2] / "eval"
    files = sorted(folder.glob("*.jsonl"))
    assert len(files) >= 7
    queries = [q for f in files for q in load_queries(f, known, corpus.aliases)]
    new = [q for f in files if f.name not in ("dev_queries.jsonl", "test_queries.jsonl")
           for q in load_queries(f, known, corpus.aliases)]
    assert len(new) >= 600
    unanswerable = [q for q in new if q.style == "unanswerable" and not q.answerable]
    ood = [q for q in new if q.style in ("ood", "nonsense")]
    assert len(unanswerable) >= 150 and len(ood) >= 40
    assert len({q.qid for q in queries}) == len(queries)
