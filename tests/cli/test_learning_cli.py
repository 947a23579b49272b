"""Peer learning from the command line, on a small generated organization with its history."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from peerweave.cli import app
from peerweave.demo import peer_example
from peerweave.ingest.synthetic import generate_to_directory
from peerweave.workspace import Workspace

runner = CliRunner()


def run(db: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--db", str(db), *args])
    return result.exit_code, result.output


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return generate_to_directory(tmp_path_factory.mktemp("org") / "files", 250, seed=4, weeks=2)


@pytest.fixture(scope="module")
def loaded(org: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """People, events and skills of a 250-person organization, imported through the CLI."""
    db = tmp_path_factory.mktemp("db") / "org.db"
    for args in (
        ("init",),
        ("import", "people", str(org["people"])),
        ("import", "events", str(org["events"])),
        ("import", "skills", str(org["skills"])),
    ):
        code, out = run(db, *args)
        assert code == 0, out
    return db


@pytest.fixture
def db(loaded: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "org.db"
    shutil.copy(loaded, copy)
    return copy


@pytest.fixture
def with_history(db: Path, org: dict[str, Path]) -> Path:
    code, out = run(
        db, "import", "sessions", str(org["sessions"]), "--feedback", str(org["feedback"])
    )
    assert code == 0, out
    return db


def test_import_sessions_once_and_only_once(db: Path, org: dict[str, Path]) -> None:
    sessions = pd.read_csv(org["sessions"])
    feedback = pd.read_csv(org["feedback"])
    code, out = run(db, "import", "sessions", str(org["sessions"]), "--dry-run")
    assert code == 0 and "dry run" in out, out
    code, out = run(
        db, "import", "sessions", str(org["sessions"]), "--feedback", str(org["feedback"])
    )
    assert code == 0, out
    text = flat(out)
    assert f"{len(sessions)} sessions" in text and f"sessions stored: {len(sessions)}" in text
    assert f"feedback stored: {len(feedback)}" in text
    code, out = run(db, "import", "sessions", str(org["sessions"]))
    assert code == 2 and "already" in out and "Traceback" not in out
    with Workspace.open(str(db)) as ws:
        assert len(ws.sessions(include_opted_out=True)) == len(sessions)


def test_match_exports_both_files_and_proposes_sessions(with_history: Path, tmp_path: Path) -> None:
    export = tmp_path / "matches.csv"
    code, out = run(with_history, "match", "--export", str(export), "--top", "3")
    assert code == 0, out
    text = flat(out)
    for expected in (
        "Matching round",
        "already served by a session",
        "the most that can be matched",
        "Matches, best first",
        "Why these teachers",
        "round #1 stored",
        "proposed sessions",
    ):
        assert expected in text, expected
    matches = pd.read_csv(export)
    unmatched = pd.read_csv(tmp_path / "matches.unmatched.csv")
    assert list(matches.columns) == ["learner_id", "teacher_id", "skill", "score"]
    assert list(unmatched.columns) == ["learner_id", "skill", "reason"]
    assert matches["score"].between(0, 1).all() and len(matches) > 0
    with Workspace.open(str(with_history)) as ws:
        people = ws.people()
        proposed = ws.sessions(status="proposed", include_opted_out=True)
    opted = set(people.loc[people["opted_out"].astype(bool), "person_id"])
    everyone = (
        set(matches["learner_id"]) | set(matches["teacher_id"]) | set(unmatched["learner_id"])
    )
    assert not everyone & opted
    assert len(proposed[proposed["round_id"] == 1]) == len(matches)
    code, out = run(with_history, "match", "--bridge", "--no-save")
    assert code == 0 and "--no-save: nothing stored" in out, out
    code, out = run(with_history, "sessions", "list", "--status", "proposed", "--top", "2")
    assert code == 0 and "proposed" in out and "older (--top N)" in flat(out), out


def test_peers_ranks_teachers_with_reasons(with_history: Path) -> None:
    with Workspace.open(str(with_history)) as ws:
        example = peer_example(ws)
    assert example is not None
    person, skill = example
    code, out = run(with_history, "peers", person, skill.upper(), "--limit", "3")
    assert code == 0, out
    text = flat(out)
    assert f"Peer teachers of {skill}" in text and "ratings stay private" in text
    assert "levels above you" in text or "level above you" in text
    code, out = run(with_history, "peers", "NOBODY", skill)
    assert code == 2 and "NOBODY" in out and "Traceback" not in out


def test_a_session_from_proposal_to_double_blind_feedback(db: Path) -> None:
    with Workspace.open(str(db)) as ws:
        example = peer_example(ws)
        assert example is not None
        learner, skill = example
        teacher = str(ws.peers(learner, skill)["teacher_id"].iloc[0])
    code, out = run(db, "sessions", "add", learner, teacher, skill)
    assert code == 0 and "session #1 proposed" in out, out
    code, out = run(db, "sessions", "hold", "1")
    assert code == 2 and "schedule it first" in flat(out), out
    today = f"{pd.Timestamp.now(tz='UTC'):%Y-%m-%d}"
    assert run(db, "sessions", "schedule", "1", today)[0] == 0
    code, out = run(db, "sessions", "feedback", "1", "--by", learner, "--rating", "5")
    assert code == 2 and "not held" in out, out
    code, out = run(db, "sessions", "hold", "1")
    assert code == 0 and f"held on {today}" in out, out
    code, out = run(
        db, "sessions", "feedback", "1", "--by", learner, "--rating", "5", "--prepared",
        "--again", "--comment", "patient and clear",
    )  # fmt: skip
    assert code == 0 and "as the learner" in out, out
    code, out = run(db, "sessions", "show", "1", "--as", teacher)
    assert code == 0, out
    assert "patient and clear" not in out  # hidden from the teacher until they give theirs
    assert "you can read it once you have given yours" in flat(out)
    code, out = run(db, "sessions", "feedback", "1", "--by", teacher, "--rating", "4", "--clear")
    assert code == 0 and "as the teacher" in out, out
    code, out = run(db, "sessions", "show", "1", "--as", teacher)
    assert code == 0 and "patient and clear" in out and "Feedback you can read" in out, out
    for args, message in (
        (("feedback", "1", "--by", teacher, "--rating", "3"), "already gave feedback"),
        (("feedback", "1", "--by", "NOBODY", "--rating", "3"), "was not in session #1"),
        (("feedback", "404", "--by", learner, "--rating", "3"), "session #404 is not stored"),
        (("feedback", "1", "--by", learner, "--rating", "6"), "not a whole number from 1 to 5"),
        (("applied", "1", "--by", teacher), "is not its learner"),
        (("show", "1", "--as", "NOBODY"), "only its learner and teacher"),
        (("cancel", "1"), "already held"),
    ):
        code, out = run(db, "sessions", *args)
        assert code == 2 and message in flat(out) and "Traceback" not in out, (args, out)
    code, out = run(db, "sessions", "applied", "1", "--by", learner)
    assert code == 0 and "applied it" in out, out
    code, out = run(db, "sessions", "list", "--person", learner)
    assert code == 0 and f"held {today}" in out and f"applied {today}" in out, out


def test_endorse_once_never_oneself(db: Path) -> None:
    with Workspace.open(str(db)) as ws:
        a, b = ws.people()["person_id"].head(2)
    code, out = run(db, "endorse", a, b, "Public  Speaking")
    assert code == 0 and f"{a} endorsed {b} for public speaking" in out, out
    code, out = run(db, "endorse", a, b, "public speaking")
    assert code == 0 and "nothing changed" in out, out
    code, out = run(db, "endorse", a, a, "sql")
    assert code == 2 and "cannot endorse themself" in out, out


def test_health_names_no_small_group_and_no_teacher(
    with_history: Path, org: dict[str, Path]
) -> None:
    code, out = run(with_history, "health", "--by", "team", "--top", "100")
    assert code == 0, out
    text = flat(out)
    for expected in ("The programme", "participation", "seeders per leecher", "Per team"):
        assert expected in text, expected
    people = pd.read_csv(org["people"])
    sizes = people[~people["opted_out"].astype(bool)]["team"].value_counts()
    for small in sizes[sizes < 5].index:
        assert f"│ {small} " not in out, small
    code, out = run(with_history, "health")
    assert code == 0 and "Feedback over the whole programme" in out, out
    assert "never shown per person" in flat(out)
    names = set(people["name"].dropna())
    assert not any(name in out for name in names)  # no person is named in health


def test_recognition_leaderboard_and_tree(with_history: Path, tmp_path: Path) -> None:
    code, out = run(with_history, "recognition", "--top", "3")
    assert code == 0, out
    assert "Seeders of every skill" in flat(out) and "credit" in out
    with Workspace.open(str(with_history)) as ws:
        skill = str(ws.sessions(status="held")["skill"].value_counts().index[0])
    tree = tmp_path / "tree.png"
    export = tmp_path / "credit.csv"
    code, out = run(
        with_history, "recognition", "--skill", skill, "--tree", str(tree), "--export", str(export)
    )
    assert code == 0, out
    assert f"The snowball of {skill}" in flat(out) and tree.read_bytes()[:4] == b"\x89PNG"
    assert {"teacher_id", "skill", "credit"} <= set(pd.read_csv(export).columns)
    code, out = run(with_history, "recognition", "--tree", str(tree))
    assert code == 2 and "add --skill" in out, out


def test_import_skills_with_synonyms(db: Path, tmp_path: Path) -> None:
    with Workspace.open(str(db)) as ws:
        person = str(ws.people()["person_id"].iloc[0])
    skills = tmp_path / "skills.csv"
    skills.write_text(f"person_id,skill,level,can_teach,wants_to_learn\n{person},Py,2,no,yes\n")
    synonyms = tmp_path / "synonyms.csv"
    synonyms.write_text("alias,skill\npy,Python\n")
    code, out = run(db, "import", "skills", str(skills), "--synonyms", str(synonyms))
    assert code == 0, out
    with Workspace.open(str(db)) as ws:
        mine = ws.skills().query("person_id == @person")
    assert mine["skill"].tolist() == ["python"]


def test_demo_suggests_the_learning_commands(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["demo", "--people", "120", "--dir", str(tmp_path / "demo"), "--no-serve"]
    )
    assert result.exit_code == 0, result.output
    text = flat(result.output)
    assert "sessions stored:" in text and "feedback stored:" in text
    for command in ("match --export", "peers ", "health", "recognition"):
        assert command in text, command
