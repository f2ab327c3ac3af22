"""The replika command end to end, with the hashing embedder on a user corpus."""

from __future__ import annotations

import io
import json

import pytest

from corpus.loader import save_corpus
from service.cli import main
from service.evaldoc import replace_generated, write_generated


@pytest.fixture()
def cli(tmp_path, small_corpus, capsys):
    corpus = tmp_path / "corpus.jsonl"
    save_corpus(small_corpus, corpus)
    base = ["--model", "hashing", "--corpus", str(corpus), "--data-dir", str(tmp_path / "d")]

    def run(*args: str) -> tuple[int, str, str]:
        out = io.StringIO()
        command, rest = args[0], list(args[1:])
        if command == "index":
            argv = [command, rest[0], *base, *rest[1:]]
        else:
            argv = [command, *base, *rest]
        code = main(argv, out=out)
        return code, out.getvalue(), capsys.readouterr().err

    return run


def test_index_build_then_recommend_table(cli):
    code, out, _ = cli("index", "build")
    assert code == 0 and "index built" in out and "9 innovations" in out
    code, out, _ = cli("recommend", "TOSS", "-k", "2")
    assert code == 0
    assert out.startswith(" 1. TOSS  [kipp-2018-toss-klungkung]")
    assert "Kata kunci masalah Anda yang cocok: toss" in out


def test_recommend_json_has_scores_and_explanation(cli):
    code, out, _ = cli("recommend", "izin usaha sulit", "--json", "-k", "3",
                       "--province", "jatim")
    data = json.loads(out)
    assert code == 0 and data["no_match"] is False and 1 <= len(data["results"]) <= 3
    assert data["calibrated"] is True
    assert {r["province"] for r in data["results"]} == {"Jawa Timur"}
    probabilities = [r["probability"] for r in data["results"]]
    assert probabilities == sorted(probabilities, reverse=True)
    assert probabilities[0] == data["confidence"]
    first = data["results"][0]
    assert first["match_level"] in ("sangat cocok", "cocok", "lemah")
    assert first["province"] == "Jawa Timur"
    assert {"dense", "lexical", "prior"} <= set(first["channels"])
    assert first["explanation"]["reasons"] and first["sources"]


def test_batch_writes_one_line_per_query(cli, tmp_path):
    batch = tmp_path / "batch.jsonl"
    batch.write_text('{"id": "q1", "text": "sampah rumah tangga"}\n'
                     '{"id": 7, "text": "izin usaha lambat"}\n')
    out_file = tmp_path / "out.jsonl"
    code, _, _ = cli("recommend", "--batch", str(batch), "--out", str(out_file), "-k", "2")
    lines = [json.loads(line) for line in out_file.read_text().splitlines()]
    assert code == 0 and [line["id"] for line in lines] == ["q1", 7]
    assert all(set(line) >= {"id", "results", "no_match"} for line in lines)
    assert all(set(r) >= {"id", "score"} for line in lines for r in line["results"])


def test_bad_batch_line_names_file_line_and_field(cli, tmp_path):
    batch = tmp_path / "bad.jsonl"
    batch.write_text('{"id": "q1", "text": "sampah"}\n{"id": "q2"}\n')
    code, _, err = cli("recommend", "--batch", str(batch))
    assert code == 2 and "bad.jsonl:2: field 'text' is missing" in err


@pytest.mark.parametrize(("args", "message"), [
    (("recommend", "x", "--sector", "space"), "unknown sector 'space'"),
    (("recommend", "x", "--level", "planet"), "unknown level 'planet'"),
    (("recommend", "x", "--min-tier", "gold"), "unknown award tier 'gold'"),
    (("similar", "no-such-id"), "unknown innovation id 'no-such-id'"),
    (("recommend",), "give either a problem statement TEXT or --batch FILE"),
])
def test_bad_input_is_one_clear_error(cli, args, message):
    code, _, err = cli(*args)
    assert code == 2 and message in err and "Traceback" not in err


def test_unknown_model_lists_known_ones(tmp_path, capsys):
    code = main(["recommend", "x", "--model", "gpt-9", "--data-dir", str(tmp_path)],
                out=io.StringIO())
    err = capsys.readouterr().err
    assert code == 2 and "unknown embedder 'gpt-9'" in err and "e5-small" in err


def test_similar_table(cli):
    code, out, _ = cli("similar", "kipp-2018-toss-klungkung", "-k", "2")
    assert code == 0 and out.startswith("Mirip dengan: TOSS") and " 2. " in out


def test_replace_generated_keeps_hand_written_text():
    doc = "# Title\n\nIntro.\n"
    once = replace_generated(doc, "table v1", "replika eval")
    twice = replace_generated(once + "\nOutro.\n", "table v2", "replika eval")
    assert "Intro." in twice and "Outro." in twice
    assert "table v2" in twice and "table v1" not in twice


def test_write_generated_starts_a_missing_file_and_keeps_the_rest(tmp_path):
    path = tmp_path / "perf.md"
    write_generated(path, "v1", "scripts/x.py", empty="# Performance\n")
    assert path.read_text().startswith("# Performance\n") and "v1" in path.read_text()
    path.write_text(path.read_text() + "\nHand-written.\n")
    write_generated(path, "v2", "scripts/x.py")
    text = path.read_text()
    assert "v2" in text and "v1" not in text and "Hand-written." in text


# An innovation written through the API in the tests below; no bundled record is like it.
JELANTAH = {"id": "test-jelantah-keliling", "title": "Jelantah Keliling", "level": "kota",
            "region": "Kota Contoh", "sector": "lingkungan",
            "problem": "Minyak jelantah rumah tangga dibuang ke selokan dan mencemari sungai.",
            "solution": "Petugas berkeliling menukar minyak jelantah warga dengan sembako "
                        "lalu menjualnya ke pengolah biodiesel."}


def test_cli_answers_from_the_store_the_server_wrote(tmp_path, small_corpus, capsys):
    from fastapi.testclient import TestClient

    from matcher.config import Settings
    from matcher.live import open_engine
    from service.app import create_app
    from service.settings import ServiceConfig

    data = tmp_path / "data"
    corpus = tmp_path / "c.jsonl"
    save_corpus(small_corpus, corpus)
    settings = Settings(model="hashing", corpus_path=corpus, data_dir=data)
    engine = open_engine(settings)
    config = ServiceConfig(settings=settings, api_key="k")
    with TestClient(create_app(config, engine=engine)) as client:
        assert client.post("/v1/innovations", json=JELANTAH,
                           headers={"X-API-Key": "k"}).status_code == 201
    engine.store.close()
    out = io.StringIO()
    args = ["--model", "hashing", "--data-dir", str(data)]
    assert main(["recommend", "minyak jelantah dibuang ke selokan", "--json", *args],
                out=out) == 0
    assert json.loads(out.getvalue())["results"][0]["id"] == "test-jelantah-keliling"
    assert main(["similar", "test-jelantah-keliling", *args], out=io.StringIO()) == 0
    # A corpus file named for the command must agree with the store: nothing is replaced.
    code = main(["recommend", "sampah", "--corpus", str(corpus), *args], out=io.StringIO())
    assert code == 2 and "omit --corpus to use the store" in capsys.readouterr().err


def test_cli_forum_plan_pairs_an_innovation_written_through_the_api(tmp_path, small_corpus):
    from fastapi.testclient import TestClient

    from matcher.config import Settings
    from matcher.live import open_engine
    from service.app import create_app
    from service.settings import ServiceConfig

    data = tmp_path / "data"
    settings = Settings(model="hashing", data_dir=data)
    corpus = tmp_path / "c.jsonl"
    save_corpus(small_corpus, corpus)
    engine = open_engine(Settings(model="hashing", corpus_path=corpus, data_dir=data))
    with TestClient(create_app(ServiceConfig(settings=settings, api_key="k"),
                               engine=engine)) as client:
        assert client.post("/v1/innovations", json=JELANTAH,
                           headers={"X-API-Key": "k"}).status_code == 201
    engine.store.close()
    regions, innovators = tmp_path / "r.csv", tmp_path / "i.csv"
    regions.write_text("id,name,province,capacity,problem\n"
                       "R1,Kota Ambon,Maluku,1,minyak jelantah warga dibuang ke selokan\n")
    innovators.write_text("id,innovation_id,capacity\nI1,test-jelantah-keliling,1\n")
    out = io.StringIO()
    code = main(["forum", "plan", str(regions), str(innovators), "--out", str(tmp_path / "o"),
                 "--model", "hashing", "--data-dir", str(data)], out=out)
    assert code == 0, out.getvalue()
    assert out.getvalue().startswith("1 pairs for 1/1 regions")


def test_every_option_has_help_and_every_command_an_example():
    import argparse

    from service.cli import build_parser

    missing: list[str] = []

    def walk(parser: argparse.ArgumentParser, name: str) -> None:
        if not parser.epilog or "example" not in parser.epilog:
            missing.append(f"{name}: no example")
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub, child in action.choices.items():
                    walk(child, f"{name} {sub}")
            elif not action.help and action.dest != "help":
                missing.append(f"{name} {'/'.join(action.option_strings) or action.dest}")

    walk(build_parser(), "replika")
    assert not missing, missing
