"""NetRate: the cascade generator's laws, the per-person optimum, recovery of planted ties."""

from __future__ import annotations

import math
from collections import defaultdict

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from peerweave.errors import InputError, MissingColumnError
from peerweave.network.graph import OrgGraph
from peerweave.spread.netrate import (
    cascades_from_adoptions,
    infer_influence,
    reverse_arcs,
    score_recovery,
    simulate_cascades,
    true_rates,
)


def _regular(n: int = 200, seed: int = 1) -> OrgGraph:
    return OrgGraph.from_networkx(nx.random_regular_graph(6, n, seed=seed))


def _planted(graph: OrgGraph, seed: int = 0, live: float = 0.4) -> np.ndarray:
    rng = np.random.default_rng(seed)
    m = len(graph.und_indices)
    return np.where(rng.random(m) < live, rng.uniform(0.5, 1.5, m), 0.0)


def _star(n_leaves: int = 1) -> OrgGraph:
    leaves = [f"l{i}" for i in range(n_leaves)]
    return OrgGraph.from_frames(
        pd.DataFrame({"person_id": ["hub", *leaves]}),
        pd.DataFrame({"source": ["hub"] * n_leaves, "target": leaves}),
    )


# ---------------------------------------------------------------------------- arcs
def test_reverse_arcs_against_brute_force() -> None:
    g = _regular(50, seed=3)
    rev = reverse_arcs(g.und_indptr, g.und_indices)
    src = np.repeat(np.arange(g.n), np.diff(g.und_indptr))
    where = {(int(u), int(v)): e for e, (u, v) in enumerate(zip(src, g.und_indices, strict=True))}
    assert [int(r) for r in rev] == [
        where[(int(v), int(u))] for u, v in zip(src, g.und_indices, strict=True)
    ]
    with pytest.raises(ValueError, match="not symmetric"):
        reverse_arcs(np.array([0, 1, 1]), np.array([1]))
    with pytest.raises(ValueError, match="not a tie"):
        true_rates(_star(2), {("l0", "l1"): 1.0})


# ---------------------------------------------------------------------------- cascades
def test_cascade_delays_follow_their_laws() -> None:
    g = _star(1)
    rates = true_rates(g, {("hub", "l0"): 2.0})
    n = 4000
    exp = simulate_cascades(g, rates, cascades=n, horizon=1e9, sources=[0], seed=1)
    t = exp.loc[exp["person_id"] == "l0", "time"].to_numpy()
    assert len(t) == n and stats.kstest(t, "expon", args=(0, 0.5)).pvalue > 0.001
    pl = simulate_cascades(
        g, rates, cascades=n, horizon=1e9, sources=[0], seed=2, model="power-law", delta=0.1
    )
    t = pl.loc[pl["person_id"] == "l0", "time"].to_numpy()
    assert t.min() >= 0.1 and stats.kstest(t, "pareto", args=(2.0, 0, 0.1)).pvalue > 0.001
    ray = simulate_cascades(
        g, rates, cascades=n, horizon=1e9, sources=[0], seed=3, model="rayleigh"
    )
    t = ray.loc[ray["person_id"] == "l0", "time"].to_numpy()
    assert stats.kstest(t, "rayleigh", args=(0, 1 / math.sqrt(2.0))).pvalue > 0.001


def test_cascades_take_the_first_arrival_and_stop_at_the_horizon() -> None:
    g = OrgGraph.from_frames(
        pd.DataFrame({"person_id": ["a", "b", "c"]}),
        pd.DataFrame({"source": ["a", "b"], "target": ["c", "c"]}),
    )
    rates = true_rates(g, {("a", "c"): 1.0, ("b", "c"): 1.0})
    frame = simulate_cascades(g, rates, cascades=4000, horizon=1e9, sources=[0, 1], seed=4)
    t = frame.loc[frame["person_id"] == "c", "time"].to_numpy()
    assert stats.kstest(t, "expon", args=(0, 0.5)).pvalue > 0.001  # min of two Exp(1)
    cut = simulate_cascades(g, rates, cascades=4000, horizon=0.3, sources=[0, 1], seed=4)
    assert cut["time"].max() < 0.3
    assert (cut["person_id"] == "c").mean() == pytest.approx(
        (1 - math.exp(-0.6)) / (2 + (1 - math.exp(-0.6))), abs=0.02
    )


def test_cascades_are_reproducible_and_start_from_active_people() -> None:
    people = pd.DataFrame({"person_id": list("abcd"), "opted_out": [False, True, False, False]})
    g = OrgGraph.from_frames(people, pd.DataFrame({"source": list("abc"), "target": list("bcd")}))
    rates = np.ones(len(g.und_indices))
    one = simulate_cascades(g, rates, cascades=50, horizon=3.0, seed=7, sources=2)
    two = simulate_cascades(g, rates, cascades=50, horizon=3.0, seed=7, sources=2)
    pd.testing.assert_frame_equal(one, two)
    assert "b" not in set(one["person_id"])
    with pytest.raises(ValueError, match="sources must be between"):
        simulate_cascades(g, rates, cascades=1, horizon=1.0, sources=4)
    with pytest.raises(ValueError, match="one value per arc"):
        simulate_cascades(g, rates[:-1], cascades=1, horizon=1.0)
    with pytest.raises(ValueError, match="unknown transmission model"):
        simulate_cascades(g, rates, cascades=1, horizon=1.0, model="gamma")


# ---------------------------------------------------------------------------- the optimum
def _brute_objective(
    graph: OrgGraph, cascades: pd.DataFrame, horizon: float, model: str, delta: float
) -> dict[int, tuple[list[int], list[list[tuple[int, float]]], dict[int, float]]]:
    """Each person's problem from the formula: parents, log-term rows, linear coefficients."""
    idx = {pid: i for i, pid in enumerate(graph.ids)}
    contacts = {
        v: set(graph.und_indices[graph.und_indptr[v] : graph.und_indptr[v + 1]].tolist())
        for v in range(graph.n)
    }

    def terms(gap: float) -> tuple[float, float]:
        if model == "exponential":
            return 1.0, gap
        if model == "rayleigh":
            return gap, gap * gap / 2
        return (1.0 / gap, math.log(gap / delta)) if gap > delta else (0.0, 0.0)

    out: dict[int, tuple[list[int], list[list[tuple[int, float]]], dict[int, float]]] = {}
    for i in range(graph.n):
        rows: list[list[tuple[int, float]]] = []
        lin: dict[int, float] = defaultdict(float)
        for _, c in cascades.groupby("cascade"):
            t = {idx[p]: float(x) for p, x in zip(c["person_id"], c["time"], strict=True)}
            ti = t.get(i, math.inf)
            row = []
            for j in contacts[i]:
                if j in t and t[j] < ti:
                    h, psi = terms((ti if ti < math.inf else horizon) - t[j])
                    lin[j] += psi
                    if ti < math.inf and h > 0:
                        row.append((j, h))
            if row:
                rows.append(row)
        out[i] = (sorted(contacts[i]), rows, dict(lin))
    return out


@pytest.mark.parametrize("model", ["exponential", "power-law", "rayleigh"])
def test_each_person_gets_the_maximum_of_their_likelihood(model: str) -> None:
    g = _regular(30, seed=5)
    rates = _planted(g, seed=2, live=0.5)
    cascades = simulate_cascades(
        g, rates, cascades=40, horizon=2.0, sources=2, seed=3, model=model, delta=0.05
    )
    inf = infer_influence(g, cascades, horizon=2.0, model=model, delta=0.05, threshold=0.0)
    rev = reverse_arcs(g.und_indptr, g.und_indices)
    alpha_in = np.empty_like(inf.rates)
    alpha_in[rev] = inf.rates  # entry q of row i: rate of und_indices[q] → i
    total = 0.0
    for i, (parents, rows, lin) in _brute_objective(g, cascades, 2.0, model, 0.05).items():
        q0 = g.und_indptr[i]
        alpha = {
            j: float(alpha_in[q0 + k])
            for k, j in enumerate(g.und_indices[q0 : g.und_indptr[i + 1]])
        }
        sums = [sum(alpha[j] * h for j, h in row) for row in rows]
        total += sum(math.log(s) for s in sums) - sum(alpha[j] * b for j, b in lin.items())
        for j in parents:
            grad = sum(
                h / s for row, s in zip(rows, sums, strict=True) for jj, h in row if jj == j
            ) - lin.get(j, 0.0)
            in_rows = any(jj == j for row in rows for jj, _ in row)
            if not in_rows:
                assert alpha[j] == 0.0  # no evidence: no influence
            elif alpha[j] > 1e-6:
                assert abs(grad) < 1e-3 * (1 + lin.get(j, 0.0))  # stationary
            else:
                assert grad < 1e-3  # at the bound, the likelihood would fall inside
    assert inf.log_likelihood == pytest.approx(total, rel=1e-6, abs=1e-6)


# ---------------------------------------------------------------------------- recovery
def test_recovery_improves_with_cascades() -> None:
    g = _regular(200, seed=1)
    truth = _planted(g, seed=0)
    scores = {}
    for count in (50, 500):
        cascades = simulate_cascades(g, truth, cascades=count, horizon=3.0, sources=2, seed=count)
        inf = infer_influence(g, cascades, horizon=3.0)
        scores[count] = score_recovery(inf.rates, truth, threshold=0.1)
    assert scores[50]["precision"] >= 0.9 and scores[50]["recall"] >= 0.85
    assert scores[500]["precision"] >= 0.98 and scores[500]["recall"] >= 0.98
    assert scores[500]["f1"] > scores[50]["f1"]


@pytest.mark.parametrize("model", ["power-law", "rayleigh"])
def test_recovery_other_transmission_models(model: str) -> None:
    g = _regular(200, seed=2)
    truth = _planted(g, seed=1)
    cascades = simulate_cascades(
        g, truth, cascades=300, horizon=3.0, sources=2, seed=5, model=model
    )
    inf = infer_influence(g, cascades, horizon=3.0, model=model)
    score = score_recovery(inf.rates, truth, threshold=0.1)
    assert score["precision"] >= 0.95 and score["recall"] >= 0.95


def test_influencers_in_fact_rank_the_strong_sources_first() -> None:
    g = _regular(200, seed=4)
    truth = _planted(g, seed=3, live=0.3)
    src = np.repeat(np.arange(g.n), np.diff(g.und_indptr))
    strong = np.argsort(-np.bincount(src, weights=truth, minlength=g.n))[:5]
    truth[np.isin(src, strong) & (truth > 0)] *= 3  # five planted influencers
    cascades = simulate_cascades(g, truth, cascades=400, horizon=2.0, sources=2, seed=9)
    inf = infer_influence(g, cascades, horizon=2.0)
    top = set(inf.influencers["person_id"].head(8))
    assert set(g.ids[strong]) <= top
    expected = np.bincount(src, weights=truth, minlength=g.n)
    got = inf.influencers.set_index("person_id")["strength"].reindex(g.ids).fillna(0.0)
    assert stats.spearmanr(expected, got.to_numpy()).statistic > 0.9
    row = inf.influencers.iloc[0]
    assert row["cascades_preceded"] > 0 and row["contacts_followed"] >= row["cascades_preceded"]


@pytest.mark.slow  # starts two processes
def test_workers_give_the_same_answer() -> None:
    g = _regular(60, seed=6)
    truth = _planted(g, seed=4)
    cascades = simulate_cascades(g, truth, cascades=60, horizon=2.0, sources=2, seed=2)
    one = infer_influence(g, cascades, horizon=2.0)
    two = infer_influence(g, cascades, horizon=2.0, workers=2)
    assert np.allclose(one.rates, two.rates)
    pd.testing.assert_frame_equal(one.ties, two.ties)


# ---------------------------------------------------------------------------- input
def test_adoption_records_become_cascades() -> None:
    g = _star(3)
    a = pd.DataFrame(
        {
            "person_id": ["hub", "l0", "l1"],
            "adopted_at": pd.to_datetime(["2025-01-06", "2025-01-13", "2025-01-20"]),
        }
    )
    b = pd.DataFrame(
        {
            "person_id": ["hub", "l2", "ghost"],
            "adopted_at": pd.to_datetime(["2025-03-03", "2025-03-10", "2025-03-11"]),
        }
    )
    frame, horizon = cascades_from_adoptions(
        {"wiki": a, "retro": b},
        started_at={"wiki": "2025-01-06", "retro": "2025-03-03"},
        now="2025-03-31",
    )
    assert horizon == {"wiki": 12.0, "retro": 4.0}
    inf = infer_influence(g, frame, horizon=horizon)
    assert set(inf.ties["source"]) == {"hub"}
    assert (
        inf.influencers.loc[0, "person_id"] == "hub"
        and inf.influencers.loc[0, "cascades_preceded"] == 2
    )
    assert any("not in the network" in n for n in inf.notes)
    with pytest.raises(ValueError, match="no start given"):
        cascades_from_adoptions({"x": a}, started_at={}, now="2025-03-31")


def test_bad_input() -> None:
    g = _star(2)
    frame = pd.DataFrame({"cascade": [0, 0], "person_id": ["hub", "l0"], "time": [0.0, 1.0]})
    with pytest.raises(MissingColumnError, match="time"):
        infer_influence(g, frame.drop(columns="time"), horizon=2.0)
    with pytest.raises(ValueError, match="no horizon for cascade"):
        infer_influence(g, frame, horizon={1: 2.0})
    with pytest.raises(ValueError, match="horizon must be > 0"):
        infer_influence(g, frame, horizon=0.0)
    with pytest.raises(InputError, match="not numbers"):
        infer_influence(g, frame.assign(time=["soon", 1.0]), horizon=2.0)
    with pytest.raises(ValueError, match="unknown transmission model"):
        infer_influence(g, frame, horizon=2.0, model="weibull")
    late = infer_influence(g, frame, horizon=0.5)
    assert late.ties.empty and any("horizon" in n for n in late.notes)
    empty = infer_influence(g, frame.iloc[0:0], horizon=1.0)
    assert empty.ties.empty and empty.influencers.empty and empty.cascades == 0
