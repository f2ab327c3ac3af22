"""Packed records by id: a base held in memory or in a saved file read by `pread`, and the
changes since, never mutated.

At 30,000 innovations the packed records were 25 MiB of the server's heap, though a query
shows ten of them. A corpus opened from the files saved beside the index (corpus.collection)
reads each record's bytes from the file when it is decoded; the kernel's page cache, not
the process, holds the file. A saved index is swapped in by renaming folders, so an open
file keeps reading the version it was opened on.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType

import numpy as np

from corpus.files import read_at


class BlobFile(Mapping[str, bytes]):
    """Byte strings by id, read from one file of concatenated blobs and their offsets."""

    def __init__(self, path: Path, ids: Iterable[str], offsets: np.ndarray,
                 start: int = 0) -> None:
        """`offsets` of the blobs from the first, which is `start` bytes into the file."""
        self.path = Path(path)
        self._start = start
        self._row = {i: n for n, i in enumerate(ids)}
        self._offsets = np.asarray(offsets, dtype=np.int64)
        if len(self._offsets) != len(self._row) + 1 or len(self._row) and (
                self._offsets[0] != 0 or (np.diff(self._offsets) < 0).any()):
            raise ValueError(f"{self.path}: {len(self._offsets)} offsets do not fit "
                             f"{len(self._row)} records")
        self._file = open(self.path, "rb")  # noqa: SIM115 - kept open while the corpus is read
        self._lock = threading.Lock()
        size = os.fstat(self._file.fileno()).st_size
        if size != start + int(self._offsets[-1]):
            self._file.close()
            raise ValueError(f"{self.path}: {size} bytes, the offsets promise "
                             f"{start + int(self._offsets[-1])}")

    def __getitem__(self, blob_id: str) -> bytes:
        n = self._row[blob_id]
        start, end = (self._start + int(self._offsets[n]),
                      self._start + int(self._offsets[n + 1]))
        data = bytearray(end - start)
        got = read_at(self._file, self._lock, memoryview(data), start)
        if got != end - start:
            raise OSError(f"{self.path}: short read of {blob_id!r} ({got} of "
                          f"{end - start} bytes)")
        return bytes(data)

    def __contains__(self, blob_id: object) -> bool:
        return blob_id in self._row

    def __iter__(self) -> Iterator[str]:
        return iter(self._row)

    def __len__(self) -> int:
        return len(self._row)

    def close(self) -> None:
        """Close the file (also done when the object is collected)."""
        self._file.close()


class Blobs(Mapping[str, bytes]):
    """A base mapping with some ids replaced, added or removed; `changed` makes the next.

    Iteration keeps the base's order (a replaced id keeps its place), then the added ids
    in the order they came (an id removed and added again comes last, as in a dict)."""

    def __init__(self, base: Mapping[str, bytes],
                 replaced: Mapping[str, bytes] | None = None,
                 removed: frozenset[str] = frozenset()) -> None:
        self._base = base
        self._replaced = MappingProxyType(dict(replaced or {}))
        self._removed = removed  # base ids removed (those added again are in `replaced`)
        self._len = len(base) - len(removed) + sum(self._appended(i) for i in self._replaced)

    def _appended(self, blob_id: str) -> bool:
        """Whether the id iterates after the base (new, or removed and added again)."""
        return blob_id not in self._base or blob_id in self._removed

    def __getitem__(self, blob_id: str) -> bytes:
        got = self._replaced.get(blob_id)
        if got is not None:
            return got
        if blob_id in self._removed:
            raise KeyError(blob_id)
        return self._base[blob_id]

    def __contains__(self, blob_id: object) -> bool:
        return blob_id in self._replaced or (blob_id in self._base
                                             and blob_id not in self._removed)

    def __iter__(self) -> Iterator[str]:
        removed = self._removed
        yield from (i for i in self._base if i not in removed)
        yield from (i for i in self._replaced if self._appended(i))

    def __len__(self) -> int:
        return self._len

    def changed(self, put: Mapping[str, bytes], deleted: Iterable[str]) -> Blobs:
        """The next mapping: `deleted` ids gone, then `put` added or replacing."""
        if not isinstance(self._base, BlobFile):
            # Held in memory anyway: a new dict, so superseded blobs are not kept.
            base = dict(self)
            for blob_id in deleted:
                base.pop(blob_id, None)
            base.update(put)
            return Blobs(base)
        replaced = dict(self._replaced)
        removed = set(self._removed)
        for blob_id in deleted:
            replaced.pop(blob_id, None)
            if blob_id in self._base:
                removed.add(blob_id)
        for blob_id, blob in put.items():
            replaced[blob_id] = blob
        return Blobs(self._base, replaced, frozenset(removed))


def write_blobs(path: Path, blobs: Iterable[bytes]) -> np.ndarray:
    """Write blobs end to end; their offsets (one more than blobs, from 0)."""
    offsets = [0]
    with open(path, "wb") as handle:
        for blob in blobs:
            handle.write(blob)
            offsets.append(offsets[-1] + len(blob))
    return np.array(offsets, dtype=np.int64)
