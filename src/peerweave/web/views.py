"""What each page shows, as plain JSON-ready dicts: the API returns them, the pages render them.

Every function takes the :class:`Workspace`, the :class:`Viewer` and the settings, checks
the viewer's role through :mod:`peerweave.web.privacy`, calls one capability of the
workspace, passes people through :func:`~peerweave.web.privacy.directory` and
:func:`~peerweave.web.privacy.relabel` (names, pseudonyms, opted-out people left out),
and writes the audit row when someone sees another person's data.
"""

from __future__ import annotations

import base64
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from peerweave.errors import InputError, Problem
from peerweave.store.accounts import list_users, load_audit, write_audit
from peerweave.web.privacy import (
    Viewer,
    audit_needed,
    directory,
    relabel,
    require_role,
    resolve_person,
    suppress_small_groups,
)
from peerweave.web.settings import WebSettings
from peerweave.workspace import Workspace

__all__ = [
    "HEADLINE",
    "audit_rows",
    "champions_plan",
    "change_session",
    "find_peers",
    "give_feedback",
    "learning_health",
    "mark_applied",
    "match_round",
    "my_sessions",
    "overview",
    "person",
    "recognition",
    "records",
    "request_session",
    "run_analysis",
    "users",
]

JSON = dict[str, Any]

#: The headline figures of an analysis run: summary key, label, what it means.
HEADLINE: tuple[tuple[str, str, str], ...] = (
    ("people", "people", "in the analysis"),
    ("active_people", "analysed", "not opted out"),
    ("ties", "ties", "one way"),
    ("density", "density", "share of possible ties that exist"),
    ("reciprocity", "reciprocity", "share of ties that go both ways"),
    ("components", "components", "separate islands"),
    ("modularity", "modularity", "above 0.3: clear communities"),
    ("communities", "communities", "found by Leiden"),
    ("global_clustering", "clustering", "how often two contacts know each other"),
    ("average_path_length", "average distance", "steps between two people"),
    ("line_share", "reporting lines with a tie", "formal vs informal"),
)

#: The person metrics a person page shows, with labels.
PERSON_FIGURES: tuple[tuple[str, str], ...] = (
    ("degree", "contacts"),
    ("in_degree", "come to them"),
    ("out_degree", "they go to"),
    ("pagerank", "influence (PageRank)"),
    ("betweenness", "brokerage (betweenness)"),
    ("harmonic", "reach (closeness)"),
    ("constraint", "constraint (low: bridges groups)"),
    ("core", "core number"),
)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame as JSON-ready rows (NaN and NA as ``None``, times as ISO text).

    >>> records(pd.DataFrame({"a": [1.5, np.nan], "t": pd.to_datetime(["2025-01-02", None])}))
    [{'a': 1.5, 't': '2025-01-02T00:00:00.000'}, {'a': None, 't': None}]
    """
    if frame.empty:
        return []
    rows: list[dict[str, Any]] = json.loads(
        frame.to_json(orient="records", date_format="iso", default_handler=str)
    )
    return rows


def _audit(
    ws: Workspace, viewer: Viewer, action: str, subject: str | None, detail: str = ""
) -> None:
    if audit_needed(viewer, subject):
        with ws.store.transaction() as session:
            write_audit(
                session=session,
                viewer=viewer.username,
                action=action,
                subject_person_id=subject,
                detail=detail,
            )


def _people(ws: Workspace, viewer: Viewer, settings: WebSettings) -> pd.DataFrame:
    return directory(ws.people(include_left=True), viewer, settings.key)


def _own(viewer: Viewer) -> str:
    """The viewer's own person id; ``InputError`` when the account is linked to nobody."""
    if viewer.person_id is None:
        raise InputError(
            "your account",
            Problem(
                "is linked to no person, so it has no sessions of its own",
                fix=f"an admin runs `peerweave user link {viewer.username} PERSON_ID`",
            ),
        )
    return viewer.person_id


# -- overview --------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool | dict | list | str):
        return None
    number = float(value)
    return None if np.isnan(number) else number


def overview(ws: Workspace, viewer: Viewer, settings: WebSettings) -> JSON:
    """Headline figures and findings of the latest analysis run, its silo table, and the
    change since the run before it (leads only; group figures, no person)."""
    require_role(viewer, "admin", "analyst")
    runs = ws.analysis_runs()
    if runs.empty:
        return {
            "run": None,
            "headline": [],
            "findings": [],
            "silos": [],
            "notes": ["no analysis is stored yet: run one (button below, or `peerweave analyze`)"],
        }
    latest = runs.iloc[0]
    summary: dict[str, Any] = dict(latest["summary"] or {})
    previous: dict[str, Any] = dict(runs.iloc[1]["summary"] or {}) if len(runs) > 1 else {}
    headline = []
    for key, label, meaning in HEADLINE:
        value = _number(summary.get(key))
        if value is None:
            continue
        before = _number(previous.get(key)) if previous else None
        headline.append(
            {
                "key": key,
                "label": label,
                "meaning": meaning,
                "value": value,
                "previous": before,
                "change": None if before is None else value - before,
            }
        )
    roles = dict(summary.get("roles") or {})
    before_roles = dict(previous.get("roles") or {})
    findings = [
        {
            "role": role,
            "people": int(n),
            "change": None if not previous else int(n) - int(before_roles.get(role, 0)),
        }
        for role, n in roles.items()
    ]
    return {
        "run": {
            "id": int(latest["id"]),
            "created_at": str(latest["created_at"]),
            "previous_id": int(runs.iloc[1]["id"]) if len(runs) > 1 else None,
        },
        "headline": headline,
        "findings": findings,
        "silos": _silos(ws, latest, settings),
        "notes": [str(n) for n in (latest["notes"] or [])],
    }


def _silos(ws: Workspace, run: pd.Series, settings: WebSettings) -> list[dict[str, Any]]:
    """The departments from the most inward (E-I index), groups under the minimum left out."""
    from peerweave.errors import PeerweaveError
    from peerweave.network.groups import group_report

    kinds = run["kinds"] if isinstance(run["kinds"], list) and run["kinds"] else None
    try:
        graph = ws.graph(kinds=kinds)
        report = group_report(graph, "department", min_group_size=settings.min_group_size)
    except PeerweaveError:
        return []
    table = suppress_small_groups(report.table, min_size=settings.min_group_size)
    columns = ["silo_rank", "group", "size", "internal_ties", "external_ties", "density"]
    return records(table.sort_values("silo_rank")[[*columns, "ei_index"]])


def run_analysis(ws: Workspace, viewer: Viewer, settings: WebSettings) -> JSON:
    """Analyse the network now and store the run (leads only); the new overview."""
    require_role(viewer, "admin", "analyst")
    from peerweave.network.analysis import AnalysisOptions

    ws.analyze(options=AnalysisOptions(min_group_size=settings.min_group_size))
    return overview(ws, viewer, settings)


# -- person ------------------------------------------------------------------------------


def person(ws: Workspace, viewer: Viewer, settings: WebSettings, ref: str) -> JSON:
    """One person's ties summary, roles with their figures, skills, learning history and
    recognition: a member only their own; a lead anyone not opted out (audited)."""
    people = _people(ws, viewer, settings)
    person_id = resolve_person(ref, viewer, people)
    me = people.loc[people["person_id"] == person_id]
    if me.empty:  # the viewer themself, opted out: they still see their own page
        own = ws.people(include_left=True)
        own = own.loc[own["person_id"] == person_id]
        me = directory(own.assign(opted_out=False), viewer, settings.key)
    row = me.iloc[0]
    _audit(ws, viewer, "view person", person_id)

    metrics = ws.person_metrics()
    figures: list[dict[str, Any]] = []
    roles: list[str] = []
    if not metrics.empty and (metrics["person_id"] == person_id).any():
        at = int(np.flatnonzero((metrics["person_id"] == person_id).to_numpy())[0])
        mine = metrics.iloc[at]
        roles = [r for r in str(mine["roles"] or "").split(";") if r]
        for column, label in PERSON_FIGURES:
            if column not in metrics:
                continue
            values = metrics[column].astype("float64")
            value = float(values.iloc[at])
            if np.isnan(value):
                continue
            share_below = float((values < value).mean())
            figures.append(
                {"figure": column, "label": label, "value": value, "percentile": share_below}
            )

    ties = ws.ties()
    out_ties = ties.loc[ties["source"] == person_id]
    in_ties = ties.loc[ties["target"] == person_id]
    kinds = sorted(set(out_ties["kind"].astype(str)) | set(in_ties["kind"].astype(str)))
    ties_summary = [
        {
            "kind": kind,
            "outgoing": int((out_ties["kind"] == kind).sum()),
            "incoming": int((in_ties["kind"] == kind).sum()),
            "weight": float(
                out_ties.loc[out_ties["kind"] == kind, "weight"].sum()
                + in_ties.loc[in_ties["kind"] == kind, "weight"].sum()
            ),
        }
        for kind in kinds
    ]
    contacts = len(
        set(out_ties["target"].astype(str)) | set(in_ties["source"].astype(str)) - {person_id}
    )

    skills = ws.skills()
    skills = skills.loc[skills["person_id"] == person_id].drop(columns=["person_id"])
    sessions = ws.sessions(person=person_id)
    history = relabel(sessions, ("learner_id", "teacher_id"), people)
    history["role"] = np.where(history["teacher_id"] == row["ref"], "teacher", "learner")

    board = ws.recognition().leaderboard
    credit = board.loc[board["teacher_id"] == person_id].drop(columns=["teacher_id"])
    return {
        "person": {"ref": row["ref"], "label": row["label"], "department": row["department"]},
        "roles": roles,
        "figures": figures,
        "ties": {"contacts": contacts, "by_kind": ties_summary},
        "skills": records(skills),
        "sessions": records(history),
        "recognition": records(credit)[0] if not credit.empty else None,
    }


# -- champions planner ---------------------------------------------------------------------


def champions_plan(
    ws: Workspace,
    viewer: Viewer,
    settings: WebSettings,
    *,
    k: str,
    model: str = "ic",
    per: str | None = None,
    runs: int = 200,
    steps: int = 26,
    save: bool = False,
    name: str | None = None,
) -> JSON:
    """Champions for ``k`` under ``model`` (at least ``per`` = ``department:1`` in each group),
    the forecast of each strategy side by side (with its chart as a PNG data URL), and,
    with ``save``, the initiative stored (leads only; the champion list is audited)."""
    require_role(viewer, "admin", "analyst")
    if not 1 <= runs <= 5000:
        raise InputError("runs", Problem(f"{runs} runs", fix="give 1 to 5,000 runs"))
    chosen = ws.champions(
        k,
        model=model,
        per=per or None,
        runs=runs,
        steps=steps,
        save=save,
        name=(name or None) if save else None,
    )
    with tempfile.TemporaryDirectory() as folder:
        chart = Path(folder) / "forecast.png"
        forecast = ws.forecast(k=chosen.k, model=model, runs=runs, steps=steps, chart=chart)
        png = base64.b64encode(chart.read_bytes()).decode()
    people = _people(ws, viewer, settings)
    champions = relabel(
        chosen.champions.drop(columns=["name"], errors="ignore"), ("person_id",), people
    )
    _audit(ws, viewer, "champions", None, f"{len(champions)} champions shown")
    return {
        "initiative_id": chosen.initiative_id,
        "name": chosen.name,
        "k": chosen.k,
        "model": chosen.model.kind,
        "eligible": chosen.eligible,
        "population": chosen.population,
        "estimated_reach": None
        if np.isnan(chosen.estimated_reach)
        else float(chosen.estimated_reach),
        "guarantee": chosen.guarantee,
        "champions": records(champions),
        "strategies": records(forecast.comparison.summary),
        "curves": records(forecast.comparison.curves),
        "chart_png": f"data:image/png;base64,{png}",
        "notes": [*chosen.notes, *forecast.comparison.notes],
    }


# -- learning ------------------------------------------------------------------------------


def find_peers(
    ws: Workspace, viewer: Viewer, settings: WebSettings, *, skill: str, person: str | None = None
) -> JSON:
    """The best peer teachers of ``skill``: for the viewer themself (a member always), or
    for ``person`` (leads; audited)."""
    people = _people(ws, viewer, settings)
    learner = _own(viewer) if person in (None, "") else resolve_person(str(person), viewer, people)
    found = ws.peers(learner, skill)
    explanation = str(found.attrs.get("explanation", "")) if found.empty else ""
    shown = relabel(found.drop(columns=["name"], errors="ignore"), ("teacher_id",), people)
    columns = [
        c
        for c in ("rank", "teacher_id", "teacher_id_label", "department", "level", "reasons")
        if c in shown
    ]
    _audit(ws, viewer, "find peers", learner, f"skill {skill}")
    return {
        "skill": skill,
        "learner": people.loc[people["person_id"] == learner, "ref"].tolist()[:1] or [None],
        "peers": records(shown[columns]),
        "explanation": explanation,
    }


def request_session(
    ws: Workspace, viewer: Viewer, settings: WebSettings, *, teacher: str, skill: str
) -> JSON:
    """Propose a session of the viewer learning ``skill`` from ``teacher`` (a ref)."""
    learner = _own(viewer)
    people = _people(ws, viewer, settings)
    hit = people.loc[people["ref"] == str(teacher).strip(), "person_id"]
    if hit.empty:
        raise InputError(
            "teacher", Problem(f"no teacher {teacher!r}", fix="pick one from the list")
        )
    session_id = ws.add_session(learner, str(hit.iloc[0]), skill)
    return {"session_id": session_id, "status": "proposed"}


def my_sessions(ws: Workspace, viewer: Viewer, settings: WebSettings) -> JSON:
    """The viewer's own sessions, as learner and as teacher."""
    me = _own(viewer)
    people = _people(ws, viewer, settings)
    sessions = ws.sessions(person=me)
    shown = relabel(sessions, ("learner_id", "teacher_id"), people)
    mine = people.loc[people["person_id"] == me, "ref"]
    ref = str(mine.iloc[0]) if not mine.empty else me
    shown["role"] = np.where(shown["teacher_id"] == ref, "teacher", "learner")
    return {"sessions": records(shown)}


def _own_session(ws: Workspace, viewer: Viewer, session_id: int) -> str:
    """The viewer's person id if they are in session ``session_id``; else refused."""
    from peerweave.web.privacy import AccessDenied

    me = _own(viewer)
    sessions = ws.sessions(person=me, include_opted_out=True)
    if not (sessions["session_id"] == int(session_id)).any():
        raise AccessDenied(f"session #{session_id} is not one of yours")
    return me


def change_session(
    ws: Workspace, viewer: Viewer, *, session_id: int, action: str, when: str | None = None
) -> JSON:
    """Schedule, hold or cancel one of the viewer's sessions."""
    _own_session(ws, viewer, session_id)
    moves = {"schedule": ws.schedule, "hold": ws.hold, "cancel": ws.cancel}
    if action not in moves:
        raise InputError("action", Problem(f"no action {action!r}", fix="schedule, hold or cancel"))
    at = moves[action](session_id, when or pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d %H:%M"))
    return {"session_id": session_id, "action": action, "at": str(at)}


def give_feedback(
    ws: Workspace,
    viewer: Viewer,
    *,
    session_id: int,
    rating: int,
    comment: str = "",
    again: bool | None = None,
) -> JSON:
    """The viewer's feedback on a held session of theirs."""
    me = _own_session(ws, viewer, session_id)
    role = ws.feedback(session_id, me, rating, again=again, comment=comment)
    return {"session_id": session_id, "role": role}


def mark_applied(ws: Workspace, viewer: Viewer, *, session_id: int) -> JSON:
    """The viewer (the learner) applied what a held session taught."""
    me = _own_session(ws, viewer, session_id)
    at = ws.applied(session_id, me)
    return {"session_id": session_id, "applied_at": str(at)}


def match_round(ws: Workspace, viewer: Viewer, settings: WebSettings) -> JSON:
    """Run a matching round over every open wish; its matches become proposed sessions
    (leads only; the matches are audited)."""
    require_role(viewer, "admin", "analyst")
    result = ws.match()
    people = _people(ws, viewer, settings)
    matches = relabel(result.round.matches, ("learner_id", "teacher_id"), people)
    _audit(ws, viewer, "match round", None, f"round #{result.round_id}: {len(matches)} matches")
    unmatched = result.round.unmatched
    reasons = (
        unmatched["reason"]
        .astype(str)
        .value_counts()
        .rename_axis("reason")
        .reset_index(name="wishes")
        if not unmatched.empty
        else pd.DataFrame(columns=["reason", "wishes"])
    )
    return {
        "round_id": result.round_id,
        "summary": {k: _plain(v) for k, v in result.round.summary.items()},
        "sessions_proposed": len(result.session_ids),
        "matches": records(matches),
        "unmatched_reasons": records(reasons),
        "notes": list(result.notes),
    }


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def learning_health(ws: Workspace, viewer: Viewer, settings: WebSettings) -> JSON:
    """Programme health: group figures only, groups under the minimum left out (leads)."""
    require_role(viewer, "admin", "analyst")
    result = ws.health(min_group_size=settings.min_group_size)
    h = result.health
    by_group = h.by_group
    if "active_people" in by_group:  # the core folds small groups; never show one anyway
        by_group = suppress_small_groups(
            by_group, min_size=settings.min_group_size, size_column="active_people"
        )
    return {
        "by": h.by,
        "overall": records(h.overall)[0] if not h.overall.empty else None,
        "by_group": records(by_group),
        "at_risk": records(h.at_risk),
        "unmet_demand": records(h.unmet_demand),
        "feedback": records(result.feedback),
        "notes": list(result.notes),
    }


def recognition(ws: Workspace, viewer: Viewer, settings: WebSettings, *, top: int = 20) -> JSON:
    """The seeders' leaderboard (leads; names for admins, pseudonyms for analysts; audited)."""
    require_role(viewer, "admin", "analyst")
    result = ws.recognition()
    people = _people(ws, viewer, settings)
    board = relabel(result.leaderboard, ("teacher_id",), people).head(top)
    _audit(ws, viewer, "recognition", None, f"{len(board)} teachers shown")
    return {"discount": result.discount, "leaderboard": records(board), "notes": list(result.notes)}


# -- admin ---------------------------------------------------------------------------------


def users(ws: Workspace, viewer: Viewer) -> JSON:
    """Every account (admins only; never a password hash)."""
    require_role(viewer, "admin")
    with ws.store.transaction() as session:
        return {"users": records(list_users(session=session))}


def audit_rows(ws: Workspace, viewer: Viewer, *, limit: int = 100) -> JSON:
    """The newest audit rows (admins only)."""
    require_role(viewer, "admin")
    with ws.store.transaction() as session:
        return {"audit": records(load_audit(session=session, limit=limit))}
