"""Meeting timetable: rounds in which no region or innovator meets twice (bipartite edge colouring).

By König's edge-colouring theorem a bipartite multigraph of maximum degree D can be edge
coloured with D colours; each colour is a round. We colour edge by edge: with colour a free at
the region and b free at the innovator, either a is also free at the innovator, or we swap a/b
along the alternating path that starts at the innovator (it never reaches the region in a
bipartite graph), which frees a there.

With `tables_per_round` T the number of rounds is max(D, ceil(E / T)) and the colour classes
are balanced (sizes differ by at most one, which bipartite graphs always allow) by swapping
colours along alternating paths that hold more edges of the big class than of the small one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from matcher.forum.model import Pair

Node = tuple[str, str]  # ("r", region_id) or ("i", innovator_id)


@dataclass(frozen=True)
class Meeting:
    """One region meeting one innovator at a numbered table."""

    region_id: str
    innovator_id: str
    table: int


@dataclass(frozen=True)
class Schedule:
    """Rounds of simultaneous meetings; rounds[k] is round k + 1."""

    rounds: tuple[tuple[Meeting, ...], ...]
    max_degree: int
    tables_per_round: int | None

    @property
    def n_rounds(self) -> int:
        """Number of rounds (time slots)."""
        return len(self.rounds)


class _Colouring:
    """Proper edge colouring of a bipartite multigraph with a fixed number of colours."""

    def __init__(self, edges: Sequence[tuple[Node, Node]], colours: int) -> None:
        """Start with every edge uncoloured."""
        self.edges = edges
        self.k = colours
        self.colour: list[int] = [-1] * len(edges)
        self.at: dict[Node, dict[int, int]] = {}
        for u, v in edges:
            self.at.setdefault(u, {})
            self.at.setdefault(v, {})

    def _free(self, node: Node) -> int:
        """Smallest colour not used at node."""
        used = self.at[node]
        return next(c for c in range(self.k) if c not in used)

    def _set(self, e: int, c: int) -> None:
        """Give edge e colour c."""
        self.colour[e] = c
        for node in self.edges[e]:
            self.at[node][c] = e

    def _path(self, start: Node, first: int, second: int) -> list[int]:
        """Edges of the maximal path from start alternating colours first, second, first..."""
        path, node, c = [], start, first
        while c in self.at[node]:
            e = self.at[node][c]
            path.append(e)
            u, v = self.edges[e]
            node = v if node == u else u
            c = second if c == first else first
        return path

    def _swap(self, path: list[int], a: int, b: int) -> None:
        """Exchange colours a and b on the edges of an alternating path."""
        for e in path:
            for node in self.edges[e]:
                del self.at[node][self.colour[e]]
        for e in path:
            self._set(e, b if self.colour[e] == a else a)

    def colour_all(self) -> None:
        """Colour every edge, recolouring alternating paths when needed (König)."""
        for e, (u, v) in enumerate(self.edges):
            a, b = self._free(u), self._free(v)
            if a in self.at[v]:
                self._swap(self._path(v, a, b), a, b)
            self._set(e, a)

    def balance(self) -> None:
        """Make colour classes differ in size by at most one."""
        while self.k:
            sizes = Counter(self.colour)
            big = max(range(self.k), key=lambda c: (sizes[c], -c))
            small = min(range(self.k), key=lambda c: (sizes[c], c))
            if sizes[big] - sizes[small] <= 1:
                return
            for node, used in self.at.items():
                if big in used and small not in used:
                    path = self._path(node, big, small)
                    if len(path) % 2 == 1:  # starts and ends with `big`
                        self._swap(path, big, small)
                        break
            else:  # pragma: no cover - impossible for a proper bipartite colouring
                raise AssertionError("no alternating path to balance colour classes")


def _key(pair: object) -> Pair:
    """(region_id, innovator_id) of a Match, Meeting or plain 2-tuple."""
    if hasattr(pair, "region_id") and hasattr(pair, "innovator_id"):
        return (pair.region_id, pair.innovator_id)
    if isinstance(pair, tuple) and len(pair) == 2:
        return (pair[0], pair[1])
    raise ValueError(f"expected a (region_id, innovator_id) pair or a Match, got {pair!r}")


def schedule(pairs: Iterable[object], tables_per_round: int | None = None) -> Schedule:
    """Timetable of max-degree rounds (more only if tables run out); tables numbered from 1."""
    if tables_per_round is not None and (isinstance(tables_per_round, bool)
                                         or not isinstance(tables_per_round, int)
                                         or tables_per_round < 1):
        raise ValueError(f"tables_per_round must be None or an int >= 1, "
                         f"got {tables_per_round!r}")
    keys = sorted(_key(p) for p in pairs)
    edges = [(("r", r), ("i", i)) for r, i in keys]
    degree = Counter(node for edge in edges for node in edge)
    max_degree = max(degree.values(), default=0)
    rounds = max_degree
    if tables_per_round is not None and edges:
        rounds = max(max_degree, -(-len(edges) // tables_per_round))
    colouring = _Colouring(edges, rounds)
    colouring.colour_all()
    if tables_per_round is not None:
        colouring.balance()  # sizes then differ by <= 1, so none exceeds ceil(E / rounds) <= T
    innovators = sorted({i for _, i in keys})
    booth = None
    if tables_per_round is None or tables_per_round >= len(innovators):
        booth = {i: n for n, i in enumerate(innovators, start=1)}  # innovators keep a table
    grouped: list[list[Pair]] = [[] for _ in range(rounds)]
    for e, c in enumerate(colouring.colour):
        grouped[c].append(keys[e])
    out = []
    for meetings in grouped:
        meetings.sort(key=lambda p: (p[1], p[0]))
        out.append(tuple(Meeting(r, i, booth[i] if booth else n)
                         for n, (r, i) in enumerate(meetings, start=1)))
    return Schedule(tuple(out), max_degree, tables_per_round)
