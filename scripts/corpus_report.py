"""Counts of the bundled corpus for docs/corpus.md (a report, not a test).

By award programme, year, award tier, level, province and sector; the share of rows with
each field a replicator needs; and how many rows are thin. Rewrites its generated block.
Run: .venv/bin/python scripts/corpus_report.py
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from corpus.collection import Corpus
from corpus.loader import load_bundled_corpus
from corpus.vocab import PROVINCES, SECTOR_BY_CODE
from service.evaldoc import write_generated

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = "scripts/corpus_report.py"


def programme(award: str) -> str:
    """The award programme an award string belongs to."""
    text = award.lower()
    for key, name in (("unpsa", "UNPSA"), ("united nations", "UNPSA"), ("iga", "IGA"),
                      ("innovative government", "IGA"), ("pkri", "PKRI (KemenPAN-RB)"),
                      ("kipp", "KIPP"), ("top", "KIPP")):
        if key in text:
            return name
    return "other"


def table(title: str, counts: Iterable[tuple[str, int]], total: int) -> list[str]:
    """A two-column markdown table with shares."""
    lines = [f"| {title} | innovations | share |", "|---|---|---|"]
    lines += [f"| {k} | {n} | {n / total:.0%} |" for k, n in counts]
    return lines + [""]


def render(corpus: Corpus) -> str:
    """The markdown block."""
    n = len(corpus)
    programmes = Counter(p for r in corpus for p in {programme(a) for a in r.awards}
                         or {"none"})
    years = Counter(str(r.year) if r.year else "unknown" for r in corpus)
    tiers = Counter(r.award_tier.value for r in corpus)
    levels = Counter(r.level.value for r in corpus)
    provinces = Counter(r.province or "(national or none)" for r in corpus)
    sectors = Counter(SECTOR_BY_CODE[r.sector].label for r in corpus)
    fields = {
        "at least one source": sum(bool(r.sources) for r in corpus),
        "problem and solution, two sentences each (`full`)":
            sum(r.detail_level.value == "full" for r in corpus),
        "some problem or solution text (`summary`)":
            sum(r.detail_level.value == "summary" for r in corpus),
        "no problem and no solution (`title_only`)":
            sum(r.detail_level.value == "title_only" for r in corpus),
        "thin (under 25 words of problem and solution)": sum(r.is_thin for r in corpus),
        "responsible unit (`unit`)": sum(bool(r.unit) for r in corpus),
        "running status with a year (`status`, `status_year`)":
            sum(r.status.value != "tidak diketahui" for r in corpus),
        "legal basis (`legal_basis`)": sum(bool(r.legal_basis) for r in corpus),
        "needs (`needs`: staff, budget, technology or partners)":
            sum(r.needs.stated for r in corpus),
        "cost (`cost`)": sum(bool(r.cost) for r in corpus),
        "named adopters (`adopters`)": sum(bool(r.adopters) for r in corpus),
        "merged ids kept as `aliases`": sum(bool(r.aliases) for r in corpus),
    }
    lines = [f"{n} innovations, {sum(len(r.adopters) for r in corpus)} named adopters, "
             f"{sum(len(r.aliases) for r in corpus)} merged ids.", ""]
    lines += table("field present", fields.items(), n)
    lines += table("award programme (a row may have several)", programmes.most_common(), n)
    lines += table("best award tier", tiers.most_common(), n)
    lines += table("year", sorted(years.items()), n)
    lines += table("level", levels.most_common(), n)
    lines += table("sector", sectors.most_common(), n)
    order = {p: i for i, p in enumerate(PROVINCES)}
    lines += table("province (of the innovation's origin)",
                   sorted(provinces.items(), key=lambda kv: order.get(kv[0], 99)), n)
    missing = [p for p in PROVINCES if p not in provinces]
    lines.append(f"Provinces with no innovation yet: {', '.join(missing) or 'none'}.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "corpus.md")
    args = parser.parse_args(argv)
    block = render(load_bundled_corpus())
    write_generated(args.out, block, GENERATOR)
    print(block)
    return 0


if __name__ == "__main__":
    sys.exit(main())
