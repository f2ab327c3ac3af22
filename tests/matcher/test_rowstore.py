"""Rows by stable integer id (the IVF index's exact vectors): changes, saving and reading
back, against a dict oracle."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from matcher.fields import FieldVectors
from matcher.rowfile import RowFile
from matcher.rowstore import MAX_DELTAS, MAX_ID, RowStore

DIM = 5


def check(store: RowStore, oracle: dict[int, np.ndarray]) -> None:
    assert len(store) == len(oracle)
    assert sorted(store.ids.tolist()) == sorted(oracle)
    ids = list(oracle)[::-1]
    if ids:
        assert np.array_equal(store.rows(ids), np.stack([oracle[i] for i in ids]))


def test_one_dimensional_rows_follow_a_dict_through_writes_and_a_reload(tmp_path: Path):
    rng = np.random.default_rng(11)
    base = rng.normal(size=(30, DIM)).astype(np.float32)
    ids = rng.permutation(100)[:30]
    store = RowStore(ids, base)
    oracle = {int(i): v for i, v in zip(ids, base, strict=True)}
    next_id = 100
    for _ in range(MAX_DELTAS + 5):  # enough to merge the deltas once
        removed = [int(i) for i in rng.choice(list(oracle), size=1)]
        new = rng.normal(size=(2, DIM)).astype(np.float32)
        store = store.changed(removed, [next_id, next_id + 1], new)
        for i in removed:
            del oracle[i]
        oracle.update({next_id: new[0], next_id + 1: new[1]})
        next_id += 2
        check(store, oracle)
    assert store.shape == (DIM,) and len(store._segments) <= 1 + MAX_DELTAS
    order = np.array(sorted(oracle), dtype=np.int64)
    store.save_rows(tmp_path / "s", order)
    loaded = RowStore.open_rows(tmp_path / "s")
    assert isinstance(loaded._segments[0], RowFile)
    np.testing.assert_array_equal(loaded.ids, order)
    check(loaded, oracle)


def test_a_change_keeps_the_subclass():
    fields = FieldVectors(np.array([0, 1]), np.zeros((2, 3, DIM), np.float32))
    assert type(fields.changed([0], [2], np.ones((1, 3, DIM), np.float32))) is FieldVectors


def test_bad_ids_and_shapes_are_errors_that_say_what():
    with pytest.raises(ValueError, match="one id per row"):
        RowStore(np.array([0, 1, 2]), np.zeros((2, DIM), np.float32))
    with pytest.raises(ValueError, match="distinct and not negative"):
        RowStore(np.array([-1, 1]), np.zeros((2, DIM), np.float32))
    with pytest.raises(ValueError, match="above the limit"):
        RowStore(np.array([0, MAX_ID]), np.zeros((2, DIM), np.float32))
    store = RowStore(np.array([0]), np.zeros((1, DIM), np.float32))
    with pytest.raises(ValueError, match="above the limit"):
        store.changed([], [MAX_ID + 5], np.zeros((1, DIM), np.float32))
    with pytest.raises(KeyError, match="3"):
        store.rows([0, 3])
    with pytest.raises(ValueError, match="fields, dim"):
        FieldVectors(np.array([0]), np.zeros((1, DIM), np.float32))
