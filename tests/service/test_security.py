"""Safe to expose: security headers, no script URLs, a store that cannot be written."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.service.conftest import API_KEY

AUTH = {"X-API-Key": API_KEY}


def _row(**change) -> dict:
    row = {"id": "sec-1", "title": "Layanan Uji", "level": "kota", "sector": "kesehatan",
           "problem": "Antrean panjang di puskesmas.", "solution": "Daftar lewat aplikasi.",
           "sources": ["https://example.org/uji"]}
    return row | change


@pytest.mark.parametrize("path", ["/", "/v1/innovations", "/healthz", "/nope",
                                  "/static/style.css", "/docs"])
def test_every_response_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1] \
        .split(";")[0]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("url", ["javascript:alert(3)", "data:text/html,<b>x</b>",
                                 "file:///etc/passwd", "ftp://example.org/x",
                                 "https://exa mple.org"])
def test_only_http_sources_are_accepted(client, url):
    response = client.post("/v1/innovations", json=_row(sources=[url]), headers=AUTH)
    assert response.status_code == 422
    assert any(d["field"].endswith("sources") for d in response.json()["error"]["details"])
    assert client.get("/v1/innovations/sec-1").status_code == 404  # nothing stored


def test_an_overlong_field_is_refused_naming_the_field_and_limit(client):
    response = client.post("/v1/innovations", json=_row(title="a" * 301), headers=AUTH)
    assert response.status_code == 422
    detail = response.json()["error"]["details"][0]
    assert detail["field"].endswith("title") and "300" in detail["message"]


def test_docs_load_only_local_assets(client):
    page = client.get("/docs").text
    assert "cdn" not in page.lower() and "<script>" not in page
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200


@pytest.fixture
def frozen_store(engine):
    """The store's folder made immutable (chattr +i), so no one, root included, writes."""
    folder = engine.store.db.path.parent
    if not shutil.which("chattr") or subprocess.run(
            ["chattr", "+i", str(folder)], capture_output=True).returncode:
        pytest.skip("chattr +i is not available on this file system")
    yield engine
    subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_a_store_that_cannot_be_written_is_reported_and_writes_answer_503(service_config,
                                                                          frozen_store):
    from fastapi.testclient import TestClient

    from service.app import create_app

    # A plain client: the shared one refuses every 5xx, and 503 is the answer wanted here.
    with TestClient(create_app(service_config, engine=frozen_store)) as client:
        _check_unwritable(client)


def _check_unwritable(client) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 503 and "cannot be written" in ready.json()["reason"]
    response = client.post("/v1/innovations", json=_row(), headers=AUTH)
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "store_unavailable" and "cannot be written" in error["message"]
    assert response.headers["retry-after"]
    assert client.post("/v1/recommendations", json={"text": "antrean puskesmas"}
                       ).status_code == 200  # reads go on


def _limited_client(settings, engine, **rates):
    from fastapi.testclient import TestClient

    from service.app import create_app
    from service.settings import Limits, ServiceConfig

    config = ServiceConfig(settings=settings, api_key=API_KEY, limits=Limits(**rates))
    return TestClient(create_app(config, engine=engine))


def test_reads_over_the_rate_limit_get_429_with_retry_after(settings, engine):
    with _limited_client(settings, engine, rate_reads="3/minute") as client:
        assert [client.get("/v1/innovations").status_code for _ in range(3)] == [200] * 3
        refused = client.get("/v1/innovations")
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        error = refused.json()["error"]
        assert error["code"] == "rate_limited" and "3 per 1 minute" in error["message"]
        assert "rate_reads" in error["message"]
        assert client.get("/healthz").status_code == 200  # probes are never limited
        assert client.get("/readyz").status_code == 200


def test_writes_and_forum_plans_have_their_own_lower_limits(settings, engine):
    with _limited_client(settings, engine, rate_writes="1/minute",
                         rate_forums="1/minute") as client:
        assert client.post("/v1/innovations", json=_row(), headers=AUTH).status_code == 201
        second = client.post("/v1/innovations", json=_row(id="sec-2"), headers=AUTH)
        assert second.status_code == 429 and "rate_writes" in second.text
        assert client.get("/v1/innovations/sec-1").status_code == 200  # reads go on
        forum = {"regions": [{"id": "R1", "problems": ["sampah menumpuk"]}],
                 "innovators": [{"id": "I1", "innovation_id": "kipp-2018-toss-klungkung"}]}
        client.post("/v1/forum/plans", json=forum, headers=AUTH)
        again = client.post("/v1/forum/plans", json=forum, headers=AUTH)
        assert again.status_code == 429 and "rate_forums" in again.text
