"""The OpenAPI contract's error responses: one schema, each status described once."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

from corpus.schema import Innovation


class ErrorBody(BaseModel):
    """What went wrong: a stable code, a human message and per-field details."""

    status: int
    code: str = Field(description="stable machine-readable code, e.g. 'validation_error'")
    message: str
    details: list[dict[str, Any]] = Field(
        description="per-problem details: field (and line for uploads) and message")


class ErrorResponse(BaseModel):
    """Every error has this one shape."""

    error: ErrorBody


DESCRIPTIONS = {
    400: "the body is not JSON, or not UTF-8",
    401: "the API key is missing or wrong (send it as X-API-Key)",
    403: "writes are disabled on this server (no API key configured)",
    404: "no such innovation or replication",
    409: "conflicts with what is stored (a duplicate, or records that depend on it)",
    413: "over a size limit; the message names the limit",
    415: "unsupported content type",
    422: "invalid request: the message and details name the field and the rule",
    429: "too many requests from this client; see Retry-After",
    503: "the store cannot be written, or the forum planner is busy; see Retry-After",
    504: "forum planning passed its deadline",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` documenting these error statuses with the error schema."""
    return {code: {"model": ErrorResponse, "description": DESCRIPTIONS[code]}
            for code in codes}


READ_ERRORS = errors(422, 429)
WRITE_ERRORS = errors(400, 401, 403, 413, 415, 422, 429, 503)

_INNOVATION = {"$ref": "#/components/schemas/Innovation"}
_REPLACEMENT = {"$ref": "#/components/schemas/InnovationReplacement"}
EXAMPLE = {"id": "kipp-2026-contoh", "title": "Layanan Contoh", "level": "kabupaten",
           "sector": "kesehatan", "problem": "Antrean panjang di puskesmas.",
           "solution": "Pendaftaran lewat aplikasi.", "sources": ["https://example.org/a"]}


def innovation_body(*, many: bool) -> dict[str, Any]:
    """`openapi_extra` declaring an innovation request body (the route parses it itself,
    since it also takes JSON lines and CSV)."""
    json_schema = {"oneOf": [_INNOVATION, {"type": "array", "items": _INNOVATION,
                                           "minItems": 1}]} if many else _REPLACEMENT
    content: dict[str, Any] = {"application/json": {"schema": json_schema,
                                                    "example": EXAMPLE}}
    if many:
        content["application/x-ndjson"] = {
            "schema": {"type": "string", "description": "one Innovation JSON object per line"},
            "example": json.dumps(EXAMPLE, ensure_ascii=False) + "\n"}
        content["text/csv"] = {
            "schema": {"type": "string", "description": "a header row of Innovation field "
                       "names; lists separated by '|', needs and adopters as JSON"},
            "example": "id,title,level,sector,problem,solution,sources\nkipp-2026-contoh,"
                       "Layanan Contoh,kabupaten,kesehatan,Antrean panjang.,Aplikasi.,"
                       "https://example.org/a\n"}
    return {"requestBody": {"required": True, "content": content}}


def innovation_schema() -> dict[str, Any]:
    """The Innovation JSON schema, for components/schemas."""
    return Innovation.model_json_schema(ref_template="#/components/schemas/{model}")


def install_contract(app) -> None:
    """Make /openapi.json carry the Innovation schema the write bodies refer to."""
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version,
                                 description=app.description, routes=app.routes)
            innovation = innovation_schema()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(innovation.pop("$defs", {}))
            components["Innovation"] = innovation
            # PUT takes the id from the path: in the body it is optional (and must match).
            components["InnovationReplacement"] = {
                **innovation, "title": "InnovationReplacement",
                "required": [f for f in innovation.get("required", []) if f != "id"]}
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi
