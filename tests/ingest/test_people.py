"""read_people: canonical and HRIS headers, --map, manager by email or name, grades, errors."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from peerweave.errors import FileFormatError, MissingColumnError, ValidationError
from peerweave.ingest.people import read_people
from peerweave.ingest.tabular import parse_mapping
from peerweave.org.schema import PEOPLE_COLUMNS


@pytest.fixture
def csv(tmp_path: Path):
    """Write lines to a CSV file in tmp_path; return its path."""

    def _csv(*lines: str, name: str = "people.csv", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
        return path

    return _csv


def notes_text(load) -> str:
    return "\n".join(str(n) for n in load.report.notes)


def test_canonical_headers(csv):
    path = csv(
        ",".join(PEOPLE_COLUMNS),
        "P1,Ann Lee,ann@x.com,,Exec,Lead,CEO,9,Paris,Europe/Paris,2019-01-02,no",
        "P2,Bo Ray,BO@x.com,P1,Eng,Core,Engineer,5,Berlin,UTC+1,2020-03-04,yes",
    )
    load = read_people(path)
    people = load.people
    assert list(people.columns) == list(PEOPLE_COLUMNS)
    assert people["person_id"].tolist() == ["P1", "P2"]
    assert people["email"].tolist() == ["ann@x.com", "bo@x.com"]
    assert people["manager_id"].iloc[1] == "P1" and pd.isna(people["manager_id"].iloc[0])
    assert people["level"].tolist() == [9, 5]
    assert people["hire_date"].tolist() == [pd.Timestamp("2019-01-02"), pd.Timestamp("2020-03-04")]
    assert people["opted_out"].tolist() == [False, True]
    report = load.report
    assert report.kind == "people" and report.source == str(path)
    assert report.rows_read == 2 and report.records == 2
    assert report.counts["opted_out"] == 1
    assert report.counts["columns_read"] == len(PEOPLE_COLUMNS)
    assert report.counts["managers_resolved_by_email_or_name"] == 0
    assert report.notes == ()


def test_workday_like_export(csv):
    path = csv(
        "Employee ID,Legal Name,Business Title,Hire Date,Email - Primary Work,Manager ID,"
        "Supervisory Organization,Cost Center",
        "W1,Ann Lee,CEO,2019-01-02,ann@x.com,,Exec,CC1",
        "W2,Bo Ray,Engineer,2020-03-04,bo@x.com,W1,Eng,CC2",
    )
    load = read_people(path)
    people = load.people
    assert people["person_id"].tolist() == ["W1", "W2"]
    assert people["name"].tolist() == ["Ann Lee", "Bo Ray"]
    assert people["title"].tolist() == ["CEO", "Engineer"]
    assert people["email"].tolist() == ["ann@x.com", "bo@x.com"]
    assert people["department"].tolist() == ["Exec", "Eng"]
    assert people["hire_date"].iloc[1] == pd.Timestamp("2020-03-04")
    assert people["manager_id"].iloc[1] == "W1"
    assert "'Cost Center'" in notes_text(load)


def test_bamboohr_like_export_with_manager_names(csv):
    path = csv(
        "Employee #,First Name,Last Name,Job Title,Reports To,Department",
        "1,Ann,Lee,CEO,,Exec",
        "2,Bo,Ray,Engineer,Ann Lee,Eng",
        "3,Cy,Do,Engineer,bo ray,Eng",
    )
    load = read_people(path)
    people = load.people
    assert people["person_id"].tolist() == ["1", "2", "3"]
    assert people["name"].tolist() == ["Ann Lee", "Bo Ray", "Cy Do"]
    assert people["title"].tolist() == ["CEO", "Engineer", "Engineer"]
    assert people["manager_id"].tolist()[1:] == ["1", "2"]
    assert load.report.counts["managers_resolved_by_email_or_name"] == 2
    text = notes_text(load)
    assert "'First Name'" in text and "'Last Name'" in text
    assert "not used" not in text  # first and last name were used


@pytest.mark.parametrize(
    ("header", "row", "name"),
    [("First Name", "Ann", "Ann"), ("Surname", "Lee", "Lee")],
)
def test_first_or_last_name_alone(csv, header, row, name):
    load = read_people(csv(f"person_id,{header}", f"P1,{row}"))
    assert load.people["name"].tolist() == [name]


def test_name_column_wins_over_first_and_last(csv):
    load = read_people(csv("person_id,name,First Name,Last Name", "P1,Ann L.,Ann,Lee"))
    assert load.people["name"].tolist() == ["Ann L."]
    assert "'First Name'" in notes_text(load) and "not used" in notes_text(load)


def test_mapping(csv):
    path = csv("Staff No,Full Name,Boss", "S1,Ann,", "S2,Bo,S1")
    mapping = parse_mapping(["Staff No=person_id", "Full Name=name", "Boss=manager_id"])
    people = read_people(path, mapping=mapping).people
    assert people["person_id"].tolist() == ["S1", "S2"]
    assert people["name"].tolist() == ["Ann", "Bo"]
    assert people["manager_id"].iloc[1] == "S1"


def test_mapping_overrides_an_alias(csv):
    # "Department" would be read as department; mapped, it becomes the team.
    path = csv("person_id,Department,Division", "P1,Core,Eng")
    people = read_people(path, mapping={"Department": "team"}).people
    assert people[["team", "department"]].iloc[0].tolist() == ["Core", "Eng"]


def test_mapping_to_unknown_column(csv):
    path = csv("person_id,Full Name", "P1,Ann")
    with pytest.raises(MissingColumnError) as info:
        read_people(path, mapping=parse_mapping(["Full Name=nom"]))
    (problem,) = info.value.problems
    assert problem.column == "Full Name" and "'nom'" in problem.message
    assert "person_id" in (problem.fix or "") and str(path) in str(info.value)


def test_mapping_from_absent_header(csv):
    path = csv("person_id,Full Name", "P1,Ann")
    with pytest.raises(MissingColumnError) as info:
        read_people(path, mapping=parse_mapping(["Fullname=name"]))
    (problem,) = info.value.problems
    assert "'Fullname'" in problem.message and "'Full Name'" in problem.message


@pytest.mark.parametrize(
    "headers", ["person_id,Full Name,Display Name", "Employee ID,Worker ID", "person_id,Name,name"]
)
def test_two_headers_for_one_column(csv, headers):
    n = headers.count(",") + 1
    path = csv(headers, ",".join(["x"] * n))
    with pytest.raises(MissingColumnError) as info:
        read_people(path)
    (problem,) = info.value.problems
    assert "would be read as" in problem.message
    assert "--map" in (problem.fix or "")


def test_manager_by_email(csv):
    path = csv(
        "person_id,email,manager_id",
        "P1,ann@x.com,",
        "P2,bo@x.com,ANN@x.com",
        "P3,cy@x.com, bo@x.com ",
        "P4,,P1",
    )
    load = read_people(path)
    assert load.people["manager_id"].tolist()[1:] == ["P1", "P2", "P1"]
    assert load.report.counts["managers_resolved_by_email_or_name"] == 2


def test_ambiguous_manager_name_stays_unresolved(csv):
    path = csv(
        "person_id,name,manager_id",
        "P1,Ann Lee,",
        "P2,Ann Lee,P1",
        "P3,Bo,Ann Lee",
        "P4,Cy,Nobody",
    )
    with pytest.raises(ValidationError) as info:
        read_people(path)
    where = [(p.row, p.column) for p in info.value.problems]
    assert where == [(4, "manager_id"), (5, "manager_id")]
    assert "'Ann Lee'" in info.value.problems[0].message


def test_level_prefixes(csv):
    path = csv("person_id,Grade", "P1,L5", "P2,Grade 7", "P3,4", "P4,", "P5,IC-3")
    load = read_people(path)
    assert load.people["level"].tolist()[:3] == [5, 7, 4]
    assert pd.isna(load.people["level"].iloc[3])
    assert load.people["level"].iloc[4] == 3
    (note,) = [n for n in load.report.notes if n.column == "level"]
    assert "'L5'" in note.message


def test_level_word_is_still_an_error(csv):
    with pytest.raises(ValidationError) as info:
        read_people(csv("person_id,level", "P1,L5", "P2,senior"))
    assert [(p.row, p.column) for p in info.value.problems] == [(3, "level")]


def test_unused_columns_listed_in_notes(csv):
    load = read_people(csv("person_id,Shoe Size,Favourite Colour", "P1,42,blue"))
    (note,) = load.report.notes
    assert "'Shoe Size'" in note.message and "'Favourite Colour'" in note.message
    assert "--map" in (note.fix or "")


def test_missing_person_id_lists_headers(csv):
    path = csv("Staff No,Nickname", "S1,Annie")
    with pytest.raises(MissingColumnError) as info:
        read_people(path)
    (problem,) = info.value.problems
    assert problem.column == "person_id"
    assert "'Staff No'" in problem.message and "'Nickname'" in problem.message
    assert "--map" in (problem.fix or "")
    assert str(path) in str(info.value)


def test_semicolon_header_read_as_one_column_hints_at_delimiter(csv):
    path = csv("person_id;name;team", "P1;Ann;A", name="people.tsv")
    with pytest.raises(MissingColumnError) as info:
        read_people(path)
    (problem,) = info.value.problems
    assert "'person_id;name;team'" in problem.message
    assert "delimiter" in problem.message


def test_semicolon_file_with_csv_suffix_just_works(csv):
    people = read_people(csv("person_id;name", "P1;Ann")).people
    assert people["name"].tolist() == ["Ann"]


def test_bom_and_latin1(csv):
    people = read_people(csv("person_id,name", "P1,Zoë", encoding="utf-8-sig")).people
    assert people["name"].tolist() == ["Zoë"]
    load = read_people(csv("person_id,name", "P1,Ann", "P2,Jürgen", encoding="latin-1"))
    assert load.people["name"].tolist() == ["Ann", "Jürgen"]
    assert any(n.row == 3 and "UTF-8" in n.message for n in load.report.notes)


def test_empty_and_header_only(csv, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(FileFormatError, match="empty"):
        read_people(empty)
    with pytest.raises(FileFormatError, match="no data rows"):
        read_people(csv("person_id,name"))


def test_all_bad_file_lists_every_row_at_once(csv):
    n = 30
    lines = [f"P{i},bad{i},ZZ,x,nope" for i in range(n)]
    path = csv("person_id,email,manager_id,level,hire_date", *lines)
    with pytest.raises(ValidationError) as info:
        read_people(path)
    err = info.value
    assert len(err.problems) == 4 * n
    for column in ("email", "manager_id", "level", "hire_date"):
        assert [p.row for p in err.problems if p.column == column] == list(range(2, n + 2))
    text = str(err)
    assert text.splitlines()[0] == f"{path}: {4 * n} problems"
    assert f"… and {4 * n - 50} more problems" in text


def test_duplicates_and_cycle_report_rows(csv):
    path = csv(
        "person_id,manager_id",
        "A,B",
        "B,A",
        "C,",
        "C,A",
    )
    with pytest.raises(ValidationError) as info:
        read_people(path)
    where = [(p.row, p.column) for p in info.value.problems]
    assert where == [(2, "manager_id"), (3, "manager_id"), (5, "person_id")]


def test_blank_lines_keep_row_numbers_in_errors(csv):
    path = csv("person_id,level", "", "P1,1", "", "P2,x")
    with pytest.raises(ValidationError) as info:
        read_people(path)
    assert [(p.row, p.column) for p in info.value.problems] == [(5, "level")]


def test_xlsx_with_several_sheets_and_sheet_choice(tmp_path):
    path = tmp_path / "hr.xlsx"
    book = openpyxl.Workbook()
    people = book.active
    people.title = "People"
    for row in (["Employee ID", "Manager", "Hire Date"], [1, None, "2020-01-01"], [2, 1, None]):
        people.append(row)
    readme = book.create_sheet("Readme")
    readme.append(["About"])
    readme.append(["exported by HRIS"])
    book.save(path)
    with pytest.raises(FileFormatError, match="--sheet"):
        read_people(path)
    load = read_people(path, sheet="People")
    assert load.people["person_id"].tolist() == ["1", "2"]
    assert load.people["manager_id"].iloc[1] == "1"


def test_json_lines_with_numeric_ids_and_a_blank_manager(tmp_path):
    # Regression: managers 1.0 (floats, because of the null) did not match person 1.
    path = tmp_path / "people.jsonl"
    rows = [
        {"person_id": 1, "manager_id": None, "level": 3},
        {"person_id": 2, "manager_id": 1, "level": None},
        {"person_id": 3, "manager_id": 2, "level": 1},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    people = read_people(path).people
    assert people["person_id"].tolist() == ["1", "2", "3"]
    assert people["manager_id"].tolist()[1:] == ["1", "2"]


def test_problems_name_the_columns_as_the_file_spells_them(tmp_path: Path) -> None:
    path = tmp_path / "hr.csv"
    path.write_text(
        "Employee ID,Reports To,Hire Date\nE1,,2020-01-01\nE2,E9,01/02/2020\nE2,E1,2021-01-01\n"
    )
    with pytest.raises(ValidationError) as info:
        read_people(path)
    where = {(p.row, p.column) for p in info.value.problems}
    assert where == {(3, "Hire Date"), (3, "Reports To"), (4, "Employee ID")}
    assert "column Hire Date" in str(info.value)
