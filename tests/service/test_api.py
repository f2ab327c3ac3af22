"""The HTTP API and the web page, end to end over a live engine with the hashing embedder.

The client fixtures check every response as it arrives (see conftest.py): no request here
may answer 500, and every JSON error must have the one error shape.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter

import pytest

from corpus.awards import TIER_RANK, AwardTier
from corpus.schema import Innovation
from corpus.vocab import SECTORS
from service.settings import Limits
from tests.conftest import SMALL_CORPUS_ROWS
from tests.service.conftest import API_KEY, AUTH, TEST_LIMITS, assert_error_shape

ALL_IDS = sorted(row["id"] for row in SMALL_CORPUS_ROWS)
TOSS = "kipp-2018-toss-klungkung"
SSW = "kipp-2014-surabaya-single-window"
ACEH = "unpsa-2015-kemitraan-dukun-bidan-aceh-singkil"
JSONL = {**AUTH, "content-type": "application/x-ndjson"}
CSV = {**AUTH, "content-type": "text/csv"}


def innovation(iid: str, **fields) -> dict:
    """A valid innovation row for uploads."""
    row = {"id": iid, "title": f"Inovasi {iid}", "agency": "Pemerintah Kabupaten Contoh",
           "region": "Kabupaten Contoh", "province": "Jawa Tengah", "level": "kabupaten",
           "year": 2021, "sector": "lainnya",
           "problem": "Pelayanan publik lambat dan warga harus antre lama.",
           "solution": "Layanan daring dengan antrean elektronik.",
           "sources": ["https://example.go.id/inovasi"], "detail_level": "full"}
    row.update(fields)
    return row


def jsonl(rows: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def error(response, status: int, code: str | None = None) -> dict:
    """The error object of a response that must have this status (and code)."""
    assert response.status_code == status, response.text
    err = assert_error_shape(response)
    if code is not None:
        assert err["code"] == code, err
    return err


def total(client) -> int:
    response = client.get("/v1/innovations", params={"page_size": 1})
    assert response.status_code == 200, response.text
    return response.json()["total"]


def recommend(client, text: str, **body) -> dict:
    response = client.post("/v1/recommendations", json={"text": text, **body})
    assert response.status_code == 200, response.text
    return response.json()


def ids_of(answer: dict) -> list[str]:
    return [r["id"] for r in answer["results"]]


# ---------------------------------------------------------------------------------------
# POST /v1/recommendations


def test_recommendations_are_ranked_with_channels_and_explanation(client):
    answer = recommend(client, "sampah rumah tangga menumpuk dan tidak dipilah", k=3)
    assert answer["query"] == "sampah rumah tangga menumpuk dan tidak dipilah"
    assert answer["no_match"] is False and answer["reason"] is None
    assert 1 <= len(answer["results"]) <= 3
    first = answer["results"][0]
    assert first["id"] == TOSS and first["title"] == "TOSS"
    scores = [r["score"] for r in answer["results"]]
    assert scores == sorted(scores, reverse=True)
    for result in answer["results"]:
        channels = result["channels"]
        assert set(channels) == {"dense", "lexical", "prior"}
        assert set(channels["dense"]) == {"score", "rank"}
        assert set(channels["lexical"]) == {"score", "rank"}
        assert isinstance(channels["prior"], float)
        explanation = result["explanation"]
        assert explanation["reasons"] and all(isinstance(r, str) for r in explanation["reasons"])
        assert explanation["sector_label"] and explanation["award_label"]
        assert result["sources"]
    assert "sampah" in first["explanation"]["matched_terms"]
    assert any("sampah" in reason for reason in first["explanation"]["reasons"])
    assert first["explanation"]["sector_label"] == "Lingkungan Hidup dan Persampahan"
    assert first["known_replications"] == 2
    assert any("Sudah direplikasi oleh 2 daerah lain" in r
               for r in first["explanation"]["reasons"])


def test_default_k_returns_every_innovation_of_a_small_corpus(client):
    answer = recommend(client, "pelayanan publik")
    assert answer["no_match"] is False
    assert sorted(ids_of(answer)) == ALL_IDS


def test_k_limits_the_number_of_results(client):
    assert len(recommend(client, "izin usaha", k=1)["results"]) == 1
    assert len(recommend(client, "izin usaha", k=TEST_LIMITS.max_k)["results"]) == 9


def test_k_over_the_limit_is_422_naming_max_k(client):
    err = error(client.post("/v1/recommendations",
                            json={"text": "izin usaha", "k": TEST_LIMITS.max_k + 1}),
                422, "k_too_large")
    assert "max_k" in err["message"] and str(TEST_LIMITS.max_k) in err["message"]


@pytest.mark.parametrize("k", [0, -3])
def test_k_below_one_is_422(client, k):
    err = error(client.post("/v1/recommendations", json={"text": "izin", "k": k}), 422)
    assert any(d["field"].endswith("k") for d in err["details"])


def test_text_over_the_limit_is_422_naming_max_query_chars(client):
    limit = TEST_LIMITS.max_query_chars
    assert client.post("/v1/recommendations", json={"text": "a" * limit}).status_code == 200
    err = error(client.post("/v1/recommendations", json={"text": "a" * (limit + 1)}),
                422, "query_too_long")
    assert "max_query_chars" in err["message"] and str(limit) in err["message"]


@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_empty_or_blank_text_is_422(client, text):
    err = error(client.post("/v1/recommendations", json={"text": text}), 422)
    assert err["details"][0]["field"] == "body.text"


def test_missing_text_is_422(client):
    err = error(client.post("/v1/recommendations", json={"k": 3}), 422, "validation_error")
    assert "text" in err["message"]


@pytest.mark.parametrize(("body", "field"), [
    ({"text": 42}, "body.text"),
    ({"text": ["izin"]}, "body.text"),
    ({"text": "izin", "k": "many"}, "body.k"),
    ({"text": "izin", "k": 2.5}, "body.k"),
    ({"text": "izin", "region": "Kota Bogor"}, "body.region"),
    ({"text": "izin", "filters": {"sectors": "kesehatan"}}, "body.filters.sectors"),
    ({"text": "izin", "filters": {"year_from": "dulu"}}, "body.filters.year_from"),
    ({"text": "izin", "filters": {"year_from": 1800}}, "body.filters.year_from"),
    ({"text": "izin", "filters": []}, "body.filters"),
])
def test_wrong_types_are_422_naming_the_field(client, body, field):
    err = error(client.post("/v1/recommendations", json=body), 422, "validation_error")
    assert any(d["field"] == field for d in err["details"]), err
    assert field in err["message"]


@pytest.mark.parametrize("raw", [b"{bad json", b'{"text": "izin",}', b"", b"null", b"[1, 2]",
                                 b'"izin"'])
def test_malformed_or_non_object_json_is_4xx(client, raw):
    response = client.post("/v1/recommendations", content=raw,
                           headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500, response.text
    assert_error_shape(response)


@pytest.mark.parametrize(("body", "field"), [
    ({"text": "izin", "limit": 3}, "body.limit"),
    ({"text": "izin", "filters": {"sector": ["kesehatan"]}}, "body.filters.sector"),
    ({"text": "izin", "region": {"name": "Kota Bogor", "kota": "Bogor"}}, "body.region.kota"),
])
def test_unknown_field_is_422_naming_it(client, body, field):
    err = error(client.post("/v1/recommendations", json=body), 422, "validation_error")
    assert any(d["field"] == field for d in err["details"]), err


def test_filter_nothing_passes_is_an_honest_no_match(client):
    answer = recommend(client, "sampah rumah tangga", filters={"sectors": ["hukum"]})
    assert answer["no_match"] is True and answer["results"] == []
    assert "filter" in answer["reason"]
    answer = recommend(client, "sampah", filters={"provinces": ["Papua"], "min_tier": "unpsa"})
    assert answer["no_match"] is True and answer["results"] == []


def test_region_name_excludes_the_asking_region(client):
    text = "izin usaha sulit dan harus mendatangi banyak unit kerja"
    assert ids_of(recommend(client, text))[0] == SSW
    for name in ("Kota Surabaya", "Surabaya", "kota surabaya"):
        got = ids_of(recommend(client, text, region={"name": name}))
        assert got and not any("surabaya" in iid for iid in got), (name, got)
    # Another region of the same province keeps Surabaya's innovations.
    got = ids_of(recommend(client, text, region={"name": "Kabupaten Gresik"}))
    assert SSW in got and "kipp-2019-gerebek-pasar-legi-gresik" not in got


def test_exclude_region_filter_wins_over_region_name(client):
    got = ids_of(recommend(client, "izin usaha", region={"name": "Kota Bogor"},
                           filters={"exclude_region": "Kota Surabaya"}))
    assert SSW not in got and "kipp-2019-sekolah-ibu-kota-bogor" in got


@pytest.mark.parametrize(("filters", "accepts"), [
    ({"sectors": ["kesehatan"]}, lambda r: r["sector"] == "kesehatan"),
    ({"sectors": ["Lingkungan Hidup dan Persampahan", "keuangan"]},
     lambda r: r["sector"] in ("lingkungan", "keuangan")),
    ({"provinces": ["jatim"]}, lambda r: r["province"] == "Jawa Timur"),
    ({"levels": ["kota"]}, lambda r: r["level"] == "kota"),
    ({"min_tier": "kipp-top"}, lambda r: r["award_tier"] in ("unpsa", "kipp-top")),
    ({"year_from": 2019}, lambda r: r["year"] is not None and r["year"] >= 2019),
    ({"year_from": 2015, "year_to": 2018},
     lambda r: r["year"] is not None and 2015 <= r["year"] <= 2018),
    ({"provinces": ["Jawa Timur"], "levels": ["kabupaten"]},
     lambda r: r["province"] == "Jawa Timur" and r["level"] == "kabupaten"),
])
def test_filters_keep_exactly_the_passing_innovations(client, filters, accepts):
    answer = recommend(client, "pelayanan masyarakat", k=TEST_LIMITS.max_k, filters=filters)
    listing = client.get("/v1/innovations", params={"page_size": 50}).json()["items"]
    expected = sorted(r["id"] for r in listing if accepts(r))
    assert expected, "the filter case must keep something"
    assert answer["no_match"] is False
    assert sorted(ids_of(answer)) == expected
    assert all(accepts(r) for r in answer["results"])


@pytest.mark.parametrize(("filters", "named"), [
    ({"sectors": ["space"]}, "space"),
    ({"provinces": ["Mars"]}, "Mars"),
    ({"levels": ["planet"]}, "planet"),
    ({"min_tier": "gold"}, "gold"),
    ({"year_from": 2020, "year_to": 2010}, "year_from"),
])
def test_bad_filter_values_are_422_naming_them(client, filters, named):
    err = error(client.post("/v1/recommendations", json={"text": "izin", "filters": filters}),
                422, "invalid_filter")
    assert named in err["message"]


# ---------------------------------------------------------------------------------------
# GET /v1/innovations


@pytest.mark.parametrize("limits", [Limits(max_page_size=10)])
def test_default_page_size_fits_a_small_max_page_size(client, limits):
    listing = client.get("/v1/innovations")
    replications = client.get("/v1/replications")
    assert listing.status_code == 200, listing.text
    assert listing.json()["page_size"] <= 10
    assert replications.status_code == 200, replications.text


def test_list_innovations_pages_in_id_order(client):
    first = client.get("/v1/innovations").json()
    assert first["total"] == 9 and first["page"] == 1 and first["page_size"] == 20
    assert [r["id"] for r in first["items"]] == ALL_IDS
    seen = []
    for page in (1, 2, 3):
        body = client.get("/v1/innovations", params={"page": page, "page_size": 4}).json()
        assert body["total"] == 9 and body["page"] == page and body["page_size"] == 4
        seen += [r["id"] for r in body["items"]]
    assert seen == ALL_IDS
    beyond = client.get("/v1/innovations", params={"page": 4, "page_size": 4}).json()
    assert beyond["items"] == [] and beyond["total"] == 9


def test_listed_innovation_has_the_api_fields(client):
    item = client.get("/v1/innovations", params={"sector": "lingkungan"}).json()["items"][0]
    assert item["id"] == TOSS and item["acronym_expansion"] == "Tempat Olah Sampah Setempat"
    assert item["award_tier"] == "kipp-top" and item["awards"] == ["KIPP Top 40 2018"]
    assert item["known_replications"] == 2 and item["province"] == "Bali"


def _expected(pred) -> list[str]:
    return sorted(r["id"] for r in SMALL_CORPUS_ROWS if pred(r))


@pytest.mark.parametrize(("params", "expected"), [
    ({"sector": "kesehatan"}, _expected(lambda r: r["sector"] == "kesehatan")),
    ({"sector": ["kesehatan", "lingkungan"]},
     _expected(lambda r: r["sector"] in ("kesehatan", "lingkungan"))),
    ({"province": "jatim"}, _expected(lambda r: r["province"] == "Jawa Timur")),
    ({"level": "kabupaten"}, _expected(lambda r: r["level"] == "kabupaten")),
    ({"year_from": 2019, "year_to": 2020},
     _expected(lambda r: r["year"] is not None and 2019 <= r["year"] <= 2020)),
    ({"min_tier": "kipp-top99"}, _expected(
        lambda r: TIER_RANK[Innovation.model_validate(r).award_tier] >= TIER_RANK[
            AwardTier.KIPP_TOP99])),
    ({"min_tier": "unpsa"}, [ACEH]),
    ({"province": "Jawa Timur", "level": "kota"}, _expected(
        lambda r: r["province"] == "Jawa Timur" and r["level"] == "kota")),
    ({"sector": "hukum"}, []),
])
def test_list_innovations_filters(client, params, expected):
    body = client.get("/v1/innovations", params={**params, "page_size": 50}).json()
    assert [r["id"] for r in body["items"]] == expected
    assert body["total"] == len(expected)


def _has_words(row: dict, q: str) -> bool:
    hay = " ".join(row.get(k) or "" for k in ("title", "acronym_expansion", "agency", "region",
                                              "problem", "solution")).casefold()
    return all(w in hay for w in q.casefold().split())


@pytest.mark.parametrize("q", ["sampah", "SURABAYA pelayanan", "menpan.go.id", 'sampah"',
                               "kota", "zzzz-nowhere"])
def test_list_innovations_text_search_matches_the_fields(client, q):
    # "menpan.go.id" is in a source address only: the compressed-JSON shortcut must not
    # let it through; a quoted word skips the shortcut and is still matched exactly.
    body = client.get("/v1/innovations", params={"q": q, "page_size": 50}).json()
    assert [r["id"] for r in body["items"]] == _expected(lambda r: _has_words(r, q))


def test_page_size_over_the_limit_is_422_naming_max_page_size(client):
    limit = TEST_LIMITS.max_page_size
    assert client.get("/v1/innovations", params={"page_size": limit}).status_code == 200
    err = error(client.get("/v1/innovations", params={"page_size": limit + 1}), 422,
                "page_size_too_large")
    assert "max_page_size" in err["message"] and str(limit) in err["message"]


@pytest.mark.parametrize("params", [{"page": 0}, {"page_size": 0}, {"page": "two"},
                                    {"year_from": "lama"}])
def test_bad_paging_or_types_are_422(client, params):
    error(client.get("/v1/innovations", params=params), 422, "validation_error")


def test_bad_sector_is_422_listing_the_codes(client):
    err = error(client.get("/v1/innovations", params={"sector": "space"}), 422, "invalid_filter")
    assert "space" in err["message"]
    assert all(s.code in err["message"] for s in SECTORS)


@pytest.mark.parametrize(("params", "named"), [
    ({"province": "Atlantis"}, "Atlantis"), ({"level": "planet"}, "planet"),
    ({"min_tier": "gold"}, "gold"), ({"year_from": 2020, "year_to": 2001}, "year_from"),
])
def test_other_bad_filters_are_422(client, params, named):
    err = error(client.get("/v1/innovations", params=params), 422, "invalid_filter")
    assert named in err["message"]


# ---------------------------------------------------------------------------------------
# GET /v1/innovations/{id} and /similar


def test_get_innovation_with_its_replications(client):
    body = client.get(f"/v1/innovations/{TOSS}").json()
    assert body["id"] == TOSS and body["title"] == "TOSS" and body["replications"] == []
    assert body["sector"] == "lingkungan" and body["level"] == "kabupaten"
    added = client.post("/v1/replications", headers=AUTH, json={
        "innovation_id": TOSS, "region": "Kabupaten Gianyar", "province": "Bali",
        "stage": "interest", "date": "2024-03-01", "note": "studi banding"})
    assert added.status_code == 201, added.text
    body = client.get(f"/v1/innovations/{TOSS}").json()
    assert len(body["replications"]) == 1
    rep = body["replications"][0]
    assert rep["region"] == "Kabupaten Gianyar" and rep["stage"] == "interest"
    assert rep["date"] == "2024-03-01" and rep["note"] == "studi banding"
    assert rep["id"] == added.json()["id"] and rep["created_at"]


def test_get_unknown_innovation_is_404(client):
    err = error(client.get("/v1/innovations/no-such-innovation"), 404, "unknown_innovation")
    assert "no-such-innovation" in err["message"]


def test_similar_innovations(client):
    response = client.get(f"/v1/innovations/{ACEH}/similar", params={"k": 3})
    assert response.status_code == 200, response.text
    results = response.json()
    assert len(results) == 3 and ACEH not in [r["id"] for r in results]
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    for r in results:
        assert set(r["channels"]) == {"dense", "lexical", "prior"}
        assert r["explanation"]["reasons"]
    everything = client.get(f"/v1/innovations/{ACEH}/similar",
                            params={"k": TEST_LIMITS.max_k}).json()
    assert sorted(r["id"] for r in everything) == sorted(set(ALL_IDS) - {ACEH})


def test_similar_errors(client):
    error(client.get("/v1/innovations/no-such-id/similar"), 404, "unknown_innovation")
    err = error(client.get(f"/v1/innovations/{TOSS}/similar",
                           params={"k": TEST_LIMITS.max_k + 1}), 422, "k_too_large")
    assert "max_k" in err["message"]
    error(client.get(f"/v1/innovations/{TOSS}/similar", params={"k": 0}), 422,
          "validation_error")


# ---------------------------------------------------------------------------------------
# POST /v1/innovations


def test_create_one_innovation_from_a_json_object(client):
    row = innovation("new-one", title="Mal Pelayanan Publik Keliling", sector="tatakelola",
                     awards=["KIPP Top 45 2022"])
    response = client.post("/v1/innovations", json=row, headers=AUTH)
    assert response.status_code == 201, response.text
    assert response.json() == {"created": ["new-one"], "updated": [], "deleted": []}
    body = client.get("/v1/innovations/new-one").json()
    assert body["title"] == "Mal Pelayanan Publik Keliling" and body["sector"] == "tatakelola"
    assert body["award_tier"] == "kipp-top" and body["province"] == "Jawa Tengah"
    assert total(client) == 10
    # The same id again replaces it.
    again = client.post("/v1/innovations", json={**row, "title": "MPP Keliling"}, headers=AUTH)
    assert again.status_code == 201
    assert again.json() == {"created": [], "updated": ["new-one"], "deleted": []}
    assert client.get("/v1/innovations/new-one").json()["title"] == "MPP Keliling"
    assert total(client) == 10


def test_create_accepts_json_charset_and_normalises_values(client):
    row = innovation("normalised", province="jateng", level="Pemkab", sector="Kesehatan")
    response = client.post("/v1/innovations", content=json.dumps(row).encode(),
                           headers={**AUTH, "content-type": "application/json; charset=utf-8"})
    assert response.status_code == 201, response.text
    body = client.get("/v1/innovations/normalised").json()
    assert (body["province"], body["level"], body["sector"]) == (
        "Jawa Tengah", "kabupaten", "kesehatan")


def test_bulk_create_from_a_json_array(client):
    rows = [innovation(f"arr-{n}") for n in range(3)]
    response = client.post("/v1/innovations", json=rows, headers=AUTH)
    assert response.status_code == 201, response.text
    assert response.json()["created"] == ["arr-0", "arr-1", "arr-2"]
    assert total(client) == 12


@pytest.mark.parametrize("content_type", ["application/x-ndjson", "application/jsonl",
                                          "application/json-lines"])
def test_bulk_create_from_jsonl(client, content_type):
    rows = [innovation(f"jl-{n}", year=2010 + n) for n in range(4)]
    text = jsonl(rows[:2]) + "\n   \n" + jsonl(rows[2:])  # blank lines are skipped
    response = client.post("/v1/innovations", content=text.encode(),
                           headers={**AUTH, "content-type": content_type})
    assert response.status_code == 201, response.text
    assert response.json()["created"] == [f"jl-{n}" for n in range(4)]
    assert client.get("/v1/innovations/jl-3").json()["year"] == 2013
    assert total(client) == 13


def _csv(rows: list[dict]) -> str:
    fields = ["id", "title", "agency", "region", "province", "level", "year", "awards",
              "sector", "problem", "solution", "sources", "detail_level"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "|".join(v) if isinstance(v, list) else v
                         for k, v in row.items()})
    return out.getvalue()


def test_bulk_create_from_csv_with_pipe_separated_lists(client):
    rows = [innovation("csv-a", awards=["KIPP Top 99 2021", "IGA 2022"],
                       sources=["https://a.go.id/x", "https://b.go.id/y"],
                       problem="Warga, terutama lansia, kesulitan mengurus KTP."),
            innovation("csv-b", year="", awards=[], sources=["https://c.go.id"])]
    response = client.post("/v1/innovations", content=_csv(rows).encode(), headers=CSV)
    assert response.status_code == 201, response.text
    assert response.json()["created"] == ["csv-a", "csv-b"]
    a = client.get("/v1/innovations/csv-a").json()
    assert a["awards"] == ["KIPP Top 99 2021", "IGA 2022"]
    assert a["sources"] == ["https://a.go.id/x", "https://b.go.id/y"]
    assert a["problem"] == "Warga, terutama lansia, kesulitan mengurus KTP."
    assert a["award_tier"] == "kipp-top99" and a["year"] == 2021
    b = client.get("/v1/innovations/csv-b").json()
    assert b["year"] is None and b["awards"] == [] and b["sources"] == ["https://c.go.id"]
    assert total(client) == 11


def test_bulk_jsonl_with_one_bad_row_stores_nothing_and_names_line_and_field(client):
    before = client.get("/v1/stats").json()
    rows = [innovation(f"bad-batch-{n}") for n in range(5)]
    rows[2]["level"] = "planet"
    err = error(client.post("/v1/innovations", content=jsonl(rows).encode(), headers=JSONL),
                422, "invalid_innovation")
    assert err["details"] == [{"line": 3, "field": "level", "message": err["details"][0][
        "message"]}]
    assert "planet" in err["details"][0]["message"]
    assert "line 3" in err["message"] and "level" in err["message"]
    assert "nothing stored" in err["message"]
    assert client.get("/v1/stats").json() == before
    assert total(client) == 9
    for n in range(5):
        error(client.get(f"/v1/innovations/bad-batch-{n}"), 404)


def test_bulk_csv_with_one_bad_row_names_the_physical_line(client):
    rows = [innovation(f"bad-csv-{n}") for n in range(4)]
    rows[3]["year"] = "tahun lalu"
    err = error(client.post("/v1/innovations", content=_csv(rows).encode(), headers=CSV),
                422, "invalid_innovation")
    # Line 1 is the header, so the fourth row is line 5.
    assert [(d["line"], d["field"]) for d in err["details"]] == [(5, "year")]
    assert total(client) == 9
    error(client.get("/v1/innovations/bad-csv-0"), 404)


def test_bulk_json_array_with_bad_rows_lists_every_problem(client):
    rows = [innovation("ok-0"), innovation("ok-1", title=""), innovation("ok-2"),
            innovation("ok-3", id="not valid!")]
    rows.append(innovation("ok-0"))
    err = error(client.post("/v1/innovations", json=rows, headers=AUTH), 422,
                "invalid_innovation")
    assert {(d["line"], d["field"]) for d in err["details"]} == {
        (2, "title"), (4, "id"), (5, "id")}
    assert total(client) == 9


def test_jsonl_with_a_broken_line_stores_nothing(client):
    text = jsonl([innovation("broken-0")]) + "{not json\n" + jsonl([innovation("broken-2")])
    err = error(client.post("/v1/innovations", content=text.encode(), headers=JSONL), 422,
                "invalid_innovation")
    assert [d["line"] for d in err["details"]] == [2]
    assert total(client) == 9


@pytest.mark.parametrize(("raw", "headers", "status", "code"), [
    (b"{oops", AUTH, 400, "malformed_json"),
    (b"", AUTH, 400, "malformed_json"),
    (b"[]", AUTH, 422, "invalid_innovation"),
    (b"[1, 2]", AUTH, 422, "invalid_innovation"),
    (b'"just a string"', AUTH, 422, "invalid_innovation"),
    (b"\xff\xfe\x00", AUTH, 400, "bad_encoding"),
    (b"", JSONL, 422, "invalid_innovation"),
    (b"id,title,level\n", CSV, 422, "invalid_innovation"),
])
def test_bad_upload_bodies_are_4xx(client, raw, headers, status, code):
    error(client.post("/v1/innovations", content=raw, headers=headers), status, code)
    assert total(client) == 9


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml",
                                          "multipart/form-data; boundary=x"])
def test_unsupported_content_type_is_415(client, content_type):
    err = error(client.post("/v1/innovations", content=jsonl([innovation("typed")]).encode(),
                            headers={**AUTH, "content-type": content_type}),
                415, "unsupported_media_type")
    assert content_type.split(";")[0] in err["message"]
    assert total(client) == 9


def test_body_over_max_upload_bytes_is_413_naming_the_limit(client):
    limit = TEST_LIMITS.max_upload_bytes
    filler = "x" * 1000
    rows = [innovation(f"big-{n}", outcome=filler) for n in range(30)]
    body = jsonl(rows).encode()
    assert len(body) > limit
    err = error(client.post("/v1/innovations", content=body, headers=JSONL), 413,
                "payload_too_large")
    assert "max_upload_bytes" in err["message"] and str(limit) in err["message"]
    assert total(client) == 9
    error(client.get("/v1/innovations/big-0"), 404)


def test_streamed_body_over_max_upload_bytes_is_413(client):
    """Without a Content-Length the limit is enforced while the body streams in."""
    lines = [json.dumps(innovation(f"stream-{n}", outcome="y" * 900)).encode() + b"\n"
             for n in range(30)]

    def chunks():
        yield from lines

    err = error(client.post("/v1/innovations", content=chunks(), headers=JSONL), 413,
                "payload_too_large")
    assert "max_upload_bytes" in err["message"]
    assert total(client) == 9


def test_streamed_recommendation_body_over_max_upload_bytes_is_413(client):
    def chunks():
        yield b'{"text": "'
        for _ in range(25):
            yield b"a" * 1000
        yield b'"}'

    response = client.post("/v1/recommendations", content=chunks(),
                           headers={"content-type": "application/json"})
    err = error(response, 413, "payload_too_large")
    assert "max_upload_bytes" in err["message"]


def test_more_rows_than_max_upload_rows_is_413(client):
    limit = TEST_LIMITS.max_upload_rows
    rows = [{"id": f"r{n}", "title": f"R {n}", "level": "desa"} for n in range(limit + 1)]
    err = error(client.post("/v1/innovations", json=rows, headers=AUTH), 413, "too_many_rows")
    assert "max_upload_rows" in err["message"]
    assert total(client) == 9
    ok = client.post("/v1/innovations", json=rows[:limit], headers=AUTH)
    assert ok.status_code == 201 and len(ok.json()["created"]) == limit


# ---------------------------------------------------------------------------------------
# PUT and DELETE /v1/innovations/{id}


def test_put_creates_then_replaces(client):
    row = innovation("put-me")
    del row["id"]  # taken from the path
    created = client.put("/v1/innovations/put-me", json=row, headers=AUTH)
    assert created.status_code == 200, created.text
    assert created.json() == {"created": ["put-me"], "updated": [], "deleted": []}
    assert total(client) == 10
    replaced = client.put("/v1/innovations/put-me", headers=AUTH,
                          json={**row, "id": "put-me", "title": "Judul Baru", "year": 2023})
    assert replaced.status_code == 200
    assert replaced.json() == {"created": [], "updated": ["put-me"], "deleted": []}
    body = client.get("/v1/innovations/put-me").json()
    assert body["title"] == "Judul Baru" and body["year"] == 2023
    assert total(client) == 10


def test_put_replaces_a_seeded_innovation_completely(client):
    response = client.put(f"/v1/innovations/{SSW}", headers=AUTH,
                          json={"title": "Surabaya Single Window", "level": "kota"})
    assert response.status_code == 200 and response.json()["updated"] == [SSW]
    body = client.get(f"/v1/innovations/{SSW}").json()
    assert body["title"] == "Surabaya Single Window" and body["awards"] == []
    assert body["problem"] == "" and body["province"] == ""


def test_put_with_a_different_body_id_is_422(client):
    err = error(client.put(f"/v1/innovations/{TOSS}", json=innovation("other-id"),
                           headers=AUTH), 422, "id_mismatch")
    assert "other-id" in err["message"] and TOSS in err["message"]
    assert client.get(f"/v1/innovations/{TOSS}").json()["title"] == "TOSS"
    error(client.get("/v1/innovations/other-id"), 404)


@pytest.mark.parametrize(("path_id", "body", "status", "code", "field"), [
    ("put-x", {"title": "Tanpa tingkat"}, 422, "invalid_innovation", "level"),
    ("put-x", {"title": "X", "level": "planet"}, 422, "invalid_innovation", "level"),
    ("put-x", {"title": "X", "level": "desa", "colour": "red"}, 422, "invalid_innovation",
     "colour"),
    ("bad id!", {"title": "X", "level": "desa"}, 422, "invalid_innovation", "id"),
    ("put-x", [{"title": "X", "level": "desa"}], 422, "invalid_innovation", None),
])
def test_put_invalid_bodies_are_422(client, path_id, body, status, code, field):
    err = error(client.put(f"/v1/innovations/{path_id}", json=body, headers=AUTH),
                status, code)
    if field:
        assert any(d["field"] == field for d in err["details"]), err
    assert total(client) == 9


def test_put_malformed_json_is_400(client):
    error(client.put("/v1/innovations/put-x", content=b"{nope", headers=AUTH), 400,
          "malformed_json")


def test_delete_then_404(client):
    client.post("/v1/replications", headers=AUTH,
                json={"innovation_id": TOSS, "region": "Kota Denpasar", "stage": "implemented"})
    refused = error(client.delete(f"/v1/innovations/{TOSS}", headers=AUTH), 409,
                    "has_replications")
    assert "cascade" in refused["message"]
    assert client.get(f"/v1/innovations/{TOSS}").status_code == 200  # nothing was lost
    response = client.delete(f"/v1/innovations/{TOSS}", headers=AUTH,
                             params={"cascade": "true"})
    assert response.status_code == 204 and response.content == b""
    error(client.get(f"/v1/innovations/{TOSS}"), 404, "unknown_innovation")
    error(client.delete(f"/v1/innovations/{TOSS}", headers=AUTH), 404, "unknown_innovation")
    assert total(client) == 8
    # Its replication records went with it.
    assert client.get("/v1/replications", params={"innovation_id": TOSS}).json()["total"] == 0
    assert client.get("/v1/stats").json()["replications"] == 0


def test_delete_unknown_is_404(client):
    error(client.delete("/v1/innovations/never-was", headers=AUTH), 404, "unknown_innovation")
    assert total(client) == 9


# ---------------------------------------------------------------------------------------
# Reads follow writes at once


def test_a_query_right_after_a_write_sees_the_write(client):
    row = innovation("zorb-1", title="Layanan Zorbflux",
                     problem="Warga desa kesulitan zorbflux setiap musim hujan.",
                     solution="Petugas keliling membantu warga.")
    hash_before = client.get("/readyz").json()["corpus_hash"]
    assert client.post("/v1/innovations", json=row, headers=AUTH).status_code == 201
    answer = recommend(client, "zorbflux")
    assert answer["results"][0]["id"] == "zorb-1"
    assert "zorbflux" in answer["results"][0]["explanation"]["matched_terms"]
    page = client.get("/", params={"q": "zorbflux"})
    assert page.status_code == 200
    assert re.findall(r'class="card" data-id="([^"]+)"', page.text)[0] == "zorb-1"
    ready = client.get("/readyz").json()
    assert ready["innovations"] == 10 and ready["corpus_hash"] != hash_before

    # Replace the text: the new word finds it; the old word no longer matches its words.
    client.put("/v1/innovations/zorb-1", headers=AUTH,
               json={**row, "problem": "Warga desa kesulitan quaxelnor.", "title": "Layanan"})
    answer = recommend(client, "quaxelnor")
    assert answer["results"][0]["id"] == "zorb-1"
    old = recommend(client, "zorbflux")
    assert all("zorbflux" not in r["explanation"]["matched_terms"] for r in old["results"])

    # After DELETE it is gone from search, listing, similar and the web page.
    assert client.delete("/v1/innovations/zorb-1", headers=AUTH).status_code == 204
    assert "zorb-1" not in ids_of(recommend(client, "quaxelnor"))
    assert "zorb-1" not in ids_of(recommend(client, "zorbflux", k=TEST_LIMITS.max_k))
    listing = client.get("/v1/innovations", params={"page_size": 50}).json()
    assert "zorb-1" not in [r["id"] for r in listing["items"]]
    similar = client.get(f"/v1/innovations/{TOSS}/similar", params={"k": 20}).json()
    assert "zorb-1" not in [r["id"] for r in similar]
    assert 'data-id="zorb-1"' not in client.get("/", params={"q": "quaxelnor"}).text
    assert client.get("/readyz").json()["corpus_hash"] == hash_before


def test_bulk_uploads_are_searchable_at_once(client):
    rows = [innovation(f"word-{w}", problem=f"Masalah {w} di desa.")
            for w in ("plimtrax", "vorquendel", "skizzawub")]
    assert client.post("/v1/innovations", content=_csv(rows).encode(),
                       headers=CSV).status_code == 201
    for w in ("plimtrax", "vorquendel", "skizzawub"):
        assert ids_of(recommend(client, w))[0] == f"word-{w}"


@pytest.mark.parametrize("text", ["dan yang di", "the of and", "!!!", "🙂", "a"])
def test_queries_without_content_words_are_answered(client, text):
    answer = recommend(client, text, k=3)
    assert answer["query"] == text and len(answer["results"]) <= 3


def test_deleting_everything_leaves_a_working_service(client):
    for iid in ALL_IDS:
        assert client.delete(f"/v1/innovations/{iid}", headers=AUTH).status_code == 204
    empty = recommend(client, "sampah")
    assert empty["results"] == [] and empty["no_match"] and "kosong" in empty["reason"]
    assert client.get("/v1/innovations").json() == {
        "items": [], "total": 0, "page": 1, "page_size": 20}
    assert client.get("/v1/stats").json()["innovations"] == 0
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["innovations"] == 0
    assert 'class="card"' not in client.get("/", params={"q": "sampah"}).text
    row = innovation("after-empty", title="Bank Sampah Desa")
    assert client.post("/v1/innovations", json=row, headers=AUTH).status_code == 201
    assert ids_of(recommend(client, "bank sampah")) == ["after-empty"]
    assert client.get("/v1/innovations/after-empty/similar").json() == []


# ---------------------------------------------------------------------------------------
# /v1/replications


def test_replication_for_unknown_innovation_is_404(client):
    err = error(client.post("/v1/replications", headers=AUTH, json={
        "innovation_id": "no-such", "region": "Kota Bogor", "stage": "interest"}),
        404, "unknown_innovation")
    assert "no-such" in err["message"]
    assert client.get("/v1/replications").json()["total"] == 0


@pytest.mark.parametrize(("body", "field"), [
    ({"innovation_id": TOSS, "region": "Kota Bogor", "stage": "signed"}, "body.stage"),
    ({"innovation_id": TOSS, "region": "Kota Bogor"}, "body.stage"),
    ({"innovation_id": TOSS, "stage": "interest"}, "body.region"),
    ({"innovation_id": TOSS, "region": "  ", "stage": "interest"}, "body.region"),
    ({"innovation_id": TOSS, "region": "Kota Bogor", "stage": "interest", "date": "kemarin"},
     "body.date"),
    ({"innovation_id": TOSS, "region": "Kota Bogor", "stage": "interest",
      "province": "Atlantis"}, "body.province"),
    ({"innovation_id": TOSS, "region": "Kota Bogor", "stage": "interest", "by": "me"},
     "body.by"),
])
def test_bad_replication_is_422(client, body, field):
    err = error(client.post("/v1/replications", headers=AUTH, json=body), 422,
                "validation_error")
    assert any(d["field"] == field for d in err["details"]), err
    assert client.get("/v1/replications").json()["total"] == 0


def _aceh_reasons(client) -> list[str]:
    answer = recommend(client, "angka kematian ibu melahirkan tinggi", k=3)
    result = next(r for r in answer["results"] if r["id"] == ACEH)
    return result["explanation"]["reasons"]


def test_mou_signed_raises_known_replications(client):
    assert client.get(f"/v1/innovations/{ACEH}").json()["total_replications"] == 0
    assert not any("Sudah direplikasi" in r for r in _aceh_reasons(client))

    interest = client.post("/v1/replications", headers=AUTH, json={
        "innovation_id": ACEH, "region": "Kabupaten Nias", "province": "sumut",
        "stage": "interest"})
    assert interest.status_code == 201, interest.text
    assert interest.json()["province"] == "Sumatera Utara"
    assert client.get(f"/v1/innovations/{ACEH}").json()["total_replications"] == 0

    mou = client.post("/v1/replications", headers=AUTH, json={
        "innovation_id": ACEH, "region": "Kabupaten Nias", "stage": "mou-signed",
        "date": "2024-05-17"})
    assert mou.status_code == 201, mou.text
    body = mou.json()
    assert body["stage"] == "mou-signed" and body["date"] == "2024-05-17"
    assert isinstance(body["id"], int) and body["created_at"]
    detail = client.get(f"/v1/innovations/{ACEH}").json()
    assert (detail["known_replications"], detail["recorded_replications"],
            detail["total_replications"]) == (0, 1, 1)
    assert [r["stage"] for r in detail["replications"]] == ["mou-signed", "interest"]
    assert "Sudah direplikasi oleh 1 daerah lain." in _aceh_reasons(client)

    # The same region implementing it is still one region; another region makes two.
    for region in ("kabupaten nias", "Kota Sabang"):
        assert client.post("/v1/replications", headers=AUTH, json={
            "innovation_id": ACEH, "region": region, "stage": "implemented"}).status_code == 201
    assert client.get(f"/v1/innovations/{ACEH}").json()["total_replications"] == 2
    assert "Sudah direplikasi oleh 2 daerah lain." in _aceh_reasons(client)
    listed = client.get("/v1/innovations", params={"sector": "kesehatan"}).json()["items"]
    assert {r["id"]: r["total_replications"] for r in listed}[ACEH] == 2
    assert client.get("/readyz").status_code == 200


def test_replication_stacks_on_the_corpus_count(client):
    before = client.get(f"/v1/innovations/{TOSS}").json()
    client.post("/v1/replications", headers=AUTH, json={
        "innovation_id": TOSS, "region": "Kabupaten Bangli", "stage": "implemented"})
    after = client.get(f"/v1/innovations/{TOSS}").json()
    assert after["total_replications"] == before["total_replications"] + 1
    assert after["known_replications"] == before["known_replications"]


def test_get_then_put_round_trip_does_not_inflate_replications(client):
    client.post("/v1/replications", headers=AUTH, json={
        "innovation_id": TOSS, "region": "Kabupaten Bangli", "stage": "implemented"})
    first = client.get(f"/v1/innovations/{TOSS}").json()
    for _ in range(3):
        body = client.get(f"/v1/innovations/{TOSS}").json()
        assert client.put(f"/v1/innovations/{TOSS}", json=body, headers=AUTH).status_code == 200
    last = client.get(f"/v1/innovations/{TOSS}").json()
    assert last["known_replications"] == first["known_replications"]
    assert last["total_replications"] == first["total_replications"]


def test_list_replications(client):
    records = [(TOSS, "Kota Denpasar", "interest"), (TOSS, "Kabupaten Badung", "mou-signed"),
               (ACEH, "Kabupaten Simeulue", "implemented"), (SSW, "Kota Malang", "interest")]
    for iid, region, stage in records:
        response = client.post("/v1/replications", headers=AUTH,
                               json={"innovation_id": iid, "region": region, "stage": stage})
        assert response.status_code == 201, response.text
    everything = client.get("/v1/replications").json()
    assert everything["total"] == 4 and everything["page"] == 1 and everything["page_size"] == 50
    assert [r["region"] for r in everything["items"]] == [
        "Kota Malang", "Kabupaten Simeulue", "Kabupaten Badung", "Kota Denpasar"]
    toss = client.get("/v1/replications", params={"innovation_id": TOSS}).json()
    assert toss["total"] == 2 and {r["innovation_id"] for r in toss["items"]} == {TOSS}
    interest = client.get("/v1/replications", params={"stage": "interest"}).json()
    assert interest["total"] == 2 and {r["stage"] for r in interest["items"]} == {"interest"}
    paged = client.get("/v1/replications", params={"page": 2, "page_size": 3}).json()
    assert paged["total"] == 4 and [r["region"] for r in paged["items"]] == ["Kota Denpasar"]
    assert client.get("/v1/replications", params={"innovation_id": "nope"}).json() == {
        "items": [], "total": 0, "page": 1, "page_size": 50}


def test_list_replications_errors(client):
    err = error(client.get("/v1/replications", params={"stage": "signed"}), 422,
                "validation_error")
    assert err["details"][0]["field"] == "query.stage"
    err = error(client.get("/v1/replications",
                           params={"page_size": TEST_LIMITS.max_page_size + 1}),
                422, "page_size_too_large")
    assert "max_page_size" in err["message"]
    error(client.get("/v1/replications", params={"page": 0}), 422, "validation_error")


# ---------------------------------------------------------------------------------------
# /v1/stats, /healthz, /readyz


def test_stats_counts(client):
    stats = client.get("/v1/stats").json()
    assert stats["innovations"] == 9
    assert stats["by_sector"] == dict(Counter(r["sector"] for r in SMALL_CORPUS_ROWS))
    assert stats["by_province"] == dict(Counter(r["province"] or "(nasional)"
                                                for r in SMALL_CORPUS_ROWS))
    assert stats["by_award_tier"] == dict(Counter(
        Innovation.model_validate(r).award_tier.value for r in SMALL_CORPUS_ROWS))
    assert stats["by_award_tier"]["unpsa"] == 1
    assert stats["replications"] == 0 and stats["replications_by_stage"] == {}

    client.post("/v1/innovations", json=innovation("stat-new", sector="hukum"), headers=AUTH)
    for n, stage in enumerate(("interest", "mou-signed", "mou-signed")):
        client.post("/v1/replications", headers=AUTH,
                    json={"innovation_id": TOSS, "region": f"Kab {n}", "stage": stage})
    stats = client.get("/v1/stats").json()
    assert stats["innovations"] == 10 and stats["by_sector"]["hukum"] == 1
    assert stats["by_province"]["Jawa Tengah"] == 1
    assert stats["replications"] == 3
    assert stats["replications_by_stage"] == {"mou-signed": 2, "interest": 1}


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_reports_the_index(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready" and body["innovations"] == 9 and body["model"] == "hashing"
    assert re.fullmatch(r"[0-9a-f]{64}", body["corpus_hash"])


def test_openapi_lists_every_endpoint(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/recommendations", "/v1/innovations", "/v1/innovations/{innovation_id}",
            "/v1/innovations/{innovation_id}/similar", "/v1/replications", "/v1/stats",
            "/healthz", "/readyz"} <= set(paths)


def test_unknown_route_and_method_use_the_error_shape(client):
    error(client.get("/v1/nothing-here"), 404, "not_found")
    error(client.delete("/v1/stats"), 405, "method_not_allowed")
    error(client.patch(f"/v1/innovations/{TOSS}", json={}, headers=AUTH), 405)


# ---------------------------------------------------------------------------------------
# API keys


WRITES = [
    ("post", "/v1/innovations", {"json": innovation("auth-test")}),
    ("put", "/v1/innovations/auth-test", {"json": innovation("auth-test")}),
    ("delete", f"/v1/innovations/{TOSS}", {}),
    ("post", "/v1/replications",
     {"json": {"innovation_id": TOSS, "region": "Kota Bogor", "stage": "implemented"}}),
]


def _nothing_written(client) -> None:
    assert total(client) == 9
    assert client.get(f"/v1/innovations/{TOSS}").status_code == 200
    assert client.get("/v1/innovations/auth-test").status_code == 404
    assert client.get("/v1/replications").json()["total"] == 0


@pytest.mark.parametrize(("method", "path", "kwargs"), WRITES)
def test_writes_without_a_key_are_401(client, method, path, kwargs):
    error(getattr(client, method)(path, **kwargs), 401, "missing_api_key")
    error(getattr(client, method)(path, headers={"X-API-Key": ""}, **kwargs), 401,
          "missing_api_key")
    error(getattr(client, method)(path, headers={"Authorization": "Basic dGVzdC1rZXk="},
                                  **kwargs), 401, "missing_api_key")
    _nothing_written(client)


@pytest.mark.parametrize(("method", "path", "kwargs"), WRITES)
def test_writes_with_a_wrong_key_are_401(client, method, path, kwargs):
    for headers in ({"X-API-Key": "wrong"}, {"X-API-Key": API_KEY + "x"},
                    {"Authorization": "Bearer wrong"}, {"X-API-Key": "tëst-key".encode()}):
        error(getattr(client, method)(path, headers=headers, **kwargs), 401, "invalid_api_key")
    _nothing_written(client)


def test_bearer_token_is_accepted(client):
    response = client.post("/v1/innovations", json=innovation("bearer-1"),
                           headers={"Authorization": f"Bearer {API_KEY}"})
    assert response.status_code == 201, response.text
    response = client.delete("/v1/innovations/bearer-1",
                             headers={"authorization": f"bearer {API_KEY}"})
    assert response.status_code == 204


def test_a_wrong_x_api_key_is_not_rescued_by_a_right_bearer(client):
    error(client.post("/v1/innovations", json=innovation("two-keys"),
                      headers={"X-API-Key": "wrong", "Authorization": f"Bearer {API_KEY}"}),
          401, "invalid_api_key")


@pytest.mark.parametrize(("method", "path", "kwargs"), WRITES)
def test_app_without_a_key_refuses_writes_with_403(readonly_client, method, path, kwargs):
    for headers in ({}, AUTH, {"Authorization": f"Bearer {API_KEY}"}):
        err = error(getattr(readonly_client, method)(path, headers=headers, **kwargs), 403,
                    "writes_disabled")
        assert "REPLIKA_API_KEY" in err["message"]
    _nothing_written(readonly_client)


def test_app_without_a_key_still_serves_reads(readonly_client):
    assert readonly_client.get("/v1/innovations").json()["total"] == 9
    assert recommend(readonly_client, "sampah")["no_match"] is False
    assert readonly_client.get("/readyz").status_code == 200
    assert readonly_client.get("/", params={"q": "sampah"}).status_code == 200


# ---------------------------------------------------------------------------------------
# The web page


def test_web_search_form(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<form class="search"' in page.text and 'class="card"' not in page.text
    assert "Uraikan masalah di daerah Anda" in page.text


def test_web_results_are_cards(client):
    page = client.get("/", params={"q": "sampah rumah tangga", "k": 3})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    cards = re.findall(r'class="card" data-id="([^"]+)"', page.text)
    assert cards[0] == TOSS and 1 <= len(cards) <= 3
    assert "Mengapa cocok" in page.text and f'href="/inovasi/{TOSS}"' in page.text
    assert "inovasi untuk masalah Anda" in page.text


def test_web_filters_narrow_the_cards(client):
    page = client.get("/", params={"q": "pelayanan", "province": "Jawa Timur",
                                   "level": "kabupaten"})
    cards = re.findall(r'class="card" data-id="([^"]+)"', page.text)
    assert sorted(cards) == ["kipp-2015-lahir-procot-banyuwangi",
                             "kipp-2019-gerebek-pasar-legi-gresik"]


def test_web_filter_nothing_passes_says_so_in_indonesian(client):
    page = client.get("/", params={"q": "sampah rumah tangga", "sector": "hukum"})
    assert page.status_code == 200
    assert "Belum ada inovasi yang cocok" in page.text
    assert "Tidak ada inovasi yang lolos filter yang dipilih." in page.text
    assert 'class="card"' not in page.text


def test_web_blank_query_shows_only_the_form(client):
    page = client.get("/", params={"q": "   "})
    assert page.status_code == 200 and 'class="card"' not in page.text
    assert "Belum ada inovasi" not in page.text


def test_web_bad_input_is_a_422_page(client):
    page = client.get("/", params={"q": "a" * (TEST_LIMITS.max_query_chars + 1)})
    assert page.status_code == 422 and "Uraian masalah terlalu panjang" in page.text
    assert 'role="alert"' in page.text and "characters" not in page.text
    page = client.get("/", params={"q": "sampah", "province": "Atlantis"})
    assert page.status_code == 422 and "Atlantis" in page.text
    assert "Pilihan filter tidak dikenal" in page.text
    for k in ("0", "abc", "9999"):  # a page, never the API's JSON error
        page = client.get("/", params={"q": "sampah", "k": k})
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "Jumlah hasil harus" in page.text


def test_web_innovation_page(client):
    client.post("/v1/replications", headers=AUTH, json={
        "innovation_id": TOSS, "region": "Kabupaten Gianyar", "stage": "mou-signed"})
    page = client.get(f"/inovasi/{TOSS}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<h1>TOSS</h1>" in page.text and "Tempat Olah Sampah Setempat" in page.text
    assert "Inovasi serupa" in page.text and 'class="card"' in page.text
    assert f'data-id="{TOSS}"' not in page.text  # never similar to itself
    assert "Kabupaten Gianyar" in page.text and "MoU ditandatangani" in page.text


def test_web_unknown_innovation_is_404(client):
    page = client.get("/inovasi/no-such-thing")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "tidak ditemukan" in page.text and "no-such-thing" in page.text


def test_static_stylesheet(client):
    assert client.get("/static/style.css").status_code == 200
    error(client.get("/static/none.css"), 404)


# ---------------------------------------------------------------------------------------


def test_every_response_was_checked(client):
    """The response hook really runs: it is what forbids 500s in every test above."""
    client.get("/healthz")
    client.get("/v1/innovations/nope")
    assert client.checks.seen[-2:] == [("GET", "/healthz", 200),
                                       ("GET", "/v1/innovations/nope", 404)]


def test_readers_never_see_a_5xx_while_an_innovation_is_deleted_and_restored(client):
    import threading

    row = next(r for r in SMALL_CORPUS_ROWS if r["id"] == TOSS)
    statuses: list[int] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            for path in (f"/v1/innovations/{TOSS}", f"/v1/innovations/{TOSS}/similar",
                         "/v1/innovations"):
                try:
                    statuses.append(client.get(path).status_code)
                except AssertionError:  # the response hook refuses a 500
                    statuses.append(500)

    readers = [threading.Thread(target=read) for _ in range(4)]
    for thread in readers:
        thread.start()
    try:
        for _ in range(6):
            assert client.delete(f"/v1/innovations/{TOSS}", headers=AUTH).status_code == 204
            assert client.post("/v1/innovations", json=row, headers=AUTH).status_code == 201
    finally:
        stop.set()
        for thread in readers:
            thread.join(timeout=60)
    assert statuses and all(s < 500 for s in statuses), Counter(statuses)
    assert set(statuses) <= {200, 404}


def test_replications_are_strict_unique_and_correctable(client):
    body = {"innovation_id": TOSS, "region": "Kota Denpasar", "stage": "mou-signed",
            "date": "2025-02-01"}
    made = client.post("/v1/replications", json=body, headers=AUTH)
    assert made.status_code == 201
    twin = error(client.post("/v1/replications", json=body, headers=AUTH), 409,
                 "duplicate_replication")
    assert twin["details"][0]["existing"]["id"] == made.json()["id"]
    for bad in ({"date": 0}, {"date": "2099-01-01"}, {"region": "Kota\u0000Denpasar"}):
        assert client.post("/v1/replications", json=body | bad, headers=AUTH
                           ).status_code == 422
    rid = made.json()["id"]
    fixed = client.put(f"/v1/replications/{rid}", json=body | {"stage": "implemented"},
                       headers=AUTH)
    assert fixed.status_code == 200 and fixed.json()["stage"] == "implemented"
    assert client.get(f"/v1/replications/{rid}").json()["stage"] == "implemented"
    assert client.delete(f"/v1/replications/{rid}", headers=AUTH).status_code == 204
    error(client.get(f"/v1/replications/{rid}"), 404, "unknown_replication")
    error(client.delete(f"/v1/replications/{rid}", headers=AUTH), 404, "unknown_replication")


def test_unknown_query_parameters_are_named(client):
    body = error(client.get("/v1/innovations", params={"sectr": "kesehatan"}), 422,
                 "unknown_parameter")
    assert "sectr" in body["message"] and "sector" in body["message"]
    error(client.get("/healthz", params={"x": "1"}), 422, "unknown_parameter")


def test_numbers_are_not_coerced_from_strings(client):
    body = error(client.post("/v1/recommendations", json={"text": "sampah", "k": "5"}), 422,
                 "validation_error")
    assert body["details"][0]["field"].endswith("k")


def test_cards_show_a_summary_line_the_region_once_and_sources_by_site(client):
    page = client.get("/", params={"q": "sampah rumah tangga menumpuk perlu kompos"}).text
    assert 'class="summary"' in page and "→" in page
    for meta in re.findall(r'<p class="meta">(.*?)</p>', page):
        parts = [p.strip() for p in meta.split("·")]
        assert len(parts) == len(set(parts)), meta
    toss = client.get(f"/inovasi/{TOSS}").text
    assert ">https://" not in toss  # links read as site names


def test_a_filter_alone_browses_innovations_strongest_first(client):
    page = client.get("/", params={"sector": "lingkungan"})
    assert page.status_code == 200
    ids = re.findall(r'class="card" data-id="([^"]+)"', page.text)
    expected = [r["id"] for r in SMALL_CORPUS_ROWS if r["sector"] == "lingkungan"]
    assert ids and set(ids) == set(expected)
    assert "inovasi sesuai pilihan Anda" in page.text
    assert client.get("/", params={"sector": "olahraga"}).status_code == 422
    assert "pilih provinsi, sektor atau tingkat saja" in client.get("/").text


def test_list_searches_words_and_sorts(client):
    found = client.get("/v1/innovations", params={"q": "SAMPAH setempat"}).json()
    assert [i["id"] for i in found["items"]] == ["kipp-2018-toss-klungkung"]
    assert client.get("/v1/innovations", params={"q": "tidak ada kata ini"}).json()[
        "total"] == 0
    by_award = client.get("/v1/innovations", params={"sort": "award"}).json()["items"]
    tiers = [i["award_tier"] for i in by_award]
    order = ["unpsa", "kipp-top", "kipp-top99", "iga", "lainnya", "none"]
    assert tiers == sorted(tiers, key=order.index)
    years = [i["year"] or 0 for i in client.get(
        "/v1/innovations", params={"sort": "year"}).json()["items"]]
    assert years == sorted(years, reverse=True)
    bad = client.get("/v1/innovations", params={"sort": "random"})
    assert bad.status_code == 422


def test_recommendations_carry_a_short_problem_and_solution(client):
    answer = client.post("/v1/recommendations", json={
        "text": "sampah rumah tangga menumpuk dan tidak diolah", "k": 3}).json()
    top = answer["results"][0]
    assert top["problem"] and top["solution"] and " → " in top["summary"]


def test_web_filters_for_award_year_and_own_region_are_kept_in_the_url(client, small_corpus):
    page = client.get("/", params={"tier": "kipp-top", "year": "2016"})
    assert page.status_code == 200
    shown = set(re.findall(r'data-id="([^"]+)"', page.text))
    expected = {r.id for r in small_corpus if (r.year or 0) >= 2016
                and r.award_tier.value in ("unpsa", "kipp-top")}
    assert shown == expected and shown
    assert 'value="kipp-top" selected' in page.text and 'value="2016" selected' in page.text
    own = next(r for r in small_corpus if r.region)
    searched = client.get("/", params={"q": own.problem or own.title, "daerah": own.region})
    assert own.id not in set(re.findall(r'data-id="([^"]+)"', searched.text))
    assert f'value="{own.region}"' in searched.text  # remembered for the next search
    bad = client.get("/", params={"tier": "emas"})
    assert bad.status_code == 422 and "Pilihan filter tidak dikenal" in bad.text


def test_stats_count_source_named_adopters_and_records_once(client):
    body = {"title": "Layanan Uji Adopsi", "level": "kabupaten", "problem": "Antrean panjang.",
            "solution": "Layanan daring.",
            "adopters": [{"region": "Kabupaten Bantul", "province": "DI Yogyakarta",
                          "stage": "implemented", "source": "https://example.go.id/a"}]}
    assert client.put("/v1/innovations/adopsi-uji", json=body, headers=AUTH).status_code in \
        (200, 201)
    before = client.get("/v1/stats").json()
    assert before["replications_from_sources"] >= 1
    for region, stage in (("kabupaten bantul", "implemented"), ("Kota Solo", "implemented")):
        response = client.post("/v1/replications", headers=AUTH, json={
            "innovation_id": "adopsi-uji", "region": region, "stage": stage})
        assert response.status_code == 201, response.text
    after = client.get("/v1/stats").json()
    assert after["replications"] == before["replications"] + 1  # Bantul was already known
    assert after["replications_from_sources"] == before["replications_from_sources"]
    page = client.get("/statistik").text
    assert f"{after['replications']} replikasi diketahui" in page
