"""Benchmark: the MDGP solver on MDGPLIB instances, and a round of circles for 10,000 people.

One instance::

    python bench/mdgp.py ../shared/data/mdgp/RanReal_n120_ss_01.txt --seconds 3 [--seed 0]

reads an MDGPLIB file (first line ``n G ss|ds a_1 b_1 … a_G b_G``, then ``i j d_ij`` per
pair), runs :func:`peerweave.circles.solve_mdgp` for ``--seconds`` of wall-clock time (Numba
compilation, or the cache load, happens before the clock starts) and prints the best
objective found — the sum of ``d_ij`` over pairs in the same group, recomputed from the
groups — as its last line.

Everything::

    python bench/mdgp.py --all [--data DIR] [--seed 0]

runs the five instances of ``--data`` (default ``../shared/data/mdgp``) with the time
limits the literature gives for their size (n = 120: 3 s; 240: 20 s; 480: 120 s: Lai &
Hao 2016, Yang et al. 2022), printing per instance the objective, the time, and the gap to
the best-known published value where one was found; then forms two rounds of circles for
a synthetic organization of ``--people`` (10,000) people
(``peerweave.ingest.synthetic.generate_organization``) mixing department, level and
location, the second avoiding the pairs of the first (target: under 60 s each).

Published values. The best-known objective values are in the tables of X. Lai & J.-K. Hao
(2016), "Iterated maxima search for the maximally diverse grouping problem", EJOR 254(3),
780–800, and X. Yang, Z. Cai, T. Jin, Z. Tang & S. Gao (2022), "A three-phase search
approach with dynamic population size for solving the maximally diverse grouping
problem", EJOR 302(3), 925–953. The search tool available here holds neither table, so
four of the five instances print ``n/a``. For RanInt_n120_ds_01 the value 51,146 is listed
(with the other RanInt ``ds`` instances, as results of the literature, without naming the
paper) in a public course repository's solver (``main.cpp``, ``resultados2``); it is
marked *unverified*. Integer-programming bounds found by a MIP solver in 1,800 s
(Geo_n240_ss_01: 185,973.83; RanReal_n120_ss_01: 42,047.6; listed in the same file) are
lower than what any metaheuristic reaches and are not used.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numba
import numpy as np
import pandas as pd

from peerweave.circles import form_circles, read_mdgplib, solve_mdgp

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mdgp"

#: The benchmark's instances and their time limits (seconds), by size.
INSTANCES: tuple[tuple[str, float], ...] = (
    ("RanReal_n120_ss_01", 3.0),
    ("RanInt_n120_ds_01", 3.0),
    ("Geo_n240_ss_01", 20.0),
    ("RanReal_n240_ds_01", 20.0),
    ("RanReal_n480_ss_01", 120.0),
)

#: Best-known values found (see the module docstring): value, and whether it is verified.
PUBLISHED: dict[str, tuple[float, str]] = {
    "RanInt_n120_ds_01": (51146.0, "unverified"),
}


def warm_up() -> float:
    """Compile the kernels (or load them from Numba's cache); return the seconds it took."""
    started = time.perf_counter()
    rng = np.random.default_rng(0)
    d = rng.random((12, 12))
    solve_mdgp(d + d.T, np.array([3, 3, 3, 3]), np.array([4, 4, 4, 4]), seconds=0.05)
    people = pd.DataFrame({"person_id": [f"p{i}" for i in range(12)], "x": list("abc") * 4})
    form_circles(people, by=["x"], size=(4, 4), seconds=0.05)
    return time.perf_counter() - started


def solve_file(path: Path, seconds: float, seed: int) -> tuple[float, float]:
    """Objective and wall-clock seconds of one run on an MDGPLIB file."""
    d, lower, upper = read_mdgplib(path)
    started = time.perf_counter()
    _groups, objective = solve_mdgp(d, lower, upper, seconds=seconds, seed=seed)
    return objective, time.perf_counter() - started


def run_all(data: Path, seed: int, people: int, people_seconds: float) -> None:
    print(f"{'instance':<22}{'limit s':>8}{'time s':>8}{'objective':>15}{'published':>14}  gap")
    for name, limit in INSTANCES:
        objective, took = solve_file(data / f"{name}.txt", limit, seed)
        known = PUBLISHED.get(name)
        if known:
            value, status = known
            gap = f"{100 * (value - objective) / value:.3f}% ({status})"
            shown = f"{value:,.2f}"
        else:
            gap, shown = "n/a", "n/a"
        print(
            f"{name:<22}{limit:>8.0f}{took:>8.1f}{objective:>15,.3f}{shown:>14}  {gap}", flush=True
        )

    from peerweave.ingest.synthetic import generate_organization

    started = time.perf_counter()
    org = generate_organization(people, seed=seed)
    print(f"\nsynthetic organization of {people:,} people: {time.perf_counter() - started:.1f} s")
    by = ["department", "level", "location"]
    history = None
    for number in (1, 2):
        started = time.perf_counter()
        r = form_circles(org.people, by=by, seconds=people_seconds, seed=seed, history=history)
        took = time.perf_counter() - started
        print(
            f"round {number}: {len(r.per_circle):,} circles of {r.per_circle['size'].min()}–"
            f"{r.per_circle['size'].max()}, {took:.1f} s (target < 60 s), diversity "
            f"{r.diversity:,.1f} (mean per pair {r.pair_diversity:.3f}), repeat pairs "
            f"{r.repeat_pairs}, repeats avoided {r.repeats_avoided} (random grouping: "
            f"{r.expected_repeats:.1f}), checks "
            + ", ".join(f"{k} {v}" for k, v in r.constraint_check.items()),
            flush=True,
        )
        for note in r.notes:
            print(f"  note: {note}")
        history = r.assignment.assign(round=number)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("instance", nargs="?", type=Path, help="an MDGPLIB instance file")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--all", action="store_true", help="the five instances and 10,000 people")
    parser.add_argument("--data", type=Path, default=DATA, help="where the instances are")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--people-seconds", type=float, default=30.0)
    args = parser.parse_args(argv)
    if not args.all and args.instance is None:
        parser.error("give an instance file, or --all")
    warm = warm_up()
    if args.all:
        print(
            f"peerweave MDGP benchmark: {os.cpu_count()} CPUs, {numba.get_num_threads()} Numba "
            f"threads (the search uses one), Python {sys.version.split()[0]}, load average "
            + ", ".join(f"{x:.1f}" for x in os.getloadavg())
            + f"; warm-up (compile or cache load) {warm:.1f} s"
        )
        run_all(args.data, args.seed, args.people, args.people_seconds)
        return 0
    objective, took = solve_file(args.instance, args.seconds, args.seed)
    print(f"{args.instance.name}: {took:.1f} s, seed {args.seed}")
    print(f"{objective:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
