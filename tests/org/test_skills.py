"""validate_skills: levels, booleans, teach-and-learn, capacity, duplicates, unknown people."""

from __future__ import annotations

import pandas as pd
import pytest

from peerweave.errors import ValidationError
from peerweave.org.schema import DEFAULT_CAPACITY, ROW, SKILLS_COLUMNS
from peerweave.org.skills import normalise_skill, validate_skills, validate_synonyms

SOURCE = "skills.csv"


def frame(**columns: list[object]) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {
        "person_id": [f"p{i}" for i in range(n)],
        "skill": ["sql"] * n,
        "level": ["2"] * n,
        "can_teach": [""] * n,
        "wants_to_learn": [""] * n,
    }
    base.update(columns)
    return pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in base.items()})


def problems_of(skills: pd.DataFrame, **kwargs) -> tuple[ValidationError, list[tuple]]:
    with pytest.raises(ValidationError) as info:
        validate_skills(skills, source=SOURCE, **kwargs)
    err = info.value
    assert str(err).startswith(f"{SOURCE}: ")
    return err, [(p.row, p.column) for p in err.problems]


def test_good_rows_are_typed():
    out = validate_skills(
        frame(
            person_id=["a", "a", " b "],
            skill=[" Public   Speaking ", "SQL", "sql"],
            level=["0", "4", "2.0"],
            can_teach=["yes", "", "n"],
            wants_to_learn=["no", "1", "TRUE"],
            capacity=["3", "", ""],
        ),
        source=SOURCE,
    )
    assert list(out.columns) == list(SKILLS_COLUMNS)
    assert out.to_dict("records") == [
        {
            "person_id": "a",
            "skill": "public speaking",
            "level": 0,
            "can_teach": True,
            "wants_to_learn": False,
            "capacity": 3,
        },
        {
            "person_id": "a",
            "skill": "sql",
            "level": 4,
            "can_teach": False,
            "wants_to_learn": True,
            "capacity": 3,
        },
        {
            "person_id": "b",
            "skill": "sql",
            "level": 2,
            "can_teach": False,
            "wants_to_learn": True,
            "capacity": DEFAULT_CAPACITY,
        },
    ]
    assert out["level"].dtype == "int64" and out["capacity"].dtype == "int64"
    assert out["can_teach"].dtype == bool and out["wants_to_learn"].dtype == bool


def test_optional_columns_absent():
    skills = pd.DataFrame({"person_id": ["a"], "skill": ["Go"], "level": ["1"]})
    out = validate_skills(skills)
    assert out.iloc[0].to_dict() == {
        "person_id": "a",
        "skill": "go",
        "level": 1,
        "can_teach": False,
        "wants_to_learn": False,
        "capacity": DEFAULT_CAPACITY,
    }


@pytest.mark.parametrize(
    ("level", "words"),
    [
        ("5", "out of range"),
        ("-1", "out of range"),
        ("9", "out of range"),
        ("1.5", "not a whole number"),
        ("expert", "not a whole number"),
    ],
)
def test_level_outside_zero_to_four(level, words):
    err, where = problems_of(frame(level=["3", level]))
    assert where == [(3, "level")]
    assert words in err.problems[0].message


@pytest.mark.parametrize("blank", ["", "  ", None])
def test_empty_level(blank):
    err, where = problems_of(frame(level=[blank, "1"]))
    assert where == [(2, "level")]
    assert err.problems[0].message == "level is empty"


@pytest.mark.parametrize("column", ["person_id", "skill"])
@pytest.mark.parametrize("blank", ["", " ", None])
def test_empty_person_or_skill(column, blank):
    values = ["x", blank] if column == "skill" else ["p0", blank]
    err, where = problems_of(frame(**{column: values}))
    assert where == [(3, column)]
    assert err.problems[0].message == f"{column} is empty"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("t", True),
        ("yes", True),
        ("Y", True),
        ("1", True),
        ("x", True),
        ("false", False),
        ("F", False),
        ("No", False),
        ("n", False),
        ("0", False),
        ("", False),
    ],
)
@pytest.mark.parametrize("column", ["can_teach", "wants_to_learn"])
def test_boolean_spellings(column, text, value):
    out = validate_skills(frame(**{column: [text]}))
    assert out[column].tolist() == [value]


@pytest.mark.parametrize("column", ["can_teach", "wants_to_learn"])
def test_bad_boolean(column):
    err, where = problems_of(frame(**{column: ["maybe", "yes"]}))
    assert where == [(2, column)]
    assert "'maybe'" in err.problems[0].message


def test_teach_and_learn_same_skill():
    err, where = problems_of(
        frame(
            person_id=["a", "b"],
            skill=["SQL", "go"],
            can_teach=["yes", "yes"],
            wants_to_learn=["yes", "no"],
        )
    )
    assert where == [(2, "wants_to_learn")]
    assert "'sql'" in err.problems[0].message and "a" in err.problems[0].message


def test_teach_one_skill_learn_another_is_fine():
    out = validate_skills(
        frame(
            person_id=["a", "a"],
            skill=["sql", "go"],
            can_teach=["y", "n"],
            wants_to_learn=["n", "y"],
        )
    )
    assert out["can_teach"].tolist() == [True, False]


def test_capacity_differs_across_rows_of_a_person():
    err, where = problems_of(
        frame(
            person_id=["a", "a", "b", "a"], skill=["x", "y", "x", "z"], capacity=["1", "3", "5", ""]
        )
    )
    assert where == [(2, "capacity"), (3, "capacity")]
    assert "differs" in err.problems[0].message


@pytest.mark.parametrize("capacity", [["0", "0"], ["0", ""], ["", "0"]])
def test_capacity_zero_allowed_and_spread_to_the_person(capacity):
    out = validate_skills(frame(person_id=["a", "a"], skill=["x", "y"], capacity=capacity))
    assert out["capacity"].tolist() == [0, 0]


@pytest.mark.parametrize(("value", "words"), [("-1", "out of range"), ("two", "whole number")])
def test_bad_capacity(value, words):
    err, where = problems_of(frame(capacity=[value]))
    assert where == [(2, "capacity")]
    assert words in err.problems[0].message


@pytest.mark.parametrize(
    ("first", "again"),
    [(" SQL", "sql"), ("Public Speaking", "public   speaking"), ("go", "GO "), ("sql", "sql")],
)
def test_duplicate_person_and_skill(first, again):
    err, where = problems_of(frame(person_id=["a", "b", "a"], skill=[first, again, again]))
    assert where == [(4, "skill")]
    assert "first on row 2" in err.problems[0].message


def test_unknown_people():
    err, where = problems_of(
        frame(person_id=["a", "zz", "b", "yy"]), known_people=pd.Series(["a", "b", "c"])
    )
    assert where == [(3, "person_id"), (5, "person_id")]
    assert "'zz'" in err.problems[0].message


def test_known_people_all_known():
    out = validate_skills(frame(person_id=["a", " b "]), known_people=pd.Series(["a", "b"]))
    assert out["person_id"].tolist() == ["a", "b"]


def test_every_problem_at_once_in_row_order_with_row_column():
    skills = frame(
        person_id=["a", "", "a", "b"],
        skill=["sql", "go", "SQL", ""],
        level=["7", "", "2", "x"],
        can_teach=["yes", "", "", "?"],
        wants_to_learn=["yes", "", "", ""],
        **{ROW: [2, 4, 5, 9]},
    )
    err, where = problems_of(skills)
    assert where == [
        (2, "level"),
        (2, "wants_to_learn"),
        (4, "level"),
        (4, "person_id"),
        (5, "skill"),
        (9, "can_teach"),
        (9, "level"),
        (9, "skill"),
    ]
    assert "(first on row 2)" in err.problems[4].message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("  Public   Speaking", "public speaking"), ("SQL", "sql"), ("a\tb", "a b")],
)
def test_normalise_skill(raw, expected):
    assert normalise_skill(pd.Series([raw])).tolist() == [expected]


def test_normalise_skill_blank_is_missing():
    assert normalise_skill(pd.Series(["", "  ", None])).isna().all()


# ------------------------------------------------------------------ synonyms
def test_normalise_skill_with_synonyms_folds_both_sides():
    synonyms = {" Py ": "Python", "JS": "javascript"}
    names = pd.Series(["py", "PY", "python", "js", "Excel", None])
    out = normalise_skill(names, synonyms)
    assert out[:5].tolist() == ["python", "python", "python", "javascript", "excel"]
    assert pd.isna(out[5])


def test_synonyms_make_two_spellings_of_one_person_duplicates():
    skills = frame(person_id=["a", "a"], skill=["Python", "py"])
    err, where = problems_of(skills, synonyms={"py": "python"})
    assert where == [(3, "skill")]
    assert "'python' again (first on row 2)" in err.problems[0].message


def test_validate_synonyms_good_rows():
    synonyms = validate_synonyms(
        pd.DataFrame(
            {
                "alias": ["Py", "python3", " PY ", "SQL"],
                "skill": ["Python", "python", "python", "sql"],
            }
        )
    )
    assert synonyms == {"py": "python", "python3": "python"}  # same pair twice is fine


def test_validate_synonyms_problems():
    with pytest.raises(ValidationError) as info:
        validate_synonyms(
            pd.DataFrame(
                {
                    "alias": ["py", "py", "", "a", "b"],
                    "skill": ["python", "pyspark", "x", "b", "c"],
                }
            ),
            source="synonyms.csv",
        )
    text = str(info.value)
    assert [(p.row, p.column) for p in info.value.problems] == [
        (3, "skill"),
        (4, "alias"),
        (5, "skill"),
    ]
    assert "alias 'py' maps to 'pyspark' here but to 'python' on row 2" in text
    assert "'b' is itself an alias of 'c' (row 6), so 'a' would need two steps" in text
    assert "map the alias straight to the final skill name" in text


def test_validate_synonyms_cycle_is_a_chain():
    with pytest.raises(ValidationError, match="itself an alias"):
        validate_synonyms(pd.DataFrame({"alias": ["a", "b"], "skill": ["b", "a"]}))
