"""read_table: delimiters, encodings, empty files, row numbers, XLSX sheets, Parquet, JSONL."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from peerweave.errors import FileFormatError, InputError, MissingColumnError
from peerweave.ingest.tabular import (
    TableFile,
    header_key,
    parse_mapping,
    read_table,
    rename_columns,
    require_columns,
)
from peerweave.org.schema import ROW


def records(table: TableFile) -> list[dict]:
    return table.frame.to_dict("records")


def one_problem(err: InputError):
    assert len(err.problems) == 1
    return err.problems[0]


@pytest.fixture
def write(tmp_path: Path):
    """Write bytes or text to a file in tmp_path; return its path."""

    def _write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        data = content if isinstance(content, bytes) else content.encode(encoding)
        path.write_bytes(data)
        return path

    return _write


def xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


# --- CSV ---------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
@pytest.mark.parametrize("suffix", [".csv", ".txt"])
def test_delimiters(write, delimiter, suffix):
    d = delimiter
    path = write(f"people{suffix}", f"person_id{d}name{d}team\nP1{d}Ann Lee{d}A\nP2{d}Bo{d}\n")
    table = read_table(path)
    assert records(table) == [
        {"person_id": "P1", "name": "Ann Lee", "team": "A", ROW: 2},
        {"person_id": "P2", "name": "Bo", "team": "", ROW: 3},
    ]
    assert table.source == str(path) and table.notes == []


def test_tsv_suffix_reads_tabs_even_with_commas_in_cells(write):
    path = write("people.tsv", "person_id\tname\nP1\tLee, Ann\n")
    assert records(read_table(path)) == [{"person_id": "P1", "name": "Lee, Ann", ROW: 2}]


def test_semicolon_file_with_commas_in_cells(write):
    path = write("people.csv", "person_id;name\nP1;Lee, Ann\nP2;Ray, Bo\n")
    assert read_table(path).frame["name"].tolist() == ["Lee, Ann", "Ray, Bo"]


def test_quoted_delimiter(write):
    path = write("people.csv", 'person_id,name\nP1,"Lee, Ann"\n')
    assert read_table(path).frame["name"].tolist() == ["Lee, Ann"]


def test_cells_stay_text(write):
    path = write("p.csv", "person_id,level,zip\n007,3,01234\nNA,,null\n")
    frame = read_table(path).frame
    assert frame["person_id"].tolist() == ["007", "NA"]
    assert frame["level"].tolist() == ["3", ""]
    assert frame["zip"].tolist() == ["01234", "null"]


def test_headers_are_trimmed(write):
    path = write("p.csv", " person_id , name \nP1,Ann\n")
    assert list(read_table(path).frame.columns) == ["person_id", "name", ROW]


def test_utf8_bom_header_is_recognised(write):
    path = write("people.csv", "person_id,name\nP1,Zoë\n", encoding="utf-8-sig")
    table = read_table(path)
    assert list(table.frame.columns) == ["person_id", "name", ROW]
    assert table.frame["name"].tolist() == ["Zoë"]
    assert table.notes == []


def test_utf8_bom_with_explicit_utf8_encoding(write):
    path = write("people.csv", "person_id,name\nP1,Zoë\n", encoding="utf-8-sig")
    assert list(read_table(path, encoding="utf-8").frame.columns) == ["person_id", "name", ROW]


def test_latin1_file_read_with_a_note_naming_the_row(write):
    path = write("people.csv", "person_id,name\nP1,Ann\nP2,José\nP3,Müller\n", encoding="latin-1")
    table = read_table(path)
    assert table.frame["name"].tolist() == ["Ann", "José", "Müller"]
    assert len(table.notes) == 1
    note = table.notes[0]
    assert note.row == 3
    assert "not UTF-8" in note.message
    assert note.fix is not None and "UTF-8" in note.fix


def test_explicit_latin1_encoding_has_no_note(write):
    path = write("people.csv", "person_id,name\nP1,Müller\n", encoding="latin-1")
    table = read_table(path, encoding="latin-1")
    assert table.frame["name"].tolist() == ["Müller"] and table.notes == []


def test_explicit_wrong_encoding(write):
    path = write("people.csv", "person_id,name\nP1,Ann\nP2,José\n", encoding="latin-1")
    with pytest.raises(FileFormatError) as info:
        read_table(path, encoding="utf-8")
    problem = one_problem(info.value)
    assert str(path) in str(info.value)
    assert "utf-8" in problem.message
    assert problem.row == 3
    assert problem.fix is not None and "--encoding" in problem.fix


def test_unknown_encoding_name(write):
    path = write("people.csv", "person_id\nP1\n")
    with pytest.raises(FileFormatError, match="not an encoding"):
        read_table(path, encoding="klingon-8")


@pytest.mark.parametrize(
    "content",
    [b"", b"   ", b"\n\n\n", b" \t\r\n \r\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n  \r\n"],
    ids=["zero-bytes", "spaces", "newlines", "whitespace", "bom-only", "bom-whitespace"],
)
def test_empty_file(write, content):
    path = write("people.csv", content)
    with pytest.raises(FileFormatError) as info:
        read_table(path)
    assert "empty" in one_problem(info.value).message
    assert str(info.value).startswith(str(path))


def test_header_only(write):
    path = write("people.csv", "person_id,name\n")
    with pytest.raises(FileFormatError, match="no data rows") as info:
        read_table(path)
    assert str(path) in str(info.value)
    table = read_table(path, allow_empty=True)
    assert table.frame.empty and list(table.frame.columns) == ["person_id", "name", ROW]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_blank_lines_keep_spreadsheet_row_numbers(write, newline):
    text = newline.join(["person_id,name", "", "P1,A", "", "  ", "P2,B", "P3,C", ""])
    table = read_table(write("people.csv", text))
    assert table.frame["person_id"].tolist() == ["P1", "P2", "P3"]
    assert table.frame[ROW].tolist() == [3, 6, 7]


def test_short_row_is_padded(write):
    table = read_table(write("people.csv", "person_id,name\nP1\n"))
    assert records(table) == [{"person_id": "P1", "name": "", ROW: 2}]


@pytest.mark.parametrize(
    ("text", "row"),
    [
        ("person_id,name\nP1,A\nP2,B,extra\nP3,C\n", 3),
        ("person_id,name\n\nP1,A\nP2,B\nP3,Lee, Ann\n", 5),
    ],
)
def test_row_with_too_many_fields(write, text, row):
    path = write("people.csv", text)
    with pytest.raises(FileFormatError) as info:
        read_table(path)
    problem = one_problem(info.value)
    assert problem.row == row
    assert "more fields" in problem.message
    assert problem.fix is not None and "quote" in problem.fix
    assert str(path) in str(info.value)


def test_missing_file(tmp_path):
    path = tmp_path / "nope.csv"
    with pytest.raises(FileFormatError, match="no such file") as info:
        read_table(path)
    assert str(path) in str(info.value)


def test_folder(tmp_path):
    with pytest.raises(FileFormatError, match="folder"):
        read_table(tmp_path)


def test_xls_refused(write):
    path = write("people.xls", b"\xd0\xcf\x11\xe0 old workbook")
    with pytest.raises(FileFormatError, match=r"\.xls") as info:
        read_table(path)
    assert ".xlsx" in (one_problem(info.value).fix or "")


def test_accepts_str_path(write):
    path = write("people.csv", "person_id\nP1\n")
    assert read_table(str(path)).frame["person_id"].tolist() == ["P1"]


# --- XLSX --------------------------------------------------------------------------------


def test_xlsx_one_sheet(tmp_path):
    path = xlsx(
        tmp_path / "people.xlsx",
        {
            "People": [
                ["person_id", "name", "level"],
                ["P1", "Ann", 3],
                [None, None, None],
                ["P2", "Bo", None],
                ["P3", "Cy", 4],
            ]
        },
    )
    table = read_table(path)
    assert table.frame["person_id"].tolist() == ["P1", "P2", "P3"]
    assert table.frame[ROW].tolist() == [2, 4, 5]
    assert table.frame["level"].tolist() == [3, "", 4]


def test_xlsx_written_by_pandas_with_an_empty_second_sheet(tmp_path):
    path = tmp_path / "people.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"person_id": ["P1", "P2"]}).to_excel(writer, sheet_name="Data", index=False)
        pd.DataFrame().to_excel(writer, sheet_name="Blank", index=False)
    assert read_table(path).frame[ROW].tolist() == [2, 3]


def test_xlsx_several_sheets_with_data(tmp_path):
    path = xlsx(
        tmp_path / "hr.xlsx",
        {"People": [["person_id"], ["P1"]], "Empty": [], "Notes": [["note"], ["hello"]]},
    )
    with pytest.raises(FileFormatError) as info:
        read_table(path)
    problem = one_problem(info.value)
    assert "'People'" in problem.message and "'Notes'" in problem.message
    assert "'Empty'" not in problem.message
    assert problem.fix is not None and "--sheet" in problem.fix
    assert str(path) in str(info.value)


@pytest.mark.parametrize(("sheet", "expected"), [("People", "P1"), ("Notes", "hello")])
def test_xlsx_sheet_picks_one(tmp_path, sheet, expected):
    path = xlsx(
        tmp_path / "hr.xlsx", {"People": [["person_id"], ["P1"]], "Notes": [["note"], ["hello"]]}
    )
    table = read_table(path, sheet=sheet)
    assert table.frame.iloc[0, 0] == expected
    assert table.frame[ROW].tolist() == [2]


def test_xlsx_unknown_sheet(tmp_path):
    path = xlsx(tmp_path / "hr.xlsx", {"People": [["person_id"], ["P1"]], "Notes": [["n"], ["x"]]})
    with pytest.raises(FileFormatError) as info:
        read_table(path, sheet="Staff")
    problem = one_problem(info.value)
    assert "'Staff'" in problem.message
    assert "'People'" in problem.message and "'Notes'" in problem.message
    assert "--sheet" in (problem.fix or "")


def test_xlsx_empty_workbook(tmp_path):
    path = xlsx(tmp_path / "hr.xlsx", {"Sheet1": []})
    with pytest.raises(FileFormatError, match="empty"):
        read_table(path)


def test_xlsx_header_only_sheet(tmp_path):
    path = xlsx(tmp_path / "hr.xlsx", {"People": [["person_id", "name"]]})
    with pytest.raises(FileFormatError):
        read_table(path)


def test_broken_xlsx(write):
    path = write("hr.xlsx", b"this is not a zip file")
    with pytest.raises(FileFormatError, match="XLSX") as info:
        read_table(path)
    assert one_problem(info.value).fix is not None


# --- Parquet and JSON Lines --------------------------------------------------------------


def test_parquet(tmp_path):
    path = tmp_path / "people.parquet"
    pd.DataFrame({"person_id": ["P1", "P2"], "level": [3, 4]}).to_parquet(path)
    table = read_table(path)
    assert table.frame["person_id"].tolist() == ["P1", "P2"]
    assert table.frame["level"].tolist() == [3, 4]
    assert table.frame[ROW].tolist() == [1, 2]


@pytest.mark.parametrize("suffix", [".jsonl", ".ndjson"])
def test_json_lines(tmp_path, suffix):
    path = tmp_path / f"people{suffix}"
    rows = [{"person_id": "P1", "name": "Zoë"}, {"person_id": "P2", "name": None}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    table = read_table(path)
    assert table.frame["person_id"].tolist() == ["P1", "P2"]
    assert table.frame["name"].iloc[0] == "Zoë"
    assert table.frame[ROW].tolist() == [1, 2]


@pytest.mark.parametrize(("name", "content"), [("x.jsonl", b"{not json"), ("x.parquet", b"PAR")])
def test_broken_columnar(write, name, content):
    with pytest.raises(FileFormatError, match="cannot be read"):
        read_table(write(name, content))


# --- headers, mappings, required columns -------------------------------------------------


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("Employee ID", "employee_id"),
        ("  Employee ID# ", "employee_id"),
        ("Email - Primary Work", "email_primary_work"),
        ("Employee #", "employee"),
        ("person_id", "person_id"),
        ("Reports To", "reports_to"),
    ],
)
def test_header_key(header, key):
    assert header_key(header) == key


def test_parse_mapping():
    assert parse_mapping(["Full Name=name", " Boss = manager_id", "A=B=title"]) == {
        "Full Name": "name",
        "Boss": "manager_id",
        "A=B": "title",
    }
    assert parse_mapping(None) == {}
    with pytest.raises(InputError, match="HEADER=column"):
        parse_mapping(["Full Name"])


def test_rename_columns_mapping_errors():
    table = TableFile(pd.DataFrame({"Full Name": ["x"], ROW: [2]}), "f.csv")
    with pytest.raises(MissingColumnError, match="'nom'"):
        rename_columns(table, canonical=["name"], mapping={"Full Name": "nom"})
    with pytest.raises(MissingColumnError, match="'Fullname'") as info:
        rename_columns(table, canonical=["name"], mapping={"Fullname": "name"})
    assert "'Full Name'" in str(info.value)


def test_require_columns_lists_all_missing():
    with pytest.raises(MissingColumnError) as info:
        require_columns(pd.DataFrame({"a": [], ROW: []}), ["x", "a", "y"], source="t.csv")
    assert [p.column for p in info.value.problems] == ["x", "y"]
    assert all("(it has 'a')" in p.message for p in info.value.problems)
    assert ROW not in str(info.value)
