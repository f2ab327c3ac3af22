"""An ASGI middleware that refuses request bodies over the upload limit with 413."""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException

from service.api.errors import error_body


class BodyTooLarge(HTTPException):
    """Raised inside the app when a streamed body passes the limit.

    An HTTPException, because FastAPI turns any other error raised while it reads a body
    into a 400; this way the error handler answers 413 naming the limit.
    """

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"request body over the limit of {max_bytes} bytes "
                              "(max_upload_bytes)")


class BodySizeLimit:
    """Reject bodies larger than `max_bytes`, by header or while streaming."""

    def __init__(self, app, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        seen = 0

        async def counting_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        try:
            await self.app(scope, counting_receive, send)
        except BodyTooLarge:
            await self._refuse(send)

    async def _refuse(self, send) -> None:
        body = json.dumps(error_body(413, "payload_too_large",
                                     BodyTooLarge(self.max_bytes).detail)).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
