"""Acronym pairs stated by records, and the bundled common list."""

from __future__ import annotations

import pytest

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
