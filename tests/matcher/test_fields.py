"""Field vectors by stable integer id: changes, saving and reading back, against a dict."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from matcher.fields import FieldVectors
from matcher.rowfile import RowFile
from matcher.rowstore import MAX_DELTAS

SHAPE = (3, 4)


def vecs(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.normal(size=(n, *SHAPE)).astype(np.float32)


def check(fields: FieldVectors, oracle: dict[int, np.ndarray]) -> None:
    assert len(fields) == len(oracle)
    assert sorted(fields.ids.tolist()) == sorted(oracle)
    ids = list(oracle)[::-1]
    if ids:
        assert np.array_equal(fields.rows(ids), np.stack([oracle[i] for i in ids]))


def test_changes_match_a_dict_oracle_through_many_writes(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    base = vecs(rng, 20)
    fields = FieldVectors(np.arange(20), base)
    oracle = {i: base[i] for i in range(20)}
    next_id = 20
    for _ in range(MAX_DELTAS + 10):  # enough writes to merge the deltas at least once
        removed = [int(i) for i in rng.choice(list(oracle), size=2, replace=False)]
        added = list(range(next_id, next_id + 3))
        next_id += 3
        new = vecs(rng, 3)
        fields = fields.changed(removed, added, new)
        for i in removed:
            del oracle[i]
        oracle.update(zip(added, new, strict=True))
        check(fields, oracle)
    assert len(fields._segments) <= 1 + MAX_DELTAS
    fields.save(tmp_path / "f")
    loaded = FieldVectors.load(tmp_path / "f")
    assert isinstance(loaded._segments[0], RowFile)
    check(loaded, oracle)
    again = loaded.changed([next(iter(oracle))], [next_id], vecs(rng, 1))
    oracle.pop(next(iter(oracle)))
    oracle[next_id] = again.rows([next_id])[0]
    check(again, oracle)


def test_an_updated_id_reads_its_new_vectors() -> None:
    rng = np.random.default_rng(4)
    fields = FieldVectors(np.array([5, 9]), vecs(rng, 2))
    new = vecs(rng, 1)
    fields = fields.changed([9], [9], new)
    assert np.array_equal(fields.rows([9])[0], new[0])
    assert len(fields) == 2


def test_unknown_ids_are_an_error_that_names_them() -> None:
    fields = FieldVectors(np.array([0, 1]), np.zeros((2, *SHAPE), np.float32))
    with pytest.raises(KeyError, match="7"):
        fields.rows([0, 7])
    with pytest.raises(KeyError):
        fields.changed([1], [], np.zeros((0, *SHAPE))).rows([1])
    with pytest.raises(ValueError, match="distinct"):
        FieldVectors(np.array([1, 1]), np.zeros((2, *SHAPE), np.float32))
