"""Dense channel: exact and IVF search, with deltas, checked against the brute-force oracle."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.dense import EXACT_MAX, KINDS, DenseIndex, brute_force_search, ivf_nlist
from matcher.rowfile import RowFile

DIM = 24


def unit_rows(rng: np.random.Generator, n: int, dim: int = DIM) -> np.ndarray:
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def sparse_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """n distinct, non-contiguous, unordered int64 ids."""
    return rng.choice(100_000, size=n, replace=False).astype(np.int64) * 3 + 11


def assert_same_hits(got, want) -> None:
    np.testing.assert_array_equal(got.ids, want.ids)
    np.testing.assert_allclose(got.scores, want.scores, rtol=1e-5, atol=1e-5)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(20240501)
    n = 400
    return unit_rows(rng, n), sparse_ids(rng, n), unit_rows(rng, 5)


@pytest.fixture(scope="module")
def built(data) -> dict[str, DenseIndex]:
    """Read-only indexes over `data`; nprobe above the list count makes IVF exact."""
    vectors, ids, _ = data
    return {kind: DenseIndex.build(vectors, ids, kind=kind, nprobe=10_000)
            for kind in ("flat", "ivf")}


@pytest.mark.parametrize("kind", ["flat", "ivf"])
@pytest.mark.parametrize("k", [1, 10, 400, 1000])
def test_search_equals_brute_force(data, built, kind, k):
    vectors, ids, queries = data
    index = built[kind]
    assert index.kind == kind
    for query in queries:
        hits = index.search(query, k)
        assert len(hits.ids) == min(k, len(ids))
        assert_same_hits(hits, brute_force_search(vectors, ids, query, k))


def test_forced_ivf_really_has_several_lists(built):
    assert built["ivf"]._faiss.nlist > 1  # so the IVF tests exercise real list probing


@pytest.mark.parametrize("kind", ["flat", "ivf"])
def test_search_with_allowed_subset(data, built, kind):
    vectors, ids, queries = data
    index = built[kind]
    rng = np.random.default_rng(7)
    for size in (1, 5, 37, 200):
        allowed = rng.choice(ids, size=size, replace=False)
        for query in queries[:2]:
            hits = index.search(query, 10, allowed=allowed)
            assert set(hits.ids.tolist()) <= set(allowed.tolist())
            assert len(hits.ids) == min(10, size)
            assert_same_hits(hits, brute_force_search(vectors, ids, query, 10, allowed))


@pytest.mark.parametrize("kind", ["flat", "ivf"])
def test_allowed_ids_unknown_to_the_index_are_ignored(data, built, kind):
    vectors, ids, queries = data
    index = built[kind]
    allowed = np.array([ids[3], ids[9], 5, 7], dtype=np.int64)  # 5 and 7 are not ids
    hits = index.search(queries[0], 10, allowed=allowed)
    assert sorted(hits.ids.tolist()) == sorted([int(ids[3]), int(ids[9])])
    assert_same_hits(hits, brute_force_search(vectors, ids, queries[0], 10, allowed))


def test_empty_allowed_or_zero_k_returns_nothing(data, built):
    queries = data[2]
    index = built["flat"]
    for hits in (index.search(queries[0], 10, allowed=np.array([], dtype=np.int64)),
                 index.search(queries[0], 0)):
        assert hits.ids.shape == (0,) and hits.scores.shape == (0,)


def test_brute_force_oracle_by_hand():
    vectors = np.array([[1, 0], [0, 1], [0.6, 0.8], [-1, 0]], dtype=np.float32)
    ids = np.array([40, 10, 30, 20])
    query = np.array([0.8, 0.6], dtype=np.float32)
    # Scores: 40 -> 0.8, 10 -> 0.6, 30 -> 0.96, 20 -> -0.8.
    hits = brute_force_search(vectors, ids, query, 3)
    assert hits.ids.tolist() == [30, 40, 10]
    np.testing.assert_allclose(hits.scores, [0.96, 0.8, 0.6], rtol=1e-6)
    assert brute_force_search(vectors, ids, query, 3, np.array([10, 20])).ids.tolist() == [10, 20]
    # Equal scores are ordered by id.
    tied = brute_force_search(np.ones((3, 2), np.float32), np.array([9, 2, 5]), query, 3)
    assert tied.ids.tolist() == [2, 5, 9]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(1, 120), k=st.integers(1, 150), dim=st.integers(2, 32),
       seed=st.integers(0, 2**32 - 1), subset=st.booleans())
def test_flat_matches_brute_force_property(n, k, dim, seed, subset):
    rng = np.random.default_rng(seed)
    vectors, ids, query = unit_rows(rng, n, dim), sparse_ids(rng, n), unit_rows(rng, 1, dim)[0]
    allowed = rng.choice(ids, size=int(rng.integers(1, n + 1)), replace=False) if subset else None
    index = DenseIndex.build(vectors, ids, kind="flat")
    assert_same_hits(index.search(query, k, allowed=allowed),
                     brute_force_search(vectors, ids, query, k, allowed))


@pytest.mark.parametrize("kind", ["flat", "ivf"])
def test_changes_return_a_new_index_and_leave_the_old_one(data, kind):
    vectors, ids, queries = data
    index = DenseIndex.build(vectors, ids, kind=kind, nprobe=10_000)
    gone = ids[:50]
    smaller = index.changed([*gone.tolist(), 123456789])  # an unknown id is ignored
    assert len(smaller) == len(ids) - 50 and len(index) == len(ids)
    np.testing.assert_array_equal(smaller.ids, ids[50:])
    np.testing.assert_allclose(smaller.vectors, vectors[50:], atol=1e-6)
    for query in queries:
        hits = smaller.search(query, 20)
        assert not set(hits.ids.tolist()) & set(gone.tolist())
        assert_same_hits(hits, brute_force_search(vectors[50:], ids[50:], query, 20))
        # The old index still answers as before: readers of a snapshot are undisturbed.
        assert_same_hits(index.search(query, 20), brute_force_search(vectors, ids, query, 20))

    rng = np.random.default_rng(3)
    new_vectors = unit_rows(rng, 10)
    new_ids = np.arange(10, dtype=np.int64) * 1_000_003 + 5
    grown = smaller.changed(ids[50:55], new_vectors, new_ids)
    all_vectors = np.vstack([vectors[55:], new_vectors])
    all_ids = np.concatenate([ids[55:], new_ids])
    assert len(grown) == len(all_ids)
    np.testing.assert_array_equal(grown.vector(int(new_ids[4])), new_vectors[4])
    assert int(grown.search(new_vectors[4], 1).ids[0]) == int(new_ids[4])
    allowed = all_ids[::3]
    for query in queries:
        assert_same_hits(grown.search(query, 20),
                         brute_force_search(all_vectors, all_ids, query, 20))
        assert_same_hits(grown.search(query, 20, allowed),
                         brute_force_search(all_vectors, all_ids, query, 20, allowed))
        assert_same_hits(grown.compacted().search(query, 20), grown.search(query, 20))

    # A removed id can be added back, and a delta row can be removed again.
    back = grown.changed([int(new_ids[0])], vectors[:1], gone[:1])
    assert int(back.search(vectors[0], 1).ids[0]) == int(gone[0])
    assert int(new_ids[0]) not in set(back.ids.tolist())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), steps=st.integers(1, 6), kind=st.sampled_from(
    ["flat", "ivf"]))
def test_any_sequence_of_changes_matches_brute_force(seed, steps, kind):
    rng = np.random.default_rng(seed)
    live = {int(i): v for i, v in zip(range(60), unit_rows(rng, 60), strict=True)}
    index = DenseIndex.build(np.stack(list(live.values())), list(live), kind=kind,
                             nprobe=10_000)
    next_id = 60
    for _ in range(steps):
        drop = [int(i) for i in rng.choice(list(live), size=min(5, len(live) - 1),
                                           replace=False)]
        add = unit_rows(rng, int(rng.integers(0, 8)))
        new_ids = list(range(next_id, next_id + len(add)))
        next_id += len(add)
        index = index.changed(drop, add, new_ids)
        for i in drop:
            live.pop(i)
        live.update(zip(new_ids, add, strict=True))
    vectors, ids = np.stack(list(live.values())), np.array(list(live), np.int64)
    query = unit_rows(rng, 1)[0]
    assert_same_hits(index.search(query, 10), brute_force_search(vectors, ids, query, 10))


def test_duplicate_ids_are_rejected(data):
    vectors, ids, _ = data
    index = DenseIndex.build(vectors[:10], ids[:10], kind="flat")
    with pytest.raises(ValueError, match="already present or repeated"):
        index.changed((), vectors[:1], ids[3:4])
    with pytest.raises(ValueError, match="already present or repeated"):
        index.changed((), vectors[10:12], np.array([ids[10], ids[10]]))
    with pytest.raises(ValueError):
        DenseIndex.build(vectors[:3], [1, 2, 1], kind="flat")
    assert len(index) == 10  # nothing was added by the failed calls
    np.testing.assert_array_equal(index.ids, ids[:10])


@pytest.mark.parametrize("kind", ["flat", "ivf"])
def test_save_load_round_trip(data, kind, tmp_path):
    vectors, ids, queries = data
    index = DenseIndex.build(vectors, ids, kind=kind, nprobe=10_000)
    index = index.changed(ids[:3], vectors[:2], [400_001, 400_002])
    index.save(tmp_path / "dense")
    loaded = DenseIndex.load(tmp_path / "dense")
    assert (loaded.dim, loaded.kind, loaded.nprobe) == (DIM, kind, 10_000)
    np.testing.assert_array_equal(np.sort(loaded.ids), np.sort(index.ids))
    np.testing.assert_allclose(loaded.vector(400_002), vectors[1], atol=1e-6)
    allowed = ids[::4]
    for query in queries:
        assert_same_hits(loaded.search(query, 15), index.search(query, 15))
        assert_same_hits(loaded.search(query, 15, allowed), index.search(query, 15, allowed))
    edited = loaded.changed(ids[7:8], vectors[7:8], np.array([400_009], dtype=np.int64))
    assert int(edited.search(vectors[7], 1).ids[0]) == 400_009


def test_choose_kind_thresholds():
    assert DenseIndex.choose_kind(0) == "flat"
    assert DenseIndex.choose_kind(EXACT_MAX) == "flat"
    assert DenseIndex.choose_kind(EXACT_MAX + 1) == "ivf"
    assert DenseIndex.choose_kind(EXACT_MAX + 1, "flat") == "flat"
    assert DenseIndex.choose_kind(10, "ivf") == "ivf"
    assert DenseIndex.choose_kind(10, "auto") == "flat"


def test_auto_build_is_flat_for_small_sets(data):
    vectors, ids, _ = data
    assert DenseIndex.build(vectors, ids).kind == "flat"


@pytest.mark.parametrize("call", [
    lambda: DenseIndex.choose_kind(10, "hnsw"),
    lambda: DenseIndex(8, kind="hnsw"),
])
def test_unknown_kind_lists_known_kinds(call):
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    assert "unknown dense index kind 'hnsw'" in message
    for kind in KINDS:
        assert kind in message


def test_ivf_nlist_grows_with_sqrt():
    assert ivf_nlist(1) == 4
    assert ivf_nlist(10_000) == 400
    assert ivf_nlist(0) == 1


def test_auto_kind_follows_the_live_size_both_ways():
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(120, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    small = DenseIndex.build(vectors[:40], np.arange(40), kind="flat")
    assert small.fitted("auto", exact_max=50) is small
    grown = small.changed((), vectors[40:], np.arange(40, 120)).fitted("auto", exact_max=50)
    assert grown.kind == "ivf" and len(grown) == 120
    query = vectors[7]
    assert grown.search(query, 1).ids[0] == 7
    assert np.array_equal(np.sort(grown.ids), np.arange(120))
    shrunk = grown.changed(range(60, 120)).fitted("auto", exact_max=50)
    assert shrunk.kind == "ivf"  # 60 > 50: still IVF
    assert shrunk.changed(range(45, 60)).fitted("auto", exact_max=50).kind == "flat"
    assert small.fitted("flat", exact_max=50) is small  # a forced kind stays


def test_ivf_holds_codes_and_reads_exact_vectors_from_its_saved_file(data, tmp_path):
    vectors, ids, queries = data
    index = DenseIndex.build(vectors, ids, kind="ivf", nprobe=10_000)
    assert index._faiss.code_size == DIM  # one byte a dimension, not four
    index.save(tmp_path / "dense")
    loaded = DenseIndex.load(tmp_path / "dense")
    assert isinstance(loaded._exact._segments[0], RowFile)
    picked = ids[[5, 0, 399]]
    np.testing.assert_array_equal(loaded.rows(picked), vectors[[5, 0, 399]])
    # Scores are the exact inner products, not the 8-bit codes' approximation.
    hits = loaded.search(queries[0], 5)
    rows = {int(i): n for n, i in enumerate(ids)}
    exact = vectors[[rows[int(i)] for i in hits.ids]] @ queries[0]
    np.testing.assert_allclose(hits.scores, exact, rtol=1e-6)  # the codes are off by ~1e-3
