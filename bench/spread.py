"""Benchmark: contagion simulation against NDlib and CyNetDiff, and champion selection (IMM).

Part 1 (default): a Barabási–Albert graph (networkx ``barabasi_albert_graph(--nodes,
--ba-m, seed)``: 10,000 people, each newcomer tied to ``m = 4`` others, about 40,000 ties),
1% of the people drawn as seeds (``numpy.random.default_rng(seed)``), and the same cascades
run in peerweave, NDlib and CyNetDiff:

* **IC**, independent cascade, every tie passing the practice on with ``p = 0.1`` in both
  directions (peerweave ``prob="uniform:0.1"``, NDlib's ``threshold`` set on every edge,
  CyNetDiff's ``activation_prob=0.1``);
* **LT**, linear threshold with the weighted-cascade in-weights ``b_uv = 1 / deg(v)`` (the
  standard; peerweave's ``lt_weights`` for ``weighted-cascade``, CyNetDiff's default
  ``1 / in-degree`` on the graph with both directions, NDlib's ``ThresholdModel``, which
  adopts when the *share* of adopting contacts reaches the threshold: the same thing) and
  thresholds drawn uniformly in [0, 1) for every person in every run: peerweave and
  CyNetDiff draw them themselves; NDlib's thresholds are fixed configuration, so the
  benchmark draws a fresh set before each NDlib run (counted in NDlib's time: a few ms of
  the hundreds a run takes).

NDlib's IC needs a ``threshold`` on every edge: without one it silently uses ``1 / deg(u)``
(checked). NDlib seeds numpy's global generator; the seeds are given as its ``Infected``
list (not ``fraction_infected``), and ``model.reset(seeds)`` starts each run.

Each cascade runs to its end (NDlib: iterations until no one is infected / nothing changes;
peerweave's ``simulate``: ``--steps`` steps, checked to be enough). Timed: peerweave the way
it is used, ``--runs`` cascades in one call, parallel over the Numba threads (per cascade =
total / runs), and also on one thread, and one cascade per call; CyNetDiff (single-threaded
Cython) both ways: ``compute_marginal_gains(seeds, [], runs)`` (its own batch loop, which
gives only the mean) and ``reset_model`` + ``advance_until_completion`` per cascade (which
gives every size); NDlib one cascade at a time for ``--ndlib-seconds`` per model (at most
``--ndlib-runs`` cascades). Numba's compilation (or cache load) is done before timing. The
mean final reach of each comes with its 95% confidence interval (1.96 standard errors); two
means agree when they differ by less than their combined interval, ``1.96 √(se₁² + se₂²)``.

Part 2 (``--imm``): ``select_champions(graph, 50, model="ic", prob="weighted-cascade",
epsilon=0.1)`` on a synthetic organization of ``--imm-people`` (100,000) people (events
aggregated into ties, cached as Parquet under ``bench/.cache``, shared with
``bench/network.py``), its time and peak memory (the process's ``VmHWM``, reset before each
stage by writing ``5`` to ``/proc/self/clear_refs``), and the champions' simulated final
reach (``--imm-runs`` runs of ``--imm-steps`` steps, checked to be enough) against the
``k`` most connected people (``seed_set(graph, "hubs", k)``) and ``k`` drawn at random
(``seed_set(graph, "random", k)``). Target: under 60 s. ``--large``: the same with ``--large-people``
(1,000,000) and ``k`` = 5% of the people (50,000), ``--large-runs`` runs; target under 10
minutes. A ``select_champions`` that fails (``PeerweaveError``: too many RR sets, or more
memory than it allows itself) is reported, and the comparison goes on without it.

    python bench/spread.py                 # part 1: simulation vs NDlib and CyNetDiff
    python bench/spread.py --quick         # smoke run of the parts asked (small sizes)
    python bench/spread.py --imm           # part 2: champions among 100,000 people
    python bench/spread.py --large         # champions: 5% of 1,000,000 people
    python bench/spread.py --sim --imm --large   # everything
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any

import networkx as nx
import numba
import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from peerweave.errors import PeerweaveError
from peerweave.ingest.events import aggregate_events
from peerweave.ingest.synthetic import generate_organization, write_organization
from peerweave.network.graph import OrgGraph
from peerweave.spread import (
    SpreadModel,
    arc_probabilities,
    budget,
    cascade_sizes,
    seed_set,
    select_champions,
    simulate,
)

CACHE = Path(__file__).resolve().parent / ".cache"
GIB = 1024**3
Z95 = 1.959963984540054  # two-sided 95% normal quantile
THREADS = numba.get_num_threads()
console = Console(width=150, highlight=False)


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """``(fn(), seconds)``."""
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


@dataclass(frozen=True)
class Reach:
    """Mean final reach over some runs and the half-width of its 95% confidence interval."""

    mean: float
    half: float
    runs: int

    @classmethod
    def of(cls, sizes: Any) -> Reach:
        x = np.asarray(sizes, dtype=np.float64)
        half = Z95 * float(np.std(x, ddof=1)) / math.sqrt(len(x)) if len(x) > 1 else math.inf
        return cls(float(x.mean()), half, len(x))

    def agrees(self, other: Reach) -> bool:
        """Whether the two means differ by less than their combined 95% interval."""
        return abs(self.mean - other.mean) <= math.hypot(self.half, other.half)

    def text(self) -> str:
        return f"{self.mean:,.1f} ± {self.half:,.1f}"


# ---------------------------------------------------------------------------------- part 1
@dataclass
class Row:
    """One line of the simulation table: a library called one way, its time and reach."""

    model: str
    library: str
    how: str
    cascades: int
    seconds: float
    reach: Reach | None = None
    mean_only: float | None = None  # a mean without the sizes (CyNetDiff's batch call)

    @property
    def per_cascade(self) -> float:
        return self.seconds / self.cascades


def ba_graph(n: int, m: int, seed: int) -> tuple[nx.Graph, OrgGraph]:
    """The networkx BA graph and the same graph as an ``OrgGraph`` (position i = node i)."""
    G = nx.barabasi_albert_graph(n, m, seed=seed)
    assert list(G.nodes()) == list(range(n))
    width = len(str(n - 1))
    ids = np.array([f"{i:0{width}d}" for i in range(n)], dtype=object)  # sorted = numeric
    edges = np.array(G.edges(), dtype=np.int64).reshape(-1, 2)
    graph = OrgGraph.from_frames(
        pd.DataFrame({"person_id": ids}),
        pd.DataFrame({"source": ids[edges[:, 0]], "target": ids[edges[:, 1]]}),
    )
    assert np.array_equal(graph.ids, ids), "positions must be the BA node numbers"
    assert len(graph.und_indices) == 2 * G.number_of_edges(), "one undirected edge per BA edge"
    return G, graph


def ndlib_ic(G: nx.Graph, seeds: list[int], p: float, budget_s: float, most: int, seed: int) -> Row:
    """NDlib's ``IndependentCascadesModel`` with ``p`` on every edge, one cascade at a time."""
    import ndlib.models.ModelConfig as mc
    from ndlib.models.epidemics import IndependentCascadesModel

    model = IndependentCascadesModel(G, seed=seed)  # seeds numpy's global generator
    config = mc.Configuration()
    for edge in G.edges():
        config.add_edge_configuration("threshold", edge, p)
    config.add_model_initial_configuration("Infected", seeds)
    model.set_initial_status(config)
    # without a value on every edge NDlib silently uses 1 / deg(u) instead
    assert len(model.params["edges"]["threshold"]) == G.number_of_edges()
    sizes: list[int] = []
    start = time.perf_counter()
    while len(sizes) < most and (time.perf_counter() - start < budget_s or len(sizes) < 2):
        model.reset(infected_nodes=seeds)
        while True:  # iteration 0 reports the seeds; then until no one is left infected
            counts = model.iteration(node_status=False)["node_count"]
            if counts[1] == 0:
                break
        sizes.append(counts[2])  # everyone infected is removed at the end
    secs = time.perf_counter() - start
    return Row("IC", "NDlib", "one cascade per loop", len(sizes), secs, Reach.of(sizes))


def ndlib_lt(G: nx.Graph, seeds: list[int], budget_s: float, most: int, seed: int) -> Row:
    """NDlib's ``ThresholdModel`` with thresholds drawn uniformly in [0, 1) before each run."""
    import ndlib.models.ModelConfig as mc
    from ndlib.models.epidemics import ThresholdModel

    rng = np.random.default_rng(seed + 1)
    nodes = list(G.nodes())
    model = ThresholdModel(G, seed=seed)
    config = mc.Configuration()
    for v in nodes:
        config.add_node_configuration("threshold", v, 0.5)
    config.add_model_initial_configuration("Infected", seeds)
    model.set_initial_status(config)
    sizes: list[int] = []
    start = time.perf_counter()
    while len(sizes) < most and (time.perf_counter() - start < budget_s or len(sizes) < 2):
        model.params["nodes"]["threshold"] = dict(
            zip(nodes, rng.random(len(nodes)).tolist(), strict=True)
        )
        model.reset(infected_nodes=seeds)
        previous = -1
        while True:  # until an iteration changes nothing
            infected = model.iteration(node_status=False)["node_count"][1]
            if infected == previous:
                break
            previous = infected
        sizes.append(infected)
    secs = time.perf_counter() - start
    how = "one cascade per loop (+ fresh thresholds)"
    return Row("LT", "NDlib", how, len(sizes), secs, Reach.of(sizes))


def cynetdiff_rows(model_name: str, model: Any, seeds: list[int], runs: int) -> list[Row]:
    """CyNetDiff's batch call (mean only) and its one-cascade loop (every size)."""
    model.set_seeds(seeds)
    model.compute_marginal_gains(seeds, [], 10)  # warm caches
    (mean,), t_batch = timed(lambda: model.compute_marginal_gains(seeds, [], runs))
    sizes = np.empty(runs, dtype=np.int64)

    def loop() -> None:
        for r in range(runs):
            model.reset_model()
            model.advance_until_completion()
            sizes[r] = model.get_num_activated_nodes()

    _, t_loop = timed(loop)
    return [
        Row(
            model_name,
            "CyNetDiff",
            f"compute_marginal_gains(seeds, [], {runs:,})",
            runs,
            t_batch,
            mean_only=float(mean),
        ),
        Row(
            model_name,
            "CyNetDiff",
            "reset_model + advance_until_completion",
            runs,
            t_loop,
            Reach.of(sizes),
        ),
    ]


def _finished(adopters: Any) -> bool:
    """Whether every run had stopped (no adoption at the last step: nothing can follow)."""
    return bool(np.all(adopters[:, -1] == adopters[:, -2]))


def _one_thread(fn: Callable[[], Any]) -> tuple[Any, float]:
    numba.set_num_threads(1)
    try:
        return timed(fn)
    finally:
        numba.set_num_threads(THREADS)


def peerweave_ic(
    graph: OrgGraph, seeds: Any, runs: int, single: int, steps: int, seed: int
) -> tuple[list[Row], list[str]]:
    """peerweave's IC: ``cascade_sizes`` and ``simulate``, batched, one thread, one by one."""
    model = SpreadModel("ic", prob="uniform:0.1")
    p = arc_probabilities(graph, model.prob)
    ptr, idx = graph.und_indptr, graph.und_indices
    notes: list[str] = []

    def sizes(r: int, s: int) -> Any:
        return cascade_sizes(ptr, idx, p, seeds, r, s)

    batch, t_batch = timed(lambda: sizes(runs, seed))
    again, t_one = _one_thread(lambda: sizes(runs, seed))
    sim, t_sim = timed(lambda: simulate(graph, seeds, model, runs=runs, steps=steps, seed=seed))
    one_by_one, t_single = timed(lambda: [int(sizes(1, seed + r)[0]) for r in range(single)])
    one_more, t_single1 = _one_thread(lambda: [int(sizes(1, seed + r)[0]) for r in range(single)])
    same = np.array_equal(batch, again) and np.array_equal(batch, sim.final_reach)
    same &= one_by_one == one_more
    notes.append(
        f"IC: cascade_sizes on {THREADS} threads, on 1 thread and simulate(...).final_reach "
        f"give the same {runs:,} sizes (and the one-per-call runs the same on {THREADS} "
        f"threads and on 1): {'yes' if same else 'NO'}; every simulated run "
        f"ended within {steps} steps: {'yes' if _finished(sim.adopters) else 'NO'}"
    )
    calls = f"{runs:,} in one call"
    rows = [
        Row("IC", "peerweave", f"cascade_sizes: {calls}, {THREADS} threads", runs, t_batch),
        Row("IC", "peerweave", f"cascade_sizes: {calls}, 1 thread", runs, t_one),
        Row("IC", "peerweave", f"simulate (curves, tree): {calls}, {THREADS} threads", runs, t_sim),
        Row(
            "IC",
            "peerweave",
            f"cascade_sizes: one cascade per call, {THREADS} threads",
            single,
            t_single,
        ),
        Row("IC", "peerweave", "cascade_sizes: one cascade per call, 1 thread", single, t_single1),
    ]
    rows[0].reach = rows[1].reach = rows[2].reach = Reach.of(batch)
    rows[3].reach = rows[4].reach = Reach.of(one_by_one)
    return rows, notes


def peerweave_lt(
    graph: OrgGraph, seeds: Any, runs: int, single: int, steps: int, seed: int
) -> tuple[list[Row], list[str]]:
    """peerweave's LT: ``simulate`` batched, on one thread, one run per call."""
    model = SpreadModel("lt", prob="weighted-cascade")

    def run(r: int, s: int) -> Any:
        return simulate(graph, seeds, model, runs=r, steps=steps, seed=s)

    sim, t_batch = timed(lambda: run(runs, seed))
    again, t_one = _one_thread(lambda: run(runs, seed))
    sims, t_single = timed(lambda: [run(1, seed + r) for r in range(single)])
    sims1, t_single1 = _one_thread(lambda: [run(1, seed + r) for r in range(single)])
    one_by_one = [int(s.final_reach[0]) for s in sims]
    finished = _finished(sim.adopters) and all(_finished(s.adopters) for s in sims)
    same = np.array_equal(sim.adopters, again.adopters)
    same &= one_by_one == [int(s.final_reach[0]) for s in sims1]
    notes = [
        f"LT: simulate on {THREADS} threads and on 1 thread give the same {runs:,} curves "
        f"(and the one-per-call runs the same sizes): "
        f"{'yes' if same else 'NO'}; every run ended within {steps} steps: "
        f"{'yes' if finished else 'NO'}"
    ]
    calls = f"{runs:,} in one call"
    rows = [
        Row("LT", "peerweave", f"simulate: {calls}, {THREADS} threads", runs, t_batch),
        Row("LT", "peerweave", f"simulate: {calls}, 1 thread", runs, t_one),
        Row(
            "LT",
            "peerweave",
            f"simulate: one per call (+ its tree), {THREADS} threads",
            single,
            t_single,
        ),
        Row("LT", "peerweave", "simulate: one per call (+ its tree), 1 thread", single, t_single1),
    ]
    rows[0].reach = rows[1].reach = Reach.of(sim.final_reach)
    rows[2].reach = rows[3].reach = Reach.of(one_by_one)
    return rows, notes


def warm_up(graph: OrgGraph, seeds: Any) -> float:
    """Compile (or load from cache) every kernel timed here; return the seconds it took."""
    start = time.perf_counter()
    p = arc_probabilities(graph, "uniform:0.1")
    cascade_sizes(graph.und_indptr, graph.und_indices, p, seeds, 2, 0)
    for model in (SpreadModel("ic", prob="uniform:0.1"), SpreadModel("lt", prob="uniform:0.1")):
        simulate(graph, seeds, model, runs=2, steps=2)
    return time.perf_counter() - start


def simulation(args: argparse.Namespace) -> None:
    """Part 1: IC and LT in peerweave, CyNetDiff and NDlib on the same graph and seeds."""
    import ndlib
    from cynetdiff.utils import networkx_to_ic_model, networkx_to_lt_model

    n, m, seed = args.nodes, args.ba_m, args.seed
    console.print(
        f"\n[bold]== Part 1: simulation, peerweave vs NDlib {ndlib.__version__} and "
        f"CyNetDiff {version('cynetdiff')} ==[/bold]"
    )
    (G, graph), secs = timed(lambda: ba_graph(n, m, seed))
    rng = np.random.default_rng(seed)
    k = max(1, round(n * args.seed_share))
    seeds = np.sort(rng.choice(n, size=k, replace=False)).astype(np.int64)
    seed_list = [int(s) for s in seeds]
    console.print(
        f"Barabási–Albert graph (networkx, n = {n:,}, m = {m}, seed {seed}): "
        f"{G.number_of_edges():,} ties, built in {secs:.1f}s; {k:,} seeds "
        f"({args.seed_share:.0%}, numpy default_rng({seed})); IC p = 0.1 per tie and "
        "direction; LT in-weights 1 / deg(v), thresholds ~ U[0, 1) per person and run"
    )
    console.print(
        f"Numba warm-up (compile or cache load): {warm_up(graph, seeds):.1f}s, not counted"
    )

    runs, single, steps = args.runs, args.single, args.steps
    ic_rows, notes = peerweave_ic(graph, seeds, runs, single, steps, seed)
    lt_rows, lt_notes = peerweave_lt(graph, seeds, runs, single, steps, seed)
    notes += lt_notes
    ic_model, ic_map = networkx_to_ic_model(G, activation_prob=0.1, rng=seed)
    lt_model, lt_map = networkx_to_lt_model(G.to_directed(), rng=seed)
    assert all(ic_map[v] == v and lt_map[v] == v for v in range(n))
    ic_rows += cynetdiff_rows("IC", ic_model, seed_list, runs)
    lt_rows += cynetdiff_rows("LT", lt_model, seed_list, runs)
    console.print(
        f"NDlib: one cascade at a time for up to {args.ndlib_seconds:g}s per model "
        f"(at most {args.ndlib_runs} cascades)..."
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ic_rows.append(ndlib_ic(G, seed_list, 0.1, args.ndlib_seconds, args.ndlib_runs, seed))
        lt_rows.append(ndlib_lt(G, seed_list, args.ndlib_seconds, args.ndlib_runs, seed))

    table = Table(title=f"Per-cascade time and mean final reach (BA n = {n:,}, m = {m})")
    for name in ("model", "library", "how it is called"):
        table.add_column(name)
    for name in ("cascades", "ms per cascade", "x peerweave", "mean reach ± 95% CI"):
        table.add_column(name, justify="right")
    table.add_column("same reach")
    verdicts: list[str] = []
    for rows in (ic_rows, lt_rows):
        ref = rows[0]
        assert ref.reach is not None
        for row in rows:
            if row.reach is not None:
                reach = row.reach.text()
                same = (
                    "reference" if row is ref else ("yes" if row.reach.agrees(ref.reach) else "NO")
                )
            else:
                reach, same = f"{row.mean_only:,.1f} (mean only)", "-"
            table.add_row(
                row.model,
                row.library,
                row.how,
                f"{row.cascades:,}",
                f"{row.per_cascade * 1e3:,.3f}",
                f"{row.per_cascade / ref.per_cascade:,.1f}",
                reach,
                same,
            )
        table.add_section()
        verdicts += _verdicts(rows)
    console.print(table)
    console.print(
        "x peerweave: the row's time per cascade over peerweave's first row of the model "
        f"(many cascades in one call, {THREADS} Numba threads, the way peerweave runs them); "
        "CyNetDiff and NDlib run on one core. same reach: the two means differ by less than "
        "their combined 95% interval; rows of independent runs fail this test by chance "
        "about once in 20 (rows with the same runs, such as 1 thread, must give the same sizes)"
    )
    for line in notes + verdicts:
        console.print(line)


def _verdicts(rows: list[Row]) -> list[str]:
    ref = rows[0]
    one_thread = rows[1]
    nd = next(r for r in rows if r.library == "NDlib")
    cy = min((r for r in rows if r.library == "CyNetDiff"), key=lambda r: r.per_cascade)
    assert ref.reach is not None and nd.reach is not None
    cy_reach = next(r.reach for r in rows if r.library == "CyNetDiff" and r.reach is not None)
    vs_nd = nd.per_cascade / ref.per_cascade
    vs_cy = cy.per_cascade / ref.per_cascade
    vs_cy1 = cy.per_cascade / one_thread.per_cascade
    same = ref.reach.agrees(nd.reach) and ref.reach.agrees(cy_reach)
    ok = vs_nd >= 300 and vs_cy >= 1 and same
    return [
        f"{ref.model}: peerweave {ref.per_cascade * 1e3:.3f} ms per cascade; "
        f"{vs_nd:,.0f}x faster than NDlib (target >= 300x), {vs_cy:,.1f}x CyNetDiff's "
        f"fastest call (target >= 1x; on one thread {vs_cy1:,.1f}x); same mean reach: "
        f"{'yes' if same else 'NO'} -> target {'met' if ok else 'MISSED'}"
    ]


# ---------------------------------------------------------------------------------- part 2
def _status(key: str) -> float:
    """``VmHWM`` / ``VmRSS`` of this process, in GiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024 / GIB
    return float("nan")


class Stages:
    """Run named stages; print each one's time and peak memory (``VmHWM`` reset before it)."""

    def __init__(self) -> None:
        self.peaks: list[float] = []
        print(f"{'stage':<58}{'seconds':>9}{'CPU s':>9}{'peak GiB':>10}{'RSS after':>11}")

    def run(self, name: str, fn: Callable[[], Any]) -> tuple[Any, float]:
        gc.collect()
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        start, cpu = time.perf_counter(), time.process_time()
        try:
            out = fn()
        finally:
            secs, cpu = time.perf_counter() - start, time.process_time() - cpu
            peak = _status("VmHWM")
            self.peaks.append(peak)
            print(
                f"{name:<58}{secs:>9.1f}{cpu:>9.1f}{peak:>10.2f}{_status('VmRSS'):>11.2f}",
                flush=True,
            )
        return out, secs


def _generate(n_people: int, seed: int, events_per_person_week: float) -> Any:
    org = generate_organization(n_people, seed=seed, events_per_person_week=events_per_person_week)
    with tempfile.TemporaryDirectory(prefix="peerweave-bench-") as tmp:
        events = write_organization(org, tmp)["events"]
        load = aggregate_events(events, people=org.people)
    return org.people, load.ties[["source", "target", "kind", "weight"]]


def organization(
    st: Stages, n_people: int, seed: int, events_per_person_week: float, use_cache: bool
) -> OrgGraph:
    """The synthetic organization's graph, its people and ties cached as Parquet."""
    cache = CACHE / f"network-{n_people}-seed{seed}-epw{events_per_person_week:g}"
    people_file, ties_file = cache / "people.parquet", cache / "ties.parquet"
    hit = use_cache and people_file.exists() and ties_file.exists()
    print(f"cache {cache}: {'used' if hit else 'not used (generating)'}")
    if hit:
        (people, ties), _ = st.run(
            "load cached people + ties (Parquet)",
            lambda: (pd.read_parquet(people_file), pd.read_parquet(ties_file)),
        )
    else:
        (people, ties), _ = st.run(
            f"generate org + events, aggregate ties ({events_per_person_week:g}/person/week)",
            partial(_generate, n_people, seed, events_per_person_week),
        )
        cache.mkdir(parents=True, exist_ok=True)
        people.to_parquet(people_file)
        ties.to_parquet(ties_file)
        print(f"  cached in {cache}")
    built, _ = st.run("build OrgGraph", partial(OrgGraph.from_frames, people, ties))
    graph: OrgGraph = built
    print(
        f"  {graph.n:,} people, {graph.m:,} directed ties, "
        f"{len(graph.und_indices) // 2:,} undirected edges"
    )
    return graph


def _warm_up_imm() -> None:
    people = pd.DataFrame({"person_id": list("abcdefg")})
    ties = pd.DataFrame({"source": list("aaaaeg"), "target": list("bcdfbe")})
    g = OrgGraph.from_frames(people, ties)
    select_champions(g, 2, model="ic", prob="weighted-cascade")
    simulate(g, [0], SpreadModel("ic", prob="weighted-cascade"), runs=2, steps=2)


def champions(
    n_people: int,
    k_text: str,
    runs: int,
    steps: int,
    seed: int,
    events_per_person_week: float,
    use_cache: bool,
    target_s: float,
) -> None:
    """Part 2: ``select_champions`` on a synthetic organization, then the three seed sets."""
    print(f"\n== Champions (IMM): {n_people:,} people, k = {k_text} ==")
    st = Stages()
    graph = organization(st, n_people, seed, events_per_person_week, use_cache)
    st.run("Numba warm-up (compile or cache load)", _warm_up_imm)
    k = budget(k_text, graph.n)  # a share counts all the people
    model = SpreadModel("ic", prob="weighted-cascade")
    name = f"select_champions(k={k:,}, ic, weighted-cascade, eps 0.1)"
    try:
        pick, t_pick = st.run(
            name,
            partial(select_champions, graph, k, model="ic", prob=model.prob, epsilon=0.1),
        )
    except (PeerweaveError, MemoryError) as error:
        print(f"  select_champions FAILED ({type(error).__name__}): {error}")
        pick, t_pick = None, math.nan
    peak = st.peaks[-1]
    sets: dict[str, Any] = {}
    if pick is not None:
        sets["champions (IMM)"] = pick.positions
        print(
            f"  {pick.rr_sets:,} RR sets; IMM's estimate of the champions' reach "
            f"{pick.estimated_reach:,.0f}; guarantee: {pick.guarantee}"
        )
    sets["hubs (top degree)"] = seed_set(graph, "hubs", k).positions
    sets["random"] = seed_set(graph, "random", k, seed=seed).positions
    reach: dict[str, Reach] = {}
    finished = True
    for label, positions in sets.items():
        sim, _ = st.run(
            f"simulate {label}: {runs:,} runs, {steps} steps",
            partial(simulate, graph, positions, model, runs=runs, steps=steps, seed=seed),
        )
        reach[label] = Reach.of(sim.final_reach)
        finished &= _finished(sim.adopters)

    table = Table(title=f"Final reach of {k:,} seeds, ic weighted-cascade, {runs:,} runs")
    table.add_column("seeds")
    for col in ("mean reach ± 95% CI", "share of people", "champions / this"):
        table.add_column(col, justify="right")
    best = reach.get("champions (IMM)")
    for label, r in reach.items():
        ratio = "-" if best is None else f"{best.mean / r.mean:,.2f}"
        table.add_row(label, r.text(), f"{r.mean / graph.n:.1%}", ratio)
    console.print(table)
    if not finished:
        print(f"  (some runs were still spreading after {steps} steps: raise --imm-steps)")
    met = pick is not None and t_pick < target_s
    print(
        f"select_champions: {t_pick:,.1f}s, peak {peak:.2f} GiB; target (under "
        f"{target_s:,.0f}s): {'met' if met else 'MISSED'}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sim", action="store_true", help="part 1 (the default)")
    parser.add_argument("--imm", action="store_true", help="part 2: champions, 100,000 people")
    parser.add_argument("--large", action="store_true", help="champions, 1,000,000 people")
    parser.add_argument("--quick", action="store_true", help="smoke run at small sizes")
    parser.add_argument("--nodes", type=int, default=10_000, help="BA graph size (part 1)")
    parser.add_argument("--ba-m", type=int, default=4, help="ties of each BA newcomer")
    parser.add_argument("--seed-share", type=float, default=0.01, help="share of seeds")
    parser.add_argument("--runs", type=int, default=10_000, help="peerweave/CyNetDiff cascades")
    parser.add_argument("--single", type=int, default=2_000, help="one-per-call cascades")
    parser.add_argument("--steps", type=int, default=200, help="simulate's steps (enough)")
    parser.add_argument("--ndlib-seconds", type=float, default=45.0, help="NDlib per model")
    parser.add_argument("--ndlib-runs", type=int, default=100, help="most NDlib cascades")
    parser.add_argument("--imm-people", type=int, default=100_000)
    parser.add_argument("--imm-k", default="50", help="champions (part 2): 50 or 5%%")
    parser.add_argument("--imm-runs", type=int, default=1_000)
    parser.add_argument("--imm-steps", type=int, default=500, help="steps of the champions' runs")
    parser.add_argument("--large-people", type=int, default=1_000_000)
    parser.add_argument("--large-k", default="5%", help="champions (--large): a share or count")
    parser.add_argument("--large-runs", type=int, default=200)
    parser.add_argument("--events-per-person-week", type=float, default=4.0)
    parser.add_argument("--no-cache", action="store_true", help="regenerate the organizations")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.quick:
        args.nodes, args.runs, args.single = 2_000, 2_000, 200
        args.ndlib_seconds, args.ndlib_runs = 5.0, 100
        args.imm_people, args.imm_k, args.imm_runs = 5_000, "10", 200
        args.large_people, args.large_runs = 20_000, 100
    print(
        f"{os.cpu_count()} CPUs, {THREADS} Numba threads; load average at start "
        f"{os.getloadavg()[0]:.1f} (other work on the machine slows every library)"
    )
    if args.sim or not (args.imm or args.large):
        simulation(args)
    cache = not args.no_cache
    epw = args.events_per_person_week
    if args.imm:
        champions(
            args.imm_people, args.imm_k, args.imm_runs, args.imm_steps, args.seed, epw, cache, 60.0
        )
    if args.large:
        champions(
            args.large_people,
            args.large_k,
            args.large_runs,
            args.imm_steps,
            args.seed,
            epw,
            cache,
            600.0,
        )
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
