"""The docs are true: every command is documented, every example file loads."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

from peerweave.cli import app
from peerweave.ingest.people import read_people
from peerweave.ingest.skills import read_skills
from peerweave.ingest.survey import read_survey
from peerweave.ingest.ties import read_ties
from peerweave.ingest.viva import read_viva

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _commands(group: object, prefix: str = "peerweave") -> list[str]:
    names = []
    for name, command in getattr(group, "commands", {}).items():
        if getattr(command, "commands", None):
            names += _commands(command, f"{prefix} {name}")
        else:
            names.append(f"{prefix} {name}")
    return names


def test_every_command_is_documented() -> None:
    text = (DOCS / "cli.md").read_text()
    commands = _commands(typer.main.get_command(app))
    assert len(commands) >= 12
    missing = [c for c in commands if f"`{c}" not in text]
    assert not missing, f"commands missing from docs/cli.md: {missing}"


@pytest.mark.parametrize(
    ("name", "reader"),
    [
        ("people.csv", read_people),
        ("people_hris.csv", read_people),
        ("ties.csv", read_ties),
        ("ties.graphml", read_ties),
        ("ties.gexf", read_ties),
        ("survey.csv", read_survey),
        ("viva_p2p.csv", read_viva),
    ],
)
def test_example_files_load(name: str, reader: object) -> None:
    load = reader(DOCS / "examples" / name)  # type: ignore[operator]
    assert load.report.records > 0


def test_skills_example_loads_with_people_example() -> None:
    people = read_people(DOCS / "examples" / "people.csv").people
    assert read_skills(DOCS / "examples" / "skills.csv", people=people).report.records == 7


def test_every_example_is_documented() -> None:
    text = (DOCS / "data-formats.md").read_text()
    for example in (DOCS / "examples").iterdir():
        assert f"examples/{example.name}" in text, example.name


def test_events_example_loads_with_people_example() -> None:
    from peerweave.ingest.events import aggregate_events

    people = read_people(DOCS / "examples" / "people.csv").people
    load = aggregate_events(DOCS / "examples" / "events.csv", people=people)
    assert load.report.records > 0
    assert load.report.counts["unknown_addresses"] == 1
