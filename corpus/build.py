"""The corpus build: researched fact files -> one validated row per innovation.

Reads corpus/sources/*.jsonl: `facts_*` files (the first research, raw sector labels) and
`research_*` / `enrich_*` files (rows of corpus.facts.FactRow). Every row is checked where it
stands (file, line, field); rows with an existing id enrich that row; rows describing the
same innovation (same title and agency, or listed in MERGES) become one row whose `aliases`
keep the absorbed ids resolving; the result is validated as a Corpus. The bundled corpus and
its test use this same code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from pydantic import ValidationError

from corpus.awards import split_awards
from corpus.collection import Corpus
from corpus.facts import read_facts, sentence_count
from corpus.loader import (
    CorpusError,
    RecordError,
    jsonl_rows,
    validate_rows,
    validation_errors,
)
from corpus.schema import Innovation, region_key
from corpus.vocab import SECTOR_BY_CODE, fold

RAW_SECTORS: dict[str, str] = {
    "kesehatan": "kesehatan",
    "kesehatan (stunting)": "kesehatan",
    "kesehatan dan kegawatdaruratan": "kebencanaan",
    "kesehatan ibu dan anak": "kesehatan",
    "kesehatan (penyakit tidak menular)": "kesehatan",
    "pertanian dan perikanan": "pertanian",
    "pertanian (jagung)": "pertanian",
    "pertanian / ketahanan pangan": "pertanian",
    "pertanian / perkebunan (perlindungan tanaman)": "pertanian",
    "lainnya": "lainnya",
    "sosial dan kemiskinan": "sosial",
    "penanggulangan kemiskinan": "sosial",
    "penanggulangan kemiskinan / pemberdayaan perempuan": "sosial",
    "administrasi kependudukan": "adminduk",
    "administrasi kependudukan / perlindungan anak": "adminduk",
    "pengaduan dan tata kelola": "tatakelola",
    "tata kelola pemerintahan digital (spbe)": "tatakelola",
    "tata kelola pemerintahan / e-government": "tatakelola",
    "penelitian dan pengembangan / manajemen inovasi daerah": "tatakelola",
    "infrastruktur dan transportasi": "infrastruktur",
    "perumahan rakyat": "infrastruktur",
    "ekonomi dan umkm": "ekonomi",
    "koperasi dan umkm": "ekonomi",
    "pemberdayaan ekonomi desa / pariwisata": "desa",
    "pendidikan": "pendidikan",
    "perpustakaan / literasi": "pendidikan",
    "pajak dan keuangan daerah": "keuangan",
    "pengelolaan keuangan daerah": "keuangan",
    "pengelolaan keuangan daerah / pencegahan korupsi": "keuangan",
    "pendapatan daerah (pajak) dan persampahan": "keuangan",
    "perizinan dan investasi": "perizinan",
    "pelayanan terpadu / perizinan": "perizinan",
    "perizinan": "perizinan",
    "lingkungan hidup dan persampahan": "lingkungan",
    "lingkungan hidup / ekowisata": "lingkungan",
    "hukum dan peradilan": "hukum",
    "desa dan kelurahan": "desa",
    "perempuan dan anak": "perempuan-anak",
    "ketenagakerjaan": "ketenagakerjaan",
    "pariwisata dan budaya": "pariwisata",
    "pariwisata dan ekonomi kreatif": "pariwisata",
    "ketertiban dan keamanan": "ketertiban",
    "air bersih dan sanitasi": "air-sanitasi",
    "kebencanaan": "kebencanaan",
    "kepegawaian / kelembagaan": "kepegawaian",
}



# Rows the sources describe as one innovation although titles differ (issue 13): the
# absorbed id -> the id that is kept. Successive versions of one service are one row.
MERGES: dict[str, str] = {
    "repl-dongeng-with-mobile-library-makassar": "kipp-2017-dongkel-makassar",
    "repl-e-budgeting-surabaya": "kipp-2014-grms-surabaya",
    "repl-e-government-surabaya": "kipp-2014-grms-surabaya",
    "kipp-2021-kaltara-sipelandukilat-smart": "kipp-2019-sipelandukilat-kaltara",
    "kipp-2021-sapu-kuwat-sila-kia-surakarta": "kipp-2015-kartu-insentif-anak-surakarta",
    # Deli Serdang's 2016 and 2017 winners are two of the three programmes of DESA SATU
    "kipp-2016-deli-serdang-program-cerdas": "kipp-2020-deli-serdang-desa-satu",
    "kipp-2017-deli-serdang-opung-sari-basah-bang": "kipp-2020-deli-serdang-desa-satu",
}
TEXT_FIELDS = ("problem", "solution", "outcome")
FILL_FIELDS = ("acronym_expansion", "agency", "region", "province", "unit", "cost",
               "status_year")


def sector_code(raw: str) -> str:
    """The sector code of a raw label (a code stays itself); ValueError when unknown."""
    label = (raw or "lainnya").strip().lower()
    if label in SECTOR_BY_CODE:
        return label
    if label not in RAW_SECTORS:
        raise ValueError(f"no code for {raw!r}; add it to RAW_SECTORS in corpus/build.py")
    return RAW_SECTORS[label]


def _base_row(fact: dict, source: str, line: int) -> tuple[dict, list[RecordError]]:
    """A first-research row mapped onto the schema, and its problems."""
    row = dict(fact)
    try:
        row["sector"] = sector_code(row.pop("sector", ""))
    except ValueError as exc:
        return row, [RecordError(source, line, "sector", str(exc))]
    row["awards"] = row.pop("award", "") or ""
    try:
        Innovation.model_validate(row)
    except ValidationError as exc:
        return row, validation_errors(exc, source, line)
    return row, []


def fact_to_row(fact: dict) -> dict:
    """A research row (FactRow) as a corpus row (unvalidated)."""
    row = {k: v for k, v in fact.items() if k not in ("award", "note")}
    row["awards"] = list(split_awards(fact.get("award", "")))
    return row


def read_sources(folder: Path) -> tuple[list[dict], list[dict], list[RecordError]]:
    """(base rows, research rows, every problem found) of a sources folder."""
    errors: list[RecordError] = []
    base: list[dict] = []
    research: list[dict] = []
    files = sorted(Path(folder).glob("*.jsonl"))
    if not files:
        errors.append(RecordError(str(folder), 0, "", "no *.jsonl source files found"))
    for path in files:
        if path.name.startswith("facts_"):
            text = path.read_text(encoding="utf-8")
            for line, fact in jsonl_rows(text, str(path), errors):
                row, problems = _base_row(fact, str(path), line)
                errors.extend(problems)
                if not problems:
                    base.append(row)
        else:
            for _, fact, problems in read_facts(path):
                errors.extend(problems)
                if fact is not None and not problems:
                    research.append(fact_to_row(fact))
    return base, research, errors


def _words(text: str) -> int:
    return len(text.split())


# An enrichment whose text leaves out more than this share of the replaced text's content
# words has probably dropped facts the row stated; the build says so.
LOST_SHARE = 0.3
_CONTENT_WORD = re.compile(r"[^\W_]{4,}")


def lost_share(old: str, row: dict) -> float:
    """Share of the content words (4+ letters) of `old` that no text field of `row` has."""
    before = {w.lower() for w in _CONTENT_WORD.findall(old)}
    if not before:
        return 0.0
    after = {w.lower() for name in TEXT_FIELDS for w in _CONTENT_WORD.findall(row.get(name, ""))}
    return len(before - after) / len(before)


def merge_into(kept: dict, other: dict) -> list[str]:
    """Fold `other` (the same innovation) into `kept`: awards, sources, adopters and
    aliases are united; richer text replaces thinner; empty fields are filled. Returns a
    note for each replaced text whose words the new row mostly lacks."""
    replaced = {name: kept.get(name, "") for name in TEXT_FIELDS
                if _words(other.get(name, "")) > _words(kept.get(name, ""))}
    kept["awards"] = list(dict.fromkeys([*_awards(kept), *_awards(other)]))
    kept["sources"] = list(dict.fromkeys([*kept.get("sources", []),
                                          *other.get("sources", [])]))
    for name in TEXT_FIELDS:
        if _words(other.get(name, "")) > _words(kept.get(name, "")):
            kept[name] = other[name]
    for name in FILL_FIELDS:
        if not kept.get(name) and other.get(name):
            kept[name] = other[name]
    kept["legal_basis"] = list(dict.fromkeys([*kept.get("legal_basis", []),
                                              *other.get("legal_basis", [])]))
    if other.get("status") and other["status"] != "tidak diketahui" and (
            not kept.get("status") or kept.get("status") == "tidak diketahui"
            or (other.get("status_year") or 0) > (kept.get("status_year") or 0)):
        kept["status"], kept["status_year"] = other["status"], other.get("status_year")
    needs = dict(kept.get("needs") or {})
    for key, value in (other.get("needs") or {}).items():
        if value and not needs.get(key):
            needs[key] = value
    if needs:
        kept["needs"] = needs
    seen = {(region_key(a["region"]), a["stage"]) for a in kept.get("adopters", [])}
    kept["adopters"] = [*kept.get("adopters", []), *(
        a for a in other.get("adopters", [])
        if (region_key(a["region"]), a["stage"]) not in seen)]
    kept["known_replications"] = max(kept.get("known_replications", 0),
                                     other.get("known_replications", 0))
    if kept.get("year") and other.get("year"):
        kept["year"] = min(kept["year"], other["year"])
    return [f"warning: {kept['id']}: the richer {name} leaves out {share:.0%} of the words "
            f"of the {name} it replaces; keep its facts"
            for name, old in replaced.items() if (share := lost_share(old, kept)) > LOST_SHARE]


def _awards(row: dict) -> list[str]:
    value = row.get("awards", [])
    # The schema's own splitter: a ';' inside parentheses belongs to one award's note.
    return list(split_awards(value)) if isinstance(value, str) else list(value)


def _identity(row: dict) -> tuple[str, str]:
    title = re.sub(r"\s*\(.*?\)", "", row["title"])
    return fold(title), fold(row.get("agency", ""))


def detail_level(row: dict) -> str:
    """'full' with a problem and a solution of two sentences each, 'summary' with some
    text, else 'title_only'."""
    if sentence_count(row.get("problem", "")) >= 2 and \
            sentence_count(row.get("solution", "")) >= 2:
        return "full"
    return "summary" if row.get("problem") or row.get("solution") else "title_only"


def merge_rows(base: Iterable[dict], research: Iterable[dict]) -> tuple[list[dict], list[str]]:
    """One row per innovation: by id, then by title and agency, then by MERGES."""
    rows: dict[str, dict] = {}
    notes: list[str] = []
    for row in [*base, *research]:
        row = dict(row)
        if row["id"] in rows:
            notes += merge_into(rows[row["id"]], row)
        else:
            rows[row["id"]] = row
    by_identity: dict[tuple[str, str], str] = {}
    for iid in list(rows):
        key = _identity(rows[iid])
        if key[0] and key in by_identity:
            _absorb(rows, by_identity[key], iid, notes)
        elif key[0]:
            by_identity[key] = iid
    for absorbed, kept in MERGES.items():
        if absorbed in rows and kept in rows:
            _absorb(rows, kept, absorbed, notes)
    for row in rows.values():
        adopted = {region_key(a["region"]) for a in row.get("adopters", [])
                   if a["stage"] in ("mou-signed", "implemented")}
        row["known_replications"] = max(row.get("known_replications", 0), len(adopted))
        row["detail_level"] = detail_level(row)
    return list(rows.values()), notes


def _absorb(rows: dict[str, dict], kept: str, absorbed: str, notes: list[str]) -> None:
    other = rows.pop(absorbed)
    notes += merge_into(rows[kept], other)
    rows[kept]["aliases"] = list(dict.fromkeys(
        [*rows[kept].get("aliases", []), absorbed, *other.get("aliases", [])]))
    notes.append(f"merged {absorbed} into {kept}")


def build(folder: Path) -> tuple[Corpus, list[str]]:
    """The corpus of a sources folder, or CorpusError listing every bad row."""
    base, research, errors = read_sources(folder)
    if errors:
        raise CorpusError(errors)
    merged, notes = merge_rows(base, research)
    try:
        return validate_rows(list(enumerate(merged, start=1)), f"{folder} (merged)"), notes
    except CorpusError as exc:
        # Each source row was valid alone, so a merged row's position means nothing to the
        # user: name the row's id, which every file that holds a part of it shares.
        raise CorpusError([replace(e, file=f"{folder} (merged row {merged[e.line - 1]['id']})",
                                   line=0) for e in exc.errors]) from None


def default_sources_dir() -> Path:
    """corpus/sources in this checkout."""
    return Path(__file__).resolve().parent / "sources"
