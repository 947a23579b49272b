"""GEXF / GraphML / table exports: round trips through our readers and networkx's."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from peerweave.errors import InputError
from peerweave.ingest.export import write_gexf, write_graphml, write_table
from peerweave.ingest.report import TiesLoad
from peerweave.ingest.survey import read_survey
from peerweave.ingest.ties import read_gexf, read_graphml, read_ties
from peerweave.ingest.viva import read_viva

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
READERS: dict[str, Callable[[Path], TiesLoad]] = {
    "ties.csv": read_ties,
    "ties.graphml": read_ties,
    "ties.gexf": read_ties,
    "survey.csv": read_survey,
    "viva_p2p.csv": read_viva,
}
WRITERS = {"gexf": (write_gexf, read_gexf), "graphml": (write_graphml, read_graphml)}


def people_of(load: TiesLoad) -> pd.DataFrame:
    """Everyone the load names, with the attributes the file carried."""
    ids = pd.concat([load.ties["source"], load.ties["target"], load.new_people["person_id"]])
    frame = pd.DataFrame({"person_id": pd.unique(ids.astype(str))})
    if not load.people.empty:
        frame = frame.merge(load.people, on="person_id", how="outer")
    return frame


def records(frame: pd.DataFrame) -> list[dict[str, object]]:
    frame = frame.sort_values("person_id").reset_index(drop=True).astype(object)
    return [
        {str(k): v for k, v in row.items() if not pd.isna(v)} for row in frame.to_dict("records")
    ]


def tie_rows(ties: pd.DataFrame) -> list[tuple[object, ...]]:
    return sorted(tuple(row) for row in ties.astype(object).itertuples(index=False))


def test_every_example_loads() -> None:
    found = {p.name for p in EXAMPLES.iterdir()} & set(READERS)
    assert found == set(READERS)
    for name, reader in READERS.items():
        assert len(reader(EXAMPLES / name).ties) > 0, name


@pytest.mark.parametrize("fmt", sorted(WRITERS))
@pytest.mark.parametrize("example", sorted(READERS))
def test_round_trip(tmp_path: Path, example: str, fmt: str) -> None:
    load = READERS[example](EXAMPLES / example)
    people = people_of(load)
    write, read = WRITERS[fmt]
    path = tmp_path / f"out.{fmt}"
    write(path, people, load.ties)
    again = read(path, kind="ignored")
    assert tie_rows(again.ties) == tie_rows(load.ties)
    assert again.report.counts["people_created"] == len(people)
    assert again.report.counts.get("undirected_edges_doubled", 0) == 0
    if len(people.columns) > 1:
        assert records(again.people[people.columns]) == records(people)
    text = path.read_text(encoding="utf-8")
    assert '"nan"' not in text and ">nan<" not in text and "<NA>" not in text


@pytest.mark.parametrize("version", ["1.3", "1.2draft"])
def test_networkx_reads_our_gexf(tmp_path: Path, version: str) -> None:
    people = pd.DataFrame(
        {
            "person_id": ["P1", "P2", "P3"],
            "name": ["Zoë <Z> & Co", None, "Bo"],
            "level": pd.array([3, None, 1], dtype="Int64"),
            "opted_out": [False, True, False],
            "hire_date": pd.Series(["2021-03-04", None, "2019-01-01"], dtype="datetime64[ns]"),
        }
    )
    ties = pd.DataFrame(
        {
            "source": ["P1", "P1", "P2"],
            "target": ["P2", "P2", "P4"],
            "kind": ["advice", "collaboration", "advice"],
            "weight": [2.0, 0.5, 1.0],
            "window_start": pd.Series(["2024-01-01", None, None], dtype="datetime64[ns]"),
            "window_end": pd.Series(["2024-03-31", None, None], dtype="datetime64[ns]"),
        }
    )
    metrics = pd.DataFrame({"person_id": ["P1", "P2"], "pagerank": [0.4, 0.6], "level": [9, 9]})
    path = tmp_path / "g.gexf"
    write_gexf(path, people, ties, metrics=metrics, version=version)  # type: ignore[arg-type]
    g = nx.read_gexf(path)
    assert isinstance(g, nx.MultiDiGraph)  # two kinds between P1 and P2 stay apart
    assert g.nodes["P1"] == {
        "label": "Zoë <Z> & Co",
        "name": "Zoë <Z> & Co",
        "level": 3,
        "opted_out": False,
        "hire_date": "2021-03-04",
        "pagerank": 0.4,
    }
    # no name: no label (Gephi shows the id), and no "nan" for the missing level
    assert g.nodes["P2"] == {"label": None, "opted_out": True, "pagerank": 0.6}
    assert g.nodes["P4"] == {"label": None}  # an endpoint missing from people
    edges = sorted((u, v, d["kind"], d["weight"]) for u, v, d in g.edges(data=True))
    assert edges == [
        ("P1", "P2", "advice", 2.0),
        ("P1", "P2", "collaboration", 0.5),
        ("P2", "P4", "advice", 1.0),
    ]
    windows = [d.get("window_start") for _, _, d in g.edges(data=True)]
    assert sorted(map(str, windows)) == ["2024-01-01", "None", "None"]
    assert ("kind=" in path.read_text()) == (version == "1.3")


def test_networkx_reads_our_graphml(tmp_path: Path) -> None:
    people = pd.DataFrame({"person_id": ["a", "b"], "name": ["Ann\nLee", None], "level": [2, 3]})
    ties = pd.DataFrame(
        {
            "source": ["a"],
            "target": ["b"],
            "kind": ["advice"],
            "weight": [1.5],
            "window_start": [pd.NaT],
            "window_end": [pd.NaT],
        }
    )
    path = tmp_path / "g.graphml"
    write_graphml(path, people, ties, metrics=pd.DataFrame({"person_id": ["b"], "hub": [True]}))
    g = nx.read_graphml(path)
    assert g.is_directed()
    assert g.nodes["a"] == {"name": "Ann\nLee", "label": "Ann\nLee", "level": 2}
    assert g.nodes["b"] == {"level": 3, "hub": True}
    assert dict(g.edges["a", "b"]) == {"weight": 1.5, "kind": "advice"}
    back = read_graphml(path)
    assert back.people.set_index("person_id").loc["a", "name"] == "Ann\nLee"


def test_write_table_formats(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "person_id": ["P1", "P2"],
            "when": pd.Series(["2024-01-02 10:30", None], dtype="datetime64[ns]"),
            "day": pd.to_datetime(["2024-01-02", "2024-02-03"]),
            "level": pd.array([1, None], dtype="Int64"),
            "_row": [2, 3],
        }
    )
    write_table(tmp_path / "t.csv", frame)
    assert (tmp_path / "t.csv").read_text().splitlines() == [
        "person_id,when,day,level",
        "P1,2024-01-02T10:30:00,2024-01-02,1",
        "P2,,2024-02-03,",
    ]
    write_table(tmp_path / "t.tsv", frame)
    assert (tmp_path / "t.tsv").read_text().splitlines()[
        1
    ] == "P1\t2024-01-02T10:30:00\t2024-01-02\t1"
    write_table(tmp_path / "t.json", frame)
    assert json.loads((tmp_path / "t.json").read_text())[1] == {
        "person_id": "P2",
        "when": None,
        "day": "2024-02-03",
        "level": None,
    }
    write_table(tmp_path / "t.jsonl", frame)
    assert len((tmp_path / "t.jsonl").read_text().splitlines()) == 2
    write_table(tmp_path / "t.parquet", frame)
    back = pd.read_parquet(tmp_path / "t.parquet")
    assert list(back.columns) == ["person_id", "when", "day", "level"]
    assert back["day"].iloc[1] == pd.Timestamp("2024-02-03")
    with pytest.raises(InputError, match=r"\.xlsx"):
        write_table(tmp_path / "t.xlsx", frame)


def test_export_needs_the_key_columns(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="person_id"):
        write_gexf(tmp_path / "g.gexf", pd.DataFrame({"id": []}), pd.DataFrame())
