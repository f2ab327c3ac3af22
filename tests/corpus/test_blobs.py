"""Packed records by id: the overlay and the saved file against a dict oracle."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from corpus.blobs import BlobFile, Blobs, write_blobs


def test_changes_over_a_file_follow_a_dict_in_content_and_order(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    base = {f"id-{n}": rng.bytes(int(rng.integers(0, 40))) for n in range(30)}
    offsets = write_blobs(tmp_path / "b.bin", base.values())
    for start in (base, BlobFile(tmp_path / "b.bin", base, offsets)):
        blobs, oracle = Blobs(start), dict(base)
        for step in range(60):
            deleted = [str(i) for i in rng.choice(list(oracle) + ["id-none"], size=2)]
            put = {f"id-{int(rng.integers(0, 45))}": rng.bytes(5), f"new-{step}": b"x"}
            blobs = blobs.changed(put, deleted)
            for i in deleted:
                oracle.pop(i, None)
            oracle.update(put)  # a dict keeps a replaced key's place and appends new ones
            assert list(blobs) == list(oracle) and len(blobs) == len(oracle)
            assert all(blobs[i] == oracle[i] for i in oracle)
            assert "id-none" not in blobs
        for gone in set(base) - set(oracle):
            with pytest.raises(KeyError):
                blobs[gone]


def test_a_file_that_does_not_fit_its_offsets_is_refused_by_name(tmp_path: Path) -> None:
    offsets = write_blobs(tmp_path / "b.bin", [b"abc", b"defg"])
    assert offsets.tolist() == [0, 3, 7]
    assert BlobFile(tmp_path / "b.bin", ["a", "b"], offsets)["b"] == b"defg"
    (tmp_path / "b.bin").write_bytes(b"abcde")
    with pytest.raises(ValueError, match="b.bin: 5 bytes"):
        BlobFile(tmp_path / "b.bin", ["a", "b"], offsets)
    with pytest.raises(ValueError, match="offsets do not fit"):
        BlobFile(tmp_path / "b.bin", ["a"], offsets)


def test_changes_to_blobs_held_in_memory_keep_no_superseded_blob() -> None:
    blobs = Blobs({"a": b"1", "b": b"2"}).changed({"a": b"3", "c": b"4"}, ["b"])
    assert blobs._base == {"a": b"3", "c": b"4"} and not blobs._replaced
    assert list(blobs) == ["a", "c"]


def test_blobs_read_the_same_without_positional_reads(tmp_path: Path, monkeypatch) -> None:
    offsets = write_blobs(tmp_path / "b.bin", [b"abc", b"", b"defg"])
    monkeypatch.setattr("corpus.files._HAS_PREADV", False)  # the seek-under-a-lock path
    blobs = BlobFile(tmp_path / "b.bin", ["a", "b", "c"], offsets)
    assert [blobs[i] for i in ("c", "a", "b")] == [b"defg", b"abc", b""]
