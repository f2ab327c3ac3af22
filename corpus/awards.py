"""Award tiers: map free-text award names to a rank that ranking can use."""

from __future__ import annotations

import re
from enum import StrEnum


class AwardTier(StrEnum):
    """Best award tier of an innovation, from strongest to none."""

    UNPSA = "unpsa"
    KIPP_TOP = "kipp-top"
    KIPP_TOP99 = "kipp-top99"
    IGA = "iga"
    OTHER = "lainnya"
    NONE = "none"


TIER_RANK: dict[AwardTier, int] = {
    AwardTier.UNPSA: 5,
    AwardTier.KIPP_TOP: 4,
    AwardTier.KIPP_TOP99: 3,
    AwardTier.IGA: 2,
    AwardTier.OTHER: 1,
    AwardTier.NONE: 0,
}

TIER_LABEL: dict[AwardTier, str] = {
    AwardTier.UNPSA: "UN Public Service Awards (PBB)",
    AwardTier.KIPP_TOP: "KIPP Top 45 ke atas (Top 5-45)",
    AwardTier.KIPP_TOP99: "KIPP Top 99",
    AwardTier.IGA: "Innovative Government Award (Kemendagri)",
    AwardTier.OTHER: "Penghargaan lain",
    AwardTier.NONE: "Belum tercatat penghargaan",
}

_TOP_N = re.compile(r"\btop\s*(\d+)|\b(\d+)\s+finalis", re.IGNORECASE)
_KEMENPAN = re.compile(r"kipp|kemenpan|pkri|inovasi pelayanan publik", re.IGNORECASE)


def split_awards(text: str) -> tuple[str, ...]:
    """Split a ';'-separated award string into distinct, trimmed award names."""
    seen: dict[str, None] = {}
    # A ';' inside parentheses is part of one award's note, not a separator.
    for part in re.split(r";(?![^()]*\))", text):
        part = part.strip()
        if part:
            seen.setdefault(part, None)
    return tuple(seen)


def award_tier(award: str) -> AwardTier:
    """Tier of a single award name."""
    lowered = award.lower()
    if not lowered.strip():
        return AwardTier.NONE
    if "unpsa" in lowered or "un public service award" in lowered:
        return AwardTier.OTHER if "nominator" in lowered else AwardTier.UNPSA
    if _KEMENPAN.search(award):
        numbers = [int(a or b) for a, b in _TOP_N.findall(award)]
        if any(n <= 50 for n in numbers) or "terpuji" in lowered or "outstanding" in lowered:
            return AwardTier.KIPP_TOP
        if numbers or "finalis" in lowered:
            return AwardTier.KIPP_TOP99
        if "top inovasi" in lowered:
            return AwardTier.KIPP_TOP
        return AwardTier.OTHER
    if re.search(r"\biga\b|innovative government award", lowered):
        return AwardTier.IGA
    return AwardTier.OTHER


def best_tier(awards: tuple[str, ...] | list[str]) -> AwardTier:
    """Strongest tier among several awards."""
    tiers = [award_tier(a) for a in awards] or [AwardTier.NONE]
    return max(tiers, key=TIER_RANK.__getitem__)
