"""A matching round: each open learning wish gets at most one peer teacher, optimally.

The round is a min-cost flow (OR-Tools ``SimpleMinCostFlow``) on the network

    wish ──(1, −score)──► teacher ──(capacity unit arcs, load cost 0, 0.1, 0.2, …)──► sink

with a supply of 1 on every wish that has a candidate arc (see
:mod:`peerweave.learning.candidates` for who may teach whom and the score). Costs are
integers: scores and load costs are multiplied by ``SCORE_SCALE`` (1000) and rounded, so
the optimum is exact for scores rounded to 1/1000.

Solved with ``solve_max_flow_with_min_cost()``: OR-Tools first computes the maximum flow
from the supply nodes to the sink, then the minimum cost among flows of exactly that value
(the supplies it fixes are only the totals of an added source and sink, so which wishes
are matched stays free; ``tests/learning`` checks both claims against an independent
networkx max flow and a brute-force optimum). Flow is integral, so the result is an
assignment that matches **as many wishes as can possibly be matched** (each wish ≤ 1
teacher, each teacher ≤ their capacity left, across all their skills) and, among those,
maximises ``Σ score − Σ_teachers load_weight·k(k − 1)/2`` for a teacher with ``k`` learners.

Ties are broken by the order of the arcs given to the solver (deterministic): wishes in a
seeded hash order of the learners, teachers by level then a seeded hash order. The same
input and seed give the same round, whatever the order of the input rows.

Examples
--------
>>> people = pd.DataFrame({"person_id": ["t1", "t2", "l1", "l2"]})
>>> skills = pd.DataFrame({"person_id": ["t1", "t2", "l1", "l2"], "skill": ["sql"] * 4,
...     "level": [4, 2, 1, 0], "can_teach": [True, True, False, False],
...     "wants_to_learn": [False, False, True, True], "capacity": [1, 1, 1, 1]})
>>> r = match_round(people, skills, None)
>>> r.matches[["learner_id", "teacher_id"]].to_dict("records")
[{'learner_id': 'l1', 'teacher_id': 't1'}, {'learner_id': 'l2', 'teacher_id': 't2'}]
>>> r.summary["matched"], r.summary["max_possible"]
(2, 2)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
from ortools.graph.python import min_cost_flow

from peerweave.errors import ConstraintError
from peerweave.learning.candidates import (
    GAP_SCORES,
    REASONS,
    Candidates,
    MatchOptions,
    Population,
    SkillTable,
    arc_reasons,
    arcs_frame,
    candidate_arcs,
    round_candidates,
    wish_reasons,
)
from peerweave.learning.peers import find_peers
from peerweave.learning.schema import MATCH_COLUMNS, UNMATCHED_COLUMNS
from peerweave.network.graph import OrgGraph

__all__ = [
    "GAP_SCORES",
    "REASONS",
    "SCORE_SCALE",
    "MatchOptions",
    "MatchRound",
    "candidate_arcs",
    "find_peers",
    "match_round",
    "solve_assignment",
]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Scores and load costs are multiplied by this and rounded to integer flow costs.
SCORE_SCALE = 1000

#: Columns of ``MatchRound.matches`` after ``MATCH_COLUMNS``.
MATCH_DETAIL_COLUMNS: tuple[str, ...] = (
    "learner_level",
    "teacher_level",
    "gap_score",
    "hops",
    "proximity_score",
    "same_department",
    "bridge_score",
    "ratings",
    "rating_score",
    "timezone_hours",
    "timezone_score",
    "reasons",
)


@dataclass(frozen=True, eq=False)
class MatchRound:
    """The result of :func:`match_round`.

    ``matches``: ``MATCH_COLUMNS`` (learner_id, teacher_id, skill, score) then
    ``MATCH_DETAIL_COLUMNS`` (levels, the score's parts and ``reasons`` in words), sorted by
    learner and skill. ``unmatched``: ``UNMATCHED_COLUMNS`` (learner_id, skill, reason), one
    row per wish left without a teacher. ``summary``: counts and totals (``wishes``,
    ``skipped_wishes`` of learners who opted out or left, ``matched``, ``unmatched``,
    ``max_possible`` (the maximum flow), ``teachers`` and ``capacity`` (those with room
    this round and their room), ``arcs``, ``total_score``, ``load_penalty``,
    ``objective`` = total_score − load_penalty, ``mean_score``, ``bridge``).
    ``seconds``: time of each step (``arcs``, ``score`` and the ``hops`` within it,
    ``solve``, ``total``); not part of the result proper, it changes from run to run.

    >>> r = match_round(pd.DataFrame({"person_id": ["a"]}), pd.DataFrame(
    ...     {"person_id": ["a"], "skill": ["go"], "level": [1], "wants_to_learn": [True]}), None)
    >>> r.unmatched.to_dict("records")
    [{'learner_id': 'a', 'skill': 'go', 'reason': 'nobody teaches go'}]
    """

    matches: pd.DataFrame
    unmatched: pd.DataFrame
    summary: dict[str, int | float]
    seconds: dict[str, float] = field(default_factory=dict)


def solve_assignment(
    arc_wish: IntArray,
    teacher: IntArray,
    score: npt.NDArray[np.float64],
    capacity: IntArray,
    *,
    load_weight: float = 0.1,
) -> tuple[BoolArray, int, int]:
    """Maximum-cardinality, then maximum-score assignment of wishes to teachers (OR-Tools).

    ``arc_wish[a]`` and ``teacher[a]`` are the two ends of arc ``a`` (any integer ids),
    ``score[a]`` its score; ``capacity[t]`` is how many wishes teacher id ``t`` may take.
    Returns ``(chosen, matched, cost)``: a mask of the chosen arcs, how many there are (the
    maximum possible), and the optimal integer cost
    ``Σ round(load·SCALE)·k(k−1)/2 − Σ round(score·SCALE)``.

    >>> chosen, matched, cost = solve_assignment(np.array([0, 0, 1]), np.array([0, 1, 0]),
    ...     np.array([0.9, 0.5, 0.8]), np.array([1, 1]))
    >>> chosen.tolist(), matched, cost
    ([False, True, True], 2, -1300)
    """
    arc_wish = np.asarray(arc_wish, dtype=np.int64)
    teacher = np.asarray(teacher, dtype=np.int64)
    m = len(arc_wish)
    if m == 0:
        return np.zeros(0, dtype=bool), 0, 0
    wishes, wish_node = np.unique(arc_wish, return_inverse=True)
    teachers, teacher_node = np.unique(teacher, return_inverse=True)
    n_w, n_t = len(wishes), len(teachers)
    sink = n_w + n_t
    indegree = np.bincount(teacher_node, minlength=n_t)
    room = np.minimum(np.asarray(capacity, dtype=np.int64)[teachers], indegree)
    # unit arcs teacher → sink: the k-th costs load·(k − 1); increasing costs, so any optimal
    # flow through j of them uses the j cheapest, and the total is the convex load penalty
    unit_owner = np.repeat(np.arange(n_t, dtype=np.int64), room)
    unit_k = np.arange(len(unit_owner), dtype=np.int64) - np.repeat(np.cumsum(room) - room, room)
    load = round(float(load_weight) * SCORE_SCALE)
    tails = np.concatenate([wish_node, n_w + unit_owner]).astype(np.int32)
    heads = np.concatenate([n_w + teacher_node, np.full(len(unit_owner), sink)]).astype(np.int32)
    capacities = np.ones(len(tails), dtype=np.int64)
    costs = np.concatenate(
        [-np.rint(np.asarray(score) * SCORE_SCALE).astype(np.int64), load * unit_k]
    ).astype(np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    flow.set_nodes_supplies(
        np.r_[np.arange(n_w), sink].astype(np.int32),
        np.r_[np.ones(n_w, dtype=np.int64), -n_w].astype(np.int64),
    )
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise ConstraintError(
            f"the matching round could not be solved (OR-Tools status {status}); "
            "lower the score weights or the load_weight"
        )
    chosen = np.asarray(flow.flows(arcs[:m])) > 0
    return chosen, int(flow.maximum_flow()), int(flow.optimal_cost())


def match_round(
    people: pd.DataFrame,
    skills: pd.DataFrame,
    graph: OrgGraph | None,
    *,
    ratings: pd.DataFrame | None = None,
    busy: pd.DataFrame | None = None,
    options: MatchOptions = MatchOptions(),
) -> MatchRound:
    """Match every open learning wish with at most one peer teacher, optimally.

    Parameters
    ----------
    people : pandas.DataFrame
        ``person_id`` and, when known, ``manager_id``, ``department``, ``timezone``,
        ``opted_out``, ``status`` (``"left"`` for people who left).
    skills : pandas.DataFrame
        ``SKILLS_COLUMNS`` (``person_id, skill, level, can_teach, wants_to_learn,
        capacity``), skill names normalised. Every ``wants_to_learn`` row is a wish; drop
        the wishes already served (an open or held session) before calling.
    graph : OrgGraph or None
        The informal network, for proximity; ``None`` ignores proximity.
    ratings : pandas.DataFrame, optional
        ``teacher_id, rating``: one row per rating (1–5) a learner gave a teacher.
    busy : pandas.DataFrame, optional
        ``teacher_id, open``: learners a teacher already has in proposed or scheduled
        sessions; they use up capacity.
    options : MatchOptions
        Weights, bridge mode, hop limit, rating prior, seed.

    Returns
    -------
    MatchRound
        The matches with their score parts and reasons, the unmatched wishes with their
        reason, and a summary.

    Raises
    ------
    peerweave.errors.ValidationError
        Skill rows naming people not in ``people``, levels outside 0–4, ratings outside 1–5.
    peerweave.errors.MissingColumnError
        A required column is missing.

    Examples
    --------
    >>> people = pd.DataFrame({"person_id": ["m", "r", "x"], "manager_id": [None, "m", None]})
    >>> skills = pd.DataFrame({"person_id": ["m", "x", "r"], "skill": ["excel"] * 3,
    ...     "level": [4, 1, 1], "can_teach": [True, True, False],
    ...     "wants_to_learn": [False, False, True]})
    >>> match_round(people, skills, None).unmatched["reason"].tolist()
    ['the only excel teachers are in your reporting line']
    """
    started = time.perf_counter()
    pop, table, skipped, cand = round_candidates(
        people, skills, graph, ratings=ratings, busy=busy, options=options
    )
    solve_started = time.perf_counter()
    chosen, max_flow, cost = solve_assignment(
        cand.arc_wish, cand.teacher, cand.score, cand.remaining, load_weight=options.load_weight
    )
    solved = time.perf_counter()
    picked = np.flatnonzero(chosen)
    matches = _matches_frame(cand, pop, picked, options, with_graph=graph is not None)
    served = np.zeros(len(cand.wish_person), dtype=bool)
    served[cand.arc_wish[picked]] = True
    left_over = np.flatnonzero(~served)
    unmatched = pd.DataFrame(
        {
            "learner_id": pop.ids[cand.wish_person[left_over]],
            "skill": cand.wish_skill[left_over],
            "reason": wish_reasons(cand, left_over),
        },
        columns=list(UNMATCHED_COLUMNS),
    )
    unmatched = unmatched.sort_values(["learner_id", "skill"], kind="stable").reset_index(drop=True)
    summary = _summary(cand, pop, table, picked, max_flow, cost, options)
    summary["skipped_wishes"] = int(skipped.sum())
    seconds = {
        **cand.seconds,
        "solve": solved - solve_started,
        "total": time.perf_counter() - started,
    }
    return MatchRound(matches=matches, unmatched=unmatched, summary=summary, seconds=seconds)


def _matches_frame(
    cand: Candidates,
    pop: Population,
    picked: IntArray,
    options: MatchOptions,
    *,
    with_graph: bool,
) -> pd.DataFrame:
    frame = arcs_frame(cand, pop, picked)
    frame["reasons"] = arc_reasons(cand, picked, pop, options, with_graph=with_graph)
    frame = frame[[*MATCH_COLUMNS, *MATCH_DETAIL_COLUMNS]]
    return frame.sort_values(["learner_id", "skill"], kind="stable").reset_index(drop=True)


def _summary(
    cand: Candidates,
    pop: Population,
    table: SkillTable,
    picked: IntArray,
    max_flow: int,
    cost: int,
    options: MatchOptions,
) -> dict[str, int | float]:
    wishes = len(cand.wish_person)
    matched = len(picked)
    teachers = np.unique(table.person[table.teach])
    open_teachers = teachers[pop.available[teachers] & (cand.remaining[teachers] > 0)]
    per_teacher = np.bincount(cand.teacher[picked], minlength=pop.n)
    load = round(options.load_weight * SCORE_SCALE)
    load_units = int((per_teacher * (per_teacher - 1) // 2).sum())
    total_units = int(np.rint(cand.score[picked] * SCORE_SCALE).astype(np.int64).sum())
    if matched:  # the solver's optimum and the assignment agree (a cheap self-check)
        assert total_units - load * load_units == -cost, "min-cost flow cost mismatch"
    return {
        "wishes": wishes,
        "skipped_wishes": 0,
        "matched": matched,
        "unmatched": wishes - matched,
        "max_possible": max_flow,
        "teachers": len(open_teachers),
        "capacity": int(cand.remaining[open_teachers].sum()),
        "arcs": cand.n_arcs,
        "total_score": total_units / SCORE_SCALE,
        "load_penalty": load * load_units / SCORE_SCALE,
        "objective": -cost / SCORE_SCALE,
        "mean_score": round(total_units / SCORE_SCALE / matched, 6) if matched else 0.0,
        "bridge": int(options.bridge),
    }
