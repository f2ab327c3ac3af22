"""Statements of interest through the API and the page's form, and the draft plan page."""

from __future__ import annotations

from dataclasses import replace

from fastapi.testclient import TestClient

from service.app import create_app
from tests.service.conftest import AUTH, assert_error_shape

TOSS = "kipp-2018-toss-klungkung"


def test_a_visitor_states_interest_without_a_key_and_an_organiser_confirms(client):
    made = client.post("/v1/interests", json={"innovation_id": TOSS,
                                              "region": "Kabupaten Sragen"})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["replication_id"] is None
    assert client.get("/v1/stats").json()["interests"] == {"unconfirmed": 1, "confirmed": 0}
    assert client.get(f"/v1/replications?innovation_id={TOSS}").json()["items"] == []
    again = client.post("/v1/interests", json={"innovation_id": TOSS,
                                               "region": "kabupaten sragen"})
    assert again.status_code == 409
    assert assert_error_shape(again)["details"][0]["existing"]["id"] == body["id"]
    assert client.post(f"/v1/interests/{body['id']}/confirm").status_code == 401
    record = client.post(f"/v1/interests/{body['id']}/confirm", headers=AUTH)
    assert record.status_code == 200 and record.json()["stage"] == "interest"
    stats = client.get("/v1/stats").json()
    assert stats["interests"] == {"unconfirmed": 0, "confirmed": 1}
    assert stats["replications_by_stage"] == {"interest": 1}
    assert client.get("/v1/interests", params={"confirmed": "true"}).json()[0][
        "replication_id"] == record.json()["id"]


def test_interest_input_is_checked_and_only_interest_is_public(client):
    bad = client.post("/v1/interests", json={"innovation_id": TOSS, "region": "Sragen"})
    assert bad.status_code == 422
    assert "region" in str(assert_error_shape(bad)["details"])
    unknown = client.post("/v1/interests", json={"innovation_id": "nope",
                                                 "region": "Kota Ambon"})
    assert unknown.status_code == 404
    staged = client.post("/v1/interests", json={"innovation_id": TOSS, "region": "Kota Ambon",
                                                "stage": "implemented"})
    assert staged.status_code == 422  # a stage is not the public's to set
    assert client.post("/v1/replications", json={
        "innovation_id": TOSS, "region": "Kota Ambon",
        "stage": "implemented"}).status_code == 401


def test_the_form_records_interest_and_the_page_counts_it(client):
    page = client.get(f"/inovasi/{TOSS}")
    assert "Kami ingin mereplikasi inovasi ini" in page.text and "Langkah replikasi" in page.text
    sent = client.post(f"/inovasi/{TOSS}/minat", content="region=Kota+Ambon&province=Maluku"
                       "&note=Dinas+PTSP", headers={"content-type":
                                                    "application/x-www-form-urlencoded"},
                       follow_redirects=False)
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/inovasi/{TOSS}?minat=terkirim#minat"
    after = client.get(sent.headers["location"]).text
    assert "minat daerah Anda tercatat" in after
    assert "1 daerah menyatakan minat" in after and "Kota Ambon" in after
    twice = client.post(f"/inovasi/{TOSS}/minat", content="region=Kota+Ambon",
                        headers={"content-type": "application/x-www-form-urlencoded"})
    assert twice.status_code == 422 and "sudah menyatakan minat" in twice.text
    vague = client.post(f"/inovasi/{TOSS}/minat", content="region=Ambon+Manise",
                        headers={"content-type": "application/x-www-form-urlencoded"})
    assert vague.status_code == 422 and "ditulis dengan jenisnya" in vague.text
    assert 'value="Ambon Manise"' in vague.text  # what was typed is kept


def test_public_statements_have_their_own_low_rate_limit(service_config, engine):
    config = replace(service_config, limits=replace(service_config.limits,
                                                    rate_interests="2/minute"))
    with TestClient(create_app(config, engine=engine)) as client:
        codes = [client.post("/v1/interests", json={
            "innovation_id": TOSS, "region": f"Kota Nomor {n}"}).status_code
            for n in range(3)]
        assert codes == [201, 201, 429]
        assert client.get("/v1/stats").status_code == 200  # reads are not affected


def test_the_plan_page_is_prefilled_from_the_record_and_the_problem(client):
    page = client.get(f"/inovasi/{TOSS}/rencana", params={
        "daerah": "Kabupaten Sragen", "masalah": "Perizinan usaha lambat di kecamatan"})
    assert page.status_code == 200
    text = page.text
    assert "Draf rencana aksi replikasi" in text and "Kabupaten Sragen" in text
    assert "Perizinan usaha lambat di kecamatan" in text
    assert "Yang perlu disesuaikan" in text and "Indikator" in text
    assert client.get("/inovasi/nope/rencana").status_code == 404
