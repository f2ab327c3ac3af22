"""Load and save innovation corpora (JSONL or CSV) with precise, all-or-nothing validation."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from corpus.collection import Corpus
from corpus.files import write_atomic
from corpus.schema import Innovation

LIST_FIELDS = ("awards", "sources", "legal_basis", "aliases")
JSON_FIELDS = ("needs", "adopters")  # structured: a CSV cell holds JSON
CSV_LIST_SEPARATOR = "|"
MAX_REPORTED_ERRORS = 20


@dataclass(frozen=True)
class RecordError:
    """One problem in an input file, located by file, line and field."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file  # 0: no line
        return f"{where}: field '{self.field}': {self.message}" if self.field else \
            f"{where}: {self.message}"


class CorpusError(ValueError):
    """Raised when an input corpus is invalid; lists every problem found."""

    def __init__(self, errors: list[RecordError]):
        self.errors = errors
        shown = "\n".join(f"  {e}" for e in errors[:MAX_REPORTED_ERRORS])
        more = len(errors) - MAX_REPORTED_ERRORS
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(f"{len(errors)} problem(s) in corpus, nothing loaded:\n{shown}{tail}")


def bundled_corpus_path() -> Path:
    """Path of the corpus shipped with Replika."""
    return Path(str(resources.files("corpus").joinpath("data/innovations.jsonl")))


_NUMBER_FIELDS = ("year", "known_replications", "status_year")
_ARRAY_FIELDS = ("awards", "sources", "legal_basis", "adopters", "aliases")


def _coerced(row: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, what it should be) for JSON values lax validation would coerce: a string or
    boolean number ("2019" to 2019, false to 0), a string where a list belongs."""
    out = [(name, "a JSON number") for name in _NUMBER_FIELDS
           if isinstance(row.get(name), str | bool)]
    out += [(name, "a JSON array") for name in _ARRAY_FIELDS
            if name in row and not isinstance(row[name], list | tuple)]
    return out


def validation_errors(exc: ValidationError, source: str, line: int) -> list[RecordError]:
    """A pydantic error as RecordErrors naming the file, line and field."""
    return [RecordError(source, line, ".".join(str(p) for p in err["loc"]) or "(record)",
                        err["msg"].removeprefix("Value error, ")) for err in exc.errors()]


def validate_records(rows: Iterable[tuple[int, Mapping[str, Any]]], source: str, *,
                     strict: bool = False) -> list[Innovation]:
    """Validate (line, row) pairs into records, or raise CorpusError listing every problem.

    `strict` (JSON from a client): no coercion, so `false` or "5" is no number."""
    errors: list[RecordError] = []
    records: list[Innovation] = []
    first_line: dict[str, int] = {}
    for line, row in rows:
        try:
            coerced = _coerced(row) if strict else []
            if coerced:
                errors.extend(RecordError(source, line, name, f"must be {what}, not "
                                          f"{type(row[name]).__name__}")
                              for name, what in coerced)
                continue
            record = Innovation.model_validate(row)
        except ValidationError as exc:
            errors.extend(validation_errors(exc, source, line))
            continue
        if record.id in first_line:
            errors.append(RecordError(source, line, "id",
                                      f"duplicate id {record.id!r} (first on line "
                                      f"{first_line[record.id]})"))
            continue
        first_line[record.id] = line
        records.append(record)
    if errors:
        raise CorpusError(errors)
    return records


def validate_rows(rows: Iterable[tuple[int, Mapping[str, Any]]], source: str, *,
                  strict: bool = False) -> Corpus:
    """Validate (line, row) pairs into a Corpus (see validate_records)."""
    return Corpus(validate_records(rows, source, strict=strict), source=source)


def json_lines(text: str) -> list[str]:
    """Lines of JSON-lines text, split on newlines only.

    str.splitlines() also splits on U+2028 and friends, which JSON leaves unescaped inside
    strings (and so do we, with ensure_ascii=False).
    """
    return [line.removesuffix("\r") for line in text.split("\n")]


def jsonl_rows(text: str, source: str, errors: list[RecordError]
               ) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, object) pairs of JSON-lines text; bad lines are appended to `errors`."""
    for line_no, line in enumerate(json_lines(text), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(RecordError(source, line_no, "", f"invalid JSON: {exc.msg} "
                                      f"at column {exc.colno}"))
            continue
        if not isinstance(row, dict):
            errors.append(RecordError(source, line_no, "", "expected a JSON object"))
            continue
        yield line_no, row


def _csv_value(name: str, value: str | None) -> Any:
    if value is None:
        return None
    value = value.strip()
    if name in LIST_FIELDS:
        return [v.strip() for v in value.split(CSV_LIST_SEPARATOR) if v.strip()]
    if name in JSON_FIELDS:
        return json.loads(value) if value else None
    if name in ("year", "status_year") and value == "":
        return None
    if name == "known_replications" and value == "":
        return 0
    return value


def csv_cell(name: str, value: Any) -> Any:
    """One field of a record as a CSV cell (the inverse of how `csv_rows` reads it)."""
    if name in LIST_FIELDS:
        return CSV_LIST_SEPARATOR.join(value)
    if name in JSON_FIELDS:
        return json.dumps(value, ensure_ascii=False) if value else ""
    return "" if value is None else value


def csv_rows(text: str, source: str, errors: list[RecordError]
             ) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, row) pairs of CSV text with a header; bad rows are appended to `errors`."""
    # Long problem descriptions are fine; the csv module's default cap is 128 KiB a field.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = reader.fieldnames or []
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        errors.append(RecordError(source, 1, repeated[0], "column appears more than once"))
        return
    try:
        for row in reader:
            line_no = reader.line_num
            if None in row:
                errors.append(RecordError(source, line_no, "", "more values than header "
                                          "columns"))
                continue
            try:
                values = {k: _csv_value(k, v) for k, v in row.items()
                          if v not in (None, "") or k in ("title", "level", "id")}
            except json.JSONDecodeError as exc:
                field_name = next(k for k in JSON_FIELDS if row.get(k))
                errors.append(RecordError(source, line_no, field_name,
                                          f"not JSON: {exc.msg}"))
                continue
            yield line_no, values
    except csv.Error as exc:
        errors.append(RecordError(source, reader.line_num, "", f"malformed CSV: {exc}"))


def parse_records_text(text: str, fmt: str, source: str, *, strict: bool = False
                       ) -> list[Innovation]:
    """Validate JSONL or CSV text into records; any problem raises CorpusError."""
    readers = {"jsonl": jsonl_rows, "csv": csv_rows}
    if fmt not in readers:
        raise CorpusError([RecordError(source, 0, "", f"unsupported format {fmt!r}; use "
                                       "jsonl or csv")])
    parse_errors: list[RecordError] = []
    rows = list(readers[fmt](text, source, parse_errors))
    try:
        records = validate_records(rows, source, strict=strict and fmt == "jsonl")
    except CorpusError as exc:
        raise CorpusError(sorted(parse_errors + exc.errors, key=lambda e: e.line)) from None
    if parse_errors:
        raise CorpusError(parse_errors)
    if not records:
        raise CorpusError([RecordError(source, 0, "", "no records")])
    return records


def parse_corpus_text(text: str, fmt: str, source: str, *, strict: bool = False) -> Corpus:
    """Validate JSONL or CSV text into a Corpus; any problem raises CorpusError."""
    return Corpus(parse_records_text(text, fmt, source, strict=strict), source=source)


def load_corpus(path: str | os.PathLike[str]) -> Corpus:
    """Load a JSONL or CSV corpus; any problem raises CorpusError and nothing is kept."""
    path = Path(path)
    if not path.is_file():
        raise CorpusError([RecordError(str(path), 0, "", "file not found")])
    formats = {".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv"}
    fmt = formats.get(path.suffix.lower())
    if fmt is None:
        raise CorpusError([RecordError(str(path), 0, "", f"unsupported file type "
                                       f"{path.suffix!r}; use .jsonl or .csv")])
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError([RecordError(str(path), 0, "", f"not UTF-8 text: {exc}")]) from None
    return parse_corpus_text(text, fmt, str(path))


def load_bundled_corpus() -> Corpus:
    """The corpus shipped with Replika."""
    return load_corpus(bundled_corpus_path())


def record_to_row(record: Innovation) -> dict[str, Any]:
    """A record as a plain JSON-ready dict in schema field order."""
    return record.model_dump(mode="json")


def write_jsonl_atomic(rows: Iterable[Mapping[str, Any]], path: str | os.PathLike[str]) -> None:
    """Write JSON lines to a temporary file beside `path`, then rename it into place."""
    def write(handle) -> None:
        for row in rows:
            handle.write((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))

    write_atomic(Path(path), write)


def save_corpus(corpus: Corpus, path: str | os.PathLike[str]) -> None:
    """Save a corpus as JSONL atomically."""
    write_jsonl_atomic((record_to_row(r) for r in corpus.records), path)
