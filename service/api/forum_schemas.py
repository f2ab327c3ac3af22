"""The typed answer of POST /v1/forum/plans (mirrors service.forum.writers.result_dict)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from matcher.forum.build import Summary
from matcher.forum.feasibility import Unserved


class BaselineOut(BaseModel):
    """The greedy plan the optimum is compared with."""

    method: str
    total_affinity: float
    min_region_affinity: float | None
    pairs: int


class PairOut(BaseModel):
    """One meeting: a region and an innovator, when and why."""

    round: int | None = Field(description="session number (1-based)")
    table: int | None
    date: str | None = Field(description="YYYY-MM-DD, when the event has a date")
    start: str | None = Field(description="HH:MM")
    end: str | None = Field(description="HH:MM")
    clock: str = Field(description="'09:25-09:45', the day added when it changes")
    room: str = Field(description="the table's room name, or 'Meja n'")
    region_id: str
    region: str
    province: str
    region_contact: str
    innovator_id: str
    innovator: str
    innovator_contact: str
    innovation_id: str
    innovation: str
    affinity: float = Field(description="calibrated probability that the innovation "
                                        "answers the region's best-matching problem")
    level: str = Field(description="the affinity in words: sangat cocok, cocok or lemah")
    forced: bool = Field(description="required by the organiser although below the "
                                     "admissibility rules")
    statement: str = Field(description="the region's problem statement the pair matched")
    why: str


class AlternateOut(BaseModel):
    """A next-best admissible innovator for a region."""

    region_id: str
    region: str
    rank: int
    innovator_id: str
    innovator: str
    affinity: float
    level: str


class EventOut(BaseModel):
    """The event settings the clock times and rooms follow."""

    date: str | None
    start: str
    slot_minutes: int
    break_minutes: int
    venue: str
    rooms: list[str]


class UnservedOut(BaseModel):
    """A region without a pair, in words for an agenda."""

    region_id: str
    region: str
    code: str = Field(description="'no_admissible', 'forbidden' or 'capacity'")
    alasan: str = Field(description="the reason in Indonesian")
    reason: str
    alternates: list[str] = Field(description="innovator ids it could have met, best first")
    alternatif: str = Field(description="their names")


class ForumPlanOut(BaseModel):
    """The plan: optimal pairs, the greedy baseline, sessions and coverage."""

    mode: str
    status: str = Field(description="'optimal', or 'limit' when cut short by the deadline")
    solve_seconds: float
    total_affinity: float
    min_region_affinity: float | None
    baseline: BaselineOut
    rounds: int
    event: EventOut
    forced: list[tuple[str, str]] = Field(description="required pairs forced in below the "
                                                      "admissibility rules")
    pairs: list[PairOut]
    alternates: list[AlternateOut]
    unserved: list[Unserved]
    unserved_detail: list[UnservedOut] = Field(description="every region without a pair, "
                                                  "named, with its reason and alternates")
    summary: Summary  # the planner's own dataclasses: one definition of each
