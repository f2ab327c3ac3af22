"""The forum plan as one XLSX workbook for organisers: Indonesian headers, sized columns,
a frozen header row and filters on every sheet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from service.forum.cells import FORMULA_STARTS

# (key in the row dicts, header, column width in characters)
Column = tuple[str, str, int]
PAIRS: tuple[Column, ...] = (
    ("round", "Sesi", 6), ("date", "Tanggal", 11), ("start", "Mulai", 7), ("end", "Selesai", 8),
    ("room", "Ruang/meja", 14), ("region", "Daerah", 28), ("province", "Provinsi", 20),
    ("region_contact", "Kontak daerah", 24), ("innovator", "Inovator", 30),
    ("innovator_contact", "Kontak inovator", 24), ("innovation", "Inovasi", 34),
    ("level", "Tingkat kecocokan", 14), ("affinity", "Peluang cocok", 12),
    ("forced", "Dipaksa panitia", 10), ("statement", "Masalah daerah", 50),
    ("why", "Mengapa cocok", 60), ("region_id", "ID daerah", 14),
    ("innovator_id", "ID inovator", 14), ("innovation_id", "ID inovasi", 30))
ALTERNATES: tuple[Column, ...] = (
    ("region", "Daerah", 28), ("rank", "Urutan", 7), ("innovator", "Inovator", 30),
    ("level", "Tingkat kecocokan", 14), ("affinity", "Peluang cocok", 12),
    ("region_id", "ID daerah", 14), ("innovator_id", "ID inovator", 14))
UNSERVED: tuple[Column, ...] = (
    ("region", "Daerah", 28), ("alasan", "Alasan", 60), ("alternatif", "Alternatif terbaik", 50),
    ("code", "Kode alasan", 14), ("region_id", "ID daerah", 14))
SUMMARY_WORDS = {
    "regions": "Daerah", "regions_served": "Daerah terlayani", "innovators": "Inovator",
    "innovators_used": "Inovator bertemu daerah", "pairs": "Pertemuan",
    "mean_affinity": "Rata-rata peluang cocok", "min_region_affinity": "Daerah terendah",
    "region_capacity_used": "Kapasitas daerah terpakai",
    "innovator_capacity_used": "Kapasitas inovator terpakai",
    "by_province": "Pertemuan per provinsi", "by_sector": "Pertemuan per sektor"}


def write_workbook(path: Path, data: dict[str, Any]) -> None:
    """Timetable, agendas per region and per innovator, alternates, unserved, summary."""
    from openpyxl import Workbook

    book = Workbook()
    pairs = data["pairs"]
    sheets = [("Jadwal", pairs, PAIRS),
              ("Per daerah", sorted(pairs, key=lambda r: (r["region_id"], r["round"] or 0)),
               PAIRS),
              ("Per inovator", sorted(pairs, key=lambda r: (r["innovator_id"],
                                                            r["round"] or 0)), PAIRS),
              ("Alternatif", data["alternates"], ALTERNATES),
              ("Tidak terlayani", data["unserved_detail"], UNSERVED)]
    for n, (title, rows, columns) in enumerate(sheets):
        sheet = book.active if n == 0 else book.create_sheet()
        sheet.title = title
        _table(sheet, [h for _, h, _ in columns], [[_value(r.get(k)) for k, _, _ in columns]
                                                   for r in rows],
               [w for _, _, w in columns])
    _table(book.create_sheet("Ringkasan"), ["Ukuran", "Nilai"], summary_rows(data), [34, 40])
    book.save(path)


def summary_rows(data: dict[str, Any]) -> list[list[Any]]:
    """The summary as label/value rows; a breakdown gets one row per entry."""
    rows: list[list[Any]] = [["Mode", data["mode"]], ["Status", data["status"]],
                             ["Sesi", data["rounds"]]]
    event = data.get("event") or {}
    for key, label in (("date", "Tanggal"), ("start", "Mulai"), ("venue", "Tempat")):
        if event.get(key):
            rows.append([label, event[key]])
    for key, value in data["summary"].items():
        label = SUMMARY_WORDS.get(key, key)
        if isinstance(value, dict):
            rows += [[f"{label}: {k}", v] for k, v in value.items()]
        else:
            rows.append([label, round(value, 4) if isinstance(value, float) else value])
    return rows


def _value(value: Any) -> Any:
    if isinstance(value, bool):
        return "ya" if value else ""
    return value


def _table(sheet, headers: list[str], rows: list[list[Any]], widths: list[int]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEF2F6")
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    for row in rows:
        sheet.append(list(row))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                # A typed string cell is never a formula; the quote-prefix flag keeps it text
                # when someone edits it, where CSV needs a visible apostrophe ("+62 812 ...")
                cell.data_type = "s"
                cell.quotePrefix = cell.value.startswith(FORMULA_STARTS)
    for n, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(n)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(1, sheet.max_row)}"
