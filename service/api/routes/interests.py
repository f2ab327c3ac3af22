"""/v1/interests: public statements "kami ingin mereplikasi inovasi ini", and their
confirmation by an organiser."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from corpus.interests import (
    DuplicateInterestError,
    Interest,
    InterestIn,
    Interests,
    UnknownInterestError,
)
from corpus.store import Replication, UnknownInnovationError
from matcher.live import LiveEngine
from service.api.deps import get_engine, reject_unknown_query, require_api_key
from service.api.errors import ApiError
from service.api.responses import READ_ERRORS, WRITE_ERRORS, errors

InterestId = Annotated[int, Path(ge=1, le=2**63 - 1, description="a statement's id")]

router = APIRouter(prefix="/v1/interests", tags=["interests"],
                   dependencies=[Depends(reject_unknown_query)], responses=READ_ERRORS)


def get_interests(request: Request) -> Interests:
    """The interests table of the app's store (opened once per app)."""
    return request.app.state.interests


@router.post("", response_model=Interest, status_code=201,
             responses=errors(404, 409, 429))
def add_interest(record: InterestIn, interests: Interests = Depends(get_interests)
                 ) -> Interest:
    """State that a region wants to replicate an innovation. Public (no key) and
    rate-limited; the statement stays unconfirmed, and outside the proven prior, until an
    organiser confirms it."""
    try:
        return interests.add(record)
    except UnknownInnovationError:
        raise ApiError(404, "unknown_innovation",
                       f"no innovation with id {record.innovation_id!r}") from None
    except DuplicateInterestError as exc:
        raise ApiError(409, "duplicate_interest", str(exc), [
            {"field": "region", "message": f"statement {exc.existing.id}",
             "existing": exc.existing.model_dump(mode="json")}]) from None


@router.get("", response_model=list[Interest])
def list_interests(innovation_id: Annotated[str | None, Query(max_length=128)] = None,
                   confirmed: bool | None = None,
                   interests: Interests = Depends(get_interests)) -> list[Interest]:
    """Statements of interest, newest first."""
    return interests.list(innovation_id, confirmed=confirmed)


@router.post("/{interest_id}/confirm", response_model=Replication,
             dependencies=[Depends(require_api_key)], responses=WRITE_ERRORS | errors(404))
def confirm_interest(interest_id: InterestId, engine: LiveEngine = Depends(get_engine),
                     interests: Interests = Depends(get_interests)) -> Replication:
    """Confirm a statement: it becomes an `interest` replication record (idempotent)."""
    try:
        return engine.write(lambda store: interests.confirm(interest_id))
    except UnknownInterestError:
        raise ApiError(404, "unknown_interest",
                       f"no statement of interest with id {interest_id}") from None
