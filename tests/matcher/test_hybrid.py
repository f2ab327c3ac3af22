"""Fusion of the dense and lexical channels, checked against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from corpus.awards import AwardTier
from matcher.hybrid import (
    FusionParams,
    apply_prior,
    hybrid,
    minmax,
    proven_prior,
    ranks,
    rrf,
    weight_for,
)

DENSE = np.array([0.82, 0.91, 0.40, 0.77, 0.55])
LEXICAL = np.array([3.0, 0.0, 7.5, 1.2, 0.0])


def test_minmax_by_hand():
    np.testing.assert_allclose(minmax(np.array([2.0, 4.0, 3.0, 6.0])), [0.0, 0.5, 0.25, 1.0])
    np.testing.assert_allclose(minmax(np.array([-1.0, 1.0])), [0.0, 1.0])


def test_minmax_degenerate_inputs():
    np.testing.assert_array_equal(minmax(np.array([5.0, 5.0, 5.0])), [0.0, 0.0, 0.0])
    assert minmax(np.array([])).shape == (0,)
    np.testing.assert_array_equal(minmax(np.array([0.3])), [0.0])


def test_ranks_by_hand():
    assert ranks(np.array([0.2, 0.9, 0.5])).tolist() == [3, 1, 2]
    # Ties keep input order.
    assert ranks(np.array([1.0, 3.0, 1.0, 3.0])).tolist() == [3, 1, 4, 2]
    assert ranks(np.array([])).tolist() == []


def test_rrf_by_hand():
    dense_ranks = np.array([1, 2, 3])
    lexical_ranks = np.array([2, 0, 1])  # the second candidate is absent lexically
    fused = rrf([dense_ranks, lexical_ranks], [0.7, 0.3], k=60)
    expected = [0.7 / 61 + 0.3 / 62, 0.7 / 62, 0.7 / 63 + 0.3 / 61]
    np.testing.assert_allclose(fused, expected, rtol=1e-12)


def test_rrf_with_no_presence_is_zero():
    fused = rrf([np.zeros(3, dtype=int), np.zeros(3, dtype=int)], [0.5, 0.5], k=10)
    np.testing.assert_array_equal(fused, [0, 0, 0])


def test_rrf_rejects_mismatched_weights():
    with pytest.raises(ValueError):
        rrf([np.array([1, 2])], [0.5, 0.5], k=60)


def test_convex_by_hand():
    fused = hybrid(DENSE, LEXICAL, FusionParams(method="convex", dense_weight=0.7))
    dense_n = (DENSE - 0.40) / (0.91 - 0.40)
    lexical_n = LEXICAL / 7.5
    np.testing.assert_allclose(fused, 0.7 * dense_n + 0.3 * lexical_n)


def order(scores: np.ndarray) -> list[int]:
    return np.argsort(-scores, kind="stable").tolist()


def test_convex_weight_one_is_dense_order():
    fused = hybrid(DENSE, LEXICAL, FusionParams(method="convex", dense_weight=1.0))
    assert order(fused) == order(DENSE) == [1, 0, 3, 4, 2]


def test_convex_weight_zero_is_lexical_order():
    fused = hybrid(DENSE, LEXICAL, FusionParams(method="convex", dense_weight=0.0))
    assert order(fused)[:3] == order(LEXICAL)[:3] == [2, 0, 3]
    np.testing.assert_allclose(fused, LEXICAL / 7.5)


def test_query_language_selects_the_dense_weight():
    params = FusionParams(method="convex", dense_weight=0.0, dense_weight_en=1.0)
    assert weight_for(params, "id") == 0.0 and weight_for(params, "en") == 1.0
    np.testing.assert_allclose(hybrid(DENSE, LEXICAL, params), LEXICAL / 7.5)
    np.testing.assert_allclose(hybrid(DENSE, LEXICAL, params, lang="en"),
                               (DENSE - 0.40) / (0.91 - 0.40))


def test_rrf_hybrid_by_hand():
    params = FusionParams(method="rrf", dense_weight=0.6, rrf_k=60)
    fused = hybrid(DENSE, LEXICAL, params)
    dense_rank = [2, 1, 5, 3, 4]
    lexical_rank = [2, 0, 1, 3, 0]  # zero lexical score: absent
    expected = np.array([0.6 / (60 + d) + (0.4 / (60 + lex) if lex else 0.0)
                         for d, lex in zip(dense_rank, lexical_rank, strict=True)]) * 61
    np.testing.assert_allclose(fused, expected, rtol=1e-12)


def test_rrf_hybrid_uses_given_ranks():
    params = FusionParams(method="rrf", dense_weight=0.5, rrf_k=10)
    dense_ranks = np.array([3, 1, 2, 0, 0])
    lexical_ranks = np.array([0, 0, 1, 2, 3])
    fused = hybrid(DENSE, LEXICAL, params, dense_ranks=dense_ranks, lexical_ranks=lexical_ranks)
    expected = rrf([dense_ranks, lexical_ranks], [0.5, 0.5], 10) * 11
    np.testing.assert_allclose(fused, expected)


@pytest.mark.parametrize("method", ["convex", "rrf"])
def test_top_scores_are_one_when_both_channels_agree(method):
    # The rescaling makes a candidate first in both channels score 1 in either method.
    dense = np.array([0.9, 0.5, 0.1])
    lexical = np.array([4.0, 2.0, 1.0])
    fused = hybrid(dense, lexical, FusionParams(method=method, dense_weight=0.3))
    assert fused[0] == pytest.approx(1.0)
    assert order(fused) == [0, 1, 2]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"method": "sum"}, "unknown fusion method 'sum'; known: convex, rrf"),
    ({"dense_weight": 1.5}, r"must be within \[0, 1\]"),
    ({"dense_weight": -0.1}, r"must be within \[0, 1\]"),
    ({"dense_weight_en": 1.01}, r"must be within \[0, 1\]"),
    ({"prior_weight": -1.0}, "prior_weight must be a number >= 0"),
    ({"prior_weight": float("nan")}, "prior_weight must be a number >= 0"),
    ({"rrf_k": 0}, "rrf_k must be > 0"),
])
def test_fusion_params_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        FusionParams(**kwargs)


def test_fusion_params_boundaries_are_valid():
    FusionParams(dense_weight=0.0)
    FusionParams(dense_weight=1.0, prior_weight=0.0)
    assert FusionParams().method == "convex"


TIERS_WEAK_TO_STRONG = [AwardTier.NONE, AwardTier.OTHER, AwardTier.IGA, AwardTier.KIPP_TOP99,
                        AwardTier.KIPP_TOP, AwardTier.UNPSA]


def test_proven_prior_range_and_extremes():
    assert proven_prior(AwardTier.NONE, 0) == 0.0
    assert proven_prior(AwardTier.UNPSA, 3) == pytest.approx(1.0)
    assert proven_prior(AwardTier.UNPSA, 50) == pytest.approx(1.0)
    for tier in AwardTier:
        for replications in range(0, 8):
            assert 0.0 <= proven_prior(tier, replications) <= 1.0


def test_proven_prior_strictly_increases_with_tier():
    for replications in (0, 1, 3):
        values = [proven_prior(t, replications) for t in TIERS_WEAK_TO_STRONG]
        assert all(a < b for a, b in zip(values, values[1:], strict=False))


def test_proven_prior_increases_with_replications_then_saturates():
    for tier in AwardTier:
        values = [proven_prior(tier, r) for r in range(6)]
        assert values[0] < values[1] < values[2] < values[3]
        assert values[3] == values[4] == values[5]


def test_proven_prior_by_hand():
    assert proven_prior(AwardTier.IGA, 1) == pytest.approx(0.7 * 2 / 5 + 0.3 / 3)


def test_apply_prior():
    fused = np.array([0.5, 0.4])
    np.testing.assert_allclose(apply_prior(fused, np.array([0.0, 1.0]), 0.2), [0.5, 0.6])
    np.testing.assert_array_equal(apply_prior(fused, np.array([0.3, 0.9]), 0.0), fused)
