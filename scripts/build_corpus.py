"""Build the bundled corpus (corpus/data/innovations.jsonl) from shared corpus facts.

Rerunnable: reads ../shared/corpus_facts/*.jsonl (or --facts DIR), normalises sectors,
provinces, levels and awards, merges rows that describe the same innovation, keeps every
id and source, validates the result and writes it atomically.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from corpus.loader import Corpus, bundled_corpus_path, json_lines, save_corpus, validate_rows
from corpus.vocab import fold

# Raw sector labels found in the facts -> sector codes (corpus/vocab.py). The first topic
# named wins when a label lists several.
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


class FactError(ValueError):
    """A fact row that cannot be mapped onto the schema."""


def default_facts_dir() -> Path:
    """../shared/corpus_facts beside the project checkout."""
    return Path(__file__).resolve().parents[2] / "shared" / "corpus_facts"


def convert(fact: dict, where: str) -> dict:
    """Map one fact row onto the corpus schema (still unvalidated)."""
    row = dict(fact)
    raw_sector = row.pop("sector", "") or "lainnya"
    try:
        row["sector"] = RAW_SECTORS[raw_sector.strip().lower()]
    except KeyError:
        raise FactError(f"{where}: field 'sector': no code for {raw_sector!r}; add it to "
                        "RAW_SECTORS in scripts/build_corpus.py") from None
    row["awards"] = row.pop("award", "") or ""
    return row


def _identity(row: dict) -> tuple[str, str]:
    title = re.sub(r"\s*\(.*?\)", "", row["title"])
    return fold(title), fold(row.get("agency", ""))


def merge_same_innovation(rows: list[dict]) -> tuple[list[dict], list[str]]:
    """Merge rows with the same title and agency: one row whose awards and sources list all."""
    merged: dict[tuple[str, str], dict] = {}
    notes: list[str] = []
    for row in rows:
        key = _identity(row)
        if not key[0]:
            merged[("", row["id"])] = row
            continue
        if key not in merged:
            merged[key] = row
            continue
        kept = merged[key]
        notes.append(f"merged {row['id']} into {kept['id']}")
        awards = [a for a in (kept["awards"], row["awards"]) if a]
        kept["awards"] = "; ".join(awards)
        kept["sources"] = list(dict.fromkeys([*kept.get("sources", []),
                                              *row.get("sources", [])]))
        for name in ("problem", "solution", "outcome", "acronym_expansion", "region"):
            if not kept.get(name) and row.get(name):
                kept[name] = row[name]
        kept["known_replications"] = max(kept.get("known_replications", 0),
                                         row.get("known_replications", 0))
    return list(merged.values()), notes


def build(facts_dir: Path) -> tuple[Corpus, list[str]]:
    """Read, convert, merge and validate every fact file in `facts_dir`."""
    files = sorted(facts_dir.glob("*.jsonl"))
    if not files:
        raise FactError(f"{facts_dir}: no *.jsonl fact files found")
    rows: list[dict] = []
    for path in files:
        for line_no, line in enumerate(json_lines(path.read_text(encoding="utf-8")), 1):
            if line.strip():
                rows.append(convert(json.loads(line), f"{path}:{line_no}"))
    merged, notes = merge_same_innovation(rows)
    corpus = validate_rows(list(enumerate(merged, start=1)), "corpus facts")
    return corpus, notes


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=Path, default=default_facts_dir())
    parser.add_argument("--out", type=Path, default=bundled_corpus_path())
    args = parser.parse_args(argv)
    corpus, notes = build(args.facts)
    save_corpus(corpus, args.out)
    for note in notes:
        print(note)
    print(f"wrote {len(corpus)} innovations to {args.out} (hash {corpus.content_hash[:12]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
