"""Hypothesis strategies for tiny forums and an independent checker of plans."""

from __future__ import annotations

from collections import Counter

from hypothesis import strategies as st

from matcher.forum import Constraints, ForumProblem, Innovator, Plan, Region

PROVINCES = ("Jawa Barat", "Bali")
MAX_ADMISSIBLE = 14  # keeps the exhaustive oracle fast
TOL = 1e-6


def _fits(pairs: list[tuple[str, str]], regions: dict[str, Region],
          innovators: dict[str, Innovator], quota: int | None) -> bool:
    """Whether pairs respect both capacities and the province quota."""
    by_region = Counter(r for r, _ in pairs)
    by_innovator = Counter(i for _, i in pairs)
    by_quota = Counter((i, regions[r].province) for r, i in pairs)
    return (all(n <= regions[r].capacity for r, n in by_region.items())
            and all(n <= innovators[i].capacity for i, n in by_innovator.items())
            and (quota is None or all(n <= quota for n in by_quota.values())))


@st.composite
def forums(draw, *, required: str = "feasible", max_regions: int = 5,
           max_innovators: int = 4) -> ForumProblem:
    """A random tiny forum; required pairs are "feasible" (all keepable together),
    "candidates" (admissible and allowed, but may overload capacities) or "any" pairs."""
    n_regions = draw(st.integers(2, max_regions))
    n_innovators = draw(st.integers(2, max_innovators))
    regions = [Region(f"R{k}", f"Kabupaten {k}", draw(st.sampled_from(PROVINCES)),
                      draw(st.integers(1, 3))) for k in range(n_regions)]
    region_ids = [r.id for r in regions]
    innovators = [Innovator(f"I{k}", f"INV-{k}", f"Inovator {k}",
                            draw(st.none() | st.sampled_from(region_ids)),
                            draw(st.sampled_from(PROVINCES)), "kesehatan",
                            draw(st.integers(1, 3))) for k in range(n_innovators)]
    pairs = [(r.id, i.id) for r in regions for i in innovators]
    scores = draw(st.lists(st.integers(-10, 20), min_size=len(pairs), max_size=len(pairs)))
    order = draw(st.permutations(range(len(pairs))))
    # a negative score stands for "below the no-match threshold" (inadmissible)
    admissible = [k for k in order if scores[k] >= 0][:MAX_ADMISSIBLE]
    affinity = {pairs[k]: scores[k] / 20 for k in sorted(admissible)}
    forbidden = draw(st.sets(st.sampled_from(pairs), max_size=3))
    quota = draw(st.none() | st.integers(1, 2))
    homes = {(i.home_region_id, i.id) for i in innovators}
    allowed = [p for p in pairs if p in affinity and p not in forbidden and p not in homes]
    pool = pairs if required == "any" or not allowed else allowed
    wanted = draw(st.lists(st.sampled_from(pool), max_size=4 if required == "feasible" else 7,
                           unique=True))
    if required == "candidates":
        wanted = [p for p in wanted if p in allowed]
    elif required == "feasible":
        by_r = {r.id: r for r in regions}
        by_i = {i.id: i for i in innovators}
        kept: list[tuple[str, str]] = []
        for pair in wanted:
            if pair in allowed and _fits([*kept, pair], by_r, by_i, quota):
                kept.append(pair)
        wanted = kept
    explanations = {p: f"why {p[0]}-{p[1]}" for p in affinity}
    return ForumProblem(regions, innovators, affinity, explanations,
                        Constraints(frozenset(forbidden), frozenset(wanted), quota))


def check_plan(problem: ForumProblem, plan: Plan) -> None:
    """Assert a plan keeps every rule and that its summary figures are consistent."""
    pairs = [m.pair for m in plan.pairs]
    assert len(pairs) == len(set(pairs)), "a pair is proposed twice"
    homes = {(i.home_region_id, i.id) for i in problem.innovators}
    for m in plan.pairs:
        assert m.pair in problem.affinity, f"inadmissible pair {m.pair}"
        assert m.pair not in problem.constraints.forbidden, f"forbidden pair {m.pair}"
        assert m.pair not in homes, f"home-region pair {m.pair}"
        assert m.affinity == problem.affinity[m.pair]
        assert m.explanation == problem.explanations.get(m.pair, "")
    assert problem.constraints.required <= set(pairs), "a required pair was dropped"
    assert _fits(pairs, dict(problem.region_by_id), dict(problem.innovator_by_id),
                 problem.constraints.province_quota), "capacity or quota exceeded"
    assert abs(plan.total - sum(problem.affinity[p] for p in pairs)) < TOL
    served = {r for r, _ in problem.candidates}
    totals = {r: sum(problem.affinity[p] for p in pairs if p[0] == r) for r in served}
    if served:
        assert plan.min_region_affinity is not None
        assert abs(plan.min_region_affinity - min(totals.values())) < TOL
    else:
        assert plan.min_region_affinity is None
    assert set(plan.unmatched) == {r for r in served if not any(p[0] == r for p in pairs)}
    # Every region without a pair is listed once, with its kind of reason.
    assert {u.region_id for u in plan.unserved if u.code != "capacity"} == \
        {r.id for r in problem.regions} - served
    assert {u.region_id for u in plan.unserved if u.code == "capacity"} == set(plan.unmatched)
    assert len(plan.unserved) == len({u.region_id for u in plan.unserved})
    expected: dict[str, list[str]] = {}
    for r, i in sorted(problem.candidates, key=lambda p: (-problem.affinity[p], p[1])):
        if (r, i) not in set(pairs) and len(expected.setdefault(r, [])) < 3:
            expected[r].append(i)
    got = {r: [a.innovator_id for a in alts] for r, alts in plan.alternates.items()}
    assert got == {r: ids for r, ids in expected.items() if ids}
