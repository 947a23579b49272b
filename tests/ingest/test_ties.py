"""Edge lists, GraphML and GEXF: example files, aliases, people resolution and bad input."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from peerweave.errors import FileFormatError, MissingColumnError, ValidationError
from peerweave.ingest.ties import read_edge_list, read_gexf, read_graphml, read_ties
from peerweave.org.schema import TIES_COLUMNS

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture
def people() -> pd.DataFrame:
    ids = [f"P00{i}" for i in range(1, 9)]
    return pd.DataFrame({"person_id": ids, "email": ["ana.silva@example.com"] + [None] * 7})


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def triples(ties: pd.DataFrame) -> list[tuple[str, str, str, float]]:
    return sorted(
        (str(s), str(t), str(k), float(w))
        for s, t, k, w in ties[["source", "target", "kind", "weight"]].itertuples(index=False)
    )


def assert_canonical(ties: pd.DataFrame) -> None:
    assert list(ties.columns) == list(TIES_COLUMNS)
    assert ties["weight"].dtype == float
    assert (ties["weight"] > 0).all()
    assert str(ties["window_start"].dtype) == "datetime64[ns]"
    assert (ties["source"] != ties["target"]).all()


# -- edge lists ---------------------------------------------------------------------------


def test_example_edge_list_loads(people: pd.DataFrame) -> None:
    load = read_ties(EXAMPLES / "ties.csv", people=people)
    assert_canonical(load.ties)
    assert len(load.ties) == 10
    assert load.new_people.empty
    # the email endpoint resolves to its person, case-insensitively
    assert ("P001", "P006", "coaching", 2.0) in triples(load.ties)
    assert load.ties["window_start"].isna().all()


@pytest.mark.parametrize(
    ("header", "row"),
    [
        ("source,target,weight", "A,B,2"),
        ("from,to,weight", "A,B,2"),
        ("Ego,Alter,Strength", "A,B,2"),
        ("sender;receiver;count", "A;B;2"),
        ("Source\tTarget\tWeight", "A\tB\t2"),
    ],
)
def test_edge_list_aliases(tmp_path: Path, header: str, row: str) -> None:
    load = read_edge_list(write(tmp_path, "t.csv", f"{header}\n{row}\n"))
    assert triples(load.ties) == [("A", "B", "collaboration", 2.0)]


def test_gephi_edge_table_undirected_rows_give_both_directions(tmp_path: Path) -> None:
    text = "Source,Target,Type,Id,Label,Weight\nA,B,Undirected,0,,2.0\nB,C,Directed,1,,1.0\n"
    load = read_edge_list(write(tmp_path, "gephi.csv", text), kind="advice")
    assert triples(load.ties) == [
        ("A", "B", "advice", 2.0),
        ("B", "A", "advice", 2.0),
        ("B", "C", "advice", 1.0),
    ]
    assert load.report.counts["undirected_edges_doubled"] == 1


def test_type_column_with_kinds_is_the_kind(tmp_path: Path) -> None:
    load = read_edge_list(write(tmp_path, "t.csv", "source,target,type\nA,B,Advice\n"))
    assert triples(load.ties) == [("A", "B", "advice", 1.0)]


def test_directed_false_and_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "Person A,Person B,Hours\nA,B,3\n")
    load = read_edge_list(
        path,
        directed=False,
        mapping={"Person A": "source", "Person B": "target", "Hours": "weight"},
    )
    assert triples(load.ties) == [
        ("A", "B", "collaboration", 3.0),
        ("B", "A", "collaboration", 3.0),
    ]


def test_duplicates_summed_and_self_loops_left_out(tmp_path: Path) -> None:
    text = "source,target,kind\nA,B,advice\nA,A,advice\nA,B,Advice\nA,B,coaching\n"
    load = read_edge_list(write(tmp_path, "t.csv", text))
    assert triples(load.ties) == [("A", "B", "advice", 2.0), ("A", "B", "coaching", 1.0)]
    counts = load.report.counts
    assert counts["duplicates_summed"] == 1
    assert counts["self_loops_left_out"] == 1
    assert [n.row for n in load.report.notes if "self-loop" in n.message] == [3]


def test_windows_are_read_and_merged(tmp_path: Path) -> None:
    text = (
        "source,target,window_start,window_end\n"
        "A,B,2024-01-01,2024-01-31\nA,B,2024-02-01,2024-02-29\n"
    )
    tie = read_edge_list(write(tmp_path, "t.csv", text)).ties.iloc[0]
    assert tie["weight"] == 2.0
    assert tie["window_start"] == pd.Timestamp("2024-01-01")
    assert tie["window_end"] == pd.Timestamp("2024-02-29")


def test_xlsx_numeric_ids(tmp_path: Path) -> None:
    path = tmp_path / "ties.xlsx"
    pd.DataFrame({"source": [1001, 1002], "target": [1002, 1003], "weight": [1.5, 2]}).to_excel(
        path, index=False
    )
    people = pd.DataFrame({"person_id": ["1001", "1002", "1003"]})
    load = read_ties(path, people=people, strict=True)
    assert triples(load.ties) == [
        ("1001", "1002", "collaboration", 1.5),
        ("1002", "1003", "collaboration", 2.0),
    ]


# -- unknown people --------------------------------------------------------------------------


def test_unknown_endpoints_are_created_and_reported(tmp_path: Path, people: pd.DataFrame) -> None:
    text = "from,to\nP001,X9\nX9,Ana.Silva@Example.com\nY7,P002\nnew@example.com,NEW@example.com\n"
    load = read_edge_list(write(tmp_path, "t.csv", text), people=people)
    assert sorted(load.new_people["person_id"]) == ["X9", "Y7", "new@example.com"]
    assert list(load.new_people.columns) == ["person_id"]
    assert load.report.counts["people_created"] == 3
    created = [(n.row, n.column) for n in load.report.notes if "not a known person" in n.message]
    assert created == [(2, "to"), (4, "from"), (5, "from")]
    # email endpoints of unknown people are folded to lower case: one new person, a self-loop
    assert load.report.counts["self_loops_left_out"] == 1
    assert ("X9", "P001", "collaboration", 1.0) in triples(load.ties)


def test_without_people_every_endpoint_is_new(tmp_path: Path) -> None:
    load = read_edge_list(write(tmp_path, "t.csv", "source,target\nA,B\nB,C\n"))
    assert load.report.counts["people_created"] == 3
    assert any("no known people" in n.message for n in load.report.notes)


def test_strict_refuses_unknown_people_naming_rows_and_columns(
    tmp_path: Path, people: pd.DataFrame
) -> None:
    text = "from,to\nP001,X9\nP002,P003\nY7,X9\n"
    with pytest.raises(ValidationError) as info:
        read_edge_list(write(tmp_path, "t.csv", text), people=people, strict=True)
    where = [(p.row, p.column) for p in info.value.problems]
    assert where == [(2, "to"), (4, "from"), (4, "to")]
    assert "row 4, column from: 'Y7' is not a known person" in str(info.value)


def test_notes_about_created_people_are_capped(tmp_path: Path) -> None:
    rows = "".join(f"P001,N{i}\n" for i in range(30))
    people = pd.DataFrame({"person_id": ["P001"]})
    load = read_edge_list(write(tmp_path, "t.csv", "source,target\n" + rows), people=people)
    assert load.report.counts["people_created"] == 30
    assert len(load.report.notes) == 11
    assert load.report.notes[-1].message == "… and 20 more people created"


# -- bad input -------------------------------------------------------------------------------


def test_missing_column(tmp_path: Path) -> None:
    with pytest.raises(MissingColumnError) as info:
        read_edge_list(write(tmp_path, "t.csv", "source,weight\nA,1\n"))
    assert [p.column for p in info.value.problems] == ["target"]


def test_all_bad_rows_in_one_error(tmp_path: Path) -> None:
    text = "from,to,strength\nA,B,1\n,B,1\nA,,x\nA,B,0\nA,B,-2\nA,B,\n"
    with pytest.raises(ValidationError) as info:
        read_edge_list(write(tmp_path, "t.csv", text))
    where = [(p.row, p.column) for p in info.value.problems]
    assert where == [(3, "from"), (4, "to"), (4, "strength"), (5, "strength"), (6, "strength")]
    message = str(info.value)
    assert "row 4, column strength: 'x' is not a number" in message
    assert "row 6, column strength: -2.0 is not above 0" in message or "-2" in message


def test_bad_window_date(tmp_path: Path) -> None:
    text = "source,target,window_start\nA,B,2024-13-01\n"
    with pytest.raises(ValidationError) as info:
        read_edge_list(write(tmp_path, "t.csv", text))
    assert [(p.row, p.column) for p in info.value.problems] == [(2, "window_start")]


@pytest.mark.parametrize("text", ["", "source,target\n"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    with pytest.raises(FileFormatError):
        read_edge_list(write(tmp_path, "t.csv", text))


def test_unknown_extension(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match=r"\.dot"):
        read_ties(write(tmp_path, "t.dot", "digraph {}"))


# -- GraphML ---------------------------------------------------------------------------------

GRAPHML_HEAD = (
    '<?xml version="1.0"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
    '<key id="w" for="edge" attr.name="weight" attr.type="double"/>\n'
    '<key id="lv" for="node" attr.name="level" attr.type="string"/>\n'
    '<graph edgedefault="directed">\n'
)


def test_example_graphml(people: pd.DataFrame) -> None:
    load = read_ties(EXAMPLES / "ties.graphml", people=people)
    assert_canonical(load.ties)
    assert triples(load.ties) == [
        ("P002", "P001", "advice", 3.0),
        ("P003", "P001", "advice", 2.0),
        ("P004", "P003", "advice", 1.0),  # key defaults: weight 1.0, kind advice
        ("P004", "P005", "collaboration", 2.0),  # directed="false": both ways
        ("P005", "P003", "advice", 1.5),
        ("P005", "P004", "collaboration", 2.0),
    ]
    attrs = load.people.set_index("person_id")
    assert list(attrs.columns) == ["name", "department", "level", "email"]
    assert attrs.loc["P003", "name"] == "Chloé Martin"
    assert attrs.loc["P001", "level"] == 5
    assert attrs["level"].isna()["P005"]
    assert any("pagerank" in n.message for n in load.report.notes)


def test_graphml_from_networkx_with_node_email(tmp_path: Path, people: pd.DataFrame) -> None:
    g = nx.Graph()
    g.add_node("ana", email="ANA.SILVA@example.com", name="Ana")
    g.add_edge("ana", "P002", weight=2.5, relation="mentoring")
    path = tmp_path / "g.graphml"
    nx.write_graphml(g, path)
    load = read_graphml(path, people=people, strict=True)
    assert triples(load.ties) == [
        ("P001", "P002", "mentoring", 2.5),
        ("P002", "P001", "mentoring", 2.5),
    ]
    assert load.people.set_index("person_id").loc["P001", "name"] == "Ana"


def test_graphml_bad_values_name_lines(tmp_path: Path) -> None:
    text = GRAPHML_HEAD + (
        '<node id="a"><data key="lv">senior</data></node>\n'
        '<edge source="a" target="b"><data key="w">heavy</data></edge>\n'
        '<edge source="a"/>\n'
        '<edge source="a" target="b"><data key="w">-1</data></edge>\n'
        "</graph></graphml>\n"
    )
    with pytest.raises(ValidationError) as info:
        read_graphml(write(tmp_path, "g.graphml", text))
    where = [(p.row, p.column) for p in info.value.problems]
    assert where == [(6, "level"), (7, "weight"), (8, "target"), (9, "weight")]


def test_graphml_parse_error_names_the_line(tmp_path: Path) -> None:
    text = GRAPHML_HEAD + '<node id="a">\n<edge source="a" target="b"/>\n</graph></graphml>\n'
    with pytest.raises(FileFormatError) as info:
        read_graphml(write(tmp_path, "g.graphml", text))
    assert info.value.problems[0].row == 8
    assert "mismatched tag" in str(info.value)


@pytest.mark.parametrize(
    ("name", "text", "match"),
    [
        ("g.graphml", "", "empty"),
        ("g.graphml", "<gexf><graph/></gexf>", "not a GRAPHML file"),
        ("g.graphml", "<graphml><graph/></graphml>", "no nodes and no edges"),
        ("g.gexf", "<gexf version='1.3'>\n<graph><nodes>\n<node id='a'></gexf>", "not readable"),
    ],
)
def test_unreadable_graph_files(tmp_path: Path, name: str, text: str, match: str) -> None:
    with pytest.raises(FileFormatError, match=match):
        read_ties(write(tmp_path, name, text))


def test_graph_strict_names_nodes_and_edges(tmp_path: Path) -> None:
    text = GRAPHML_HEAD + (
        '<node id="P001"/>\n<node id="Z1"/>\n<edge source="P001" target="Z2"/>\n</graph></graphml>'
    )
    with pytest.raises(ValidationError) as info:
        read_graphml(
            write(tmp_path, "g.graphml", text),
            people=pd.DataFrame({"person_id": ["P001"]}),
            strict=True,
        )
    assert [(p.row, p.column) for p in info.value.problems] == [(7, "node id"), (8, "target")]


def test_graph_mapping(tmp_path: Path) -> None:
    text = (
        '<graphml><key id="s" for="edge" attr.name="Hours"/>'
        '<key id="t" for="node" attr.name="Squad"/><graph>'
        '<node id="a"><data key="t">Blue</data></node>'
        '<edge source="a" target="b"><data key="s">4</data></edge></graph></graphml>'
    )
    path = write(tmp_path, "g.graphml", text)
    load = read_graphml(path, mapping={"Hours": "weight", "Squad": "team"})
    assert triples(load.ties) == [("a", "b", "collaboration", 4.0)]
    assert load.people.set_index("person_id").loc["a", "team"] == "Blue"
    with pytest.raises(MissingColumnError, match="Squads"):
        read_graphml(path, mapping={"Squads": "team"})
    with pytest.raises(MissingColumnError, match="does not know"):
        read_graphml(path, mapping={"Squad": "squad"})


# -- GEXF ------------------------------------------------------------------------------------


def test_example_gexf(people: pd.DataFrame) -> None:
    load = read_ties(EXAMPLES / "ties.gexf", people=people, strict=True)
    assert_canonical(load.ties)
    assert triples(load.ties) == [
        ("P001", "P002", "collaboration", 12.0),
        ("P002", "P001", "collaboration", 9.0),
        ("P003", "P006", "collaboration", 4.0),
        ("P006", "P001", "advice", 3.0),
        ("P006", "P003", "collaboration", 4.0),
    ]
    attrs = load.people.set_index("person_id")
    assert attrs.loc["P006", "department"] == "People & Culture"
    assert attrs.loc["P001", "name"] == "Ana Silva"
    assert attrs["title"].isna()["P003"]


def test_gexf_12_kind_from_attribute_or_label(tmp_path: Path) -> None:
    text = """<?xml version="1.0" encoding="UTF-8"?>
<gexf xmlns="http://www.gexf.net/1.2draft" version="1.2">
<graph defaultedgetype="undirected">
<attributes class="edge"><attribute id="0" title="relation" type="string"/></attributes>
<attributes class="node"><attribute id="0" title="name" type="string"/></attributes>
<nodes><node id="a" label="A label"><attvalues><attvalue for="0" value="Ann"/></attvalues></node>
<node id="b" label="Bo"/></nodes>
<edges><edge id="0" source="a" target="b" type="directed" label="Advice">
<attvalues><attvalue for="0" value="coaching"/></attvalues></edge>
<edge id="1" source="b" target="c" label="Advice"/>
<edge id="2" source="c" target="a" type="mutual"/></edges>
</graph></gexf>"""
    load = read_gexf(write(tmp_path, "g.gexf", text))
    assert triples(load.ties) == [
        ("a", "b", "coaching", 1.0),
        ("a", "c", "collaboration", 1.0),
        ("b", "c", "advice", 1.0),
        ("c", "a", "collaboration", 1.0),
        ("c", "b", "advice", 1.0),
    ]
    names = load.people.set_index("person_id")["name"]
    assert names["a"] == "Ann"  # a name attribute wins over the label
    assert names["b"] == "Bo"  # the label stands in where the name attribute is absent


def test_gexf_from_networkx(tmp_path: Path) -> None:
    g = nx.DiGraph()
    g.add_node("a", label="Ann", department="Ops", level=3)
    g.add_edge("a", "b", weight=0.5, kind="advice")
    path = tmp_path / "g.gexf"
    nx.write_gexf(g, path)
    load = read_gexf(path)
    assert triples(load.ties) == [("a", "b", "advice", 0.5)]
    row = load.people.set_index("person_id").loc["a"]
    assert (row["name"], row["department"], row["level"]) == ("Ann", "Ops", 3)


def test_gexf_bad_weight(tmp_path: Path) -> None:
    text = (
        '<gexf>\n<graph>\n<edges>\n<edge source="a" target="b" weight="0"/>\n'
        "</edges></graph></gexf>"
    )
    with pytest.raises(ValidationError) as info:
        read_gexf(write(tmp_path, "g.gexf", text))
    assert [(p.row, p.column) for p in info.value.problems] == [(4, "weight")]


def test_weights_are_floats_even_when_integral(tmp_path: Path) -> None:
    load = read_edge_list(write(tmp_path, "t.csv", "source,target,weight\nA,B,3\n"))
    assert load.ties["weight"].to_numpy().dtype == np.float64
