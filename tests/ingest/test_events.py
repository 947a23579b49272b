"""Collaboration events → weighted ties (DuckDB), checked by hand and against pandas."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from peerweave.errors import (
    MAX_REPORTED_PROBLEMS,
    FileFormatError,
    InputError,
    MissingColumnError,
    PeerweaveError,
    ValidationError,
)
from peerweave.ingest.events import CHANNEL_MINUTES, aggregate_events
from peerweave.org.schema import TIES_COLUMNS

HEADER = "sender,recipients,timestamp,channel,duration"

# P1..P5 known; P1 is addressed by email in mixed case in the events.
PEOPLE = pd.DataFrame(
    {
        "person_id": ["P1", "P2", "P3", "P4", "P5"],
        "email": ["ann@x.org", "Bob@X.org", "cy@x.org", "dee@x.org", None],
    }
)


def write_csv(path: Path, rows: Sequence[str], header: str = HEADER, **kw: str) -> Path:
    path.write_text(header + "\n" + "".join(r + "\n" for r in rows), **kw)  # type: ignore[arg-type]
    return path


def records(rows: Sequence[str]) -> list[dict[str, object]]:
    """CSV-style rows as records (recipients split into lists, durations as numbers)."""
    out = []
    for r in rows:
        frame = pd.read_csv(io.StringIO(HEADER + "\n" + r), dtype=str, keep_default_na=False)
        sender, recipients, ts, channel, duration = frame.iloc[0]
        out.append(
            {
                "sender": sender,
                "recipients": [a for a in recipients.split(";") if a],
                "timestamp": ts,
                "channel": channel or None,
                "duration": float(duration) if duration else None,
            }
        )
    return out


def write_parquet(path: Path, rows: Sequence[str]) -> Path:
    recs = records(rows)
    stamps = pd.to_datetime([r["timestamp"] for r in recs], utc=True, format="ISO8601")
    table = pa.table(
        {
            "sender": [r["sender"] for r in recs],
            "recipients": pa.array([r["recipients"] for r in recs], type=pa.list_(pa.string())),
            "timestamp": pa.array(stamps, type=pa.timestamp("us", tz="UTC")),
            "channel": [r["channel"] for r in recs],
            "duration": pa.array([r["duration"] for r in recs], type=pa.float64()),
        }
    )
    pq.write_table(table, path)
    return path


def write_jsonl(path: Path, rows: Sequence[str]) -> Path:
    recs = records(rows)
    # Alternate list and ';'-joined recipients: both are read.
    for i, r in enumerate(recs):
        if i % 2:
            r["recipients"] = ";".join(r["recipients"])  # type: ignore[arg-type]
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    return path


def as_dict(ties: pd.DataFrame) -> dict[tuple[str, str], float]:
    return {
        (s, t): w for s, t, w in zip(ties["source"], ties["target"], ties["weight"], strict=True)
    }


SMALL = [
    "ann@x.org,bob@x.org;cy@x.org,2024-03-04T09:00:00Z,email,",  # 5 min / 2 each
    "P2,P1;P3,2024-03-05 10:00,meeting,90",  # 1.5 h / 2 each pair, both ways
    "P3,P1,2024-03-05T12:00:00+02:00,Chat,",  # 1 min
    "P4,P4;P1,2024-03-06T08:00:00Z,call,30",  # self dropped: P4<->P1 0.5 h each way
]


def test_weights_are_computed_as_documented(tmp_path: Path) -> None:
    load = aggregate_events(write_csv(tmp_path / "e.csv", SMALL), people=PEOPLE)
    got = as_dict(load.ties)
    email = CHANNEL_MINUTES["email"] / 60 / 2
    chat = CHANNEL_MINUTES["chat"] / 60
    expected = {
        ("P1", "P2"): email + 0.75,
        ("P1", "P3"): email + 0.75,
        ("P2", "P1"): 0.75,
        ("P2", "P3"): 0.75,
        ("P3", "P1"): 0.75 + chat,
        ("P3", "P2"): 0.75,
        ("P4", "P1"): 0.5,
        ("P1", "P4"): 0.5,
    }
    assert got.keys() == expected.keys()
    for pair, weight in expected.items():
        assert got[pair] == pytest.approx(weight), pair
    assert list(load.ties.columns) == list(TIES_COLUMNS)
    assert set(load.ties["kind"]) == {"collaboration"}
    assert load.ties["window_start"].iloc[0] == pd.Timestamp("2024-03-04 09:00")
    assert load.ties["window_end"].iloc[0] == pd.Timestamp("2024-03-06 08:00")
    assert load.new_people.empty
    counts = load.report.counts
    assert counts["events_read"] == 4
    assert counts["self_addressed"] == 1
    assert counts["unknown_addresses"] == 0
    assert load.report.records == len(load.ties) == 8


def test_ties_are_sorted_by_source_then_target(tmp_path: Path) -> None:
    ties = aggregate_events(write_csv(tmp_path / "e.csv", SMALL), people=PEOPLE).ties
    pairs = list(zip(ties["source"], ties["target"], strict=True))
    assert pairs == sorted(pairs)


def test_csv_parquet_and_jsonl_give_the_same_ties(tmp_path: Path) -> None:
    rows = [*SMALL, "dee@x.org,P5;cy@x.org;Ann@X.org,2024-03-07T10:00:00Z,meeting,"]
    frames = [
        aggregate_events(write(tmp_path / name, rows), people=PEOPLE).ties
        for write, name in [
            (write_csv, "e.csv"),
            (write_parquet, "e.parquet"),
            (write_jsonl, "e.jsonl"),
        ]
    ]
    for other in frames[1:]:
        pd.testing.assert_frame_equal(frames[0], other)
    # The meeting without a duration counts as 30 minutes over 3 others.
    assert as_dict(frames[0])[("P4", "P5")] == pytest.approx(0.5 / 3)


def test_a_person_named_by_id_and_by_email_counts_once(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "e.csv", ["P1,P2;bob@x.org;BOB@x.org;P3,2024-01-01,email,"])
    got = as_dict(aggregate_events(path, people=PEOPLE).ties)
    assert got == pytest.approx({("P1", "P2"): 5 / 60 / 2, ("P1", "P3"): 5 / 60 / 2})


def test_time_window_filters_events(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "e.csv", SMALL)
    load = aggregate_events(path, people=PEOPLE, start="2024-03-05", end="2024-03-06")
    got = as_dict(load.ties)
    assert ("P4", "P1") not in got and ("P1", "P2") in got
    assert got[("P1", "P2")] == pytest.approx(0.75)  # the 2024-03-04 email is out
    assert load.report.counts["events_in_window"] == 2
    assert load.report.counts["events_outside_window"] == 2
    assert load.ties["window_start"].iloc[0] == pd.Timestamp("2024-03-05")
    assert load.ties["window_end"].iloc[0] == pd.Timestamp("2024-03-06")


def test_window_bounds_with_a_zone_are_converted_to_utc(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "e.csv", SMALL)
    # 10:00 UTC is 12:00 at +02:00; the 10:00 meeting is kept, the 12:00+02 chat is not
    load = aggregate_events(
        path, people=PEOPLE, start="2024-03-05T12:00:00+02:00", end="2024-03-05T11:00:00Z"
    )
    assert load.report.counts["events_in_window"] == 2
    assert as_dict(load.ties)[("P3", "P1")] == pytest.approx(0.75 + 1 / 60)


def test_empty_window_gives_no_ties_and_a_note(tmp_path: Path) -> None:
    load = aggregate_events(write_csv(tmp_path / "e.csv", SMALL), people=PEOPLE, start="2030-01-01")
    assert load.ties.empty and list(load.ties.columns) == list(TIES_COLUMNS)
    assert any("no events in the time window" in n.message for n in load.report.notes)


def test_bad_window_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "e.csv", SMALL)
    with pytest.raises(InputError, match="swap start and end"):
        aggregate_events(path, people=PEOPLE, start="2024-03-06", end="2024-03-01")
    with pytest.raises(InputError, match="not a date"):
        aggregate_events(path, people=PEOPLE, start="next tuesday")


def test_broadcasts_and_large_meetings_are_left_out(tmp_path: Path) -> None:
    rows = [
        "P1,P2;P3;P4,2024-01-01,email,",  # 3 recipients
        "P2,P3;P4,2024-01-01,chat,",  # 2 recipients
        "P1,P2;P3;P4;P5,2024-01-01,meeting,60",  # 5 attendees
        "P5,P1;P2,2024-01-01,call,60",  # 3 attendees
    ]
    path = write_csv(tmp_path / "e.csv", rows)
    load = aggregate_events(path, people=PEOPLE, max_recipients=2, max_attendees=4)
    got = as_dict(load.ties)
    assert ("P1", "P2") not in got or got[("P1", "P2")] == pytest.approx(0.5)
    assert got[("P2", "P3")] == pytest.approx(1 / 60 / 2)
    assert got[("P5", "P1")] == pytest.approx(0.5)
    assert ("P1", "P5") in got and ("P3", "P4") not in got
    assert load.report.counts["broadcasts_left_out"] == 1
    assert load.report.counts["large_meetings_left_out"] == 1
    assert any("broadcasts" in n.message for n in load.report.notes)
    everything = aggregate_events(path, people=PEOPLE)
    assert everything.report.counts["broadcasts_left_out"] == 0
    assert ("P3", "P4") in as_dict(everything.ties)


def test_reciprocal_keeps_pairs_with_weight_both_ways(tmp_path: Path) -> None:
    rows = ["P1,P2;P3,2024-01-01,email,", "P2,P1,2024-01-02,chat,"]
    path = write_csv(tmp_path / "e.csv", rows)
    load = aggregate_events(path, people=PEOPLE, reciprocal=True)
    assert set(as_dict(load.ties)) == {("P1", "P2"), ("P2", "P1")}
    assert load.report.counts["ties_left_out_not_reciprocal"] == 1
    assert len(aggregate_events(path, people=PEOPLE).ties) == 3


def test_unknown_addresses_are_counted_and_named_with_row_and_column(tmp_path: Path) -> None:
    rows = [
        "P1,P2;guest@y.com,2024-01-01,email,",
        "P2,P1,2024-01-02,email,",
        "stranger@z.com,P1;Guest@Y.com;other@y.com,2024-01-03,meeting,60",
    ]
    load = aggregate_events(write_csv(tmp_path / "e.csv", rows), people=PEOPLE)
    counts = load.report.counts
    assert counts["unknown_addresses"] == 3  # guest (any case), other, stranger
    assert counts["events_with_unknown"] == 2
    assert counts["unknown_senders"] == 1
    notes = {
        n.message.split("'")[1]: n for n in load.report.notes if "unknown address" in n.message
    }
    assert (notes["guest@y.com"].row, notes["guest@y.com"].column) == (2, "recipients")
    assert (notes["stranger@z.com"].row, notes["stranger@z.com"].column) == (4, "sender")
    assert notes["other@y.com"].row == 4
    assert "3 addresses in 2 events" in load.report.notes[0].message
    got = as_dict(load.ties)
    # The unknown recipient still counts in k: P1 -> P2 gets half of the 5 minutes.
    assert got[("P1", "P2")] == pytest.approx(5 / 60 / 2)
    assert ("P1", "P1") not in got and len(got) == 2  # the meeting has one known attendee


def test_unknown_address_examples_are_capped(tmp_path: Path) -> None:
    rows = [f"P1,P2;ext{i}@y.com,2024-01-01,email," for i in range(30)]
    load = aggregate_events(write_csv(tmp_path / "e.csv", rows), people=PEOPLE)
    named = [n for n in load.report.notes if "unknown address '" in n.message]
    assert len(named) == 20
    assert [n.row for n in named] == list(range(2, 22))
    assert load.report.notes[-1].message == "… and 10 more unknown addresses"


def test_strict_raises_on_unknown_addresses(tmp_path: Path) -> None:
    rows = [
        "P1,P2,2024-01-01,email,",
        "ghost@y.com,P1,2024-01-02,email,",
        "P2,x;P1,2024-01-03,chat,",
    ]
    with pytest.raises(ValidationError) as info:
        aggregate_events(write_csv(tmp_path / "e.csv", rows), people=PEOPLE, strict=True)
    text = str(info.value)
    assert "2 problems" in text
    assert "row 3, column sender: 'ghost@y.com'" in text
    assert "row 4, column recipients: 'x'" in text


def test_strict_passes_when_every_address_is_known(tmp_path: Path) -> None:
    load = aggregate_events(write_csv(tmp_path / "e.csv", SMALL), people=PEOPLE, strict=True)
    assert len(load.ties) == 8


BAD = [
    "P1,P2,2024-01-01,email,",
    "P1,P2,yesterday,email,",  # row 3: timestamp
    "P1,P2,2024-01-01,fax,",  # row 4: channel
    "P1,P2,2024-01-01,meeting,-5",  # row 5: duration
    "P1,P2,2024-01-01,meeting,ten",  # row 6: duration
    ",P2,,email,",  # row 7: sender and timestamp
    "P1,P2,2024-02-30T10:00,call,5",  # row 8: timestamp
]


def test_bad_rows_raise_one_error_listing_them_all(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as info:
        aggregate_events(write_csv(tmp_path / "bad.csv", BAD), people=PEOPLE)
    err = info.value
    assert isinstance(err, ValidationError)
    assert err.total == 7
    where = [(p.row, p.column) for p in err.problems]
    assert where == [
        (3, "timestamp"),
        (4, "channel"),
        (5, "duration"),
        (6, "duration"),
        (7, "sender"),
        (7, "timestamp"),
        (8, "timestamp"),
    ]
    text = str(err)
    assert text.startswith(f"{tmp_path / 'bad.csv'}: 7 problems")
    assert "row 3, column timestamp: 'yesterday' is not an ISO 8601 time" in text
    assert "row 4, column channel: 'fax' is not a channel" in text
    assert "row 5, column duration: duration -5 is negative" in text
    assert "row 6, column duration: 'ten' is not a number of minutes" in text
    assert "row 7, column sender: the sender is empty" in text
    assert all(p.fix for p in err.problems)


@pytest.mark.parametrize("writer", [write_parquet, write_jsonl])
def test_bad_rows_in_parquet_and_jsonl_name_the_record(tmp_path: Path, writer: object) -> None:
    rows = ["P1,P2,2024-01-01,email,", "P1,P2,2024-01-01,meeting,-5", "P1,P2,2024-01-01,fax,"]
    path = writer(tmp_path / f"bad.{'parquet' if writer is write_parquet else 'jsonl'}", rows)  # type: ignore[operator]
    with pytest.raises(ValidationError) as info:
        aggregate_events(path, people=PEOPLE)
    assert [(p.row, p.column) for p in info.value.problems] == [(2, "duration"), (3, "channel")]


def test_bad_timestamps_in_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_text(
        '{"sender": "P1", "recipients": ["P2"], "timestamp": "2024-01-01T10:00:00Z"}\n'
        '{"sender": "P1", "recipients": ["P2"], "timestamp": "03/01/2024"}\n'
        '{"sender": "P1", "recipients": ["P2"], "timestamp": 1704067200}\n'
    )
    with pytest.raises(ValidationError) as info:
        aggregate_events(path, people=PEOPLE)
    assert [(p.row, p.column) for p in info.value.problems] == [(2, "timestamp"), (3, "timestamp")]


def test_many_bad_rows_are_capped_with_the_count_of_the_rest(tmp_path: Path) -> None:
    rows = [f"P1,P2,not-a-time-{i},email," for i in range(120)]
    with pytest.raises(ValidationError) as info:
        aggregate_events(write_csv(tmp_path / "e.csv", rows), people=PEOPLE)
    lines = str(info.value).splitlines()
    assert lines[0].endswith("120 problems")
    assert len(lines) == 1 + MAX_REPORTED_PROBLEMS + 1
    assert lines[-1].strip() == f"… and {120 - MAX_REPORTED_PROBLEMS} more problems"
    assert lines[1].startswith("  row 2, column timestamp")


def test_missing_columns_are_all_named(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "e.csv", ["P1,2024-01-01"], header="sender,when_it_was")
    with pytest.raises(MissingColumnError) as info:
        aggregate_events(path, people=PEOPLE)
    assert [p.column for p in info.value.problems] == ["recipients", "timestamp"]
    assert "e.csv" in str(info.value) and "it has 'sender', 'when_it_was'" in str(info.value)


def test_missing_column_in_parquet(tmp_path: Path) -> None:
    path = tmp_path / "e.parquet"
    pq.write_table(pa.table({"sender": ["P1"], "recipients": ["P2"]}), path)
    with pytest.raises(MissingColumnError, match="column timestamp"):
        aggregate_events(path, people=PEOPLE)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("e.csv", "", "the file is empty"),
        ("e.csv", "\n\n", "the file is empty"),
        ("e.csv", HEADER + "\n", "has no events"),
        ("e.jsonl", "", "the file is empty"),
        ("e.parquet", "not parquet", "cannot be read as parquet"),
        ("e.xls", "x", "cannot tell the format"),
        ("e.jsonl", '{"sender": "P1", "recipients": "P2"\n', "cannot be read"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(FileFormatError, match=message):
        aggregate_events(path, people=PEOPLE)


def test_empty_parquet_has_no_events(tmp_path: Path) -> None:
    path = tmp_path / "e.parquet"
    pq.write_table(
        pa.table(
            {c: pa.array([], type=pa.string()) for c in ("sender", "recipients", "timestamp")}
        ),
        path,
    )
    with pytest.raises(FileFormatError, match="has no events"):
        aggregate_events(path, people=PEOPLE)


def test_row_too_wide_names_the_row(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "e.csv", ["P1,P2,2024-01-01,email,", "P1,P2,2024-01-01,email,,x"])
    with pytest.raises(FileFormatError) as info:
        aggregate_events(path, people=PEOPLE)
    assert info.value.problems[0].row == 3
    assert "quote values" in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="no such file"):
        aggregate_events(tmp_path / "nope.csv", people=PEOPLE)


def test_utf8_bom_csv(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "e.csv", SMALL, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    load = aggregate_events(path, people=PEOPLE)
    assert len(load.ties) == 8 and load.report.counts["unknown_addresses"] == 0


def test_latin1_csv_is_read_with_a_note(tmp_path: Path) -> None:
    people = pd.DataFrame({"person_id": ["Zoë", "P2"]})
    path = write_csv(tmp_path / "e.csv", ["Zoë,P2,2024-01-01,email,"], encoding="latin-1")
    load = aggregate_events(path, people=people)
    assert as_dict(load.ties) == pytest.approx({("Zoë", "P2"): 5 / 60})
    assert any("not UTF-8" in n.message for n in load.report.notes)


def test_semicolon_delimited_csv_with_comma_separated_recipients(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text(
        'Sender;To;Date;Type;Duration\nP1;P2, P3 ;2024-01-01;EMAIL;\nP2;"P1,P3";2024-01-01;chat;\n'
    )
    load = aggregate_events(path, people=PEOPLE)
    assert set(as_dict(load.ties)) == {("P1", "P2"), ("P1", "P3"), ("P2", "P1"), ("P2", "P3")}
    assert any("'To' was read as recipients" in n.message for n in load.report.notes)


def test_blank_lines_keep_spreadsheet_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text(
        HEADER + '\nP1,P2,2024-01-01,email,\n\n\nP1,"P2\nP3",2024-01-01,email,\nP1,P2,bad,email,\n'
    )
    with pytest.raises(ValidationError) as info:
        aggregate_events(path, people=PEOPLE)
    # header 1, first event 2, blank 3 and 4, the two-line cell is one row (5), bad is 6
    assert [p.row for p in info.value.problems] == [6]


def test_blank_lines_above_the_header(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text("\n\n" + HEADER + "\nP1,P2,2024-01-01,email,\nP1,P2,soon,email,\n")
    with pytest.raises(ValidationError) as info:
        aggregate_events(path, people=PEOPLE)
    assert [p.row for p in info.value.problems] == [5]


def test_events_without_recipients_and_email_duration(tmp_path: Path) -> None:
    rows = ["P1,,2024-01-01,email,", "P1,P1,2024-01-01,email,", "P1,P2;P3,2024-01-01,email,12"]
    load = aggregate_events(write_csv(tmp_path / "e.csv", rows), people=PEOPLE)
    assert load.report.counts["events_without_recipients"] == 2
    assert load.report.counts["self_addressed"] == 1
    assert as_dict(load.ties) == pytest.approx({("P1", "P2"): 0.1, ("P1", "P3"): 0.1})


def test_json_array_file(tmp_path: Path) -> None:
    path = tmp_path / "e.json"
    path.write_text(json.dumps(records(SMALL)))
    csv_ties = aggregate_events(write_csv(tmp_path / "e.csv", SMALL), people=PEOPLE).ties
    pd.testing.assert_frame_equal(aggregate_events(path, people=PEOPLE).ties, csv_ties)


def test_three_files_are_pooled(tmp_path: Path) -> None:
    a = write_csv(tmp_path / "a.csv", SMALL[:2])
    b = write_parquet(tmp_path / "b.parquet", SMALL[2:3])
    c = write_jsonl(tmp_path / "c.jsonl", [SMALL[3], "P1,ext@y.com,2024-03-07,email,"])
    load = aggregate_events([a, b, c], people=PEOPLE)
    single = aggregate_events(write_csv(tmp_path / "all.csv", SMALL), people=PEOPLE)
    want = single.ties.assign(window_end=pd.Timestamp("2024-03-07"))
    pd.testing.assert_frame_equal(load.ties, want.astype({"window_end": "datetime64[ns]"}))
    assert load.report.counts["files"] == 3 and load.report.rows_read == 5
    note = next(n for n in load.report.notes if "unknown address" in n.message)
    assert str(c) in note.message and note.row == 2 and note.column == "recipients"
    assert load.report.source == f"{a}, {b}, {c}"


def test_the_first_file_with_problems_is_reported(tmp_path: Path) -> None:
    a = write_csv(tmp_path / "a.csv", SMALL)
    b = write_csv(tmp_path / "b.csv", ["P1,P2,2024-01-01,email,", "P1,P2,never,email,"])
    c = write_csv(tmp_path / "c.csv", ["P1,P2,later,email,"])
    with pytest.raises(ValidationError) as info:
        aggregate_events([a, b, c], people=PEOPLE)
    assert info.value.source == str(b)
    assert [p.row for p in info.value.problems] == [3]


def test_strict_reports_the_first_file_with_unknown_addresses(tmp_path: Path) -> None:
    a = write_csv(tmp_path / "a.csv", SMALL)
    b = write_parquet(
        tmp_path / "b.parquet", ["P1,P2,2024-01-01,email,", "P1,nobody,2024-01-01,email,"]
    )
    with pytest.raises(ValidationError) as info:
        aggregate_events([a, b], people=PEOPLE, strict=True)
    assert info.value.source == str(b)
    assert [(p.row, p.column) for p in info.value.problems] == [(2, "recipients")]


def test_bad_parameters_are_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "e.csv", SMALL)
    with pytest.raises(InputError, match="max_recipients"):
        aggregate_events(path, people=PEOPLE, max_recipients=0)
    with pytest.raises(InputError, match="memory size"):
        aggregate_events(path, people=PEOPLE, memory_limit="lots")
    with pytest.raises(MissingColumnError, match="person_id"):
        aggregate_events(path, people=pd.DataFrame({"id": ["P1"]}))
    with pytest.raises(InputError, match="no event files"):
        aggregate_events([], people=PEOPLE)


def test_memory_limit_and_kind(tmp_path: Path) -> None:
    load = aggregate_events(
        write_csv(tmp_path / "e.csv", SMALL), people=PEOPLE, memory_limit="256MB", kind="email"
    )
    assert set(load.ties["kind"]) == {"email"} and len(load.ties) == 8


# --------------------------------------------------------------------------- pandas oracle


def pandas_ties(
    events: pd.DataFrame, people: pd.DataFrame, max_recipients: int = 20, max_attendees: int = 25
) -> pd.DataFrame:
    """The documented scheme, computed independently with pandas (explode, merge, sum)."""
    ids = {p: p for p in people["person_id"]}
    emails = {
        str(e).lower(): p for p, e in zip(people["person_id"], people["email"], strict=True) if e
    }

    def resolve(addr: pd.Series) -> pd.Series:
        addr = addr.str.strip()
        by_id = addr.map(ids)
        by_email = addr.str.lower().map(emails)
        return by_id.fillna(by_email).fillna("?" + addr.str.lower())

    ev = events.reset_index(drop=True).assign(ev=lambda d: np.arange(len(d)))
    ev["channel"] = ev["channel"].fillna("email").str.lower()
    minutes = ev["channel"].map(dict(CHANNEL_MINUTES))
    ev["hours"] = ev["duration"].fillna(minutes) / 60
    ev["meet"] = ev["channel"].isin(["meeting", "call"])
    ev["s"] = resolve(ev["sender"])
    rec = ev[["ev", "recipients"]].assign(a=ev["recipients"].str.split(";")).explode("a")
    rec = rec[rec["a"].notna() & (rec["a"].str.strip() != "")]
    rec["r"] = resolve(rec["a"]).to_numpy()
    rec = rec.merge(ev[["ev", "s", "meet", "hours"]], on="ev")
    rec = rec[rec["r"] != rec["s"]].drop_duplicates(["ev", "r"])
    k = rec.groupby("ev").size().rename("k")
    rec = rec.join(k, on="ev")
    known = ~rec["r"].str.startswith("?")
    mail = rec[~rec["meet"] & (rec["k"] <= max_recipients) & known & ~rec["s"].str.startswith("?")]
    mail = mail.assign(source=mail["s"], target=mail["r"], weight=mail["hours"] / mail["k"])
    meet = rec[rec["meet"] & (rec["k"] + 1 <= max_attendees)]
    att = pd.concat(
        [
            meet[["ev", "r", "hours", "k"]],
            meet.drop_duplicates("ev")[["ev", "s", "hours", "k"]].rename(columns={"s": "r"}),
        ]
    )
    att = att[~att["r"].str.startswith("?")]
    pairs = att.merge(att[["ev", "r"]], on="ev", suffixes=("", "_b"))
    pairs = pairs[pairs["r"] != pairs["r_b"]]
    pairs = pairs.assign(source=pairs["r"], target=pairs["r_b"], weight=pairs["hours"] / pairs["k"])
    cols = ["source", "target", "weight"]
    out = (
        pd.concat([mail[cols], pairs[cols]])
        .groupby(["source", "target"], as_index=False)["weight"]
        .sum()
    )
    return out.sort_values(["source", "target"]).reset_index(drop=True)


def random_events(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    m = 60
    ids = [f"E{i:03d}" for i in range(m)]
    people = pd.DataFrame({"person_id": ids, "email": [f"u{i}@corp.com" for i in range(m)]})
    forms = np.array(
        ids
        + [f"u{i}@corp.com" for i in range(m)]
        + [f"U{i}@Corp.com" for i in range(m)]
        + [f"x{i}@out.com" for i in range(10)],
        dtype=object,
    )

    def address(size: int) -> np.ndarray:
        who = rng.integers(0, m, size)
        form = rng.choice(3, size=size, p=[0.4, 0.4, 0.2]) * m + who
        external = rng.random(size) < 0.05
        form[external] = 3 * m + rng.integers(0, 10, int(external.sum()))
        return forms[form]

    channel = rng.choice(["email", "chat", "meeting", "call", "Email"], size=n)
    size = np.where(rng.random(n) < 0.05, rng.integers(15, 40, n), rng.integers(1, 6, n))
    recips = [";".join(address(int(s))) for s in size]
    duration = np.where(
        np.isin(channel, ["meeting", "call"]), rng.choice([15.0, 30, 60, np.nan], n), np.nan
    )
    events = pd.DataFrame(
        {
            "sender": address(n),
            "recipients": recips,
            "timestamp": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 10**7, n), "s"),
            "channel": channel,
            "duration": duration,
        }
    )
    return events, people


def test_duckdb_agrees_with_an_independent_pandas_computation(tmp_path: Path) -> None:
    events, people = random_events(2_000, seed=7)
    path = tmp_path / "events.parquet"
    events.to_parquet(path)
    got = aggregate_events(path, people=people).ties
    want = pandas_ties(events, people)
    assert len(got) == len(want) > 500
    assert got["source"].tolist() == want["source"].tolist()
    assert got["target"].tolist() == want["target"].tolist()
    np.testing.assert_allclose(got["weight"].to_numpy(), want["weight"].to_numpy(), rtol=1e-9)
    # And through CSV text, with a window
    csv_path = tmp_path / "events.csv"
    events.assign(timestamp=events["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")).to_csv(
        csv_path, index=False
    )
    lo, hi = pd.Timestamp("2024-02-01"), pd.Timestamp("2024-03-15")
    got = aggregate_events(csv_path, people=people, start=lo, end=hi, max_recipients=10).ties
    inside = events[(events["timestamp"] >= lo) & (events["timestamp"] < hi)]
    want = pandas_ties(inside, people, max_recipients=10)
    assert got["source"].tolist() == want["source"].tolist()
    np.testing.assert_allclose(got["weight"].to_numpy(), want["weight"].to_numpy(), rtol=1e-9)


def test_running_out_of_memory_says_what_to_raise(tmp_path: Path) -> None:
    events, people = random_events(20_000, seed=3)
    path = tmp_path / "events.parquet"
    events.to_parquet(path)
    with pytest.raises(PeerweaveError, match="raise memory_limit"):
        aggregate_events(path, people=people, memory_limit="1MB")
