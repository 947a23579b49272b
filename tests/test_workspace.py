"""Workspace imports on SQLite and PostgreSQL: one transaction each, nothing half-written."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from peerweave.errors import InputError
from peerweave.ingest.synthetic import generate_to_directory
from peerweave.workspace import Workspace


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return generate_to_directory(tmp_path_factory.mktemp("org"), 150, seed=11)


def _snapshot(ws: Workspace) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    people = ws.people(include_left=True).sort_values("person_id").reset_index(drop=True)
    ties = ws.ties().sort_values(["source", "target", "kind"]).reset_index(drop=True)
    skills = ws.skills().sort_values(["person_id", "skill"]).reset_index(drop=True)
    return people, ties, skills


def test_full_load_then_failed_imports_change_nothing(
    store_url: str, org: dict[str, Path], tmp_path: Path
) -> None:
    with Workspace.open(store_url, create=True) as ws:
        ws.import_people(org["people"])
        events = ws.import_events(org["events"])
        assert events.ties_saved > 0
        ws.import_survey(org["survey"])
        ws.import_skills(org["skills"])
        before = _snapshot(ws)

        bad_people = tmp_path / "people.csv"
        bad_people.write_text(org["people"].read_text() + "P_X,,,NOBODY,,,,,,,,\n")
        bad_skills = tmp_path / "skills.csv"
        bad_skills.write_text(org["skills"].read_text() + "GHOST,sql,9,yes,no,2\n")
        bad_ties = tmp_path / "ties.csv"
        bad_ties.write_text("source,target,weight\nP1,P2,-1\n")
        for call in (
            lambda: ws.import_people(bad_people),
            lambda: ws.import_skills(bad_skills),
            lambda: ws.import_ties(bad_ties),
        ):
            with pytest.raises(InputError):
                call()
        after = _snapshot(ws)
    for a, b in zip(before, after, strict=True):
        pd.testing.assert_frame_equal(a, b)


def test_reimport_replaces_ties_of_that_kind(store_url: str, org: dict[str, Path]) -> None:
    with Workspace.open(store_url, create=True) as ws:
        ws.import_people(org["people"])
        first = ws.import_survey(org["survey"]).ties_saved
        second = ws.import_survey(org["survey"]).ties_saved
        assert first == second
        assert len(ws.ties()) == first


def test_graph_file_creates_people_with_their_attributes(store_url: str) -> None:
    with Workspace.open(store_url, create=True) as ws:
        result = ws.import_ties(Path("docs/examples/ties.graphml"))
        people = ws.people().set_index("person_id")
        ties = ws.ties()
    assert result.people_created == len(people) > 0
    assert people.loc["P001", "name"] == "Ana Silva"
    assert people.loc["P001", "department"] == "Engineering"
    assert people.loc["P001", "level"] == 5
    assert "advice" in set(ties["kind"])
    assert result.ties_saved == len(ties)
