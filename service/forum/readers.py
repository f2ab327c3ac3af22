"""Read forum regions, innovators and constraints from CSV, XLSX or JSON.

Errors name the file, the row and the column, and every problem is listed at once.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from corpus.schema import Innovation
from corpus.vocab import normalise_level, normalise_province, normalise_sector
from matcher.forum.build import ForumRules, InnovatorSpec, RegionSpec

LIST_SEPARATOR = "|"
MAX_CONTACT = 200
INLINE_FIELDS = ("title", "agency", "region", "province", "level", "sector", "problem",
                 "solution", "outcome", "acronym_expansion")


@dataclass(frozen=True)
class InputProblem:
    """One problem in an input file."""

    file: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        column = f", column '{self.column}'" if self.column else ""
        return f"{self.file}: row {self.row}{column}: {self.message}"


class ForumFileError(ValueError):
    """Raised with every problem found in the forum input files."""

    def __init__(self, problems: list[InputProblem]) -> None:
        self.problems = problems
        listed = "\n".join(f"  {p}" for p in problems[:30])
        super().__init__(f"{len(problems)} problem(s) in forum input:\n{listed}")


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, row) pairs of a CSV, XLSX or JSON file (rows numbered as a person sees)."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ForumFileError([InputProblem(str(path), 0, "", "file not found")])
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
        for row in reader:
            yield reader.line_num, {k.strip(): v for k, v in row.items() if k}
    elif suffix == ".xlsx":
        from zipfile import BadZipFile

        from openpyxl import load_workbook

        try:
            sheet = load_workbook(path, read_only=True, data_only=True).active
        except (BadZipFile, KeyError, ValueError) as exc:
            raise ForumFileError([InputProblem(str(path), 0, "", f"not a readable .xlsx "
                                               f"workbook: {exc}")]) from None
        rows = sheet.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        for n, values in enumerate(rows, start=2):
            if any(v not in (None, "") for v in values):
                yield n, {h: v for h, v in zip(header, values, strict=False) if h}
    elif suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ForumFileError([InputProblem(str(path), getattr(exc, "lineno", 0), "",
                                               f"not valid JSON: {exc}")]) from None
        if not isinstance(data, list):
            raise ForumFileError([InputProblem(str(path), 0, "", "expected a JSON array")])
        for n, row in enumerate(data, start=1):
            if not isinstance(row, dict):
                raise ForumFileError([InputProblem(str(path), n, "", "expected an object")])
            yield n, row
    else:
        raise ForumFileError([InputProblem(str(path), 0, "", f"unsupported file type "
                                           f"{suffix!r}; use .csv, .xlsx or .json")])


def _text(row: dict[str, Any], name: str) -> str:
    value = row.get(name)
    return "" if value is None else str(value).strip()


def _list(row: dict[str, Any], name: str) -> list[str]:
    value = row.get(name)
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in _text(row, name).split(LIST_SEPARATOR) if v.strip()]


class _Collector:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[InputProblem] = []

    def add(self, row: int, column: str, message: str) -> None:
        self.problems.append(InputProblem(self.file, row, column, message))

    def capacity(self, row: int, values: dict[str, Any]) -> int:
        raw = _text(values, "capacity") or "1"
        try:
            number = int(float(raw))
            if number < 1 or number != float(raw):
                raise ValueError
            return number
        except (ValueError, OverflowError):
            self.add(row, "capacity", f"must be a whole number >= 1, got {raw!r}")
            return 1

    def contact(self, row: int, values: dict[str, Any]) -> str:
        text = _text(values, "contact")
        if len(text) > MAX_CONTACT:
            self.add(row, "contact", f"is {len(text)} characters, the limit is {MAX_CONTACT}")
            return text[:MAX_CONTACT]
        return text

    def ident(self, row: int, values: dict[str, Any], seen: dict[str, int]) -> str:
        ident = _text(values, "id")
        if not ident:
            self.add(row, "id", "is missing")
        elif ident in seen:
            self.add(row, "id", f"duplicate id {ident!r} (first in row {seen[ident]})")
        else:
            seen[ident] = row
        return ident


def read_regions(path: Path) -> list[RegionSpec]:
    """Regions: id, name, province, level, problem (and problem_2, ...), capacity, sectors,
    contact."""
    check = _Collector(str(path))
    seen: dict[str, int] = {}
    out = []
    for row, values in read_rows(path):
        ident = check.ident(row, values, seen)
        statements = [s for k in sorted(values) if k.startswith("problem")
                      for s in (_list(values, k) if isinstance(values[k], list)
                                else [_text(values, k)]) if s]
        if not statements:
            check.add(row, "problem", "at least one problem statement is needed")
        province, level = _text(values, "province"), _text(values, "level")
        for column, value, normalise in (("province", province, normalise_province),
                                         ("level", level, normalise_level)):
            if value:
                try:
                    normalise(value)
                except ValueError as exc:
                    check.add(row, column, str(exc))
        sectors = []
        for sector in _list(values, "sectors"):
            try:
                sectors.append(normalise_sector(sector))
            except ValueError as exc:
                check.add(row, "sectors", str(exc))
        out.append(RegionSpec(
            id=ident, name=_text(values, "name") or ident, statements=tuple(statements),
            province=normalise_province(province) if province and not check.problems
            else province, level=level, capacity=check.capacity(row, values),
            sectors=tuple(sectors), contact=check.contact(row, values)))
    if check.problems:
        raise ForumFileError(check.problems)
    return out


def read_innovators(path: Path, known_ids: set[str]) -> list[InnovatorSpec]:
    """Innovators: id, innovation_id (a corpus id) or inline innovation columns, capacity,
    name, home_region_id, contact."""
    check = _Collector(str(path))
    seen: dict[str, int] = {}
    out = []
    for row, values in read_rows(path):
        ident = check.ident(row, values, seen)
        innovation_id = _text(values, "innovation_id")
        inline = None
        if innovation_id:
            if innovation_id not in known_ids:
                check.add(row, "innovation_id", f"unknown innovation id {innovation_id!r}")
        elif _text(values, "title"):
            fields = {f: _text(values, f) for f in INLINE_FIELDS if _text(values, f)}
            fields.setdefault("level", "kabupaten")
            try:
                inline = Innovation.model_validate({"id": f"forum-{ident}", **fields})
            except ValidationError as exc:
                for err in exc.errors():
                    check.add(row, ".".join(map(str, err["loc"])), err["msg"])
        else:
            check.add(row, "innovation_id", "give a corpus innovation_id or describe the "
                      "innovation inline (title, problem, solution, ...)")
        out.append(InnovatorSpec(id=ident, capacity=check.capacity(row, values),
                                 innovation_id=innovation_id or None, inline=inline,
                                 name=_text(values, "name"),
                                 home_region_id=_text(values, "home_region_id") or None,
                                 contact=check.contact(row, values)))
    if check.problems:
        raise ForumFileError(check.problems)
    return out


def read_rules(path: Path | None, province_quota: int | None) -> ForumRules:
    """Constraints file with columns kind (forbid|require), region_id, innovator_id."""
    if path is None:
        return ForumRules(province_quota=province_quota)
    check = _Collector(str(path))
    forbidden, required = set(), set()
    for row, values in read_rows(path):
        kind = _text(values, "kind").lower()
        pair = (_text(values, "region_id"), _text(values, "innovator_id"))
        if not all(pair):
            check.add(row, "region_id" if not pair[0] else "innovator_id", "is missing")
        elif kind in ("forbid", "forbidden"):
            forbidden.add(pair)
        elif kind in ("require", "required"):
            required.add(pair)
        else:
            check.add(row, "kind", f"must be 'forbid' or 'require', got {kind!r}")
    if check.problems:
        raise ForumFileError(check.problems)
    return ForumRules(frozenset(forbidden), frozenset(required), province_quota)
