"""The token table: stems as codes, replaced whole on change, saved as plain files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from matcher.tokens import TokenTable

DOCS = {"a": ["sampah", "kompos", "sampah"], "b": ["antre", "ktp"], "c": []}


def test_it_reads_back_every_document_in_order() -> None:
    table = TokenTable.build(DOCS)
    assert dict(table) == {k: tuple(v) for k, v in DOCS.items()}
    assert list(table) == ["a", "b", "c"] and len(table) == 3 and "b" in table


def test_a_change_makes_a_new_table_and_leaves_the_old_one() -> None:
    old = TokenTable.build(DOCS)
    new = old.changed(["b"], {"a": ["banjir"], "d": ["rob", "banjir"]})
    assert dict(old) == {k: tuple(v) for k, v in DOCS.items()}
    assert dict(new) == {"a": ("banjir",), "c": (), "d": ("rob", "banjir")}


def test_saving_keeps_only_the_stems_in_use(tmp_path) -> None:
    table = TokenTable.build(DOCS).changed(["a"], {})
    table.save(tmp_path / "t")
    meta = json.loads((tmp_path / "t" / "table.json").read_text(encoding="utf-8"))
    assert sorted(meta["vocab"]) == ["antre", "ktp"]
    loaded = TokenTable.load(tmp_path / "t")
    assert loaded == table
    assert dict(loaded.changed([], {"e": ["sampah"]}))["e"] == ("sampah",)


def test_codes_that_do_not_fit_the_vocabulary_are_refused(tmp_path) -> None:
    TokenTable.build(DOCS).save(tmp_path / "t")
    codes = np.load(tmp_path / "t" / "codes.npy")
    np.save(tmp_path / "t" / "codes.npy", codes + 100)
    with pytest.raises(ValueError, match="does not fit together"):
        TokenTable.load(tmp_path / "t")


def test_having_finds_only_consecutive_stems() -> None:
    table = TokenTable.build({"a": ["sistem", "layan", "kartu"], "b": ["kartu", "sistem", "x",
                                                                    "layan"], "c": ["sistem"]})
    assert table.having(["a", "b", "c", "zz"], ["sistem", "layan"]) == {"a"}
    assert table.having(["a", "b"], ["kartu"]) == {"a", "b"}
    assert table.having(["a", "b"], ["tidak-ada"]) == set()
    assert table.having(["c"], ["sistem", "layan"]) == set()


def test_a_loaded_table_reads_documents_from_its_file_through_changes(tmp_path) -> None:
    from corpus.blobs import BlobFile

    rng = np.random.default_rng(9)
    words = [f"k{n}" for n in range(15)]
    docs = {f"d{n}": list(rng.choice(words, size=rng.integers(0, 9))) for n in range(25)}
    TokenTable.build(docs).save(tmp_path / "t")
    table = TokenTable.load(tmp_path / "t")
    assert isinstance(table._docs._base, BlobFile)  # not held in memory
    oracle = {k: tuple(v) for k, v in docs.items()}
    assert dict(table) == oracle
    for step in range(20):
        gone = [f"d{int(rng.integers(0, 25))}"]
        added = {f"n{step}": list(rng.choice(words, size=3)), "d3": ["baru", "k1"]}
        table = table.changed(gone, added)
        for i in gone:
            oracle.pop(i, None)
        oracle.update({k: tuple(v) for k, v in added.items()})
        assert dict(table) == oracle
        assert table.having(list(oracle), ["baru", "k1"]) == {"d3"}
        code = table.codes(["k1"])[0]
        assert all((code in table.distinct(i)) == ("k1" in oracle[i]) for i in oracle)
