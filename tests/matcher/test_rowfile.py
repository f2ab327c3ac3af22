"""Rows of a saved .npy read on demand, and chunked writing, against numpy's own files."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from matcher.rowfile import RowFile, save_rows


def test_rows_read_equal_the_array(tmp_path: Path) -> None:
    data = np.random.default_rng(0).normal(size=(50, 3, 4)).astype(np.float32)
    np.save(tmp_path / "v.npy", data)
    rows = RowFile(tmp_path / "v.npy")
    assert len(rows) == 50 and rows.shape == (50, 3, 4)
    picked = [49, 0, 7, 7, 3]
    assert np.array_equal(rows.take(picked), data[picked])
    assert np.array_equal(rows[12], data[12])
    assert rows.take([]).shape == (0, 3, 4)


def test_many_threads_read_the_same_file(tmp_path: Path) -> None:
    data = np.arange(2000 * 8, dtype=np.float32).reshape(2000, 8)
    np.save(tmp_path / "v.npy", data)
    rows = RowFile(tmp_path / "v.npy")
    picks = [np.random.default_rng(n).integers(0, 2000, 64) for n in range(32)]
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(rows.take, picks))
    assert all(np.array_equal(g, data[p]) for g, p in zip(got, picks, strict=True))


def test_a_truncated_file_is_refused_with_its_name(tmp_path: Path) -> None:
    np.save(tmp_path / "v.npy", np.ones((10, 4), np.float32))
    raw = (tmp_path / "v.npy").read_bytes()
    (tmp_path / "v.npy").write_bytes(raw[:-5])
    with pytest.raises(ValueError, match=r"v\.npy.*bytes"):
        RowFile(tmp_path / "v.npy")
    (tmp_path / "w.npy").write_bytes(b"not an array at all")
    with pytest.raises(ValueError, match=r"w\.npy"):
        RowFile(tmp_path / "w.npy")


def test_rows_out_of_range_are_an_error(tmp_path: Path) -> None:
    np.save(tmp_path / "v.npy", np.ones((3, 2), np.float32))
    with pytest.raises(IndexError):
        RowFile(tmp_path / "v.npy").take([3])


def test_chunked_writing_reads_back_with_numpy(tmp_path: Path) -> None:
    data = np.random.default_rng(1).normal(size=(10, 2, 3)).astype(np.float32)
    save_rows(tmp_path / "v.npy", data.shape, np.float32, (data[n:n + 4] for n in (0, 4, 8)))
    assert np.array_equal(np.load(tmp_path / "v.npy"), data)
    with pytest.raises(ValueError, match="wrote 4 rows of the 10"):
        save_rows(tmp_path / "x.npy", data.shape, np.float32, iter([data[:4]]))


def test_without_positional_reads_the_rows_are_the_same(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # Platforms without os.preadv (Windows) seek and read under a lock instead.
    data = np.arange(60, dtype=np.float32).reshape(20, 3)
    np.save(tmp_path / "v.npy", data)
    monkeypatch.setattr("corpus.files._HAS_PREADV", False)
    rows = RowFile(tmp_path / "v.npy")
    picks = [[19, 0], [5], [7, 7, 1]] * 8
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(rows.take, picks))
    assert all(np.array_equal(g, data[p]) for g, p in zip(got, picks, strict=True))
