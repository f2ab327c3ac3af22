"""The innovation record and its derived, display-ready properties."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from corpus.awards import AwardTier, best_tier, split_awards
from corpus.vocab import (
    SECTOR_BY_CODE,
    Level,
    normalise_level,
    normalise_province,
    normalise_sector,
)

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
THIN_WORDS = 25  # problem + solution words below which a record counts as thin
MAX_TEXT = 8000  # characters of problem, solution or outcome
MAX_AWARD = 300  # characters of one award name with its note


class DetailLevel(StrEnum):
    """How much is known about an innovation."""

    FULL = "full"
    SUMMARY = "summary"
    TITLE_ONLY = "title_only"


class RunStatus(StrEnum):
    """Whether an innovation still runs, as the latest source says."""

    RUNNING = "berjalan"
    STOPPED = "berhenti"
    UNKNOWN = "tidak diketahui"


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def no_control_chars(value: object) -> object:
    """`value` unchanged, or ValueError when a text in it holds a control character (NUL
    and the like; tab and line breaks are text)."""
    texts = [value] if isinstance(value, str) else \
        [v for v in value if isinstance(v, str)] if isinstance(value, tuple | list) else []
    for text in texts:
        found = _CONTROL.search(text)
        if found:
            raise ValueError(f"control character U+{ord(found.group()):04X} at position "
                             f"{found.start()} is not allowed")
    return value


def province_field(value: object) -> object:
    """A province field normalised to its official name (a before-validator)."""
    return normalise_province(value) if isinstance(value, str) else value


def check_urls(values: tuple[str, ...]) -> tuple[str, ...]:
    """Every value an http(s) URL (a sources validator)."""
    for url in values:
        check_url(url)
    return values


MAX_URL = 2000
_URL = re.compile(r"https?://[^\s/?#][^\s]*")  # one greedy class after the host: linear


def check_url(value: str) -> str:
    """An http(s) URL with a host, or ValueError (no javascript:, data: or file: links)."""
    if len(value) > MAX_URL:
        raise ValueError(f"a source URL may have at most {MAX_URL} characters")
    if not _URL.fullmatch(value):
        raise ValueError(f"{value[:80]!r} is not an http or https URL")
    return value


_FIELD_SETS: dict[frozenset[str], set[str]] = {}


class _Record(BaseModel):
    """A frozen record whose set of given fields is shared with every record given the same
    fields: pydantic keeps one per instance (2.3 KB for an innovation, 68 MB at 30,000), and
    a frozen record never changes it (model_copy copies it before updating)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    def model_post_init(self, context: object, /) -> None:
        """Swap this record's fields-set for the shared one."""
        given = self.__pydantic_fields_set__
        shared = _FIELD_SETS.setdefault(frozenset(given), set(given))
        object.__setattr__(self, "__pydantic_fields_set__", shared)


class Needs(_Record):
    """What an innovation needs to run, as its sources state."""

    _no_control = field_validator("*")(no_control_chars)

    staff: str = Field(default="", max_length=500)
    budget: str = Field(default="", max_length=500)
    technology: str = Field(default="", max_length=500)
    partners: str = Field(default="", max_length=500)

    @property
    def stated(self) -> bool:
        """Whether any need is stated."""
        return any((self.staff, self.budget, self.technology, self.partners))


def region_key(name: str) -> str:
    """How two spellings of one adopting region compare (as the store's SQL lower(region))."""
    return name.strip().lower()


class Adopter(_Record):
    """A region named by a source as having copied the innovation."""

    _no_control = field_validator("*")(no_control_chars)

    region: str = Field(min_length=1, max_length=200)
    province: str = Field(default="", max_length=100)
    year: int | None = Field(default=None, ge=2000, le=2100)
    stage: str = Field(pattern=r"^(interest|mou-signed|implemented)$")
    source: str

    _url = field_validator("source")(check_url)
    _province = field_validator("province", mode="before")(province_field)


class Innovation(_Record):
    """One proven public-service innovation that a region could replicate."""

    _no_control = field_validator("*")(no_control_chars)

    id: str = Field(description="Stable identifier; other tools refer to innovations by it")
    title: str = Field(min_length=1, max_length=300)
    acronym_expansion: str = Field(default="", max_length=300)
    agency: str = Field(default="", max_length=300)
    region: str = Field(default="", max_length=200)
    province: str = Field(default="", max_length=100)
    level: Level
    year: int | None = Field(default=None, ge=1990, le=2100)
    awards: tuple[Annotated[str, Field(max_length=MAX_AWARD)], ...] = Field(default=(),
                                                                            max_length=30)
    sector: str = "lainnya"
    problem: str = Field(default="", max_length=MAX_TEXT)
    solution: str = Field(default="", max_length=MAX_TEXT)
    outcome: str = Field(default="", max_length=MAX_TEXT)
    sources: tuple[str, ...] = Field(default=(), max_length=30)
    detail_level: DetailLevel = DetailLevel.FULL
    known_replications: int = Field(default=0, ge=0)
    # What a replicator needs, where sources state it (issue 13).
    unit: str = Field(default="", max_length=300, description="Office or unit that runs it")
    status: RunStatus = RunStatus.UNKNOWN
    status_year: int | None = Field(default=None, ge=1990, le=2100,
                                    description="Year of the latest evidence of `status`")
    legal_basis: tuple[Annotated[str, Field(max_length=300)], ...] = Field(default=(),
                                                                           max_length=20)
    needs: Needs = Needs()
    cost: str = Field(default="", max_length=500)
    adopters: tuple[Adopter, ...] = Field(default=(), max_length=500)
    aliases: tuple[str, ...] = Field(default=(), max_length=50,
                                     description="Ids merged into this record")

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError("id must be 1-128 characters of letters, digits, '.', '_' or '-'")
        return value

    @field_validator("level", mode="before")
    @classmethod
    def _norm_level(cls, value: object) -> object:
        return normalise_level(value) if isinstance(value, str) else value

    _norm_province = field_validator("province", mode="before")(province_field)

    @field_validator("sector", mode="before")
    @classmethod
    def _norm_sector(cls, value: object) -> object:
        return normalise_sector(value) if isinstance(value, str) else value

    @field_validator("awards", mode="before")
    @classmethod
    def _split_awards(cls, value: object) -> object:
        if isinstance(value, str):
            return split_awards(value)
        return value

    @field_validator("sources", mode="before")
    @classmethod
    def _split_sources(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(s.strip() for s in re.split(r"[|\s]+", value) if s.strip())
        return value

    _http_sources = field_validator("sources")(check_urls)

    @property
    def award_tier(self) -> AwardTier:
        """Strongest award tier."""
        return best_tier(self.awards)

    @property
    def acronyms(self) -> tuple[tuple[str, str], ...]:
        """(ACRONYM, expansion) pairs stated by the record itself."""
        from corpus.acronyms import record_acronyms

        return record_acronyms(self.title, self.acronym_expansion)

    def heading(self) -> str:
        """The title with its acronym's expansion."""
        if self.acronym_expansion:
            return f"{self.title} ({self.acronym_expansion})"
        return self.title

    @property
    def body_words(self) -> int:
        """Words of problem and solution text: how much the record says."""
        return len(self.problem.split()) + len(self.solution.split())

    @property
    def is_thin(self) -> bool:
        """Too little text to judge or match on its own (a title and a line at most)."""
        return self.body_words < THIN_WORDS

    def metadata_text(self) -> str:
        """What the record's metadata says about it: sector and agency."""
        parts = []
        if self.sector != "lainnya":
            parts.append(f"Sektor {SECTOR_BY_CODE[self.sector].label}")
        if self.agency:
            parts.append(self.agency)
        return ". ".join(parts)

    def document_text(self) -> str:
        """Text that represents the innovation for retrieval.

        A thin record is expanded with its metadata: e5 places a bare title near every
        query, and the sector label and agency give it the meaning it lacks
        (docs/evaluation.md, hubness)."""
        parts = [self.heading(), self.problem, self.solution]
        if self.is_thin:
            parts.append(self.metadata_text())
        return ". ".join(p.rstrip(". ") for p in parts if p)

    def field_texts(self) -> tuple[str, str, str]:
        """(heading, problem, solution) for per-field vectors; an absent field is ''."""
        return self.heading(), self.problem, self.solution
