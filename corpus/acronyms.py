"""Acronym pairs: those stated by records and a bundled list of common government ones."""

from __future__ import annotations

import re

from corpus.files import data_text

_COLON = re.compile(r"^(?P<short>[^:]{1,40}):\s*(?P<long>.+)$")
_CAPS = re.compile(r"\b[A-Z][A-Z0-9-]{1,}[a-z]?\b")


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9]+", text)


def _looks_short(short: str, long: str) -> bool:
    """True when `short` plausibly abbreviates `long` (fewer words, or all capitals)."""
    return len(_words(short)) < len(_words(long)) or short.isupper()


def _pair(short: str, long: str) -> tuple[str, str] | None:
    short, long = short.strip(" -–:"), long.strip(" -–:")
    if not short or not long or short.lower() == long.lower():
        return None
    return (short, long) if _looks_short(short, long) else (long, short)


def split_parenthesis(text: str) -> tuple[str, str] | None:
    """(text before, text inside) the first "(...)" holding no other parenthesis, as in
    "Surabaya Single Window (SSW)"; plain string scanning, linear in the length (a regex
    for this took quadratic time on long runs of spaces)."""
    start = text.find("(", 1)
    while start != -1:
        end = start + 1
        while end < len(text) and text[end] not in "()":
            end += 1
        if end < len(text) and text[end] == ")" and end > start + 1:
            return text[:start].rstrip() or text[:1], text[start + 1:end]
        start = text.find("(", max(end, start + 1))
    return None


def record_acronyms(title: str, expansion: str) -> tuple[tuple[str, str], ...]:
    """(short form, long form) pairs that a record's title and expansion state."""
    pairs: list[tuple[str, str] | None] = []
    title_match = split_parenthesis(title)
    if title_match:
        pairs.append(_pair(*title_match))
    if expansion:
        colon = _COLON.match(expansion)
        paren = split_parenthesis(expansion)
        if colon:
            pairs.append(_pair(colon["short"], colon["long"]))
        elif paren:
            pairs.append(_pair(paren[1], paren[0]))
        elif not title_match:
            caps = _CAPS.findall(title)
            brand = caps[0] if caps else title
            pairs.append(_pair(brand, expansion))
    unique = dict.fromkeys(p for p in pairs if p)
    return tuple(unique)


def common_acronyms() -> tuple[tuple[str, str], ...]:
    """Common Indonesian public-service acronyms shipped with the corpus."""
    text, _ = data_text("data/acronyms.tsv")
    pairs = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            short, long = line.split("\t", 1)
            pairs.append((short.strip(), long.strip()))
    return tuple(pairs)
