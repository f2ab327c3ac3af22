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
