"""Indonesian explanations: matched words, sector, award tier and known replications."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from corpus.awards import TIER_LABEL, AwardTier
from corpus.schema import DetailLevel, Innovation
from corpus.vocab import SECTOR_BY_CODE
from matcher.results import Explanation
from matcher.text import Term

MAX_TERMS = 8


def matched_terms(query_terms: Sequence[Term], doc_stems: Collection[str]) -> tuple[str, ...]:
    """Query words (as the user wrote them) whose stems occur in the document."""
    seen: dict[str, None] = {}
    for term in query_terms:
        if term.stem in doc_stems:
            seen.setdefault(term.surface, None)
    return tuple(seen)[:MAX_TERMS]


def explain(item: Innovation, query_terms: Sequence[Term], doc_stems: Collection[str],
            query_sectors: Collection[str], replications: int | None = None) -> Explanation:
    """Build the explanation of one recommendation.

    `replications` is the number of regions known to have replicated it (default: the
    record's own count).
    """
    replications = item.known_replications if replications is None else replications
    words = matched_terms(query_terms, doc_stems)
    sector = SECTOR_BY_CODE[item.sector]
    sector_match = item.sector in query_sectors
    tier = item.award_tier
    reasons: list[str] = []
    if words:
        reasons.append("Kata kunci masalah Anda yang cocok: " + ", ".join(words) + ".")
    else:
        reasons.append("Cocok secara makna dengan uraian masalah Anda, walau kata-katanya "
                       "berbeda.")
    if sector_match:
        reasons.append(f"Sektor sesuai dengan masalah Anda: {sector.label}.")
    else:
        reasons.append(f"Sektor: {sector.label}.")
    if tier != AwardTier.NONE:
        reasons.append(f"Terbukti: {TIER_LABEL[tier]} — " + "; ".join(item.awards) + ".")
    if replications:
        reasons.append(f"Sudah direplikasi oleh {replications} daerah lain.")
    if item.detail_level == DetailLevel.TITLE_ONLY:
        reasons.append("Catatan: data inovasi ini baru berupa judul; periksa sumbernya.")
    return Explanation(
        matched_terms=words, sector=item.sector, sector_label=sector.label,
        sector_match=sector_match, award_tier=tier.value, award_label=TIER_LABEL[tier],
        awards=item.awards, known_replications=replications,
        reasons=tuple(reasons))
