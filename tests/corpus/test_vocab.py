"""Controlled vocabularies: provinces, levels and sectors, with their aliases."""

from __future__ import annotations

import pytest

from corpus.vocab import (
    PROVINCES,
    SECTOR_BY_CODE,
    SECTORS,
    Level,
    fold,
    normalise_level,
    normalise_province,
    normalise_sector,
)


def test_there_are_38_distinct_provinces():
    assert len(PROVINCES) == 38
    assert len({fold(p) for p in PROVINCES}) == 38
    for newest in ("Papua Selatan", "Papua Tengah", "Papua Pegunungan", "Papua Barat Daya"):
        assert newest in PROVINCES


@pytest.mark.parametrize("name", PROVINCES)
def test_official_province_names_map_to_themselves(name):
    assert normalise_province(name) == name
    assert normalise_province(name.upper()) == name
    assert normalise_province(f"Provinsi {name}") == name


@pytest.mark.parametrize(("alias", "official"), [
    ("DI Yogyakarta", "Daerah Istimewa Yogyakarta"),
    ("DI. Yogyakarta", "Daerah Istimewa Yogyakarta"),
    ("DIY", "Daerah Istimewa Yogyakarta"),
    ("jogja", "Daerah Istimewa Yogyakarta"),
    ("jatim", "Jawa Timur"),
    ("Prov. Jatim", "Jawa Timur"),
    ("  jawa   TIMUR ", "Jawa Timur"),
    ("Jakarta", "DKI Jakarta"),
    ("NAD", "Aceh"),
    ("Nanggroe Aceh Darussalam", "Aceh"),
    ("Babel", "Kepulauan Bangka Belitung"),
    ("kepri", "Kepulauan Riau"),
    ("NTT", "Nusa Tenggara Timur"),
    ("Sulsel", "Sulawesi Selatan"),
    ("PBD", "Papua Barat Daya"),
])
def test_province_aliases(alias, official):
    assert normalise_province(alias) == official


def test_blank_province_stays_blank():
    assert normalise_province("") == ""
    assert normalise_province("   ") == ""


def test_unknown_province_error_gives_examples():
    with pytest.raises(ValueError, match="unknown province 'Atlantis'") as info:
        normalise_province("Atlantis")
    assert "38 official names" in str(info.value)
    # A regency is not a province.
    with pytest.raises(ValueError):
        normalise_province("Kota Surabaya")


@pytest.mark.parametrize(("value", "level"), [
    ("kota", Level.KOTA),
    ("Kabupaten", Level.KABUPATEN),
    ("kementerian-lembaga", Level.KEMENTERIAN_LEMBAGA),
    ("Kementerian Lembaga", Level.KEMENTERIAN_LEMBAGA),
    ("kementerian", Level.KEMENTERIAN_LEMBAGA),
    ("Lembaga", Level.KEMENTERIAN_LEMBAGA),
    ("Kementerian/Lembaga", Level.KEMENTERIAN_LEMBAGA),
    ("K/L", Level.KEMENTERIAN_LEMBAGA),
    ("BUMN", Level.KEMENTERIAN_LEMBAGA),
    ("kelurahan", Level.DESA),
    ("Pemkab", Level.KABUPATEN),
    ("pemkot", Level.KOTA),
    ("Pemprov", Level.PROVINSI),
])
def test_level_names_and_aliases(value, level):
    assert normalise_level(value) is level


def test_unknown_level_lists_every_level():
    with pytest.raises(ValueError) as info:
        normalise_level("planet")
    message = str(info.value)
    assert message.startswith("unknown level 'planet'")
    for level in Level:
        assert level.value in message


def test_sector_codes_are_unique_and_indexed():
    codes = [s.code for s in SECTORS]
    assert len(codes) == len(set(codes)) == 21
    assert set(SECTOR_BY_CODE) == set(codes)
    assert SECTOR_BY_CODE["air-sanitasi"].label == "Air Bersih dan Sanitasi"


@pytest.mark.parametrize(("value", "code"), [
    ("kesehatan", "kesehatan"),
    ("Kesehatan", "kesehatan"),
    ("Health", "kesehatan"),
    ("air-sanitasi", "air-sanitasi"),
    ("Air Bersih dan Sanitasi", "air-sanitasi"),
    ("Water and sanitation", "air-sanitasi"),
    ("Administrasi Kependudukan", "adminduk"),
    ("Civil registration", "adminduk"),
    ("Tata Kelola, Pengaduan dan Pemerintahan Digital", "tatakelola"),
    ("perempuan anak", "perempuan-anak"),
    ("Lainnya", "lainnya"),
])
def test_sector_lookup_by_code_or_label(value, code):
    assert normalise_sector(value) == code


def test_every_sector_label_round_trips():
    for sector in SECTORS:
        assert normalise_sector(sector.code) == sector.code
        assert normalise_sector(sector.label) == sector.code
        assert normalise_sector(sector.label_en) == sector.code


def test_unknown_sector_error_lists_codes():
    with pytest.raises(ValueError) as info:
        normalise_sector("antariksa")
    message = str(info.value)
    assert message.startswith("unknown sector 'antariksa'")
    for sector in SECTORS:
        assert sector.code in message


def test_fold_strips_accents_case_and_punctuation():
    assert fold("  Ké-Sehatan,  IBU & Anak ") == "ke sehatan ibu anak"
    assert fold("K/L") == "k/l"
