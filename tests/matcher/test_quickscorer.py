"""QuickScorer tables score exactly like the node walk they are packed from (the oracle)."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.lambdarank import export_lightgbm
from matcher.learn import export_trees
from matcher.quickscorer import MAX_LEAVES, pack_trees, packed_scores
from matcher.relevance import tree_scores


def _probe(rng: np.random.Generator, rows: int, width: int) -> np.ndarray:
    probe = rng.normal(size=(rows, width)) * 2
    probe[::11, 1] = np.nan  # a missing value goes right in both scorers
    return probe


@pytest.mark.parametrize(("leaves", "dtype"), [(7, np.uint8), (9, np.uint16),
                                               (31, np.uint32), (MAX_LEAVES, np.uint64)])
def test_packed_sklearn_trees_score_like_the_walk(leaves, dtype):
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(leaves)
    x = rng.normal(size=(3000, 6))
    y = (x[:, 0] + x[:, 1] * x[:, 2] - np.sin(3 * x[:, 3]) > 0.2).astype(int)
    est = HistGradientBoostingClassifier(max_iter=25, max_leaf_nodes=leaves,
                                         min_samples_leaf=5, random_state=0).fit(x, y)
    trees = export_trees(est)
    packed = pack_trees(trees)
    assert packed.mask.dtype == dtype
    probe = _probe(rng, 2500, 6)  # more rows than one chunk
    assert np.allclose(packed_scores(packed, probe), tree_scores(trees, probe),
                       rtol=0, atol=1e-12)


def test_packed_lightgbm_trees_score_like_lightgbm():
    import lightgbm

    rng = np.random.default_rng(5)
    x = rng.normal(size=(900, 5))
    grade = np.clip(np.round(x[:, 0] + x[:, 1] * x[:, 2]), 0, 2).astype(int)
    model = lightgbm.LGBMRanker(n_estimators=40, num_leaves=7, min_child_samples=5,
                                verbose=-1, random_state=0)
    model.fit(x, grade, group=np.full(30, 30))
    probe = rng.normal(size=(300, 5))
    packed = pack_trees(export_lightgbm(model.booster_.dump_model()))
    assert np.allclose(packed_scores(packed, probe), model.predict(probe))


def _stump_forest(leaf_values: list[float], baseline: float) -> dict[str, np.ndarray]:
    """One single-leaf tree and one stump (feature 0 <= 0.5), in the export format."""
    return {"feature": np.array([0, 0, 0, 0]), "threshold": np.array([0.0, 0.5, 0.0, 0.0]),
            "left": np.array([0, 2, 2, 3]), "right": np.array([0, 3, 2, 3]),
            "leaf": np.array([True, False, True, True]),
            "value": np.array([leaf_values[0], 0.0, leaf_values[1], leaf_values[2]]),
            "roots": np.array([0, 1]), "depth": np.array([1]),
            "baseline": np.array([baseline])}


def test_a_single_leaf_tree_adds_a_constant():
    trees = _stump_forest([0.25, -1.0, 2.0], baseline=0.5)
    z = np.array([[0.0], [0.5], [0.51], [np.nan]])
    expected = 0.5 + 0.25 + np.array([-1.0, -1.0, 2.0, 2.0])
    assert np.allclose(tree_scores(trees, z), expected)
    assert np.allclose(packed_scores(pack_trees(trees), z), expected)
    assert len(packed_scores(pack_trees(trees), np.zeros((0, 1)))) == 0


def test_a_tree_with_too_many_leaves_is_refused():
    from sklearn.ensemble import HistGradientBoostingRegressor

    rng = np.random.default_rng(1)
    x = rng.normal(size=(4000, 4))
    est = HistGradientBoostingRegressor(max_iter=2, max_leaf_nodes=MAX_LEAVES + 30,
                                        min_samples_leaf=2, random_state=0)
    est.fit(x, np.sin(5 * x[:, 0]) + x[:, 1] ** 2 + rng.normal(size=4000))
    with pytest.raises(ValueError, match="leaves"):
        pack_trees(export_trees(est))
