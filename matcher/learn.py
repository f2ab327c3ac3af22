"""Fitting the relevance model: candidate features, grouped CV, Platt map, conformal cut."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import numpy as np

from matcher.domain import anchor_groups
from matcher.engine import Recommender, relevance_order
from matcher.evaluate import EvalQuery, recall_at, reciprocal_rank
from matcher.features import FEATURE_VERSION, FEATURES, pair_features
from matcher.index import library_versions
from matcher.lambdarank import fit_lambdarank
from matcher.relevance import (
    LEARNERS,
    RelevanceManifest,
    RelevanceModel,
    learner_scores,
    sigmoid,
    tree_scores,
)
from matcher.text import ANALYZER_VERSION

FOLDS = 5
SEED = 7
# Unanswerable queries together weigh this many times the answerable ones in fitting: all
# their candidates are negatives, and their best candidate is what the no-match decision
# must push down. Grouped CV with 92 unanswerable training queries: weight 10 each (2.3x
# in all) caught 60% instead of 49% at 5% withheld, MRR unchanged; with 292, weights of
# 3, 5 and 10 caught 62% alike and 3 (2.2x) kept the best MRR.
UNANSWERABLE_BALANCE = 2.3


@dataclass(frozen=True, eq=False)
class TrainingSet:
    """Feature rows of every query's candidates with their grades."""

    x: np.ndarray  # (rows, features)
    grade: np.ndarray  # (rows,) 0, 1 or 2
    group: np.ndarray  # (rows,) position of the row's query in `queries`
    ids: tuple[str, ...]  # candidate innovation id of each row
    queries: tuple[EvalQuery, ...]

    @property
    def y(self) -> np.ndarray:
        """Binary target: the candidate answers the query at least partly."""
        return (self.grade >= 1).astype(int)

    @property
    def weight(self) -> np.ndarray:
        """Sample weight of each row (see UNANSWERABLE_BALANCE)."""
        answerable = np.array([q.answerable for q in self.queries], dtype=bool)
        if not len(self.group):
            return np.zeros(0)
        unanswerable = max(1, int((~answerable).sum()))
        heavy = max(1.0, UNANSWERABLE_BALANCE * int(answerable.sum()) / unanswerable)
        return np.where(answerable[self.group], 1.0, heavy)


@dataclass(frozen=True, eq=False)
class Anchors:
    """Vectors of the training queries: problem statements and out-of-domain inputs."""

    inside: np.ndarray
    outside: np.ndarray


def make_anchors(queries: Sequence[EvalQuery], vectors: np.ndarray) -> Anchors:
    """Group the training queries' vectors (see matcher.domain)."""
    return Anchors(*anchor_groups([q.style for q in queries], vectors))


def collect(rec: Recommender, queries: Sequence[EvalQuery],
            vectors: np.ndarray | None = None) -> TrainingSet:
    """Candidates and features of every query, as the engine would see them unfiltered."""
    if vectors is None:
        vectors = rec.embedder.encode_queries([q.text for q in queries])
    xs, grades, groups, ids = [], [], [], []
    for n, (query, vector) in enumerate(zip(queries, vectors, strict=True)):
        terms, stems = rec.query_stems(query.text)
        if not rec.accepts(query.text, terms):
            continue  # the gate answers these before any model is asked
        cands = rec.candidates_for(vector, stems, None, rec.candidates,
                                   rec.language(query.text))
        if not cands.ids:
            continue
        xs.append(pair_features(rec.pair_inputs(vector, stems, cands)))
        grade = query.grade
        grades.append(np.array([grade.get(i, 0) for i in cands.ids]))
        groups.append(np.full(len(cands.ids), n))
        ids += cands.ids
    if not xs:
        return TrainingSet(np.zeros((0, len(FEATURES))), np.zeros(0, int), np.zeros(0, int),
                           (), tuple(queries))
    return TrainingSet(np.vstack(xs), np.concatenate(grades), np.concatenate(groups),
                       tuple(ids), tuple(queries))


def _standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    return mean, np.where(scale > 1e-9, scale, 1.0)


@dataclass(frozen=True, eq=False)
class Fitted:
    """A learner's parameters over standardised features (see relevance.learner_scores)."""

    learner: str
    weights: np.ndarray | None = None
    bias: float = 0.0
    trees: dict[str, np.ndarray] | None = None
    blend: np.ndarray | None = None

    def raw(self, z: np.ndarray) -> np.ndarray:
        """Raw score of each standardised row."""
        return learner_scores(self.learner, z, self.weights, self.bias, self.trees,
                              self.blend)


def _fit_logistic(z: np.ndarray, y: np.ndarray, weight: np.ndarray) -> Fitted:
    from sklearn.linear_model import LogisticRegression

    est = LogisticRegression(C=1.0, max_iter=3000).fit(z, y, sample_weight=weight)
    return Fitted("logistic", est.coef_[0].astype(np.float64), float(est.intercept_[0]))


def _fit(learner: str, z: np.ndarray, data: TrainingSet, rows: np.ndarray) -> Fitted:
    """Fit the named learner on standardised features `z` of `data`'s `rows`."""
    y, weight = data.y[rows], data.weight[rows]
    if learner == "logistic":
        return _fit_logistic(z, y, weight)
    if learner == "trees":
        from sklearn.ensemble import HistGradientBoostingClassifier

        est = HistGradientBoostingClassifier(
            max_iter=150, learning_rate=0.05, max_leaf_nodes=15, max_depth=5,
            min_samples_leaf=40, l2_regularization=1.0, random_state=SEED).fit(
                z, y, sample_weight=weight)
        return Fitted("trees", trees=export_trees(est))
    if learner == "blend":
        linear = _fit_logistic(z, y, weight)
        trees = fit_lambdarank(z, data.grade[rows], data.group[rows], SEED)
        a, b = linear.raw(z), tree_scores(trees, z)
        spread = np.array([a.mean(), max(a.std(), 1e-9), b.mean(), max(b.std(), 1e-9)])
        return Fitted("blend", linear.weights, linear.bias, trees, spread)
    raise ValueError(f"unknown learner {learner!r}; known: {', '.join(LEARNERS)}")


def export_trees(estimator) -> dict[str, np.ndarray]:
    """The fitted gradient-boosted trees as flat node arrays (see relevance.tree_scores)."""
    predictors = [p[0] for p in estimator._predictors]  # binary: one tree per iteration
    offsets = np.cumsum([0] + [len(p.nodes) for p in predictors[:-1]])
    nodes = [(p.nodes, off) for p, off in zip(predictors, offsets, strict=True)]
    cat = {name: np.concatenate([n[name] for n, _ in nodes])
           for name in ("feature_idx", "num_threshold", "is_leaf", "value", "depth")}
    left = np.concatenate([np.where(n["is_leaf"], 0, n["left"] + off) for n, off in nodes])
    right = np.concatenate([np.where(n["is_leaf"], 0, n["right"] + off) for n, off in nodes])
    return {"feature": cat["feature_idx"].astype(np.int64),
            "threshold": cat["num_threshold"].astype(np.float64),
            "left": left.astype(np.int64), "right": right.astype(np.int64),
            "leaf": cat["is_leaf"].astype(bool), "value": cat["value"].astype(np.float64),
            "roots": offsets.astype(np.int64),
            "depth": np.array([int(cat["depth"].max())]),
            "baseline": np.array([float(np.ravel(estimator._baseline_prediction)[0])])}


def out_of_fold(learner: str, data: TrainingSet) -> np.ndarray:
    """Raw scores of every row from a model that never saw the row's query."""
    from sklearn.model_selection import GroupKFold

    raw = np.zeros(len(data.y))
    for train, test in GroupKFold(n_splits=FOLDS).split(data.x, data.y, data.group):
        mean, scale = _standardise(data.x[train])
        fitted = _fit(learner, (data.x[train] - mean) / scale, data, train)
        raw[test] = fitted.raw((data.x[test] - mean) / scale)
    return raw


def ranking_quality(data: TrainingSet, scores: np.ndarray,
                    priors: np.ndarray | None = None) -> dict[str, float]:
    """MRR and Recall@10 over answerable queries when candidates are ranked by `scores`;
    given `priors`, in the engine's order (engine.relevance_order: the prior breaks ties)."""
    mrr, r10 = [], []
    for n, query in enumerate(data.queries):
        if not query.answerable:
            continue
        rows = np.flatnonzero(data.group == n)
        ids = [data.ids[i] for i in rows]
        order = rows[np.lexsort((np.array(ids), -scores[rows])) if priors is None
                     else relevance_order(ids, scores[rows], priors[rows])]
        ranked = [data.ids[i] for i in order]
        mrr.append(reciprocal_rank(ranked, query.relevant))
        r10.append(recall_at(ranked, query.relevant, 10))
    return {"mrr": float(np.mean(mrr)) if mrr else 0.0,
            "recall10": float(np.mean(r10)) if r10 else 0.0}


def platt(raw: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(a, b) of P = sigmoid(a * raw + b), fitted by maximum likelihood."""
    from sklearn.linear_model import LogisticRegression

    fit = LogisticRegression(C=1e6, max_iter=1000).fit(raw[:, None], y)
    return float(fit.coef_[0, 0]), float(fit.intercept_[0])


def best_per_query(data: TrainingSet, scores: np.ndarray) -> np.ndarray:
    """Each query's best score among its rows (0 for a query with no candidates)."""
    out = np.zeros(len(data.queries))
    for n in range(len(data.queries)):
        rows = data.group == n
        if rows.any():
            out[n] = scores[rows].max()
    return out


def caught_at(data: TrainingSet, prob: np.ndarray, withheld: float) -> float:
    """Share of unanswerable queries below the cut that withholds `withheld` of the
    answerable ones (how well the best probability separates the two)."""
    tops = best_per_query(data, prob)
    answerable = np.array([q.answerable for q in data.queries], dtype=bool)
    if not answerable.any() or answerable.all():
        return 0.0
    cut = np.quantile(tops[answerable], withheld)
    return float((tops[~answerable] < cut).mean())


def out_of_fold_by_learner(data: TrainingSet, learners: Sequence[str] = LEARNERS
                           ) -> dict[str, np.ndarray]:
    """Out-of-fold raw scores of each named learner, computed once for all later uses."""
    return {learner: out_of_fold(learner, data) for learner in learners}


def _lightgbm_version() -> str | None:
    """LightGBM's version, or None when it is not installed (it fits the blend's trees)."""
    try:
        import lightgbm
    except ImportError:
        return None
    return lightgbm.__version__


def available_learners() -> tuple[str, ...]:
    """The learners this installation can fit ('blend' needs LightGBM)."""
    if _lightgbm_version() is None:
        return tuple(n for n in LEARNERS if n != "blend")
    return LEARNERS


def compare_learners(data: TrainingSet, raw_by_learner: dict[str, np.ndarray]
                     ) -> dict[str, dict[str, float]]:
    """Grouped-CV ranking quality, log loss and no-match separation of each learner, from
    its out-of-fold scores."""
    from sklearn.metrics import log_loss

    out = {}
    for learner, raw in raw_by_learner.items():
        a, b = platt(raw, data.y)
        prob = sigmoid(a * raw + b)
        out[learner] = ranking_quality(data, raw) | {
            "log_loss": float(log_loss(data.y, np.clip(prob, 1e-6, 1 - 1e-6))),
            "caught_at_5": caught_at(data, prob, 0.05)}
    return out


def conformal_threshold(top_probabilities: Sequence[float], alpha: float) -> float:
    """Split-conformal cut: a new answerable query's top probability falls below it with
    probability at most alpha, if it is exchangeable with the given (answerable) ones."""
    s = np.sort(np.asarray(top_probabilities, dtype=np.float64))
    k = int(np.floor(alpha * (len(s) + 1)))
    return float(s[k - 1]) if k >= 1 else 0.0


def fingerprint(texts: Sequence[str]) -> str:
    """A short hash of training inputs."""
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()[:16]


def fit_relevance(rec: Recommender, train: TrainingSet, calibration: TrainingSet, *,
                  learner: str, alpha: float, training_hash: str, note: str = "",
                  anchors: Anchors | None = None,
                  calibration_vectors: np.ndarray | None = None,
                  raw_oof: np.ndarray | None = None) -> RelevanceModel:
    """Fit `learner` on `train`, its Platt map on out-of-fold scores, and the no-match
    threshold on the answerable queries of `calibration` (whose query vectors, given, let
    the off-domain rule of `anchors` count among the withheld). `raw_oof`: the learner's
    out-of-fold scores on `train`, when already computed."""
    a, b = platt(out_of_fold(learner, train) if raw_oof is None else raw_oof, train.y)
    mean, scale = _standardise(train.x)
    fitted = _fit(learner, (train.x - mean) / scale, train, np.arange(len(train.y)))
    provisional = RelevanceManifest(
        model=rec.embedder.name, learner=learner, features=FEATURES,
        feature_version=FEATURE_VERSION, analyzer=ANALYZER_VERSION, threshold=0.0,
        alpha=alpha, calibration_queries=0, training_hash=training_hash,
        corpus_hash=rec.corpus.content_hash, versions=library_versions() | _sklearn(),
        created=datetime.now(UTC).isoformat(timespec="seconds"), note=note)
    inside = None if anchors is None else anchors.inside
    outside = None if anchors is None else anchors.outside
    model = RelevanceModel(provisional, mean, scale, np.array([a, b]), fitted.weights,
                           fitted.bias, fitted.trees, fitted.blend, inside, outside)
    tops = best_per_query(calibration, model.probabilities(calibration.x))
    if calibration_vectors is not None:  # the off-domain rule withholds these before ranking
        tops[[model.off_domain(v) > 0 for v in calibration_vectors]] = 0.0
    answerable = [t for t, q in zip(tops, calibration.queries, strict=True) if q.answerable]
    manifest = replace(provisional, threshold=conformal_threshold(answerable, alpha),
                       calibration_queries=len(answerable))
    return replace(model, manifest=manifest)


def _sklearn() -> dict[str, str]:
    import sklearn

    versions = {"scikit-learn": sklearn.__version__}
    if (lightgbm := _lightgbm_version()) is not None:
        versions["lightgbm"] = lightgbm
    return versions
