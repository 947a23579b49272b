"""ONA survey answers: questions become tie kinds; respondents, strengths and bad rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from peerweave.errors import MissingColumnError, ValidationError
from peerweave.ingest.survey import read_survey
from peerweave.org.schema import TIES_COLUMNS

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture
def people() -> pd.DataFrame:
    return pd.DataFrame({"person_id": [f"P00{i}" for i in range(1, 9)]})


def write(tmp_path: Path, text: str, name: str = "survey.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def triples(ties: pd.DataFrame) -> list[tuple[str, str, str, float]]:
    cols = ["source", "target", "kind", "weight"]
    return sorted((str(s), str(t), str(k), float(w)) for s, t, k, w in ties[cols].itertuples(False))


def test_example_survey(people: pd.DataFrame) -> None:
    load = read_survey(EXAMPLES / "survey.csv", people=people, strict=True)
    assert list(load.ties.columns) == list(TIES_COLUMNS)
    assert set(load.ties["kind"]) == {"advice", "who_energizes_you"}
    assert ("P005", "P003", "advice", 1.0) in triples(load.ties)  # blank strength: 1
    counts = load.report.counts
    assert counts["respondents"] == 7
    assert counts["answers_advice"] == 6
    assert counts["answers_who_energizes_you"] == 3
    assert counts["answers_naming_no_one"] == 1
    assert load.report.records == 9 and load.report.rows_read == 10


def test_aliases_and_question_argument(tmp_path: Path) -> None:
    load = read_survey(write(tmp_path, "Ego,Alter,Frequency\nA,B,3\n"), question="Go to for help")
    assert triples(load.ties) == [("A", "B", "go_to_for_help", 3.0)]


def test_respondent_naming_no_one_is_still_a_person(tmp_path: Path) -> None:
    load = read_survey(write(tmp_path, "respondent,question,colleague\nA,advice,B\nC,advice,\n"))
    assert sorted(load.new_people["person_id"]) == ["A", "B", "C"]
    assert triples(load.ties) == [("A", "B", "advice", 1.0)]


def test_self_nomination_and_repeats(tmp_path: Path) -> None:
    text = "respondent,question,colleague,strength\nA,advice,A,2\nA,advice,B,1\nA,Advice,B,2\n"
    load = read_survey(write(tmp_path, text))
    assert triples(load.ties) == [("A", "B", "advice", 3.0)]
    assert load.report.counts["self_loops_left_out"] == 1
    assert load.report.counts["duplicates_summed"] == 1


def test_missing_columns(tmp_path: Path) -> None:
    with pytest.raises(MissingColumnError) as info:
        read_survey(write(tmp_path, "respondent,colleague\nA,B\n"))
    assert [p.column for p in info.value.problems] == ["question"]
    with pytest.raises(MissingColumnError) as info:
        read_survey(write(tmp_path, "respondent,answer_text\nA,B\n"), question="advice")
    assert [p.column for p in info.value.problems] == ["colleague"]


def test_bad_rows_in_one_error(tmp_path: Path) -> None:
    text = (
        "Respondent,Question,Colleague,Strength\n"
        "A,advice,B,2\n,advice,B,1\nA,,B,1\nA,advice,B,often\nA,advice,B,0\n"
    )
    with pytest.raises(ValidationError) as info:
        read_survey(write(tmp_path, text))
    where = [(p.row, p.column) for p in info.value.problems]
    assert where == [(3, "Respondent"), (4, "Question"), (5, "Strength"), (6, "Strength")]
    assert "row 5, column Strength: 'often' is not a number" in str(info.value)


def test_unknown_people(tmp_path: Path, people: pd.DataFrame) -> None:
    text = "respondent,question,colleague\nP001,advice,X1\nZ9,advice,P002\nQ4,advice,\n"
    path = write(tmp_path, text)
    load = read_survey(path, people=people)
    assert sorted(load.new_people["person_id"]) == ["Q4", "X1", "Z9"]
    with pytest.raises(ValidationError) as info:
        read_survey(path, people=people, strict=True)
    assert [(p.row, p.column) for p in info.value.problems] == [
        (2, "colleague"),
        (3, "respondent"),
        (4, "respondent"),
    ]


def test_answer_dates_become_the_window(tmp_path: Path) -> None:
    text = "respondent,question,colleague,date\nA,advice,B,2024-05-02\n"
    tie = read_survey(write(tmp_path, text)).ties.iloc[0]
    assert tie["window_start"] == tie["window_end"] == pd.Timestamp("2024-05-02")


def test_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "survey.xlsx"
    frame = pd.DataFrame(
        {"respondent": ["A"], "question": ["Advice"], "colleague": ["B"], "strength": [2]}
    )
    frame.to_excel(path, index=False)
    assert triples(read_survey(path).ties) == [("A", "B", "advice", 2.0)]
