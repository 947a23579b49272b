"""A skill's snowball tree on the learning-programme page (leads): who seeded the skill, whom
they taught, whom those taught on, and who applied it.

One :meth:`Workspace.recognition` call (``skill=``) gives the tree, one row per held session
(``peerweave.learning.recognition.snowball_tree``); :func:`snowball` passes it through the
privacy rules (names for admins, pseudonyms for analysts, rows naming someone who opted out
dropped), nests it for the page (seeders, then each learner under the session they learned
in) and draws the picture (``snowball_png``) with the same labels. Every view is audited.
"""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from peerweave.errors import PeerweaveError
from peerweave.learning.recognition import snowball_png
from peerweave.store.accounts import write_audit
from peerweave.web.deps import ViewerDep, render, settings_of, workspace_of
from peerweave.web.privacy import AccessDenied, Viewer, directory, relabel, require_role
from peerweave.web.settings import WebSettings
from peerweave.web.views import records
from peerweave.workspace import Workspace

__all__ = ["MAX_SESSIONS", "api", "leads_extra", "nest", "pages", "snowball", "snowball_section"]

JSON = dict[str, Any]

api = APIRouter(prefix="/api", tags=["api"])
pages = APIRouter(include_in_schema=False)

#: Sessions the nested lists show at most (the first generations first); the picture and
#: the figures cover every session.
MAX_SESSIONS = 400


def nest(tree: pd.DataFrame, *, limit: int = MAX_SESSIONS) -> list[JSON]:
    """The sessions of a (relabelled) snowball tree as nested lists: one entry per seeder
    (``teacher``, ``teacher_label``, ``learners``), each learner with the ``learners`` they
    taught the skill on (through the session's snowball link). A session whose parent is
    not shown (dropped, or past ``limit``) starts under its own teacher.

    >>> tree = pd.DataFrame({"teacher_id": ["a", "b"], "teacher_id_label": ["Ana", "Bo"],
    ...     "learner_id": ["b", "c"], "learner_id_label": ["Bo", "Cy"], "session_id": [1, 2],
    ...     "parent_session_id": pd.array([None, 1], "Int64"), "depth": [1, 2],
    ...     "held_at": pd.to_datetime(["2025-01-01", "2025-02-01"]), "applied": [True, False]})
    >>> seeders = nest(tree)
    >>> seeders[0]["teacher_label"], seeders[0]["learners"][0]["learners"][0]["label"]
    ('Ana', 'Cy')
    """
    shown = tree.head(limit)
    sessions: list[int] = shown["session_id"].astype("int64").tolist()
    parents: list[int] = (
        shown["parent_session_id"].astype("Int64").fillna(-1).astype("int64").tolist()
    )
    held: list[Any] = (
        pd.to_datetime(shown["held_at"]).dt.strftime("%Y-%m-%d").astype(object).tolist()
    )
    learners = shown["learner_id"].astype(str).tolist()
    learner_labels = shown["learner_id_label"].astype(str).tolist()
    teachers = shown["teacher_id"].astype(str).tolist()
    teacher_labels = shown["teacher_id_label"].astype(str).tolist()
    applied = shown["applied"].astype(bool).tolist()
    nodes: dict[int, JSON] = {
        session: {
            "session_id": session,
            "ref": learners[i],
            "label": learner_labels[i],
            "held_at": held[i] if isinstance(held[i], str) else None,
            "applied": applied[i],
            "learners": [],
        }
        for i, session in enumerate(sessions)
    }
    seeders: dict[str, JSON] = {}
    for i, session in enumerate(sessions):
        above = nodes.get(parents[i])
        if above is not None:
            above["learners"].append(nodes[session])
            continue
        seeder = seeders.setdefault(
            teachers[i],
            {"teacher": teachers[i], "teacher_label": teacher_labels[i], "learners": []},
        )
        seeder["learners"].append(nodes[session])
    return list(seeders.values())


def _picture(tree: pd.DataFrame, labels: dict[str, str]) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = snowball_png(tree, Path(folder) / "snowball.png", labels)
        return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


def snowball(
    ws: Workspace, viewer: Viewer, settings: WebSettings, *, skill: str, picture: bool = True
) -> JSON:
    """The snowball of ``skill`` (leads; audited): figures per generation, the seeders with
    their learners nested (:func:`nest`), and (``picture``) the tree as a PNG data URL —
    people as the viewer may see them, opted-out people nowhere."""
    require_role(viewer, "admin", "analyst")
    result = ws.recognition(skill=skill)
    name = result.skill or skill
    tree = result.tree if result.tree is not None else pd.DataFrame()
    people = directory(ws.people(include_left=True), viewer, settings.key)
    shown = (
        relabel(tree, ("teacher_id", "learner_id"), people)
        if not tree.empty
        else tree.assign(teacher_id_label=[], learner_id_label=[])
    )
    generations = (
        shown.groupby("depth")
        .agg(sessions=("session_id", "size"), applied=("applied", "sum"))
        .reset_index()
        .rename(columns={"depth": "generation"})
        if not shown.empty
        else pd.DataFrame(columns=["generation", "sessions", "applied"])
    )
    seeders = nest(shown)
    labels = dict(
        zip(
            pd.concat([shown["teacher_id"], shown["learner_id"]]).astype(str),
            pd.concat([shown["teacher_id_label"], shown["learner_id_label"]]).astype(str),
            strict=True,
        )
    )
    people_shown = len(labels)
    short = {
        ref: label.removesuffix(f" ({ref})").removeprefix("person ")
        for ref, label in labels.items()
    }
    with ws.store.transaction() as session:
        write_audit(
            session=session,
            viewer=viewer.username,
            action="snowball",
            subject_person_id=None,
            detail=f"skill {name}: {people_shown} people shown",
        )
    notes = list(result.notes)
    if len(shown) > MAX_SESSIONS:
        notes.append(
            f"the lists show the first {MAX_SESSIONS:,} of {len(shown):,} sessions; "
            "the picture and the figures cover them all"
        )
    return {
        "skill": name,
        "sessions": len(shown),
        "seeders": len(seeders),
        "learners": int(shown["learner_id"].nunique()) if not shown.empty else 0,
        "applied": int(shown["applied"].astype(bool).sum()) if not shown.empty else 0,
        "generations": records(generations),
        "tree": seeders,
        "picture": _picture(shown, short) if picture and not shown.empty else None,
        "notes": notes,
        "explanation": ""
        if not shown.empty
        else f"no held sessions of {name} yet: the snowball grows as people teach it on",
    }


def snowball_section(
    ws: Workspace, viewer: Viewer, settings: WebSettings, skill: str
) -> tuple[JSON | None, str]:
    """:func:`snowball` for a page: ``(None, "")`` without a skill, ``(None, message)``
    when the skill cannot be shown (an unknown or empty name)."""
    if not skill.strip():
        return None, ""
    try:
        return snowball(ws, viewer, settings, skill=skill), ""
    except AccessDenied:
        raise
    except PeerweaveError as exc:
        return None, str(exc)


def _skills(ws: Workspace) -> list[str]:
    """Skill names for the form's suggestions."""
    skills = ws.skills()
    if skills.empty:
        return []
    return sorted(skills["skill"].dropna().astype(str).unique().tolist())[:1000]


@api.get("/learning/snowball")
def api_snowball(
    request: Request, viewer: ViewerDep, skill: Annotated[str, Query(max_length=200)]
) -> JSON:
    """The snowball tree of ``skill``: seeders, learners nested under whom they learned from,
    figures per generation and the picture (leads; analysts see pseudonyms; audited)."""
    return snowball(workspace_of(request), viewer, settings_of(request), skill=skill)


@pages.get("/learning/snowball")
def snowball_part(
    request: Request, viewer: ViewerDep, skill: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    """The snowball section alone (htmx swaps it into the learning-programme page); a plain
    browser goes to the whole page."""
    if request.headers.get("hx-request") != "true":
        from urllib.parse import quote

        return RedirectResponse(f"/learning/leads?skill={quote(skill)}#snowball", status_code=303)
    require_role(viewer, "admin", "analyst")
    data = leads_extra(workspace_of(request), viewer, settings_of(request), skill)
    return render(request, "_snowball.html", data, viewer=viewer, skill=skill)


def leads_extra(ws: Workspace, viewer: Viewer, settings: WebSettings, skill: str) -> JSON:
    """What the learning-programme page adds for the snowball: the section's data and the
    skill suggestions (``snowball_problem`` says why a skill cannot be shown)."""
    tree, problem = snowball_section(ws, viewer, settings, skill)
    return {"snowball": tree, "skills": _skills(ws), "snowball_problem": problem}
