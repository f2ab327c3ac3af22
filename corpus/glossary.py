"""The English-to-Indonesian glossary of public-service words shipped with the corpus.

Documents are Indonesian, so an English problem statement shares no word with them; the
keyword channel reads an English query's words through this glossary
(`corpus/data/glossary_en_id.tsv`: `english<TAB>indonesian`, one rendering per line).
"""

from __future__ import annotations

from pathlib import Path

from corpus.files import data_text


class GlossaryError(ValueError):
    """A glossary line is malformed; the message names the file and line."""


def read_glossary(path: Path | None = None) -> dict[str, tuple[str, ...]]:
    """English word or phrase -> its Indonesian renderings, in file order (a repeated
    English key gathers every rendering)."""
    text, where = data_text("data/glossary_en_id.tsv", path)
    out: dict[str, list[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise GlossaryError(f"{where}:{number}: expected 'english<TAB>indonesian', got "
                                f"{line[:80]!r}")
        english, indonesian = parts[0].strip().lower(), parts[1].strip().lower()
        renderings = out.setdefault(english, [])
        if indonesian not in renderings:
            renderings.append(indonesian)
    return {k: tuple(v) for k, v in out.items()}
