"""The value parsers every reader shares: booleans, whole numbers, dates, time zones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from peerweave.errors import Problem
from peerweave.org.schema import (
    ROW,
    parse_bool,
    parse_date,
    parse_int,
    parse_timezone,
    rows_of,
    timezone_offset_hours,
)


def run(parser, values, **kwargs):
    """Parse ``values`` (data rows 2, 3, …) and return (result list, problems)."""
    problems: list[Problem] = []
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    rows = np.arange(len(series), dtype=np.int64) + 2
    out = parser(series, column="col", rows=rows, problems=problems, **kwargs)
    return out, problems


# --- rows_of -----------------------------------------------------------------------------


def test_rows_of_uses_row_column_when_present():
    frame = pd.DataFrame({"a": ["x", "y"], ROW: [4, 9]})
    assert rows_of(frame).tolist() == [4, 9]


def test_rows_of_defaults_to_index_plus_two():
    assert rows_of(pd.DataFrame({"a": [1, 2, 3]})).tolist() == [2, 3, 4]
    assert rows_of(pd.DataFrame({"a": []})).tolist() == []


# --- parse_bool --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "true",
        "TRUE",
        "True",
        "t",
        "T",
        "yes",
        "YES",
        "Yes",
        "y",
        "Y",
        "1",
        "1.0",
        "x",
        "X",
        " yes ",
        "\ttrue",
    ],
)
def test_parse_bool_true_spellings(text):
    out, problems = run(parse_bool, [text])
    assert out.tolist() == [True]
    assert problems == []


@pytest.mark.parametrize(
    "text", ["false", "FALSE", "f", "F", "no", "NO", "No", "n", "N", "0", "0.0", " no "]
)
def test_parse_bool_false_spellings(text):
    out, problems = run(parse_bool, [text], default=True)
    assert out.tolist() == [False]
    assert problems == []


@pytest.mark.parametrize("default", [True, False])
@pytest.mark.parametrize("blank", ["", "   ", None, np.nan])
def test_parse_bool_blank_is_default(blank, default):
    out, problems = run(parse_bool, [blank], default=default)
    assert out.tolist() == [default]
    assert problems == []


def test_parse_bool_reports_every_bad_value_with_its_row():
    out, problems = run(parse_bool, ["yes", "maybe", "no", "2", "oui", "true"])
    assert out.dtype == bool
    assert out.tolist() == [True, False, False, False, False, True]
    assert [(p.row, p.column) for p in problems] == [(3, "col"), (5, "col"), (6, "col")]
    assert "'maybe'" in problems[0].message
    assert problems[0].fix is not None and "yes/no" in problems[0].fix


def test_parse_bool_typed_values():
    out, problems = run(parse_bool, pd.Series([True, False, True]))
    assert out.tolist() == [True, False, True] and problems == []
    out, problems = run(parse_bool, [True, False, 1, 0, np.nan])
    assert out.tolist() == [True, False, True, False, False] and problems == []
    out, problems = run(parse_bool, pd.Series([1.0, 0.0, np.nan]))
    assert out.tolist() == [True, False, False] and problems == []


def test_parse_bool_keeps_the_index():
    series = pd.Series(["yes", "no"], index=[10, 20])
    out = parse_bool(series, column="c", rows=np.array([2, 3]), problems=[])
    assert out.index.tolist() == [10, 20]


# --- parse_int ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [("3", 3), ("3.0", 3), (" 3 ", 3), ("0", 0), ("-2", -2), ("1e3", 1000), ("+4", 4)],
)
def test_parse_int_good(text, value):
    out, problems = run(parse_int, [text])
    assert out.dtype == "Int64"
    assert out.tolist() == [value]
    assert problems == []


@pytest.mark.parametrize("blank", ["", "  ", None, np.nan])
def test_parse_int_blank_is_na(blank):
    out, problems = run(parse_int, [blank], low=0, high=4)
    assert out.isna().all()
    assert problems == []


@pytest.mark.parametrize(
    "text", ["2.5", "x", "three", "nan", "0x10", "inf", "-inf", "1e30", "99999999999999999999"]
)
def test_parse_int_bad_values_are_problems(text):
    out, problems = run(parse_int, ["1", text])
    assert out.tolist()[0] == 1
    assert out.isna().tolist() == [False, True]
    assert [(p.row, p.column) for p in problems] == [(3, "col")]
    assert repr(text) in problems[0].message
    assert "whole number" in problems[0].message


@pytest.mark.parametrize(
    ("low", "high", "bad", "span"),
    [
        (0, 4, ["5", "-1"], "from 0 to 4"),
        (0, None, ["-1", "-10"], "at least 0"),
        (None, 5, ["6", "100"], "at most 5"),
    ],
)
def test_parse_int_range(low, high, bad, span):
    values = ["2", *bad, ""]
    out, problems = run(parse_int, values, low=low, high=high)
    assert out.tolist()[0] == 2
    assert out.isna().tolist() == [False, True, True, True]
    assert [p.row for p in problems] == [3, 4]
    assert all("out of range" in p.message for p in problems)
    assert all(span in (p.fix or "") for p in problems)


def test_parse_int_range_is_inclusive():
    out, problems = run(parse_int, ["0", "4"], low=0, high=4)
    assert out.tolist() == [0, 4] and problems == []


def test_parse_int_typed_values():
    out, problems = run(parse_int, pd.Series(pd.array([1, None, 7], dtype="Int64")), high=5)
    assert out.isna().tolist() == [False, True, True]
    assert [p.row for p in problems] == [4]
    out, problems = run(parse_int, pd.Series([1.0, np.nan, 2.5]))
    assert out.isna().tolist() == [False, True, True]
    # The message shows the value as a person wrote it, not a numpy repr.
    assert problems[0].message == "2.5 is not a whole number"


def test_parse_int_many_bad_rows_all_reported():
    out, problems = run(parse_int, ["x"] * 120)
    assert out.isna().all()
    assert [p.row for p in problems] == list(range(2, 122))


# --- parse_date --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-03-04", "2021-03-04 00:00:00"),
        (" 2021-03-04 ", "2021-03-04 00:00:00"),
        ("2021-03-04T10:00:00", "2021-03-04 10:00:00"),
        ("2021-03-04 10:00", "2021-03-04 10:00:00"),
        ("2024-02-29", "2024-02-29 00:00:00"),
    ],
)
def test_parse_date_good(text, expected):
    out, problems = run(parse_date, [text])
    assert out.dtype == "datetime64[ns]"
    assert out.tolist() == [pd.Timestamp(expected)]
    assert problems == []


def test_parse_date_with_offset_is_converted_to_naive_utc():
    out, problems = run(parse_date, ["2021-03-04T10:00:00+02:00"])
    assert out.tolist() == [pd.Timestamp("2021-03-04 08:00")] and problems == []


@pytest.mark.parametrize(
    "text", ["04/03/21", "2021-02-30", "2023-02-29", "2020-13-01", "yesterday", "2021-3-4x"]
)
def test_parse_date_bad(text):
    out, problems = run(parse_date, ["2020-01-01", text])
    assert out.isna().tolist() == [False, True]
    assert [(p.row, p.column) for p in problems] == [(3, "col")]
    assert problems[0].fix == "write dates as YYYY-MM-DD"
    assert repr(text) in problems[0].message


@pytest.mark.parametrize("blank", ["", " ", None])
def test_parse_date_blank_is_nat(blank):
    out, problems = run(parse_date, [blank])
    assert out.isna().all() and problems == []


def test_parse_date_typed_values():
    naive = pd.Series(pd.to_datetime(["2021-01-01", None]))
    out, problems = run(parse_date, naive)
    assert out.dtype == "datetime64[ns]"
    assert out.iloc[0] == pd.Timestamp("2021-01-01") and pd.isna(out.iloc[1])
    aware = pd.Series(pd.to_datetime(["2021-01-01 10:00"]).tz_localize("Europe/Paris"))
    out, problems = run(parse_date, aware)
    assert out.dtype == "datetime64[ns]" and out.dt.tz is None and problems == []
    cells = pd.Series([pd.Timestamp("2021-05-06"), ""], dtype=object)  # as XLSX gives them
    out, problems = run(parse_date, cells)
    assert out.iloc[0] == pd.Timestamp("2021-05-06") and pd.isna(out.iloc[1]) and problems == []


# --- parse_timezone ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "zone",
    [
        "Europe/Paris",
        "America/New_York",
        "Asia/Kolkata",
        "UTC",
        "utc",
        "UTC+2",
        "UTC+02:00",
        "UTC-05:30",
        "GMT-3",
        "+05:30",
        "-05:00",
        "UTC+14",
        "UTC+0530",
    ],
)
def test_parse_timezone_good(zone):
    out, problems = run(parse_timezone, [zone])
    assert out.tolist() == [zone]
    assert problems == []


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus", "europe/paris", "UTC+15", "+25:00", "UTC+5:75", "Paris", "5"]
)
def test_parse_timezone_bad(zone):
    out, problems = run(parse_timezone, ["UTC", zone])
    assert out.isna().tolist() == [False, True]
    assert [(p.row, p.column) for p in problems] == [(3, "col")]
    assert "Europe/Paris" in (problems[0].fix or "")


def test_parse_timezone_strips_and_keeps_blank_missing():
    out, problems = run(parse_timezone, [" Europe/Berlin ", "", None])
    assert out.tolist()[0] == "Europe/Berlin"
    assert out.isna().tolist() == [False, True, True]
    assert problems == []


@pytest.mark.parametrize(
    ("zone", "at", "hours"),
    [
        ("UTC+05:30", None, 5.5),
        ("UTC-03:30", None, -3.5),
        ("+2", None, 2.0),
        ("GMT-3", None, -3.0),
        ("UTC", None, 0.0),
        ("America/New_York", "2024-01-15", -5.0),
        ("America/New_York", "2024-07-15", -4.0),
        ("Europe/Paris", "2024-07-01", 2.0),
        ("Asia/Kolkata", None, 5.5),
    ],
)
def test_timezone_offset_hours(zone, at, hours):
    when = pd.Timestamp(at) if at else None
    assert timezone_offset_hours(zone, at=when) == hours
