"""Plain renderings of results: JSON-ready dicts and human-readable text tables."""

from __future__ import annotations

import textwrap
from typing import Any
from urllib.parse import urlsplit

from corpus.schema import Innovation
from matcher.relevance import shown_percent
from matcher.results import Recommendation, RecommendationSet

CAUTION_NOTE = ("Perhatian: kecocokan rendah. Hasil berikut mungkin kurang sesuai; periksa "
                "uraian dan sumbernya sebelum memutuskan replikasi.")


def recommendation_dict(rec: Recommendation) -> dict[str, Any]:
    """One recommendation as a JSON-ready dict."""
    item = rec.innovation
    return {
        "id": item.id,
        "title": item.title,
        "score": round(rec.score, 4),
        "probability": None if rec.probability is None else round(rec.probability, 4),
        "match_level": rec.level,
        "agency": item.agency,
        "region": item.region,
        "province": item.province,
        "level": item.level.value,
        "year": item.year,
        "sector": item.sector,
        "award_tier": item.award_tier.value,
        "awards": list(item.awards),
        "known_replications": rec.explanation.known_replications,
        "detail_level": item.detail_level.value,
        "summary": summary_line(item),
        "problem": _first_sentence(item.problem, 300) if item.problem else "",
        "solution": _first_sentence(item.solution, 300) if item.solution else "",
        "channels": {
            "dense": {"score": round(rec.dense.score, 4), "rank": rec.dense.rank},
            "lexical": {"score": round(rec.lexical.score, 4), "rank": rec.lexical.rank},
            "prior": round(rec.prior, 4),
        },
        "explanation": {
            "matched_terms": list(rec.explanation.matched_terms),
            "sector_label": rec.explanation.sector_label,
            "sector_match": rec.explanation.sector_match,
            "award_label": rec.explanation.award_label,
            "reasons": list(rec.explanation.reasons),
            "thin": rec.explanation.thin,
        },
        "sources": list(item.sources),
    }


def result_set_dict(result: RecommendationSet, query_id: Any = None) -> dict[str, Any]:
    """A whole answer as a JSON-ready dict (the batch output line format)."""
    out: dict[str, Any] = {} if query_id is None else {"id": query_id}
    out.update({
        "results": [recommendation_dict(r) for r in result.results],
        "no_match": result.no_match,
        "reason": result.reason,
        "confidence": None if result.confidence is None else round(result.confidence, 4),
        "caution": result.caution,
        "calibrated": result.calibrated,
    })
    return out


def text_table(results: tuple[Recommendation, ...], width: int = 100) -> str:
    """Numbered results with the reasons indented beneath each."""
    lines = []
    for n, rec in enumerate(results, 1):
        item = rec.innovation
        where = ", ".join(p for p in (item.region or item.agency, item.province) if p)
        lines.append(f"{n:>2}. {item.title}  [{item.id}]")
        score = (f"{rec.level} ({shown_percent(rec.probability)})" if rec.probability is not None
                 else f"skor {rec.score:.3f}")
        lines.append(f"    {where} | {rec.explanation.award_label} | {score} "
                     f"(makna {rec.dense.score:.3f}, kata {rec.lexical.score:.2f})")
        for reason in rec.explanation.reasons:
            lines += textwrap.wrap(reason, width, initial_indent="    - ",
                                   subsequent_indent="      ")
    return "\n".join(lines)


def text_answer(result: RecommendationSet) -> str:
    """A human-readable answer, including an honest no-match."""
    if result.no_match:
        return f"Tidak ada rekomendasi. {result.reason}"
    table = text_table(result.results)
    return f"{CAUTION_NOTE}\n{table}" if result.caution else table


def _first_sentence(text: str, width: int) -> str:
    sentence = text.split(". ")[0].strip().rstrip(".")
    return sentence if len(sentence) <= width else sentence[: width - 1].rstrip() + "…"


def summary_line(item: Innovation, width: int = 110) -> str:
    """What an innovation does in one line: its problem -> its solution (first sentences)."""
    parts = [_first_sentence(t, width) for t in (item.problem, item.solution) if t]
    return " → ".join(parts)


def site_name(url: str) -> str:
    """A source shown by its site: 'menpan.go.id' for https://www.menpan.go.id/..."""
    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")
