"""Run `replika serve` in a subprocess on loopback and wait until it is ready.

Shared by the browser test, the screenshot script and the load test.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Debian's Chromium (browsers cannot be downloaded here); these flags keep it off the network.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic")
# Loopback requests never go through an HTTP proxy from the environment.
LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ServerFailed(RuntimeError):
    """The server exited or never became ready; the message ends with its log."""


@dataclass(frozen=True)
class Server:
    """A running server: its base URL, process and log file."""

    base: str
    proc: subprocess.Popen
    log: Path


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str, timeout: float = 5) -> tuple[int, Any]:
    """(status, parsed body or None) of a GET on loopback."""
    try:
        with LOOPBACK.open(url, timeout=timeout) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, None


def _tail(log: Path | None) -> str:
    return log.read_text(errors="replace")[-3000:] if log and log.exists() else ""


def wait_ready(base: str, proc: subprocess.Popen | None = None, log: Path | None = None,
               timeout_s: float = 300) -> dict:
    """Poll /readyz until the index is loaded; the JSON it answered."""
    deadline = time.monotonic() + timeout_s
    while True:
        if proc is not None and proc.poll() is not None:
            raise ServerFailed(f"the server exited with code {proc.returncode}:\n{_tail(log)}")
        try:
            status, body = get_json(f"{base}/readyz")
            if status == 200:
                return body
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise ServerFailed(f"{base}/readyz not ready after {timeout_s:.0f} s:\n{_tail(log)}")
        time.sleep(0.2)


@contextmanager
def served(data_dir: Path, *, model: str | None = None, extra: Sequence[str] = (),
           timeout_s: float = 300, env_extra: Mapping[str, str] | None = None
           ) -> Iterator[tuple[Server, dict]]:
    """`replika serve` on a free loopback port; yields the server and its /readyz answer.

    `env_extra` adds environment variables (e.g. REPLIKA_API_KEY to allow writes)."""
    port = free_port()
    # REPLIKA_* variables of the caller's shell must not change what is served.
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPLIKA_")}
    env.update(env_extra or {})
    command = [sys.executable, "-m", "service.cli", "serve", "--data-dir", str(data_dir),
               "--host", "127.0.0.1", "--port", str(port), *extra]
    if model:
        command += ["--model", model]
    log = Path(data_dir) / "server.log"
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    with log.open("wb") as sink:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink,
                                stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", proc, log)
    try:
        yield server, wait_ready(server.base, proc, log, timeout_s)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
