"""The demo: a realistic synthetic organization, loaded into a fresh embedded database."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from peerweave.ingest.synthetic import generate_to_directory
from peerweave.workspace import ImportResult, Workspace

__all__ = ["DemoResult", "peer_example", "run_demo"]


@dataclass(frozen=True)
class DemoResult:
    """Where the demo put its files and what each import did."""

    directory: Path
    database_url: str
    files: dict[str, Path]
    imports: tuple[ImportResult, ...]
    #: A person who wants to learn a skill someone above their level teaches (for
    #: ``peerweave peers``), or ``None``.
    peer_example: tuple[str, str] | None = None


def peer_example(ws: Workspace) -> tuple[str, str] | None:
    """A current, not opted-out person and a skill they want that a colleague further
    ahead teaches: the first such wish by person and skill, or ``None``.

    >>> with Workspace.open("sqlite://", create=True) as ws:
    ...     peer_example(ws) is None
    True
    """
    skills = ws.skills()
    people = ws.people()
    ok = people.loc[~people["opted_out"].astype(bool), "person_id"]
    wishes = skills[skills["wants_to_learn"] & skills["person_id"].isin(ok)]
    teachers = skills[skills["can_teach"] & skills["person_id"].isin(ok)]
    best = teachers.groupby("skill")["level"].max()
    ahead = wishes[wishes["level"].to_numpy() < best.reindex(wishes["skill"]).fillna(-1).to_numpy()]
    if ahead.empty:
        return None
    first = ahead.sort_values(["person_id", "skill"]).iloc[0]
    return str(first["person_id"]), str(first["skill"])


def run_demo(
    directory: str | Path = "demo",
    *,
    people: int = 2000,
    seed: int = 7,
    on_step: Callable[[str], None] = lambda _: None,
) -> DemoResult:
    """Generate an organization into ``directory/data`` and load it into ``directory/peerweave.db``.

    People, collaboration events, the advice survey, skills and the peer-learning history
    (sessions and their feedback) are imported. The database is made anew each time;
    ``on_step`` hears each step's name.

    >>> import tempfile
    >>> result = run_demo(tempfile.mkdtemp(), people=60, seed=1)
    >>> [r.kind for r in result.imports]
    ['people', 'events', 'survey', 'skills', 'sessions']
    """
    directory = Path(directory)
    data = directory / "data"
    db = directory / "peerweave.db"
    if data.exists():
        shutil.rmtree(data)
    db.unlink(missing_ok=True)
    on_step(f"generating a {people:,}-person organization")
    files = generate_to_directory(data, people, seed=seed)
    url = f"sqlite:///{db}"
    results: list[ImportResult] = []
    with Workspace.open(url, create=True) as ws:
        on_step("importing people")
        results.append(ws.import_people(files["people"]))
        on_step("aggregating collaboration events into ties")
        results.append(ws.import_events(files["events"]))
        on_step("importing the advice survey")
        results.append(ws.import_survey(files["survey"]))
        on_step("importing skills")
        results.append(ws.import_skills(files["skills"]))
        if "sessions" in files:
            on_step("importing the peer-learning history")
            results.append(ws.import_sessions(files["sessions"], feedback=files.get("feedback")))
        example = peer_example(ws)
    return DemoResult(
        directory=directory,
        database_url=url,
        files=files,
        imports=tuple(results),
        peer_example=example,
    )
