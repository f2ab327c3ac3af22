"""One query's candidates' distinct stems as integer codes in one flat array (CSR rows).

Set questions the relevance features ask of every candidate (which query stems does it
have; how many stems does it share with the leading candidates) become a few array
operations over all candidates at once instead of Python set operations per pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass(frozen=True)
class TermRows:
    """Each row's sorted distinct codes, concatenated; row r is codes[starts[r]:starts[r+1]]."""

    codes: np.ndarray  # (total,) int64
    starts: np.ndarray  # (n + 1,) int64

    @classmethod
    def of(cls, rows: Sequence[np.ndarray]) -> TermRows:
        """Rows from each candidate's sorted distinct codes."""
        starts = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum([len(r) for r in rows], out=starts[1:])
        codes = (np.concatenate(rows).astype(np.int64, copy=False) if len(rows)
                 else np.zeros(0, np.int64))
        return cls(codes, starts)

    def __len__(self) -> int:
        return len(self.starts) - 1

    @cached_property
    def row(self) -> np.ndarray:
        """The row each code belongs to."""
        return np.repeat(np.arange(len(self)), np.diff(self.starts))

    @cached_property
    def sizes(self) -> np.ndarray:
        """Distinct codes per row."""
        return np.diff(self.starts)

    def presence(self, wanted: np.ndarray) -> np.ndarray:
        """(rows, len(wanted)) bool: whether each row has each wanted code (-1: none has)."""
        out = np.zeros((len(self), len(wanted)), dtype=bool)
        wanted = np.asarray(wanted, dtype=np.int64)
        if not len(wanted) or not len(self.codes):
            return out
        order = np.argsort(wanted, kind="stable")
        ordered = wanted[order]
        at = np.minimum(np.searchsorted(ordered, self.codes), len(ordered) - 1)
        hit = ordered[at] == self.codes
        out[self.row[hit], order[at[hit]]] = True
        return out

    def shared(self, picks: Sequence[int]) -> np.ndarray:
        """(rows, len(picks)): how many codes each row shares with row picks[j]."""
        if len(picks) > 62:
            raise ValueError(f"at most 62 rows can be picked (one bit each), got {len(picks)}")
        out = np.zeros((len(self), len(picks)), dtype=np.int64)
        if not len(picks) or not len(self.codes):
            return out
        own = [self.codes[self.starts[p]:self.starts[p + 1]] for p in picks]
        union = np.concatenate(own)
        bits = np.concatenate([np.full(len(c), 1 << j, dtype=np.int64)
                               for j, c in enumerate(own)])
        if not len(union):
            return out
        keys, where = np.unique(union, return_inverse=True)
        mask = np.zeros(len(keys), dtype=np.int64)
        np.bitwise_or.at(mask, where, bits)
        at = np.minimum(np.searchsorted(keys, self.codes), len(keys) - 1)
        hit = keys[at] == self.codes
        rows, found = self.row[hit], mask[at[hit]]
        for j in range(len(picks)):
            out[:, j] = np.bincount(rows, weights=(found >> j) & 1, minlength=len(self))
        return out
