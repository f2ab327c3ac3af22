"""Researched fact rows (corpus/sources/*.jsonl): the schema the corpus build reads."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from corpus.awards import split_awards
from corpus.loader import RecordError, jsonl_rows, validation_errors
from corpus.schema import MAX_AWARD, Adopter, Needs, RunStatus, check_urls, province_field
from corpus.vocab import SECTOR_BY_CODE, Level

FACT_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")
MIN_SENTENCES = 2
MAX_TEXT = 4000


def sentence_count(text: str) -> int:
    """Sentences in `text`: terminal punctuation followed by a space or the end."""
    return len(_SENTENCE_END.findall(text.strip()))


class FactRow(BaseModel):
    """One researched innovation, or an enrichment of an existing row with the same id."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id: str = Field(max_length=128)
    title: str = Field(min_length=1, max_length=300)
    acronym_expansion: str = Field(default="", max_length=300)
    agency: str = Field(default="", max_length=300)
    unit: str = Field(default="", max_length=300)
    region: str = Field(default="", max_length=200)
    province: str = ""
    level: Level
    year: int | None = Field(default=None, ge=2000, le=2026)
    award: str = Field(default="", max_length=500)
    sector: str
    problem: str = Field(default="", max_length=MAX_TEXT)
    solution: str = Field(default="", max_length=MAX_TEXT)
    outcome: str = Field(default="", max_length=MAX_TEXT)
    status: RunStatus = RunStatus.UNKNOWN
    status_year: int | None = Field(default=None, ge=2000, le=2026)
    legal_basis: tuple[str, ...] = ()
    needs: Needs = Needs()
    cost: str = Field(default="", max_length=500)
    adopters: tuple[Adopter, ...] = ()
    sources: tuple[str, ...] = Field(min_length=1)
    note: str = Field(default="", max_length=2000)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not FACT_ID.match(value):
            raise ValueError("id must be lowercase letters, digits, '.', '_' or '-'")
        return value

    @field_validator("sector")
    @classmethod
    def _sector(cls, value: str) -> str:
        if value not in SECTOR_BY_CODE:
            raise ValueError(f"unknown sector code {value!r}; one of "
                             f"{', '.join(SECTOR_BY_CODE)}")
        return value

    _province = field_validator("province", mode="before")(province_field)

    @field_validator("problem", "solution")
    @classmethod
    def _two_sentences(cls, value: str) -> str:
        if sentence_count(value) < MIN_SENTENCES:
            raise ValueError(f"needs at least {MIN_SENTENCES} sentences, has "
                             f"{sentence_count(value)}")
        return value

    _sources = field_validator("sources")(check_urls)

    @field_validator("award")
    @classmethod
    def _each_award(cls, value: str) -> str:
        # The corpus splits the string on ';' and holds each award to MAX_AWARD; say so here,
        # where the file and line are still known.
        for n, award in enumerate(split_awards(value), start=1):
            if len(award) > MAX_AWARD:
                raise ValueError(f"award {n} ({award[:40]}...) has {len(award)} characters; "
                                 f"at most {MAX_AWARD} per award")
        return value


def read_facts(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, list[RecordError]]]:
    """(line, raw row or None, errors) for every non-blank line of a fact file."""
    unreadable: list[RecordError] = []
    for line, raw in jsonl_rows(Path(path).read_text(encoding="utf-8"), str(path), unreadable):
        try:
            FactRow.model_validate(raw)
        except ValidationError as exc:
            yield line, raw, validation_errors(exc, str(path), line)
            continue
        yield line, raw, []
    for error in unreadable:  # not JSON, or not an object
        yield error.line, None, [error]
