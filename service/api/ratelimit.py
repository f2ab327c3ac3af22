"""Per-client rate limits (the `limits` library): 429 with Retry-After, one error shape."""

from __future__ import annotations

import json
import math
import time

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from service.api.errors import error_body

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
EXEMPT = ("/healthz", "/readyz", "/static/", "/docs-assets/")  # probes and assets


def category(method: str, path: str) -> str:
    """Which limit a request counts against: 'forum', 'interest', 'write' or 'read'."""
    if path.startswith("/v1/forum"):
        return "forum"
    if method == "POST" and (path == "/v1/interests" or (
            path.startswith("/inovasi/") and path.endswith("/minat"))):
        return "interest"  # public writes: a far lower limit than keyed ones
    if method in WRITE_METHODS and path.startswith("/v1/") and \
            not path.startswith("/v1/recommendations"):
        return "write"
    return "read"


class RateLimit:
    """ASGI middleware counting requests per client address and category.

    Counters live in this process's memory: with several workers each counts on its own,
    so a client may reach N times a limit across N workers (documented in the README)."""

    def __init__(self, app, *, reads: str, writes: str, forum: str, interest: str) -> None:
        self.app = app
        self.limits = {"read": parse(reads), "write": parse(writes), "forum": parse(forum),
                       "interest": parse(interest)}
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith(EXEMPT):
            await self.app(scope, receive, send)
            return
        kind = category(scope["method"], scope["path"])
        limit = self.limits[kind]
        client = (scope.get("client") or ("unknown", 0))[0]
        if self.limiter.hit(limit, kind, client):
            await self.app(scope, receive, send)
            return
        reset = self.limiter.get_window_stats(limit, kind, client).reset_time
        wait = max(1, math.ceil(reset - time.time()))
        body = json.dumps(error_body(
            429, "rate_limited", f"too many {kind} requests from this client: the limit is "
            f"{limit} (rate_{kind}s in the service limits); retry in {wait} s")).encode()
        await send({"type": "http.response.start", "status": 429, "headers": [
            (b"content-type", b"application/json"), (b"retry-after", str(wait).encode()),
            (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
