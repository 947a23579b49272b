"""Model fitting: exact likelihoods against brute force, coverage of the intervals, re-forecast."""

from __future__ import annotations

import dataclasses
import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from peerweave.errors import InputError
from peerweave.network.graph import OrgGraph
from peerweave.spread.fit import _without, fit_contagion, reforecast
from peerweave.spread.model import SpreadModel, arc_probabilities
from peerweave.spread.simulate import simulate


def _graph(n: int = 600, seed: int = 0, weighted: bool = False) -> OrgGraph:
    G = nx.random_regular_graph(6, n, seed=seed)
    rng = np.random.default_rng(seed)
    for u, v in G.edges:
        G[u][v]["weight"] = float(rng.choice([0.5, 1.0, 2.0, 4.0])) if weighted else 1.0
    return OrgGraph.from_networkx(G)


def _run(
    graph: OrgGraph, model: SpreadModel, *, seed: int, seeds: int = 10, steps: int = 10
) -> np.ndarray:
    """Adoption steps of one simulated run (first adoption of each person)."""
    start = np.random.default_rng(seed).choice(graph.n, size=seeds, replace=False)
    tree = simulate(graph, start, model, runs=1, steps=steps, seed=seed).tree
    first = tree.drop_duplicates("person_id")
    out = np.full(graph.n, -1, dtype=np.int64)
    out[graph.index.get_indexer(first["person_id"])] = first["step"].to_numpy()
    return out


def _ic_loglik_brute(graph: OrgGraph, s: np.ndarray, probs: np.ndarray, last: int) -> float:
    """The IC log-likelihood person by person, step by step, straight from the definition."""
    indptr, indices = graph.und_indptr, graph.und_indices
    contacts_in: dict[int, list[tuple[int, float]]] = {v: [] for v in range(graph.n)}
    for u in range(graph.n):
        for j in range(indptr[u], indptr[u + 1]):
            contacts_in[int(indices[j])].append((u, float(probs[j])))
    total = 0.0
    for v in range(graph.n):
        if s[v] == 0:
            continue
        end = s[v] if s[v] > 0 else last + 1
        for tau in range(1, end + 1):
            if tau > last:
                break
            exposed = [p for u, p in contacts_in[v] if s[u] == tau - 1]
            if not exposed:
                continue
            stay = math.prod(1 - p for p in exposed)
            if tau == s[v]:
                total += math.log(1 - stay)
            else:
                total += math.log(stay)
    return total


# ---------------------------------------------------------------------------- ic
def test_ic_likelihood_equals_brute_force() -> None:
    g = _graph(120, seed=3, weighted=True)
    truth = SpreadModel(prob="tie-weight:0.3")
    s = _run(g, truth, seed=1, seeds=4, steps=6)
    fit = fit_contagion(g, s, SpreadModel(prob="tie-weight"), last_step=6)
    for row in fit.profile.itertuples():
        if 0 < row.value < 1:
            probs = arc_probabilities(g, f"tie-weight:{float(row.value)!r}")
            assert row.log_likelihood == pytest.approx(_ic_loglik_brute(g, s, probs, 6), rel=1e-9)
    # the maximum, found independently by a bounded scalar search on the brute-force function
    res = optimize.minimize_scalar(
        lambda p: -_ic_loglik_brute(g, s, arc_probabilities(g, f"tie-weight:{float(p)!r}"), 6),
        bounds=(1e-4, 0.999),
        method="bounded",
        options={"xatol": 1e-7},
    )
    assert fit.estimate("P") == pytest.approx(float(res.x), abs=1e-4)
    assert fit.log_likelihood == pytest.approx(-float(res.fun), rel=1e-6)
    # the interval ends lie 1.92 log-likelihood units below the maximum
    cutoff = stats.chi2.ppf(0.95, 1) / 2
    for end in ("low", "high"):
        p = float(fit.parameters.loc[0, end])
        value = _ic_loglik_brute(g, s, arc_probabilities(g, f"tie-weight:{p!r}"), 6)
        assert value == pytest.approx(fit.log_likelihood - cutoff, abs=1e-6)


@pytest.mark.parametrize("prob", ["uniform:0.15", "tie-weight:0.2"])
def test_ic_intervals_cover_the_true_probability(prob: str) -> None:
    g = _graph(600, seed=1, weighted=True)
    truth = SpreadModel(prob=prob)
    start = SpreadModel(prob=prob.split(":")[0] + ":0.5")
    p_true = float(prob.split(":")[1])
    covered, estimates = 0, []
    for rep in range(20):
        s = _run(g, truth, seed=100 + rep)
        fit = fit_contagion(g, s, start, last_step=10)
        row = fit.parameters.iloc[0]
        covered += int(row["low"] <= p_true <= row["high"])
        estimates.append(row["estimate"])
        assert row["low"] < row["estimate"] < row["high"]
        # the Fisher standard error agrees with the profile interval's width
        width = (row["high"] - row["low"]) / (2 * 1.96)
        assert row["standard_error"] == pytest.approx(width, rel=0.35)
    assert covered >= 17  # nominal 95% of 20; P(fewer than 17) < 2%
    assert np.mean(estimates) == pytest.approx(p_true, rel=0.1)


def test_ic_several_cascades_and_unexplained_adoptions() -> None:
    g = _graph(300, seed=2)
    truth = SpreadModel(prob="uniform:0.2")
    rows = np.stack([_run(g, truth, seed=k) for k in range(5)])
    one = fit_contagion(g, rows[0], SpreadModel(prob="uniform:0.5"), last_step=10)
    many = fit_contagion(g, rows, SpreadModel(prob="uniform:0.5"), last_step=10)
    width = lambda f: f.parameters.loc[0, "high"] - f.parameters.loc[0, "low"]  # noqa: E731
    assert width(many) < width(one)
    assert many.explained > one.explained and many.unexplained == 0
    # a person who adopts with no contact adopting the week before is left out, and counted
    spontaneous = rows[0].copy()
    lonely = int(np.flatnonzero(spontaneous < 0)[0])
    spontaneous[lonely] = 3
    neighbours = g.und_indices[g.und_indptr[lonely] : g.und_indptr[lonely + 1]]
    spontaneous[neighbours[spontaneous[neighbours] == 2]] = -1
    assert (
        fit_contagion(g, spontaneous, SpreadModel(prob="uniform:0.5"), last_step=10).unexplained
        >= 1
    )


def test_ic_extremes_and_notes() -> None:
    g = _graph(60, seed=4)
    s = np.full(g.n, -1)
    s[0] = 0
    none = fit_contagion(g, s, SpreadModel(prob="uniform:0.5", abandonment=0.2), last_step=3)
    assert none.estimate("P") == 0.0 and none.parameters.loc[0, "high"] > 0
    assert any("P = 0" in n for n in none.notes) and any("abandonment" in n for n in none.notes)
    assert none.model.abandonment == 0.2
    all_pass = _run(g, SpreadModel(prob="uniform:1"), seed=1, seeds=1, steps=3)
    full = fit_contagion(g, all_pass, SpreadModel(prob="uniform:0.5"), last_step=3)
    assert full.estimate("P") == 1.0 and full.parameters.loc[0, "low"] < 1


# ---------------------------------------------------------------------------- complex
def test_complex_threshold_and_spread_are_recovered() -> None:
    g = _graph(2000, seed=5)
    truth = SpreadModel("complex", threshold=2, threshold_sd=0.4)
    rows = np.stack([_run(g, truth, seed=k, seeds=60, steps=12) for k in range(3)])
    fit = fit_contagion(g, rows, SpreadModel("complex", threshold=3), last_step=12)
    assert fit.model.threshold == 2
    sd = fit.parameters.set_index("parameter").loc["sd"]
    assert sd["low"] <= 0.4 <= sd["high"]
    k = fit.parameters.set_index("parameter").loc["k"]
    assert k["low"] <= 2 <= k["high"]


def test_complex_fixed_threshold_is_exact() -> None:
    g = _graph(1000, seed=6)
    rows = _run(g, SpreadModel("complex", threshold=2), seed=3, seeds=150, steps=10)
    fit = fit_contagion(g, rows, SpreadModel("complex"), last_step=10)
    assert fit.model.threshold == 2 and fit.model.threshold_sd == 0.0
    assert fit.log_likelihood == 0.0 and fit.unexplained == 0


def test_complex_fraction_is_recovered() -> None:
    g = _graph(2000, seed=7)
    truth = SpreadModel("complex", fraction=0.3, threshold_sd=0.1)
    rows = np.stack([_run(g, truth, seed=k, seeds=80, steps=12) for k in range(3)])
    fit = fit_contagion(g, rows, SpreadModel("complex", fraction=0.5), last_step=12)
    table = fit.parameters.set_index("parameter")
    assert table.loc["theta", "low"] <= 0.3 <= table.loc["theta", "high"]
    assert table.loc["sd", "low"] <= 0.1 <= table.loc["sd", "high"]
    assert fit.model.fraction == pytest.approx(0.3, abs=0.06)


# ---------------------------------------------------------------------------- bad input
def test_bad_input() -> None:
    g = _graph(60, seed=8)
    s = _run(g, SpreadModel(prob="uniform:0.3"), seed=1, seeds=3, steps=4)
    with pytest.raises(InputError, match="nothing to fit"):
        fit_contagion(g, np.full(g.n, -1), last_step=4)
    with pytest.raises(InputError, match="linear threshold has no free parameter"):
        fit_contagion(g, s, SpreadModel("lt"), last_step=4)
    with pytest.raises(InputError, match="weighted-cascade"):
        fit_contagion(g, s, SpreadModel(prob="weighted-cascade"), last_step=4)
    with pytest.raises(ValueError, match="one per person"):
        fit_contagion(g, s[:-1], last_step=4)
    with pytest.raises(ValueError, match="whole numbers"):
        fit_contagion(g, s.astype(float), last_step=4)
    with pytest.raises(ValueError, match="confidence"):
        fit_contagion(g, s, SpreadModel(prob="uniform:0.5"), last_step=4, confidence=1.5)
    seeds_only = np.where(s == 0, 0, -1)
    with pytest.raises(InputError, match="nothing to fit"):
        fit_contagion(g, seeds_only, SpreadModel(prob="uniform:0.5"), last_step=0)


# ---------------------------------------------------------------------------- re-forecast
def test_reforecast_keeps_every_remaining_tie_probability() -> None:
    g = _graph(200, seed=9, weighted=True)
    gone = np.zeros(g.n, dtype=bool)
    gone[:70] = True
    reduced = _without(g, gone)
    model = SpreadModel(prob="tie-weight:0.2")
    s = np.full(g.n, -1)
    s[:70] = 0
    s[70:75] = 1
    r = reforecast(g, s, model, last_step=1, steps=2, runs=10)
    used = r.simulation.model
    src = np.repeat(np.arange(g.n), np.diff(g.und_indptr))
    keep = ~gone[src] & ~gone[g.und_indices]
    before = arc_probabilities(g, model.prob)[keep]
    after = arc_probabilities(reduced, used.prob)
    assert np.allclose(before, after, rtol=1e-9)
    assert r.adopters_now == 75 and r.curve["step"].tolist() == [1, 2, 3]
    assert r.curve["mean"].iloc[0] == 75.0


def test_reforecast_ic_matches_a_brute_force_continuation() -> None:
    """From today, only last week's adopters still pass it on; the others are done."""
    g = _graph(40, seed=10)
    model = SpreadModel(prob="uniform:0.35")
    past = _run(g, model, seed=3, seeds=2, steps=2)
    past[past > 2] = -1
    assert (past == 2).any() and (past == 1).any()
    r = reforecast(g, past, model, last_step=2, steps=5, runs=4000, seed=1)
    rng = np.random.default_rng(0)
    contacts = [g.und_indices[g.und_indptr[v] : g.und_indptr[v + 1]] for v in range(g.n)]
    finals = []
    for _ in range(3000):
        adopted = past >= 0
        active = list(np.flatnonzero(past == 2))
        for _step in range(5):
            new = []
            for u in active:
                for v in contacts[u]:
                    if not adopted[v] and rng.random() < 0.35:
                        adopted[v] = True
                        new.append(v)
            active = new
        finals.append(int(adopted.sum()))
    se = math.sqrt(np.var(finals) / len(finals) + r.simulation.standard_error() ** 2)
    assert abs(r.curve["mean"].iloc[-1] - np.mean(finals)) < 4 * se
    assert r.curve["mean"].iloc[0] == (past >= 0).sum()


def test_reforecast_complex_seeds_every_adopter() -> None:
    g = _graph(100, seed=11)
    s = np.full(g.n, -1)
    s[:10] = 0
    s[10:12] = 2
    model = SpreadModel("complex", threshold=1, threshold_sd=0.2)
    r = reforecast(g, s, model, last_step=2, steps=1, runs=5)
    assert r.curve["mean"].iloc[0] == 12.0 and any("afresh" in n for n in r.notes)
    with pytest.raises(ValueError, match="one row"):
        reforecast(g, np.stack([s, s]), model, last_step=2)
    assert dataclasses.replace(model) == r.model
    assert isinstance(r.curve, pd.DataFrame)
