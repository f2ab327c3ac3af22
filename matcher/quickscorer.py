"""Tree ensembles scored by QuickScorer (Lucchese et al., SIGIR 2015): bit masks, no walk.

Every tree's leaves are numbered left to right, one bit each. A node whose test fails
(the row goes right) rules out the leaves of its left subtree, so its mask has their bits
cleared; the leaf a row exits at is the lowest bit left set after AND-ing the masks of all
failed nodes. Scoring is then one comparison per node and row, a segmented AND per tree
and a table look-up, instead of `depth` dependent gathers per tree and row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

MAX_LEAVES = 64  # one uint64 of leaf bits per tree
_CHUNK = 1024  # rows scored at once: bounds the (nodes x rows) masks to a few MB


@dataclass(frozen=True, eq=False)
class PackedTrees:
    """An ensemble as QuickScorer tables (built once per model by `pack_trees`).

    Node arrays are slot-major: entry `s * trees + t` is the s-th internal node of tree t,
    so the masks of one slot across all trees are contiguous. Trees with fewer nodes are
    padded with nodes whose mask keeps every leaf.
    """

    feature: np.ndarray  # (slots * trees,) int: feature each node tests
    threshold: np.ndarray  # (slots * trees,) float: go left when value <= threshold
    mask: np.ndarray  # (slots * trees,) unsigned: leaf bits still possible if the test fails
    leaf_value: np.ndarray  # (trees * bits,) float: value of leaf bit b of tree t at t*bits+b
    slots: int
    baseline: float  # the ensemble's constant plus the trees that are a single leaf

    @property
    def trees(self) -> int:
        """Trees with at least one split."""
        return len(self.feature) // self.slots if self.slots else 0


def pack_trees(trees: Mapping[str, np.ndarray]) -> PackedTrees:
    """QuickScorer tables of flat node arrays (matcher.lambdarank's export format);
    ValueError if a tree has more than MAX_LEAVES leaves."""
    leaf, value = trees["leaf"], trees["value"]
    baseline = float(trees["baseline"][0])
    packed: list[tuple[list[tuple[int, float, int]], list[float]]] = []
    for root in trees["roots"]:
        if leaf[root]:
            baseline += float(value[root])
            continue
        nodes, leaves = _tree_tables(int(root), trees)
        if len(leaves) > MAX_LEAVES:
            raise ValueError(f"a tree has {len(leaves)} leaves; QuickScorer packs at most "
                             f"{MAX_LEAVES}")
        packed.append((nodes, leaves))
    slots = max((len(nodes) for nodes, _ in packed), default=0)
    width = max((len(leaves) for _, leaves in packed), default=1)
    dtype = next(d for d in (np.uint8, np.uint16, np.uint32, np.uint64)
                 if np.iinfo(d).bits >= width)
    bits = np.iinfo(dtype).bits
    full = (1 << bits) - 1
    count = len(packed)
    feature = np.zeros((slots, count), dtype=np.intp)
    threshold = np.zeros((slots, count))
    mask = np.full((slots, count), full, dtype=dtype)
    leaf_value = np.zeros((count, bits))
    for t, (nodes, leaves) in enumerate(packed):
        for s, (f, cut, keep) in enumerate(nodes):
            feature[s, t], threshold[s, t], mask[s, t] = f, cut, keep & full
        leaf_value[t, :len(leaves)] = leaves
    return PackedTrees(feature=feature.ravel(), threshold=threshold.ravel(),
                       mask=mask.ravel(), leaf_value=leaf_value.ravel(), slots=slots,
                       baseline=baseline)


def _tree_tables(root: int, trees: Mapping[str, np.ndarray]
                 ) -> tuple[list[tuple[int, float, int]], list[float]]:
    """(feature, threshold, mask) of each internal node and the leaf values, left to right."""
    leaf, left, right = trees["leaf"], trees["left"], trees["right"]
    nodes: list[tuple[int, float, int]] = []
    leaves: list[float] = []
    stack: list[tuple[int, bool]] = [(root, False)]
    pending: dict[int, int] = {}  # node -> index of its first leaf
    while stack:  # in-order, without recursion
        node, left_done = stack.pop()
        if leaf[node]:
            leaves.append(float(trees["value"][node]))
        elif not left_done:
            pending[node] = len(leaves)
            stack.append((node, True))
            stack.append((int(left[node]), False))
        else:
            first = pending.pop(node)
            on_left = len(leaves) - first
            # A failed test rules out the leaves of the left subtree.
            keep = ~(((1 << on_left) - 1) << first) & ((1 << MAX_LEAVES) - 1)
            nodes.append((int(trees["feature"][node]), float(trees["threshold"][node]), keep))
            stack.append((int(right[node]), False))
    return nodes, leaves


def packed_scores(packed: PackedTrees, z: np.ndarray) -> np.ndarray:
    """Sum of every tree's exit-leaf value for each row of `z` (as tree_scores)."""
    z = np.asarray(z, dtype=np.float64)
    out = np.full(len(z), packed.baseline)
    count = packed.trees
    if not count:
        return out
    full = np.iinfo(packed.mask.dtype).max
    bits = np.iinfo(packed.mask.dtype).bits
    row_of_tree = (np.arange(count) * bits)[:, None]
    for lo in range(0, len(z), _CHUNK):
        block = z[lo:lo + _CHUNK].T
        # NaN fails `<=` and goes right, as in the node walk.
        fails = ~(block[packed.feature] <= packed.threshold[:, None])
        masks = np.where(fails, packed.mask[:, None], full)
        alive = np.bitwise_and.reduce(masks.reshape(packed.slots, count, -1), axis=0)
        lowest = alive & (~alive + alive.dtype.type(1))  # isolate the lowest set bit
        exit_leaf = np.frexp(lowest.astype(np.float64))[1] - 1  # exact: powers of two
        out[lo:lo + _CHUNK] += packed.leaf_value[row_of_tree + exit_leaf].sum(axis=0)
    return out
