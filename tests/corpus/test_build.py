"""The corpus build: the bundled corpus is exactly what the build makes of corpus/sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus.build import MERGES, build, default_sources_dir
from corpus.loader import CorpusError, load_bundled_corpus

BASE = {"id": "kipp-2019-a", "title": "Layanan A", "agency": "Pemerintah Kota A",
        "region": "Kota A", "province": "Jawa Timur", "level": "kota", "year": 2019,
        "award": "KIPP Top 99 2019", "sector": "kesehatan", "problem": "Antre lama. Sulit.",
        "solution": "Daftar daring. Petugas datang.", "outcome": "", "detail_level": "full",
        "sources": ["https://example.org/a"]}
RESEARCH = {"id": "kipp-2020-b", "title": "Layanan B", "acronym_expansion": "",
            "agency": "Pemerintah Kabupaten B", "unit": "Dinas Kesehatan", "region":
            "Kabupaten B", "province": "Bali", "level": "kabupaten", "year": 2020,
            "award": "KIPP Top 45 2020", "sector": "kesehatan",
            "problem": "Ibu hamil jauh dari puskesmas. Banyak yang tidak periksa.",
            "solution": "Bidan berkeliling desa. Data ibu hamil dipantau tiap bulan.",
            "outcome": "", "status": "berjalan", "status_year": 2023, "legal_basis": [],
            "needs": {"staff": "bidan desa"}, "cost": "", "adopters": [
                {"region": "Kabupaten C", "province": "Bali", "year": 2022,
                 "stage": "implemented", "source": "https://example.org/c"}],
            "sources": ["https://example.org/b"], "note": ""}


def _write(folder: Path, name: str, rows: list[dict]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n"
                                       for r in rows), encoding="utf-8")


def test_the_bundled_corpus_is_the_build_of_the_sources():
    built, _ = build(default_sources_dir())
    bundled = load_bundled_corpus()
    assert built.content_hash == bundled.content_hash, "run 'make corpus'"


def test_merged_ids_keep_resolving():
    bundled = load_bundled_corpus()
    for absorbed, kept in MERGES.items():
        assert absorbed not in bundled.by_id
        assert bundled.resolve(absorbed).id == kept
        assert absorbed in bundled.by_id[kept].aliases


def test_a_research_row_enriches_the_row_with_its_id(tmp_path):
    richer = dict(RESEARCH, id=BASE["id"], title=BASE["title"], agency=BASE["agency"],
                  sources=["https://example.org/more"])
    _write(tmp_path, "facts_base.jsonl", [BASE])
    _write(tmp_path, "research_x.jsonl", [richer, RESEARCH])
    corpus, _ = build(tmp_path)
    row = corpus.by_id[BASE["id"]]
    assert row.problem == richer["problem"]  # the richer text wins
    assert row.sources == ("https://example.org/a", "https://example.org/more")
    assert row.awards == ("KIPP Top 99 2019", "KIPP Top 45 2020")
    assert row.unit == "Dinas Kesehatan" and row.status == "berjalan"
    b = corpus.by_id["kipp-2020-b"]
    assert b.known_replications == 1 and b.adopters[0].region == "Kabupaten C"
    assert b.needs.staff == "bidan desa"


def test_an_enrichment_that_drops_the_facts_it_replaces_is_reported(tmp_path):
    base = dict(BASE, problem="Warga enggan datang ke kantor polisi karena jaraknya jauh. "
                               "Rasio polisi dan warga hanya satu banding sembilan ratus.")
    keeps = dict(RESEARCH, id=BASE["id"], title=BASE["title"], agency=BASE["agency"],
                 problem=base["problem"] + " Laporan kejahatan pun sering terlambat.",
                 solution=BASE["solution"] + " Laporan dipantau tiap hari.")
    drops = dict(keeps, problem="Kejahatan seperti pencurian kendaraan bermotor meningkat di "
                                "kota ini setiap tahun. Penanganan konvensional dinilai kurang "
                                "optimal bagi warga kota.")
    _write(tmp_path, "facts_base.jsonl", [base])
    _write(tmp_path, "research_x.jsonl", [keeps])
    assert not [n for n in build(tmp_path)[1] if n.startswith("warning")]
    _write(tmp_path, "research_x.jsonl", [drops])
    corpus, notes = build(tmp_path)
    assert corpus.by_id[BASE["id"]].problem == drops["problem"]  # still the richer text
    warnings = [n for n in notes if n.startswith("warning")]
    assert len(warnings) == 1 and BASE["id"] in warnings[0] and "problem" in warnings[0]


def test_the_same_title_and_agency_become_one_row_with_an_alias(tmp_path):
    again = dict(RESEARCH, id="iga-2021-b-again", award="IGA 2021")
    _write(tmp_path, "research_x.jsonl", [RESEARCH, again])
    corpus, notes = build(tmp_path)
    assert len(corpus) == 1 and corpus.resolve("iga-2021-b-again").id == "kipp-2020-b"
    assert notes == ["merged iga-2021-b-again into kipp-2020-b"]


@pytest.mark.parametrize(("change", "field"), [
    ({"sources": ["javascript:alert(1)"]}, "sources"),
    ({"sources": []}, "sources"),
    ({"sector": "olahraga"}, "sector"),
    ({"solution": "Hanya satu kalimat."}, "solution"),
    ({"status": "aktif"}, "status"),
    ({"adopters": ["Kabupaten C"]}, "adopters.0"),
    ({"award": "KIPP Top 45 2020; IGA 2021 (" + "dipaparkan " * 30 + ")"}, "award"),
])
def test_a_bad_row_is_refused_with_its_file_line_and_field(tmp_path, change, field):
    _write(tmp_path, "research_x.jsonl", [RESEARCH, dict(RESEARCH, id="kipp-2020-c", **change)])
    with pytest.raises(CorpusError) as info:
        build(tmp_path)
    located = [(Path(e.file).name, e.line, e.field) for e in info.value.errors]
    assert ("research_x.jsonl", 2, field) in located


def test_a_bad_base_row_is_located_too(tmp_path):
    _write(tmp_path, "facts_base.jsonl", [BASE, dict(BASE, id="x y", level="galaxy")])
    with pytest.raises(CorpusError) as info:
        build(tmp_path)
    assert {(e.line, e.field) for e in info.value.errors} >= {(2, "id"), (2, "level")}


def test_merging_keeps_an_award_whose_note_holds_a_semicolon(tmp_path):
    award = "IGA 2023 (Kota Terinovatif; inovasi yang dilaporkan)"
    _write(tmp_path, "facts_base.jsonl", [dict(BASE, award=award)])
    _write(tmp_path, "research_x.jsonl", [dict(RESEARCH, id=BASE["id"], title=BASE["title"],
                                               agency=BASE["agency"], award=award)])
    corpus, _ = build(tmp_path)
    assert corpus.by_id[BASE["id"]].awards == (award,)


def test_a_research_row_with_two_awards_keeps_them_apart(tmp_path):
    award = "KIPP Top 45 2020 (Top 99 lebih dulu; lalu Top 45); IGA 2021 (inovasi unggulan)"
    _write(tmp_path, "research_x.jsonl", [dict(RESEARCH, award=award)])
    corpus, _ = build(tmp_path)
    assert corpus.by_id[RESEARCH["id"]].awards == (
        "KIPP Top 45 2020 (Top 99 lebih dulu; lalu Top 45)", "IGA 2021 (inovasi unggulan)")


def test_a_merged_row_that_breaks_a_limit_is_named_by_its_id(tmp_path):
    many = [f"https://example.org/{n}" for n in range(20)]
    more = [f"https://example.net/{n}" for n in range(20)]
    _write(tmp_path, "research_x.jsonl", [dict(RESEARCH, sources=many)])
    _write(tmp_path, "research_y.jsonl", [dict(RESEARCH, sources=more)])
    with pytest.raises(CorpusError) as info:
        build(tmp_path)
    assert [(e.file.endswith(f"(merged row {RESEARCH['id']})"), e.field)
            for e in info.value.errors] == [(True, "sources")]
