"""read_skills: a good file, emails for person ids, unknown people, header aliases."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from peerweave.errors import FileFormatError, MissingColumnError, ValidationError
from peerweave.ingest.skills import read_skills, read_synonyms
from peerweave.org.people import validate_people
from peerweave.org.schema import SKILLS_COLUMNS


@pytest.fixture
def csv(tmp_path: Path):
    def _csv(*lines: str, name: str = "skills.csv") -> Path:
        path = tmp_path / name
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    return _csv


@pytest.fixture
def people() -> pd.DataFrame:
    return validate_people(
        pd.DataFrame({"person_id": ["P1", "P2", "P3"], "email": ["ann@x.com", "Bo@X.com", ""]})
    )


def test_good_file(csv):
    path = csv(
        "person_id,skill,level,can_teach,wants_to_learn,capacity",
        "P1,SQL,4,yes,no,3",
        "P1,Public Speaking,2,no,no,3",
        "P2, sql ,1,no,yes,",
        "P3,Go,0,,y,0",
    )
    load = read_skills(path)
    skills = load.skills
    assert list(skills.columns) == list(SKILLS_COLUMNS)
    assert skills.to_dict("records") == [
        {
            "person_id": "P1",
            "skill": "sql",
            "level": 4,
            "can_teach": True,
            "wants_to_learn": False,
            "capacity": 3,
        },
        {
            "person_id": "P1",
            "skill": "public speaking",
            "level": 2,
            "can_teach": False,
            "wants_to_learn": False,
            "capacity": 3,
        },
        {
            "person_id": "P2",
            "skill": "sql",
            "level": 1,
            "can_teach": False,
            "wants_to_learn": True,
            "capacity": 2,
        },
        {
            "person_id": "P3",
            "skill": "go",
            "level": 0,
            "can_teach": False,
            "wants_to_learn": True,
            "capacity": 0,
        },
    ]
    report = load.report
    assert report.kind == "skills" and report.source == str(path)
    assert report.rows_read == 4 and report.records == 4
    assert report.counts == {
        "people": 3,
        "skills": 3,
        "can_teach_rows": 1,
        "wants_to_learn_rows": 2,
    }


def test_known_people_by_id_and_email(csv, people):
    path = csv(
        "person_id,skill,level",
        "P1,sql,3",
        "ANN@x.com,go,2",
        "bo@x.com,sql,1",
    )
    skills = read_skills(path, people=people).skills
    assert skills["person_id"].tolist() == ["P1", "P1", "P2"]


def test_unknown_people(csv, people):
    path = csv(
        "person_id,skill,level",
        "P1,sql,3",
        "P9,go,2",
        "nobody@x.com,sql,1",
    )
    with pytest.raises(ValidationError) as info:
        read_skills(path, people=people)
    err = info.value
    assert [(p.row, p.column) for p in err.problems] == [(3, "person_id"), (4, "person_id")]
    assert "'P9'" in err.problems[0].message
    assert str(path) in str(err)


def test_without_people_any_id_is_accepted(csv):
    skills = read_skills(csv("person_id,skill,level", "anyone,sql,1")).skills
    assert skills["person_id"].tolist() == ["anyone"]


def test_aliases(csv):
    path = csv(
        "Employee ID,Skill Name,Proficiency,Willing to teach,Want to learn,Max learners",
        "P1,SQL,3,yes,no,1",
        "P2,SQL,1,no,yes,",
    )
    skills = read_skills(path).skills
    assert skills["person_id"].tolist() == ["P1", "P2"]
    assert skills["level"].tolist() == [3, 1]
    assert skills["can_teach"].tolist() == [True, False]
    assert skills["wants_to_learn"].tolist() == [False, True]
    assert skills["capacity"].tolist() == [1, 2]


def test_email_header_as_person_id(csv, people):
    skills = read_skills(csv("Email,Competency,Rating", "ann@x.com,SQL,2"), people=people).skills
    assert skills[["person_id", "skill", "level"]].iloc[0].tolist() == ["P1", "sql", 2]


def test_mapping(csv):
    path = csv("Who,What,How good", "P1,sql,2")
    mapping = {"Who": "person_id", "What": "skill", "How good": "level"}
    assert read_skills(path, mapping=mapping).skills["level"].tolist() == [2]


def test_missing_required_columns_all_listed(csv):
    path = csv("person_id,notes", "P1,x")
    with pytest.raises(MissingColumnError) as info:
        read_skills(path)
    assert [p.column for p in info.value.problems] == ["skill", "level"]
    assert str(path) in str(info.value)


def test_every_bad_row_in_one_report(csv):
    path = csv(
        "person_id,skill,level,can_teach,wants_to_learn,capacity",
        "P1,sql,5,yes,yes,2",
        ",go,1,,,",
        "P1, SQL ,2,maybe,,3",
        "",
        "P2,,x,,,-1",
    )
    with pytest.raises(ValidationError) as info:
        read_skills(path)
    assert [(p.row, p.column) for p in info.value.problems] == [
        (2, "capacity"),
        (2, "level"),
        (2, "wants_to_learn"),
        (3, "person_id"),
        (4, "can_teach"),
        (4, "capacity"),
        (4, "skill"),
        (6, "capacity"),
        (6, "level"),
        (6, "skill"),
    ]


def test_empty_file(csv):
    with pytest.raises(FileFormatError, match="no data rows"):
        read_skills(csv("person_id,skill,level"))


def test_row_without_person_id_is_not_given_to_someone_without_email(tmp_path, people):
    # Regression: a missing person_id matched the missing email of P3 and was read as P3.
    path = tmp_path / "skills.parquet"
    pd.DataFrame({"person_id": ["P1", None], "skill": ["sql", "go"], "level": [1, 2]}).to_parquet(
        path
    )
    with pytest.raises(ValidationError) as info:
        read_skills(path, people=people)
    assert [(p.row, p.column) for p in info.value.problems] == [(2, "person_id")]
    assert info.value.problems[0].message == "person_id is empty"


def test_json_lines(tmp_path, people):
    path = tmp_path / "skills.jsonl"
    path.write_text(
        '{"person_id": "bo@x.com", "skill": "SQL", "level": 2, "can_teach": true}\n'
        '{"person_id": "P3", "skill": "Go", "level": 1, "wants_to_learn": "yes"}\n'
    )
    skills = read_skills(path, people=people).skills
    assert skills[["person_id", "skill", "level", "can_teach", "wants_to_learn"]].to_dict(
        "records"
    ) == [
        {"person_id": "P2", "skill": "sql", "level": 2, "can_teach": True, "wants_to_learn": False},
        {"person_id": "P3", "skill": "go", "level": 1, "can_teach": False, "wants_to_learn": True},
    ]


# ------------------------------------------------------------------ synonyms
def test_synonyms_file_maps_aliases(csv):
    synonyms = read_synonyms(
        csv("Alias,Skill", "py,Python", " Python 3 ,python", "JS,JavaScript", name="syn.csv")
    )
    assert synonyms == {"js": "javascript", "py": "python", "python 3": "python"}
    load = read_skills(
        csv(
            "person_id,skill,level,can_teach,wants_to_learn",
            "P1,PY,3,yes,no",
            "P2,python  3,1,no,yes",
            "P3,js,0,no,yes",
            "P3,Go,0,no,yes",
        ),
        synonyms=synonyms,
    )
    assert load.skills["skill"].tolist() == ["python", "python", "javascript", "go"]
    assert load.report.counts["renamed_by_synonyms"] == 3


def test_without_synonyms_the_report_is_unchanged(csv):
    load = read_skills(csv("person_id,skill,level", "P1,py,1"))
    assert "renamed_by_synonyms" not in load.report.counts
    assert load.skills["skill"].tolist() == ["py"]


def test_synonyms_file_missing_column(csv):
    with pytest.raises(MissingColumnError) as info:
        read_synonyms(csv("alias,name", "py,python", name="syn.csv"))
    assert "syn.csv" in str(info.value)
    assert "no column skill" in str(info.value) and "alias,skill" in str(info.value)


def test_synonyms_file_alias_to_two_skills_and_chains(csv):
    path = csv(
        "alias,skill",
        "py,python",
        "py,pyspark",
        "js,ecmascript",
        "ecmascript,javascript",
        name="syn.csv",
    )
    with pytest.raises(ValidationError) as info:
        read_synonyms(path)
    assert str(info.value).startswith(f"{path}: 2 problems")
    assert [(p.row, p.column) for p in info.value.problems] == [(3, "skill"), (4, "skill")]


def test_synonyms_file_problems_name_the_file_headers(csv):
    with pytest.raises(ValidationError) as info:
        read_synonyms(csv("Synonym,Canonical", "py,", name="syn.csv"))
    assert [(p.row, p.column) for p in info.value.problems] == [(2, "Canonical")]
