"""`peerweave analyze` and `peerweave analyses` on a small generated organization."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from peerweave.cli import app
from peerweave.ingest.synthetic import generate_to_directory
from peerweave.network.analysis import EXPORT_COLUMNS
from peerweave.workspace import Workspace

runner = CliRunner()


def run(db: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--db", str(db), *args])
    return result.exit_code, result.output


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


def test_analyze_prints_the_findings_stores_and_exports(db: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "metrics.csv"
    code, out = run(db, "analyze", "--top", "3", "--export", str(out_file))
    assert code == 0, out
    for section in (
        "The whole network",
        "density",
        "reciprocity",
        "components",
        "clustering",
        "modularity",
        "Roles",
        "Central connectors",
        "Brokers",
        "Silos",
        "E-I index",
        "Formal vs informal",
        "reporting lines with an informal tie",
        "NMI",
        "Notes",
        "analysis #1 stored",
    ):
        assert section in out, section
    assert "… and" in out  # more people hold a role than --top shows
    with Workspace.open(str(db)) as ws:
        stored = ws.person_metrics(1)
        roles = ws.analysis_runs().iloc[0]["summary"]["roles"]
        connector = (
            ws.people()
            .set_index("person_id")
            .loc[stored.loc[stored["roles"].str.contains("connector"), "person_id"]]
        )
    assert any(f"{name} ({pid})" in out for pid, name in connector["name"].items())
    exported = pd.read_csv(out_file)
    assert list(exported.columns) == list(EXPORT_COLUMNS)
    assert exported["person_id"].tolist() == sorted(stored["person_id"])
    assert f"wrote {out_file}" in out.replace("\n", "")

    code, out = run(db, "analyses")
    assert code == 0, out
    assert "every kind" in out and "all time" in out
    assert f"{roles['connector']} central" in out and f"{roles['broker']} broker" in out


def test_options_are_passed_on_and_listed(db: Path) -> None:
    code, out = run(
        db,
        "analyze",
        "--kind",
        "collaboration",
        "--since",
        "2020-01-01",
        "--until",
        "2030-01-01",
        "--resolution",
        "0.5",
        "--seed",
        "3",
        "--exact-max",
        "10",
        "--pivots",
        "50",
        "--min-group-size",
        "8",
    )
    assert code == 0, out
    assert "estimated" in out  # sampled betweenness is explained in the notes
    with Workspace.open(str(db)) as ws:
        run_ = ws.analysis_runs().iloc[0]
    assert run_["kinds"] == ["collaboration"]
    metrics = run_["params"]["metrics"]
    given = {"resolution": 0.5, "seed": 3, "exact_max": 10, "pivots": 50}
    assert {k: metrics[k] for k in given} == given
    assert run_["params"]["min_group_size"] == 8
    code, out = run(db, "analyses")
    assert "collaboration" in out and "2020-01-01" in out and "2030-01-01" in out


def test_no_save_stores_nothing(db: Path) -> None:
    code, out = run(db, "analyze", "--no-save", "--top", "1")
    assert code == 0, out
    assert "nothing stored" in out
    code, out = run(db, "analyses")
    assert code == 0, out
    assert "no analysis stored yet" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--export", "metrics.xlsx"), "does not write .xlsx"),
        (("--since", "someday"), "'someday' is not a date"),
        (("--kind", "gossip"), "no ties of kind gossip"),
        (("--resolution", "0"), "resolution must be above 0"),
    ],
)
def test_user_errors_are_one_message(db: Path, args: tuple[str, ...], message: str) -> None:
    code, out = run(db, "analyze", *args)
    assert code == 2, out
    assert message in out.replace("\n", " ")
    assert "Traceback" not in out
    with Workspace.open(str(db)) as ws:
        assert ws.analysis_runs().empty


def test_empty_store_says_what_to_import(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    assert run(db, "init")[0] == 0
    code, out = run(db, "analyze")
    assert code == 2
    assert "import people and ties first" in out.replace("\n", " ")
    assert "Traceback" not in out


def test_ties_without_people_data_still_read_well(tmp_path: Path) -> None:
    db = tmp_path / "ties-only.db"
    assert run(db, "init")[0] == 0
    code, out = run(db, "import", "ties", "docs/examples/ties.csv")
    assert code == 0, out
    code, out = run(db, "analyze", "--no-save")
    assert code == 0, out
    text = " ".join(out.split())
    assert "no department is known" in text
    assert "no reporting line is known" in text
    assert "The whole network" in text and "Central connectors" in text
