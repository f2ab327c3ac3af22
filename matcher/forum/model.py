"""Frozen inputs of a replication forum: regions, innovators, affinities and constraints."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from numbers import Real
from types import MappingProxyType

Pair = tuple[str, str]  # (region_id, innovator_id)


def _check_capacity(kind: str, ident: str, capacity: int) -> None:
    """Raise ValueError unless capacity is an int of at least 1."""
    if isinstance(capacity, bool) or not isinstance(capacity, int):
        raise ValueError(f"{kind} {ident!r}: capacity must be an int, got {capacity!r}")
    if capacity < 1:
        raise ValueError(f"{kind} {ident!r}: capacity must be >= 1, got {capacity}")


@dataclass(frozen=True)
class Region:
    """A regional government attending the forum; capacity = most innovations it will adopt."""

    id: str
    name: str
    province: str
    capacity: int = 1
    sectors: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Validate capacity and freeze sectors."""
        _check_capacity("region", self.id, self.capacity)
        object.__setattr__(self, "sectors", tuple(self.sectors))

    def label(self) -> str:
        """Human-readable reference used in messages."""
        return f"region {self.id} ({self.name})"


@dataclass(frozen=True)
class Innovator:
    """An award-winning innovator; capacity = most regions it can coach during the forum."""

    id: str
    innovation_id: str
    name: str
    home_region_id: str | None
    province: str
    sector: str
    capacity: int = 1

    def __post_init__(self) -> None:
        """Validate capacity."""
        _check_capacity("innovator", self.id, self.capacity)

    def label(self) -> str:
        """Human-readable reference used in messages."""
        return f"innovator {self.id} ({self.name})"


def _pairs(kind: str, pairs: Iterable[Pair]) -> frozenset[Pair]:
    """Freeze (region_id, innovator_id) pairs, rejecting malformed entries."""
    out = set()
    for pair in pairs:
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise ValueError(f"{kind} pair must be a (region_id, innovator_id) tuple: {pair!r}")
        out.add((pair[0], pair[1]))
    return frozenset(out)


@dataclass(frozen=True)
class Constraints:
    """Organiser rules: forbidden pairs, required pairs, at most N regions/province/innovator."""

    forbidden: frozenset[Pair] = frozenset()
    required: frozenset[Pair] = frozenset()
    province_quota: int | None = None

    def __post_init__(self) -> None:
        """Freeze the pair sets and validate the quota."""
        object.__setattr__(self, "forbidden", _pairs("forbidden", self.forbidden))
        object.__setattr__(self, "required", _pairs("required", self.required))
        quota = self.province_quota
        if quota is not None and (isinstance(quota, bool) or not isinstance(quota, int)
                                  or quota < 1):
            raise ValueError(f"province_quota must be None or an int >= 1, got {quota!r}")


def _duplicates(ids: Iterable[str]) -> list[str]:
    """Ids that occur more than once, sorted."""
    return sorted(i for i, n in Counter(ids).items() if n > 1)


def _unknown(pairs: Iterable[Pair], regions: Mapping[str, Region],
             innovators: Mapping[str, Innovator]) -> list[str]:
    """Describe pairs naming a region or innovator that is not in the problem."""
    bad = []
    for r, i in sorted(pairs):
        missing = [f"region {r!r}"] if r not in regions else []
        missing += [f"innovator {i!r}"] if i not in innovators else []
        if missing:
            bad.append(f"({r}, {i}): unknown " + " and ".join(missing))
    return bad


@dataclass(frozen=True, eq=False)
class ForumProblem:
    """Regions, innovators, affinities of admissible pairs (absent = inadmissible), rules."""

    regions: tuple[Region, ...]
    innovators: tuple[Innovator, ...]
    affinity: Mapping[Pair, float]
    explanations: Mapping[Pair, str] = field(default_factory=dict)
    constraints: Constraints = field(default_factory=Constraints)

    def __post_init__(self) -> None:
        """Freeze the inputs and reject duplicates, unknown ids and out-of-range affinities."""
        object.__setattr__(self, "regions", tuple(self.regions))
        object.__setattr__(self, "innovators", tuple(self.innovators))
        object.__setattr__(self, "affinity", MappingProxyType(dict(self.affinity)))
        object.__setattr__(self, "explanations", MappingProxyType(dict(self.explanations)))
        for kind, items in (("region", self.regions), ("innovator", self.innovators)):
            dup = _duplicates(x.id for x in items)
            if dup:
                raise ValueError(f"duplicate {kind} ids: {', '.join(dup)}")
        regions, innovators = self.region_by_id, self.innovator_by_id
        for kind, pairs in (("affinity", self.affinity), ("explanations", self.explanations),
                            ("forbidden", self.constraints.forbidden),
                            ("required", self.constraints.required)):
            bad = _unknown(pairs, regions, innovators)
            if bad:
                raise ValueError(f"{kind} names unknown ids: " + "; ".join(bad))
        for pair, value in self.affinity.items():
            if isinstance(value, bool) or not isinstance(value, Real) \
                    or math.isnan(value) or not 0.0 <= value <= 1.0:
                raise ValueError(f"affinity of {pair} must be a number in [0, 1], got {value!r}")
        affinity = {pair: float(value) for pair, value in self.affinity.items()}
        object.__setattr__(self, "affinity", MappingProxyType(affinity))

    @cached_property
    def region_by_id(self) -> Mapping[str, Region]:
        """Regions keyed by id."""
        return MappingProxyType({r.id: r for r in self.regions})

    @cached_property
    def innovator_by_id(self) -> Mapping[str, Innovator]:
        """Innovators keyed by id."""
        return MappingProxyType({i.id: i for i in self.innovators})

    @cached_property
    def home_pairs(self) -> frozenset[Pair]:
        """Pairs of an innovator with its own home region (always forbidden)."""
        ids = {r.id for r in self.regions}
        return frozenset((i.home_region_id, i.id) for i in self.innovators
                         if i.home_region_id is not None and i.home_region_id in ids)

    @cached_property
    def forbidden(self) -> frozenset[Pair]:
        """Explicitly forbidden pairs plus every innovator's home-region pair."""
        return self.constraints.forbidden | self.home_pairs

    @cached_property
    def candidates(self) -> tuple[Pair, ...]:
        """Admissible, non-forbidden pairs in a deterministic order."""
        forbidden = self.forbidden
        return tuple(sorted(p for p in self.affinity if p not in forbidden))

    def quota_group(self, region_id: str) -> str:
        """The province a region counts towards in the province quota.

        A region without a province is a group of its own: it cannot crowd out others.
        """
        province = self.region_by_id[region_id].province
        return province if province else f"\x00{region_id}"

    def explanation(self, pair: Pair) -> str:
        """The upstream explanation of a pair, or an empty string."""
        return self.explanations.get(pair, "")
