"""The whole analysis on synthetic organizations with planted structure, and on edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from peerweave.ingest.events import aggregate_events
from peerweave.ingest.synthetic import generate_organization, write_organization
from peerweave.network.analysis import EXPORT_COLUMNS, AnalysisOptions, analyze
from peerweave.network.graph import OrgGraph
from peerweave.network.roles import ROLES, RoleThresholds, assign_roles


@pytest.fixture(scope="module", params=[(1000, 5), (2500, 11)], ids=["1000-seed5", "2500-seed11"])
def planted(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    n, seed = request.param
    org = generate_organization(n, seed=seed)
    paths = write_organization(org, tmp_path_factory.mktemp(f"org{n}"))
    ties = aggregate_events(paths["events"], people=org.people).ties
    graph = OrgGraph.from_frames(org.people, ties)
    return org.truth, analyze(graph), graph


def _recall_precision(found: set[str], truth: set[str]) -> tuple[float, float]:
    hit = len(found & truth)
    return hit / len(truth), hit / max(len(found), 1)


@pytest.mark.parametrize(
    ("role", "key"), [("hidden_influencer", "hidden_influencers"), ("broker", "brokers")]
)
def test_planted_roles_are_found(planted, role: str, key: str) -> None:  # type: ignore[no-untyped-def]
    truth, result, _ = planted
    found = set(result.roles.loc[result.roles["role"] == role, "person_id"])
    recall, precision = _recall_precision(found, set(truth[key]) - _opted_out(result, truth[key]))
    assert recall >= 0.8 and precision >= 0.8, (role, recall, precision, len(found))


def _opted_out(result, ids) -> set[str]:  # type: ignore[no-untyped-def]
    return set(ids) - set(result.people["person_id"])


def test_planted_isolated_team_is_the_first_silo(planted) -> None:  # type: ignore[no-untyped-def]
    truth, result, _ = planted
    team = truth["isolated_team"]
    silos = result.groups["team"].table
    assert silos.iloc[0]["group"] == team["team"], silos.head()
    assert silos.iloc[0]["ei_index"] < silos.iloc[1]["ei_index"] - 0.3
    # the team's manager is their only way out: a bottleneck with the team behind them
    people = result.people.set_index("person_id")
    members = set(team["members"]) - _opted_out(result, team["members"])
    assert people.loc[team["manager"], "cut_off"] >= len(members) - 1
    assert "bottleneck" in people.loc[team["manager"], "roles"].split(";")


def test_every_role_has_a_reason_with_figures(planted) -> None:  # type: ignore[no-untyped-def]
    _, result, _ = planted
    roles = result.roles
    assert set(roles["role"]) <= set(ROLES)
    assert roles["reason"].str.contains(r"\d").all()
    joined = result.people.set_index("person_id")["roles"]
    for pid, role in roles[["person_id", "role"]].itertuples(index=False):
        assert role in joined[pid].split(";")


def test_export_columns_and_no_nan_without_explanation(planted) -> None:  # type: ignore[no-untyped-def]
    _, result, _ = planted
    assert list(result.people.columns[: len(EXPORT_COLUMNS)]) == list(EXPORT_COLUMNS)
    numeric = result.people[list(EXPORT_COLUMNS[1:-1])]
    nan_columns = set(numeric.columns[numeric.isna().any()])
    assert nan_columns <= {"constraint"}  # only for people without contacts (documented)
    summary = result.summary()
    assert summary["people"] == len(result.people) + (summary["people"] - summary["active_people"])


def test_thresholds_are_parameters(planted) -> None:  # type: ignore[no-untyped-def]
    _, result, graph = planted
    connectors = (result.roles["role"] == "connector").sum()
    assert connectors == pytest.approx(0.05 * len(result.people), rel=0.5)
    _, roles = assign_roles(graph, result.metrics.table, RoleThresholds(connector_pct=0.8))
    assert (roles["role"] == "connector").sum() > 3 * connectors


def _graph(people: dict[str, list[object]], ties: dict[str, list[str]]) -> OrgGraph:
    return OrgGraph.from_frames(pd.DataFrame(people), pd.DataFrame(ties))


def test_empty_network() -> None:
    result = analyze(_graph({"person_id": []}, {"source": [], "target": []}))
    assert result.people.empty and result.roles.empty
    assert "import people" in result.notes[0]
    assert result.summary()["density"] is None


def test_no_ties_of_the_requested_kind() -> None:
    people = {"person_id": list("abcdef"), "department": list("aaabbb")}
    ties = {"source": list("abc"), "target": list("bcd"), "kind": ["advice"] * 3}
    graph = OrgGraph.from_frames(pd.DataFrame(people), pd.DataFrame(ties), kinds=["coaching"])
    result = analyze(graph)
    assert (result.people["roles"] == "isolated").all()
    assert any("no ties" in note for note in result.notes)
    assert result.summary()["modularity"] is None


def test_everyone_opted_out() -> None:
    people = {"person_id": list("abc"), "opted_out": [True, True, True]}
    result = analyze(_graph(people, {"source": ["a", "b"], "target": ["b", "c"]}))
    assert result.people.empty and result.roles.empty
    assert any("opted-out" in note for note in result.notes)


def test_opted_out_people_are_in_no_output() -> None:
    people = {
        "person_id": [f"p{i}" for i in range(12)],
        "department": ["x"] * 6 + ["y"] * 6,
        "opted_out": [False] * 11 + [True],
    }
    src = [f"p{i}" for i in range(11)]
    dst = [f"p{i + 1}" for i in range(11)]
    result = analyze(_graph(people, {"source": src, "target": dst}))
    assert "p11" not in set(result.people["person_id"])
    assert "p11" not in set(result.roles["person_id"])
    sizes = result.groups["department"].table.set_index("group")["size"]
    assert sizes["y"] == 5


def test_single_department_and_small_groups() -> None:
    people = {
        "person_id": [f"p{i}" for i in range(8)],
        "department": ["only"] * 8,
        "team": ["t1"] * 6 + ["t2"] * 2,
    }
    ties = {"source": [f"p{i}" for i in range(7)], "target": [f"p{i + 1}" for i in range(7)]}
    result = analyze(_graph(people, ties))
    dept = result.groups["department"].table
    assert dept["ei_index"].tolist() == [-1.0]
    team = result.groups["team"]
    assert team.table["group"].tolist() == ["t1"] and team.suppressed_groups == 1
    assert "t2" not in team.matrix.index
    assert any("fewer than 5" in note for note in result.notes)


def test_too_large_for_exact_betweenness_falls_back_with_a_note() -> None:
    rng = np.random.default_rng(2)
    ids = [f"p{i}" for i in range(300)]
    src, dst = rng.integers(0, 300, 1500), rng.integers(0, 300, 1500)
    graph = _graph(
        {"person_id": ids}, {"source": [ids[i] for i in src], "target": [ids[j] for j in dst]}
    )
    options = AnalysisOptions.from_dict({"metrics": {"exact_max": 100, "pivots": 64}})
    result = analyze(graph, options)
    assert not result.metrics.paths.exact
    assert any("estimated from 64 sampled" in note for note in result.notes)
    assert result.summary()["betweenness_error_bound"] > 0


def test_hierarchy_stands_in_for_missing_levels() -> None:
    # a hub IC with ties to everyone, a manager with few ties: the IC is a hidden influencer
    n = 40
    ids = [f"p{i:02d}" for i in range(n)]
    managers = [None] + ["p00"] * 4 + [f"p{1 + i % 4:02d}" for i in range(n - 5)]
    hub = ids[-1]
    src = [hub] * (n - 1) + ids[:-1] + ids[5:-2]
    dst = ids[:-1] + [hub] * (n - 1) + ids[6:-1]
    people = {"person_id": ids, "manager_id": managers, "department": ["x"] * n}
    result = analyze(
        _graph(people, {"source": src, "target": dst}),
        AnalysisOptions(roles=RoleThresholds(influence_pct=0.9)),
    )
    hidden = result.roles[result.roles["role"] == "hidden_influencer"]
    assert hub in set(hidden["person_id"])
    assert "people under them" in hidden.set_index("person_id").loc[hub, "reason"]
