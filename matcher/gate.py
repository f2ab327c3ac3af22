"""Is the input a problem statement at all? Words the corpus knows, or a language we serve."""

from __future__ import annotations

import threading
from collections.abc import Container, Sequence

from matcher.text import Term

# Languages the detector chooses among: the ones we serve, plus enough Latin-script ones
# that keyboard mashing lands on one of those instead of on ours.
_SERVED = ("INDONESIAN", "MALAY", "ENGLISH")
_DISTRACTORS = ("TAGALOG", "DUTCH", "GERMAN", "FRENCH", "SPANISH", "PORTUGUESE", "ITALIAN",
                "SWAHILI", "SOMALI", "XHOSA", "MAORI", "WELSH", "TURKISH", "VIETNAMESE",
                "YORUBA", "SHONA", "ZULU", "POLISH", "LATIN", "ESPERANTO")
MIN_KNOWN_LENGTH = 3  # shorter known stems ("rt", "sd") say too little on their own


class LanguageGate:
    """Tells text worth searching from keyboard mashing, symbols and foreign text."""

    def __init__(self) -> None:
        self._detector = None
        self._lock = threading.Lock()

    def _detect(self, text: str) -> str | None:
        with self._lock:
            if self._detector is None:
                from lingua import Language, LanguageDetectorBuilder

                languages = [getattr(Language, n) for n in _SERVED + _DISTRACTORS]
                self._detector = LanguageDetectorBuilder.from_languages(*languages).build()
            values = self._detector.compute_language_confidence_values(text)
        if not values or values[0].value <= 0:
            return None
        return values[0].language.name

    def accepts(self, text: str, terms: Sequence[Term], vocabulary: Container[str]) -> bool:
        """Whether `text` has a word the corpus knows or reads as Indonesian or English."""
        if any(len(t.stem) >= MIN_KNOWN_LENGTH and t.stem.isalpha() and t.stem in vocabulary
               for t in terms):
            return True
        if not any(ch.isalpha() for ch in text):
            return False
        return self._detect(text) in _SERVED
