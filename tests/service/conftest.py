"""Fixtures for the HTTP API: a live engine over a fresh store, and test clients.

Every response a client fixture sees is checked as it arrives: no request may ever answer
500, and every JSON error response must have the one error shape.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from corpus.collection import Corpus
from corpus.store import Store
from matcher.config import Settings
from matcher.live import LiveEngine
from models.hashing import HashingEmbedder
from service.app import create_app
from service.settings import Limits, ServiceConfig

API_KEY = "test-key"
AUTH = {"X-API-Key": API_KEY}

# Small limits so that each breach is cheap to provoke. max_page_size stays at 50: the
# listing endpoints' default page sizes (20 and 50) must fit under it.
TEST_LIMITS = Limits(max_query_chars=300, max_k=20, max_page_size=50,
                     max_upload_bytes=20_000, max_upload_rows=40)

ERROR_KEYS = {"status", "code", "message", "details"}


def assert_error_shape(response: httpx.Response) -> dict[str, Any]:
    """The inner error object, after checking the response has the one error shape."""
    assert response.headers.get("content-type", "").startswith("application/json"), \
        f"{response.request.method} {response.request.url}: error is not JSON: " \
        f"{response.headers.get('content-type')} {response.text[:200]}"
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == ERROR_KEYS, error
    assert error["status"] == response.status_code, error
    assert isinstance(error["code"], str) and error["code"], error
    assert isinstance(error["message"], str) and error["message"], error
    assert isinstance(error["details"], list), error
    return error


def _is_web_page(response: httpx.Response) -> bool:
    path = response.request.url.path
    return path in ("/", "/statistik") or path.startswith("/inovasi/")


class ResponseChecks:
    """Response hook: refuse any 500 and any error that is not in the one error shape."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, int]] = []

    def __call__(self, response: httpx.Response) -> None:
        response.read()
        request = response.request
        self.seen.append((request.method, request.url.path, response.status_code))
        assert response.status_code < 500, \
            f"{request.method} {request.url} answered {response.status_code}: {response.text}"
        if response.status_code >= 400 and not _is_web_page(response):
            assert_error_shape(response)


@pytest.fixture
def limits() -> Limits:
    """The request limits of the test apps."""
    return TEST_LIMITS


@pytest.fixture
def settings(tmp_path, lenient_relevance_dir) -> Settings:
    """Engine settings with the model-free hashing embedder in a fresh data directory; the
    relevance model never withholds (the API's no-match has tests of its own)."""
    return Settings(model="hashing", data_dir=tmp_path / "data",
                    relevance_path=lenient_relevance_dir)


def _engine(settings: Settings, seed: Corpus) -> LiveEngine:
    store = Store(ServiceConfig(settings=settings).store)
    engine = LiveEngine(settings, store, embedder=HashingEmbedder())
    engine.start(seed=seed)
    return engine


@pytest.fixture
def engine(settings, small_corpus) -> Iterator[LiveEngine]:
    """A started live engine over a fresh store seeded with the nine-record corpus."""
    live = _engine(settings, small_corpus)
    yield live
    live.store.close()


def _client(config: ServiceConfig, engine: LiveEngine) -> Iterator[TestClient]:
    checks = ResponseChecks()
    app = create_app(config, engine=engine)
    # raise_server_exceptions=False: a server error becomes a 500 response, which the hook
    # reports with its body instead of a bare traceback from inside the app.
    with TestClient(app, raise_server_exceptions=False) as client:
        client.event_hooks = {"request": [], "response": [checks]}
        client.checks = checks  # type: ignore[attr-defined]
        yield client
    assert all(status < 500 for _, _, status in checks.seen), checks.seen


@pytest.fixture
def service_config(settings, limits) -> ServiceConfig:
    """Configuration of the app that accepts writes with the test key."""
    return ServiceConfig(settings=settings, api_key=API_KEY, limits=limits)


@pytest.fixture
def client(service_config, engine) -> Iterator[TestClient]:
    """A test client of the app that accepts writes with the test key."""
    yield from _client(service_config, engine)


@pytest.fixture
def readonly_client(settings, limits, engine) -> Iterator[TestClient]:
    """A test client of an app started without an API key: writes are disabled."""
    yield from _client(ServiceConfig(settings=settings, api_key=None, limits=limits), engine)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request) -> str | None:
    """None: SQLite in the shared data directory; else a fresh PostgreSQL database."""
    return None if request.param == "sqlite" else request.getfixturevalue("postgres_url")
