"""Benchmark: a peer-matching round of 100,000 wishes, against networkx, and find_peers.

The instance (vectorised generator below, ``numpy.random.default_rng(--seed)``):

* ``--people`` (100,000) people: a random hierarchy (each person's manager is an earlier
  person), 12 departments, 15 time zones, 1% opted out, 1% left;
* ``--teachers`` (20,000) of them teach 3 skills each out of ``--skills`` (1,000), at level
  2 (30%), 3 (40%) or 4 (30%), capacity 1–3 learners per round (mean 2; 5% have 0); 10%
  already have one learner in an open session (``busy``); 60% have 1–10 ratings;
* ``--wishes`` (100,000) wishes of the other people (each wishes 1 or 2 distinct skills), at
  level 0 (40%), 1 (35%) or 2 (25%), skills uniform, so each wish has about 50 eligible
  teachers (printed: the mean number of candidate arcs per wish);
* an informal network of about 15 ties per person, 80% inside the department.

Part 1: ``match_round`` on it, timed by step (candidate arcs; hops and score; the OR-Tools
min-cost flow; total), then the store: ``peerweave.store.learning.save_round`` into a fresh
SQLite file (when C's store module is present; else ``store: n/a``). Target: under 30 s.

Part 2: the same generator at ``--nx-wishes`` (2,000) wishes: the candidate arcs of
``match_round`` solved by OR-Tools (``solve_assignment``) and by networkx's
``max_flow_min_cost`` on the very same network and integer costs; both must reach the same
flow and cost; the ratio of their times is printed.

Part 3: ``find_peers`` on the 100,000-person organization of part 1, for ``--peer-calls``
(100) wishes drawn at random: median and 90th percentile of the time per call (target:
under 50 ms).

Numba kernels are compiled (or loaded from cache) before timing.

    python bench/learning.py             # everything
    python bench/learning.py --quick     # smoke run at a tenth of the sizes
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from typing import Any

import networkx as nx
import numba
import numpy as np
import pandas as pd

from peerweave.learning.candidates import Population, SkillTable, build_candidates
from peerweave.learning.matching import (
    SCORE_SCALE,
    MatchOptions,
    match_round,
    solve_assignment,
)
from peerweave.learning.peers import find_peers
from peerweave.network.graph import OrgGraph

ZONES = [
    "Europe/Paris", "Europe/London", "America/New_York", "America/Chicago", "America/Los_Angeles",
    "Asia/Kolkata", "Asia/Tokyo", "Asia/Singapore", "Australia/Sydney", "Europe/Berlin",
    "America/Sao_Paulo", "Africa/Johannesburg", "Asia/Dubai", "UTC", "Europe/Warsaw",
]  # fmt: skip
DEPARTMENTS = [f"Department {i:02d}" for i in range(12)]
SKILL_COLUMNS = ["person_id", "skill", "level", "can_teach", "wants_to_learn", "capacity"]


def _pick(rng: np.random.Generator, p: list[float], size: int, values: list[int]) -> Any:
    return rng.choice(np.array(values), size=size, p=p)


def build_instance(
    n_people: int, n_teachers: int, n_wishes: int, n_skills: int, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(people, skills, ties, ratings, busy)`` of the benchmark (see the module docstring)."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"E{i:07d}" for i in range(n_people)], dtype=object)
    position = np.arange(n_people)
    manager = np.where(position > 0, (rng.random(n_people) * position).astype(np.int64), -1)
    department = rng.integers(0, len(DEPARTMENTS), n_people)
    people = pd.DataFrame(
        {
            "person_id": ids,
            "name": ids,
            "manager_id": np.where(manager >= 0, ids[np.maximum(manager, 0)], None),
            "department": np.array(DEPARTMENTS, dtype=object)[department],
            "timezone": np.array(ZONES, dtype=object)[rng.integers(0, len(ZONES), n_people)],
            "opted_out": rng.random(n_people) < 0.01,
            "status": np.where(rng.random(n_people) < 0.01, "left", "active"),
        }
    )
    order = rng.permutation(n_people)
    teachers, learners = order[:n_teachers], order[n_teachers:]
    # teachers: 3 distinct skills each
    t_person = np.repeat(teachers, 3)
    t_skill = np.argsort(rng.random((n_teachers, n_skills)), axis=1)[:, :3].ravel()
    t_level = _pick(rng, [0.3, 0.4, 0.3], len(t_person), [2, 3, 4])
    capacity = np.where(rng.random(n_people) < 0.05, 0, rng.integers(1, 4, n_people))
    # wishes: learners with 1 or 2 distinct skills, n_wishes in all
    extra = n_wishes - len(learners)
    twice = rng.choice(len(learners), size=max(extra, 0), replace=False)
    w_person = np.concatenate([learners[: min(n_wishes, len(learners))], learners[twice]])
    w_skill = rng.integers(0, n_skills, len(w_person))
    second = np.arange(len(w_person)) >= min(n_wishes, len(learners))
    first_skill = pd.Series(w_skill[~second], index=w_person[~second])
    clash = second & (w_skill == first_skill.reindex(w_person).to_numpy())
    w_skill[clash] = (w_skill[clash] + 1) % n_skills
    w_level = _pick(rng, [0.4, 0.35, 0.25], len(w_person), [0, 1, 2])
    skill_names = np.array([f"skill {i:04d}" for i in range(n_skills)], dtype=object)
    person = np.concatenate([t_person, w_person])
    skills = pd.DataFrame(
        {
            "person_id": ids[person],
            "skill": skill_names[np.concatenate([t_skill, w_skill])],
            "level": np.concatenate([t_level, w_level]),
            "can_teach": np.r_[np.ones(len(t_person), bool), np.zeros(len(w_person), bool)],
            "wants_to_learn": np.r_[np.zeros(len(t_person), bool), np.ones(len(w_person), bool)],
            "capacity": capacity[person],
        }
    )
    # informal network: ~15 ties per person, 80% inside the department
    m = 15 * n_people // 2
    src = rng.integers(0, n_people, m)
    by_dept = np.argsort(department, kind="stable")
    dept_start = np.searchsorted(department[by_dept], np.arange(len(DEPARTMENTS)))
    dept_size = np.bincount(department, minlength=len(DEPARTMENTS))
    inside = by_dept[
        dept_start[department[src]] + (rng.random(m) * dept_size[department[src]]).astype(np.int64)
    ]
    dst = np.where(rng.random(m) < 0.8, inside, rng.integers(0, n_people, m))
    ties = pd.DataFrame({"source": ids[src], "target": ids[dst]})
    rated = teachers[rng.random(n_teachers) < 0.6]
    counts = rng.integers(1, 11, len(rated))
    ratings = pd.DataFrame(
        {
            "teacher_id": ids[np.repeat(rated, counts)],
            "rating": _pick(rng, [0.03, 0.07, 0.2, 0.4, 0.3], int(counts.sum()), [1, 2, 3, 4, 5]),
        }
    )
    busy_t = teachers[rng.random(n_teachers) < 0.1]
    busy = pd.DataFrame({"teacher_id": ids[busy_t], "open": np.ones(len(busy_t), dtype=np.int64)})
    return people, skills, ties, ratings, busy


def warm_up() -> float:
    """Compile (or load) the Numba kernels on a tiny instance."""
    start = time.perf_counter()
    people, skills, ties, ratings, busy = build_instance(200, 40, 150, 5, 1)
    graph = OrgGraph.from_frames(people, ties)
    match_round(people, skills, graph, ratings=ratings, busy=busy)
    return time.perf_counter() - start


def store_round(people: pd.DataFrame, result: Any) -> str:
    """Save the round with C's store (fresh SQLite file); the time, or "n/a"."""
    try:
        from peerweave.store import Store, add_people_stubs, record_import
        from peerweave.store.learning import save_round
    except ImportError:
        return "n/a"
    with tempfile.TemporaryDirectory(prefix="peerweave-bench-") as tmp:
        url = f"sqlite:///{os.path.join(tmp, 'bench.db')}"
        with Store.init(url) as store:
            with store.transaction() as session:
                run = record_import(
                    session=session, kind="people", files=["bench"], rows_read=0, records=0,
                    report={},
                )  # fmt: skip
                add_people_stubs(
                    session=session, person_ids=people["person_id"].tolist(), import_id=run
                )
            start = time.perf_counter()
            with store.transaction() as session:
                save_round(
                    session=session,
                    matches=result.matches,
                    unmatched=result.unmatched,
                    params={"bridge": False},
                    summary=result.summary,
                )
            return f"{time.perf_counter() - start:.2f} s"


def part_round(args: argparse.Namespace) -> tuple[pd.DataFrame, pd.DataFrame, Any, Any, Any]:
    print(
        f"\n== match_round: {args.wishes:,} wishes, {args.teachers:,} teachers, "
        f"{args.people:,} people, {args.skills:,} skills"
    )
    start = time.perf_counter()
    people, skills, ties, ratings, busy = build_instance(
        args.people, args.teachers, args.wishes, args.skills, args.seed
    )
    graph = OrgGraph.from_frames(people, ties)
    print(
        f"instance built in {time.perf_counter() - start:.1f} s "
        f"({graph.m:,} arcs in the informal network, {len(ratings):,} ratings)"
    )
    options = MatchOptions(on=dt.date(2026, 1, 15))
    cpu = time.process_time()
    result = match_round(people, skills, graph, ratings=ratings, busy=busy, options=options)
    cpu = time.process_time() - cpu
    s, t = result.summary, result.seconds
    print(
        f"wishes {s['wishes']:,} (skipped {s['skipped_wishes']:,}), candidate arcs "
        f"{s['arcs']:,} ({s['arcs'] / max(s['wishes'], 1):.1f} per wish), teachers with room "
        f"{s['teachers']:,} (capacity {s['capacity']:,})"
    )
    print(
        f"matched {s['matched']:,} = max possible {s['max_possible']:,}; "
        f"mean score {s['mean_score']:.3f}; objective {s['objective']:,.3f}"
    )
    stored = store_round(people, result)
    print(
        f"time: arcs {t['arcs']:.2f} s, score {t['score']:.2f} s (of which hops "
        f"{t['hops']:.2f} s), solve {t['solve']:.2f} s, round total {t['total']:.2f} s "
        f"(CPU time of all threads {cpu:.2f} s); store: {stored}"
    )
    total = t["total"] + (float(stored.split()[0]) if stored != "n/a" else 0.0)
    print(f"end to end {total:.2f} s (target < 30 s): {'OK' if total < 30 else 'SLOW'}")
    return people, skills, graph, ratings, busy


def part_networkx(args: argparse.Namespace) -> None:
    n_wishes = args.nx_wishes
    n_teachers = max(n_wishes // 5, 10)
    n_people = n_wishes + n_teachers + n_wishes // 10
    n_skills = max(round(n_teachers * 3 * 0.88 / 50), 1)
    print(
        f"\n== OR-Tools vs networkx max_flow_min_cost: {n_wishes:,} wishes, {n_teachers:,} "
        f"teachers, {n_skills} skills"
    )
    people, skills, ties, ratings, busy = build_instance(
        n_people, n_teachers, n_wishes, n_skills, args.seed + 1
    )
    graph = OrgGraph.from_frames(people, ties)
    options = MatchOptions(on=dt.date(2026, 1, 15))
    pop = Population.build(people, seed=options.seed, on=options.on)
    table = SkillTable.build(skills, pop)
    wishes = np.flatnonzero(table.learn & pop.available[table.person])
    cand = build_candidates(
        pop, table.person[wishes], table.skill[wishes], table.level[wishes], table, graph,
        ratings=ratings, busy=busy, options=options,
    )  # fmt: skip
    print(f"candidate arcs {cand.n_arcs:,} ({cand.n_arcs / max(len(wishes), 1):.1f} per wish)")

    start = time.perf_counter()
    chosen, flow_value, cost = solve_assignment(
        cand.arc_wish, cand.teacher, cand.score, cand.remaining, load_weight=options.load_weight
    )
    ortools_s = time.perf_counter() - start

    start = time.perf_counter()
    g = nx.DiGraph()
    load = round(options.load_weight * SCORE_SCALE)
    costs = -np.rint(cand.score * SCORE_SCALE).astype(np.int64)
    for w in np.unique(cand.arc_wish).tolist():
        g.add_edge("s", ("w", w), capacity=1, weight=0)
    for w, t, c in zip(cand.arc_wish.tolist(), cand.teacher.tolist(), costs.tolist(), strict=True):
        g.add_edge(("w", w), ("t", t), capacity=1, weight=c)
    indegree = pd.Series(cand.teacher).value_counts()
    for t, k_in in indegree.items():
        for k in range(min(int(cand.remaining[int(t)]), int(k_in))):
            # one unit arc per extra learner; a DiGraph keeps one arc per pair, so each goes
            # through its own node
            g.add_edge(("t", t), ("u", t, k), capacity=1, weight=load * k)
            g.add_edge(("u", t, k), "z", capacity=1, weight=0)
    flow = nx.max_flow_min_cost(g, "s", "z")
    nx_cost = nx.cost_of_flow(g, flow)
    nx_value = sum(flow["s"].values())
    networkx_s = time.perf_counter() - start
    same = nx_value == flow_value and nx_cost == cost
    print(
        f"OR-Tools: flow {flow_value:,}, cost {cost:,} in {ortools_s * 1000:.0f} ms; "
        f"networkx: flow {nx_value:,}, cost {nx_cost:,} in {networkx_s:.1f} s"
    )
    print(
        f"same optimum: {'yes' if same else 'NO'}; networkx / OR-Tools = "
        f"{networkx_s / max(ortools_s, 1e-9):,.0f}x"
    )
    if not same:
        raise SystemExit("the two solvers disagree")
    assert int(chosen.sum()) == flow_value


def part_peers(args: argparse.Namespace, instance: tuple[Any, ...]) -> None:
    people, skills, graph, ratings, busy = instance
    print(f"\n== find_peers on {len(people):,} people ({len(skills):,} skill rows)")
    rng = np.random.default_rng(args.seed + 2)
    wishes = skills.loc[skills["wants_to_learn"], ["person_id", "skill"]]
    active = people.loc[
        ~people["opted_out"] & people["status"].ne("left"), "person_id"
    ]  # find_peers refuses people who opted out or left
    wishes = wishes[wishes["person_id"].isin(active)]
    picks = wishes.iloc[rng.choice(len(wishes), size=args.peer_calls, replace=False)]
    options = MatchOptions(on=dt.date(2026, 1, 15))
    find_peers(picks.iloc[0, 0], picks.iloc[0, 1], people, skills, graph, options=options)
    times, cpu_times, sizes = [], [], []
    for person, skill in picks.itertuples(index=False):
        start, cpu = time.perf_counter(), time.process_time()
        page = find_peers(
            person, skill, people, skills, graph, ratings=ratings, busy=busy, options=options
        )
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu)
        sizes.append(len(page))
    median = statistics.median(times) * 1000
    p90 = float(np.percentile(times, 90)) * 1000
    print(
        f"{len(times)} calls: median {median:.1f} ms, 90th percentile {p90:.1f} ms, median CPU "
        f"time {statistics.median(cpu_times) * 1000:.1f} ms (target < 50 ms): "
        f"{'OK' if median < 50 else 'SLOW'}; mean list length {np.mean(sizes):.1f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--teachers", type=int, default=20_000)
    parser.add_argument("--wishes", type=int, default=100_000)
    parser.add_argument("--skills", type=int, default=1_000)
    parser.add_argument("--nx-wishes", type=int, default=2_000)
    parser.add_argument("--peer-calls", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="a tenth of every size")
    args = parser.parse_args(argv)
    if args.quick:
        args.people, args.teachers, args.wishes = 10_000, 2_000, 10_000
        args.skills, args.nx_wishes, args.peer_calls = 100, 300, 20
    print(
        f"peerweave learning benchmark: {os.cpu_count()} CPUs, {numba.get_num_threads()} "
        f"Numba threads, Python {sys.version.split()[0]}"
    )
    print(
        "load average (1, 5, 15 min): "
        + ", ".join(f"{x:.1f}" for x in os.getloadavg())
        + " (on a busy machine wall times stretch)"
    )
    print(f"warm-up (Numba compile or cache load) {warm_up():.1f} s")
    instance = part_round(args)
    part_peers(args, instance)
    part_networkx(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
