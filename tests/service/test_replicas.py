"""Two server processes on one store agree: each sees the other's writes. On SQLite they
share a data directory; on PostgreSQL each has its own, as two hosts would."""

from __future__ import annotations

import time

import httpx
import pytest

from corpus.loader import save_corpus
from tests.service.test_crash_recovery import KEY, Service, upload_rows

SEEN_WITHIN = 1.0  # seconds


def _until(check, timeout: float = SEEN_WITHIN) -> float:
    """Seconds until `check()` is true; fails after `timeout`."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > timeout:
            pytest.fail(f"not seen within {timeout} s")
        time.sleep(0.02)
    return time.monotonic() - start


def test_two_servers_on_one_store_see_each_others_writes(tmp_path, small_corpus, store_url):
    corpus = tmp_path / "corpus.jsonl"
    save_corpus(small_corpus, corpus)
    shared = store_url is None
    first = Service(tmp_path / "data", corpus, tmp_path / "a.log", store_url=store_url)
    first.start()
    second = Service(tmp_path / ("data" if shared else "data-b"), corpus, tmp_path / "b.log",
                     store_url=store_url)
    try:
        first.wait_ready()
        second.start()
        second.wait_ready()
        row = upload_rows(0)[0]
        path = f"/v1/innovations/{row['id']}"
        with httpx.Client(base_url=first.url, timeout=10) as a, \
                httpx.Client(base_url=second.url, timeout=10) as b:
            assert b.get(path).status_code == 404
            assert a.post("/v1/innovations", json=row,
                          headers={"X-API-Key": KEY}).status_code == 201
            _until(lambda: b.get(path).status_code == 200)
            found = b.post("/v1/recommendations", json={"text": row["problem"], "k": 3})
            assert row["id"] in [r["id"] for r in found.json()["results"]]
            assert b.delete(path, headers={"X-API-Key": KEY}).status_code == 204
            _until(lambda: a.get(path).status_code == 404)
            assert b.get(path).status_code == 404
            ready = [c.get("/readyz").json() for c in (a, b)]
            assert ready[0]["status"] == ready[1]["status"] == "ready"
            assert ready[0]["generation"] == ready[1]["generation"]
            assert ready[0]["innovations"] == ready[1]["innovations"] == len(small_corpus)
    finally:
        second.kill()
        first.kill()


def test_serve_with_two_workers_answers_from_both(tmp_path):
    from corpus.loader import load_bundled_corpus
    from service.launch import get_json, served

    with served(tmp_path / "data", model="hashing", extra=["--workers", "2"]) as (server, ready):
        assert ready["status"] == "ready"
        for _ in range(6):
            code, body = get_json(f"{server.base}/v1/innovations?page_size=1")
            assert code == 200 and body["total"] == len(load_bundled_corpus())
        log = server.log.read_text(errors="replace")
        assert log.count("Started server process") >= 2, log[-2000:]
