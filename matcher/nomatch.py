"""Calibrated "no good match": a logistic model over query-level retrieval features."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

import numpy as np

FEATURES = ("dense_top1", "dense_margin", "lexical_coverage")


@dataclass(frozen=True)
class QuerySignals:
    """Features of a query's best candidates that tell a real match from noise."""

    dense_top1: float  # best cosine similarity
    dense_margin: float  # best cosine minus the mean of the top ten
    lexical_coverage: float  # share of query stems found in the best lexical document

    def vector(self) -> np.ndarray:
        """Features in FEATURES order."""
        return np.array([getattr(self, f) for f in FEATURES], dtype=np.float64)


@dataclass(frozen=True)
class Calibration:
    """Standardised logistic model: P(answerable) = sigmoid(w . (x - mean) / scale + b)."""

    model: str
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float
    note: str = ""

    def probability(self, signals: QuerySignals) -> float:
        """Estimated probability that some innovation answers the query."""
        x = (signals.vector() - np.array(self.mean)) / np.array(self.scale)
        z = float(np.dot(self.weights, x) + self.bias)
        return float(1 / (1 + np.exp(-z)))

    def answerable(self, signals: QuerySignals) -> tuple[bool, float]:
        """(decision, probability)."""
        p = self.probability(signals)
        return p >= self.threshold, p


def fit_calibration(model: str, signals: list[QuerySignals], answerable: list[bool],
                    target_recall: float = 0.99) -> Calibration:
    """Fit the logistic model; the threshold keeps `target_recall` of answerable queries."""
    from sklearn.linear_model import LogisticRegression

    x = np.stack([s.vector() for s in signals])
    y = np.array(answerable, dtype=int)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    clf = LogisticRegression(C=1.0, class_weight="balanced")
    clf.fit((x - mean) / scale, y)
    probs = clf.predict_proba((x - mean) / scale)[:, 1]
    positives = np.sort(probs[y == 1])
    cut = int(np.floor((1 - target_recall) * len(positives)))
    threshold = float(positives[cut]) if len(positives) else 0.5
    return Calibration(model=model, mean=tuple(mean), scale=tuple(scale),
                       weights=tuple(clf.coef_[0]), bias=float(clf.intercept_[0]),
                       threshold=threshold,
                       note=f"fit on {len(y)} queries ({int(y.sum())} answerable), "
                            f"threshold keeps {target_recall:.0%} of answerable ones")


def default_calibration_path() -> Path:
    """The calibration file shipped with Replika."""
    return Path(str(resources.files("matcher").joinpath("calibration.json")))


def load_calibrations(path: Path | None = None) -> dict[str, Calibration]:
    """All calibrations in a file, by model name (empty if the file does not exist)."""
    path = path or default_calibration_path()
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {name: Calibration(**{k: tuple(v) if isinstance(v, list) else v
                                 for k, v in entry.items()})
            for name, entry in data.items()}


def save_calibration(calibration: Calibration, path: Path | None = None) -> None:
    """Add or replace one model's calibration in the file."""
    path = path or default_calibration_path()
    existing = {name: asdict(c) for name, c in load_calibrations(path).items()}
    existing[calibration.model] = asdict(calibration)
    path.write_text(json.dumps(existing, indent=2, sort_keys=True) + "\n", encoding="utf-8")
