"""Indonesian explanations: informative matched words, match level, sector, proof, thinness."""

from __future__ import annotations

from collections.abc import Callable, Collection, Container, Mapping, Sequence

from corpus.awards import TIER_LABEL, AwardTier
from corpus.schema import Innovation
from corpus.vocab import SECTOR_BY_CODE
from matcher.results import Explanation
from matcher.text import Term

MAX_TERMS = 8
# A stem found in more than this share of documents says nothing about why one fits:
# on the bundled corpus "warga" is in 27% of records, "layan" 30%, "sehat" 24%,
# "aplikasi" 20%, while "desa" (12%), "anak" (13%) and "tani" (10%) still tell topics apart.
MAX_DOC_SHARE = 0.15
MIN_STEM_LENGTH = 3
# Rare in the corpus yet generic: they describe any problem, so never explain a match.
_GENERIC = frozenset("""
tinggi rendah angka penuh bulan hari tahun minggu jam waktu lama jauh dekat baru besar kecil
banyak sedikit kurang lebih masalah orang sulit susah mudah cepat lambat naik turun ada
sering kali cara buat jadi bikin tetap pakai milik tiap seluruh semua bagian hal umum
baik buruk kondisi kurangnya cari butuh parah kerap pusing bingung repot ribet gimana
tolong
""".split())


class Informative:
    """Membership view of `informative_stems` over a live document-frequency function, so
    a new corpus snapshot costs nothing until a stem is looked up."""

    def __init__(self, df: Callable[[str], int], n_docs: int,
                 max_share: float = MAX_DOC_SHARE) -> None:
        self._df = df
        self._limit = max(1, int(max_share * n_docs))

    def __contains__(self, stem: object) -> bool:
        return (isinstance(stem, str) and 0 < self._df(stem) <= self._limit
                and len(stem) >= MIN_STEM_LENGTH and not stem.isdigit()
                and stem not in _GENERIC)


def informative_stems(df: Mapping[str, int], n_docs: int,
                      max_share: float = MAX_DOC_SHARE) -> frozenset[str]:
    """Stems rare enough in the corpus to explain a match."""
    limit = max(1, int(max_share * n_docs))
    return frozenset(s for s, n in df.items()
                     if n <= limit and len(s) >= MIN_STEM_LENGTH and not s.isdigit()
                     and s not in _GENERIC)


def matched_terms(query_terms: Sequence[Term], doc_stems: Collection[str],
                  informative: Container[str]) -> tuple[str, ...]:
    """Informative query words, as the user wrote them, whose stems occur in the document."""
    seen: dict[str, None] = {}
    for term in query_terms:
        if term.stem in doc_stems and term.stem in informative:
            seen.setdefault(term.surface, None)
    return tuple(seen)[:MAX_TERMS]


def _proof(item: Innovation, replications: int) -> list[str]:
    reasons = []
    if item.award_tier != AwardTier.NONE:
        reasons.append(f"Terbukti: {TIER_LABEL[item.award_tier]} — " + "; ".join(item.awards)
                       + ".")
    if replications:
        reasons.append(f"Sudah direplikasi oleh {replications} daerah lain.")
    if item.is_thin:
        reasons.append("Catatan: data inovasi ini tipis (hanya judul atau satu-dua kalimat); "
                       "periksa sumbernya sebelum memutuskan.")
    return reasons


def _explanation(item: Innovation, words: tuple[str, ...], sector_match: bool,
                 replications: int, reasons: list[str]) -> Explanation:
    tier = item.award_tier
    return Explanation(
        matched_terms=words, sector=item.sector, sector_label=SECTOR_BY_CODE[item.sector].label,
        sector_match=sector_match, award_tier=tier.value, award_label=TIER_LABEL[tier],
        awards=item.awards, known_replications=replications, reasons=tuple(reasons),
        thin=item.is_thin)


def explain(item: Innovation, query_terms: Sequence[Term], doc_stems: Collection[str],
            informative: Container[str], query_sectors: Collection[str],
            replications: int | None = None) -> Explanation:
    """Why one innovation was recommended for a problem statement (its match level is a
    field of the recommendation, shown beside the reasons)."""
    replications = item.known_replications if replications is None else replications
    words = matched_terms(query_terms, doc_stems, informative)
    sector = SECTOR_BY_CODE[item.sector]
    sector_match = item.sector in query_sectors
    reasons: list[str] = []
    if words:
        reasons.append("Kata kunci masalah Anda yang cocok: " + ", ".join(words) + ".")
    else:
        reasons.append("Cocok secara makna dengan uraian masalah Anda, walau kata-katanya "
                       "berbeda.")
    reasons.append(f"Sektor sesuai dengan masalah Anda: {sector.label}." if sector_match
                   else f"Sektor: {sector.label}.")
    reasons += _proof(item, replications)
    return _explanation(item, words, sector_match, replications, reasons)


def explain_similar(item: Innovation, source: Innovation, source_terms: Sequence[Term],
                    doc_stems: Collection[str], informative: Container[str],
                    replications: int | None = None) -> Explanation:
    """Why one innovation resembles another (no user words involved)."""
    replications = item.known_replications if replications is None else replications
    words = matched_terms(source_terms, doc_stems, informative)
    sector_match = item.sector == source.sector
    sector = SECTOR_BY_CODE[item.sector]
    reasons: list[str] = []
    if words:
        reasons.append("Kedua inovasi sama-sama membahas: " + ", ".join(words) + ".")
    else:
        reasons.append("Uraian kedua inovasi mirip secara makna.")
    reasons.append(f"Sektor yang sama: {sector.label}." if sector_match
                   else f"Sektor: {sector.label}.")
    reasons += _proof(item, replications)
    return _explanation(item, words, sector_match, replications, reasons)
