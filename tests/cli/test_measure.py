"""`peerweave adoptions`, `track`, `fit`, `influence` and `report` on a small organization."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from peerweave.cli import app
from peerweave.demo import running_initiative
from peerweave.ingest.synthetic import generate_to_directory
from peerweave.workspace import Workspace

runner = CliRunner()
NOW = "2026-06-01"


def run(db: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--db", str(db), *args])
    return result.exit_code, result.output


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("org")
    files = generate_to_directory(folder / "files", 200, seed=4)
    db = folder / "org.db"
    with Workspace.open(str(db), create=True) as ws:
        ws.import_people(files["people"])
        ws.import_events(files["events"])
        ws.import_skills(files["skills"])
        ws.import_sessions(files["sessions"], feedback=files.get("feedback"))
        running_initiative(ws, seed=3, now=NOW)
        ws.analyze()
    return db


@pytest.fixture
def db(loaded: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "org.db"
    shutil.copy(loaded, copy)
    return copy


def test_adoptions_add_list_delete_and_import(db: Path, tmp_path: Path) -> None:
    with Workspace.open(str(db)) as ws:
        done = set(ws.adoptions(1)["person_id"])
        fresh = [p for p in ws.people()["person_id"] if p not in done]
    code, out = run(
        db, "adoptions", "add", "1", fresh[0], "--when", "2026-05-04", "--evidence", "wiki"
    )
    assert code == 0 and f"{fresh[0]} adopted initiative #1's practice on 2026-05-04" in flat(out)
    code, out = run(db, "adoptions", "add", "1", fresh[0], "--when", "2026-05-05")
    assert code == 2 and "already adopted (on 2026-05-04)" in flat(out)
    code, out = run(db, "adoptions", "add", "1", "NOBODY", "--when", "2026-05-05")
    assert code == 2 and "'NOBODY' is not a known person" in flat(out)
    code, out = run(db, "adoptions", "add", "1", fresh[1], "--when", "2099-01-01")
    assert code == 2 and "is in the future" in flat(out)
    code, out = run(db, "adoptions", "list", "1", "--top", "3")
    assert code == 0 and "2026-05-04" in out and "wiki" in out and "earlier" in out
    code, out = run(db, "adoptions", "delete", "1", fresh[0])
    assert code == 0
    bad = tmp_path / "adoptions.csv"
    bad.write_text(f"person_id,adopted_at\n{fresh[2]},2026-05-01\n{fresh[2]},2026-05-02\n")
    code, out = run(db, "adoptions", "import", "1", str(bad))
    assert code == 2 and f"{bad}: 1 problem" in flat(out)
    assert "row 3, column person_id:" in flat(out) and "adopted again (first on row 2)" in flat(out)
    good = tmp_path / "good.csv"
    good.write_text(f"person_id,adopted_at\n{fresh[2]},2026-05-01\n{fresh[3]},2026-05-02\n")
    code, out = run(db, "adoptions", "import", "1", str(good))
    assert code == 0 and "2 adoptions of initiative #1 stored" in flat(out)
    code, out = run(db, "adoptions", "list", "7")
    assert code == 2 and "no initiative 7 is stored" in flat(out)


def test_track_prints_weeks_groups_champions_and_draws(db: Path, tmp_path: Path) -> None:
    chart = tmp_path / "track.png"
    code, out = run(db, "track", "1", "--runs", "200", "--now", NOW, "--chart", str(chart))
    assert code == 0, out
    text = flat(out)
    assert "Week 9:" in text and "Adopters by week against the forecast" in text
    assert "By department at week 9" in text and "Around the champions" in text
    assert chart.read_bytes()[:4] == b"\x89PNG" and chart.with_suffix(".html").exists()
    code, out = run(db, "track", "1", "--chart", str(tmp_path / "x.txt"))
    assert code == 2 and "name the chart .png" in flat(out)


def test_track_of_an_initiative_with_no_adoptions(db: Path) -> None:
    code, out = run(db, "champions", "--k", "3", "--runs", "0", "--start", "2026-05-04")
    assert code == 0 and "initiative #2 stored" in flat(out)
    code, out = run(db, "track", "2", "--runs", "50", "--now", NOW)
    assert code == 0 and "No adoptions recorded yet" in flat(out)
    code, out = run(db, "fit", "2", "--runs", "20", "--now", NOW)
    assert code == 2 and "nothing to fit" in flat(out)


def test_fit_shows_estimate_interval_and_new_forecast(db: Path) -> None:
    code, out = run(db, "fit", "1", "--runs", "100", "--now", NOW)
    assert code == 0, out
    text = flat(out)
    assert "95% interval" in text and "tie-weight:0.02" in text
    assert "Forecast again from week 9 with the fitted model" in text


def test_influence_exports_and_sets_fact_beside_position(db: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "influence.csv"
    code, out = run(db, "influence", "--now", NOW, "--export", str(out_file))
    assert code == 0, out
    text = flat(out)
    assert "Influencers in fact" in text and "Influencers by position (PageRank)" in text
    assert list(pd.read_csv(out_file).columns) == ["source", "target", "strength"]
    code, out = run(db, "influence", "--initiatives", "1", "--no-learning", "--now", NOW)
    assert code == 0 and "1 cascades: 1 initiatives, 0 skills" in flat(out)
    code, out = run(db, "influence", "--initiatives", "one")
    assert code == 2 and "not a list of initiative ids" in flat(out)


def test_report_writes_one_file(db: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "report.html"
    code, out = run(db, "report", "--out", str(out_file), "--runs", "50", "--now", NOW)
    assert code == 0, out
    assert "Headline findings" in out and out_file.stat().st_size < 10_000_000
    assert "<script" not in out_file.read_text(encoding="utf-8")
