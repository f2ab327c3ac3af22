"""Offline evaluation: labelled queries, ranking metrics, fusion tuning and no-match calibration."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus.loader import json_lines
from matcher.engine import Candidates, Recommender, rank_candidates
from matcher.hybrid import FusionParams
from matcher.nomatch import Calibration, QuerySignals


@dataclass(frozen=True)
class EvalQuery:
    """A labelled query with graded judgments (2 answers it, 1 partly, 0 not).

    No id graded 1 or 2 means nothing in the corpus answers the query.
    """

    qid: str
    lang: str
    style: str
    text: str
    grades: tuple[tuple[str, int], ...] = ()

    @property
    def relevant(self) -> frozenset[str]:
        """Ids graded 1 or 2."""
        return frozenset(i for i, g in self.grades if g >= 1)

    @property
    def grade(self) -> dict[str, int]:
        """Grade by id (unjudged ids are 0)."""
        return dict(self.grades)

    @property
    def answerable(self) -> bool:
        """Whether some innovation answers the query."""
        return bool(self.relevant)


def _grades(value: object) -> tuple[tuple[str, int], ...]:
    """Judgments from a list of relevant ids (grade 2 each) or an {id: grade} object."""
    if isinstance(value, list):
        if not all(isinstance(i, str) for i in value):
            raise TypeError("'relevant' list must hold innovation ids")
        return tuple((i, 2) for i in dict.fromkeys(value))
    if isinstance(value, dict):
        if not all(isinstance(g, int) and not isinstance(g, bool) and g in (0, 1, 2)
                   for g in value.values()):
            raise TypeError("'relevant' grades must be 0, 1 or 2")
        return tuple(sorted(value.items()))
    raise TypeError("'relevant' must be a list of ids or an object of id: grade")


def load_queries(path: Path, known_ids: set[str] | None = None) -> list[EvalQuery]:
    """Read labelled queries from JSONL; errors name the file, line and field."""
    out = []
    seen: set[str] = set()
    for line_no, line in enumerate(json_lines(Path(path).read_text(encoding="utf-8")), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row.get("text"), str) or not row["text"].strip():
                raise TypeError("'text' must be a non-empty string")
            query = EvalQuery(str(row["qid"]), row.get("lang", "id"), row.get("style", ""),
                              row["text"], _grades(row["relevant"]))
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"{path}:{line_no}: bad query row: {exc!r}") from None
        if query.qid in seen:
            raise ValueError(f"{path}:{line_no}: field 'qid': duplicate {query.qid!r}")
        seen.add(query.qid)
        unknown = {i for i, _ in query.grades} - known_ids if known_ids is not None else set()
        if unknown:
            raise ValueError(f"{path}:{line_no}: field 'relevant': unknown ids "
                             f"{sorted(unknown)}")
        out.append(query)
    return out


def recall_at(ranked: Sequence[str], relevant: frozenset[str], k: int) -> float:
    """Relevant ids in the top k over min(k, |relevant|), so 1.0 is always reachable."""
    hits = len(set(ranked[:k]) & relevant)
    return hits / min(k, len(relevant))


def reciprocal_rank(ranked: Sequence[str], relevant: frozenset[str]) -> float:
    """1 / rank of the first relevant id (0 if none)."""
    for n, iid in enumerate(ranked, 1):
        if iid in relevant:
            return 1.0 / n
    return 0.0


def ndcg_at(ranked: Sequence[str], relevant: frozenset[str], k: int) -> float:
    """Binary-relevance nDCG@k."""
    dcg = sum(1.0 / math.log2(n + 1) for n, iid in enumerate(ranked[:k], 1) if iid in relevant)
    ideal = sum(1.0 / math.log2(n + 1) for n in range(1, min(k, len(relevant)) + 1))
    return dcg / ideal


@dataclass(frozen=True)
class Metrics:
    """Ranking quality over answerable queries."""

    n: int
    recall1: float
    recall5: float
    recall10: float
    mrr: float
    ndcg10: float


def summarise(rankings: Sequence[Sequence[str]], queries: Sequence[EvalQuery]) -> Metrics:
    """Mean metrics over the answerable queries."""
    pairs = [(r, q.relevant) for r, q in zip(rankings, queries, strict=True) if q.answerable]
    if not pairs:
        return Metrics(0, 0, 0, 0, 0, 0)

    def mean(f) -> float:
        return float(np.mean([f(r, rel) for r, rel in pairs]))

    return Metrics(len(pairs), mean(lambda r, rel: recall_at(r, rel, 1)),
                   mean(lambda r, rel: recall_at(r, rel, 5)),
                   mean(lambda r, rel: recall_at(r, rel, 10)), mean(reciprocal_rank),
                   mean(lambda r, rel: ndcg_at(r, rel, 10)))


@dataclass(frozen=True)
class QueryRun:
    """One query's channel outputs, computed once and reused by every fusion setting."""

    query: EvalQuery
    cands: Candidates
    dense_ranking: list[str]
    lexical_ranking: list[str]
    signals: QuerySignals


def prepare(rec: Recommender, queries: Sequence[EvalQuery]) -> list[QueryRun]:
    """Encode all queries in one batch and collect both channels' outputs."""
    vectors = rec.embedder.encode_queries([q.text for q in queries])
    runs = []
    everything = len(rec.corpus)
    for query, vector in zip(queries, vectors, strict=True):
        _, stems = rec.query_stems(query.text)
        cands = rec.candidates_for(vector, stems, None, rec.candidates,
                                   rec.language(query.text))
        lexical = rec.index.lexical.scores(stems)
        lex_order = [r for r in np.argsort(-lexical, kind="stable") if lexical[r] > 0]
        runs.append(QueryRun(
            query, cands, rec.dense_ranking(vector, everything),
            [rec.index.lexical_rows[r] for r in lex_order], rec.signals(cands, stems)))
    return runs


def hybrid_rankings(rec: Recommender, runs: Sequence[QueryRun], fusion: FusionParams,
                    k: int = 10) -> list[list[str]]:
    """Top-k ids per query under one fusion setting (no no-match cut)."""
    out = []
    for run in runs:
        order, _ = rank_candidates(run.cands, fusion, rec.priors(run.cands.ids))
        out.append([run.cands.ids[i] for i in order[:k]])
    return out


def fusion_grid() -> list[FusionParams]:
    """Fusion settings tried when tuning."""
    grid = []
    weights = [round(w, 1) for w in np.arange(0.3, 1.01, 0.1)]
    for prior in (0.0, 0.02, 0.05, 0.1):
        grid += [FusionParams("convex", w, w_en, prior_weight=prior)
                 for w, w_en in itertools.product(weights, weights)]
        grid += [FusionParams("rrf", w, w_en, rrf_k=k, prior_weight=prior)
                 for w, w_en, k in itertools.product(weights[:-1], weights[:-1], (20, 60))]
    return grid


def tune(rec: Recommender, runs: Sequence[QueryRun]) -> tuple[FusionParams, list[tuple]]:
    """The fusion setting with the best dev MRR (ties: higher nDCG@10), and the whole table."""
    queries = [r.query for r in runs]
    table = []
    for params in fusion_grid():
        m = summarise(hybrid_rankings(rec, runs, params), queries)
        table.append((params, m))
    best = max(table, key=lambda row: (round(row[1].mrr, 4), row[1].ndcg10))
    return best[0], table


@dataclass(frozen=True)
class NoMatchMetrics:
    """How well the no-match decision finds the unanswerable queries."""

    precision: float
    recall: float
    answerable_kept: float  # share of answerable queries that still get results
    caution_unanswerable: float  # share of unanswerable queries withheld or warned about
    caution_answerable: float  # share of answerable queries warned about


def nomatch_metrics(calibration: Calibration, runs: Sequence[QueryRun]) -> NoMatchMetrics:
    """Precision and recall of 'no match' against the labels."""
    decisions = [calibration.answerable(r.signals) for r in runs]
    predicted = [not ok for ok, _ in decisions]
    flagged = [not ok or calibration.cautious(r.signals, p)
               for (ok, p), r in zip(decisions, runs, strict=True)]
    truth = [not r.query.answerable for r in runs]
    tp = sum(p and t for p, t in zip(predicted, truth, strict=True))
    n_neg, n_pos = max(1, sum(truth)), max(1, len(truth) - sum(truth))
    return NoMatchMetrics(
        precision=tp / max(1, sum(predicted)), recall=tp / n_neg,
        answerable_kept=1 - sum(p and not t for p, t in zip(predicted, truth, strict=True)) / n_pos,
        caution_unanswerable=sum(f and t for f, t in zip(flagged, truth, strict=True)) / n_neg,
        caution_answerable=sum(f and not p and not t for f, p, t in
                               zip(flagged, predicted, truth, strict=True)) / n_pos)


def pool_ids(rec: Recommender, texts: Sequence[str], depth: int = 10) -> list[list[str]]:
    """Judging pools: the union of the BM25, dense and hybrid top `depth` per query."""
    vectors = rec.embedder.encode_queries(list(texts))
    pools = []
    for text, vector in zip(texts, vectors, strict=True):
        _, stems = rec.query_stems(text)
        lexical = rec.index.lexical.scores(stems)
        lex = [rec.index.lexical_rows[r] for r in np.argsort(-lexical, kind="stable")[:depth]
               if lexical[r] > 0]
        dense = rec.dense_ranking(vector, depth)
        cands = rec.candidates_for(vector, stems, None, rec.candidates, rec.language(text))
        order, _ = rank_candidates(cands, rec.fusion, rec.priors(cands.ids))
        fused = [cands.ids[i] for i in order[:depth]]
        pools.append(list(dict.fromkeys(fused + dense + lex)))
    return pools
