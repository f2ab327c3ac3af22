"""TermRows against Python sets: presence of query codes and codes shared with picked rows."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.termrows import TermRows


def random_rows(rng: np.random.Generator, n: int, vocab: int) -> list[set[int]]:
    return [set(rng.choice(vocab, size=int(rng.integers(0, 12)), replace=False).tolist())
            for _ in range(n)]


def rows_of(sets: list[set[int]]) -> TermRows:
    return TermRows.of([np.array(sorted(s), dtype=np.int64) for s in sets])


@pytest.mark.parametrize("seed", range(5))
def test_presence_matches_sets(seed: int) -> None:
    rng = np.random.default_rng(seed)
    sets = random_rows(rng, 9, 30)
    wanted = np.array([*rng.choice(40, size=6, replace=False).tolist(), -1])
    got = rows_of(sets).presence(wanted)
    assert got.tolist() == [[int(w) in s for w in wanted] for s in sets]


@pytest.mark.parametrize("seed", range(5))
def test_shared_counts_match_set_intersections(seed: int) -> None:
    rng = np.random.default_rng(seed)
    sets = random_rows(rng, 10, 25)
    picks = [3, 0, 7]
    rows = rows_of(sets)
    assert rows.shared(picks).tolist() == [[len(s & sets[p]) for p in picks] for s in sets]
    assert rows.sizes.tolist() == [len(s) for s in sets]


def test_empty_rows_and_no_picks() -> None:
    rows = rows_of([set(), set()])
    assert rows.presence(np.array([1, 2])).tolist() == [[False, False], [False, False]]
    assert rows.shared([0, 1]).tolist() == [[0, 0], [0, 0]]
    assert rows.shared([]).shape == (2, 0)
    assert len(TermRows.of([])) == 0


def test_too_many_picks_is_refused() -> None:
    rows = rows_of([{1}] * 70)
    with pytest.raises(ValueError, match="at most 62"):
        rows.shared(list(range(63)))
