"""Award tiers for the award strings that occur in the bundled corpus."""

from __future__ import annotations

import pytest

from corpus.awards import TIER_LABEL, TIER_RANK, AwardTier, award_tier, best_tier, split_awards
from corpus.schema import Innovation

# Strings copied from corpus/data/innovations.jsonl (or, for the ';' ones, the raw facts it
# is built from), with the tier a reviewer would give them.
REAL_AWARDS: list[tuple[str, AwardTier]] = [
    ("UNPSA 2018", AwardTier.UNPSA),
    ("UNPSA 2015 (Juara II Kategori 3 Asia Pasifik)", AwardTier.UNPSA),
    ("UNPSA 2024 (Honorable Mention)", AwardTier.UNPSA),
    ("nominator UNPSA 2014", AwardTier.OTHER),
    ("KIPP Top 9 2014", AwardTier.KIPP_TOP),
    ("KIPP Top 25 2015", AwardTier.KIPP_TOP),
    ("KIPP Top 45 2019", AwardTier.KIPP_TOP),
    ("Top 45 KIPP 2021", AwardTier.KIPP_TOP),
    ("KIPP Top 5 Replikasi 2021", AwardTier.KIPP_TOP),
    ("KIPP 2020 Top 15", AwardTier.KIPP_TOP),
    ("KIPP 15 Finalis Kelompok Khusus 2020", AwardTier.KIPP_TOP),
    ("Top 5 Outstanding Achievement of Public Service Innovation KIPP 2022", AwardTier.KIPP_TOP),
    ("KIPP 2022 Inovasi Pelayanan Publik Terpuji (Top 45/Top 50, kategori pelayanan umum "
     "klaster kementerian)", AwardTier.KIPP_TOP),
    ("Top 21 Inovasi Pelayanan Publik Penanganan Covid-19 2020 (KemenPANRB)",
     AwardTier.KIPP_TOP),
    ("Top Inovasi Pelayanan Publik Kelompok Keberlanjutan 2024 (PKRI KemenPANRB)",
     AwardTier.KIPP_TOP),
    ("KIPP Top 99 2019", AwardTier.KIPP_TOP99),
    ("Top 99 KIPP 2020", AwardTier.KIPP_TOP99),
    ("finalis Top 99 KIPP 2023", AwardTier.KIPP_TOP99),
    ("KIPP Finalis Top Inovasi 2021", AwardTier.KIPP_TOP99),
    ("KIPP 2019 (penghargaan inovasi delegasi Indonesia di UN Public Service Forum)",
     AwardTier.OTHER),
    ("IGA 2024 (Kota Terinovatif)", AwardTier.IGA),
    ("IGA 2023 (nominator akhir/penerima penghargaan, inovasi yang divalidasi lapangan)",
     AwardTier.IGA),
    ("IGA 2023 (Kota Terinovatif; inovasi yang dilaporkan)", AwardTier.IGA),
    ("Innovative Government Award 2022", AwardTier.IGA),
    ("Grand Award Pelayanan Publik Fajar Institute Pro Otonomi 2011", AwardTier.OTHER),
    ("Top 45 Kovablik Jawa Timur 2025", AwardTier.OTHER),
    ("", AwardTier.NONE),
    ("   ", AwardTier.NONE),
]


@pytest.mark.parametrize(("award", "tier"), REAL_AWARDS)
def test_tier_of_real_award_strings(award, tier):
    assert award_tier(award) is tier


@pytest.mark.parametrize(("text", "tier"), [
    ("KIPP Top 99 2019; KIPP Top 45 2019", AwardTier.KIPP_TOP),
    ("Grand Award Pelayanan Publik Fajar Institute Pro Otonomi 2011; nominator UNPSA 2014",
     AwardTier.OTHER),
    ("IGA 2021 (Kabupaten Terinovatif, inovasi prioritas); KIPP Top 99 2017",
     AwardTier.KIPP_TOP99),
    ("KIPP Top 40 2018; UNPSA 2019; IGA 2020", AwardTier.UNPSA),
    ("", AwardTier.NONE),
])
def test_best_tier_of_award_strings(text, tier):
    assert best_tier(split_awards(text)) is tier
    # The record validator splits the same string and reports the same tier.
    record = Innovation(id="x", title="X", level="kota", awards=text)
    assert record.award_tier is tier


def test_best_tier_of_nothing_is_none():
    assert best_tier(()) is AwardTier.NONE
    assert best_tier([]) is AwardTier.NONE


def test_split_awards_trims_and_deduplicates_in_order():
    assert split_awards(" KIPP Top 99 2019 ;KIPP Top 45 2019; KIPP Top 99 2019;; ") == (
        "KIPP Top 99 2019", "KIPP Top 45 2019")
    assert split_awards("") == ()
    assert split_awards(" ; ; ") == ()


def test_split_awards_keeps_semicolons_inside_parentheses():
    text = ("IGA 2022 (Kabupaten Terinovatif, inovasi non-digital unggulan; juga inovasi "
            "prioritas IGA 2021); KIPP Top 99 2019")
    assert split_awards(text) == (
        "IGA 2022 (Kabupaten Terinovatif, inovasi non-digital unggulan; juga inovasi "
        "prioritas IGA 2021)",
        "KIPP Top 99 2019",
    )


def test_ranks_order_tiers_strictly():
    order = [AwardTier.UNPSA, AwardTier.KIPP_TOP, AwardTier.KIPP_TOP99, AwardTier.IGA,
             AwardTier.OTHER, AwardTier.NONE]
    assert sorted(AwardTier, key=TIER_RANK.__getitem__, reverse=True) == order
    assert len(set(TIER_RANK.values())) == len(AwardTier)
    assert set(TIER_LABEL) == set(AwardTier)


def test_small_corpus_tiers(small_corpus):
    tiers = {r.id: r.award_tier for r in small_corpus}
    assert tiers["unpsa-2015-kemitraan-dukun-bidan-aceh-singkil"] is AwardTier.UNPSA
    assert tiers["kipp-2014-surabaya-single-window"] is AwardTier.KIPP_TOP
    assert tiers["kipp-2019-gerebek-pasar-legi-gresik"] is AwardTier.KIPP_TOP99
    assert tiers["iga-2024-klinik-hoaks-jatim"] is AwardTier.IGA
    assert tiers["repl-e-budgeting-surabaya"] is AwardTier.NONE
