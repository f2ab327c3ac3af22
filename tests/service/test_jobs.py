"""Bulk uploads over bulk_job_rows: validated whole, then a durable job (202, /v1/jobs/{id})."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.settings import Limits, ServiceConfig
from tests.service.conftest import API_KEY

AUTH = {"X-API-Key": API_KEY}


def rows(n: int, start: int = 0) -> list[dict]:
    return [{"id": f"job-{i:04d}", "title": f"Layanan Massal {i}", "level": "kota",
             "sector": "tatakelola", "problem": "Antrean panjang di kantor.",
             "solution": "Layanan daring.", "sources": [f"https://example.org/{i}"]}
            for i in range(start, start + n)]


@pytest.fixture
def jobs_client(settings, engine):
    config = ServiceConfig(settings=settings, api_key=API_KEY,
                           limits=Limits(bulk_job_rows=5))
    with TestClient(create_app(config, engine=engine)) as client:
        yield client


def wait_done(client, url: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout  # a guard against hangs only
    while time.monotonic() < deadline:
        body = client.get(url).json()
        if body["status"] in ("done", "failed"):
            return body
        time.sleep(0.05)
    pytest.fail(f"job at {url} not finished within {timeout} s: {body}")


def test_a_large_upload_becomes_a_job_that_stores_everything(jobs_client):
    answer = jobs_client.post("/v1/innovations", json=rows(12), headers=AUTH)
    assert answer.status_code == 202
    job = answer.json()
    assert job["total"] == 12 and answer.headers["location"] == job["status_url"]
    done = wait_done(jobs_client, job["status_url"])
    assert done["status"] == "done" and done["done"] == 12 and done["created"] == 12
    for row in rows(12)[::5]:
        assert jobs_client.get(f"/v1/innovations/{row['id']}").status_code == 200
    # The index followed the job: the new rows are found.
    listing = jobs_client.get("/v1/innovations", params={"page_size": 100}).json()
    assert listing["total"] >= 12 + 9


def test_a_bad_row_in_a_large_upload_is_422_and_no_job(jobs_client):
    bad = rows(12)
    bad[7]["level"] = "galaxy"
    answer = jobs_client.post("/v1/innovations", content="\n".join(json.dumps(r) for r in bad),
                              headers=AUTH | {"content-type": "application/x-ndjson"})
    assert answer.status_code == 422
    detail = answer.json()["error"]["details"][0]
    assert detail["line"] == 8 and detail["field"] == "level"
    assert jobs_client.get("/v1/innovations/job-0000").status_code == 404


def test_small_uploads_stay_synchronous(jobs_client):
    assert jobs_client.post("/v1/innovations", json=rows(5), headers=AUTH).status_code == 201


def test_an_unknown_job_is_404(jobs_client):
    answer = jobs_client.get("/v1/jobs/nope")
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "unknown_job"


def test_a_stored_job_is_done_only_once_the_answering_engine_has_its_last_batch():
    from corpus.jobs import DONE, RUNNING, Job
    from service.api.routes.jobs import job_out

    job = Job("j", DONE, 10, 10, 10, 0, "", generation=7, created_at="t", updated_at="t")
    assert job_out(job, 6).status == "indexing"  # committed, not yet searchable here
    assert job_out(job, 7).status == "done" and job_out(job, 9).status == "done"
    running = Job("j", RUNNING, 10, 4, 4, 0, "", generation=5, created_at="t", updated_at="t")
    assert job_out(running, 2).status == "running"
