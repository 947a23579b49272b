"""Workspace.analyze on SQLite and PostgreSQL: the graph it builds, the run it stores, exports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from peerweave.errors import InputError
from peerweave.ingest.synthetic import generate_to_directory
from peerweave.network.analysis import EXPORT_COLUMNS, AnalysisOptions
from peerweave.network.graph import OrgGraph
from peerweave.network.metrics import MetricOptions
from peerweave.store import PERSON_METRIC_COLUMNS
from peerweave.workspace import Workspace


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return generate_to_directory(tmp_path_factory.mktemp("org"), 160, seed=11)


@pytest.fixture
def ws(store_url: str, org: dict[str, Path]) -> Iterator[Workspace]:
    with Workspace.open(store_url, create=True) as workspace:
        workspace.import_people(org["people"])
        workspace.import_survey(org["survey"])
        yield workspace


@pytest.fixture
def sqlite_ws(tmp_path: Path, org: dict[str, Path]) -> Iterator[Workspace]:
    with Workspace.open(str(tmp_path / "pw.db"), create=True) as workspace:
        workspace.import_people(org["people"])
        workspace.import_survey(org["survey"])
        yield workspace


def test_the_store_keeps_every_export_column() -> None:
    assert PERSON_METRIC_COLUMNS == EXPORT_COLUMNS


def test_analyze_current_people_and_store_the_run(
    ws: Workspace, org: dict[str, Path], tmp_path: Path
) -> None:
    people = pd.read_csv(org["people"], dtype=str)
    leaver = people["person_id"].iloc[-1]
    smaller = tmp_path / "people.csv"
    people.iloc[:-1].to_csv(smaller, index=False)
    ws.import_people(smaller)  # the last person leaves

    result = ws.analyze()
    graph, analysis = result.graph, result.analysis
    assert leaver not in set(graph.ids) and len(graph.ids) == len(people) - 1
    expected = OrgGraph.from_frames(ws.people(), ws.ties())
    assert (graph.n, graph.m) == (expected.n, expected.m)

    runs = ws.analysis_runs()
    assert runs["id"].tolist() == [result.run_id]
    run = runs.iloc[0]
    assert (run["people"], run["ties"]) == (graph.n, graph.m)
    assert run["summary"]["modularity"] == pytest.approx(analysis.metrics.modularity)
    assert run["kinds"] is None and pd.isna(run["window_start"])
    assert list(run["notes"]) == list(analysis.notes)
    assert AnalysisOptions.from_dict(run["params"]) == AnalysisOptions()

    stored = ws.person_metrics()
    computed = analysis.people[list(EXPORT_COLUMNS)].sort_values("person_id")
    computed = computed.reset_index(drop=True)
    assert stored["person_id"].tolist() == computed["person_id"].tolist()
    opted_out = set(ws.people().query("opted_out")["person_id"])
    assert opted_out and not opted_out & set(stored["person_id"])
    for column in EXPORT_COLUMNS[1:-1]:
        np.testing.assert_allclose(
            stored[column].to_numpy(dtype=float), computed[column].to_numpy(dtype=float)
        )
    assert stored["roles"].tolist() == computed["roles"].tolist()
    assert set(analysis.roles["person_id"]) <= set(stored["person_id"])


def test_no_save_stores_nothing(sqlite_ws: Workspace) -> None:
    result = sqlite_ws.analyze(save=False)
    assert result.run_id is None and len(result.analysis.people) > 0
    assert sqlite_ws.analysis_runs().empty
    assert sqlite_ws.person_metrics().empty


def test_kinds_window_and_options_are_used_and_stored(sqlite_ws: Workspace) -> None:
    options = AnalysisOptions(metrics=MetricOptions(seed=3, resolution=0.5), min_group_size=8)
    result = sqlite_ws.analyze(
        kinds=["advice", "advice"], start="2020-01-01", end="2031-01-01", options=options
    )
    ties = sqlite_ws.ties()
    advice = OrgGraph.from_frames(sqlite_ws.people(), ties[ties["kind"] == "advice"])
    assert result.graph.m == advice.m < OrgGraph.from_frames(sqlite_ws.people(), ties).m
    assert result.analysis.options == options
    run = sqlite_ws.analysis_runs().iloc[0]
    assert run["kinds"] == ["advice"]
    assert (run["window_start"], run["window_end"]) == (
        pd.Timestamp("2020-01-01"),
        pd.Timestamp("2031-01-01"),
    )
    assert AnalysisOptions.from_dict(run["params"]) == options


def test_export_graph_carries_the_latest_metrics(sqlite_ws: Workspace, tmp_path: Path) -> None:
    before = nx.read_graphml(sqlite_ws.export_graph(tmp_path / "before.graphml"))
    assert not any("degree" in data for _, data in before.nodes(data=True))
    sqlite_ws.analyze(kinds=["advice"])
    sqlite_ws.analyze()
    latest = sqlite_ws.person_metrics().set_index("person_id")
    graph = nx.read_graphml(sqlite_ws.export_graph(tmp_path / "after.graphml"))
    pid = latest.index[0]
    assert graph.nodes[pid]["degree"] == latest.loc[pid, "degree"]
    assert graph.nodes[pid]["pagerank"] == pytest.approx(latest.loc[pid, "pagerank"])
    gexf = nx.read_gexf(sqlite_ws.export_graph(tmp_path / "after.gexf"))
    assert gexf.nodes[pid]["community"] == latest.loc[pid, "community"]


def test_export_table_and_a_bad_extension_refused_before_any_work(
    sqlite_ws: Workspace, tmp_path: Path
) -> None:
    with pytest.raises(InputError, match=r"does not write \.xlsx"):
        sqlite_ws.analyze(export=tmp_path / "metrics.xlsx")
    assert sqlite_ws.analysis_runs().empty
    result = sqlite_ws.analyze(export=tmp_path / "metrics.parquet", save=False)
    written = pd.read_parquet(tmp_path / "metrics.parquet")
    assert list(written.columns) == list(EXPORT_COLUMNS)
    assert len(written) == len(result.analysis.people)


def test_nothing_to_analyse_says_what_to_import(tmp_path: Path, org: dict[str, Path]) -> None:
    with Workspace.open(str(tmp_path / "pw.db"), create=True) as ws:
        with pytest.raises(InputError, match=r"no current people .*import people and ties"):
            ws.analyze()
        ws.import_people(org["people"])
        with pytest.raises(InputError, match=r"no ties are stored.*import ties first"):
            ws.analyze()
        ws.import_events(org["events"])
        with pytest.raises(InputError, match=r"--kind: no ties of kind advice .*collaboration"):
            ws.analyze(kinds=["advice"])
        with pytest.raises(InputError, match=r"--since/--until: no stored tie .*from 2030-01-01"):
            ws.analyze(start="2030-01-01")
        with pytest.raises(InputError, match=r"--since: 'soon' is not a date"):
            ws.analyze(start="soon")
        with pytest.raises(InputError, match="starts on 2024-02-01 but ends on 2024-01-01"):
            ws.analyze(start="2024-02-01", end="2024-01-01")
        assert ws.analysis_runs().empty
