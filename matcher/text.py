"""Indonesian-first text analysis: folding, stop words, Sastrawi stemming and acronyms."""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from corpus.vocab import fold
from matcher.colloquial import candidates, unreduplicated

# Sastrawi's list drops words that carry meaning in public-service problems
# ("ibu" in maternal health, "kurang" in malnutrition, "lama" for slow service, ...).
_KEEP = frozenset("""
ibu tempat setempat kecil khusus lama panjang kerja bekerja dini mata jauh kurang keluar
masuk baru besar datang hari bulan anak lahir tiga empat lima dua satu luar naik kasus
""".split())

_DOMAIN_STOPWORDS = frozenset("""
kabupaten kota provinsi pemerintah pemkab pemkot pemprov kab kami kita kalian mereka sangat
banyak sering selalu masih belum sudah tersebut yang ini itu dengan untuk dari pada dalam
""".split())

_ENGLISH_STOPWORDS = frozenset("""
a an the and or but if of to in on at by for with from as is are was were be been being it
its this that these those there their they them we our us you your he she his her i me my
not no do does did doing have has had having can could should would will shall may might
must so than too very just about into over under again further then once here when where
why how all any both each few more most other some such only own same what which who whom
while up down out off because until against between through during before after above below
many much also get gets got need needs people
""".split())

# Common spelling variants mapped onto one form before stemming.
_VARIANTS = {
    "antrian": "antrean", "resiko": "risiko", "praktek": "praktik", "ijin": "izin",
    "sistim": "sistem", "apotik": "apotek", "nasehat": "nasihat", "propinsi": "provinsi",
    "kwalitas": "kualitas", "online": "daring", "on-line": "daring", "offline": "luring",
    "aplikasi": "aplikasi", "ktp-el": "e-ktp", "ektp": "e-ktp", "dbd": "dbd",
}

# Bump when tokenisation, stop words or stemming change: indexes record it and are rebuilt.
ANALYZER_VERSION = 2  # 2: short forms that lose a word are not acronyms

_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Query words the colloquial rules are tried on, at most: each costs a few stemmings.
MAX_RULE_WORDS = 32


class Frequencies(Protocol):
    """The corpus vocabulary with each stem's document frequency."""

    def __contains__(self, stem: object) -> bool: ...

    def get(self, stem: str, default: int = 0) -> int: ...


def _sastrawi_stopwords() -> frozenset[str]:
    from Sastrawi.StopWordRemover.StopWordRemoverFactory import StopWordRemoverFactory

    return frozenset(StopWordRemoverFactory().get_stop_words())


@dataclass(frozen=True)
class Term:
    """A surface word of the input and the stem it indexes under."""

    surface: str
    stem: str


class AcronymMap:
    """Two-way expansion between short forms and long forms, over stem sequences."""

    def __init__(self, pairs: Iterable[tuple[Sequence[str], Sequence[str]]]) -> None:
        self._short_to_long: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
        self._long_to_short: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
        for short, long in pairs:
            s, lg = tuple(short), tuple(long)
            if s and lg and s != lg:
                self._short_to_long.setdefault(s, set()).add(lg)
                self._long_to_short.setdefault(lg, set()).add(s)
        # Window lengths to try, computed once: per call they made analysis quadratic.
        self._short_lengths = sorted({len(k) for k in self._short_to_long})
        self._long_lengths = sorted({len(k) for k in self._long_to_short})

    def __len__(self) -> int:
        return len(self._short_to_long)

    def knows(self, stem: str) -> bool:
        """Whether `stem` alone is a known short form."""
        return (stem,) in self._short_to_long

    @staticmethod
    def _find(stems: Sequence[str], table: dict[tuple[str, ...], set[tuple[str, ...]]],
              lengths: Sequence[int]) -> list[tuple[str, ...]]:
        found: list[tuple[str, ...]] = []
        for n in lengths:
            for i in range(len(stems) - n + 1):
                window = tuple(stems[i:i + n])
                if window in table:
                    found.extend(sorted(table[window]))
        return found

    def expansions(self, stems: Sequence[str]) -> list[str]:
        """Extra stems implied by acronyms or long forms present in `stems`."""
        extra: list[str] = []
        for seq in (self._find(stems, self._short_to_long, self._short_lengths)
                    + self._find(stems, self._long_to_short, self._long_lengths)):
            extra.extend(seq)
        return extra


class Glossary:
    """English words and phrases -> the Indonesian stems documents use for them."""

    def __init__(self, table: Mapping[tuple[str, ...], tuple[str, ...]]) -> None:
        self._table = dict(table)
        self._longest = max((len(k) for k in self._table), default=0)

    def __len__(self) -> int:
        return len(self._table)

    def knows(self, word: str) -> bool:
        """Whether `word` (or it without a plural s) is an English entry."""
        return (word,) in self._table or (word.endswith("s") and (word[:-1],) in self._table)

    def matches(self, words: Sequence[str]) -> list[tuple[int, int, tuple[str, ...]]]:
        """(start, end, stems) of each glossary entry in `words`, longest first, never
        overlapping ("birth certificate" wins over "birth" and "certificate")."""
        out, i = [], 0
        while i < len(words):
            for n in range(min(self._longest, len(words) - i), 0, -1):
                stems = self._table.get(tuple(words[i:i + n]))
                if stems:
                    out.append((i, i + n, stems))
                    i += n
                    break
            else:
                i += 1
        return out


class Analyzer:
    """Turns text into stems for BM25 and keeps each stem's surface word for explanations."""

    def __init__(self, acronym_pairs: Iterable[tuple[str, str]] = (),
                 glossary: Mapping[str, Sequence[str]] | None = None,
                 informal: Mapping[str, str] | None = None) -> None:
        from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
        from Sastrawi.Stemmer.Cache.ArrayCache import ArrayCache
        from Sastrawi.Stemmer.CachedStemmer import CachedStemmer
        from Sastrawi.Stemmer.Stemmer import Stemmer
        from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

        words = StemmerFactory().get_words()
        # Colloquial candidates are stemmed without a cache, so junk queries do not fill it.
        self._plain_stemmer: Any = Stemmer(ArrayDictionary(words))
        self._stemmer: Any = CachedStemmer(ArrayCache(), self._plain_stemmer)
        # Sastrawi's dictionary of standard root words: a word whose stem is one of them
        # ("nyeri", "nasi", "mandi") is standard Indonesian, never a colloquial verb form.
        self._roots = frozenset(words)
        self._stopwords = (_sastrawi_stopwords() - _KEEP) | _DOMAIN_STOPWORDS | _ENGLISH_STOPWORDS
        self._cache: dict[str, str] = {}
        self._indonesian_function_words = _sastrawi_stopwords() - _ENGLISH_STOPWORDS
        self.acronyms = self._acronym_map(acronym_pairs)
        self.glossary = self._glossary(glossary or {})
        self.informal = {word: tuple(formal.split()) for word, formal in (informal or {}).items()}

    def _glossary(self, table: Mapping[str, Sequence[str]]) -> Glossary:
        entries = {}
        for english, renderings in table.items():
            key = tuple(_TOKEN.findall(fold(english)))
            stems = tuple(dict.fromkeys(s for r in renderings for s in self.base_stems(r)))
            if key and stems:
                entries[key] = stems
        return Glossary(entries)

    def translations(self, text: str, *, english: bool, known: Container[str]) -> list[Term]:
        """Indonesian stems for the English words of `text`, each with the words the user
        wrote as its surface. In a query read as Indonesian only phrases none of whose
        words the corpus knows are translated ("air" stays water, "complaint" does not)."""
        words = [_VARIANTS.get(w, w) for w in _TOKEN.findall(fold(text))]
        out = []
        for start, end, stems in self.glossary.matches(words):
            phrase = words[start:end]
            if not english and any(self._stem(w) in known for w in phrase):
                continue
            out += [Term(" ".join(phrase), stem) for stem in stems]
        return out

    def _acronym_map(self, pairs: Iterable[tuple[str, str]]) -> AcronymMap:
        return AcronymMap((short_stems, self.base_stems(long)) for short, long in pairs
                          if (short_stems := self._short_form(short)))

    def _short_form(self, short: str) -> list[str]:
        """Stems of a short form, or [] when analysis dropped one of its words: "Bulan
        Melah" would otherwise expand every "bulan" (month) in every text."""
        stems = self.base_stems(short)
        return stems if len(stems) == len(_TOKEN.findall(fold(short))) else []

    def with_acronyms(self, acronym_pairs: Iterable[tuple[str, str]]) -> Analyzer:
        """An analyzer with another acronym table, sharing this one's stemmer and cache
        (creating a stemmer loads its dictionary: too slow for every write)."""
        twin = Analyzer.__new__(Analyzer)
        twin.__dict__.update(self.__dict__)
        twin.acronyms = self._acronym_map(acronym_pairs)
        return twin

    def acronym_stems(self, pairs: Iterable[tuple[str, str]]) -> set[str]:
        """Every stem of the short and long forms of `pairs`."""
        return {stem for short, long in pairs for stem in self.base_stems(f"{short} {long}")}

    def _stem(self, word: str, *, remember: bool = True) -> str:
        """`word`'s stem as the index writes it; `remember=False` (colloquial candidates)
        keeps it out of both caches, so junk queries do not fill them."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        if word.isdigit() or any(ch.isdigit() for ch in word):
            stem = word
        else:
            stemmer = self._stemmer if remember else self._plain_stemmer
            parts = [stemmer.stem(p) or p for p in word.split("-")]
            stem = "-".join(dict.fromkeys(parts))  # "kanak-kanak" -> "kanak"
            if stem == word and len(word) > 4 and word.endswith("s") and not word.endswith(
                    ("ss", "us", "is")):
                stem = word[:-1]  # light English plural folding
        if remember and len(self._cache) < 200_000:
            self._cache[word] = stem
        return stem

    def terms(self, text: str, known: Frequencies | None = None) -> list[Term]:
        """Content words of `text` with their stems, in order (no acronym expansion). With
        the corpus vocabulary `known` (a query), a word whose stem it does not know is read
        as the standard word it stands for ("ngantri" as "antre", "yg" as "yang"), its
        surface still the word the user wrote."""
        out = []
        rules_left = MAX_RULE_WORDS
        for word in _TOKEN.findall(fold(text)):
            canonical = _VARIANTS.get(word, word)  # the surface stays as the user wrote it
            if canonical in self._stopwords or len(canonical) < 2:
                continue
            standard = None
            if known is not None and self._stem(canonical) not in known:
                standard = self._standard(canonical, known, rules=rules_left > 0)
                rules_left -= 1
            for form in standard or (canonical,):
                if form in self._stopwords:
                    continue
                stem = self._stem(form)
                if stem and stem not in self._stopwords:
                    out.append(Term(word, stem))
        return out

    def _standard(self, word: str, known: Frequencies, *, rules: bool
                  ) -> tuple[str, ...] | None:
        """The standard word(s) for a `word` the corpus does not know: the informal table's
        reading, the word once for a reduplication ("anak2"), or (with `rules`) the
        colloquial candidate the corpus knows in most documents (matcher.colloquial); None
        when there is none, or when the word is standard Indonesian or English."""
        single = unreduplicated(word)
        if single in self.informal:
            return self.informal[single]
        if single != word and self._stem(single) in known:
            return (single,)
        if not rules or self.glossary.knows(single) or self._stem(single) in self._roots:
            return None
        best, best_df = None, 0
        for form in candidates(single):
            df = known.get(self._stem(form, remember=False), 0)
            if df > best_df:
                best, best_df = form, df
        return None if best is None else (best,)

    def language(self, text: str, vocabulary: Frequencies | None = None) -> str:
        """'en' or 'id', from function words, else from how many stems the corpus knows
        (informal words read as the standard words they stand for)."""
        words = [part for w in _TOKEN.findall(fold(text)) for part in self.informal.get(w, (w,))]
        english = sum(w in _ENGLISH_STOPWORDS for w in words)
        indonesian = sum(w in self._indonesian_function_words for w in words)
        if english != indonesian:
            return "en" if english > indonesian else "id"
        if vocabulary is None:
            return "en"
        stems = [t.stem for t in self.terms(text, vocabulary)]
        known = sum(s in vocabulary for s in stems)
        return "id" if stems and known * 2 >= len(stems) else "en"

    def base_stems(self, text: str) -> list[str]:
        """Stems of `text` without acronym expansion."""
        return [t.stem for t in self.terms(text)]

    def stems(self, text: str) -> list[str]:
        """Stems of `text` plus the stems of acronyms and long forms it implies."""
        base = self.base_stems(text)
        return base + self.acronyms.expansions(base)
