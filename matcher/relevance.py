"""The calibrated relevance model: P(innovation answers problem) for candidate pairs.

A fitted model is a folder of plain files: `manifest.json` (what it was fitted on and for)
and `params.npz` (arrays only, loaded without pickles). Scoring is a pure function of the
feature matrix: standardise, the learner's raw score, then the Platt calibration map.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from corpus.files import write_atomic
from matcher.domain import off_domain
from matcher.features import FEATURE_VERSION, FEATURES
from matcher.quickscorer import PackedTrees, pack_trees, packed_scores
from matcher.text import ANALYZER_VERSION

FORMAT = 1
# In order of simplicity (a tie on CV MRR goes to the earlier). "blend": the logistic
# model's and LambdaRank trees' scores, each standardised on its training rows, averaged.
LEARNERS = ("logistic", "trees", "blend")

# Match levels shown to users, by calibrated probability of the result.
LEVELS: tuple[tuple[float, str], ...] = ((0.7, "sangat cocok"), (0.4, "cocok"), (0.0, "lemah"))


class RelevanceError(RuntimeError):
    """A relevance model is missing, damaged or does not fit the index it is used with."""


@dataclass(frozen=True)
class RelevanceManifest:
    """What a relevance model was fitted on, for which features, and its decision rule."""

    model: str  # embedder name the features came from
    learner: str
    features: tuple[str, ...]
    feature_version: int
    analyzer: int
    threshold: float  # top probability below which the answer is "no match"
    alpha: float  # the most answerable queries the threshold may withhold (split conformal)
    calibration_queries: int  # answerable queries the threshold was chosen on
    training_hash: str
    corpus_hash: str
    versions: dict[str, str] = field(default_factory=dict)
    created: str = ""
    format: int = FORMAT
    note: str = ""


def level(probability: float) -> str:
    """The match level in words for a calibrated probability."""
    return next(word for floor, word in LEVELS if probability >= floor)


def shown_percent(probability: float) -> str:
    """The probability as whole percent, rounded down: 0.397 is "39%", never a "40%"
    beside the level "lemah" whose upper edge 40% is."""
    return f"{math.floor(probability * 100 + 1e-9)}%"


@dataclass(frozen=True, eq=False)
class RelevanceModel:
    """Standardisation, learner and Platt calibration; maps feature rows to probabilities."""

    manifest: RelevanceManifest
    mean: np.ndarray
    scale: np.ndarray
    platt: np.ndarray  # (a, b): P = sigmoid(a * raw + b), fitted on out-of-fold scores
    weights: np.ndarray | None = None  # logistic: weights over standardised features
    bias: float = 0.0
    trees: Mapping[str, np.ndarray] | None = None  # trees: flattened node arrays
    blend: np.ndarray | None = None  # blend: (mean, std) of the logistic, then trees scores
    inside: np.ndarray | None = None  # training problem statements' vectors (matcher.domain)
    outside: np.ndarray | None = None  # training out-of-domain inputs' vectors
    # The trees as QuickScorer tables, derived once from `trees` (over twice as fast to score).
    packed: PackedTrees | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.trees is not None:
            object.__setattr__(self, "packed", pack_trees(self.trees))

    def off_domain(self, vector: np.ndarray) -> float:
        """How much nearer the query is to out-of-domain examples than to problems."""
        if self.inside is None or self.outside is None:
            return 0.0
        return off_domain(vector, self.inside, self.outside)

    def raw(self, x: np.ndarray) -> np.ndarray:
        """The learner's uncalibrated score of each row."""
        z = (np.asarray(x, dtype=np.float64) - self.mean) / self.scale
        return learner_scores(self.manifest.learner, z, self.weights, self.bias,
                              self.packed, self.blend)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """Calibrated probability that each candidate answers the query."""
        if len(x) == 0:
            return np.zeros(0)
        a, b = self.platt
        return sigmoid(a * self.raw(x) + b)

    def check(self, model: str) -> None:
        """Raise RelevanceError unless usable with features of embedder `model`."""
        m = self.manifest
        if m.format != FORMAT:
            raise RelevanceError(f"relevance model format {m.format}, this Replika reads "
                                 f"{FORMAT}; run 'replika relevance fit'")
        if m.model != model:
            raise RelevanceError(f"relevance model was fitted on features of {m.model!r}, "
                                 f"the index uses {model!r}; run 'replika relevance fit'")
        if m.feature_version != FEATURE_VERSION or tuple(m.features) != FEATURES:
            raise RelevanceError(
                f"relevance model has feature version {m.feature_version} "
                f"({len(m.features)} features), this Replika computes version "
                f"{FEATURE_VERSION} ({len(FEATURES)}); run 'replika relevance fit'")
        if m.analyzer != ANALYZER_VERSION:
            raise RelevanceError(f"relevance model was fitted with analyzer {m.analyzer}, "
                                 f"this Replika uses {ANALYZER_VERSION}; run "
                                 "'replika relevance fit'")


def tie_level(probabilities: np.ndarray) -> np.ndarray:
    """The level at which probabilities count as tied: their log-odds to two decimals (a
    probability step of 0.0025 at 0.5, far finer near 0 and 1, where three decimals of
    probability would tie 0.9995 with 0.99999)."""
    p = np.clip(np.asarray(probabilities, dtype=np.float64), 1e-12, 1 - 1e-12)
    return np.round(np.log(p / (1 - p)), 2)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function (the Platt map's shape)."""
    return 1.0 / (1.0 + np.exp(-x))


def learner_scores(learner: str, z: np.ndarray, weights: np.ndarray | None, bias: float,
                   trees: Mapping[str, np.ndarray] | PackedTrees | None,
                   blend: np.ndarray | None) -> np.ndarray:
    """Raw score of standardised rows `z` under a learner's fitted parameters (trees as
    node arrays or packed; both give the same sums)."""
    if learner == "logistic":
        return z @ weights + bias
    if learner == "trees":
        return _ensemble(trees, z)
    if learner == "blend":
        m1, s1, m2, s2 = blend
        return 0.5 * ((z @ weights + bias) - m1) / s1 + 0.5 * (_ensemble(trees, z) - m2) / s2
    raise ValueError(f"unknown learner {learner!r}; known: {', '.join(LEARNERS)}")


def _ensemble(trees: Mapping[str, np.ndarray] | PackedTrees | None, z: np.ndarray
              ) -> np.ndarray:
    if isinstance(trees, PackedTrees):
        return packed_scores(trees, z)
    if trees is None:
        raise ValueError("a tree learner needs its trees")
    return tree_scores(trees, z)


def tree_scores(trees: Mapping[str, np.ndarray], z: np.ndarray) -> np.ndarray:
    """Sum of leaf values of every tree for each row (all trees walked at once)."""
    leaf = trees["leaf"]
    here = np.arange(len(leaf), dtype=np.int32)
    # A leaf is its own child on both sides, so every row simply takes `depth` steps; the
    # right children come first, the left ones `len(leaf)` further on (32-bit: less to move).
    child = np.concatenate([np.where(leaf, here, trees["right"]),
                            np.where(leaf, here, trees["left"])]).astype(np.int32)
    feature = trees["feature"].astype(np.int32)
    threshold = trees["threshold"]
    z = np.ascontiguousarray(z, dtype=np.float64)
    width = z.shape[1] if z.ndim == 2 else 0
    node = np.broadcast_to(trees["roots"].astype(np.int32),
                           (len(z), len(trees["roots"]))).copy()
    index_type = np.int32 if len(z) * max(width, 1) < 2**31 else np.int64
    offset = (np.arange(len(z), dtype=index_type) * width)[:, None]
    flat = z.ravel()
    for _ in range(int(trees["depth"][0])):
        go_left = flat[offset + feature[node]] <= threshold[node]
        node = child[node + len(leaf) * go_left]
    return trees["baseline"][0] + trees["value"][node].sum(axis=1)


def default_relevance_dir(model_slug: str) -> Path:
    """Where the relevance model shipped with Replika for one embedder lives."""
    return Path(str(resources.files("matcher").joinpath(f"relevance/{model_slug}")))


def save_relevance(model: RelevanceModel, folder: Path) -> None:
    """Write manifest.json and params.npz (fsynced, then renamed into place)."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {"mean": model.mean, "scale": model.scale,
                                     "platt": model.platt}
    if model.weights is not None:
        arrays |= {"weights": model.weights, "bias": np.array([model.bias])}
    if model.trees is not None:
        arrays |= {f"tree_{k}": v for k, v in model.trees.items()}
    if model.blend is not None:
        arrays |= {"blend": model.blend}
    if model.inside is not None and model.outside is not None:
        arrays |= {"inside": model.inside, "outside": model.outside}
    write_atomic(folder / "params.npz", lambda h: np.savez(h, **arrays))
    text = json.dumps(asdict(model.manifest), indent=2, sort_keys=True) + "\n"
    write_atomic(folder / "manifest.json", lambda h: h.write(text.encode("utf-8")))


def load_relevance(folder: Path) -> RelevanceModel:
    """Load a model written by `save_relevance`; RelevanceError says what is wrong."""
    folder = Path(folder)
    try:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        data["features"] = tuple(data["features"])
        manifest = RelevanceManifest(**data)
        with np.load(folder / "params.npz", allow_pickle=False) as params:
            arrays = {k: params[k] for k in params.files}
    except FileNotFoundError as exc:
        raise RelevanceError(f"no relevance model at {folder} ({Path(exc.filename).name} "
                             "missing); run 'replika relevance fit'") from None
    except (ValueError, TypeError, KeyError, OSError) as exc:
        raise RelevanceError(f"relevance model at {folder} is damaged ({exc}); run "
                             "'replika relevance fit'") from None
    if manifest.learner not in LEARNERS:
        raise RelevanceError(f"{folder}: unknown learner {manifest.learner!r}")
    trees = {k[5:]: v for k, v in arrays.items() if k.startswith("tree_")} or None
    needs = {"logistic": ("weights",), "trees": ("tree_roots",),
             "blend": ("weights", "tree_roots", "blend")}[manifest.learner]
    if missing := [k for k in ("mean", "scale", "platt", *needs) if k not in arrays]:
        raise RelevanceError(f"relevance model at {folder} is damaged (params.npz lacks "
                             f"{', '.join(missing)}); run 'replika relevance fit'")
    return RelevanceModel(manifest, arrays["mean"], arrays["scale"], arrays["platt"],
                          arrays.get("weights"),
                          float(arrays["bias"][0]) if "bias" in arrays else 0.0, trees,
                          arrays.get("blend"), arrays.get("inside"), arrays.get("outside"))
