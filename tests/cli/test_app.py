"""The command line, driven through Typer's CliRunner as a user would type it."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from typer.testing import CliRunner

from peerweave.cli import app
from peerweave.store.accounts import list_users
from peerweave.workspace import Workspace

runner = CliRunner()

PEOPLE = (
    "person_id,name,email,manager_id,department,level\n"
    "P1,Ada Lovelace,ada@example.com,,Engineering,7\n"
    "P2,Alan Turing,alan@example.com,P1,Engineering,4\n"
    "P3,Grace Hopper,grace@example.com,P1,Data,4\n"
    "P4,Edsger Dijkstra,edsger@example.com,P2,Engineering,2\n"
)


def run(db: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--db", str(db), *args])
    return result.exit_code, result.output


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "pw.db"
    code, out = run(path, "init")
    assert code == 0, out
    return path


@pytest.fixture
def people_csv(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE)
    return path


def test_init_and_empty_status(db: Path) -> None:
    code, out = run(db, "status")
    assert code == 0, out
    assert "nothing imported yet" in out


def test_database_must_exist(tmp_path: Path) -> None:
    code, out = run(tmp_path / "none.db", "status")
    assert code == 2
    assert "peerweave init" in out
    assert "Traceback" not in out


def test_import_people_then_reimport_marks_left(db: Path, people_csv: Path, tmp_path: Path) -> None:
    code, out = run(db, "import", "people", str(people_csv))
    assert code == 0, out
    assert "4 added" in out
    smaller = tmp_path / "people2.csv"
    smaller.write_text("\n".join(PEOPLE.splitlines()[:4]) + "\n")
    code, out = run(db, "import", "people", str(smaller))
    assert code == 0, out
    assert "1 marked as left" in out
    with Workspace.open(str(db)) as ws:
        assert len(ws.people()) == 3
        assert len(ws.people(include_left=True)) == 4


def test_bad_people_file_exit_2_and_nothing_stored(db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("person_id,manager_id\nA,B\nB,A\nC,ZZ\nC,\n")
    code, out = run(db, "import", "people", str(bad))
    assert code == 2
    assert "Traceback" not in out
    assert str(bad) in out
    for fragment in (
        "row 2, column manager_id",
        "row 3, column manager_id",
        "row 4, column manager_id",
        "row 5, column person_id",
        "manager cycle",
    ):
        assert fragment in out, out
    with Workspace.open(str(db)) as ws:
        assert ws.people(include_left=True).empty


def test_dry_run_stores_nothing(db: Path, people_csv: Path) -> None:
    code, out = run(db, "import", "people", str(people_csv), "--dry-run")
    assert code == 0, out
    assert "nothing stored" in out
    with Workspace.open(str(db)) as ws:
        assert ws.people().empty


def test_map_option(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "hr.csv"
    path.write_text("Staff Number,Full Name\nX1,Ann\n")
    code, out = run(
        db,
        "import",
        "people",
        str(path),
        "--map",
        "Staff Number=person_id",
        "--map",
        "Full Name=name",
    )
    assert code == 0, out
    with Workspace.open(str(db)) as ws:
        assert ws.people()["name"].tolist() == ["Ann"]


def test_ties_survey_skills_and_exports(db: Path, people_csv: Path, tmp_path: Path) -> None:
    assert run(db, "import", "people", str(people_csv))[0] == 0
    ties = tmp_path / "ties.csv"
    ties.write_text("source,target,weight\nP1,P2,3\nP2,P3,1\nP3,NEW1,2\n")
    code, out = run(db, "import", "ties", str(ties))
    assert code == 0, out
    assert "people created" in out
    strict = tmp_path / "strict.csv"
    strict.write_text("source,target\nP1,NEW1\nP2,NEW2\n")
    code, out = run(db, "import", "ties", str(strict), "--strict")
    assert code == 2 and "NEW2" in out and "row 3" in out
    survey = tmp_path / "survey.csv"
    survey.write_text("respondent,question,colleague,strength\nP4,advice,P3,5\nP2,advice,P3,4\n")
    code, out = run(db, "import", "survey", str(survey))
    assert code == 0, out
    skills = tmp_path / "skills.csv"
    skills.write_text(
        "person_id,skill,level,can_teach,wants_to_learn,capacity\n"
        "P3,SQL,4,yes,no,2\nP4,sql,1,no,yes,2\n"
    )
    code, out = run(db, "import", "skills", str(skills))
    assert code == 0, out
    code, out = run(db, "status")
    assert code == 0, out
    assert "advice" in out and "collaboration" in out

    gexf, graphml = tmp_path / "net.gexf", tmp_path / "net.graphml"
    assert run(db, "export", "gexf", str(gexf))[0] == 0
    assert run(db, "export", "graphml", str(graphml))[0] == 0
    for graph in (nx.read_gexf(gexf), nx.read_graphml(graphml)):
        assert graph.number_of_nodes() == 5
        assert graph.number_of_edges() == 5
    out_csv = tmp_path / "people_out.csv"
    assert run(db, "export", "csv", "people", str(out_csv))[0] == 0
    assert len(pd.read_csv(out_csv)) == 5
    code, out = run(db, "export", "csv", "nothing", str(out_csv))
    assert code == 2 and "people, ties, skills" in out


def test_events_import_and_window(db: Path, people_csv: Path, tmp_path: Path) -> None:
    assert run(db, "import", "people", str(people_csv))[0] == 0
    events = tmp_path / "events.csv"
    events.write_text(
        "sender,recipients,timestamp,channel,duration\n"
        "ada@example.com,alan@example.com;grace@example.com,2026-01-05T09:00:00Z,email,\n"
        "alan@example.com,ada@example.com,2026-01-06T10:00:00Z,chat,\n"
        "grace@example.com,outsider@vendor.example,2026-02-06T10:00:00Z,email,\n"
    )
    code, out = run(db, "import", "events", str(events), "--until", "2026-02-01")
    assert code == 0, out
    with Workspace.open(str(db)) as ws:
        ties = ws.ties()
    assert set(zip(ties["source"], ties["target"], strict=True)) == {
        ("P1", "P2"),
        ("P1", "P3"),
        ("P2", "P1"),
    }


def test_events_with_bad_rows_store_nothing(db: Path, people_csv: Path, tmp_path: Path) -> None:
    assert run(db, "import", "people", str(people_csv))[0] == 0
    events = tmp_path / "events.csv"
    events.write_text(
        "sender,recipients,timestamp,channel,duration\n"
        "ada@example.com,alan@example.com,yesterday,email,\n"
        "ada@example.com,alan@example.com,2026-01-05T09:00:00Z,meeting,-30\n"
    )
    code, out = run(db, "import", "events", str(events))
    assert code == 2, out
    assert "row 2" in out and "timestamp" in out
    assert "row 3" in out and "duration" in out
    with Workspace.open(str(db)) as ws:
        assert ws.ties().empty


def test_events_need_people_first(db: Path, tmp_path: Path) -> None:
    events = tmp_path / "events.csv"
    events.write_text("sender,recipients,timestamp\na@x.org,b@x.org,2026-01-05\n")
    code, out = run(db, "import", "events", str(events))
    assert code == 2
    assert "import people" in out


def test_db_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "env.db"
    monkeypatch.setenv("PEERWEAVE_DATABASE_URL", f"sqlite:///{path}")
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    assert path.exists()


def test_generate(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["generate", "--people", "60", "--seed", "3", "--out", str(tmp_path / "org")]
    )
    assert result.exit_code == 0, result.output
    for name in ("people.csv", "events.parquet", "skills.csv", "survey.csv", "truth.json"):
        assert (tmp_path / "org" / name).exists()
    result = runner.invoke(app, ["generate", "--people", "5", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2


def test_demo(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["demo", "--people", "120", "--dir", str(tmp_path / "demo"), "--no-serve"]
    )
    assert result.exit_code == 0, result.output
    assert "Try next" in result.output
    with Workspace.open(str(tmp_path / "demo" / "peerweave.db")) as ws:
        status = ws.status()
    assert status.people_active > 100
    assert status.ties_by_kind.get("collaboration", 0) > 100
    assert status.skill_rows > 0
    assert "demo accounts" in result.output
    with Workspace.open(str(tmp_path / "demo" / "peerweave.db")) as ws:
        assert len(ws.circle_rounds()) == 1  # the demo gathers a first round of circles
        with ws.store.transaction() as session:
            users = list_users(session=session)
    assert sorted(users["username"]) == ["analyst", "lead", "member"]
    for username in users["username"]:  # every account's password is printed
        assert username in result.output


def test_serve_says_when_the_port_is_taken(tmp_path: Path) -> None:
    import socket

    db = tmp_path / "pw.db"
    assert run(db, "init")[0] == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out = run(db, "serve", "--port", str(port))
    assert code == 2, out
    assert f"127.0.0.1:{port}" in out and "cannot listen there" in out and "--port" in out


def test_serve_sets_the_upload_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    cli = importlib.import_module("peerweave.cli.app")  # the module, not the Typer app
    served: list[object] = []
    monkeypatch.setattr(cli, "_serve_app", lambda settings, **_: served.append(settings))
    db = tmp_path / "pw.db"
    assert run(db, "init")[0] == 0
    assert run(db, "serve")[0] == 0
    assert run(db, "serve", "--max-upload-mb", "5")[0] == 0
    limits = [s.max_upload_bytes for s in served]  # type: ignore[attr-defined]
    assert limits == [200 * 1024 * 1024, 5 * 1024 * 1024]
    code, out = run(db, "serve", "--max-upload-mb", "0")
    assert code != 0 and "max-upload-mb" in out


def test_dry_run_needs_no_database(tmp_path: Path, people_csv: Path) -> None:
    missing = tmp_path / "nowhere" / "pw.db"
    code, out = run(missing, "import", "people", str(people_csv), "--dry-run")
    assert code == 0, out
    assert "nothing stored" in out
    assert not missing.exists()
