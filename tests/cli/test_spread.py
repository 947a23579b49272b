"""`peerweave champions`, `forecast` and `initiatives` on a small generated organization."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from peerweave.cli import app
from peerweave.ingest.synthetic import generate_to_directory
from peerweave.workspace import Workspace

runner = CliRunner()
FAST = ("--prob", "weighted-cascade", "--runs", "100")


def run(db: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--db", str(db), *args])
    return result.exit_code, result.output


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database holding a 250-person organization's people, events and survey."""
    folder = tmp_path_factory.mktemp("org")
    files = generate_to_directory(folder / "files", 250, seed=4)
    db = folder / "org.db"
    with Workspace.open(str(db), create=True) as ws:
        ws.import_people(files["people"])
        ws.import_events(files["events"])
        ws.import_survey(files["survey"])
    return db


@pytest.fixture
def db(loaded: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "org.db"
    shutil.copy(loaded, copy)
    return copy


def test_champions_are_shown_with_why_stored_and_exported(db: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "champions.csv"
    code, out = run(
        db,
        "champions",
        "--k",
        "5%",
        "--per",
        "department:1",
        "--name",
        "pilot",
        "--export",
        str(out_file),
        "--top",
        "3",
        *FAST,
    )
    assert code == 0, out
    text = flat(out)
    for expected in (
        "12 champions (4.8% of the 248 people who can be champions)",
        "why",
        "adds ≈",
        "expected adopters (OPIM-C estimate)",
        "adopters by week 13 (simulated)",
        "1/2 − ε",  # group minimums weaken the guarantee
        "… and",
        "initiative #1 stored (pilot)",
        "peerweave forecast --initiative 1",
    ):
        assert expected in text, expected
    exported = pd.read_csv(out_file)
    assert list(exported.columns) == ["person_id", "rank", "marginal_gain"]
    with Workspace.open(str(db)) as ws:
        stored = ws.initiatives()
        people = ws.people().set_index("person_id")
        from peerweave.store import load_champions

        with ws.store.transaction() as session:
            champions = load_champions(session=session, initiative_id=1)
    assert stored["name"].tolist() == ["pilot"] and stored.loc[0, "model"] == "ic"
    assert stored.loc[0, "k"] == len(exported) == 12  # 5% of 248 people who can be champions
    assert stored.loc[0, "params"]["per"] == ["department", 1]
    assert champions["person_id"].tolist() == exported["person_id"].tolist()
    departments = people.loc[exported["person_id"], "department"]
    can = ~people["opted_out"] & ~people["on_leave"]
    assert set(departments) == set(people.loc[can, "department"])
    assert not people.loc[exported["person_id"], "opted_out"].any()
    name = people.loc[exported.loc[0, "person_id"], "name"]
    assert f"{name} ({exported.loc[0, 'person_id']})" in text

    code, out = run(db, "initiatives")
    assert code == 0, out
    assert "pilot" in out and "ic" in out and "12" in out


def test_volunteers_exclusions_and_no_save(db: Path) -> None:
    with Workspace.open(str(db)) as ws:
        people = ws.people()
    active = people.loc[~people["opted_out"], "person_id"].tolist()
    code, out = run(
        db,
        "champions",
        "--k",
        "6",
        "--include",
        f"{active[5]},{active[9]}",
        "--exclude",
        active[0],
        "--exclude",
        active[1],
        "--at-most",
        "department:2",
        "--no-save",
        "--top",
        "6",
        *FAST,
    )
    assert code == 0, out
    text = flat(out)
    assert "nothing stored" in text and "volunteer; adds" in text
    assert text.index(active[5]) < text.index(active[9])
    assert f"({active[0]})" not in text and f"({active[1]})" not in text
    with Workspace.open(str(db)) as ws:
        assert ws.initiatives().empty


def test_complex_contagion_champions_are_a_heuristic_judged_by_simulation(db: Path) -> None:
    code, out = run(db, "champions", "--k", "10", "--model", "complex:k=2", "--runs", "100")
    assert code == 0, out
    text = flat(out)
    assert "clustered seeding (heuristic)" in text and "fellow seed" in text
    assert "none (clustered-seeding heuristic" in text
    assert "OPIM-C estimate" not in text
    with Workspace.open(str(db)) as ws:
        row = ws.initiatives().iloc[0]
    assert row["model"] == "complex" and row["estimated_reach"] > 0
    assert row["params"]["simulated"]["runs"] == 100


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--k", "0"), "--k: 0 is not a whole number"),
        (("--k", "lots"), "'lots' is not a number of people or a share"),
        (("--per", "department"), "'department' is not ATTRIBUTE:NUMBER"),
        (("--per", "department:1", "--at-most", "location:3"), "limit one attribute"),
        (
            ("--per", "department:5", "--k", "10"),
            "need 31 seeds (volunteers counted) but the budget is 10: raise --k",
        ),
        (("--model", "sir"), "--model: unknown model 'sir'"),
        (("--prob", "uniform:2"), "--prob: bad probability"),
        (("--include", "ghost"), "--include: 1 id is not a current person (ghost)"),
        (("--export", "champions.xlsx"), "does not write .xlsx"),
        (("--eps", "2"), "epsilon"),
        (("--model", "complex", "--runs", "0"), "must be simulated"),
        (("--kind", "gossip"), "no ties of kind gossip"),
    ],
)
def test_champion_errors_are_one_message(db: Path, args: tuple[str, ...], message: str) -> None:
    code, out = run(db, "champions", "--prob", "weighted-cascade", "--runs", "10", *args)
    assert code == 2, out
    assert message in flat(out)
    assert "Traceback" not in out
    with Workspace.open(str(db)) as ws:
        assert ws.initiatives().empty


def test_opted_out_volunteers_are_refused(db: Path) -> None:
    with Workspace.open(str(db)) as ws:
        people = ws.people()
    opted = people.loc[people["opted_out"], "person_id"].tolist()
    assert opted
    code, out = run(db, "champions", "--include", opted[0], *FAST)
    assert code == 2 and "opted out and can never be seeded" in flat(out)


def test_forecast_compares_strategies_and_writes_curves_and_charts(
    db: Path, tmp_path: Path
) -> None:
    curves_file = tmp_path / "curves.csv"
    chart = tmp_path / "charts" / "forecast.png"
    code, out = run(
        db,
        "forecast",
        "--strategy",
        "champions,hubs",
        "--strategy",
        "top-down,random",
        "--k",
        "5%",
        "--export",
        str(curves_file),
        "--chart",
        str(chart),
        *FAST,
    )
    assert code == 0, out
    text = flat(out)
    for expected in (
        "Adopters per strategy: independent cascade, weighted-cascade",
        "week 4",
        "week 13",
        "week 26",
        "share",
        "reach the most",
        "Reach per department",
        "Engineering",
        "Who each strategy seeds first",
        f"wrote {curves_file}",
    ):
        assert expected in text, expected
    assert "Executive" not in text  # a one-person department is never shown on its own
    curves = pd.read_csv(curves_file)
    assert list(curves.columns) == ["strategy", "step", "mean", "p05", "p95"]
    assert curves["strategy"].unique().tolist() == ["champions", "hubs", "top-down", "random"]
    assert len(curves) == 4 * 27
    assert chart.read_bytes()[:4] == b"\x89PNG"
    assert "<script" in chart.with_suffix(".html").read_text()
    with Workspace.open(str(db)) as ws:
        assert ws.initiatives().empty  # a forecast stores nothing


def test_forecast_from_a_stored_initiative(db: Path) -> None:
    code, out = run(db, "champions", "--k", "7", "--name", "wave 1", *FAST)
    assert code == 0, out
    code, out = run(
        db,
        "forecast",
        "--initiative",
        "1",
        "--strategy",
        "random,one-per-team",
        "--no-chart",
        "--steps",
        "8",
        *FAST,
    )
    assert code == 0, out
    text = flat(out)
    assert "initiative #1: wave 1" in text and "one-per-team" in text
    assert "week 4" in text and "week 8" in text and "week 13" not in text
    assert "wrote" not in text


def test_forecast_with_a_list_and_complex_contagion(db: Path) -> None:
    with Workspace.open(str(db)) as ws:
        people = ws.people()
    some = people.loc[~people["opted_out"], "person_id"].tolist()[:4]
    code, out = run(
        db,
        "forecast",
        "--strategy",
        "champions,list",
        "--people",
        ",".join(some),
        "--model",
        "complex:theta=0.2",
        "--k",
        "4",
        "--runs",
        "50",
        "--no-chart",
    )
    assert code == 0, out
    text = flat(out)
    assert "(heuristic)" in text and "complex contagion (20% of contacts needed)" in text
    assert "clustered seeding" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--strategy", "viral"), "no strategy 'viral'"),
        (("--chart", "forecast.gif"), "does not draw .gif"),
        (("--export", "curves.xlsx"), "does not write .xlsx"),
        (("--strategy", "list"), "the list strategy needs people"),
        (("--strategy", "list", "--people", "ghost"), "the list: 1 id is not a current person"),
        (("--initiative", "9"), "no initiative 9 is stored"),
        (("--runs", "0"), "give at least 1 run"),
    ],
)
def test_forecast_errors_are_one_message(
    db: Path, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    code, out = run(db, "forecast", "--prob", "weighted-cascade", "--runs", "10", *args)
    assert code == 2, out
    assert message in flat(out)
    assert "Traceback" not in out


def test_initiatives_on_an_empty_store(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    assert run(db, "init")[0] == 0
    code, out = run(db, "initiatives")
    assert code == 0 and "no initiative stored yet" in out
    code, out = run(db, "champions")
    assert code == 2 and "import people and ties first" in flat(out)
