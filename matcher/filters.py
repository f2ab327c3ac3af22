"""Result filters: sector, province, level, award tier, year range and 'not my own region'."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from corpus.awards import TIER_RANK, AwardTier
from corpus.packed import Facts
from corpus.schema import Innovation
from corpus.vocab import Level, fold, normalise_level, normalise_province, normalise_sector


@dataclass(frozen=True)
class Filters:
    """Which innovations may be recommended; empty fields do not filter."""

    sectors: frozenset[str] = frozenset()
    provinces: frozenset[str] = frozenset()
    levels: frozenset[Level] = frozenset()
    min_tier: AwardTier | None = None
    year_from: int | None = None
    year_to: int | None = None
    exclude_region: str | None = None

    @classmethod
    def create(cls, *, sectors: Iterable[str] = (), provinces: Iterable[str] = (),
               levels: Iterable[str] = (), min_tier: str | None = None,
               year_from: int | None = None, year_to: int | None = None,
               exclude_region: str | None = None) -> Filters:
        """Validate and normalise user-facing values (raises ValueError naming the bad one)."""
        tier = None
        if min_tier:
            try:
                tier = AwardTier(min_tier.strip().lower())
            except ValueError:
                known = ", ".join(t.value for t in AwardTier)
                raise ValueError(f"unknown award tier {min_tier!r}; known: {known}") from None
        if year_from is not None and year_to is not None and year_from > year_to:
            raise ValueError(f"year_from {year_from} is after year_to {year_to}")
        return cls(
            sectors=frozenset(normalise_sector(s) for s in sectors),
            provinces=frozenset(normalise_province(p) for p in provinces if p.strip()),
            levels=frozenset(normalise_level(lv) for lv in levels),
            min_tier=tier,
            year_from=year_from,
            year_to=year_to,
            exclude_region=(exclude_region or "").strip() or None,
        )

    @property
    def active(self) -> bool:
        """True when any filter is set."""
        return bool(self.sectors or self.provinces or self.levels or self.min_tier
                    or self.year_from is not None or self.year_to is not None
                    or self.exclude_region)

    def accepts(self, item: Innovation | Facts) -> bool:
        """Whether an innovation passes every filter."""
        if self.sectors and item.sector not in self.sectors:
            return False
        if self.provinces and item.province not in self.provinces:
            return False
        if self.levels and item.level not in self.levels:
            return False
        if self.min_tier and TIER_RANK[item.award_tier] < TIER_RANK[self.min_tier]:
            return False
        if self.year_from is not None and (item.year is None or item.year < self.year_from):
            return False
        if self.year_to is not None and (item.year is None or item.year > self.year_to):
            return False
        return not (self.exclude_region and is_own_region(item, self.exclude_region))


_REGION_PREFIXES = (("kab ", "kabupaten "), ("pemkab ", "kabupaten "), ("pemkot ", "kota "),
                    ("prov ", "provinsi "), ("pemprov ", "provinsi "))


def _canonical_region(name: str) -> str:
    name = fold(name)
    for short, long in _REGION_PREFIXES:
        if name.startswith(short):
            return long + name[len(short):]
    return name


def is_own_region(item: Innovation | Facts, region: str) -> bool:
    """True when `region` names the innovation's own region (or its province, for provinces)."""
    own = _canonical_region(region)
    if not own:
        return False  # "!!!" or a script fold() drops names no region
    candidates = {_canonical_region(item.region), fold(item.agency)} - {""}
    if own in candidates:
        return True
    # "Surabaya" names Kota Surabaya, but "Kabupaten Bogor" does not name Kota Bogor.
    if own == _bare_region(own) and own == _bare_region(fold(item.region)):
        return True
    if item.level != Level.PROVINSI or not item.province:
        return False
    try:
        return normalise_province(own) == item.province
    except ValueError:
        return False


def _bare_region(name: str) -> str:
    for prefix in ("kabupaten ", "kab ", "kota ", "provinsi ", "pemerintah "):
        name = name.removeprefix(prefix)
    return name.strip()
