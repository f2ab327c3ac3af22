"""Forum pairing: optimal region-innovator pairs over an affinity table, and a meeting timetable.

Pure functions over frozen dataclasses. `solve` runs a MILP (HiGHS via scipy.optimize.milp) in
mode "total" (max summed affinity) or "fair" (max the worst served region's summed affinity,
then max total); `greedy` is the baseline; `schedule` packs pairs into max-degree rounds.
`brute` holds the exhaustive oracle the tests compare against.
"""

from matcher.forum.assign import FAIR_TOLERANCE, greedy, solve
from matcher.forum.feasibility import Cause, ForumInfeasibleError, Unserved
from matcher.forum.model import Constraints, ForumProblem, Innovator, Pair, Region
from matcher.forum.plan import Alternate, Match, Plan
from matcher.forum.schedule import Meeting, Schedule, schedule

__all__ = [
    "FAIR_TOLERANCE",
    "Alternate",
    "Cause",
    "Constraints",
    "ForumInfeasibleError",
    "ForumProblem",
    "Innovator",
    "Match",
    "Meeting",
    "Pair",
    "Plan",
    "Region",
    "Schedule",
    "Unserved",
    "greedy",
    "schedule",
    "solve",
]
