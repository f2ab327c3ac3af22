"""Write a forum plan: CSV files, one XLSX workbook, a printable HTML agenda, JSON."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from matcher.forum.build import ForumResult
from matcher.relevance import level
from service.forum.agenda import render_agenda
from service.forum.cells import safe_cell
from service.forum.xlsx import write_workbook


def pair_rows(result: ForumResult) -> list[dict[str, Any]]:
    """One row per proposed pair: when and where it meets, who, how well and why."""
    slot = {(m.region_id, m.innovator_id): (n, m.table)
            for n, meetings in enumerate(result.schedule.rounds, 1) for m in meetings}
    event = result.event
    rows = []
    for match in result.plan.pairs:
        region = result.problem.region_by_id[match.region_id]
        innovator = result.problem.innovator_by_id[match.innovator_id]
        item = result.innovations[match.innovator_id]
        round_no, table = slot.get(match.pair, (None, None))
        own = result.forced_probability.get(match.pair, match.affinity)
        begin = end = None
        if round_no is not None:
            begin, end = event.slot(round_no)
        rows.append({
            "round": round_no, "table": table,
            "date": begin.date().isoformat() if event.date and begin else None,
            "start": f"{begin:%H:%M}" if begin else None,
            "end": f"{end:%H:%M}" if end else None,
            "clock": event.clock(round_no) if round_no else "",
            "room": event.room(table),
            "region_id": region.id, "region": region.name, "province": region.province,
            "region_contact": _contact(result.regions.get(region.id)),
            "innovator_id": innovator.id, "innovator": innovator.name,
            "innovator_contact": _contact(result.innovators.get(innovator.id)),
            "innovation_id": item.id, "innovation": item.title,
            "affinity": round(own, 4), "level": level(own),
            "forced": match.pair in result.forced,
            "statement": result.statements.get(match.pair, ""), "why": match.explanation})
    rows.sort(key=lambda r: (r["round"] or 0, r["table"] or 0, r["region_id"]))
    return rows


def _contact(spec: Any) -> str:
    return getattr(spec, "contact", "") or ""


def alternate_rows(result: ForumResult) -> list[dict[str, Any]]:
    """Next-best admissible innovators per region that were not chosen."""
    regions = result.problem.region_by_id
    return [{"region_id": region_id, "region": regions[region_id].name, "rank": n,
             "innovator_id": alt.innovator_id,
             "innovator": result.problem.innovator_by_id[alt.innovator_id].name,
             "affinity": round(alt.affinity, 4), "level": level(alt.affinity)}
            for region_id, alts in result.plan.alternates.items()
            for n, alt in enumerate(alts, 1)]


UNSERVED_WORDS = {
    "no_admissible": "tidak ada inovator yang cukup cocok (semua di bawah ambang kecocokan)",
    "forbidden": "semua inovator yang cocok dikecualikan (aturan forum atau daerah asal)",
    "capacity": "kapasitas inovator yang cocok habis untuk daerah lain",
}


def unserved_rows(result: ForumResult) -> list[dict[str, Any]]:
    """Every region without a pair: why, in Indonesian and as a code, and its alternates."""
    regions, innovators = result.problem.region_by_id, result.problem.innovator_by_id
    return [{"region_id": u.region_id, "region": regions[u.region_id].name, "code": u.code,
             "alasan": UNSERVED_WORDS.get(u.code, u.code), "reason": u.reason,
             "alternates": list(u.alternates),
             "alternatif": "; ".join(innovators[i].name for i in u.alternates)}
            for u in result.plan.unserved]


def result_dict(result: ForumResult) -> dict[str, Any]:
    """The whole plan as JSON-ready data (the API response and summary.json)."""
    plan, base = result.plan, result.baseline
    return {
        "mode": plan.mode, "status": plan.status, "solve_seconds": round(plan.solve_seconds, 3),
        "total_affinity": round(plan.total, 4),
        "min_region_affinity": plan.min_region_affinity,
        "baseline": {"method": "greedy", "total_affinity": round(base.total, 4),
                     "min_region_affinity": base.min_region_affinity,
                     "pairs": len(base.pairs)},
        "rounds": result.schedule.n_rounds,
        "event": _event_dict(result),
        "forced": [list(p) for p in sorted(result.forced)],
        "pairs": pair_rows(result),
        "alternates": alternate_rows(result),
        "unserved": [asdict(u) for u in plan.unserved],
        "unserved_detail": unserved_rows(result),
        "summary": asdict(result.summary),
    }


def _event_dict(result: ForumResult) -> dict[str, Any]:
    e = result.event
    return {"date": e.date.isoformat() if e.date else None, "start": f"{e.start:%H:%M}",
            "slot_minutes": e.slot_minutes, "break_minutes": e.break_minutes,
            "venue": e.venue, "rooms": list(e.rooms)}


def _write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows({k: safe_cell(v) for k, v in row.items()} for row in rows)


PAIR_COLUMNS = ["round", "date", "start", "end", "table", "room", "region_id", "region",
                "province", "region_contact", "innovator_id", "innovator", "innovator_contact",
                "innovation_id", "innovation", "affinity", "level", "forced", "statement", "why"]
ALTERNATE_COLUMNS = ["region_id", "region", "rank", "innovator_id", "innovator", "affinity",
                     "level"]


def write_outputs(result: ForumResult, out_dir: Path) -> list[Path]:
    """Write every output file into `out_dir`; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    data = result_dict(result)
    paths = {name: out_dir / name for name in (
        "timetable.csv", "agenda_regions.csv", "agenda_innovators.csv", "alternates.csv",
        "plan.xlsx", "agenda.html", "summary.json")}
    _write_csv(paths["timetable.csv"], data["pairs"], PAIR_COLUMNS)
    _write_csv(paths["agenda_regions.csv"],
               sorted(data["pairs"], key=lambda r: (r["region_id"], r["round"] or 0)),
               PAIR_COLUMNS)
    _write_csv(paths["agenda_innovators.csv"],
               sorted(data["pairs"], key=lambda r: (r["innovator_id"], r["round"] or 0)),
               PAIR_COLUMNS)
    _write_csv(paths["alternates.csv"], data["alternates"], ALTERNATE_COLUMNS)
    write_workbook(paths["plan.xlsx"], data)
    paths["agenda.html"].write_text(render_agenda(result, data), encoding="utf-8")
    summary = {k: v for k, v in data.items() if k not in ("pairs", "alternates")}
    paths["summary.json"].write_text(json.dumps(summary, indent=2, ensure_ascii=False),
                                     encoding="utf-8")
    return list(paths.values())
