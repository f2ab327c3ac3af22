"""The recommender: hybrid retrieval, prior, filters, no-match and explanations."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from corpus.collection import Corpus
from matcher.explain import Informative, explain, explain_similar
from matcher.features import (
    PairInputs,
    coverage,
    idf_weights,
    pair_features,
    sector_probabilities,
)
from matcher.filters import Filters
from matcher.gate import LanguageGate
from matcher.hybrid import FusionParams, apply_prior, hybrid, proven_prior
from matcher.index import ReplikaIndex
from matcher.relevance import RelevanceModel, level, tie_level
from matcher.results import ChannelScore, Recommendation, RecommendationSet
from matcher.termrows import TermRows
from matcher.text import Analyzer, Term
from models.base import Embedder

NO_MATCH_REASON = ("Tidak ada inovasi dalam korpus yang cukup cocok dengan masalah ini: "
                   "kecocokan terbaik {p:.1%}, di bawah ambang {t:.1%}. Coba uraikan "
                   "masalahnya dengan kata lain atau longgarkan filter.")
NO_MATCH_FILTERED_REASON = ("Tidak ada inovasi yang lolos filter dan cukup cocok dengan "
                            "masalah ini: kecocokan terbaik {p:.1%}, di bawah ambang {t:.1%}. "
                            "Coba longgarkan filter.")
EMPTY_FILTER_REASON = "Tidak ada inovasi yang lolos filter yang dipilih."
EMPTY_QUERY_REASON = "Uraian masalah kosong."
EMPTY_CORPUS_REASON = "Korpus inovasi masih kosong."
NO_WORDS_REASON = ("Uraian masalah tidak berisi kata yang dikenali. Tuliskan masalah daerah "
                   "Anda dalam satu kalimat, misalnya: \"antrean pembuatan KTP di kecamatan "
                   "sangat panjang\".")
OFF_DOMAIN_REASON = ("Uraian ini tampaknya bukan masalah pelayanan publik. Tuliskan masalah "
                     "yang dihadapi daerah Anda dalam satu kalimat, misalnya: \"warga desa "
                     "harus ke kota untuk mengurus akta kelahiran\".")
CAUTION_BELOW = 0.4  # top probability under which answered results carry a warning


@dataclass(frozen=True)
class Candidates:
    """Candidate rows of one query with both channels' scores and ranks."""

    ids: list[str]
    dense: np.ndarray
    lexical: np.ndarray
    dense_ranks: np.ndarray  # 0: not retrieved by the channel
    lexical_ranks: np.ndarray
    lang: str = "id"
    vectors: np.ndarray | None = None  # (n, dim) document vectors of the candidates
    depth: int = 100


def rank_candidates(cands: Candidates, fusion: FusionParams, priors: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """(order of candidate positions, final scores): fused channels plus the prior."""
    fused = hybrid(cands.dense, cands.lexical, fusion, cands.lang, cands.dense_ranks,
                   cands.lexical_ranks)
    final = apply_prior(fused, priors, fusion.prior_weight)
    return np.lexsort((np.array(cands.ids), -final)), final


def relevance_order(ids: Sequence[str], probs: np.ndarray, priors: np.ndarray) -> np.ndarray:
    """Candidate positions by calibrated probability (tied at relevance.tie_level), then
    the proven prior, then the exact probability, then id: the prior only breaks ties, since
    adding it did not help relevance on the training queries (docs/evaluation.md)."""
    return np.lexsort((np.array(ids), -probs, -priors, -tie_level(probs)))


class _DocFreq:
    """Document frequency of stems, read from the lexical index (a Mapping-like view whose
    membership is the corpus vocabulary)."""

    def __init__(self, lexical) -> None:
        self._lexical = lexical

    def get(self, stem: str, default: int = 0) -> int:
        """Documents containing `stem`."""
        return self._lexical.df(stem) or default

    def __contains__(self, stem: object) -> bool:
        return isinstance(stem, str) and self._lexical.knows(stem)


class _Vocabulary(_DocFreq):
    """The corpus vocabulary and the known acronyms."""

    def __init__(self, lexical, acronyms) -> None:
        super().__init__(lexical)
        self._acronyms = acronyms

    def __contains__(self, stem: object) -> bool:
        return super().__contains__(stem) or (isinstance(stem, str)
                                              and self._acronyms.knows(stem))


def top_rows(scores: np.ndarray, depth: int) -> np.ndarray:
    """Positions of the `depth` highest positive scores, best first (ties by position)."""
    positive = np.flatnonzero(scores > 0)
    if len(positive) > depth:
        cut = np.partition(scores[positive], len(positive) - depth)[len(positive) - depth]
        positive = positive[scores[positive] >= cut]
    order = np.lexsort((positive, -scores[positive]))
    return positive[order][:depth]


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
    """Answers problem statements and 'more like this' over one corpus and its index.

    With a relevance model every decision uses its calibrated probability: the ranking,
    no-match, the caution notice and the match level. Without one (a model Replika has no
    fitted relevance model for) results are ranked by fusion and never withheld; the
    answer says so (`calibrated` is False).
    """

    def __init__(self, corpus: Corpus, index: ReplikaIndex, embedder: Embedder,
                 analyzer: Analyzer, *, fusion: FusionParams | None = None,
                 relevance: RelevanceModel | None = None, gate: LanguageGate | None = None,
                 candidates: int = 100, cache_size: int = 1024,
                 recorded_replications: Mapping[str, int] | None = None) -> None:
        self.corpus = corpus
        self.index = index
        self.embedder = embedder
        self.analyzer = analyzer
        self.fusion = fusion or FusionParams()
        self.relevance = relevance
        self.gate = gate
        self.candidates = candidates
        self._query_vectors = LRU(cache_size)
        # A query's language is asked for by analysis, candidates and scoring alike, and
        # finding it may read informal words (matcher.colloquial): once per text.
        self._languages = LRU(cache_size)
        # Stems are stored as codes. The features read each candidate's distinct codes
        # (np.unique: a few µs), explanations the stems of the results shown; both are
        # kept for the documents queries keep meeting (about 2 MB and 1.5 MB).
        self._doc_codes = LRU(4096)
        self._doc_terms = LRU(512)
        self._str_id = index.str_ids
        self._recorded = recorded_replications or {}
        self._prior_memo: dict[str, float] = {}
        # Nothing here is proportional to the corpus (a write builds a new Recommender);
        # the memos above fill only as records are met.
        self._df = _DocFreq(index.lexical)
        self.informative = Informative(index.lexical.df, index.lexical.doc_count)
        codes = sorted(c for c in index.sector_sums if c != "lainnya")
        if codes:
            mat = np.stack([index.sector_sums[c][0] / index.sector_sums[c][1] for c in codes])
            mat = mat / np.maximum(np.linalg.norm(mat, axis=1, keepdims=True), 1e-12)
        else:
            mat = np.zeros((0, index.dense.dim))
        self._centroids = (codes, mat.astype(np.float32))
        total = sum((v for v, _ in index.sector_sums.values()), np.zeros(index.dense.dim))
        count = sum(c for _, c in index.sector_sums.values())
        self._centroid = (total / count if count else total).astype(np.float32)

    def replications_of(self, innovation_id: str) -> int:
        """Known replications: from sources plus those recorded at forums (MoU or
        implemented)."""
        facts = self.corpus.facts[innovation_id]
        return facts.known_replications + self._recorded.get(innovation_id, 0)

    def prior(self, innovation_id: str) -> float:
        """The "proven" prior of one innovation (award tier and replications)."""
        value = self._prior_memo.get(innovation_id)
        if value is None:
            facts = self.corpus.facts[innovation_id]
            value = proven_prior(facts.award_tier, self.replications_of(innovation_id))
            self._prior_memo[innovation_id] = value
        return value

    def _codes_of(self, innovation_id: str) -> np.ndarray:
        return self._doc_codes.get_or(innovation_id,
                                      lambda: self.index.tokens.distinct(innovation_id))

    def tokens_of(self, innovation_id: str) -> frozenset[str]:
        """The stems a document is indexed under."""
        return self._doc_terms.get_or(
            innovation_id, lambda: frozenset(self.index.tokens[innovation_id]))

    @property
    def calibrated(self) -> bool:
        """Whether a relevance model scores the results."""
        return self.relevance is not None

    def clear_query_cache(self) -> None:
        """Forget cached query vectors and languages (benchmarks measure the uncached
        path)."""
        self._query_vectors.clear()
        self._languages.clear()

    def dense_ranking(self, vector: np.ndarray, n: int) -> list[str]:
        """Innovation ids of the n nearest documents, nearest first."""
        return [self._str_id[int(i)] for i in self.index.dense.search(vector, n).ids]

    def query_vector(self, text: str) -> np.ndarray:
        """The (cached) embedding of a problem statement."""
        key = " ".join(text.split())
        return self._query_vectors.get_or(key, lambda: self.embedder.encode_queries([key])[0])

    def sector_distribution(self, vector: np.ndarray) -> dict[str, float]:
        """Probability of each sector for a query (a nearest-centroid classifier)."""
        codes, mat = self._centroids
        return dict(zip(codes, sector_probabilities(vector, mat).tolist(), strict=True))

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
        return [i for i, facts in self.corpus.facts.items() if filters.accepts(facts)]

    def language(self, text: str) -> str:
        """'id' or 'en' for a query."""
        return self._languages.get_or(text, lambda: self.analyzer.language(text, self._df))

    def accepts(self, text: str, terms: Sequence[Term]) -> bool:
        """Whether the text has words to search (see matcher.gate)."""
        return bool(terms) and (self.gate is None or self.gate.accepts(
            text, terms, _Vocabulary(self.index.lexical, self.analyzer.acronyms)))

    def off_domain(self, vector: np.ndarray) -> bool:
        """Whether the query is nearer the relevance model's out-of-domain examples (recipes,
        football scores, coding questions) than its problem statements (matcher.domain)."""
        return self.relevance is not None and self.relevance.off_domain(vector) > 0

    def candidates_for(self, vector: np.ndarray, stems: Sequence[str],
                       allowed: list[str] | None, depth: int, lang: str = "id",
                       include: Sequence[str] = ()) -> Candidates:
        """Union of both channels' top `depth` rows (and the `include` ids, wherever they
        rank), each scored by both channels."""
        allowed_ints = (None if allowed is None else
                        np.array([self.index.int_ids[i] for i in allowed], dtype=np.int64))
        hits = self.index.dense.search(vector, depth, allowed_ints)
        dense_ids = [self._str_id[int(i)] for i in hits.ids]
        mask = None
        if allowed_ints is not None:
            mask = np.zeros(self.index.lexical.size, dtype=bool)
            mask[allowed_ints[allowed_ints < len(mask)]] = True
        lex_all = self.index.lexical.scores(stems, mask)
        lex_ids = [self._str_id[int(r)] for r in top_rows(lex_all, depth)]
        ids = list(dict.fromkeys(dense_ids + lex_ids + list(include)))
        vectors = self.index.dense.rows(self.index.int_ids[i] for i in ids)
        dense_rank = {i: n + 1 for n, i in enumerate(dense_ids)}
        lex_rank = {i: n + 1 for n, i in enumerate(lex_ids)}
        return Candidates(
            ids=ids,
            dense=vectors @ vector if ids else np.zeros(0),
            lexical=np.array([lex_all[self.index.int_ids[i]] for i in ids], dtype=np.float64),
            dense_ranks=np.array([dense_rank.get(i, 0) for i in ids], dtype=np.int64),
            lexical_ranks=np.array([lex_rank.get(i, 0) for i in ids], dtype=np.int64),
            lang=lang, vectors=vectors, depth=depth,
        )

    def pair_inputs(self, vector: np.ndarray, stems: Sequence[str], cands: Candidates
                    ) -> PairInputs:
        """What the relevance features need about one query's candidates."""
        base = list(dict.fromkeys(stems))
        idf = idf_weights(base, self._df, self.index.lexical.doc_count)
        terms = TermRows.of([self._codes_of(i) for i in cands.ids])
        share, matched, missing = coverage(
            np.array([idf[s] for s in base]), np.array([s in self.informative for s in base]),
            terms.presence(self.index.tokens.codes(base)))
        by_id = self.corpus.facts
        facts = [by_id[i] for i in cands.ids]
        sectors = self.sector_distribution(vector)
        known = sum(s in self._df for s in base)
        return PairInputs(
            query_vector=vector, doc_vectors=cands.vectors,
            field_vectors=self.index.fields.rows([self.index.int_ids[i] for i in cands.ids]),
            lexical=cands.lexical, dense_ranks=cands.dense_ranks,
            lexical_ranks=cands.lexical_ranks, coverage=share, matched=matched,
            missing_idf=missing,
            body_words=np.array([f.body_words for f in facts], dtype=np.float64),
            has_problem=np.array([f.has_problem for f in facts]),
            has_solution=np.array([f.has_solution for f in facts]),
            sector_p=np.array([sectors.get(f.sector, 0.0) for f in facts]),
            doc_terms=terms, doc_sectors=[f.sector for f in facts],
            lang_en=cands.lang == "en", query_terms=len(base),
            query_known=known / len(base) if base else 0.0, centroid=self._centroid,
            depth=cands.depth)

    def probabilities(self, vector: np.ndarray, stems: Sequence[str], cands: Candidates
                      ) -> np.ndarray:
        """Calibrated relevance of each candidate (requires a relevance model)."""
        if self.relevance is None:
            raise RuntimeError("no relevance model loaded")
        return self.relevance.probabilities(pair_features(self.pair_inputs(vector, stems,
                                                                           cands)))

    def pair_probability(self, text: str, innovation_id: str) -> float:
        """Calibrated probability that one innovation answers `text`, however deep it ranks,
        scored among the candidates an unfiltered query sees (0.0 for text the gate refuses
        or the off-domain rule turns away)."""
        if innovation_id not in self.corpus.by_id:
            raise KeyError(innovation_id)
        terms, stems = self.query_stems(text)
        vector = self.query_vector(text)
        if not self.accepts(text, terms) or self.off_domain(vector):
            return 0.0
        cands = self.candidates_for(vector, stems, None, self.candidates, self.language(text),
                                    include=[innovation_id])
        probs = self.probabilities(vector, stems, cands)
        return float(probs[cands.ids.index(innovation_id)])

    def priors(self, ids: Sequence[str]) -> np.ndarray:
        """The proven prior of each id."""
        return np.array([self.prior(i) for i in ids], dtype=np.float64)

    def query_stems(self, text: str) -> tuple[list[Term], list[str]]:
        """(terms for explanations, stems for BM25: the query's own, the Indonesian of its
        English words, and the acronym expansions of both)."""
        english = self.language(text) == "en"
        # Informal Indonesian is read as standard words in Indonesian queries only: the
        # colloquial rules would take English words ("mining") for Indonesian verb forms.
        terms = self.analyzer.terms(text, None if english else self._df)
        terms += self.analyzer.translations(text, english=english, known=self._df)
        base = [t.stem for t in terms]
        return terms, base + self.analyzer.acronyms.expansions(base)

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
        calibrated = self.calibrated
        if vector is None:
            return RecommendationSet(text, (), True, EMPTY_QUERY_REASON, None,
                                     calibrated=calibrated)
        if not len(self.corpus):
            return RecommendationSet(text, (), True, EMPTY_CORPUS_REASON, None,
                                     calibrated=calibrated)
        allowed = self._allowed(filters)
        if allowed is not None and not allowed:
            return RecommendationSet(text, (), True, EMPTY_FILTER_REASON, None,
                                     calibrated=calibrated)
        terms, stems = self.query_stems(text)
        if not self.accepts(text, terms):
            return RecommendationSet(text, (), True, NO_WORDS_REASON, 0.0 if calibrated
                                     else None, calibrated=calibrated)
        if self.off_domain(vector):
            return RecommendationSet(text, (), True, OFF_DOMAIN_REASON, 0.0,
                                     calibrated=calibrated)
        cands = self.candidates_for(vector, stems, allowed, max(self.candidates, 3 * k),
                                    self.language(text))
        priors = self.priors(cands.ids)
        if not cands.ids:
            return RecommendationSet(text, (), True, EMPTY_FILTER_REASON, None,
                                     calibrated=calibrated)
        probs: np.ndarray | None = None
        if self.relevance is None:
            order, final = rank_candidates(cands, fusion, priors)
        else:
            probs = self.probabilities(vector, stems, cands)
            order = relevance_order(cands.ids, probs, priors)
            final = probs
            top = float(probs[order[0]])
            threshold = self.relevance.manifest.threshold
            if top < threshold:
                template = NO_MATCH_FILTERED_REASON if allowed is not None else NO_MATCH_REASON
                return RecommendationSet(text, (), True, template.format(p=top, t=threshold),
                                         top, calibrated=True, unmet_sector=next(
                                             iter(self.query_sectors(vector, top=1)), None))
            # Below the threshold a result is as likely as a no-match answer: never shown.
            order = order[probs[order] >= threshold]
        order = order[:k]
        sectors = self.query_sectors(vector) | (set(filters.sectors) if filters else set())
        results = tuple(self._result(cands, n, float(final[n]), float(priors[n]), terms,
                                     sectors, None if probs is None else float(probs[n]))
                        for n in order)
        confidence = None if probs is None else results[0].probability
        caution = confidence is not None and confidence < CAUTION_BELOW
        return RecommendationSet(text, results, False, None, confidence, caution,
                                 calibrated=calibrated)

    def _result(self, cands: Candidates, n: int, score: float, prior: float,
                terms: list[Term], sectors: set[str], probability: float | None
                ) -> Recommendation:
        iid = cands.ids[n]
        item = self.corpus.by_id[iid]
        match = None if probability is None else level(probability)
        return Recommendation(
            innovation=item, score=score,
            dense=ChannelScore(float(cands.dense[n]), int(cands.dense_ranks[n]) or None),
            lexical=ChannelScore(float(cands.lexical[n]), int(cands.lexical_ranks[n]) or None),
            prior=prior, probability=probability, level=match,
            explanation=explain(item, terms, self.tokens_of(iid), self.informative,
                                sectors, self.replications_of(iid)))

    def similar(self, innovation_id: str, *, k: int = 10,
                filters: Filters | None = None) -> tuple[Recommendation, ...]:
        """Innovations most like a given one, from its stored vector (no re-encoding)."""
        if innovation_id not in self.corpus:
            raise KeyError(f"unknown innovation id {innovation_id!r}")
        vector = self.index.dense.vector(self.index.int_ids[innovation_id])
        passing = self._allowed(filters or Filters())
        if passing is None:  # every other innovation: search one more and drop the source
            hits = self.index.dense.search(vector, k + 1)
            keep = hits.ids != self.index.int_ids[innovation_id]
            hits = type(hits)(hits.scores[keep][:k], hits.ids[keep][:k])
        else:
            allowed = [i for i in passing if i != innovation_id]
            if not allowed:
                return ()
            hits = self.index.dense.search(
                vector, k, np.array([self.index.int_ids[i] for i in allowed], dtype=np.int64))
        source = self.corpus.by_id[innovation_id]
        source_terms = self.analyzer.terms(source.document_text())
        out = []
        for rank, (score, int_id) in enumerate(zip(hits.scores, hits.ids, strict=True), 1):
            iid = self._str_id[int(int_id)]
            item = self.corpus.by_id[iid]
            out.append(Recommendation(
                innovation=item, score=float(score), dense=ChannelScore(float(score), rank),
                lexical=ChannelScore(0.0, None), prior=self.prior(iid), probability=None,
                level=None,
                explanation=explain_similar(item, source, source_terms, self.tokens_of(iid),
                                            self.informative, self.replications_of(iid))))
        return tuple(out)
