"""Write a forum plan: CSV files, one XLSX workbook, a printable HTML agenda, JSON."""

from __future__ import annotations

import csv
import html
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from matcher.forum.build import ForumResult
from service.forum.cells import safe_cell


def pair_rows(result: ForumResult) -> list[dict[str, Any]]:
    """One row per proposed pair, with its round and table."""
    slot = {(m.region_id, m.innovator_id): (n, m.table)
            for n, meetings in enumerate(result.schedule.rounds, 1) for m in meetings}
    rows = []
    for match in result.plan.pairs:
        region = result.problem.region_by_id[match.region_id]
        innovator = result.problem.innovator_by_id[match.innovator_id]
        item = result.innovations[match.innovator_id]
        round_no, table = slot.get(match.pair, (None, None))
        rows.append({
            "round": round_no, "table": table, "region_id": region.id, "region": region.name,
            "province": region.province, "innovator_id": innovator.id,
            "innovator": innovator.name, "innovation_id": item.id, "innovation": item.title,
            "affinity": round(match.affinity, 4), "why": match.explanation})
    rows.sort(key=lambda r: (r["round"] or 0, r["table"] or 0, r["region_id"]))
    return rows


def alternate_rows(result: ForumResult) -> list[dict[str, Any]]:
    """Next-best admissible innovators per region that were not chosen."""
    return [{"region_id": region_id, "rank": n, "innovator_id": alt.innovator_id,
             "innovator": result.problem.innovator_by_id[alt.innovator_id].name,
             "affinity": round(alt.affinity, 4)}
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
        "pairs": pair_rows(result),
        "alternates": alternate_rows(result),
        "unserved": [asdict(u) for u in plan.unserved],
        "unserved_detail": unserved_rows(result),
        "summary": asdict(result.summary),
    }


def _write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows({k: safe_cell(v) for k, v in row.items()} for row in rows)


PAIR_COLUMNS = ["round", "table", "region_id", "region", "province", "innovator_id",
                "innovator", "innovation_id", "innovation", "affinity", "why"]


def write_xlsx(path: Path, result: ForumResult, data: dict[str, Any]) -> None:
    """One workbook: timetable, per-region and per-innovator agendas, alternates, summary."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheets = [("Jadwal", data["pairs"], PAIR_COLUMNS),
              ("Per daerah", sorted(data["pairs"], key=lambda r: (r["region_id"], r["round"])),
               PAIR_COLUMNS),
              ("Per inovator", sorted(data["pairs"], key=lambda r: (r["innovator_id"],
                                                                    r["round"])), PAIR_COLUMNS),
              ("Alternatif", data["alternates"],
               ["region_id", "rank", "innovator_id", "innovator", "affinity"]),
              ("Tidak terlayani", data["unserved_detail"],
               ["region_id", "region", "code", "alasan", "alternatif"])]
    first = True
    for title, rows, columns in sheets:
        sheet = book.active if first else book.create_sheet()
        first = False
        sheet.title = title
        sheet.append(columns)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            _append_values(sheet, [row.get(c) for c in columns])
    summary = book.create_sheet("Ringkasan")
    for key, value in data["summary"].items():
        _append_values(summary, [key, json.dumps(value, ensure_ascii=False)
                                 if isinstance(value, dict) else value])
    book.save(path)


def _append_values(sheet, values: list[Any]) -> None:
    """Append a row of values: every text is stored as text, never as a formula (openpyxl
    turns a string starting with '=' into one)."""
    sheet.append([safe_cell(v) for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def render_html(result: ForumResult, data: dict[str, Any]) -> str:
    """A printable agenda: master timetable, then one section per region and per innovator."""
    esc = html.escape

    def cell(value: Any) -> str:
        return f"<td>{esc('' if value is None else str(value))}</td>"

    def table(rows: list[dict[str, Any]], columns: list[tuple[str, str]]) -> str:
        head = "".join(f"<th>{esc(label)}</th>" for _, label in columns)
        body = "".join("<tr>" + "".join(cell(r.get(c)) for c, _ in columns) + "</tr>"
                       for r in rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    s = data["summary"]
    parts = [
        "<!doctype html><html lang='id'><head><meta charset='utf-8'>",
        "<title>Agenda Forum Replikasi</title><style>",
        "body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#1d2733}",
        "table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}",
        "th,td{border:1px solid #ccd;padding:.3rem .5rem;text-align:left;vertical-align:top}",
        "th{background:#eef2f6}section{page-break-inside:avoid}",
        "@media print{section.agenda{page-break-before:always}}</style></head><body>",
        "<h1>Agenda Forum Replikasi Inovasi</h1>",
        f"<p>{s['pairs']} pertemuan dalam {data['rounds']} sesi; {s['regions_served']} dari "
        f"{s['regions']} daerah terlayani; rata-rata kecocokan {s['mean_affinity']:.2f}; "
        f"mode <b>{esc(data['mode'])}</b> (total kecocokan {data['total_affinity']:.2f}, "
        f"sedangkan cara rakus/greedy: {data['baseline']['total_affinity']:.2f}).</p>",
        "<h2>Jadwal induk</h2>",
        table(data["pairs"], [("round", "Sesi"), ("table", "Meja"), ("region", "Daerah"),
                              ("innovator", "Inovator"), ("innovation", "Inovasi"),
                              ("affinity", "Kecocokan")]),
    ]
    missing = {u["region_id"]: u for u in data["unserved_detail"]}
    if missing:
        parts += [f"<h2>Daerah tanpa pasangan ({len(missing)})</h2>",
                  table(list(missing.values()), [("region", "Daerah"), ("alasan", "Alasan"),
                                                 ("alternatif", "Alternatif terbaik")])]
    for region_id, spec in result.regions.items():
        rows = [r for r in data["pairs"] if r["region_id"] == region_id]
        parts.append(f"<section class='agenda'><h2>Agenda daerah: {esc(spec.name)}</h2>")
        if rows:
            parts.append(table(rows, [("round", "Sesi"), ("table", "Meja"),
                                      ("innovation", "Inovasi"), ("innovator", "Inovator"),
                                      ("why", "Mengapa cocok")]))
        elif region_id in missing:
            why = missing[region_id]
            alt = f" Alternatif terbaik: {esc(why['alternatif'])}." if why["alternatif"] else ""
            parts.append(f"<p>Belum ada pertemuan: {esc(why['alasan'])}.{alt}</p>")
        else:
            parts.append("<p>Belum ada pasangan yang cocok untuk daerah ini.</p>")
        parts.append("</section>")
    for innovator in result.problem.innovators:
        rows = [r for r in data["pairs"] if r["innovator_id"] == innovator.id]
        parts.append(f"<section class='agenda'><h2>Agenda inovator: {esc(innovator.name)}</h2>")
        parts.append(table(rows, [("round", "Sesi"), ("table", "Meja"), ("region", "Daerah"),
                                  ("province", "Provinsi"), ("affinity", "Kecocokan")])
                     if rows else "<p>Tidak ada pertemuan.</p>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


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
    _write_csv(paths["alternates.csv"], data["alternates"],
               ["region_id", "rank", "innovator_id", "innovator", "affinity"])
    write_xlsx(paths["plan.xlsx"], result, data)
    paths["agenda.html"].write_text(render_html(result, data), encoding="utf-8")
    summary = {k: v for k, v in data.items() if k not in ("pairs", "alternates")}
    paths["summary.json"].write_text(json.dumps(summary, indent=2, ensure_ascii=False),
                                     encoding="utf-8")
    return list(paths.values())
