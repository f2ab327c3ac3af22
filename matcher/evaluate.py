"""Offline evaluation: graded labelled queries, ranking metrics and the no-match decision."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from corpus.loader import json_lines
from matcher.engine import Candidates, Recommender, rank_candidates, relevance_order, top_rows
from matcher.hybrid import FusionParams


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


def canonical_grades(grades: Sequence[tuple[str, int]], aliases: Mapping[str, str]
                     ) -> tuple[tuple[str, int], ...]:
    """Grades with merged ids replaced by the id that absorbed them (the higher grade wins
    where both were judged)."""
    out: dict[str, int] = {}
    for iid, grade in grades:
        key = aliases.get(iid, iid)
        out[key] = max(out.get(key, 0), grade)
    return tuple(out.items())


def load_queries(path: Path, known_ids: set[str] | None = None,
                 aliases: Mapping[str, str] | None = None) -> list[EvalQuery]:
    """Read labelled queries from JSONL; errors name the file, line and field. Ids merged
    into another record (`aliases`: old id -> kept id) are judged as the kept record."""
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
        if aliases:
            query = replace(query, grades=canonical_grades(query.grades, aliases))
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


def ndcg_at(ranked: Sequence[str], grades: Mapping[str, int] | frozenset[str], k: int
            ) -> float:
    """Graded nDCG@k (gain 2^grade - 1); a set of ids counts each as grade 1."""
    gain = dict.fromkeys(grades, 1) if isinstance(grades, frozenset | set) else dict(grades)
    dcg = sum((2 ** gain.get(iid, 0) - 1) / math.log2(n + 1)
              for n, iid in enumerate(ranked[:k], 1))
    best = sorted((g for g in gain.values() if g > 0), reverse=True)[:k]
    ideal = sum((2 ** g - 1) / math.log2(n + 1) for n, g in enumerate(best, 1))
    return dcg / ideal if ideal else 0.0


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
    pairs = [(r, q.relevant, q.grade) for r, q in zip(rankings, queries, strict=True)
             if q.answerable]
    if not pairs:
        return Metrics(0, 0, 0, 0, 0, 0)

    def mean(f) -> float:
        return float(np.mean([f(r, rel, g) for r, rel, g in pairs]))

    return Metrics(len(pairs), mean(lambda r, rel, g: recall_at(r, rel, 1)),
                   mean(lambda r, rel, g: recall_at(r, rel, 5)),
                   mean(lambda r, rel, g: recall_at(r, rel, 10)),
                   mean(lambda r, rel, g: reciprocal_rank(r, rel)),
                   mean(lambda r, rel, g: ndcg_at(r, g, 10)))


@dataclass(frozen=True, eq=False)
class QueryRun:
    """One query's channel outputs and relevance, computed once and reused by every system."""

    query: EvalQuery
    vector: np.ndarray
    accepted: bool  # passed the "is this a problem statement" gate
    cands: Candidates
    dense_ranking: list[str]
    lexical_ranking: list[str]
    probs: np.ndarray | None  # calibrated relevance of each candidate

    @property
    def top_probability(self) -> float:
        """The best candidate's probability (0 for rejected input)."""
        if not self.accepted or self.probs is None or not len(self.probs):
            return 0.0
        return float(self.probs.max())


def prepare(rec: Recommender, queries: Sequence[EvalQuery], depth: int = 100, *,
            progress: str | None = None) -> list[QueryRun]:
    """Encode all queries in one batch and collect every channel's output (with a progress
    bar on stderr labelled `progress`, when given)."""
    from tqdm.auto import tqdm

    vectors = rec.embedder.encode_queries([q.text for q in queries]) if queries else []
    runs = []
    for query, vector in tqdm(list(zip(queries, vectors, strict=True)), desc=progress,
                              unit="query", disable=progress is None, leave=False):
        terms, stems = rec.query_stems(query.text)
        accepted = rec.accepts(query.text, terms) and not rec.off_domain(vector)
        cands = rec.candidates_for(vector, stems, None, rec.candidates,
                                   rec.language(query.text))
        lex_order = top_rows(rec.index.lexical.scores(stems), depth)
        probs = (rec.probabilities(vector, stems, cands)
                 if rec.calibrated and cands.ids else None)
        runs.append(QueryRun(query, vector, accepted, cands, rec.dense_ranking(vector, depth),
                             [rec.index.str_ids[int(r)] for r in lex_order], probs))
    return runs


def hybrid_rankings(rec: Recommender, runs: Sequence[QueryRun], fusion: FusionParams,
                    k: int = 10) -> list[list[str]]:
    """Top-k ids per query under one fusion setting (no no-match cut)."""
    out = []
    for run in runs:
        order, _ = rank_candidates(run.cands, fusion, rec.priors(run.cands.ids))
        out.append([run.cands.ids[i] for i in order[:k]])
    return out


def relevance_rankings(rec: Recommender, runs: Sequence[QueryRun], k: int = 10
                       ) -> list[list[str]]:
    """Top-k ids per query by calibrated relevance, ties broken by the proven prior, as
    the engine ranks them."""
    out = []
    for run in runs:
        ids = run.cands.ids
        if run.probs is None:  # nothing to rank
            out.append([])
            continue
        order = relevance_order(ids, run.probs, rec.priors(ids))
        out.append([ids[i] for i in order[:k]])
    return out


@dataclass(frozen=True)
class NoMatchMetrics:
    """The no-match decision against the labels, errors of each kind counted apart."""

    answerable: int
    unanswerable: int
    false_no_match: float  # share of answerable queries withheld
    caught: float  # share of unanswerable queries answered "no match"
    false_match: float  # share of unanswerable queries shown results
    caution_answerable: float  # share of answered answerable queries shown with a warning
    out_of_domain: int  # ood and nonsense inputs
    out_of_domain_caught: int


def nomatch_metrics(runs: Sequence[QueryRun], threshold: float,
                    caution_below: float) -> NoMatchMetrics:
    """How the threshold on the top calibrated probability sorts the labelled queries."""
    withheld = [r.top_probability < threshold for r in runs]
    pos = [(r, w) for r, w in zip(runs, withheld, strict=True) if r.query.answerable]
    neg = [(r, w) for r, w in zip(runs, withheld, strict=True) if not r.query.answerable]
    ood = [(r, w) for r, w in neg if r.query.style in ("ood", "nonsense")]
    answered = [r for r, w in pos if not w]
    return NoMatchMetrics(
        answerable=len(pos), unanswerable=len(neg),
        false_no_match=sum(w for _, w in pos) / max(1, len(pos)),
        caught=sum(w for _, w in neg) / max(1, len(neg)),
        false_match=sum(not w for _, w in neg) / max(1, len(neg)),
        caution_answerable=sum(r.top_probability < caution_below for r in answered)
        / max(1, len(answered)),
        out_of_domain=len(ood), out_of_domain_caught=sum(w for _, w in ood))


def pool_ids(rec: Recommender, texts: Sequence[str], depth: int = 10, *,
             channels: bool = True) -> list[list[str]]:
    """Judging pools: the union of the relevance model's, hybrid, dense and BM25 top `depth`
    (without `channels`: only the two rankings a user can be shown)."""
    runs = prepare(rec, [EvalQuery(str(n), "", "", t) for n, t in enumerate(texts)], depth)
    fused = hybrid_rankings(rec, runs, rec.fusion, depth)
    ranked = relevance_rankings(rec, runs, depth) if rec.calibrated else [[] for _ in runs]
    return [list(dict.fromkeys(r + f + (run.dense_ranking + run.lexical_ranking
                                        if channels else [])))
            for r, f, run in zip(ranked, fused, runs, strict=True)]
