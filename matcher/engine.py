"""The recommender: hybrid retrieval, prior, filters, no-match and explanations."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from corpus.loader import Corpus
from matcher.explain import explain
from matcher.filters import Filters
from matcher.hybrid import FusionParams, apply_prior, hybrid, proven_prior
from matcher.index import ReplikaIndex
from matcher.nomatch import Calibration, QuerySignals
from matcher.results import ChannelScore, Recommendation, RecommendationSet
from matcher.text import Analyzer, Term
from models.base import Embedder

NO_MATCH_REASON = ("Tidak ada inovasi dalam korpus yang cukup cocok dengan masalah ini "
                   "(keyakinan {p:.0%} di bawah ambang {t:.0%}). Coba uraikan masalahnya "
                   "dengan kata lain atau longgarkan filter.")
EMPTY_FILTER_REASON = "Tidak ada inovasi yang lolos filter yang dipilih."
EMPTY_QUERY_REASON = "Uraian masalah kosong."
EMPTY_CORPUS_REASON = "Korpus inovasi masih kosong."
NO_WORDS_REASON = ("Uraian masalah tidak berisi kata yang bisa dicari; tuliskan masalahnya "
                   "dengan kalimat.")


@dataclass(frozen=True)
class Candidates:
    """Candidate rows of one query with both channels' scores and ranks."""

    ids: list[str]
    dense: np.ndarray
    lexical: np.ndarray
    dense_ranks: np.ndarray  # 0: not retrieved by the channel
    lexical_ranks: np.ndarray
    lang: str = "id"


def rank_candidates(cands: Candidates, fusion: FusionParams, priors: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """(order of candidate positions, final scores): fused channels plus the prior."""
    fused = hybrid(cands.dense, cands.lexical, fusion, cands.lang, cands.dense_ranks,
                   cands.lexical_ranks)
    final = apply_prior(fused, priors, fusion.prior_weight)
    return np.lexsort((np.array(cands.ids), -final)), final


class _Vocabulary:
    """Membership view of the lexical index's vocabulary."""

    def __init__(self, lexical) -> None:
        self._lexical = lexical

    def __contains__(self, stem: object) -> bool:
        return isinstance(stem, str) and self._lexical.knows(stem)


class LRU(OrderedDict):
    """A tiny thread-safe least-recently-used cache."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size
        self._lock = threading.Lock()

    def get_or(self, key, compute):
        """Cached value for `key`, computing and storing it if absent."""
        with self._lock:
            if key in self:
                self.move_to_end(key)
                return self[key]
        value = compute()
        with self._lock:
            if self.size > 0:
                self[key] = value
                if len(self) > self.size:
                    self.popitem(last=False)
        return value


class Recommender:
    """Answers problem statements and 'more like this' over one corpus and its index."""

    def __init__(self, corpus: Corpus, index: ReplikaIndex, embedder: Embedder,
                 analyzer: Analyzer, *, fusion: FusionParams | None = None,
                 calibration: Calibration | None = None, candidates: int = 100,
                 cache_size: int = 1024,
                 recorded_replications: Mapping[str, int] | None = None) -> None:
        self.corpus = corpus
        self.index = index
        self.embedder = embedder
        self.analyzer = analyzer
        self.fusion = fusion or FusionParams()
        self.calibration = calibration
        self.candidates = candidates
        self._query_vectors = LRU(cache_size)
        self._lexical_row = {iid: n for n, iid in enumerate(index.lexical_rows)}
        self._str_id = {v: k for k, v in index.int_ids.items()}
        recorded = recorded_replications or {}
        # Replications known from sources plus those recorded at forums (MoU or implemented).
        self.replications = {r.id: r.known_replications + recorded.get(r.id, 0) for r in corpus}
        self._priors = {r.id: proven_prior(r.award_tier, self.replications[r.id])
                        for r in corpus}
        self._centroids = self._sector_centroids()
        self._df: dict[str, int] = {}
        for tokens in index.tokens.values():
            for stem in set(tokens):
                self._df[stem] = self._df.get(stem, 0) + 1

    def _sector_centroids(self) -> tuple[list[str], np.ndarray]:
        groups: dict[str, list[np.ndarray]] = {}
        for record in self.corpus:
            groups.setdefault(record.sector, []).append(
                self.index.dense.vector(self.index.int_ids[record.id]))
        codes = sorted(c for c in groups if c != "lainnya")
        if not codes:
            return [], np.zeros((0, self.index.dense.dim), np.float32)
        mat = np.stack([np.mean(groups[c], axis=0) for c in codes])
        return codes, mat / np.maximum(np.linalg.norm(mat, axis=1, keepdims=True), 1e-12)

    def clear_query_cache(self) -> None:
        """Forget cached query vectors (benchmarks measure the uncached path)."""
        self._query_vectors.clear()

    def dense_ranking(self, vector: np.ndarray, n: int) -> list[str]:
        """Innovation ids of the n nearest documents, nearest first."""
        return [self._str_id[int(i)] for i in self.index.dense.search(vector, n).ids]

    def query_vector(self, text: str) -> np.ndarray:
        """The (cached) embedding of a problem statement."""
        key = " ".join(text.split())
        return self._query_vectors.get_or(key, lambda: self.embedder.encode_queries([key])[0])

    def query_sectors(self, vector: np.ndarray, top: int = 2) -> set[str]:
        """Sectors whose centroid is nearest to the query."""
        codes, mat = self._centroids
        if not codes:
            return set()
        order = np.argsort(-(mat @ vector))[:top]
        return {codes[i] for i in order}

    def _allowed(self, filters: Filters) -> list[str] | None:
        if not filters.active:
            return None
        return [r.id for r in self.corpus if filters.accepts(r)]

    def language(self, text: str) -> str:
        """'id' or 'en' for a query."""
        return self.analyzer.language(text, _Vocabulary(self.index.lexical))

    def candidates_for(self, vector: np.ndarray, stems: Sequence[str],
                       allowed: list[str] | None, depth: int, lang: str = "id") -> Candidates:
        """Union of both channels' top `depth` rows, each scored by both channels."""
        allowed_ints = (None if allowed is None else
                        np.array([self.index.int_ids[i] for i in allowed], dtype=np.int64))
        hits = self.index.dense.search(vector, depth, allowed_ints)
        dense_ids = [self._str_id[int(i)] for i in hits.ids]
        mask = None
        if allowed is not None:
            mask = np.zeros(self.index.lexical.doc_count, dtype=bool)
            mask[[self._lexical_row[i] for i in allowed]] = True
        lex_all = self.index.lexical.scores(stems, mask)
        lex_top = [r for r in np.argsort(-lex_all, kind="stable")[:depth] if lex_all[r] > 0]
        lex_ids = [self.index.lexical_rows[r] for r in lex_top]
        ids = list(dict.fromkeys(dense_ids + lex_ids))
        vectors = np.stack([self.index.dense.vector(self.index.int_ids[i]) for i in ids]) \
            if ids else np.zeros((0, self.index.dense.dim), np.float32)
        dense_rank = {i: n + 1 for n, i in enumerate(dense_ids)}
        lex_rank = {i: n + 1 for n, i in enumerate(lex_ids)}
        return Candidates(
            ids=ids,
            dense=vectors @ vector if ids else np.zeros(0),
            lexical=np.array([lex_all[self._lexical_row[i]] for i in ids], dtype=np.float64),
            dense_ranks=np.array([dense_rank.get(i, 0) for i in ids], dtype=np.int64),
            lexical_ranks=np.array([lex_rank.get(i, 0) for i in ids], dtype=np.int64),
            lang=lang,
        )

    def priors(self, ids: Sequence[str]) -> np.ndarray:
        """The proven prior of each id."""
        return np.array([self._priors[i] for i in ids], dtype=np.float64)

    def query_stems(self, text: str) -> tuple[list[Term], list[str]]:
        """(terms for explanations, stems with acronym expansions for BM25)."""
        terms = self.analyzer.terms(text)
        base = [t.stem for t in terms]
        return terms, base + self.analyzer.acronyms.expansions(base)

    def _coverage(self, stems: set[str], doc_ids: Sequence[str]) -> float:
        """IDF-weighted share of `stems` found in any of the documents."""
        total = sum(self._idf(s) for s in stems)
        if not total or not doc_ids:
            return 0.0
        found = set().union(*(self.index.tokens[d] for d in doc_ids)) & stems
        return sum(self._idf(s) for s in found) / total

    def _idf(self, stem: str) -> float:
        # Words no innovation uses weigh most: they are what the corpus cannot answer.
        n = len(self.index.tokens)
        df = self._df.get(stem, 0)
        return float(np.log1p((n - df + 0.5) / (df + 0.5)))

    def signals(self, cands: Candidates, stems: Sequence[str]) -> QuerySignals:
        """No-match features of a query's candidates."""
        dense_sorted = np.sort(cands.dense)[::-1]
        top1 = float(dense_sorted[0]) if len(dense_sorted) else 0.0
        gap = top1 - float(dense_sorted[min(9, len(dense_sorted) - 1)]) if len(
            dense_sorted) else 0.0
        unique = set(stems)
        best_lexical = ([cands.ids[int(np.argmax(cands.lexical))]]
                        if len(cands.lexical) and cands.lexical.max() > 0 else [])
        nearest = [cands.ids[i] for i in np.argsort(-cands.dense, kind="stable")[:5]]
        return QuerySignals(cands.lang, top1, gap, self._coverage(unique, best_lexical),
                            self._coverage(unique, nearest))

    def recommend(self, text: str, *, filters: Filters | None = None, k: int = 10,
                  fusion: FusionParams | None = None) -> RecommendationSet:
        """Ranked innovations for a problem statement, or an honest no-match."""
        return self._recommend(text, self.query_vector(text) if text.strip() else None,
                               filters or Filters(), k, fusion or self.fusion)

    def warm(self, texts: Sequence[str]) -> None:
        """Encode the uncached texts among `texts` in one batch."""
        keys = [" ".join(t.split()) for t in texts]
        todo = [t for t in dict.fromkeys(keys) if t and t not in self._query_vectors]
        if todo:
            for key, vec in zip(todo, self.embedder.encode_queries(todo), strict=True):
                self._query_vectors.get_or(key, lambda v=vec: v)

    def recommend_many(self, texts: Sequence[str], *, filters: Filters | None = None,
                       k: int = 10) -> list[RecommendationSet]:
        """Recommendations for several problem statements, encoded in one batch."""
        self.warm(texts)
        return [self.recommend(t, filters=filters, k=k) for t in texts]

    def _recommend(self, text: str, vector: np.ndarray | None, filters: Filters, k: int,
                   fusion: FusionParams) -> RecommendationSet:
        if vector is None:
            return RecommendationSet(text, (), True, EMPTY_QUERY_REASON, None)
        if not len(self.corpus):
            return RecommendationSet(text, (), True, EMPTY_CORPUS_REASON, None)
        allowed = self._allowed(filters)
        if allowed is not None and not allowed:
            return RecommendationSet(text, (), True, EMPTY_FILTER_REASON, None)
        terms, stems = self.query_stems(text)
        if not terms:
            return RecommendationSet(text, (), True, NO_WORDS_REASON, None)
        cands = self.candidates_for(vector, stems, allowed, max(self.candidates, 3 * k),
                                    self.language(text))
        signals = self.signals(cands, stems)
        confidence, caution = None, False
        if self.calibration is not None:
            ok, confidence = self.calibration.answerable(signals)
            caution = self.calibration.cautious(signals, confidence)
            if not ok:
                reason = NO_MATCH_REASON.format(p=confidence,
                                                t=self.calibration.threshold(cands.lang))
                return RecommendationSet(text, (), True, reason, confidence)
        priors = self.priors(cands.ids)
        order, final = rank_candidates(cands, fusion, priors)
        order = order[:k]
        sectors = self.query_sectors(vector) | (set(filters.sectors) if filters else set())
        results = tuple(self._result(cands, n, final[n], priors[n], terms, sectors)
                        for n in order)
        return RecommendationSet(text, results, False, None, confidence, caution)

    def _result(self, cands: Candidates, n: int, score: float, prior: float,
                terms: list[Term], sectors: set[str]) -> Recommendation:
        iid = cands.ids[n]
        item = self.corpus.by_id[iid]
        return Recommendation(
            innovation=item, score=float(score),
            dense=ChannelScore(float(cands.dense[n]), int(cands.dense_ranks[n]) or None),
            lexical=ChannelScore(float(cands.lexical[n]), int(cands.lexical_ranks[n]) or None),
            prior=float(prior),
            explanation=explain(item, terms, set(self.index.tokens[iid]), sectors,
                                self.replications[iid]))

    def similar(self, innovation_id: str, *, k: int = 10,
                filters: Filters | None = None) -> tuple[Recommendation, ...]:
        """Innovations most like a given one, from its stored vector (no re-encoding)."""
        if innovation_id not in self.corpus.by_id:
            raise KeyError(f"unknown innovation id {innovation_id!r}")
        vector = self.index.dense.vector(self.index.int_ids[innovation_id])
        passing = self._allowed(filters or Filters())
        allowed = [i for i in (list(self.corpus.by_id) if passing is None else passing)
                   if i != innovation_id]
        if not allowed:
            return ()
        allowed_ints = np.array([self.index.int_ids[i] for i in allowed], dtype=np.int64)
        hits = self.index.dense.search(vector, k, allowed_ints)
        source_stems = self.index.tokens[innovation_id]
        terms = [Term(s, s) for s in dict.fromkeys(source_stems)]
        sectors = {self.corpus.by_id[innovation_id].sector}
        out = []
        for rank, (score, int_id) in enumerate(zip(hits.scores, hits.ids, strict=True), 1):
            iid = self._str_id[int(int_id)]
            item = self.corpus.by_id[iid]
            out.append(Recommendation(
                innovation=item, score=float(score), dense=ChannelScore(float(score), rank),
                lexical=ChannelScore(0.0, None), prior=self._priors[iid],
                explanation=explain(item, terms, set(self.index.tokens[iid]), sectors,
                                    self.replications[iid])))
        return tuple(out)
