"""Loading and saving corpora: round trips, precise error locations, all-or-nothing."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from corpus.collection import Corpus, corpus_hash
from corpus.loader import (
    CorpusError,
    bundled_corpus_path,
    csv_cell,
    load_bundled_corpus,
    load_corpus,
    record_to_row,
    save_corpus,
)
from corpus.schema import DetailLevel, Innovation

CSV_FIELDS = list(Innovation.model_fields)

# The bundled rows whose facts give a title only: no problem and no solution.
EMPTY_PROBLEM_AND_SOLUTION = {
    "kipp-2017-3in1-kariadi-peduli",
    "kipp-2016-gemas-kota-bandung",
    "kipp-2021-tambak-udang-banjar",
    "iga-2024-padang-panjang-asig-pbb",
    "iga-2024-padang-panjang-si-sutan",
}


def good_row(**overrides: object) -> dict:
    row = {"id": "kipp-2019-contoh", "title": "Contoh Inovasi", "level": "kota",
           "province": "Jawa Timur", "sector": "kesehatan", "year": 2019,
           "awards": ["KIPP Top 99 2019"]}
    row.update(overrides)
    return row


def write_jsonl(path: Path, rows: list[dict | str]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_csv(path: Path, corpus: Corpus) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for record in corpus:
            writer.writerow({k: csv_cell(k, v) for k, v in record_to_row(record).items()})
    return path


def load_errors(path: Path) -> list:
    with pytest.raises(CorpusError) as info:
        load_corpus(path)
    return info.value.errors


# --- round trips --------------------------------------------------------------------------


def test_jsonl_round_trip_keeps_every_record(small_corpus, tmp_path):
    path = tmp_path / "out" / "corpus.jsonl"
    save_corpus(small_corpus, path)
    loaded = load_corpus(path)
    assert loaded.content_hash == small_corpus.content_hash
    assert [r.id for r in loaded] == [r.id for r in small_corpus]
    assert loaded.records == small_corpus.records
    assert loaded.source == str(path)
    # Atomic write leaves no temporary file beside the target.
    assert sorted(p.name for p in path.parent.iterdir()) == ["corpus.jsonl"]


def test_csv_round_trip_matches_jsonl_content(small_corpus, tmp_path):
    loaded = load_corpus(write_csv(tmp_path / "corpus.csv", small_corpus))
    assert loaded.content_hash == small_corpus.content_hash
    surabaya = loaded.by_id["kipp-2014-surabaya-single-window"]
    assert surabaya.year == 2014 and surabaya.awards == ("KIPP Top 9 2014",)
    budgeting = loaded.by_id["repl-e-budgeting-surabaya"]
    assert budgeting.year is None and budgeting.awards == () and budgeting.known_replications == 1


def test_csv_list_fields_split_on_pipe(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("id,title,level,awards,sources\n"
                    "a,Foo,pemkot,KIPP Top 99 2019| UNPSA 2018 |,http://a|http://b\n",
                    encoding="utf-8")
    record = load_corpus(path).by_id["a"]
    assert record.awards == ("KIPP Top 99 2019", "UNPSA 2018")
    assert record.sources == ("http://a", "http://b")
    assert record.level == "kota"


def test_dot_json_is_read_as_json_lines(small_corpus, tmp_path):
    path = tmp_path / "corpus.json"
    save_corpus(small_corpus, path)
    assert load_corpus(path).content_hash == small_corpus.content_hash


def test_content_hash_ignores_record_order(small_corpus):
    reversed_corpus = Corpus(tuple(reversed(small_corpus.records)))
    assert reversed_corpus.content_hash == small_corpus.content_hash
    assert corpus_hash(small_corpus.records[::2] + small_corpus.records[1::2]) == \
        small_corpus.content_hash


def test_content_hash_changes_with_content(small_corpus):
    first, *rest = small_corpus.records
    edited = first.model_copy(update={"title": first.title + " 2.0"})
    assert Corpus((edited, *rest)).content_hash != small_corpus.content_hash
    assert Corpus(tuple(rest)).content_hash != small_corpus.content_hash


# --- errors name file, line and field -----------------------------------------------------


def test_invalid_json_line_is_located(tmp_path):
    truncated = '{"id": "b", "title": "B"'
    path = write_jsonl(tmp_path / "c.jsonl", [good_row(), truncated])
    [error] = load_errors(path)
    assert (error.file, error.line, error.field) == (str(path), 2, "")
    assert "invalid JSON" in error.message
    # The column points just past the end of line 2, where the ',' or '}' is missing.
    assert error.message.endswith(f"at column {len(truncated) + 1}")
    assert f"{path}:2" in str(error)


def test_non_object_json_line(tmp_path):
    path = write_jsonl(tmp_path / "c.jsonl", ["[1, 2]", good_row()])
    [error] = load_errors(path)
    assert error.line == 1 and "JSON object" in error.message


@pytest.mark.parametrize(("overrides", "field", "needle"), [
    ({"colour": "merah"}, "colour", "Extra inputs"),
    ({"level": "planet"}, "level", "kementerian-lembaga"),
    ({"province": "Atlantis"}, "province", "38 official"),
    ({"sector": "antariksa"}, "sector", "air-sanitasi"),
    ({"year": "dua ribu"}, "year", "integer"),
    ({"year": 1800}, "year", "1990"),
    ({"title": ""}, "title", "at least 1"),
    ({"id": "bad id!"}, "id", "letters, digits"),
    ({"known_replications": -1}, "known_replications", "greater than or equal to 0"),
])
def test_bad_field_is_named_with_its_line(tmp_path, overrides, field, needle):
    rows = [good_row(id="ok-1"), good_row(**{"id": "ok-2", **overrides}), good_row(id="ok-3")]
    path = write_jsonl(tmp_path / "c.jsonl", rows)
    [error] = load_errors(path)
    assert (error.file, error.line, error.field) == (str(path), 2, field)
    assert needle in error.message
    assert f"{path}:2: field '{field}'" in str(error)


def test_missing_title_is_reported(tmp_path):
    row = good_row()
    del row["title"]
    [error] = load_errors(write_jsonl(tmp_path / "c.jsonl", [row]))
    assert (error.line, error.field) == (1, "title")
    assert "required" in error.message.lower()


def test_duplicate_id_mentions_first_line(tmp_path):
    rows = [good_row(id="a"), good_row(id="b"), good_row(id="a", title="Lain")]
    [error] = load_errors(write_jsonl(tmp_path / "c.jsonl", rows))
    assert (error.line, error.field) == (3, "id")
    assert "duplicate id 'a'" in error.message and "first on line 1" in error.message


def test_blank_lines_keep_line_numbers(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(good_row(id="a")) + "\n\n\n" + json.dumps(good_row(
        id="b", level="planet")) + "\n", encoding="utf-8")
    [error] = load_errors(path)
    assert (error.line, error.field) == (4, "level")


def test_every_problem_is_listed_in_line_order(tmp_path):
    rows = [good_row(id="a", level="planet", province="Atlantis"), "not json",
            good_row(id="c"), good_row(id="c")]
    path = write_jsonl(tmp_path / "c.jsonl", rows)
    with pytest.raises(CorpusError) as info:
        load_corpus(path)
    errors = info.value.errors
    assert [(e.line, e.field) for e in errors] == [(1, "province"), (1, "level"), (2, ""),
                                                    (4, "id")]
    assert "first on line 3" in errors[-1].message
    text = str(info.value)
    assert text.startswith("4 problem(s) in corpus, nothing loaded:")


def test_many_errors_are_summarised(tmp_path):
    rows = [good_row(id=f"r{i}", level="planet") for i in range(25)]
    with pytest.raises(CorpusError) as info:
        load_corpus(write_jsonl(tmp_path / "c.jsonl", rows))
    assert len(info.value.errors) == 25
    assert "... and 5 more" in str(info.value)


def test_one_bad_row_among_good_ones_loads_nothing(small_corpus, tmp_path):
    path = tmp_path / "c.jsonl"
    save_corpus(small_corpus, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    bad = json.loads(lines[4])
    bad["province"] = "Provinsi Antah Berantah"
    lines[4] = json.dumps(bad)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = None
    with pytest.raises(CorpusError) as info:
        result = load_corpus(path)
    assert result is None
    assert [(e.line, e.field) for e in info.value.errors] == [(5, "province")]


def test_csv_with_extra_values_is_located(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("id,title,level\n"
                    "a,Foo,kota\n"
                    "b,Bar,kota,surplus\n", encoding="utf-8")
    [error] = load_errors(path)
    assert (error.file, error.line) == (str(path), 3)
    assert "more values than header" in error.message


def test_csv_bad_field_is_located(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("id,title,level,year\n"
                    "a,Foo,kota,2019\n"
                    "b,Bar,kota,tahun lalu\n", encoding="utf-8")
    [error] = load_errors(path)
    assert (error.line, error.field) == (3, "year")


def test_unsupported_extension(tmp_path):
    path = tmp_path / "corpus.xlsx"
    path.write_bytes(b"PK")
    [error] = load_errors(path)
    assert "unsupported file type '.xlsx'" in error.message
    assert ".jsonl" in error.message and ".csv" in error.message


def test_missing_file(tmp_path):
    path = tmp_path / "tidak-ada.jsonl"
    [error] = load_errors(path)
    assert error.file == str(path) and error.message == "file not found"


def test_empty_file_has_no_records(tmp_path):
    path = tmp_path / "kosong.jsonl"
    path.write_text("\n\n", encoding="utf-8")
    [error] = load_errors(path)
    assert error.message == "no records"


# --- the bundled corpus -------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled() -> Corpus:
    return load_bundled_corpus()


def test_bundled_corpus_loads(bundled):
    assert len(bundled) >= 380  # 280 first researched, 5 merged away, 107 added (issue 13)
    assert bundled.source == str(bundled_corpus_path())
    ids = [r.id for r in bundled]
    assert len(set(ids)) == len(ids)
    assert set(bundled.by_id) == set(ids)


def test_bundled_records_cite_sources(bundled):
    with_sources = [r for r in bundled if r.sources]
    assert len(with_sources) >= 0.95 * len(bundled)
    assert all(s.startswith(("http://", "https://")) for r in bundled for s in r.sources)


def test_bundled_title_only_rows_are_kept(bundled):
    empty = {r.id for r in bundled if not r.problem and not r.solution}
    assert empty == EMPTY_PROBLEM_AND_SOLUTION
    assert all(bundled.by_id[i].is_thin for i in empty)
    assert all(bundled.by_id[i].detail_level != DetailLevel.FULL for i in empty)


def test_bundled_hash_is_stable_across_loads(bundled):
    assert load_bundled_corpus().content_hash == bundled.content_hash


def test_changed_corpus_equals_one_built_from_scratch(small_corpus):
    first, second = small_corpus.records[:2]
    edited = first.model_copy(update={"title": "Judul baru"})
    changed = small_corpus.changed([edited], [second.id])
    rebuilt = Corpus(tuple([edited, *small_corpus.records[2:]]))
    assert changed.content_hash == rebuilt.content_hash
    assert changed.by_id == rebuilt.by_id and changed.records[0] == edited
    assert second.id not in changed.by_id and len(changed) == len(small_corpus) - 1
