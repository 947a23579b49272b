"""The demo: a realistic synthetic organization, loaded into a fresh embedded database."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from peerweave.ingest.synthetic import generate_to_directory
from peerweave.workspace import ImportResult, Workspace

__all__ = [
    "DEMO_ACCOUNTS",
    "DEMO_PROB",
    "DEMO_WEEKS",
    "DemoAccount",
    "DemoResult",
    "demo_accounts",
    "peer_example",
    "run_demo",
    "running_initiative",
]


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
    #: The running initiative the demo simulates (champions and 10 weeks of adoptions).
    initiative_id: int | None = None
    #: The department the demo makes lag behind its forecast, or ``None``.
    lagging: str | None = None
    #: The number of the circles round the demo formed, or ``None``.
    circle_round: int | None = None


#: Weeks the demo's initiative has been running.
DEMO_WEEKS = 10
#: The demo initiative's tie probabilities: each tie passes the practice on with probability
#: 2% at the median tie weight (the synthetic network is dense: ~50 contacts each).
DEMO_PROB = "tie-weight:0.02"


def running_initiative(
    ws: Workspace, *, seed: int = 7, weeks: int = DEMO_WEEKS, now: object = None
) -> tuple[int, str | None]:
    """Simulate an initiative running for ``weeks`` weeks up to ``now`` (default: today).

    Champions (5% of people) are chosen and stored, starting ``weeks`` weeks before ``now``
    (the synthetic network describes the quarter before); one simulated run of their
    independent cascade gives the adoption records, stored as imported. To give tracking
    something to find, the second-largest department's adoptions after the first week are
    recorded only one time in five (its champions excepted). Returns the initiative's id and that
    department.

    >>> with Workspace.open("sqlite://", create=True) as ws:
    ...     _ = ws.import_ties("docs/examples/ties.graphml")
    ...     running_initiative(ws, now="2025-03-17")[0], len(ws.adoptions(1)) >= 1
    (1, True)
    """
    import numpy as np
    import pandas as pd

    from peerweave.spread.adoption import synthetic_adoptions
    from peerweave.store import save_adoptions

    end = (
        pd.Timestamp.now(tz="UTC").tz_localize(None) if now is None else pd.Timestamp(now)  # type: ignore[arg-type]
    )
    start = end.normalize() - pd.Timedelta(weeks=weeks)
    chosen = ws.champions(
        "5%",
        prob=DEMO_PROB,
        runs=0,
        seed=seed,
        name="demo: the new way of working",
        started_at=start,
    )
    assert chosen.initiative_id is not None
    graph = chosen.graph
    adopted = synthetic_adoptions(
        graph, chosen.seeds.positions, chosen.model, started_at=start, steps=weeks, seed=seed
    )
    adopted = adopted[adopted["adopted_at"] <= end]
    lagging = None
    if "department" in graph.people.columns:
        sizes = graph.people["department"].value_counts()
        if len(sizes) >= 2:
            lagging = str(sizes.index[1])
            department = graph.people.set_index("person_id")["department"]
            inside = (
                department.reindex(adopted["person_id"].astype(str)).to_numpy(dtype=object)
                == lagging
            )
            late = (adopted["adopted_at"] >= start + pd.Timedelta(weeks=1)).to_numpy()
            champion = adopted["person_id"].isin(chosen.champions["person_id"]).to_numpy()
            rng = np.random.default_rng(seed)
            drop = inside & late & ~champion & (rng.random(len(adopted)) < 0.8)
            adopted = adopted[~drop]
    with ws.store.transaction() as session:
        save_adoptions(
            session=session,
            initiative_id=chosen.initiative_id,
            adoptions_frame=adopted.reset_index(drop=True),
            source="import",
        )
    return chosen.initiative_id, lagging


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
    circle_seconds: float = 2.0,
    on_step: Callable[[str], None] = lambda _: None,
) -> DemoResult:
    """Generate an organization into ``directory/data`` and load it into ``directory/peerweave.db``.

    People, collaboration events, the advice survey, skills and the peer-learning history
    (sessions and their feedback) are imported, then a running initiative is simulated
    (:func:`running_initiative`) and a first round of peer circles formed (searching for
    ``circle_seconds``). The database is made anew each time; ``on_step`` hears
    each step's name.

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
        on_step(f"choosing champions and simulating {DEMO_WEEKS} weeks of adoption")
        initiative, lagging = running_initiative(ws, seed=seed)
        on_step("gathering the first round of peer circles")
        ws.new_circle_round(
            by=["department", "level", "location"], seconds=circle_seconds, seed=seed
        )
        circle_round = int(ws.circle_rounds()["id"].max())
    return DemoResult(
        directory=directory,
        database_url=url,
        files=files,
        imports=tuple(results),
        peer_example=example,
        initiative_id=initiative,
        lagging=lagging,
        circle_round=circle_round,
    )


@dataclass(frozen=True)
class DemoAccount:
    """A web account the demo made: log in with ``username`` and ``password``."""

    username: str
    role: str
    password: str
    person_id: str | None
    what: str


#: The demo's web accounts: username, role and what the account shows.
DEMO_ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    ("lead", "admin", "a programme lead: names, the audit log and accounts"),
    ("analyst", "analyst", "an analyst: group figures, people under pseudonyms"),
    ("member", "member", "an employee: their own page, peers to learn from, their circle"),
)


def demo_accounts(ws: Workspace, member: str | None) -> tuple[DemoAccount, ...]:
    """Make the demo's web accounts (:data:`DEMO_ACCOUNTS`) with fresh random passwords; the
    member account (and the lead's "My page") is linked to person ``member``.

    >>> with Workspace.open("sqlite://", create=True) as ws:
    ...     [(a.username, a.role) for a in demo_accounts(ws, None)]
    [('lead', 'admin'), ('analyst', 'analyst')]
    """
    import secrets

    from peerweave.store.accounts import add_user
    from peerweave.web.auth import hash_password

    made = []
    with ws.store.transaction() as session:
        for username, role, what in DEMO_ACCOUNTS:
            person = None if role == "analyst" else member
            if role == "member" and member is None:
                continue
            password = secrets.token_urlsafe(9)
            add_user(
                session=session,
                username=username,
                password_hash=hash_password(password),
                role=role,
                person_id=person,
            )
            made.append(DemoAccount(username, role, password, person, what))
    return tuple(made)
