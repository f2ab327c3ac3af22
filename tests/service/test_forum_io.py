"""Forum input files (errors by file, row, column), planning over the engine, and outputs."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import Workbook, load_workbook

from matcher.engine import Recommender
from matcher.forum.build import (
    ForumInputError,
    ForumRules,
    InnovatorSpec,
    RegionSpec,
    plan_forum,
)
from matcher.forum.feasibility import ForumInfeasibleError
from matcher.index import build_index, make_analyzer
from service.cli import main
from service.forum.readers import ForumFileError, read_innovators, read_regions, read_rules
from service.forum.writers import write_outputs


@pytest.fixture()
def rec(small_corpus, hashing_embedder, hashing_relevance):
    analyzer = make_analyzer(small_corpus)
    return Recommender(small_corpus, build_index(small_corpus, hashing_embedder, analyzer),
                       hashing_embedder, analyzer, relevance=hashing_relevance)


REGIONS = [
    RegionSpec("R1", "Kabupaten Lebak", ("izin usaha sulit dan berbelit di banyak kantor",),
               "Banten", capacity=2),
    RegionSpec("R2", "Kota Ambon", ("sampah rumah tangga menumpuk, perlu kompos",), "Maluku"),
    RegionSpec("R3", "Kota Surabaya", ("izin usaha sulit, pemohon datang ke banyak unit",),
               "Jawa Timur"),
]
INNOVATORS = [
    InnovatorSpec("I1", 2, "kipp-2014-surabaya-single-window"),
    InnovatorSpec("I2", 1, "kipp-2018-toss-klungkung"),
]


def test_plan_respects_capacity_home_region_and_schedule(rec):
    result = plan_forum(rec, REGIONS, INNOVATORS, mode="fair", tables_per_round=3)
    pairs = {m.pair for m in result.plan.pairs}
    assert ("R3", "I1") not in pairs  # Surabaya never learns its own innovation
    assert result.problem.innovator_by_id["I1"].home_region_id == "R3"
    assert sum(1 for r, i in pairs if i == "I1") <= 2
    assert ("R2", "I2") in pairs
    rounds = result.schedule.rounds
    assert all(len({m.region_id for m in rnd}) == len(rnd) for rnd in rounds)
    assert all(m.explanation for m in result.plan.pairs)
    assert result.summary.pairs == len(result.plan.pairs)
    assert result.baseline.total <= result.plan.total + 1e-9


def test_inline_innovator_is_scored(rec):
    inline = InnovatorSpec("I3", 1, inline=_inline())
    result = plan_forum(rec, REGIONS[1:2], [inline])
    assert [m.innovator_id for m in result.plan.pairs] == ["I3"]


def _inline():
    from corpus.schema import Innovation

    return Innovation(id="forum-I3", title="Bank Sampah Kompos", level="kota",
                      problem="Sampah rumah tangga menumpuk.",
                      solution="Warga memilah sampah dan membuat kompos.")


def test_required_pair_that_breaks_capacity_names_the_cause(rec):
    rules = ForumRules(required=frozenset({("R1", "I2"), ("R2", "I2")}))
    with pytest.raises(ForumInfeasibleError) as err:
        plan_forum(rec, REGIONS, INNOVATORS, rules)
    assert "I2" in str(err.value)


def _write_csv(path, rows):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_region_file_errors_name_file_row_and_column(tmp_path):
    path = tmp_path / "regions.csv"
    _write_csv(path, [
        {"id": "R1", "name": "A", "province": "Narnia", "capacity": "2", "problem": "x"},
        {"id": "R1", "name": "B", "province": "", "capacity": "zero", "problem": ""},
    ])
    with pytest.raises(ForumFileError) as err:
        read_regions(path)
    text = str(err.value)
    assert "regions.csv: row 2, column 'province': unknown province 'Narnia'" in text
    assert "row 3, column 'id': duplicate id 'R1' (first in row 2)" in text
    assert "row 3, column 'capacity': must be a whole number >= 1, got 'zero'" in text
    assert "row 3, column 'problem': at least one problem statement is needed" in text


def test_innovator_file_errors_and_xlsx_reading(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["id", "innovation_id", "capacity", "title", "problem"])
    sheet.append(["I1", "no-such-id", 1, None, None])
    sheet.append(["I2", None, 2, "Layanan Baru", "Masalah baru"])
    sheet.append(["I3", None, 1, None, None])
    path = tmp_path / "innovators.xlsx"
    book.save(path)
    with pytest.raises(ForumFileError) as err:
        read_innovators(path, {"kipp-2018-toss-klungkung"})
    text = str(err.value)
    assert "innovators.xlsx: row 2, column 'innovation_id': unknown innovation id" in text
    assert "row 4, column 'innovation_id': give a corpus innovation_id" in text
    assert "row 3" not in text  # the inline innovation is valid


def test_json_regions_and_rules(tmp_path):
    path = tmp_path / "regions.json"
    path.write_text(json.dumps([{"id": "R1", "problems": ["a", "b"], "capacity": 3,
                                 "sectors": ["kesehatan"]}]))
    [region] = read_regions(path)
    assert region.statements == ("a", "b") and region.capacity == 3
    rules_path = tmp_path / "rules.csv"
    _write_csv(rules_path, [{"kind": "forbid", "region_id": "R1", "innovator_id": "I1"},
                            {"kind": "maybe", "region_id": "R1", "innovator_id": "I2"}])
    with pytest.raises(ForumFileError, match="row 3, column 'kind'"):
        read_rules(rules_path, None)


def test_outputs_are_written_and_consistent(rec, tmp_path):
    result = plan_forum(rec, REGIONS, INNOVATORS, tables_per_round=2)
    paths = {p.name: p for p in write_outputs(result, tmp_path / "out")}
    rows = list(csv.DictReader(io.StringIO(paths["timetable.csv"].read_text())))
    assert len(rows) == len(result.plan.pairs)
    assert all(r["round"] and r["why"] for r in rows)
    book = load_workbook(paths["plan.xlsx"])
    assert {"Jadwal", "Per daerah", "Per inovator", "Alternatif", "Ringkasan"} <= \
        set(book.sheetnames)
    html = paths["agenda.html"].read_text()
    assert "Agenda daerah: Kabupaten Lebak" in html and "Jadwal induk" in html
    summary = json.loads(paths["summary.json"].read_text())
    assert summary["baseline"]["method"] == "greedy" and summary["rounds"] >= 1


def test_cli_forum_plan(tmp_path, small_corpus):
    from corpus.loader import save_corpus

    corpus = tmp_path / "c.jsonl"
    save_corpus(small_corpus, corpus)
    regions, innovators = tmp_path / "r.csv", tmp_path / "i.csv"
    _write_csv(regions, [{"id": r.id, "name": r.name, "province": r.province,
                          "capacity": r.capacity, "problem": r.statements[0]} for r in REGIONS])
    _write_csv(innovators, [{"id": i.id, "innovation_id": i.innovation_id,
                             "capacity": i.capacity} for i in INNOVATORS])
    out = io.StringIO()
    code = main(["forum", "plan", str(regions), str(innovators), "--out", str(tmp_path / "o"),
                 "--model", "hashing", "--corpus", str(corpus), "--data-dir",
                 str(tmp_path / "d"), "--rounds"], out=out)
    assert code == 0, out.getvalue()
    assert "round 1 (09:00-09:20):" in out.getvalue()
    assert (tmp_path / "o" / "agenda.html").is_file()


@pytest.fixture()
def api(tmp_path, small_corpus, lenient_relevance_dir):
    from fastapi.testclient import TestClient

    from corpus.store import Store
    from matcher.config import Settings
    from matcher.live import LiveEngine
    from service.app import create_app
    from service.settings import Limits, ServiceConfig

    engine = LiveEngine(Settings(model="hashing", data_dir=tmp_path,
                                 relevance_path=lenient_relevance_dir), Store(tmp_path / "r.db"))
    engine.start(seed=small_corpus)
    config = ServiceConfig(settings=engine.settings, api_key=FORUM_KEY, limits=Limits(
        max_query_chars=300, forum_max_regions=20, forum_max_innovators=5,
        forum_max_statements=30, forum_deadline_seconds=30))
    with TestClient(create_app(config, engine=engine)) as client:
        client.headers["X-API-Key"] = FORUM_KEY
        yield client


FORUM_KEY = "organiser-key"


def _forum(regions, quota=None):
    return {"regions": regions, "constraints": {"province_quota": quota},
            "innovators": [{"id": "I1", "innovation_id": "kipp-2018-toss-klungkung",
                            "capacity": 4}]}


def test_api_normalises_provinces_so_the_quota_binds(api):
    spellings = ["Jawa Timur", "jatim", "JAWA TIMUR", "Prov. Jawa Timur"]
    body = _forum([{"id": f"R{n}", "province": p, "problems": ["sampah rumah tangga menumpuk"]}
                   for n, p in enumerate(spellings)], quota=1)
    response = api.post("/v1/forum/plans", json=body)
    assert response.status_code == 200, response.text
    assert len(response.json()["pairs"]) == 1
    assert response.json()["summary"]["by_province"] == {"Jawa Timur": 1}


@pytest.mark.parametrize(("region", "message"), [
    ({"province": "Atlantis"}, "unknown province 'Atlantis'"),
    ({"sectors": ["nonsense"]}, "unknown sector 'nonsense'"),
    ({"problems": ["a" * 301]}, "the limit is 300 (max_query_chars)"),
    ({"problems": ["   "]}, "problems[0] is empty"),
])
def test_api_rejects_bad_regions_with_the_field_named(api, region, message):
    body = _forum([{"id": "R1", "problems": ["sampah"], **region}])
    response = api.post("/v1/forum/plans", json=body)
    assert response.status_code == 422 and message in response.json()["error"]["message"]


@pytest.mark.parametrize(("args", "message"), [
    (["eval", "--train", "no-such-queries.jsonl"], "no-such-queries.jsonl"),
    (["recommend", "--batch", "."], "Is a directory"),
])
def test_cli_usage_errors_are_one_line(tmp_path, capsys, args, message):
    code = main([*args, "--model", "hashing", "--data-dir", str(tmp_path)], out=io.StringIO())
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


def test_unreadable_xlsx_names_the_file(tmp_path):
    path = tmp_path / "regions.xlsx"
    path.write_text("not a workbook")
    with pytest.raises(ForumFileError, match="regions.xlsx: row 0: not a readable .xlsx"):
        read_regions(path)


def test_province_government_profile_excludes_its_own_innovations(api):
    body = {"text": "hoaks informasi palsu di media sosial", "k": 9,
            "region": {"province": "jatim", "level": "provinsi"}}
    ids = [r["id"] for r in api.post("/v1/recommendations", json=body).json()["results"]]
    assert "iga-2024-klinik-hoaks-jatim" not in ids and ids


@pytest.mark.parametrize("name", ["=HYPERLINK(\"http://x\",\"klik\")", "+1+cmd|' /C calc'!A0",
                                  "-2+3", "@SUM(1+1)", "\t=1", "\r=1"])
def test_no_formula_reaches_the_spreadsheets(rec, tmp_path, name):
    import zipfile

    regions = [RegionSpec("R1", name, ("sampah rumah tangga menumpuk, perlu kompos",),
                          "Maluku")]
    result = plan_forum(rec, regions, [InnovatorSpec("I2", 1, "kipp-2018-toss-klungkung")])
    paths = {p.name: p for p in write_outputs(result, tmp_path / "out")}
    with zipfile.ZipFile(paths["plan.xlsx"]) as book:
        sheets = [book.read(n).decode() for n in book.namelist() if n.endswith(".xml")]
    assert not any("<f>" in xml or "<f " in xml for xml in sheets)
    cells = {c.value: c for sheet in load_workbook(paths["plan.xlsx"]) for row in
             sheet.iter_rows() for c in row if isinstance(c.value, str)}
    as_read = name.replace("\r", "\n")  # XML reads a carriage return back as a newline
    # the spreadsheet shows the text as typed: a string cell flagged to stay text
    assert as_read in cells and "'" + as_read not in cells
    assert cells[as_read].data_type == "s" and cells[as_read].quotePrefix
    assert not any(c.quotePrefix for v, c in cells.items() if v[:1].isalnum())
    for csv_name in ("timetable.csv", "agenda_regions.csv", "agenda_innovators.csv"):
        with paths[csv_name].open(encoding="utf-8", newline="") as handle:
            values = [v for row in csv.reader(handle) for v in row]
        assert "'" + name in values
        assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in values)


def test_an_anonymous_forum_plan_is_refused(api):
    body = _forum([{"id": "R1", "problems": ["sampah rumah tangga menumpuk"]}])
    response = api.post("/v1/forum/plans", json=body, headers={"X-API-Key": ""})
    assert response.status_code == 401
    assert api.post("/v1/forum/plans", json=body, headers={"X-API-Key": "wrong"}
                    ).status_code == 401


@pytest.mark.parametrize(("regions", "innovators", "limit"), [
    (21, 1, "forum_max_regions"),
    (1, 6, "forum_max_innovators"),
    (11, 1, "forum_max_statements"),  # 11 regions x 3 problems = 33 statements
])
def test_an_over_limit_forum_is_refused_before_any_work(api, regions, innovators, limit):
    import time

    body = {"regions": [{"id": f"R{n}", "problems": ["sampah menumpuk", "banjir",
                                                       "antrean KTP"]}
                        for n in range(regions)],
            "innovators": [{"id": f"I{n}", "innovation_id": "kipp-2018-toss-klungkung"}
                           for n in range(innovators)]}
    start = time.perf_counter()
    response = api.post("/v1/forum/plans", json=body)
    assert response.status_code == 413 and limit in response.json()["error"]["message"]
    assert time.perf_counter() - start < 5  # a guard against hangs: nothing was scored


def test_a_deadline_above_the_limit_is_refused(api):
    body = _forum([{"id": "R1", "problems": ["sampah"]}]) | {"deadline_seconds": 31}
    response = api.post("/v1/forum/plans", json=body)
    assert response.status_code == 422 and "forum_deadline_seconds" in response.text


def test_a_plan_past_its_deadline_stops_with_a_clear_error(rec):
    import time

    from matcher.forum.affinity import PlanningStopped

    regions = [RegionSpec(f"R{n}", f"Daerah {n}", (f"sampah rumah tangga menumpuk {n}",),
                          "Maluku") for n in range(80)]
    with pytest.raises(PlanningStopped, match="deadline passed: scored 0 of 80"):
        plan_forum(rec, regions, INNOVATORS, deadline=time.monotonic() - 1)
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(PlanningStopped, match="cancelled: scored 3 of 80"):
        plan_forum(rec, regions, INNOVATORS, cancelled=cancelled)


def test_a_second_plan_while_one_runs_is_told_to_retry(api):
    slots = api.app.state.forum_slots
    assert slots.acquire(blocking=False)  # as if a plan were running
    try:
        response = api.post("/v1/forum/plans", json=_forum([{"id": "R1",
                                                              "problems": ["sampah"]}]))
    finally:
        slots.release()
    assert response.status_code == 503 and response.headers["retry-after"]
    assert response.json()["error"]["code"] == "planner_busy"


def test_regions_left_without_a_pair_are_listed_with_their_reason_everywhere(rec, tmp_path):
    """Two regions want the one-seat permit innovator: the one left out is reported as
    capacity exhausted (with its alternate), a region nothing fits as no admissible."""
    regions = [
        RegionSpec("R1", "Kabupaten Lebak", ("izin usaha sulit dan berbelit di banyak kantor",),
                   "Banten"),
        RegionSpec("R2", "Kabupaten Garut", ("izin usaha sulit, pemohon datang ke banyak unit",),
                   "Jawa Barat"),
        RegionSpec("R3", "Kota Ambon", ("resep rendang padang yang enak",), "Maluku"),
    ]
    innovators = [InnovatorSpec("I1", 1, "kipp-2014-surabaya-single-window")]
    result = plan_forum(rec, regions, innovators, mode="total")
    codes = {u.region_id: u.code for u in result.plan.unserved}
    assert len(result.plan.pairs) == 1
    left = ({"R1", "R2"} - {m.region_id for m in result.plan.pairs}).pop()
    assert codes == {left: "capacity", "R3": "no_admissible"}
    assert [u.alternates for u in result.plan.unserved if u.code == "capacity"] == [("I1",)]
    paths = {p.name: p for p in write_outputs(result, tmp_path / "out")}
    summary = json.loads(paths["summary.json"].read_text())
    assert {u["region_id"]: u["code"] for u in summary["unserved"]} == codes
    rows = list(load_workbook(paths["plan.xlsx"])["Tidak terlayani"].iter_rows(values_only=True))
    col = {name: n for n, name in enumerate(rows[0])}
    listed = {row[col["ID daerah"]]: row[col["Kode alasan"]] for row in rows[1:]}
    assert listed == codes
    html = paths["agenda.html"].read_text()
    assert "Daerah tanpa pasangan (2)" in html
    assert "kapasitas inovator yang cocok habis untuk daerah lain" in html
    assert "tidak ada inovator yang cukup cocok" in html


def test_clock_times_and_rooms_follow_the_event_settings(rec, tmp_path):
    from datetime import date, time

    from matcher.forum.event import EventSettings

    event = EventSettings(date(2027, 3, 1), time(8, 30), 15, 5, "Hotel Santika",
                          ("Ruang Melati", "Ruang Mawar"))
    regions = REGIONS + [RegionSpec("R4", "Kabupaten Bantul", ("kompos sampah organik",),
                                    "Daerah Istimewa Yogyakarta", capacity=2)]
    innovators = INNOVATORS + [InnovatorSpec("I4", 3, "kipp-2018-toss-klungkung")]
    result = plan_forum(rec, regions, innovators, event=event)
    data = json.loads(next(p for p in write_outputs(result, tmp_path / "o")
                           if p.name == "summary.json").read_text())
    assert data["event"]["venue"] == "Hotel Santika"
    paths = {p.name: p for p in (tmp_path / "o").iterdir()}
    rows = list(csv.DictReader(io.StringIO(paths["timetable.csv"].read_text())))
    assert rows and len(rows) == len(result.plan.pairs)
    for row in rows:
        n = int(row["round"])
        minutes = 8 * 60 + 30 + (n - 1) * 20
        assert row["start"] == f"{minutes // 60:02d}:{minutes % 60:02d}"
        assert row["date"] == "2027-03-01" and row["room"] in event.rooms
    for who in ("region_id", "innovator_id"):
        slots = [(r["round"], r[who]) for r in rows]
        assert len(slots) == len(set(slots)), f"a {who} has two meetings in one slot"
    rooms = [(r["round"], r["room"]) for r in rows]
    assert len(rooms) == len(set(rooms)), "two meetings share a room in one slot"
    html = paths["agenda.html"].read_text()
    assert "01-03-2027 · Hotel Santika" in html and "08:30-08:45" in html
    with pytest.raises(ForumInputError, match="3 tables per round but only 2 rooms"):
        plan_forum(rec, regions, innovators, event=event, tables_per_round=3)


def test_a_required_inadmissible_pair_is_forced_and_flagged_everywhere(rec, tmp_path):
    forced = ("R1", "I2")  # a permit problem and a compost innovation
    assert forced not in plan_forum(rec, REGIONS, INNOVATORS).problem.affinity
    result = plan_forum(rec, REGIONS, INNOVATORS, ForumRules(required=frozenset({forced})))
    assert forced in {m.pair for m in result.plan.pairs} and result.forced == {forced}
    threshold = rec.relevance.manifest.threshold
    assert 0.0 <= result.forced_probability[forced] < threshold
    # planned at the threshold: it neither pins the worst-served region nor drags the total
    assert result.problem.affinity[forced] == pytest.approx(threshold)
    paths = {p.name: p for p in write_outputs(result, tmp_path / "o")}
    assert json.loads(paths["summary.json"].read_text())["forced"] == [list(forced)]
    rows = list(csv.DictReader(io.StringIO(paths["timetable.csv"].read_text())))
    assert {(r["region_id"], r["innovator_id"]) for r in rows if r["forced"] == "True"} == \
        {forced}
    [row] = [r for r in rows if r["forced"] == "True"]
    assert float(row["affinity"]) == pytest.approx(result.forced_probability[forced], abs=1e-4)
    sheet = list(load_workbook(paths["plan.xlsx"])["Jadwal"].iter_rows(values_only=True))
    col = {name: n for n, name in enumerate(sheet[0])}
    flagged = {(r[col["ID daerah"]], r[col["ID inovator"]]) for r in sheet[1:]
               if r[col["Dipaksa panitia"]] == "ya"}
    assert flagged == {forced}
    assert "dipaksa panitia" in paths["agenda.html"].read_text()


def test_workbook_is_ready_for_organisers(rec, tmp_path):
    result = plan_forum(rec, REGIONS, INNOVATORS)
    book = load_workbook(next(p for p in write_outputs(result, tmp_path / "o")
                              if p.name == "plan.xlsx"))
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), sheet.title
        assert sheet.column_dimensions["A"].width >= 6
        headers = [c.value for c in sheet[1]]
        assert not any("_" in h for h in headers), f"{sheet.title}: {headers}"
    headers = [c.value for c in book["Jadwal"][1]]
    assert {"Sesi", "Mulai", "Daerah", "Inovator", "Tingkat kecocokan",
            "Masalah daerah"} <= set(headers)
    alternates = [c.value for c in book["Alternatif"][1]]
    assert "Daerah" in alternates and "Inovator" in alternates
    values = [c.value for row in book["Ringkasan"].iter_rows(min_row=2) for c in row]
    assert not any(isinstance(v, str) and v.startswith("{") for v in values)
    assert "Pertemuan per provinsi: Maluku" in values


def test_contacts_are_read_and_shown_on_both_agendas(rec, tmp_path):
    path = tmp_path / "regions.csv"
    _write_csv(path, [{"id": "R2", "name": "Kota Ambon", "province": "Maluku",
                       "problem": "sampah rumah tangga menumpuk, perlu kompos",
                       "contact": "Bappeda Kota Ambon, 0911-000"},
                      {"id": "R9", "name": "X", "province": "", "problem": "banjir",
                       "contact": "x" * 201}])
    with pytest.raises(ForumFileError, match="row 3, column 'contact': is 201 characters"):
        read_regions(path)
    _write_csv(path, [{"id": "R2", "name": "Kota Ambon", "province": "Maluku",
                       "problem": "sampah rumah tangga menumpuk, perlu kompos",
                       "contact": "Bappeda Kota Ambon, 0911-000"}])
    innovators = [InnovatorSpec("I2", 1, "kipp-2018-toss-klungkung", contact="DLH Klungkung")]
    result = plan_forum(rec, read_regions(path), innovators)
    html = next(p for p in write_outputs(result, tmp_path / "o")
                if p.name == "agenda.html").read_text()
    assert "Agenda daerah: Kota Ambon (Bappeda Kota Ambon, 0911-000)" in html
    assert "DLH Klungkung" in html
    assert "sampah rumah tangga menumpuk, perlu kompos" in html  # on the innovator's agenda


def test_api_plans_with_event_settings_and_contacts(api):
    body = _forum([{"id": "R1", "problems": ["sampah rumah tangga menumpuk"],
                    "contact": "Bappeda"}])
    body["event"] = {"date": "2027-03-01", "start": "13:00", "slot_minutes": 30,
                     "break_minutes": 0, "venue": "Aula", "rooms": ["Meja Biru"]}
    response = api.post("/v1/forum/plans", json=body)
    assert response.status_code == 200, response.text
    [pair] = response.json()["pairs"]
    assert (pair["start"], pair["end"], pair["room"]) == ("13:00", "13:30", "Meja Biru")
    assert pair["region_contact"] == "Bappeda" and pair["level"]
    body["event"]["start"] = "25:00"
    response = api.post("/v1/forum/plans", json=body)
    assert response.status_code == 422 and "HH:MM" in response.json()["error"]["message"]
