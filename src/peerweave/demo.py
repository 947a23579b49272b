"""The demo: a realistic synthetic organization, loaded into a fresh embedded database."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from peerweave.ingest.synthetic import generate_to_directory
from peerweave.workspace import ImportResult, Workspace

__all__ = ["DemoResult", "run_demo"]


@dataclass(frozen=True)
class DemoResult:
    """Where the demo put its files and what each import did."""

    directory: Path
    database_url: str
    files: dict[str, Path]
    imports: tuple[ImportResult, ...]


def run_demo(
    directory: str | Path = "demo",
    *,
    people: int = 2000,
    seed: int = 7,
    on_step: Callable[[str], None] = lambda _: None,
) -> DemoResult:
    """Generate an organization into ``directory/data`` and load it into ``directory/peerweave.db``.

    The database is made anew each time; ``on_step`` hears each step's name.

    >>> import tempfile
    >>> result = run_demo(tempfile.mkdtemp(), people=60, seed=1)
    >>> [r.kind for r in result.imports]
    ['people', 'events', 'survey', 'skills']
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
    return DemoResult(directory=directory, database_url=url, files=files, imports=tuple(results))
