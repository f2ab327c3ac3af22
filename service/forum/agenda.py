"""The forum plan as a printable HTML agenda: the master timetable, then one page per
participant, readable on a phone (tables turn into stacked cards below 640 px)."""

from __future__ import annotations

import html
from typing import Any

from matcher.forum.build import ForumResult
from matcher.relevance import shown_percent

MODE_WORDS = {"fair": "adil (daerah yang paling kurang terlayani didahulukan)",
              "total": "total kecocokan terbesar", "greedy": "rakus (pembanding)"}
STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:1.5rem;color:#1d2733;max-width:72rem}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}
th,td{border:1px solid #ccd;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#eef2f6}.forced{color:#8a3b00;font-weight:600}.meta{color:#475467}
@media (max-width:640px){
 body{margin:.75rem;font-size:16px}
 table,thead,tbody,tr,th,td{display:block;width:auto}
 thead{position:absolute;left:-9999px}
 tr{border:1px solid #ccd;border-radius:6px;margin:0 0 .75rem;padding:.25rem .5rem}
 td{border:0;padding:.2rem 0;overflow-wrap:anywhere}
 td::before{content:attr(data-label) ": ";font-weight:600}
}
@media print{body{margin:0;max-width:none}section.agenda{break-before:page}
 tr{break-inside:avoid}}
"""


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _table(rows: list[dict[str, Any]], columns: list[tuple[str, str]]) -> str:
    head = "".join(f"<th scope='col'>{_esc(label)}</th>" for _, label in columns)
    body = "".join(
        "<tr>" + "".join(f"<td data-label='{_esc(label)}'>{_cell(r, key)}</td>"
                         for key, label in columns) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(row: dict[str, Any], key: str) -> str:
    if key == "match":
        text = f"{row['level']} ({shown_percent(row['affinity'])})"
        if row.get("forced"):
            return f"{_esc(text)} <span class='forced'>dipaksa panitia</span>"
        return _esc(text)
    if key == "when":
        return _esc(f"Sesi {row['round']}, {row['clock']}" if row.get("round") else "")
    return _esc(row.get(key))


def _who(name: str, contact: str) -> str:
    return f"{name} ({contact})" if contact else name


def render_agenda(result: ForumResult, data: dict[str, Any]) -> str:
    """The whole agenda as one HTML document."""
    s, event = data["summary"], result.event
    place = " · ".join(x for x in (event.date.strftime("%d-%m-%Y") if event.date else "",
                                   event.venue) if x)
    parts = [
        "<!doctype html><html lang='id'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>Agenda Forum Replikasi</title><style>{STYLE}</style></head><body>",
        "<h1>Agenda Forum Replikasi Inovasi</h1>",
        f"<p class='meta'>{_esc(place)}</p>" if place else "",
        f"<p>{s['pairs']} pertemuan dalam {data['rounds']} sesi "
        f"({event.slot_minutes} menit per pertemuan, jeda {event.break_minutes} menit, "
        f"mulai {event.start:%H:%M}); {s['regions_served']} dari {s['regions']} daerah "
        f"mendapat pasangan; rata-rata peluang cocok {s['mean_affinity']:.0%}. Cara "
        f"pemasangan: {_esc(MODE_WORDS.get(data['mode'], data['mode']))}; total kecocokan "
        f"{data['total_affinity']:.2f}, dibanding {data['baseline']['total_affinity']:.2f} "
        "dengan cara rakus.</p>",
        "<h2>Jadwal induk</h2>",
        _table(data["pairs"], [("when", "Waktu"), ("room", "Ruang/meja"), ("region", "Daerah"),
                               ("innovator", "Inovator"), ("innovation", "Inovasi"),
                               ("match", "Kecocokan")]),
    ]
    missing = {u["region_id"]: u for u in data["unserved_detail"]}
    if missing:
        parts += [f"<h2>Daerah tanpa pasangan ({len(missing)})</h2>",
                  _table(list(missing.values()), [("region", "Daerah"), ("alasan", "Alasan"),
                                                  ("alternatif", "Alternatif terbaik")])]
    for region_id, spec in result.regions.items():
        rows = [r for r in data["pairs"] if r["region_id"] == region_id]
        parts.append("<section class='agenda'>"
                     f"<h2>Agenda daerah: {_esc(_who(spec.name, spec.contact))}</h2>")
        if rows:
            parts.append(_table(rows, [("when", "Waktu"), ("room", "Ruang/meja"),
                                       ("innovation", "Inovasi"), ("innovator", "Inovator"),
                                       ("innovator_contact", "Kontak inovator"),
                                       ("match", "Kecocokan"), ("why", "Mengapa cocok")]))
        elif region_id in missing:
            why = missing[region_id]
            alt = f" Alternatif terbaik: {_esc(why['alternatif'])}." if why["alternatif"] else ""
            parts.append(f"<p>Belum ada pertemuan: {_esc(why['alasan'])}.{alt}</p>")
        else:
            parts.append("<p>Belum ada pasangan yang cocok untuk daerah ini.</p>")
        parts.append("</section>")
    for innovator in result.problem.innovators:
        spec = result.innovators.get(innovator.id)
        rows = [r for r in data["pairs"] if r["innovator_id"] == innovator.id]
        title = _who(innovator.name, spec.contact if spec else "")
        parts.append(f"<section class='agenda'><h2>Agenda inovator: {_esc(title)}</h2>")
        parts.append(_table(rows, [("when", "Waktu"), ("room", "Ruang/meja"),
                                   ("region", "Daerah"), ("province", "Provinsi"),
                                   ("region_contact", "Kontak daerah"),
                                   ("statement", "Masalah daerah"), ("match", "Kecocokan")])
                     if rows else "<p>Tidak ada pertemuan.</p>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(p for p in parts if p)
