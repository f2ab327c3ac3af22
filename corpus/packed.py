"""Records kept compressed in memory, with the few facts every request reads beside them.

At 30,000 innovations the validated records took 98 MiB, a third of the server's memory,
though a query shows ten of them. Each record is held as its JSON, zlib-compressed against a
dictionary of the corpus's first records (about 830 bytes instead of 3.3 KB), and validated
again when read; `Facts` keeps what filters, ranking, statistics and listings read of every
record, so none of those decodes a record.
"""

from __future__ import annotations

import sys
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from corpus.awards import AwardTier
from corpus.schema import Innovation
from corpus.vocab import Level

LEVEL = 1  # zlib level: 47 µs a record against 101 µs at 6, for 830 bytes against 690
DICTIONARY_RECORDS = 16  # records whose JSON primes the compressor
DICTIONARY_BYTES = 32 * 1024  # zlib's window


@dataclass(frozen=True, slots=True)
class Facts:
    """What every request may read of a record without decoding it."""

    id: str
    title: str
    agency: str
    region: str
    province: str | None
    level: Level
    sector: str
    year: int | None
    award_tier: AwardTier
    known_replications: int
    body_words: int
    has_problem: bool
    has_solution: bool
    acronyms: tuple[tuple[str, str], ...]
    aliases: tuple[str, ...]
    adopters: tuple[tuple[str, str, str], ...]  # (region, province, stage) named by sources

    @classmethod
    def of(cls, record: Innovation) -> Facts:
        """The facts of one record (repeated words such as provinces stored once)."""
        return cls(
            id=record.id, title=record.title, agency=sys.intern(record.agency),
            region=sys.intern(record.region), province=(sys.intern(record.province)
                                                     if record.province else record.province),
            level=record.level, sector=sys.intern(record.sector), year=record.year,
            award_tier=record.award_tier, known_replications=record.known_replications,
            body_words=record.body_words, has_problem=bool(record.problem),
            has_solution=bool(record.solution), acronyms=record.acronyms,
            aliases=tuple(record.aliases),
            adopters=tuple((sys.intern(a.region), sys.intern(a.province or ""), a.stage)
                           for a in record.adopters))


    def row(self) -> list[object]:
        """The facts as a JSON-ready list, in field order (`from_row` reads it back)."""
        return [getattr(self, name) for name in self.__slots__]

    @classmethod
    def from_row(cls, row: list[object]) -> Facts:
        """Facts written by `row`."""
        if len(row) != len(cls.__slots__):
            raise ValueError(f"facts row of {len(row)} fields, expected {len(cls.__slots__)}")
        (iid, title, agency, region, province, level, sector, year, tier, known, words,
         has_problem, has_solution, acronyms, aliases, adopters) = row
        return cls(
            id=sys.intern(iid), title=title, agency=sys.intern(agency),
            region=sys.intern(region), province=None if province is None else
            sys.intern(province), level=Level(level), sector=sys.intern(sector), year=year,
            award_tier=AwardTier(tier), known_replications=known, body_words=words,
            has_problem=has_problem, has_solution=has_solution,
            acronyms=tuple((a, b) for a, b in acronyms), aliases=tuple(aliases),
            adopters=tuple((sys.intern(r), sys.intern(p), s) for r, p, s in adopters))


class Codec:
    """Compresses and restores record JSON against one fixed dictionary."""

    def __init__(self, dictionary: bytes) -> None:
        self.dictionary = dictionary
        self._compress = zlib.compressobj(LEVEL, zdict=dictionary)
        self._decompress = zlib.decompressobj(zdict=dictionary)

    @classmethod
    def primed(cls, samples: Iterable[bytes]) -> Codec:
        """A codec whose dictionary is the end of the samples' JSON."""
        return cls(b"".join(samples)[-DICTIONARY_BYTES:])

    def pack(self, record: Innovation) -> bytes:
        """The record's JSON, compressed."""
        packer = self._compress.copy()  # primed once; a copy costs less than a new one
        return packer.compress(record.model_dump_json().encode("utf-8")) + packer.flush()

    def unpack_json(self, blob: bytes) -> str:
        """The JSON packed into `blob`, not validated."""
        return self._decompress.copy().decompress(blob).decode("utf-8")

    def unpack(self, blob: bytes) -> Innovation:
        """The record packed into `blob`, validated."""
        return Innovation.model_validate_json(self._decompress.copy().decompress(blob))
