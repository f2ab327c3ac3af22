"""Dependencies injected into routes: the engine, the config and the write-key check."""

from __future__ import annotations

import hmac

from fastapi import Header, Request, Security
from fastapi.security import APIKeyHeader

from matcher.engine import Recommender
from matcher.live import LiveEngine
from service.api.errors import ApiError
from service.settings import ServiceConfig


def get_engine(request: Request) -> LiveEngine:
    """The live engine of this app."""
    return request.app.state.engine


def get_recommender(request: Request) -> Recommender:
    """The engine's recommender, caught up with the store and taken once: a request reads
    one snapshot even if a write swaps in a new one meanwhile."""
    return request.app.state.engine.current()


def get_config(request: Request) -> ServiceConfig:
    """The service configuration of this app."""
    return request.app.state.config


API_KEY_HEADER = APIKeyHeader(name="X-API-Key", auto_error=False,
                              description="the key the server was started with "
                                          "(REPLIKA_API_KEY)")


def require_api_key(request: Request, x_api_key: str | None = Security(API_KEY_HEADER),
                    authorization: str | None = Header(default=None,
                                                       include_in_schema=False)) -> None:
    """Writes need the key from REPLIKA_API_KEY, sent as X-API-Key or a Bearer token."""
    expected = get_config(request).api_key
    if not expected:
        raise ApiError(403, "writes_disabled",
                       "writes are disabled: start the service with REPLIKA_API_KEY set")
    given = x_api_key
    if given is None and authorization and authorization.lower().startswith("bearer "):
        given = authorization[7:].strip()
    if not given:
        raise ApiError(401, "missing_api_key", "this write needs an API key in X-API-Key")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise ApiError(401, "invalid_api_key", "the API key is not valid")


def _query_names(dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def reject_unknown_query(request: Request) -> None:
    """A query parameter the operation does not declare is an error, not silently ignored
    (`?sectr=kesehatan` would otherwise look like a search without the filter)."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    known = _query_names(dependant)
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        hint = f"; known: {', '.join(sorted(known))}" if known else "; it takes none"
        raise ApiError(422, "unknown_parameter",
                       f"unknown query parameter(s): {', '.join(unknown)}{hint}",
                       [{"field": f"query.{name}", "message": "not a parameter of this "
                         "operation"} for name in unknown])
