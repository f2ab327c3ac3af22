"""POST /v1/forum/plans: pair regions with innovators and schedule the meetings."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    ValidationError,
    field_validator,
)

from corpus.schema import Innovation, no_control_chars
from corpus.vocab import normalise_level, normalise_province, normalise_sector
from matcher.forum.affinity import PlanningStopped
from matcher.forum.build import (
    ForumInputError,
    ForumRules,
    InnovatorSpec,
    RegionSpec,
    plan_forum,
)
from matcher.forum.event import (
    MAX_BREAK_MINUTES,
    MAX_ROOMS,
    MAX_SLOT_MINUTES,
    EventSettings,
    parse_clock,
)
from matcher.forum.feasibility import ForumInfeasibleError
from matcher.live import LiveEngine
from service.api.deps import get_config, get_engine, reject_unknown_query, require_api_key
from service.api.errors import ApiError
from service.api.forum_schemas import ForumPlanOut
from service.api.responses import READ_ERRORS, WRITE_ERRORS, errors
from service.forum.writers import result_dict
from service.settings import ServiceConfig

router = APIRouter(prefix="/v1/forum", tags=["forum"],
                   dependencies=[Depends(reject_unknown_query)], responses=READ_ERRORS)

HARD_MAX_ITEMS = 100_000  # refuses absurd bodies at parsing; the real limits are Limits


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    _no_control = field_validator("*")(no_control_chars)


class RegionIn(_In):
    """A region attending the forum."""

    id: str = Field(min_length=1, max_length=100)
    name: str = Field(default="", max_length=200)
    province: str = Field(default="", max_length=100)
    level: str = Field(default="", max_length=40)
    capacity: StrictInt = Field(default=1, ge=1, le=100)
    sectors: list[Annotated[str, Field(max_length=60)]] = Field(default_factory=list,
                                                                max_length=21)
    problems: list[str] = Field(min_length=1, max_length=10)  # length: max_query_chars
    contact: str = Field(default="", max_length=200, description="shown on the agendas")

    @field_validator("province")
    @classmethod
    def _province(cls, value: str) -> str:
        return normalise_province(value)

    @field_validator("level")
    @classmethod
    def _level(cls, value: str) -> str:
        return normalise_level(value).value if value else value

    @field_validator("sectors")
    @classmethod
    def _sectors(cls, value: list[str]) -> list[str]:
        return [normalise_sector(s) for s in value]


class InnovatorIn(_In):
    """An innovator: a corpus innovation id, or an inline innovation."""

    id: str = Field(min_length=1, max_length=100)
    innovation_id: str | None = Field(default=None, max_length=128)
    innovation: dict[str, Any] | None = None
    name: str = Field(default="", max_length=200)
    capacity: StrictInt = Field(default=1, ge=1, le=100)
    home_region_id: str | None = Field(default=None, max_length=100)
    contact: str = Field(default="", max_length=200, description="shown on the agendas")


class EventIn(_In):
    """When and where the meetings happen (clock times and rooms on every agenda)."""

    date: dt.date | None = Field(default=None, description="YYYY-MM-DD")
    start: str = Field(default="09:00", pattern=r"^\d{2}:\d{2}$",
                       description="first meeting, HH:MM (24-hour)")
    slot_minutes: StrictInt = Field(default=20, ge=5, le=MAX_SLOT_MINUTES)
    break_minutes: StrictInt = Field(default=5, ge=0, le=MAX_BREAK_MINUTES)
    venue: str = Field(default="", max_length=200)
    rooms: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=MAX_ROOMS,
        description="room or table names; table n meets in rooms[n - 1]")

    def settings(self) -> EventSettings:
        """The planner's frozen settings (ValueError when the clock time is impossible)."""
        return EventSettings(self.date, parse_clock(self.start), self.slot_minutes,
                             self.break_minutes, self.venue, tuple(self.rooms))


class ConstraintsIn(_In):
    """Organiser rules."""

    forbidden: list[tuple[str, str]] = Field(default_factory=list, max_length=100_000)
    required: list[tuple[str, str]] = Field(default_factory=list, max_length=10_000)
    province_quota: StrictInt | None = Field(default=None, ge=1)


class ForumPlanRequest(_In):
    """Everything needed to plan a forum."""

    regions: list[RegionIn] = Field(min_length=1, max_length=HARD_MAX_ITEMS)
    innovators: list[InnovatorIn] = Field(min_length=1, max_length=HARD_MAX_ITEMS)
    constraints: ConstraintsIn = Field(default_factory=ConstraintsIn)
    mode: Literal["fair", "total"] = "fair"
    tables_per_round: StrictInt | None = Field(default=None, ge=1)
    event: EventIn = Field(default_factory=EventIn)
    deadline_seconds: StrictFloat | None = Field(
        default=None, gt=0, description="stop planning after this long (at most the "
                                         "server's forum_deadline_seconds)")


def _innovator(n: int, spec: InnovatorIn) -> InnovatorSpec:
    inline = None
    if spec.innovation is not None:
        try:
            inline = Innovation.model_validate(
                {"level": "kabupaten", **spec.innovation, "id": f"forum-{spec.id}"})
        except ValidationError as exc:
            err = exc.errors()[0]
            raise ApiError(422, "invalid_innovator", f"innovators[{n}].innovation."
                           f"{'.'.join(map(str, err['loc']))}: {err['msg']}") from None
    elif not spec.innovation_id:
        raise ApiError(422, "invalid_innovator", f"innovators[{n}]: give innovation_id or an "
                       "inline innovation")
    return InnovatorSpec(spec.id, spec.capacity, spec.innovation_id, inline, spec.name,
                         spec.home_region_id, spec.contact)


def check_problems(request: ForumPlanRequest, config: ServiceConfig) -> None:
    """Each problem statement obeys the same length limit as a recommendation query."""
    limit = config.limits.max_query_chars
    for n, region in enumerate(request.regions):
        for m, text in enumerate(region.problems):
            if not text.strip():
                raise ApiError(422, "invalid_forum", f"regions[{n}].problems[{m}] is empty")
            if len(text) > limit:
                raise ApiError(422, "query_too_long", f"regions[{n}].problems[{m}] has "
                               f"{len(text)} characters; the limit is {limit} "
                               "(max_query_chars)")


def check_size(request: ForumPlanRequest, config: ServiceConfig) -> None:
    """Refuse a forum over the documented limits before any work (413 naming the limit)."""
    limits = config.limits
    statements = sum(len(r.problems) for r in request.regions)
    for count, limit, name, what in (
            (len(request.regions), limits.forum_max_regions, "forum_max_regions", "regions"),
            (len(request.innovators), limits.forum_max_innovators, "forum_max_innovators",
             "innovators"),
            (statements, limits.forum_max_statements, "forum_max_statements",
             "problem statements")):
        if count > limit:
            raise ApiError(413, "forum_too_large", f"the forum has {count} {what}; the limit "
                           f"is {limit} ({name})")
    if request.deadline_seconds is not None and \
            request.deadline_seconds > limits.forum_deadline_seconds:
        raise ApiError(422, "invalid_forum", f"deadline_seconds may be at most "
                       f"{limits.forum_deadline_seconds:g} (forum_deadline_seconds)")


@router.post("/plans", dependencies=[Depends(require_api_key)], response_model=ForumPlanOut,
             responses=WRITE_ERRORS | errors(504))
async def forum_plan(body: ForumPlanRequest, http: Request,
                     engine: LiveEngine = Depends(get_engine),
                     config: ServiceConfig = Depends(get_config)) -> dict[str, Any]:
    """Optimal fair (or total) pairs, the greedy baseline, rounds and coverage summary.

    Needs the API key. Runs in a bounded pool with an overall deadline (the caller may
    lower it) and stops when the client disconnects."""
    check_problems(body, config)
    check_size(body, config)
    slots = http.app.state.forum_slots
    if not slots.acquire(blocking=False):
        raise ApiError(503, "planner_busy", "another forum plan is being computed; retry "
                       "shortly", headers={"Retry-After": "10"})
    try:
        seconds = body.deadline_seconds or config.limits.forum_deadline_seconds
        cancel = threading.Event()
        future = asyncio.get_running_loop().run_in_executor(
            http.app.state.forum_pool, _plan, body, engine, time.monotonic() + seconds,
            cancel.is_set)
        while not future.done():
            await asyncio.wait({future}, timeout=0.5)
            if not future.done() and await http.is_disconnected():
                cancel.set()  # nobody waits for the answer: stop scoring
        return future.result()
    finally:
        slots.release()


def _plan(request: ForumPlanRequest, engine: LiveEngine, deadline: float,
          cancelled) -> dict[str, Any]:
    regions = [RegionSpec(r.id, r.name or r.id, tuple(r.problems), r.province, r.level,
                          r.capacity, tuple(r.sectors), r.contact) for r in request.regions]
    innovators = [_innovator(n, s) for n, s in enumerate(request.innovators)]
    c = request.constraints
    rules = ForumRules(frozenset(map(tuple, c.forbidden)), frozenset(map(tuple, c.required)),
                       c.province_quota)
    try:
        result = plan_forum(engine.current(), regions, innovators, rules, mode=request.mode,
                            tables_per_round=request.tables_per_round,
                            event=request.event.settings(),
                            cache=engine.embedding_cache, deadline=deadline,
                            cancelled=cancelled)
    except PlanningStopped as exc:
        raise ApiError(504, "planning_stopped", f"{exc}; give a smaller forum, or a later "
                       "deadline_seconds") from None
    except ForumInfeasibleError as exc:
        raise ApiError(422, "infeasible", str(exc).splitlines()[0],
                       [{"kind": c.kind, "message": c.message,
                         "pairs": [list(p) for p in c.pairs]} for c in exc.causes]) from None
    except (ForumInputError, ValueError) as exc:
        raise ApiError(422, "invalid_forum", str(exc)) from None
    return result_dict(result)
