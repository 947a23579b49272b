"""The Viva Insights person-to-person query: columns as exported, weights, dates, people."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from peerweave.errors import MissingColumnError, ValidationError
from peerweave.ingest.viva import read_viva
from peerweave.org.schema import TIES_COLUMNS

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
HEAD = "PrimaryCollaborator_PersonId,SecondaryCollaborator_PersonId,MetricDate,Strong_tie_score"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p2p.csv"
    path.write_text(text, encoding="utf-8")
    return path


def pairs(ties: pd.DataFrame) -> list[tuple[str, str, float]]:
    cols = ["source", "target", "weight"]
    return sorted((str(s), str(t), round(float(w), 6)) for s, t, w in ties[cols].itertuples(False))


def test_example_viva() -> None:
    load = read_viva(EXAMPLES / "viva_p2p.csv")
    ties = load.ties
    assert list(ties.columns) == list(TIES_COLUMNS)
    assert len(ties) == 7
    assert set(ties["kind"]) == {"collaboration"}
    assert (ties["window_start"] == pd.Timestamp("2023-01-04")).all()
    assert load.report.counts["zero_weight_left_out"] == 1
    assert load.report.counts["people_created"] == 6
    person = load.people.set_index("person_id").loc["5a9f3c71-e2d4-3b86-8f1a-7c5e0b3d2a44"]
    assert person["department"] == "Sales"
    assert person["level"] == 5
    assert person["title"] == "Sales Director"
    assert person["location"] == "Chicago"
    assert person["timezone"] == "America/Chicago"
    assert str(load.people["level"].dtype) == "Int64"


def test_p2p_data_sim_shape_and_weight_column_spellings(tmp_path: Path) -> None:
    # vivainsights' p2p_data_sim(): City attributes and a StrongTieScore column, no date
    text = (
        "PrimaryCollaborator_PersonId,SecondaryCollaborator_PersonId,"
        "PrimaryCollaborator_Organization,SecondaryCollaborator_Organization,"
        "PrimaryCollaborator_LevelDesignation,SecondaryCollaborator_LevelDesignation,"
        "PrimaryCollaborator_City,SecondaryCollaborator_City,StrongTieScore\n"
        "SIM_ID_0,SIM_ID_1,Org A,Org F,Level 0,Level 1,City A,City C,1\n"
        "SIM_ID_1,SIM_ID_2,Org F,Org F,Level 1,Level 2,City C,City B,1\n"
    )
    load = read_viva(write(tmp_path, text))
    assert pairs(load.ties) == [("SIM_ID_0", "SIM_ID_1", 1.0), ("SIM_ID_1", "SIM_ID_2", 1.0)]
    assert load.ties["window_start"].isna().all()
    people = load.people.set_index("person_id")
    assert people.loc["SIM_ID_2", "location"] == "City B"
    assert people.loc["SIM_ID_0", "level"] == 0


def test_older_tie_origin_prefixes(tmp_path: Path) -> None:
    text = (
        "TieOrigin_PersonId,TieDestination_PersonId,TieOrigin_Region,StrongTieScore\na,b,EMEA,2\n"
    )
    load = read_viva(write(tmp_path, text))
    assert pairs(load.ties) == [("a", "b", 2.0)]
    assert load.people.set_index("person_id").loc["a", "location"] == "EMEA"


def test_choose_the_weight_column(tmp_path: Path) -> None:
    text = f"{HEAD},Diverse_tie_score\na,b,01/04/2023,0.5,0.25\n"
    path = write(tmp_path, text)
    assert pairs(read_viva(path, weight_column="Diverse tie score").ties) == [("a", "b", 0.25)]
    assert pairs(read_viva(path, weight_column=None).ties) == [("a", "b", 1.0)]
    with pytest.raises(MissingColumnError) as info:
        read_viva(path, weight_column="Collaboration_hours")
    assert "Diverse_tie_score" in str(info.value)
    assert info.value.problems[0].column == "Collaboration_hours"


def test_not_a_p2p_export(tmp_path: Path) -> None:
    with pytest.raises(MissingColumnError) as info:
        read_viva(write(tmp_path, "PersonId,MetricDate,Collaboration_hours\na,01/04/2023,3\n"))
    assert [p.column for p in info.value.problems] == [
        "PrimaryCollaborator_PersonId",
        "SecondaryCollaborator_PersonId",
    ]


def test_several_dates(tmp_path: Path) -> None:
    text = (
        f"{HEAD},PrimaryCollaborator_Organization,SecondaryCollaborator_Organization\n"
        "a,b,12/05/2022,0.5,Sales,Ops\n"
        "a,b,01/02/2023,0.25,Marketing,Ops\n"
        "b,c,12/05/2022,1,Ops,Sales\n"
    )
    path = write(tmp_path, text)
    latest = read_viva(path)
    assert pairs(latest.ties) == [("a", "b", 0.25)]
    assert latest.report.counts["rows_from_earlier_dates_left_out"] == 2
    assert latest.people.set_index("person_id").loc["a", "department"] == "Marketing"
    every = read_viva(path, dates="all")
    assert pairs(every.ties) == [("a", "b", 0.75), ("b", "c", 1.0)]
    tie = every.ties.iloc[0]
    assert (tie["window_start"], tie["window_end"]) == (
        pd.Timestamp("2022-12-05"),
        pd.Timestamp("2023-01-02"),
    )
    # one row per person: the most recent attributes
    assert every.people.set_index("person_id").loc["a", "department"] == "Marketing"
    assert every.people["person_id"].is_unique


def test_bad_rows_in_one_error(tmp_path: Path) -> None:
    text = f"{HEAD}\na,b,01/04/2023,x\n,b,01/04/2023,1\na,b,2023-31-31,1\na,b,01/04/2023,-1\n"
    with pytest.raises(ValidationError) as info:
        read_viva(write(tmp_path, text))
    assert [(p.row, p.column) for p in info.value.problems] == [
        (2, "Strong_tie_score"),
        (3, "PrimaryCollaborator_PersonId"),
        (4, "MetricDate"),
        (5, "Strong_tie_score"),
    ]


def test_mapping_and_unread_attributes(tmp_path: Path) -> None:
    text = (
        "PrimaryCollaborator_PersonId,SecondaryCollaborator_PersonId,Strong_tie_score,"
        "PrimaryCollaborator_Area,SecondaryCollaborator_Area,PrimaryCollaborator_Layer\n"
        "a,b,1,North,South,3\n"
    )
    path = write(tmp_path, text)
    load = read_viva(path, mapping={"Area": "department"})
    assert load.people.set_index("person_id").loc["b", "department"] == "South"
    assert any("Layer" in n.message for n in load.report.notes)


def test_unknown_people_and_strict(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEAD}\na,b,01/04/2023,1\n")
    people = pd.DataFrame({"person_id": ["a"]})
    assert read_viva(path, people=people).new_people["person_id"].tolist() == ["b"]
    with pytest.raises(ValidationError) as info:
        read_viva(path, people=people, strict=True)
    assert [(p.row, p.column) for p in info.value.problems] == [
        (2, "SecondaryCollaborator_PersonId")
    ]


def test_windows_time_zone_names(tmp_path: Path) -> None:
    text = (
        "PrimaryCollaborator_PersonId,SecondaryCollaborator_PersonId,Strong_tie_score,"
        "PrimaryCollaborator_TimeZone,SecondaryCollaborator_TimeZone\n"
        "a,b,1,Tokyo Standard Time,Nowhere Time\n"
    )
    zones = read_viva(write(tmp_path, text)).people.set_index("person_id")["timezone"]
    assert zones["a"] == "Asia/Tokyo"
    assert pd.isna(zones["b"])
