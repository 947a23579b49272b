"""read_sessions / read_feedback: good files in every format, header spellings, and each
bad input named by file, row, column and fix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from peerweave.errors import MissingColumnError, ValidationError
from peerweave.ingest.sessions import (
    read_feedback,
    read_sessions,
    validate_feedback,
    validate_sessions,
)
from peerweave.learning.schema import FEEDBACK_COLUMNS, SESSION_COLUMNS

Csv = Callable[..., Path]

HEADER = (
    "session_id,learner_id,teacher_id,skill,status,proposed_at,held_at,applied_at,parent_session_id"
)
GOOD = [
    HEADER,
    "1,bo,ana,SQL,held,2025-01-02,2025-01-10,2025-01-20,",
    "2,cy,bo,sql,held,2025-02-01,2025-02-05,,1",
    "3,dee,ana,Go,cancelled,2025-03-01,,,",
    "4,eve,bo,sql,proposed,2025-03-02,,,1",
]


@pytest.fixture
def csv(tmp_path: Path) -> Csv:
    def _csv(*lines: str, name: str = "sessions.csv") -> Path:
        path = tmp_path / name
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    return _csv


def problems(err: pytest.ExceptionInfo[ValidationError]) -> list[tuple[int | None, str | None]]:
    return [(p.row, p.column) for p in err.value.problems]


def test_good_file(csv: Csv) -> None:
    s = read_sessions(csv(*GOOD), known_people=["ana", "bo", "cy", "dee", "eve"])
    assert list(s.columns) == list(SESSION_COLUMNS)
    assert s["skill"].tolist() == ["sql", "sql", "go", "sql"]
    assert s["status"].tolist() == ["held", "held", "cancelled", "proposed"]
    assert s["parent_session_id"].tolist() == [pd.NA, 1, pd.NA, 1]
    assert s["round_id"].isna().all() and s["cancelled_at"].isna().all()
    assert s.loc[0, "applied_at"] == pd.Timestamp("2025-01-20")
    assert str(s["held_at"].dtype) == "datetime64[ns]"
    assert str(s["parent_session_id"].dtype) == "Int64"


def test_header_spellings_status_words_and_inferred_fields(csv: Csv) -> None:
    path = csv(
        "Student;Mentor;Topic;State;Date;Canceled;Requested at",
        "bo;ana; Public  Speaking ;Done;2025-01-10;;2025-01-01",
        "cy;ana;sql;;;2025-01-09;",
        "dee;bo;sql;;2025-02-01;;",
        "eve;bo;sql;canceled;;2025-03-01;",
    )
    s = read_sessions(path, synonyms={"public speaking": "presenting"})
    assert s["session_id"].tolist() == [1, 2, 3, 4]  # no id column: rows are numbered
    assert s["skill"].tolist() == ["presenting", "sql", "sql", "sql"]
    assert s["status"].tolist() == ["held", "cancelled", "held", "cancelled"]
    # proposed_at comes from the row's earliest date; wished_at from "Requested at"
    assert s["proposed_at"].dt.strftime("%Y-%m-%d").tolist() == [
        "2025-01-10",
        "2025-01-09",
        "2025-02-01",
        "2025-03-01",
    ]
    assert s.loc[0, "wished_at"] == pd.Timestamp("2025-01-01")


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet"])
def test_excel_and_parquet(tmp_path: Path, csv: Csv, suffix: str) -> None:
    frame = pd.read_csv(csv(*GOOD), dtype=str, keep_default_na=False)
    path = tmp_path / f"sessions{suffix}"
    if suffix == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_parquet(path)
    s = read_sessions(path)
    assert s["session_id"].tolist() == [1, 2, 3, 4]
    assert s["status"].tolist() == ["held", "held", "cancelled", "proposed"]


def test_missing_columns(csv: Csv) -> None:
    with pytest.raises(MissingColumnError, match="no column teacher_id"):
        read_sessions(csv("learner_id,skill", "bo,sql"))


def test_every_session_problem_is_named(csv: Csv) -> None:
    path = csv(
        HEADER + ",wished_at",
        "1,bo,ana,sql,held,2025-01-02,2025-01-10,,,",  # fine
        "2,bo,bo,sql,held,2025-01-02,2025-01-10,,,",  # learns from themself
        "3,zed,ana,sql,held,2025-01-02,2025-01-10,,,",  # unknown learner
        "4,bo,ana,sql,finished,2025-01-02,,,,",  # unknown status
        "5,bo,ana,sql,held,2025-01-02,10/01/2025,,,",  # date that does not parse
        "6,bo,ana,sql,held,2025-01-02,,,,",  # held without held_at
        "7,cy,bo,sql,held,2025-02-01,2025-02-05,,99,",  # parent nowhere
        "8,cy,ana,sql,held,2025-02-01,2025-02-05,,1,",  # parent's learner is bo, not ana
        "9,cy,bo,go,held,2025-02-01,2025-02-05,,1,",  # parent about sql
        "10,cy,bo,sql,held,2024-12-01,2024-12-05,,1,",  # parent held later
        "1,dee,ana,sql,proposed,2025-01-02,,,,",  # id again
        "12,dee,ana,sql,proposed,2025-01-02,,2025-01-09,,",  # applied but not held
        "13,dee,ana,sql,held,2025-01-09,2025-01-02,,,",  # held before proposed
        "14,dee,ana,sql,held,2025-01-09,2025-01-12,2025-01-10,,",  # applied before held
        "15,dee,ana,sql,proposed,2025-01-09,,,,2025-02-01",  # wished after proposed
        "16,dee,ana,sql,held,2025-01-09,2025-01-12,,16,",  # its own parent
        ",dee,ana,sql,proposed,2025-01-09,,,,",  # no id
    )
    with pytest.raises(ValidationError) as err:
        read_sessions(path, known_people=["ana", "bo", "cy", "dee"])
    assert problems(err) == [
        (3, "teacher_id"),
        (4, "learner_id"),
        (5, "status"),
        (6, "held_at"),
        (7, "held_at"),
        (8, "parent_session_id"),
        (9, "parent_session_id"),
        (10, "parent_session_id"),
        (11, "parent_session_id"),
        (12, "session_id"),
        (13, "applied_at"),
        (14, "held_at"),
        (15, "applied_at"),
        (16, "proposed_at"),
        (17, "parent_session_id"),
        (18, "session_id"),
    ]
    text = str(err.value)
    assert text.startswith(f"{path}: 16 problems")
    assert (
        "row 3, column teacher_id: bo learns from themself (fix: name two different people)" in text
    )
    assert "person 'zed' is not a known person" in text
    assert "'finished' is not a session status (fix: use one of proposed, scheduled, held" in text
    assert "'10/01/2025' is not a date" in text
    assert "session 99 is neither in this file nor in the ledger" in text
    assert "the learner of session 1 is bo, not this session's teacher ana" in text
    assert "session 1 was about 'sql', not 'go'" in text
    assert "session 1 was held on 2025-01-10, after this one" in text
    assert "session 1 again (first on row 2)" in text
    assert "applied_at is given but the session is proposed, not held" in text
    assert "held_at 2025-01-02 is before proposed_at 2025-01-09" in text
    assert "a session cannot be its own parent" in text


def test_errors_name_the_files_own_headers(csv: Csv) -> None:
    path = csv("Student,Mentor,Topic,State,Date", "bo,bo,sql,held,2025-01-02")
    with pytest.raises(ValidationError, match="row 2, column Mentor: bo learns from themself"):
        read_sessions(path)


def test_parents_in_the_ledger_and_ids_already_there() -> None:
    ledger = pd.DataFrame(
        {
            "session_id": [1, 2],
            "learner_id": ["bo", "cy"],
            "teacher_id": ["ana", "ana"],
            "skill": ["sql", "sql"],
            "status": ["held", "cancelled"],
            "held_at": pd.to_datetime(["2025-01-10", None]),
        }
    )
    rows = pd.DataFrame(
        {
            "session_id": ["3", "4", "2"],
            "learner_id": ["cy", "dee", "eve"],
            "teacher_id": ["bo", "cy", "ana"],
            "skill": ["sql", "sql", "sql"],
            "status": ["held", "held", "proposed"],
            "proposed_at": ["2025-02-01", "2025-02-01", "2025-02-01"],
            "held_at": ["2025-02-03", "2025-02-03", ""],
            "parent_session_id": ["1", "2", ""],
        }
    )
    with pytest.raises(ValidationError) as err:
        validate_sessions(rows, known_sessions=ledger)
    assert problems(err) == [(3, "parent_session_id"), (4, "session_id")]
    assert "session 2 is cancelled, not held" in str(err.value)
    assert "session 2 is already in the ledger" in str(err.value)
    ok = validate_sessions(rows.iloc[:1], known_sessions=ledger)
    assert ok["parent_session_id"].tolist() == [1]


# ---------------------------------------------------------------- feedback

FEEDBACK = [
    "session_id,author_id,role,rating,prepared,clear,again,comment,given_at",
    "1,bo,learner,5,yes,yes,yes,Great!,2025-01-11",
    "1,ana,teacher,4,,no,y,,",
    "2,bo,,3,,,,,2025-02-06",
]


@pytest.fixture
def sessions(csv: Csv) -> pd.DataFrame:
    return read_sessions(csv(*GOOD))


def test_good_feedback(csv: Csv, sessions: pd.DataFrame) -> None:
    f = read_feedback(csv(*FEEDBACK, name="feedback.csv"), sessions=sessions)
    assert list(f.columns) == list(FEEDBACK_COLUMNS)
    assert f["role"].tolist() == ["learner", "teacher", "teacher"]  # bo taught session 2
    assert f["rating"].tolist() == [5, 4, 3]
    assert f["prepared"].tolist() == [True, pd.NA, pd.NA]
    assert f["clear"].tolist() == [True, False, pd.NA]
    assert f["comment"].tolist() == ["Great!", "", ""]
    # a blank given_at is the day the session was held
    assert f["given_at"].dt.strftime("%Y-%m-%d").tolist() == [
        "2025-01-11",
        "2025-01-10",
        "2025-02-06",
    ]


def test_feedback_spellings(csv: Csv, sessions: pd.DataFrame) -> None:
    path = csv(
        "Session,Given by,Side,Stars,Would learn again,Comments",
        "1,bo,student,4,yes,Good",
        "1,ana,mentor,5,,",
        name="f.csv",
    )
    f = read_feedback(path, sessions=sessions)
    assert f[["role", "rating", "again", "comment"]].values.tolist() == [
        ["learner", 4, True, "Good"],
        ["teacher", 5, pd.NA, ""],
    ]


def test_every_feedback_problem_is_named(csv: Csv, sessions: pd.DataFrame) -> None:
    path = csv(
        "session_id,author_id,role,rating,again,given_at",
        "1,bo,learner,5,yes,",  # fine
        "1,bo,learner,4,,",  # the learner again
        "9,bo,learner,4,,",  # no such session
        "3,dee,learner,4,,",  # cancelled: no feedback
        "2,zed,,4,,",  # not in the session
        "2,cy,teacher,4,,",  # cy was the learner
        "2,bo,teacher,0,,",  # rating out of range
        "2,cy,learner,,,",  # rating missing
        "2,cy,student,,maybe,2025-01-01",  # (duplicate learner) bad yes/no, before held
        "2,bo,guest,4,,",  # unknown role
        ",bo,learner,4,,",  # no session
        name="f.csv",
    )
    with pytest.raises(ValidationError) as err:
        read_feedback(path, sessions=sessions)
    got = problems(err)
    assert (3, "role") in got  # feedback twice
    assert (4, "session_id") in got  # session 9
    assert (5, "session_id") in got  # cancelled
    assert (6, "author_id") in got  # zed
    assert (7, "role") in got  # cy was not the teacher
    assert (8, "rating") in got
    assert (9, "rating") in got
    assert {(10, "again"), (10, "given_at"), (10, "role")} <= set(got)
    assert (11, "role") in got
    assert (12, "session_id") in got
    text = str(err.value)
    assert "the learner of session 1 gave feedback again (first on row 2)" in text
    assert "session 9 is neither in the file of sessions nor in the ledger" in text
    assert "session 3 is cancelled; feedback comes after a held session" in text
    assert "zed was not in session 2 (learner cy, teacher bo)" in text
    assert "cy was not the teacher of session 2" in text
    assert "0 is out of range (fix: use a whole number from 1 to 5)" in text
    assert "'guest' is not a role" in text


def test_feedback_already_stored_is_refused(sessions: pd.DataFrame) -> None:
    stored = pd.DataFrame({"session_id": [1], "role": ["learner"]})
    rows = pd.DataFrame(
        {"session_id": ["1", "1"], "author_id": ["bo", "ana"], "rating": ["4", "5"]}
    )
    with pytest.raises(ValidationError, match="the learner of session 1 already gave feedback"):
        validate_feedback(rows, sessions=sessions, existing=stored)
    assert len(validate_feedback(rows.iloc[1:], sessions=sessions, existing=stored)) == 1
