"""Durable file writes: write beside, fsync, rename into place, fsync the folder."""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import BinaryIO

_HAS_PREADV = hasattr(os, "preadv")


def read_at(handle: BinaryIO, lock: threading.Lock, into: memoryview, offset: int) -> int:
    """Fill `into` with the file's bytes from `offset` without moving a position other
    threads share (pread; where the platform has none, seek and read under `lock`); the
    number of bytes read."""
    if _HAS_PREADV:
        return os.preadv(handle.fileno(), [into], offset)
    with lock:
        handle.seek(offset)
        return handle.readinto(into) or 0


def data_text(name: str, path: Path | None = None) -> tuple[str, str]:
    """(text, where to cite it) of `path`, or of the data file `name` shipped in corpus/
    when no path is given."""
    if path is None:
        return (resources.files("corpus").joinpath(name).read_text(encoding="utf-8"),
                f"corpus/{name}")
    return Path(path).read_text(encoding="utf-8"), str(path)


def fsync_dir(path: Path) -> None:
    """fsync a directory so the names in it survive a crash."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    """fsync a file written by someone else (a library's own writer)."""
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def sha256_file(path: Path) -> str:
    """The hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_atomic(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write `path` through `write(handle)` into a temporary file beside it, fsync it,
    rename it into place and fsync the folder: readers see the old file or the new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
