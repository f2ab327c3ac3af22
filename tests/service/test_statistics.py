"""The statistics page: charts, the tile map, and unmet demand counted without the text."""

from __future__ import annotations

import dataclasses

import pytest

from corpus.store import Store
from corpus.vocab import PROVINCES
from matcher.config import Settings
from service.web.charts import bars, shade, tile_map


def test_bars_are_sorted_and_scaled_to_the_longest():
    out = bars({"a": 2, "b": 8, "c": 8}, {"b": "Bee"}, limit=2)
    assert [(b.label, b.value, b.percent) for b in out] == [("Bee", 8, 100.0), ("c", 8, 100.0)]
    assert bars({}) == []


def test_the_tile_map_has_every_province_once_and_shades_by_count():
    tiles = tile_map({"Jawa Timur": 90, "Bali": 1}, {"Bali": 2})
    assert sorted(t.province for t in tiles) == sorted(PROVINCES)
    by_name = {t.province: t for t in tiles}
    assert by_name["Bali"].replications == 2 and by_name["Aceh"].innovations == 0
    assert shade(0, 90) != shade(1, 90) != shade(90, 90)
    assert len({(t.x, t.y) for t in tiles}) == len(tiles)


@pytest.fixture
def strict_client(tmp_path, hashing_relevance, small_corpus, limits):
    """An app whose relevance threshold withholds every answer: all real problems are
    no-match, so each counts as unmet demand."""
    from fastapi.testclient import TestClient

    from matcher.live import LiveEngine
    from matcher.relevance import save_relevance
    from models.hashing import HashingEmbedder
    from service.app import create_app
    from service.settings import ServiceConfig

    folder = tmp_path / "strict" / "hashing"
    save_relevance(dataclasses.replace(hashing_relevance, manifest=dataclasses.replace(
        hashing_relevance.manifest, threshold=0.999)), folder)
    settings = Settings(model="hashing", data_dir=tmp_path / "data", relevance_path=folder)
    engine = LiveEngine(settings, Store(settings.store), embedder=HashingEmbedder())
    engine.start(seed=small_corpus)
    with TestClient(create_app(ServiceConfig(settings=settings, limits=limits),
                               engine=engine)) as client:
        yield client


def test_no_match_answers_are_counted_and_charted_without_the_text(strict_client):
    problem = "stok darah di rumah sakit sering kosong saat pasien membutuhkan transfusi"
    answer = strict_client.post("/v1/recommendations", json={"text": problem})
    assert answer.json()["no_match"] is True
    strict_client.get("/", params={"q": problem, "province": "Bali"})
    strict_client.post("/v1/recommendations", json={"text": "asdf qwer zxcv"})  # nonsense
    demand = strict_client.app.state.demand
    assert sum(demand.by_sector().values()) == 2  # nonsense is not demand
    assert demand.by_province() == {"": 1, "Bali": 1}
    page = strict_client.get("/statistik")
    assert page.status_code == 200
    assert "Kebutuhan yang belum terjawab" in page.text and "darah" not in page.text


def test_the_statistics_page_draws_charts_and_the_map(client):
    page = client.get("/statistik")
    assert page.status_code == 200
    text = page.text
    # The map and three bar charts (replications and demand are empty here).
    assert text.count("<svg") >= 4 and "Peta petak 38 provinsi" in text
    assert "Inovasi per sektor" in text and "Replikasi per tahap" in text
    assert text.count('<rect x=') >= 38
    assert "<script>" not in text  # drawn on the server; the CSP allows no inline script
