"""The table of informal Indonesian words shipped with the corpus (chat abbreviations,
colloquial verbs, common regional words) and the standard words the catalogue writes.

`corpus/data/informal_id.tsv`: `informal<TAB>formal`, one word per line on the left.
"""

from __future__ import annotations

import re
from pathlib import Path

from corpus.files import data_text

_WORD = re.compile(r"^[a-z]+$")
_FORMAL = re.compile(r"^[a-z]+(?:[ -][a-z]+)*$")


class InformalTableError(ValueError):
    """A line of the informal-word table is malformed; the message names file and line."""


def read_informal(path: Path | None = None) -> dict[str, str]:
    """Informal word -> its standard Indonesian word(s)."""
    text, where = data_text("data/informal_id.tsv", path)
    out: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2:
            raise InformalTableError(f"{where}:{number}: expected 'informal<TAB>formal', got "
                                     f"{len(parts)} field(s)")
        informal, formal = parts[0].strip(), parts[1].strip()
        if not _WORD.match(informal):
            raise InformalTableError(f"{where}:{number}: informal word {informal!r} must be "
                                     "one lowercase word of letters a-z")
        if not _FORMAL.match(formal):
            raise InformalTableError(f"{where}:{number}: formal {formal!r} must be lowercase "
                                     "words of letters a-z")
        if informal in out:
            raise InformalTableError(f"{where}:{number}: {informal!r} is listed twice")
        out[informal] = formal
    return out
