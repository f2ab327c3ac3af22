"""Result filters over the small corpus, their validation, and 'not my own region'."""

from __future__ import annotations

import pytest

from corpus.awards import AwardTier
from corpus.schema import Innovation
from corpus.vocab import Level
from matcher.filters import Filters, is_own_region


def accepted(corpus, filters: Filters) -> set[str]:
    return {r.id for r in corpus if filters.accepts(r)}


def ids_where(corpus, predicate) -> set[str]:
    return {r.id for r in corpus if predicate(r)}


def test_no_filters_accept_everything(small_corpus):
    assert not Filters().active
    assert accepted(small_corpus, Filters()) == {r.id for r in small_corpus}
    assert not Filters.create().active


def test_sector_filter(small_corpus):
    filters = Filters.create(sectors=["Kesehatan"])
    assert filters.sectors == {"kesehatan"} and filters.active
    assert accepted(small_corpus, filters) == {
        "unpsa-2015-kemitraan-dukun-bidan-aceh-singkil", "kipp-2020-covid21-lab-biohazard-pppomn"}
    several = Filters.create(sectors=["lingkungan", "Civil registration"])
    assert accepted(small_corpus, several) == {"kipp-2018-toss-klungkung",
                                              "kipp-2015-lahir-procot-banyuwangi"}


def test_province_filter_accepts_aliases(small_corpus):
    filters = Filters.create(provinces=["jatim", " "])
    assert filters.provinces == {"Jawa Timur"}
    expected = ids_where(small_corpus, lambda r: r.province == "Jawa Timur")
    assert len(expected) == 5
    assert accepted(small_corpus, filters) == expected
    both = Filters.create(provinces=["Bali", "Provinsi Aceh"])
    assert accepted(small_corpus, both) == {"kipp-2018-toss-klungkung",
                                           "unpsa-2015-kemitraan-dukun-bidan-aceh-singkil"}


def test_level_filter_accepts_aliases(small_corpus):
    filters = Filters.create(levels=["pemkot", "kementerian"])
    assert filters.levels == {Level.KOTA, Level.KEMENTERIAN_LEMBAGA}
    assert accepted(small_corpus, filters) == {
        "kipp-2014-surabaya-single-window", "repl-e-budgeting-surabaya",
        "kipp-2019-sekolah-ibu-kota-bogor", "kipp-2020-covid21-lab-biohazard-pppomn"}
    assert accepted(small_corpus, Filters.create(levels=["provinsi"])) == {
        "iga-2024-klinik-hoaks-jatim"}


@pytest.mark.parametrize(("tier", "count"), [
    ("unpsa", 1), ("kipp-top", 5), ("kipp-top99", 7), ("iga", 8), ("lainnya", 8), ("none", 9),
])
def test_min_tier_filter(small_corpus, tier, count):
    filters = Filters.create(min_tier=tier)
    assert filters.min_tier is AwardTier(tier)
    kept = accepted(small_corpus, filters)
    assert len(kept) == count
    if tier == "unpsa":
        assert kept == {"unpsa-2015-kemitraan-dukun-bidan-aceh-singkil"}
    if tier == "kipp-top":
        assert "kipp-2019-gerebek-pasar-legi-gresik" not in kept  # Top 99 only
        assert "kipp-2020-covid21-lab-biohazard-pppomn" in kept  # Top 21 Covid-19
    if tier == "lainnya":
        assert "repl-e-budgeting-surabaya" not in kept  # no award at all


def test_year_range_filter(small_corpus):
    filters = Filters.create(year_from=2015, year_to=2019)
    assert accepted(small_corpus, filters) == {
        "unpsa-2015-kemitraan-dukun-bidan-aceh-singkil", "kipp-2015-lahir-procot-banyuwangi",
        "kipp-2019-sekolah-ibu-kota-bogor", "kipp-2019-gerebek-pasar-legi-gresik",
        "kipp-2018-toss-klungkung"}
    # A record without a year never passes a year bound.
    assert "repl-e-budgeting-surabaya" not in accepted(small_corpus,
                                                       Filters.create(year_to=2100))
    assert accepted(small_corpus, Filters.create(year_from=2020)) == {
        "iga-2024-klinik-hoaks-jatim", "kipp-2020-covid21-lab-biohazard-pppomn"}
    assert accepted(small_corpus, Filters.create(year_from=2019, year_to=2019)) == {
        "kipp-2019-sekolah-ibu-kota-bogor", "kipp-2019-gerebek-pasar-legi-gresik"}


def test_filters_combine(small_corpus):
    filters = Filters.create(provinces=["Jawa Timur"], levels=["kabupaten"],
                             min_tier="kipp-top99", year_to=2018)
    assert accepted(small_corpus, filters) == {"kipp-2015-lahir-procot-banyuwangi"}


def test_exclude_region_filter(small_corpus):
    filters = Filters.create(exclude_region="  Kota Surabaya ")
    assert filters.exclude_region == "Kota Surabaya" and filters.active
    rejected = {r.id for r in small_corpus} - accepted(small_corpus, filters)
    assert rejected == {"kipp-2014-surabaya-single-window", "repl-e-budgeting-surabaya"}
    blank = Filters.create(exclude_region="   ")
    assert blank.exclude_region is None and not blank.active


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"sectors": ["antariksa"]}, "unknown sector 'antariksa'; expected a code: adminduk"),
    ({"provinces": ["Atlantis"]}, "unknown province 'Atlantis'"),
    ({"levels": ["planet"]}, "unknown level 'planet'"),
    ({"min_tier": "emas"},
     "unknown award tier 'emas'; known: unpsa, kipp-top, kipp-top99, iga, lainnya, none"),
    ({"year_from": 2020, "year_to": 2010}, "year_from 2020 is after year_to 2010"),
])
def test_create_rejects_bad_values(kwargs, message):
    with pytest.raises(ValueError) as info:
        Filters.create(**kwargs)
    assert message in str(info.value)


def region_record(region: str, level: str, province: str, agency: str = "") -> Innovation:
    return Innovation(id="r", title="Contoh", region=region, level=level, province=province,
                      agency=agency or f"Pemerintah {region}")


@pytest.mark.parametrize("own", ["Kota Surabaya", "Surabaya", "kota  SURABAYA",
                                 "Pemerintah Kota Surabaya"])
def test_own_region_names_exclude_kota_surabaya(small_corpus, own):
    assert is_own_region(small_corpus.by_id["kipp-2014-surabaya-single-window"], own)


@pytest.mark.parametrize("other", ["Kabupaten Surabaya", "Kota Bogor", "Jawa Timur",
                                   "Surabaya Utara"])
def test_other_names_do_not_exclude_kota_surabaya(small_corpus, other):
    assert not is_own_region(small_corpus.by_id["kipp-2014-surabaya-single-window"], other)


def test_kabupaten_and_kota_of_the_same_name_differ():
    kota_bogor = region_record("Kota Bogor", "kota", "Jawa Barat")
    kabupaten_bogor = region_record("Kabupaten Bogor", "kabupaten", "Jawa Barat")
    assert not is_own_region(kota_bogor, "Kabupaten Bogor")
    assert not is_own_region(kabupaten_bogor, "Kota Bogor")
    assert is_own_region(kota_bogor, "Kota Bogor")
    assert is_own_region(kabupaten_bogor, "Kabupaten Bogor")


def test_province_records_are_excluded_by_province_name(small_corpus):
    province_record = small_corpus.by_id["iga-2024-klinik-hoaks-jatim"]
    assert is_own_region(province_record, "Jawa Timur")
    assert is_own_region(province_record, "Provinsi Jawa Timur")
    assert not is_own_region(province_record, "Jawa Barat")
    # A city inside the province does not exclude the province's own innovation...
    assert not is_own_region(province_record, "Kota Surabaya")
    # ... and the province does not exclude its cities' innovations.
    assert not is_own_region(small_corpus.by_id["kipp-2014-surabaya-single-window"],
                             "Jawa Timur")


@pytest.mark.parametrize("region", ["!!!", "-", "\u5317\u4eac"])
def test_region_name_without_letters_excludes_nothing(small_corpus, region):
    from matcher.filters import is_own_region

    assert not any(is_own_region(r, region) for r in small_corpus)
