"""Informal Indonesian in queries: the standard words a colloquial word may stand for.

Users write "ngantri", "numpuk", "dapetin", "muter2" and "yg"; the catalogue writes
"antre", "menumpuk", "dapatkan", "putar" and "yang". A table (corpus/informal.py)
covers the common abbreviations; the rules below undo the colloquial verb forms (a nasal
prefix in place of the standard one, the "-in" suffix, "e" for "a" in the last syllable,
a "2" for reduplication). The candidates are only proposals: the analyzer keeps the one
whose stem the catalogue knows in most documents, and only for a word whose own stem it
does not know and that is neither a standard root word nor an English glossary word.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_VOWEL = "aeiou"
_LAST_E = re.compile(r"e([^aeiou]+)$")
_REDUPLICATED = re.compile(r"^([a-z]{3,})-?2$")
MIN_RULE_LENGTH = 4  # shorter words are abbreviations, for the table only
MIN_ROOT = 4  # "-in" is not stripped from a shorter root ("madin" is no "mad" + "-in")


def unreduplicated(word: str) -> str:
    """'anak2' and 'bolong-2' -> the word once; any other word unchanged."""
    match = _REDUPLICATED.match(word)
    return match.group(1) if match else word


def _bases(word: str) -> Iterator[str]:
    """Roots a colloquial nasal prefix may hide: ngurus -> urus, kurus; nyari -> cari,
    sari; numpuk -> tumpuk; mikir -> pikir; ngecek -> cek."""
    yield word
    if word.startswith("nge") and len(word) > 5 and word[3] not in _VOWEL:
        yield word[3:]
    if word.startswith("ng") and len(word) > 4 and word[2] in _VOWEL:
        yield word[2:]
        yield "k" + word[2:]
    elif word.startswith("ny") and len(word) > 4 and word[2] in _VOWEL:
        yield "c" + word[2:]
        yield "s" + word[2:]
    elif word.startswith("n") and len(word) > 3 and word[1] in _VOWEL:
        yield "t" + word[1:]
    elif word.startswith("m") and len(word) > 3 and word[1] in _VOWEL:
        yield "p" + word[1:]
    elif word.startswith(("mb", "nd", "nj")) and len(word) > 4:
        yield word[1:]


def _suffixed(base: str) -> Iterator[str]:
    """'dapetin' -> dapetin, dapetkan, dapeti, dapet: the colloquial -in for -kan or -i."""
    yield base
    if base.endswith("in") and len(base) - 2 >= MIN_ROOT:
        stem = base[:-2]
        yield stem + "kan"
        yield stem + "i"
        yield stem


def _vowels(word: str) -> Iterator[str]:
    """'cepet' -> cepet, cepat: colloquial e for a in the final closed syllable."""
    yield word
    swapped = _LAST_E.sub(r"a\1", word)
    if swapped != word:
        yield swapped


def candidates(word: str) -> list[str]:
    """Standard forms `word` may be a colloquial spelling of, simplest first (the word
    itself excluded)."""
    single = unreduplicated(word)
    out: dict[str, None] = {single: None}
    if len(single) >= MIN_RULE_LENGTH and single.isalpha():
        for base in _bases(single):
            for suffixed in _suffixed(base):
                for form in _vowels(suffixed):
                    out.setdefault(form, None)
    return [form for form in out if form != word]
