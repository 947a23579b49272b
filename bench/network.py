"""Benchmark: the network analysis against networkx, and the full suite at a million people.

Part 1 (``--small``): a synthetic organization of ``--people`` (20,000) people, its events
aggregated into ties (DuckDB) and built into an ``OrgGraph``; every person metric timed in
peerweave and, in the same process, its networkx equivalent on ``to_networkx()`` (directed,
for PageRank and strength) or ``to_networkx(directed=False)`` (everything else), with the
largest absolute difference between the two results. networkx's exact betweenness, harmonic
closeness and Burt's measures would take hours, so they run on a documented uniform sample
(``--sources`` BFS sources, ``--nodes`` people; ``numpy.random.default_rng(seed)``) and
their full time is extrapolated linearly; the comparison then uses exactly what networkx
computed: ``betweenness_centrality_subset`` and ``harmonic_centrality(sources=...)`` against
peerweave's raw Brandes kernel on the same sources, ``constraint``/``effective_size`` on the
sampled people against peerweave's values for them. networkx has no Leiden: its Louvain is
timed instead and the two modularities are shown. Numba uses both cores; networkx one.

Part 2 (``--large``): 1,000,000 people and about 22 million directed ties, the full suite
with sampled betweenness; the time (wall clock, and the CPU time of all threads: on a busy
machine the wall clock stretches, the CPU time much less) and peak memory of every stage.
The peak is the process's high-water mark (``VmHWM``), reset before each stage by writing
``5`` to ``/proc/self/clear_refs``. The people and ties are cached as Parquet under
``bench/.cache`` so that reruns skip the generation and the aggregation.

    python bench/network.py                # both parts
    python bench/network.py --quick        # smoke run: 3,000 people, then 60,000
    python bench/network.py --small --people 20000 --sources 200 --nodes 500
    python bench/network.py --large --large-people 1000000
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import networkx as nx
import numba
import numpy as np
import pandas as pd

from peerweave.ingest.events import aggregate_events
from peerweave.ingest.synthetic import generate_organization, write_organization
from peerweave.network.analysis import AnalysisOptions, analyze
from peerweave.network.brokerage import brokerage, cut_off
from peerweave.network.graph import OrgGraph
from peerweave.network.groups import formal_vs_informal, group_report, whole_network
from peerweave.network.metrics import (
    MetricOptions,
    eigenvector,
    leiden,
    pagerank,
)
from peerweave.network.paths import brandes, path_metrics
from peerweave.network.roles import assign_roles

CACHE = Path(__file__).resolve().parent / ".cache"
GIB = 1024**3


def build(
    n_people: int, seed: int, events_per_person_week: float = 4.0
) -> tuple[pd.DataFrame, pd.DataFrame, int, str]:
    """Synthetic people and their aggregated ties: ``(people, ties, events, report)``."""
    org = generate_organization(n_people, seed=seed, events_per_person_week=events_per_person_week)
    with tempfile.TemporaryDirectory(prefix="peerweave-bench-") as tmp:
        paths = write_organization(org, tmp)
        load = aggregate_events(paths["events"], people=org.people)
    return org.people, load.ties, load.report.rows_read, load.report.summary()


def warm_up() -> float:
    """Load (or compile) every Numba kernel on a tiny graph; return the seconds it took."""
    start = time.perf_counter()
    people = pd.DataFrame({"person_id": list("abcdef"), "department": list("xxxyyy")})
    ties = pd.DataFrame({"source": list("abcdea"), "target": list("bcadfd")})
    analyze(OrgGraph.from_frames(people, ties))
    return time.perf_counter() - start


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """``(fn(), seconds)``."""
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


# ---------------------------------------------------------------------------------- part 1
@dataclass
class Row:
    """One line of the comparison table."""

    metric: str
    ours: float
    theirs: float | None
    how: str
    diff: str
    same: bool | None


def _values(d: dict[Any, Any], keys: np.ndarray) -> np.ndarray:
    return np.array([d[k] for k in keys.tolist()], dtype=np.float64)


def _gap(a: np.ndarray, b: np.ndarray) -> float:
    """Largest absolute difference, NaN matching NaN (inf if NaN is only on one side)."""
    na, nb = np.isnan(a), np.isnan(b)
    if (na != nb).any():
        return float("inf")
    return float(np.max(np.abs(a[~na] - b[~nb]), initial=0.0))


def _row(metric: str, ours: float, theirs: float | None, how: str, gap: float, tol: float) -> Row:
    return Row(metric, ours, theirs, how, f"{gap:.1e}", gap <= tol)


def small(n_people: int, seed: int, n_sources: int, n_nodes: int) -> None:
    """Part 1: every metric, peerweave against networkx, on ``n_people`` people."""
    print(f"\n== Part 1: peerweave vs networkx {nx.__version__}, {n_people:,} people ==")
    (people, ties, events, _), secs = timed(lambda: build(n_people, seed))
    graph, g_secs = timed(lambda: OrgGraph.from_frames(people, ties))
    n = graph.n
    edges = len(graph.und_indices) // 2
    print(
        f"synthetic org (seed {seed}): {events:,} events -> {len(ties):,} ties in {secs:.1f}s; "
        f"OrgGraph in {g_secs:.2f}s: {n:,} people, {graph.m:,} directed ties, "
        f"{edges:,} undirected edges"
    )
    print(f"Numba warm-up (kernel cache load) {warm_up():.1f}s, not counted")
    ids = graph.ids

    # ---- peerweave, one metric at a time, as person_metrics computes them
    def degree_strength() -> tuple[np.ndarray, np.ndarray]:
        return np.diff(graph.und_indptr), graph.in_strength() + graph.out_strength()

    (deg, strength), t_deg = timed(degree_strength)
    pr, t_pr = timed(lambda: pagerank(graph))
    ev, t_ev = timed(lambda: eigenvector(graph))
    pm, t_paths = timed(lambda: path_metrics(graph, exact_max=n))
    (con, esize), t_bro = timed(lambda: brokerage(graph))
    g, t_ig = timed(lambda: graph.to_igraph(directed=False))
    clust, t_cl = timed(lambda: np.asarray(g.transitivity_local_undirected(mode="zero")))
    core, t_core = timed(lambda: np.asarray(g.coreness()))
    (_, q_ours), t_leiden = timed(lambda: leiden(graph, igraph_graph=g))
    exact = AnalysisOptions(metrics=MetricOptions(exact_max=n))
    _, t_analyze = timed(lambda: analyze(graph, exact))
    assert pm.exact, "part 1 compares exact betweenness"

    # ---- networkx
    G, t_nxd = timed(lambda: graph.to_networkx())
    U, t_nxu = timed(lambda: graph.to_networkx(directed=False))
    print(
        f"networkx graphs built in {t_nxd:.1f}s (directed) + {t_nxu:.1f}s (undirected), not counted"
    )
    rng = np.random.default_rng(seed)
    k = min(n_sources, n)
    sources = np.sort(rng.choice(n, size=k, replace=False))
    kn = min(n_nodes, n)
    nodes = np.sort(rng.choice(n, size=kn, replace=False))
    src_ids, node_ids = ids[sources].tolist(), ids[nodes].tolist()
    scale_s, scale_n = n / k, n / kn
    sampled_s = "measured" if k == n else f"extrapolated from {k:,} of {n:,} sources"
    sampled_n = "measured" if kn == n else f"extrapolated from {kn:,} of {n:,} people"
    rows: list[Row] = []

    def nx_degree() -> tuple[dict[Any, Any], dict[Any, Any]]:
        return dict(U.degree()), dict(G.degree(weight="weight"))

    (nd, ns), t = timed(nx_degree)
    gap = max(_gap(deg.astype(float), _values(nd, ids)), _gap(strength, _values(ns, ids)))
    rows.append(_row("degree + strength", t_deg, t, "measured", gap, 1e-9))

    # same stopping rule as peerweave (L1 change < 1e-12; networkx's default tol=1e-6 stops
    # at an L1 change below n * 1e-6, too early to agree to 1e-9)
    npr, t = timed(lambda: nx.pagerank(G, weight="weight", tol=1e-12 / n, max_iter=1000))
    rows.append(
        _row("pagerank", t_pr, t, "measured (same tolerance)", _gap(pr, _values(npr, ids)), 1e-9)
    )

    # networkx refuses a disconnected graph here (AmbiguousSolution): run it on the largest
    # connected component, where peerweave's leading eigenvector lives too
    largest: set[Any] = max(nx.connected_components(U), key=lambda c: len(c))
    giant = np.sort(graph.index.get_indexer(list(largest)))
    Ug = U.subgraph(ids[giant].tolist()).copy()
    nev, t = timed(lambda: nx.eigenvector_centrality_numpy(Ug, weight="weight"))
    nev_a = np.abs(_values(nev, ids[giant]))
    rows.append(
        _row(
            "eigenvector",
            t_ev,
            t,
            f"measured (largest component, {len(giant):,} people)",
            max(
                _gap(ev[giant], nev_a / nev_a.max()),
                float(np.abs(np.delete(ev, giant)).max(initial=0)),
            ),
            1e-6,
        )
    )

    # betweenness and harmonic: networkx on the sampled sources, peerweave's raw kernel on them
    raw_b, raw_h, _, _ = brandes(graph.und_indptr, graph.und_indices, sources)
    nb, tb = timed(
        lambda: nx.betweenness_centrality_subset(U, src_ids, ids.tolist(), normalized=False)
    )
    nh, th = timed(lambda: nx.harmonic_centrality(U, sources=src_ids))
    # both as the Brandes-Pich estimate from these sources, normalised like the metric
    norm_b = scale_s / ((n - 1) * (n - 2))
    gap_b = _gap(raw_b * norm_b, 2.0 * _values(nb, ids) * norm_b)
    gap_h = _gap(raw_h * scale_s / (n - 1), _values(nh, ids) * scale_s / (n - 1))
    rows.append(
        Row(
            "betweenness + harmonic",
            t_paths,
            (tb + th) * scale_s,
            sampled_s,
            f"{gap_b:.1e} / {gap_h:.1e}",
            max(gap_b, gap_h) <= 1e-12,
        )
    )

    ncl, t = timed(lambda: nx.clustering(U))
    gap = _gap(clust, _values(ncl, ids))
    rows.append(Row("igraph graph (clustering, core, Leiden)", t_ig, None, "-", "-", None))
    rows.append(_row("clustering", t_cl, t, "measured", gap, 1e-12))

    nco, tc = timed(lambda: nx.constraint(U, nodes=node_ids, weight="weight"))
    nes, te = timed(lambda: nx.effective_size(U, nodes=node_ids, weight="weight"))
    gap_c = _gap(con[nodes], _values(nco, ids[nodes]))
    nes_a = _values(nes, ids[nodes])
    gap_e = _gap(esize[nodes], np.where(np.isnan(nes_a), 0.0, nes_a))  # isolates: ours 0
    rows.append(
        Row(
            "constraint + effective size",
            t_bro,
            (tc + te) * scale_n,
            sampled_n,
            f"{gap_c:.1e} / {gap_e:.1e}",
            max(gap_c, gap_e) <= 1e-9,
        )
    )

    ncore, t = timed(lambda: nx.core_number(U))
    rows.append(
        _row("core", t_core, t, "measured", _gap(core.astype(float), _values(ncore, ids)), 0)
    )

    louvain, t = timed(lambda: nx.community.louvain_communities(U, weight="weight", seed=seed))
    q_nx = nx.community.modularity(U, louvain, weight="weight")
    rows.append(
        Row(
            "Leiden (networkx: Louvain)",
            t_leiden,
            t,
            "measured; networkx has no Leiden",
            f"Q {q_ours:.4f} vs {q_nx:.4f}",
            None,
        )
    )

    print(
        f"\n{'metric':<40}{'peerweave s':>12}{'networkx s':>13}{'ratio':>9}  "
        f"{'max |diff|':<28}{'networkx time'}"
    )
    for r in rows:
        theirs = "-" if r.theirs is None else f"{r.theirs:,.2f}"
        ratio = "-" if r.theirs is None else f"{r.theirs / r.ours:,.0f}x"
        verdict = "" if r.same is None else ("same" if r.same else "DIFFERENT")
        print(
            f"{r.metric:<40}{r.ours:>12.3f}{theirs:>13}{ratio:>9}  "
            f"{(r.diff + ' ' + verdict):<28}{r.how}"
        )
    ours_total = sum(r.ours for r in rows)
    nx_total = sum(r.theirs or 0.0 for r in rows)
    print(
        f"{'total (sum of rows)':<40}{ours_total:>12.3f}{nx_total:>13,.2f}"
        f"{nx_total / ours_total:>8,.0f}x"
    )
    print(
        f"analyze() (metrics + cut-off + roles + groups + whole network + formal vs informal): "
        f"{t_analyze:.2f}s -> networkx's metrics alone are {nx_total / t_analyze:,.0f}x slower"
    )
    print(
        f"networkx measured: betweenness_centrality_subset {tb:.1f}s and harmonic_centrality "
        f"{th:.1f}s on {k:,} sources, constraint {tc:.1f}s and effective_size {te:.1f}s on "
        f"{kn:,} people (x {scale_s:.0f} and x {scale_n:.0f} for the full graph)"
    )
    ok = all(r.same is not False for r in rows)
    print(f"same results: {'yes' if ok else 'NO'}")


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
        print(f"{'stage':<50}{'seconds':>9}{'CPU s':>9}{'peak GiB':>10}{'RSS after':>11}")

    def run(self, name: str, fn: Callable[[], Any]) -> Any:
        gc.collect()
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        start, cpu = time.perf_counter(), time.process_time()
        out = fn()
        secs, cpu = time.perf_counter() - start, time.process_time() - cpu
        peak = _status("VmHWM")
        self.peaks.append(peak)
        print(
            f"{name:<50}{secs:>9.1f}{cpu:>9.1f}{peak:>10.2f}{_status('VmRSS'):>11.2f}", flush=True
        )
        return out, secs


def _generate(n_people: int, seed: int, events_per_person_week: float, out: str) -> Any:
    org = generate_organization(n_people, seed=seed, events_per_person_week=events_per_person_week)
    return org.people, write_organization(org, out)["events"]


def _groups(graph: OrgGraph, attrs: list[str]) -> list[Any]:
    return [group_report(graph, a) for a in attrs]


def _load(people_file: Path, ties_file: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.read_parquet(people_file), pd.read_parquet(ties_file)


def large(n_people: int, seed: int, events_per_person_week: float, use_cache: bool) -> None:
    """Part 2: the full suite on ``n_people`` people, stage by stage."""
    print(f"\n== Part 2: {n_people:,} people, stage by stage ==")
    cache = CACHE / f"network-{n_people}-seed{seed}-epw{events_per_person_week:g}"
    people_file, ties_file = cache / "people.parquet", cache / "ties.parquet"
    hit = use_cache and people_file.exists() and ties_file.exists()
    print(f"cache {cache}: {'used' if hit else 'not used (generating)'}")
    st = Stages()
    if hit:
        (people, ties), t_in = st.run(
            "load cached people + ties (Parquet)", partial(_load, people_file, ties_file)
        )
    else:
        with tempfile.TemporaryDirectory(prefix="peerweave-bench-") as tmp:
            (people, events), _ = st.run(
                f"generate org + events ({events_per_person_week:g}/person/week)",
                partial(_generate, n_people, seed, events_per_person_week, tmp),
            )
            load, t_in = st.run(
                "aggregate events -> ties (DuckDB)",
                partial(aggregate_events, events, people=people),
            )
        print(f"  {load.report.summary()}")
        ties = load.ties[["source", "target", "kind", "weight"]]
        del load
        cache.mkdir(parents=True, exist_ok=True)
        people.to_parquet(people_file)
        ties.to_parquet(ties_file)
        print(f"  cached in {cache}")
    print(f"  {len(people):,} people, {len(ties):,} ties")
    st.run("Numba warm-up (kernel cache load)", warm_up)
    graph, t_graph = st.run("build OrgGraph", partial(OrgGraph.from_frames, people, ties))
    del ties, people
    print(f"  {graph.n:,} nodes, {graph.m:,} arcs, {len(graph.und_indices) // 2:,} edges")

    st.run("degree + strength", lambda: graph.in_strength() + graph.out_strength())
    st.run("pagerank", partial(pagerank, graph))
    st.run("eigenvector", partial(eigenvector, graph))
    pm, _ = st.run("betweenness + harmonic (sampled)", partial(path_metrics, graph))
    st.run("constraint + effective size", partial(brokerage, graph))
    g, _ = st.run(
        "igraph graph from CSR (clustering, core, Leiden)", partial(graph.to_igraph, directed=False)
    )
    st.run("clustering (igraph)", partial(g.transitivity_local_undirected, mode="zero"))
    st.run("core (igraph)", g.coreness)
    st.run("Leiden (igraph)", partial(leiden, graph, igraph_graph=g))
    del g
    st.run("cut-off (articulation points)", partial(cut_off, graph))
    result, t_analyze = st.run("analyze() - the full suite, one call", partial(analyze, graph))
    # the parts of analyze() after the metrics, timed alone on analyze()'s own metrics table
    table = result.metrics.table
    st.run("  of which roles (incl. cut-off)", partial(assign_roles, graph, table))
    attrs = [a for a in ("department", "team", "location") if a in graph.people.columns]
    st.run(f"  of which groups ({', '.join(attrs)})", partial(_groups, graph, attrs))
    clustering = table["clustering"].to_numpy(dtype=np.float64)
    st.run("  of which whole network", partial(whole_network, graph, clustering=clustering))
    communities = table["community"].to_numpy(dtype=np.int64)
    st.run("  of which formal vs informal", partial(formal_vs_informal, graph, communities))

    print(
        f"\nfull suite: analyze() {t_analyze:.1f}s; + building the OrgGraph {t_graph:.1f}s = "
        f"{t_analyze + t_graph:.1f}s ({(t_analyze + t_graph) / 60:.1f} min); "
        f"+ {'loading the cached ties' if hit else 'aggregating the events'} {t_in:.1f}s = "
        f"{(t_analyze + t_graph + t_in) / 60:.1f} min"
    )
    minutes = (t_analyze + t_graph) / 60
    print(
        f"peak memory over all stages: {max(st.peaks):.2f} GiB; target (OrgGraph + analyze() "
        f"under 10 min, under 16 GiB): {'met' if minutes < 10 and max(st.peaks) < 16 else 'MISSED'}"
    )
    s = result.summary()
    print(
        f"betweenness from {pm.sources:,} pivots, error bound {pm.error_bound:.3f} "
        f"(probability {1 - pm.delta:.0%}); {s['communities']:,} communities, modularity "
        f"{s['modularity']:.3f}; {s['components']:,} components; roles {s['roles']}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    part = parser.add_mutually_exclusive_group()
    part.add_argument("--small", action="store_true", help="part 1 only (vs networkx)")
    part.add_argument("--large", action="store_true", help="part 2 only (1,000,000 people)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 3,000 then 60,000")
    parser.add_argument("--people", type=int, default=20_000, help="part 1 size")
    parser.add_argument("--large-people", type=int, default=1_000_000, help="part 2 size")
    parser.add_argument("--sources", type=int, default=200, help="networkx BFS sources (part 1)")
    parser.add_argument("--nodes", type=int, default=500, help="networkx Burt sample (part 1)")
    parser.add_argument("--events-per-person-week", type=float, default=4.0, help="part 2")
    parser.add_argument("--no-cache", action="store_true", help="regenerate part 2's ties")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(
        f"{os.cpu_count()} CPUs, {numba.get_num_threads()} Numba threads; "
        f"load average at start {os.getloadavg()[0]:.1f} (other work on the machine slows both sides)"
    )
    if args.quick:
        args.people, args.large_people = 3_000, 60_000
    if not args.large:
        small(args.people, args.seed, args.sources, args.nodes)
    if not args.small:
        large(args.large_people, args.seed, args.events_per_person_week, not args.no_cache)
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
