"""Peer circles from the command line: three rounds on a small generated organization."""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from peerweave.cli import app
from peerweave.ingest.synthetic import generate_to_directory
from peerweave.workspace import Workspace

runner = CliRunner()

BY = "department,level,location"


def run(db: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--db", str(db), *args])
    return result.exit_code, result.output


@pytest.fixture
def db(tmp_path: Path) -> Path:
    org = generate_to_directory(tmp_path / "files", 60, seed=2, weeks=1)
    db = tmp_path / "org.db"
    for args in (("init",), ("import", "people", str(org["people"]))):
        code, out = run(db, *args)
        assert code == 0, out
    return db


def test_three_rounds_avoid_repeats_and_are_stored(db: Path, tmp_path: Path) -> None:
    exported = tmp_path / "round3.csv"
    for number in range(3):
        extra = ("--export", str(exported)) if number == 2 else ()
        code, out = run(
            db, "circles", "new-round", "--size", "5-7", "--by", BY, "--seconds", "0.5",
            "--seed", str(number), *extra,
        )  # fmt: skip
        assert code == 0, out
        assert "repeats avoided" in out and "managers ok" in out
    with Workspace.open(str(db)) as ws:
        rounds = ws.circle_rounds()
        history = ws.circle_history()
        active = ws.people()
    assert len(rounds) == 3 and sorted(history["round"].unique()) == [1, 2, 3]
    later = rounds[rounds["id"] > 1]
    assert (later["repeat_pairs"] == 0).all() and (later["repeats_avoided"] > 0).all()
    placed = active[~active["opted_out"].astype(bool)]
    assert (rounds["people"] == len(placed)).all()
    # independent check: no pair of people shares a circle in two rounds
    pairs = [
        frozenset(pair)
        for _, group in history.groupby(["round", "circle"])
        for pair in itertools.combinations(group["person_id"], 2)
    ]
    assert len(pairs) == len(set(pairs))
    sizes = history.groupby(["round", "circle"]).size()
    assert sizes.between(5, 7).all()
    assert (
        history.groupby(["round", "circle"])["role"].apply(lambda r: (r == "host").sum()) == 1
    ).all()
    written = pd.read_csv(exported)
    assert list(written.columns) == ["round", "circle", "person_id", "role"]
    assert set(written["round"]) == {3} and len(written) == len(placed)
    code, out = run(db, "circles", "history")
    assert code == 0 and "stored rounds of circles" in out


def test_no_save_stores_nothing(db: Path) -> None:
    code, out = run(
        db, "circles", "new-round", "--by", "department", "--seconds", "0.2", "--no-save"
    )
    assert code == 0 and "nothing stored" in out
    with Workspace.open(str(db)) as ws:
        assert ws.circle_rounds().empty


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--size", "13-5", "--by", "department"), "--size"),
        (("--size", "five", "--by", "department"), "--size"),
        (("--by", "department,shoe_size"), "shoe_size"),
        (("--size", "5-7", "--by", ""), "by"),
    ],
)
def test_bad_input_is_one_error_line_and_stores_nothing(
    db: Path, args: tuple[str, ...], says: str
) -> None:
    result = runner.invoke(
        app, ["--db", str(db), "circles", "new-round", "--seconds", "0.2", *args]
    )
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and says in lines[0], result.output
    with Workspace.open(str(db)) as ws:
        assert ws.circle_rounds().empty and ws.circle_history().empty


def test_the_demo_suggests_circles_and_they_form_on_it(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--people", "120", "--dir", str(folder), "--no-serve"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert f"circles new-round --size 5-7 --by {BY}" in text and "circles history" in text
    code, out = run(
        folder / "peerweave.db", "circles", "new-round", "--size", "5-7", "--by", BY,
        "--seconds", "0.5", "--export", str(folder / "circles.csv"),
    )  # fmt: skip
    assert code == 0, out
    assert len(pd.read_csv(folder / "circles.csv")) > 100


def test_people_on_leave_are_not_seated(tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    pd.DataFrame(
        {
            "person_id": [f"p{i:02d}" for i in range(13)],
            "department": ["a", "b", "c"] * 4 + ["a"],
            "on_leave": [False] * 12 + [True],
        }
    ).to_csv(people, index=False)
    with Workspace.open(f"sqlite:///{tmp_path / 'leave.db'}", create=True) as ws:
        ws.import_people(people)
        result = ws.new_circle_round(by=["department"], size=(4, 6), seconds=0.2)
    seated = set(result.assignment["person_id"])
    assert len(seated) == 12 and "p12" not in seated
    assert "1 person on leave left out" in result.notes
