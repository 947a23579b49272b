"""Benchmark: who influences whom (NetRate) from 1,000 cascades over a 10,000-person organization.

The organization is peerweave's synthetic generator (``generate_organization(--people,
seed)``, a year's collaboration events aggregated into ties, cached as Parquet under
``bench/.cache``, shared with ``bench/network.py`` and ``bench/spread.py``). The truth is
planted on its collaboration network: each direction of each tie carries influence with
probability ``--live`` (default 0.2), at a rate drawn uniformly in ``[--rate-low,
--rate-high]`` per week (default 0.3 to 1.0: a median delay of one to two weeks); the other
arcs carry none. ``--cascades`` cascades (1,000) are drawn from it with
:func:`~peerweave.spread.netrate.simulate_cascades` (exponential delays, ``--sources``
random people starting each one, observed for ``--horizon`` weeks: 2, about a tenth of the
organization per cascade), and
:func:`~peerweave.spread.netrate.infer_influence` infers the rates back from the adoption
times alone, every tie of the collaboration network being a candidate in both directions
(``--workers`` processes; SciPy's L-BFGS-B per person).

Printed: the time of each stage (Numba's compilation or cache load is done first and not
counted), the precision and recall of the inferred ties (rate ≥ threshold) against the
planted ones at several thresholds, the recall among the *identifiable* planted ties (the
source adopted before the target in at least one cascade where the target adopted: the
others left no trace in the data), the median relative error of the recovered rates, and
the same figures from the first 100 and 300 cascades. Target: inference under 5 minutes.

    python bench/measure.py                 # 10,000 people, 1,000 cascades
    python bench/measure.py --quick         # smoke run: 1,000 people, 200 cascades
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from peerweave.ingest.events import aggregate_events
from peerweave.ingest.synthetic import generate_organization, write_organization
from peerweave.network.graph import OrgGraph
from peerweave.spread.netrate import (
    infer_influence,
    reverse_arcs,
    score_recovery,
    simulate_cascades,
)

CACHE = Path(__file__).resolve().parent / ".cache"


def organization(n_people: int, seed: int, events_per_person_week: float) -> OrgGraph:
    """The synthetic organization's graph; its people and ties cached as Parquet."""
    cache = CACHE / f"network-{n_people}-seed{seed}-epw{events_per_person_week:g}"
    people_file, ties_file = cache / "people.parquet", cache / "ties.parquet"
    if people_file.exists() and ties_file.exists():
        print(f"cache {cache}: used")
        people, ties = pd.read_parquet(people_file), pd.read_parquet(ties_file)
    else:
        print(f"cache {cache}: not used (generating)")
        org = generate_organization(
            n_people, seed=seed, events_per_person_week=events_per_person_week
        )
        with tempfile.TemporaryDirectory(prefix="peerweave-bench-") as tmp:
            events = write_organization(org, tmp)["events"]
            load = aggregate_events(events, people=org.people)
        people, ties = org.people, load.ties[["source", "target", "kind", "weight"]]
        cache.mkdir(parents=True, exist_ok=True)
        people.to_parquet(people_file)
        ties.to_parquet(ties_file)
    return OrgGraph.from_frames(people, ties)


def identifiable(graph: OrgGraph, cascades: pd.DataFrame, truth: np.ndarray) -> np.ndarray:
    """Planted arcs ``u → v`` such that ``u`` adopted before ``v`` in some cascade."""
    indptr = np.asarray(graph.und_indptr, dtype=np.int64)
    src = np.repeat(np.arange(graph.n), np.diff(indptr))
    dst = np.asarray(graph.und_indices, dtype=np.int64)
    live = np.flatnonzero(truth > 0)
    pos = graph.index.get_indexer(cascades["person_id"].astype(str))
    table = pd.DataFrame({"c": cascades["cascade"].to_numpy(), "v": pos, "t": cascades["time"]})
    key_u = pd.DataFrame({"c": table["c"], "u": table["v"], "tu": table["t"]})
    arcs = pd.DataFrame({"arc": live, "u": src[live], "v": dst[live]})
    pairs = arcs.merge(key_u, on="u").merge(table, on=["c", "v"])
    seen = pairs.loc[pairs["tu"] < pairs["t"], "arc"].unique()
    out = np.zeros(len(truth), dtype=bool)
    out[seen] = True
    return out


def report(
    label: str, graph: OrgGraph, cascades: pd.DataFrame, truth: np.ndarray, args: argparse.Namespace
) -> None:
    start = time.perf_counter()
    influence = infer_influence(
        graph, cascades, horizon=args.horizon, model="exponential", workers=args.workers
    )
    seconds = time.perf_counter() - start
    seen = identifiable(graph, cascades, truth)
    print(
        f"\n{label}: {influence.cascades:,} cascades, {len(cascades):,} adoptions; inference "
        f"{seconds:.1f}s ({influence.people_solved:,} people solved, "
        f"{influence.not_converged} not converged)"
    )
    print(f"  planted ties {int((truth > 0).sum()):,}, identifiable {int(seen.sum()):,}")
    print(f"  {'threshold':>9} {'inferred':>9} {'precision':>9} {'recall':>7} {'recall*':>8}")
    for threshold in (0.05, 0.1, 0.2):
        score = score_recovery(influence.rates, truth, threshold=threshold)
        found = influence.rates >= threshold
        ident = float((found & seen).sum() / max(int(seen.sum()), 1))
        print(
            f"  {threshold:>9.2f} {score['inferred']:>9,} {score['precision']:>9.3f} "
            f"{score['recall']:>7.3f} {ident:>8.3f}"
        )
    correct = (influence.rates >= 0.1) & (truth > 0)
    if correct.any():
        error = np.abs(influence.rates[correct] - truth[correct]) / truth[correct]
        print(
            f"  median relative error of the recovered rates (threshold 0.1): {np.median(error):.2f}"
        )
    print("  recall* = recall among the identifiable planted ties")
    if label.startswith("all"):
        print(f"\nTIME {seconds:.1f}s for {influence.cascades:,} cascades (target < 300s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--cascades", type=int, default=1_000)
    parser.add_argument("--sources", type=int, default=5)
    parser.add_argument("--horizon", type=float, default=2.0)
    parser.add_argument("--live", type=float, default=0.2)
    parser.add_argument("--rate-low", type=float, default=0.3)
    parser.add_argument("--rate-high", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--events-per-person-week", type=float, default=4.0)
    parser.add_argument("--quick", action="store_true", help="1,000 people, 200 cascades")
    args = parser.parse_args()
    if args.quick:
        args.people, args.cascades = 1_000, 200

    start = time.perf_counter()
    graph = organization(args.people, args.seed, args.events_per_person_week)
    print(
        f"organization: {graph.n:,} people, {len(graph.und_indices) // 2:,} ties "
        f"({time.perf_counter() - start:.1f}s)"
    )
    rng = np.random.default_rng(args.seed)
    m = len(graph.und_indices)
    truth = np.where(rng.random(m) < args.live, rng.uniform(args.rate_low, args.rate_high, m), 0.0)
    assert reverse_arcs(graph.und_indptr, graph.und_indices).shape == (m,)

    start = time.perf_counter()
    tiny = simulate_cascades(graph, truth, cascades=2, horizon=0.5, seed=1)
    infer_influence(graph, tiny, horizon=0.5)
    print(f"Numba warm-up (kernel cache load) {time.perf_counter() - start:.1f}s, not counted")

    start = time.perf_counter()
    cascades = simulate_cascades(
        graph,
        truth,
        cascades=args.cascades,
        horizon=args.horizon,
        sources=args.sources,
        seed=args.seed + 1,
    )
    sizes = cascades.groupby("cascade").size()
    print(
        f"simulate {args.cascades:,} cascades: {time.perf_counter() - start:.1f}s; "
        f"adopters per cascade: mean {sizes.mean():.0f}, median {sizes.median():.0f}, "
        f"max {sizes.max():,}"
    )
    for count in (100, 300):
        if count < args.cascades:
            report(f"first {count}", graph, cascades[cascades["cascade"] < count], truth, args)
    report(f"all {args.cascades}", graph, cascades, truth, args)


if __name__ == "__main__":
    main()
