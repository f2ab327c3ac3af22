"""/v1/innovations: list, read, similar, create (one or bulk), replace and delete."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from corpus.awards import TIER_RANK
from corpus.collection import Corpus
from corpus.loader import CorpusError, parse_records_text, validate_records
from corpus.packed import Facts
from corpus.schema import Innovation
from corpus.store import HasReplicationsError, UnknownInnovationError
from matcher.engine import Recommender
from matcher.filters import Filters
from matcher.live import LiveEngine
from service.api.convert import innovation_out, without_read_only
from service.api.deps import (
    get_config,
    get_engine,
    get_recommender,
    reject_unknown_query,
    require_api_key,
)
from service.api.errors import ApiError
from service.api.responses import READ_ERRORS, WRITE_ERRORS, errors, innovation_body
from service.api.routes.jobs import JobOut, job_out
from service.api.schemas import (
    InnovationDetail,
    InnovationPage,
    RecommendationOut,
    WriteOut,
)
from service.render import recommendation_dict
from service.settings import ServiceConfig

router = APIRouter(prefix="/v1/innovations", tags=["innovations"],
                   dependencies=[Depends(reject_unknown_query)], responses=READ_ERRORS)

BULK_TYPES = {"application/x-ndjson": "jsonl", "application/jsonl": "jsonl",
              "application/json-lines": "jsonl", "text/csv": "csv"}


def page_size_for(requested: int | None, default: int, config: ServiceConfig) -> int:
    """The page size to use: the default fits the limit; a requested one must."""
    limit = config.limits.max_page_size
    if requested is None:
        return min(default, limit)
    if requested > limit:
        raise ApiError(422, "page_size_too_large", f"page_size is {requested}; the limit is "
                       f"{limit} (max_page_size)")
    return requested


SORTS: dict[str, Callable[[Facts], tuple]] = {
    "id": lambda r: (r.id,),
    "title": lambda r: (r.title.casefold(), r.id),
    "year": lambda r: (-(r.year or 0), r.id),  # newest first
    "award": lambda r: (-TIER_RANK[r.award_tier], -(r.year or 0), r.id),  # strongest first
}


def text_matches(item: Innovation, words: list[str]) -> bool:
    """Whether every word occurs (case-insensitively) in the record's title, acronym
    expansion, agency, region, problem or solution."""
    hay = " ".join((item.title, item.acronym_expansion, item.agency, item.region,
                    item.problem, item.solution)).casefold()
    return all(w in hay for w in words)


@router.get("", response_model=InnovationPage)
def list_innovations(
        sector: list[str] = Query(default=[]), province: list[str] = Query(default=[]),
        level: list[str] = Query(default=[]), min_tier: str | None = None,
        year_from: int | None = None, year_to: int | None = None,
        q: str = Query(default="", max_length=200, description="words that must all occur "
                       "in the title, agency, region, problem or solution"),
        sort: Literal["id", "title", "year", "award"] = Query(
            default="id", description="id; title; year (newest first); award (strongest "
                                      "tier first, then newest)"),
        page: int = Query(default=1, ge=1), page_size: int | None = Query(default=None, ge=1),
        rec: Recommender = Depends(get_recommender),
        config: ServiceConfig = Depends(get_config)) -> InnovationPage:
    """Innovations passing the filters and the words of `q`, sorted, one page at a time
    (20 by default)."""
    page_size = page_size_for(page_size, 20, config)
    try:
        filters = Filters.create(sectors=sector, provinces=province, levels=level,
                                 min_tier=min_tier, year_from=year_from, year_to=year_to)
    except ValueError as exc:
        raise ApiError(422, "invalid_filter", str(exc)) from None
    words = q.casefold().split()
    corpus = rec.corpus
    items = [f for f in corpus.facts.values() if filters.accepts(f)]
    if words:
        items = [f for f in items if _has_words(corpus, f.id, words)]
    items.sort(key=SORTS[sort])
    start = (page - 1) * page_size
    return InnovationPage(items=[innovation_out(corpus.by_id[f.id], rec.replications_of(f.id))
                                 for f in items[start:start + page_size]],
                          total=len(items), page=page, page_size=page_size)


def _has_words(corpus: Corpus, innovation_id: str, words: list[str]) -> bool:
    # The record's JSON holds every field unescaped but for quotes and backslashes: a
    # word it lacks is in no field, which spares decoding most records of a search.
    raw = corpus.json_of(innovation_id).casefold()
    if any(w not in raw for w in words if '"' not in w and "\\" not in w):
        return False
    return text_matches(corpus.by_id[innovation_id], words)


def _known(rec: Recommender, innovation_id: str) -> Innovation:
    item = rec.corpus.resolve(innovation_id)  # an id merged into another record resolves
    if item is None:
        raise ApiError(404, "unknown_innovation", f"no innovation with id {innovation_id!r}")
    return item


@router.get("/{innovation_id}", response_model=InnovationDetail, responses=errors(404))
def get_innovation(innovation_id: str, engine: LiveEngine = Depends(get_engine),
                   rec: Recommender = Depends(get_recommender)) -> InnovationDetail:
    """One innovation with its replication records."""
    item = _known(rec, innovation_id)
    return InnovationDetail(**innovation_out(item, rec.replications_of(item.id)).model_dump(),
                            replications=engine.store.replications(item.id))


@router.get("/{innovation_id}/similar", response_model=list[RecommendationOut],
            responses=errors(404))
def similar(innovation_id: str, k: int = Query(default=5, ge=1),
            rec: Recommender = Depends(get_recommender),
            config: ServiceConfig = Depends(get_config)) -> list[RecommendationOut]:
    """Innovations most like this one (from stored vectors, no re-encoding)."""
    _known(rec, innovation_id)
    if k > config.limits.max_k:
        raise ApiError(422, "k_too_large", f"k is {k}; the limit is {config.limits.max_k} "
                       "(max_k)")
    return [RecommendationOut.model_validate(recommendation_dict(r))
            for r in rec.similar(_known(rec, innovation_id).id, k=k)]


def _corpus_errors(exc: CorpusError) -> ApiError:
    details = [{"line": e.line, "field": e.field, "message": e.message} for e in exc.errors]
    first = exc.errors[0]
    where = f"line {first.line}" + (f", field '{first.field}'" if first.field else "")
    return ApiError(422, "invalid_innovation",
                    f"{len(exc.errors)} problem(s), nothing stored; first: {where}: "
                    f"{first.message}", details)


async def _body_text(request: Request) -> str:
    try:
        return (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "bad_encoding", "the request body must be UTF-8 text") from None


def _json(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ApiError(400, "malformed_json", f"malformed JSON: {exc.msg} at line "
                       f"{exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise ApiError(400, "malformed_json", "malformed JSON: nested too deeply") from None


async def _parse_upload(request: Request, config: ServiceConfig) -> list[Innovation]:
    content_type = (request.headers.get("content-type") or "application/json"
                    ).split(";")[0].strip().lower()
    text = await _body_text(request)
    try:
        if content_type in BULK_TYPES:
            records = parse_records_text(text, BULK_TYPES[content_type], "upload",
                                         strict=True)
        elif content_type == "application/json":
            body = _json(text)
            rows = body if isinstance(body, list) else [body]
            if not all(isinstance(r, dict) for r in rows):
                raise ApiError(422, "invalid_innovation", "expected a JSON object or an array "
                               "of objects")
            records = validate_records(
                list(enumerate((without_read_only(r) for r in rows), start=1)), "upload",
                strict=True)
        else:
            raise ApiError(415, "unsupported_media_type", f"unsupported content type "
                           f"{content_type!r}; use application/json, application/x-ndjson "
                           "or text/csv")
    except CorpusError as exc:
        raise _corpus_errors(exc) from None
    if not records:
        raise ApiError(422, "invalid_innovation", "no innovations in the request")
    if len(records) > config.limits.max_upload_rows:
        raise ApiError(413, "too_many_rows", f"{len(records)} innovations; the limit is "
                       f"{config.limits.max_upload_rows} (max_upload_rows)")
    return list(records)


@router.post("", response_model=WriteOut, status_code=201,
             dependencies=[Depends(require_api_key)],
             responses=WRITE_ERRORS | {202: {"model": JobOut, "description": (
                 "more than bulk_job_rows innovations: validated, then stored by a job; "
                 "follow status_url")}},
             openapi_extra=innovation_body(many=True))
async def create_innovations(request: Request, engine: LiveEngine = Depends(get_engine),
                             config: ServiceConfig = Depends(get_config)) -> WriteOut:
    """Store one innovation (JSON object) or many (JSON array, JSONL or CSV) atomically;
    a larger upload than bulk_job_rows is validated whole, then answered 202 with a job."""
    records = await _parse_upload(request, config)
    if len(records) > config.limits.bulk_job_rows:
        # Validated whole above (a bad row was a 422 and nothing stored); now durable as a
        # job, stored batch by batch in the background.
        engine.store.check_writable()
        runner = request.app.state.jobs
        job = await run_in_threadpool(runner.jobs.submit, records)
        runner.notify()
        return JSONResponse(job_out(job, engine.generation).model_dump(), status_code=202,
                            headers={"Location": f"/v1/jobs/{job.id}"})
    # Writes encode and save: off the event loop, so other requests keep being served.
    result = await run_in_threadpool(engine.write, lambda store: store.upsert(records))
    return WriteOut(created=list(result.created), updated=list(result.updated), deleted=[])


@router.put("/{innovation_id}", response_model=WriteOut,
            dependencies=[Depends(require_api_key)], responses=WRITE_ERRORS,
            openapi_extra=innovation_body(many=False))
async def replace_innovation(innovation_id: str, request: Request,
                             engine: LiveEngine = Depends(get_engine),
                             config: ServiceConfig = Depends(get_config)) -> WriteOut:
    """Create or replace one innovation; the body's id, if any, must match the path."""
    text = await _body_text(request)
    body = _json(text) if text.strip() else None
    if not isinstance(body, dict):
        raise ApiError(422, "invalid_innovation", "expected a JSON object")
    body = without_read_only(body)
    if body.setdefault("id", innovation_id) != innovation_id:
        raise ApiError(422, "id_mismatch", f"body id {body['id']!r} differs from the path id "
                       f"{innovation_id!r}")
    try:
        record = validate_records([(1, body)], "body", strict=True)[0]
    except CorpusError as exc:
        details = [{"field": e.field, "message": e.message} for e in exc.errors]
        raise ApiError(422, "invalid_innovation",
                       f"field '{details[0]['field']}': {details[0]['message']}",
                       details) from None
    result = await run_in_threadpool(engine.write, lambda store: store.upsert([record]))
    return WriteOut(created=list(result.created), updated=list(result.updated), deleted=[])


@router.delete("/{innovation_id}", status_code=204, dependencies=[Depends(require_api_key)],
               responses=errors(401, 403, 404, 409, 503))
def delete_innovation(innovation_id: str, cascade: bool = Query(
        default=False, description="also delete its replication records"),
        engine: LiveEngine = Depends(get_engine)) -> Response:
    """Delete one innovation; one with replication records only with ?cascade=true."""
    try:
        engine.write(lambda store: store.delete(innovation_id, cascade=cascade))
    except UnknownInnovationError:
        raise ApiError(404, "unknown_innovation",
                       f"no innovation with id {innovation_id!r}") from None
    except HasReplicationsError as exc:
        raise ApiError(409, "has_replications", str(exc)) from None
    return Response(status_code=204)

