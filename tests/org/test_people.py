"""validate_people: every rule, reported with row and column, all at once, and typed output."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from peerweave.errors import MAX_REPORTED_PROBLEMS, ValidationError
from peerweave.org.people import empty_people, validate_people
from peerweave.org.schema import PEOPLE_COLUMNS, ROW

SOURCE = "hr/people.csv"


def frame(**columns: list[object]) -> pd.DataFrame:
    """A text frame as read_table gives it (empty cells are "")."""
    return pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in columns.items()})


def problems_of(
    people: pd.DataFrame,
) -> tuple[ValidationError, list[tuple[int | None, str | None]]]:
    with pytest.raises(ValidationError) as info:
        validate_people(people, source=SOURCE)
    err = info.value
    assert err.source == SOURCE
    assert str(err).startswith(f"{SOURCE}: ")
    return err, [(p.row, p.column) for p in err.problems]


def test_good_people_are_typed():
    people = validate_people(
        frame(
            person_id=[" P1 ", "P2", "P3"],
            name=["Ann Lee", "Bo", ""],
            email=["Ann@Example.com", "", "cy@example.org"],
            manager_id=["", "P1", "P2"],
            department=["Exec", "Eng", "Eng"],
            level=["7", "3.0", ""],
            timezone=["Europe/Paris", "UTC+2", ""],
            hire_date=["2019-01-02", "", "2021-03-04"],
            opted_out=["no", "yes", ""],
        ),
        source=SOURCE,
    )
    assert list(people.columns) == list(PEOPLE_COLUMNS)
    assert people["person_id"].tolist() == ["P1", "P2", "P3"]
    assert str(people["person_id"].dtype) == "string"
    assert people["level"].dtype == "Int64"
    assert people["level"].tolist()[:2] == [7, 3] and pd.isna(people["level"].iloc[2])
    assert people["hire_date"].dtype == "datetime64[ns]"
    assert people["hire_date"].iloc[0] == pd.Timestamp("2019-01-02")
    assert pd.isna(people["hire_date"].iloc[1])
    assert people["opted_out"].dtype == bool
    assert people["opted_out"].tolist() == [False, True, False]
    assert people["email"].iloc[0] == "ann@example.com"  # lower-cased
    assert pd.isna(people["email"].iloc[1]) and pd.isna(people["name"].iloc[2])
    assert pd.isna(people["manager_id"].iloc[0]) and people["manager_id"].iloc[2] == "P2"
    assert people["timezone"].iloc[:2].tolist() == ["Europe/Paris", "UTC+2"]
    assert ROW not in people.columns


def test_absent_columns_are_all_missing_with_types():
    people = validate_people(frame(person_id=["a", "b"]))
    assert list(people.columns) == list(PEOPLE_COLUMNS)
    assert people.dtypes.equals(empty_people().dtypes)
    for col in PEOPLE_COLUMNS:
        if col == "person_id":
            continue
        flag = col in ("opted_out", "on_leave")
        expected = [False, False] if flag else [True, True]
        assert (people[col] if flag else people[col].isna()).tolist() == expected


def test_no_rows():
    people = validate_people(pd.DataFrame({"person_id": pd.Series([], dtype=object)}))
    assert people.empty and list(people.columns) == list(PEOPLE_COLUMNS)


def test_typed_input_numeric_ids_with_blank_manager():
    # JSON Lines / Parquet: ids are numbers; a blank manager turns the column into floats.
    people = validate_people(
        pd.DataFrame(
            {
                "person_id": [1, 2, 3],
                "manager_id": [np.nan, 1.0, 2.0],
                "level": [3, 4, 5],
                "opted_out": [True, False, False],
            }
        )
    )
    assert people["person_id"].tolist() == ["1", "2", "3"]
    assert pd.isna(people["manager_id"].iloc[0])
    assert people["manager_id"].tolist()[1:] == ["1", "2"]
    assert people["level"].tolist() == [3, 4, 5]
    assert people["opted_out"].tolist() == [True, False, False]


def test_row_column_drives_row_numbers():
    people = frame(person_id=["a", "a"], **{ROW: [5, 9]})
    _, where = problems_of(people)
    assert where == [(9, "person_id")]


@pytest.mark.parametrize("blank", ["", "   ", None])
def test_empty_id(blank):
    err, where = problems_of(frame(person_id=["a", blank, "b"]))
    assert where == [(3, "person_id")]
    assert "empty" in err.problems[0].message


def test_duplicate_id_names_first_row():
    err, where = problems_of(frame(person_id=["a", "b", "a", "c", "a", "b"]))
    assert where == [(4, "person_id"), (6, "person_id"), (7, "person_id")]
    msgs = [p.message for p in err.problems]
    assert "'a'" in msgs[0] and "first on row 2" in msgs[0]
    assert "first on row 2" in msgs[1]
    assert "'b'" in msgs[2] and "first on row 3" in msgs[2]
    assert "person_id" in str(err) and "row 4" in str(err)


def test_duplicates_after_blank_rows_name_the_right_first_row():
    # Regression: blank cells before a duplicate shifted (or broke) the "first on row" lookup.
    err, where = problems_of(frame(person_id=["", "a", "b", "", "a", "b"]))
    assert where == [(2, "person_id"), (5, "person_id"), (6, "person_id"), (7, "person_id")]
    assert "'a' appears again (first on row 3)" in err.problems[2].message
    assert "'b' appears again (first on row 4)" in err.problems[3].message
    err, where = problems_of(
        frame(person_id=["a", "b", "c", "d"], email=["", "", "x@y.com", "X@Y.com"])
    )
    assert where == [(5, "email")]
    assert "first on row 4" in err.problems[0].message


def test_ids_are_case_sensitive_but_trimmed():
    validate_people(frame(person_id=["a", "A"]))
    _, where = problems_of(frame(person_id=["a", " a "]))
    assert where == [(3, "person_id")]


def test_duplicate_email_case_insensitive():
    err, where = problems_of(
        frame(person_id=["a", "b", "c"], email=["Ann@Example.com", "x@y.org", " ann@example.COM "])
    )
    assert where == [(4, "email")]
    assert "first on row 2" in err.problems[0].message


@pytest.mark.parametrize(
    "bad", ["ann", "ann@", "@example.com", "ann@example", "a n@x.com", "a@b@c.d"]
)
def test_bad_email(bad):
    err, where = problems_of(frame(person_id=["a", "b"], email=["ok@example.com", bad]))
    assert where == [(3, "email")]
    assert "not an email address" in err.problems[0].message


def test_bad_emails_are_not_also_duplicates():
    _, where = problems_of(frame(person_id=["a", "b"], email=["nope", "nope"]))
    assert where == [(2, "email"), (3, "email")]


def test_unknown_manager():
    err, where = problems_of(frame(person_id=["a", "b", "c"], manager_id=["", "zz", "a"]))
    assert where == [(3, "manager_id")]
    assert "'zz'" in err.problems[0].message
    assert err.problems[0].fix is not None


def test_self_manager():
    err, where = problems_of(frame(person_id=["a", "b"], manager_id=["", "b"]))
    assert where == [(3, "manager_id")]
    assert "b → b" in err.problems[0].message


def test_two_cycle():
    err, where = problems_of(frame(person_id=["a", "b", "c"], manager_id=["b", "a", "a"]))
    assert where == [(2, "manager_id"), (3, "manager_id")]
    assert all("a → b → a" in p.message for p in err.problems)


def test_three_cycle():
    err, where = problems_of(
        frame(person_id=["r", "a", "b", "c", "d"], manager_id=["", "c", "a", "b", "a"])
    )
    assert where == [(3, "manager_id"), (4, "manager_id"), (5, "manager_id")]
    assert all("a → c → b → a" in p.message for p in err.problems)


def test_two_separate_cycles_in_one_file():
    err, where = problems_of(
        frame(person_id=["a", "b", "c", "d", "e", "f"], manager_id=["b", "c", "a", "e", "d", ""])
    )
    assert where == [(r, "manager_id") for r in (2, 3, 4, 5, 6)]
    loops = sorted({p.message for p in err.problems})
    assert loops == ["manager cycle a → b → c → a", "manager cycle d → e → d"]


def test_cycle_through_duplicate_id_does_not_crash():
    _, where = problems_of(frame(person_id=["a", "b", "a"], manager_id=["b", "a", ""]))
    assert (4, "person_id") in where
    assert (2, "manager_id") in where and (3, "manager_id") in where


@pytest.mark.parametrize(
    ("level", "words"),
    [("senior", "not a whole number"), ("-1", "out of range"), ("2.5", "not a whole number")],
)
def test_bad_level(level, words):
    err, where = problems_of(frame(person_id=["a", "b"], level=["3", level]))
    assert where == [(3, "level")]
    assert words in err.problems[0].message


@pytest.mark.parametrize("date", ["2021-13-01", "03/04/2021", "soon"])
def test_bad_hire_date(date):
    err, where = problems_of(frame(person_id=["a", "b"], hire_date=["2021-01-01", date]))
    assert where == [(3, "hire_date")]
    assert "YYYY-MM-DD" in (err.problems[0].fix or "")


def test_bad_timezone():
    _, where = problems_of(frame(person_id=["a", "b"], timezone=["Mars/Olympus", "UTC"]))
    assert where == [(2, "timezone")]


def test_bad_opted_out():
    _, where = problems_of(frame(person_id=["a", "b"], opted_out=["perhaps", "y"]))
    assert where == [(2, "opted_out")]


def test_many_bad_rows_reported_at_once_sorted_by_row():
    err, where = problems_of(
        frame(
            person_id=["a", "", "a", "d"],
            email=["bad", "x@y.com", "X@y.com", ""],
            manager_id=["", "zz", "", "d"],
            level=["x", "", "-3", ""],
            hire_date=["", "nope", "", ""],
            timezone=["", "", "", "Nowhere/City"],
            opted_out=["", "", "", "meh"],
        )
    )
    assert where == [
        (2, "email"),
        (2, "level"),
        (3, "hire_date"),
        (3, "manager_id"),
        (3, "person_id"),
        (4, "email"),
        (4, "level"),
        (4, "person_id"),
        (5, "manager_id"),
        (5, "opted_out"),
        (5, "timezone"),
    ]
    text = str(err)
    assert text.splitlines()[0] == f"{SOURCE}: 11 problems"
    assert "row 5, column timezone" in text and "(fix: " in text


def test_cap_on_reported_problems():
    n = MAX_REPORTED_PROBLEMS + 25
    err, where = problems_of(frame(person_id=[f"p{i}" for i in range(n)], level=["x"] * n))
    assert where == [(r, "level") for r in range(2, n + 2)]  # all kept on the error
    lines = str(err).splitlines()
    assert lines[0] == f"{SOURCE}: {n} problems"
    assert len(lines) == 1 + MAX_REPORTED_PROBLEMS + 1
    assert lines[-1].strip() == "… and 25 more problems"


def test_default_source_name():
    with pytest.raises(ValidationError, match=r"^people: 1 problem"):
        validate_people(frame(person_id=["", "a"]))


def test_non_default_index_is_ignored():
    people = frame(person_id=["a", "b"], manager_id=["", "a"])
    people.index = [10, 3]
    out = validate_people(people)
    assert out["manager_id"].isna().tolist() == [True, False]
    bad = frame(person_id=["a", "a"])
    bad.index = [7, 1]
    _, where = problems_of(bad)
    assert where == [(3, "person_id")]
