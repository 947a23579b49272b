"""Adoption records, forecast against actual: validation, curves, group bands, champions."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from peerweave.errors import MissingColumnError, ValidationError
from peerweave.network.graph import OrgGraph
from peerweave.spread.adoption import (
    ALL_CONTACTS,
    EVERYONE_ELSE,
    adoption_steps,
    champion_neighbourhoods,
    compare_to_forecast,
    completed_steps,
    group_forecast,
    observed_curve,
    synthetic_adoptions,
    track,
    validate_adoptions,
)
from peerweave.spread.charts import tracking_html, tracking_png
from peerweave.spread.model import SpreadModel
from peerweave.spread.simulate import simulate

START = "2025-01-06"
NOW = "2025-04-01"


def _people(ids: list[str]) -> list[str]:
    return ids


def _org(seed: int = 0, departments: int = 4, size: int = 60) -> OrgGraph:
    """``departments`` departments of ``size`` people: dense inside, a few ties across."""
    rng = np.random.default_rng(seed)
    n = departments * size
    dept = np.repeat([f"D{d}" for d in range(departments)], size)
    G = nx.Graph()
    G.add_nodes_from(range(n))
    for d in range(departments):
        block = nx.gnp_random_graph(size, 0.12, seed=seed + d)
        G.add_edges_from((u + d * size, v + d * size) for u, v in block.edges)
    across = rng.integers(0, n, size=(n // 2, 2))
    G.add_edges_from((int(u), int(v)) for u, v in across if dept[u] != dept[v])
    ids = [f"p{i:03d}" for i in range(n)]
    people = pd.DataFrame({"person_id": ids, "department": dept})
    edges = np.array(list(G.edges), dtype=np.int64)
    ties = pd.DataFrame(
        {"source": np.array(ids)[edges[:, 0]], "target": np.array(ids)[edges[:, 1]]}
    )
    return OrgGraph.from_frames(people, ties)


# ---------------------------------------------------------------------------- validation
def test_validate_types_sorts_and_keeps_evidence() -> None:
    frame = pd.DataFrame(
        {
            "person_id": [" b ", "a", 3],
            "adopted_at": ["2025-02-01", "2025-01-10T09:30:00+02:00", "2025-01-06"],
            "evidence": ["demo", "", None],
        }
    )
    out = validate_adoptions(frame, known_people=["a", "b", "3"], started_at=START, now=NOW)
    assert out["person_id"].tolist() == ["3", "a", "b"]
    assert out["adopted_at"].astype(str).tolist() == [
        "2025-01-06 00:00:00",
        "2025-01-10 07:30:00",
        "2025-02-01 00:00:00",
    ]
    assert out["evidence"].isna().tolist() == [True, True, False]
    assert list(out.columns) == ["person_id", "adopted_at", "evidence"]


def test_validate_lists_every_problem_with_rows() -> None:
    frame = pd.DataFrame(
        {
            "person_id": ["a", "zz", "b", "a", "", "b"],
            "adopted_at": [
                "2025-01-07",
                "2025-01-08",
                "2024-12-31",
                "2025-01-09",
                "2025-01-10",
                "2031-01-01",
            ],
            "_row": [2, 3, 4, 5, 6, 9],
        }
    )
    with pytest.raises(ValidationError) as info:
        validate_adoptions(frame, known_people=["a", "b"], started_at=START, now=NOW)
    problems = {(p.row, p.column): p for p in info.value.problems}
    assert "not a known person" in problems[(3, "person_id")].message
    assert "before the initiative started" in problems[(4, "adopted_at")].message
    assert "adopted again (first on row 2)" in problems[(5, "person_id")].message
    assert "row 5 or row 2" in (problems[(5, "person_id")].fix or "")
    assert "person_id is empty" in problems[(6, "person_id")].message
    assert "in the future" in problems[(9, "adopted_at")].message
    # b appears twice too (rows 4 and 9): the second is named with the first
    assert "first on row 4" in problems[(9, "person_id")].message
    assert len(info.value.problems) == 6


def test_validate_bad_and_empty_dates() -> None:
    frame = pd.DataFrame({"person_id": ["a", "b"], "adopted_at": ["yesterday", ""]})
    with pytest.raises(ValidationError) as info:
        validate_adoptions(frame, known_people=["a", "b"], started_at=START, now=NOW)
    text = str(info.value)
    assert "row 2, column adopted_at: 'yesterday' is not a date" in text
    assert "row 3, column adopted_at: adopted_at is empty" in text


def test_validate_no_adoptions_yet_is_an_empty_frame() -> None:
    for frame in (pd.DataFrame(), pd.DataFrame({"person_id": [], "adopted_at": []})):
        out = validate_adoptions(frame, known_people=["a"], started_at=START, now=NOW)
        assert len(out) == 0 and list(out.columns) == ["person_id", "adopted_at", "evidence"]


def test_validate_missing_columns_and_bad_times() -> None:
    with pytest.raises(MissingColumnError, match="adopted_at"):
        validate_adoptions(
            pd.DataFrame({"person_id": ["a"]}), known_people=["a"], started_at=START, now=NOW
        )
    with pytest.raises(ValueError, match="before the initiative started"):
        validate_adoptions(pd.DataFrame(), known_people=[], started_at=NOW, now=START)
    with pytest.raises(ValueError, match="started_at must be a date"):
        validate_adoptions(pd.DataFrame(), known_people=[], started_at="soon", now=NOW)


# ---------------------------------------------------------------------------- curves
def test_observed_curve_matches_a_direct_count() -> None:
    rng = np.random.default_rng(4)
    start = pd.Timestamp(START)
    offsets = rng.uniform(-3, 80, size=300)  # days; some before the start, some after the end
    adoptions = pd.DataFrame(
        {
            "person_id": [f"p{i}" for i in range(300)],
            "adopted_at": start + pd.to_timedelta(offsets, unit="D"),
        }
    )
    curve = observed_curve(adoptions, START, 10)
    for t in range(11):
        end = start + pd.Timedelta(days=7 * (t + 1))
        expected = int(((adoptions["adopted_at"] >= start) & (adoptions["adopted_at"] < end)).sum())
        assert curve.loc[t, "adopters"] == expected
    daily = observed_curve(adoptions, START, 5, step="D")
    assert daily.loc[0, "new"] == int(((offsets >= 0) & (offsets < 1)).sum())


def test_completed_steps_and_adoption_steps() -> None:
    assert completed_steps(START, "2025-01-12T23:59") == 0
    assert completed_steps(START, "2025-01-13") == 1
    g = OrgGraph.from_frames(
        pd.DataFrame({"person_id": ["a", "b", "c"], "opted_out": [False, True, False]}),
        pd.DataFrame({"source": ["a"], "target": ["c"]}),
    )
    a = pd.DataFrame(
        {
            "person_id": ["a", "b", "zz", "c"],
            "adopted_at": pd.to_datetime(["2025-01-20", "2025-01-06", "2025-01-06", "2024-01-01"]),
        }
    )
    assert adoption_steps(a, g, started_at=START).tolist() == [2, -1, -1]  # b opted out


# ---------------------------------------------------------------------------- forecast
@pytest.mark.parametrize(
    "model",
    [
        SpreadModel(prob="uniform:0.2"),
        SpreadModel(prob="uniform:0.2", abandonment=0.3),
        SpreadModel("complex", threshold=2, threshold_sd=0.5),
        SpreadModel("lt", prob="weighted-cascade"),
    ],
    ids=["ic", "ic-delta", "complex", "lt"],
)
def test_group_forecast_replays_the_simulator(model: SpreadModel) -> None:
    g = _org(1)
    seeds = np.arange(0, g.n, 12)
    sim = simulate(g, seeds, model, runs=60, steps=8, seed=5)
    f = group_forecast(g, seeds, model, runs=60, steps=8, seed=5, min_group_size=5)
    assert np.array_equal(f.adopters, sim.adopters)
    assert np.allclose(f.adopted_by, sim.ever_adopted)
    assert np.array_equal(f.by_group.sum(axis=1), f.ever)  # nobody opted out
    if not model.abandonment:
        assert np.array_equal(f.ever, sim.adopters)
    # every run's per-group curve against its own cascade tree (replayed alone)
    codes = pd.Index(f.groups).get_indexer(g.people["department"])
    for r in (0, 7, 59):
        tree = simulate(g, seeds, model, runs=60, steps=8, seed=5, tree_run=r).tree
        first = tree.drop_duplicates("person_id")
        group = codes[g.index.get_indexer(first["person_id"])]
        expected = np.zeros((len(f.groups), 9), dtype=np.int64)
        np.add.at(expected, (group, first["step"].to_numpy()), 1)
        assert np.array_equal(f.by_group[r], np.cumsum(expected, axis=1))


def test_small_groups_are_folded_before_counting() -> None:
    g = _org(2, departments=3, size=4)
    f = group_forecast(g, [0], SpreadModel(prob="uniform:0.5"), runs=20, steps=3, min_group_size=5)
    assert f.groups == ("(groups under 5)",)
    assert f.group_size.tolist() == [12]


def test_compare_to_forecast_statuses_and_horizon() -> None:
    sim = simulate(_org(3), [0, 1, 2], SpreadModel(prob="uniform:0.3"), runs=100, steps=4, seed=1)
    observed = np.concatenate([[3], sim.p95[1:3] + 1, [0, 0, 0, 0]])  # longer than the horizon
    check = compare_to_forecast(observed, sim)
    assert len(check.table) == 5
    assert check.table["status"].tolist() == ["inside", "above", "above", "below", "below"]
    assert (check.left_band, check.direction) == (1, "above")
    inside = compare_to_forecast(np.round(sim.mean[:2]), sim)
    assert inside.left_band is None and inside.table["observed"].isna().sum() == 3
    with pytest.raises(ValueError, match="observed_curve"):
        compare_to_forecast(pd.DataFrame({"x": [1]}), sim)


def test_planted_lagging_department_is_flagged() -> None:
    g = _org(7)
    model = SpreadModel(prob="uniform:0.2")
    seeds = np.arange(3, g.n, 20)  # three champions per department
    # what happened: department D2 is barely in touch (85% of the ties touching it gone)
    src, dst, _ = g.edge_arrays(directed=False)
    dept = g.people["department"].to_numpy()
    rng = np.random.default_rng(0)
    touches = (dept[src] == "D2") | (dept[dst] == "D2")
    keep = ~touches | (rng.random(len(src)) < 0.15)
    actual = OrgGraph.from_frames(
        g.people, pd.DataFrame({"source": g.ids[src[keep]], "target": g.ids[dst[keep]]})
    )
    adoptions = synthetic_adoptions(actual, seeds, model, started_at=START, steps=8, seed=3)
    now = pd.Timestamp(START) + pd.Timedelta(weeks=8, days=2)
    t = track(g, adoptions, seeds, model, started_at=START, now=now, runs=300, steps=12, seed=1)
    assert t.week == 7
    status = dict(zip(t.by_group["group"], t.by_group["status"], strict=True))
    assert status["D2"] == "lagging"
    assert [s for d, s in status.items() if d != "D2"] == ["on track"] * 3
    d2 = t.by_group.set_index("group").loc["D2"]
    assert d2["observed_share"] < d2["p05_share"] and d2["behind_since"] <= 7
    assert any("step in progress" in n for n in t.notes)


def test_champion_neighbourhoods_against_networkx() -> None:
    g = _org(5)
    G = g.to_networkx(directed=False)
    rng = np.random.default_rng(1)
    steps = np.where(rng.random(g.n) < 0.3, rng.integers(0, 6, g.n), -1)
    champions = np.array([5, 70, 5, 130])  # a repeat counts once
    f = group_forecast(g, champions, SpreadModel(prob="uniform:0.1"), runs=50, steps=6, upto=3)
    table = champion_neighbourhoods(g, steps, champions, at_step=3, forecast=f, min_group_size=1)
    names = set(g.ids[[5, 70, 130]])
    near: set[str] = set()
    adopted = {g.ids[i] for i in np.flatnonzero((steps >= 0) & (steps <= 3))}
    prob = dict(zip(g.ids, f.adopted_by, strict=True))
    for row, c in zip(table.itertuples(), ["p005", "p070", "p130"], strict=False):
        contacts = set(G.neighbors(c)) - names
        near |= contacts
        assert row.champion == c and row.contacts == len(contacts)
        assert row.adopted == len(contacts & adopted)
        assert row.forecast_share == pytest.approx(sum(prob[v] for v in contacts) / len(contacts))
    rest = set(g.ids) - near - names
    last = table.set_index("champion")
    assert last.loc[ALL_CONTACTS, "contacts"] == len(near)
    assert last.loc[EVERYONE_ELSE, "adopted"] == len(rest & adopted)
    hidden = champion_neighbourhoods(g, steps, champions, at_step=3, min_group_size=1000)
    assert hidden["adopted"].isna().all() and hidden["share"].isna().all()


def test_track_before_the_first_week_and_without_adoptions() -> None:
    g = _org(6)
    empty = validate_adoptions(pd.DataFrame(), known_people=g.ids, started_at=START, now=START)
    early = track(g, empty, [0, 1], started_at=START, now="2025-01-09", runs=20, steps=4)
    assert early.week == -1 and early.curve["observed"].isna().all()
    assert early.headline().startswith("The first week is not over yet")
    assert len(early.by_group) == 0 and len(early.champions) == 0
    later = track(
        g,
        empty,
        [0, 1],
        SpreadModel(prob="uniform:0.5"),
        started_at=START,
        now="2025-02-03",
        runs=20,
        steps=4,
    )
    assert "no adoptions recorded yet" in later.notes
    assert later.curve["observed"].tolist()[:4] == [2, 2, 2, 2]  # the champions count
    assert later.direction == "below"
    uncounted = track(
        g,
        empty,
        [0, 1],
        started_at=START,
        now="2025-02-03",
        runs=20,
        steps=4,
        count_champions=False,
    )
    assert uncounted.curve["observed"].tolist()[:4] == [0, 0, 0, 0]
    nameless = OrgGraph.from_frames(
        g.people[["person_id"]], pd.DataFrame({"source": ["p000"], "target": ["p001"]})
    )
    plain = track(nameless, empty, [0], started_at=START, now="2025-02-03", runs=10, steps=4)
    assert (
        plain.by_group.empty
        and "no department is known: no comparison per department" in plain.notes
    )


def test_tracking_charts(tmp_path: object) -> None:
    from pathlib import Path

    g = _org(8)
    model = SpreadModel(prob="uniform:0.1")
    adoptions = synthetic_adoptions(g, [0, 100], model, started_at=START, steps=6, seed=2)
    t = track(g, adoptions, [0, 100], model, started_at=START, now="2025-02-12", runs=50, steps=10)
    out = Path(str(tmp_path))
    assert tracking_png(t, out / "t.png").read_bytes()[:4] == b"\x89PNG"
    html = tracking_html(t, out / "t.html").read_text()
    assert "observed" in html and "forecast: mean" in html


def test_band_marker_points_at_the_current_run_outside_the_band() -> None:
    """Below in week 1, back inside in weeks 2-3, below again since week 4: the headline and
    the chart's marker both say week 4 (the first exit is kept in ``left_band``)."""
    from dataclasses import replace

    from peerweave.spread.adoption import _tracked

    base = _tracked()
    status = ["inside", "below", "inside", "inside", "below", "below", "inside"]
    curve = (
        base.curve.iloc[:0]
        .reindex(range(len(status)))
        .assign(
            step=range(len(status)), status=status, observed=100.0, mean=120.0, p05=110.0, p95=130.0
        )
    )
    tracking = replace(base, curve=curve, left_band=1, direction="below", week=5)
    assert tracking.outside_since == 4
    assert tracking.band_marker() == (4, "below the band since week 4")
    assert tracking.headline().endswith("below the band since week 4.")
    back = replace(tracking, week=6)  # week 6 is inside again
    assert back.outside_since is None
    assert back.band_marker() == (1, "left the band (below) in week 1")
    assert "back inside the band" in back.headline()
