"""Is a query about public services at all? Its nearness to labelled example queries.

The relevance model keeps the vectors of its training queries in two groups: problem
statements (answerable or not) and out-of-domain inputs (recipes, football scores, coding
questions, small talk). A query that sits nearer the second group is off-domain.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

TOP = 3  # mean of this many nearest examples per group: one stray neighbour decides nothing
# Nonsense is the language gate's job (matcher.gate); as examples here it would pull short
# acronym queries ("TOSS") off-domain.
OFF_DOMAIN_STYLES = frozenset({"ood"})
NEITHER_STYLES = frozenset({"nonsense"})


def anchor_groups(styles: Sequence[str], vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(in-domain, off-domain) example vectors from labelled queries' styles."""
    off = np.array([s in OFF_DOMAIN_STYLES for s in styles], dtype=bool)
    neither = np.array([s in NEITHER_STYLES for s in styles], dtype=bool)
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors[~off & ~neither], vectors[off]


def _near(anchors: np.ndarray, vector: np.ndarray, skip: int | None) -> float:
    if not len(anchors):
        return 0.0
    sims = anchors @ vector
    if skip is not None:
        sims = np.delete(sims, skip)
    if not len(sims):
        return 0.0
    return float(np.sort(sims)[-TOP:].mean())


def off_domain(vector: np.ndarray, inside: np.ndarray, outside: np.ndarray,
               skip_inside: int | None = None, skip_outside: int | None = None) -> float:
    """Mean cosine to the nearest off-domain examples minus that to the nearest problem
    statements (> 0: nearer the off-domain ones). `skip_*` leaves a query's own vector out."""
    if not len(outside):
        return 0.0
    return _near(outside, vector, skip_outside) - _near(inside, vector, skip_inside)
