"""The OpenAPI document is the contract: Schemathesis fuzzes every operation in-process.

Each operation gets a bounded number of generated requests, valid and invalid (with the
write key), and every answer must be no server error, a documented status with the
documented content type and schema, and invalid data must be refused.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from corpus.collection import Corpus
from corpus.schema import Innovation
from corpus.store import Store
from matcher.config import Settings
from matcher.live import LiveEngine
from models.hashing import HashingEmbedder
from service.app import create_app
from service.settings import Limits, ServiceConfig
from tests.conftest import SMALL_CORPUS_ROWS
from tests.service.conftest import API_KEY

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, negative_data_rejection]
EXAMPLES = 50  # per operation: well under a minute for the whole API

# JSON lines go on the wire as the text the schema describes.
schemathesis.serializer.alias("application/x-ndjson", "text/plain")


_DATA = Path(tempfile.mkdtemp(prefix="replika-contract-"))
_UNLIMITED = "1000000/minute"  # the fuzzer is one client sending thousands of requests
CONFIG = ServiceConfig(settings=Settings(model="hashing", data_dir=_DATA), api_key=API_KEY,
                       limits=Limits(rate_reads=_UNLIMITED, rate_writes=_UNLIMITED,
                                     rate_forums=_UNLIMITED, forum_max_regions=5,
                                     forum_max_innovators=5, forum_max_statements=10,
                                     forum_deadline_seconds=10))
# The schema is read from the app when this module loads (the pytest plugin needs it
# then); the engine it serves is started by the fixture below, before any request.
APP = create_app(CONFIG)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def engine(lenient_relevance_dir):
    settings = replace(CONFIG.settings, relevance_path=lenient_relevance_dir)
    live = LiveEngine(settings, Store(settings.store_path), embedder=HashingEmbedder())
    live.start(seed=Corpus(tuple(Innovation.model_validate(r) for r in SMALL_CORPUS_ROWS)))
    APP.state.engine = live
    yield live
    live.close()
    shutil.rmtree(_DATA, ignore_errors=True)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_its_contract(case):
    case.call_and_validate(headers={"X-API-Key": API_KEY}, checks=CHECKS)


def test_the_contract_documents_the_key_bodies_and_errors():
    doc = schema.raw_schema
    assert doc["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"
    post = doc["paths"]["/v1/innovations"]["post"]
    assert set(post["requestBody"]["content"]) == {"application/json",
                                                   "application/x-ndjson", "text/csv"}
    for status in ("400", "401", "413", "415", "422", "429", "503"):
        ref = post["responses"][status]["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith("/ErrorResponse")
    assert "HTTPValidationError" not in doc["components"]["schemas"]
