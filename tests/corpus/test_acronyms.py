"""Acronym pairs stated by records, and the bundled common list."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.acronyms import common_acronyms, record_acronyms


@pytest.mark.parametrize(("title", "expansion", "pairs"), [
    # "Long form (SHORT)" in the title.
    ("Surabaya Single Window (SSW)", "", [("SSW", "Surabaya Single Window")]),
    # "SHORT (Long form)" in the title.
    ("OMABA (Ojek Makanan Balita)", "", [("OMABA", "Ojek Makanan Balita")]),
    # The same pair stated twice is kept once.
    ("OMABA (Ojek Makanan Balita)", "Ojek Makanan Balita", [("OMABA", "Ojek Makanan Balita")]),
    # A brand in capitals within the title, spelled out in the expansion.
    ("GRMS Surabaya", "Government Resource Management System",
     [("GRMS", "Government Resource Management System")]),
    # A bare acronym title.
    ("TOSS", "Tempat Olah Sampah Setempat", [("TOSS", "Tempat Olah Sampah Setempat")]),
    ("Tempat Olah Sampah Setempat (TOSS)", "Tempat Olah Sampah Setempat",
     [("TOSS", "Tempat Olah Sampah Setempat")]),
    # "SHORT: long form" in the expansion.
    ("BSB", "BSB: Brigade Siaga Bencana", [("BSB", "Brigade Siaga Bencana")]),
    ("Brigade Siaga Bencana (BSB) / Call Center 119", "BSB: Brigade Siaga Bencana",
     [("BSB", "Brigade Siaga Bencana")]),
    ("Pengujian Spesimen COVID-19 di Laboratorium Biohazard PPPOMN",
     "PPPOMN: Pusat Pengembangan Pengujian Obat dan Makanan Nasional",
     [("PPPOMN", "Pusat Pengembangan Pengujian Obat dan Makanan Nasional")]),
    # "Long form (SHORT)" in the expansion.
    ("Layanan OMABA", "Ojek Makanan Balita (OMABA)", [("OMABA", "Ojek Makanan Balita")]),
    # Two different pairs: one from the title, one from the expansion.
    ("Terminal Gapura Surya Nusantara (GSN)", "NCC: National Command Center",
     [("GSN", "Terminal Gapura Surya Nusantara"), ("NCC", "National Command Center")]),
    # Nothing stated.
    ("Gerebek Pasar Legi", "", []),
    ("Klinik Hoaks", "", []),
])
def test_record_acronyms(title, expansion, pairs):
    assert list(record_acronyms(title, expansion)) == pairs


def test_innovation_exposes_its_acronyms(small_corpus):
    toss = small_corpus.by_id["kipp-2018-toss-klungkung"]
    assert toss.acronyms == (("TOSS", "Tempat Olah Sampah Setempat"),)
    assert toss.document_text().startswith("TOSS (Tempat Olah Sampah Setempat). ")
    assert small_corpus.by_id["kipp-2019-gerebek-pasar-legi-gresik"].acronyms == ()


def test_common_acronyms_load():
    pairs = common_acronyms()
    assert len(pairs) >= 50
    as_dict = dict(pairs)
    assert as_dict["KTP"] == "Kartu Tanda Penduduk"
    assert as_dict["UMKM"] == "Usaha Mikro Kecil Menengah"
    assert as_dict["DBD"] == "Demam Berdarah Dengue"
    for short, long in pairs:
        assert short and long and short == short.strip() and long == long.strip()
        assert "\t" not in short + long
        assert not short.startswith("#")


@pytest.mark.parametrize("title", [
    "a" + " " * 80_000 + "b",
    "(" * 40_000 + "x",
    "x" + " (" * 40_000,
    "A" + "(b" * 30_000 + ")",
])
def test_pathological_titles_are_parsed_in_linear_time(title):
    import time

    start = time.perf_counter()
    record_acronyms(title, title)
    # A guard against the quadratic regex (9.8 s), not a speed target: 0.1 s failed once on
    # a machine running 2.6x slow (0.15 s), so the bound sits far from both.
    assert time.perf_counter() - start < 2.0


# The rule the string code replaced, kept as its oracle (fine on short strings).
_OLD_PAREN = re.compile(r"^(?P<outer>.+?)\s*\((?P<inner>[^()]+)\)\s*(?P<rest>.*)$")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab ()", max_size=14))
def test_split_parenthesis_matches_the_old_regex(text):
    from corpus.acronyms import split_parenthesis

    match = _OLD_PAREN.match(text)
    assert split_parenthesis(text) == ((match["outer"], match["inner"]) if match else None)


def test_pathological_url_is_refused_quickly():
    import time

    from corpus.schema import check_url

    start = time.perf_counter()
    with pytest.raises(ValueError):
        check_url("http://" + "a" * 1990 + " ")
    assert time.perf_counter() - start < 2.0  # a guard against backtracking, not a speed target
