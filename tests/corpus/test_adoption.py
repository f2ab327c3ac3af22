"""Known replications: the catalogue's named adopters and the store's records, counted once."""

from __future__ import annotations

from corpus.adoption import FROM_SOURCES, RECORDED, adoptions
from corpus.packed import Facts
from corpus.schema import Adopter, Innovation
from corpus.store import Replication, Stage


def _innovation(iid: str, *adopters: Adopter) -> Innovation:
    return Innovation(id=iid, title="Layanan", level="kabupaten", adopters=adopters)


def _recorded(n: int, iid: str, region: str, stage: Stage) -> Replication:
    return Replication(id=n, created_at="2026-01-01T00:00:00+00:00", innovation_id=iid,
                       region=region, stage=stage)


def test_a_region_named_by_a_source_and_recorded_again_counts_once():
    source = "https://example.go.id/berita"
    corpus = [_innovation("a", Adopter(region="Kabupaten Bantul", stage="implemented",
                                       source=source),
                          Adopter(region="Kota Solo", stage="interest", source=source)),
              _innovation("b")]
    recorded = [_recorded(1, "a", " kabupaten bantul ", Stage.IMPLEMENTED),  # the same one
                _recorded(2, "a", "Kabupaten Bantul", Stage.MOU_SIGNED),  # another stage
                _recorded(3, "b", "Kota Ambon", Stage.IMPLEMENTED)]
    got = adoptions([Facts.of(r) for r in corpus], recorded)
    assert [(a.innovation_id, a.region, a.stage, a.origin) for a in got] == [
        ("a", "Kabupaten Bantul", "implemented", FROM_SOURCES),
        ("a", "Kota Solo", "interest", FROM_SOURCES),
        ("a", "Kabupaten Bantul", "mou-signed", RECORDED),
        ("b", "Kota Ambon", "implemented", RECORDED)]
