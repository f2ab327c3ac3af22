"""Every known replication of the catalogue's innovations: the adopters its sources name and
the records organisers wrote in the store, each (innovation, region, stage) counted once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from corpus.packed import Facts
from corpus.schema import region_key
from corpus.store import Replication

FROM_SOURCES = "sumber"  # named by a source in the catalogue
RECORDED = "tercatat"  # written to the store through the API


@dataclass(frozen=True)
class Adoption:
    """One region copying one innovation at one stage, and where we know it from."""

    innovation_id: str
    region: str
    province: str
    stage: str  # interest | mou-signed | implemented
    origin: str  # FROM_SOURCES or RECORDED


def adoptions(facts: Iterable[Facts], recorded: Iterable[Replication]
              ) -> list[Adoption]:
    """The catalogue's named adopters, then the store's records that name another region or
    stage (regions compared by corpus.schema.region_key, as the store compares them)."""
    out: list[Adoption] = []
    seen: set[tuple[str, str, str]] = set()

    def add(item: Adoption) -> None:
        key = (item.innovation_id, region_key(item.region), item.stage)
        if key not in seen:
            seen.add(key)
            out.append(item)

    for record in facts:
        for region, province, stage in record.adopters:
            add(Adoption(record.id, region, province, stage, FROM_SOURCES))
    for rep in recorded:
        add(Adoption(rep.innovation_id, rep.region, rep.province, rep.stage.value, RECORDED))
    return out
