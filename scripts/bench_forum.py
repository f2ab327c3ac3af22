"""Benchmark (not a test): forum pairing solve time at the 2016 forum's size and national scale.

Affinities are synthetic (each region admits a random share of innovators with random
affinities), because solve time depends on the instance's shape, not on the texts.
Writes a generated block into docs/performance.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from matcher.forum import ForumProblem, Innovator, Region, greedy, schedule, solve
from service.evaldoc import write_generated

ROOT = Path(__file__).resolve().parents[1]


def instance(regions: int, innovators: int, caps: tuple[int, int], density: float,
             seed: int) -> ForumProblem:
    """A random forum: capacities in `caps`, each pair admissible with probability `density`."""
    rng = np.random.default_rng(seed)
    rs = tuple(Region(f"R{n}", f"Region {n}", f"P{n % 38}", int(rng.integers(*caps, endpoint=True)))
               for n in range(regions))
    ins = tuple(Innovator(f"I{n}", f"inv-{n}", f"Innovator {n}", None, f"P{n % 38}", "x",
                          int(rng.integers(*caps, endpoint=True))) for n in range(innovators))
    affinity = {(r.id, i.id): round(float(rng.uniform(0.5, 1.0)), 4)
                for r in rs for i in ins if rng.random() < density}
    return ForumProblem(rs, ins, affinity)


def instance_top(regions: int, innovators: int, caps: tuple[int, int], keep: int,
                 seed: int) -> ForumProblem:
    """A random forum where each region keeps only its `keep` best innovators (as a planner
    fed by the engine's top candidates would), affinities in [0.3, 1]."""
    rng = np.random.default_rng(seed)
    rs = tuple(Region(f"R{n}", f"Region {n}", f"P{n % 38}", int(rng.integers(*caps, endpoint=True)))
               for n in range(regions))
    ins = tuple(Innovator(f"I{n}", f"inv-{n}", f"Innovator {n}", None, f"P{n % 38}", "x",
                          int(rng.integers(*caps, endpoint=True))) for n in range(innovators))
    affinity = {}
    for r in rs:
        values = rng.uniform(0.3, 1.0, size=innovators)
        for j in np.argsort(-values)[:keep]:
            affinity[(r.id, ins[j].id)] = round(float(values[j]), 4)
    return ForumProblem(rs, ins, affinity)


def run(name: str, problem: ForumProblem) -> list[str]:
    """Solve in both modes and the greedy baseline; one table row each."""
    rows = []
    for mode in ("total", "fair"):
        start = time.perf_counter()
        plan = solve(problem, mode)
        seconds = time.perf_counter() - start
        rounds = schedule([m.pair for m in plan.pairs]).n_rounds
        rows.append(f"| {name} | {mode} | {seconds:.2f} | {plan.status} | {len(plan.pairs)} | "
                    f"{plan.total:.1f} | {plan.min_region_affinity or 0:.3f} | {rounds} |")
    start = time.perf_counter()
    base = greedy(problem)
    seconds = time.perf_counter() - start
    rows.append(f"| {name} | greedy baseline | {seconds:.2f} | - | {len(base.pairs)} | "
                f"{base.total:.1f} | {base.min_region_affinity or 0:.3f} | - |")
    return rows


def spread(shape: tuple, seeds: tuple[int, ...]) -> str:
    """Fair-mode seconds over several random instances of one shape: one instance can be lucky."""
    regions, innovators, caps, density = shape
    seconds, statuses = [], []
    for seed in seeds:
        start = time.perf_counter()
        plan = solve(instance(regions, innovators, caps, density, seed), "fair")
        seconds.append(time.perf_counter() - start)
        statuses.append(plan.status)
    return (f"Fair mode over {len(seeds)} random instances of the dense national shape "
            f"({regions} x {innovators}, capacity {caps[0]}-{caps[1]}, {density:.0%} admissible; "
            f"seeds {', '.join(map(str, seeds))}): median {float(np.median(seconds)):.2f} s, "
            f"slowest {max(seconds):.2f} s; "
            f"{statuses.count('optimal')} of {len(seeds)} proven optimal.")


def main(argv: list[str] | None = None) -> int:
    """Run both sizes and update docs/performance.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    args = parser.parse_args(argv)
    cases = [
        ("2016 forum: 59 regions x 42 innovators, capacity 1-3, 40% admissible",
         instance(59, 42, (1, 3), 0.4, 1)),
        ("national: 550 regions x 100 innovators, capacity 3-10, 30% admissible",
         instance(550, 100, (3, 10), 0.3, 2)),
        ("national, dense: 550 x 100, capacity 3-10, 90% admissible",
         instance(550, 100, (3, 10), 0.9, 3)),
        ("very large: 1,000 regions x 1,000 innovators, capacity 1-5, each region's 50 best",
         instance_top(1000, 1000, (1, 5), 50, 4)),
    ]
    lines = ["Synthetic affinities in [0.5, 1] (the 1,000 x 1,000 case: [0.3, 1]); one run each "
             "on this machine, default time limit (10 s). Solver: HiGHS through SciPy. Total "
             "mode is one LP (the capacity and quota rows are totally unimodular, so its "
             "vertex is integral; a MILP only if it were not); fair = max-min region "
             "affinity by LP-strengthened bisection, then max total by reduced-cost fixing "
             "and a small MILP.", "",
             "| instance | method | seconds | status | pairs | total affinity | "
             "worst-served region | rounds |", "|---|---|---|---|---|---|---|---|"]
    for name, problem in cases:
        lines += run(name, problem)
    lines += ["", spread((550, 100, (3, 10), 0.9), seeds=(3, 5, 6, 7, 8))]
    body = "\n".join(lines)
    write_generated(args.out, body, "scripts/bench_forum.py", empty="# Performance\n")
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
