"""uvicorn's HTTP protocol with TCP_NODELAY on every connection, for worker processes.

Workers accept on a socket uvicorn bound itself (protocol number 0), so asyncio does not
set TCP_NODELAY on their connections; Nagle's algorithm then holds each small response
until the client's delayed ACK, about 40 ms a request (docs/performance.md).
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol


class NoDelayH11Protocol(H11Protocol):
    """H11Protocol that disables Nagle's algorithm on its TCP connection."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Set TCP_NODELAY, then start the connection as usual."""
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
