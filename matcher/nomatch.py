"""Calibrated "no good match": per-language logistic models over query-level signals."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

import numpy as np

# Which signals each query language is judged on. English queries share almost no words with
# the Indonesian corpus, so only the dense channel speaks for them.
FEATURES: dict[str, tuple[str, ...]] = {
    "id": ("dense_top1", "lexical_coverage", "dense_coverage"),
    "en": ("dense_top1", "dense_gap"),
}


@dataclass(frozen=True)
class QuerySignals:
    """Features of a query's best candidates that tell a real match from noise."""

    lang: str
    dense_top1: float  # best cosine similarity
    dense_gap: float  # best cosine minus the tenth best
    lexical_coverage: float  # IDF-weighted share of query words in the best BM25 document
    dense_coverage: float  # IDF-weighted share of query words in the five nearest documents

    def vector(self, names: Sequence[str]) -> np.ndarray:
        """The named features as an array."""
        return np.array([getattr(self, f) for f in names], dtype=np.float64)


@dataclass(frozen=True)
class LanguageModel:
    """Standardised logistic model: P(answerable) = sigmoid(w . (x - mean) / scale + b)."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float  # below: no match, results withheld
    caution: float = 0.0  # below: results shown with a low-confidence warning

    def probability(self, signals: QuerySignals) -> float:
        """Estimated probability that some innovation answers the query."""
        x = (signals.vector(self.features) - np.array(self.mean)) / np.array(self.scale)
        return float(1 / (1 + np.exp(-(float(np.dot(self.weights, x)) + self.bias))))


@dataclass(frozen=True)
class Calibration:
    """One model's no-match decision, per query language."""

    model: str
    languages: dict[str, LanguageModel]
    note: str = ""

    def answerable(self, signals: QuerySignals) -> tuple[bool, float]:
        """(decision, probability); a language without a model is always answered."""
        lm = self.languages.get(signals.lang)
        if lm is None:
            return True, 1.0
        p = lm.probability(signals)
        return p >= lm.threshold, p

    def cautious(self, signals: QuerySignals, probability: float) -> bool:
        """Whether an answered query is weak enough to warn about."""
        lm = self.languages.get(signals.lang)
        return lm is not None and probability < lm.caution

    def threshold(self, lang: str) -> float:
        """The probability threshold used for a language."""
        lm = self.languages.get(lang)
        return lm.threshold if lm else 0.0


def _quantile_threshold(probs: np.ndarray, keep: float) -> float:
    """The probability above which `keep` of the given (answerable) probabilities lie."""
    ordered = np.sort(probs)
    return float(ordered[int(np.floor((1 - keep) * len(ordered)))]) if len(ordered) else 0.5


def _fit_language(features: tuple[str, ...], signals: list[QuerySignals], answerable: list[bool],
                  target_recall: float, caution_recall: float) -> LanguageModel:
    from sklearn.linear_model import LogisticRegression

    x = np.stack([s.vector(features) for s in signals])
    y = np.array(answerable, dtype=int)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / scale
    clf = LogisticRegression(C=0.5, class_weight="balanced").fit(z, y)
    # Every signal should only raise confidence; a negative weight is noise from the small
    # labelled set, so it is dropped and the model refitted without it.
    weights = np.clip(clf.coef_[0], 0, None)
    if (weights != clf.coef_[0]).any() and weights.any():
        keep = weights > 0
        refit = LogisticRegression(C=0.5, class_weight="balanced").fit(z[:, keep], y)
        weights = np.zeros(len(features))
        weights[keep] = refit.coef_[0].clip(0)
        bias = float(refit.intercept_[0])
    else:
        bias = float(clf.intercept_[0])
    positives = (1 / (1 + np.exp(-(z @ weights + bias))))[y == 1]
    return LanguageModel(features, tuple(mean), tuple(scale), tuple(weights), bias,
                         _quantile_threshold(positives, target_recall),
                         _quantile_threshold(positives, caution_recall))


def fit_calibration(model: str, signals: list[QuerySignals], answerable: list[bool],
                    target_recall: float = 0.99, caution_recall: float = 0.90) -> Calibration:
    """Fit one model per language.

    The no-match threshold keeps `target_recall` of the answerable queries (hiding a good
    answer costs a region more than showing a weak one); below the caution threshold, which
    keeps `caution_recall`, results are shown with a warning.
    """
    languages = {}
    counts = []
    for lang, features in FEATURES.items():
        rows = [(s, a) for s, a in zip(signals, answerable, strict=True) if s.lang == lang]
        if len({a for _, a in rows}) < 2:
            continue  # needs both answerable and unanswerable examples
        languages[lang] = _fit_language(features, [s for s, _ in rows], [a for _, a in rows],
                                        target_recall, caution_recall)
        counts.append(f"{lang}: {len(rows)} queries, {sum(a for _, a in rows)} answerable")
    return Calibration(model, languages,
                       note=f"fit on {'; '.join(counts)}; the no-match threshold keeps "
                            f"{target_recall:.0%} and the caution threshold "
                            f"{caution_recall:.0%} of answerable queries")


def default_calibration_path() -> Path:
    """The calibration file shipped with Replika."""
    return Path(str(resources.files("matcher").joinpath("calibration.json")))


def _from_dict(entry: dict) -> Calibration:
    languages = {lang: LanguageModel(**{k: tuple(v) if isinstance(v, list) else v
                                        for k, v in lm.items()})
                 for lang, lm in entry["languages"].items()}
    return Calibration(entry["model"], languages, entry.get("note", ""))


def load_calibrations(path: Path | None = None) -> dict[str, Calibration]:
    """All calibrations in a file, by model name (empty if the file does not exist)."""
    path = path or default_calibration_path()
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {name: _from_dict(entry) for name, entry in data.items()}


def save_calibration(calibration: Calibration, path: Path | None = None) -> None:
    """Add or replace one model's calibration in the file."""
    path = path or default_calibration_path()
    existing = {name: asdict(c) for name, c in load_calibrations(path).items()}
    existing[calibration.model] = asdict(calibration)
    path.write_text(json.dumps(existing, indent=2, sort_keys=True) + "\n", encoding="utf-8")
