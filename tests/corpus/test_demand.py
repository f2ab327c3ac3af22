"""Unmet-demand counters on both store backends."""

from __future__ import annotations

from corpus.demand import Demand
from corpus.store import Store


def test_demand_counts_by_sector_and_province(target, small_corpus):
    store = Store(target)
    demand = Demand(store)
    for sector, province in [("kesehatan", ""), ("kesehatan", "Bali"), ("sosial", "")]:
        demand.record(sector, province)
    assert demand.by_sector() == {"kesehatan": 2, "sosial": 1}
    assert demand.by_province() == {"": 2, "Bali": 1}
