"""What each page shows, as plain JSON-ready dicts: the API returns them, the pages render them.

Every function takes the :class:`Workspace`, the :class:`Viewer` and the settings, checks
the viewer's role through :mod:`peerweave.web.privacy`, calls one capability of the
workspace, passes people through :func:`~peerweave.web.privacy.directory` and
:func:`~peerweave.web.privacy.relabel` (names, pseudonyms, opted-out people left out),
and writes the audit row when someone sees another person's data.

Given the app's :class:`~peerweave.web.cache.WebCache` (``cache=``), the pages reuse what
they computed while the data stands: whole tables read once (the people directory of each
role, ties per person, the latest metrics, sessions, the learning inputs) and each page's
dict under a key naming the role (and the person) it was made for. The audit rows are
written on every call, cached or not. Without a cache every call reads the database.
"""

from __future__ import annotations

import base64
import json
import tempfile
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from peerweave.errors import InputError, Problem
from peerweave.network.graph import OrgGraph
from peerweave.store import (
    list_initiatives,
    list_rounds,
    load_champions,
    load_round_matches,
    load_round_unmatched,
)
from peerweave.store.accounts import list_users, load_audit, write_audit
from peerweave.web.cache import ALL, WebCache, WebWorkspace
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
    "LEDGER",
    "ORG",
    "audit_rows",
    "cached",
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
    "saved_champions",
    "stored_match_round",
    "users",
]

JSON = dict[str, Any]
T = TypeVar("T")

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
    if not audit_needed(viewer, subject):
        return
    if isinstance(ws, WebWorkspace) and ws.audit is not None:  # with other requests' rows
        ws.audit.write(
            viewer=viewer.username, action=action, subject_person_id=subject, detail=detail
        )
        return
    with ws.store.transaction() as session:
        write_audit(
            session=session,
            viewer=viewer.username,
            action=action,
            subject_person_id=subject,
            detail=detail,
        )


def cached(
    cache: WebCache | None,
    key: Hashable,
    compute: Callable[[], T],
    *,
    frame: bool = False,
    depends: Sequence[str] = ALL,
) -> T:
    """``compute()``, kept in ``cache`` under ``key`` while the parts of the data it
    ``depends`` on stand (no cache: computed each time). The key must name whatever the
    value depends on besides the data: the viewer's role, a person, a skill.

    >>> cached(None, ("answer",), lambda: 42)
    42
    """
    return compute() if cache is None else cache.get(key, compute, frame=frame, depends=depends)


#: What the cached values depend on (``peerweave.web.cache.GROUPS``).
ORG: tuple[str, ...] = ("org",)
LEDGER: tuple[str, ...] = ("org", "learning")  # sessions leave out who opted out


def _everyone(ws: Workspace, cache: WebCache | None) -> pd.DataFrame:
    """Every stored person, those who left included."""
    return cached(cache, ("people",), lambda: ws.people(include_left=True), frame=True, depends=ORG)


@dataclass(frozen=True)
class _Directory:
    """A :func:`directory` with each person's row at hand: :meth:`only` gives the part a
    few people need, so :func:`relabel` and :func:`resolve_person` (the privacy rules)
    work on a handful of rows instead of the whole organization."""

    frame: pd.DataFrame
    by_id: dict[str, int]
    by_ref: dict[str, int]
    ids: list[str]
    shown: list[JSON]  # each row's ref, label and department

    @classmethod
    def build(cls, people: pd.DataFrame) -> _Directory:
        ids, refs = people["person_id"].astype(str).tolist(), people["ref"].astype(str).tolist()
        shown = [
            {"ref": ref, "label": label, "department": department}
            for ref, label, department in zip(
                people["ref"].tolist(),
                people["label"].tolist(),
                people["department"].tolist(),
                strict=True,
            )
        ]
        return cls(
            people,
            {p: i for i, p in reversed(list(enumerate(ids)))},
            {r: i for i, r in reversed(list(enumerate(refs)))},
            ids,
            shown,
        )

    def entry(self, person_id: str) -> JSON | None:
        """The person's ``ref``, ``label`` and ``department``; ``None`` if not in it."""
        at = self.by_id.get(person_id)
        return None if at is None else dict(self.shown[at])

    def _rows(self, rows: set[int]) -> pd.DataFrame:
        """The directory's ``rows``, in its order (a small frame of plain objects: cheaper
        to make and search than a slice of the whole one)."""
        at = sorted(rows)
        return pd.DataFrame(
            {
                "person_id": [self.ids[i] for i in at],
                **{c: [self.shown[i][c] for i in at] for c in ("ref", "label", "department")},
            },
            columns=list(self.frame.columns),
            dtype=object,
        )

    def only(self, person_ids: Any) -> pd.DataFrame:
        """The directory's rows of ``person_ids`` (those in it), in its order."""
        return self._rows({self.by_id[p] for p in map(str, person_ids) if p in self.by_id})

    def about(self, ref: str) -> pd.DataFrame:
        """The rows :func:`resolve_person` may pick for ``ref`` (by ref, or by id)."""
        wanted = str(ref).strip()
        return self._rows(
            {at for at in (self.by_ref.get(wanted), self.by_id.get(wanted)) if at is not None}
        )


def _directory(
    ws: Workspace, viewer: Viewer, settings: WebSettings, cache: WebCache | None
) -> _Directory:
    """The people ``viewer`` may name (:func:`directory`; it depends on the role only)."""
    return cached(
        cache,
        ("directory", viewer.role),
        lambda: _Directory.build(directory(_everyone(ws, cache), viewer, settings.key)),
        frame=True,
        depends=ORG,
    )


def _resolve(ref: str, viewer: Viewer, people: _Directory, cache: WebCache | None) -> str:
    """:func:`resolve_person` (it depends on the viewer's role and person only); a refusal
    is never kept."""
    key = ("resolve", viewer.role, viewer.person_id, str(ref).strip())
    return cached(cache, key, lambda: resolve_person(ref, viewer, people.about(ref)), depends=ORG)


def _people(
    ws: Workspace, viewer: Viewer, settings: WebSettings, cache: WebCache | None = None
) -> pd.DataFrame:
    """The people ``viewer`` may name (:func:`directory`; it depends on the role only)."""
    return _directory(ws, viewer, settings, cache).frame


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


def overview(
    ws: Workspace, viewer: Viewer, settings: WebSettings, *, cache: WebCache | None = None
) -> JSON:
    """Headline figures and findings of the latest analysis run, its silo table, and the
    change since the run before it (leads only; group figures, no person)."""
    require_role(viewer, "admin", "analyst")
    data = cached(
        cache,
        ("overview", viewer.role),
        lambda: _overview(ws, settings, cache),
        depends=("org", "analysis"),
    )
    return dict(data)


def _overview(ws: Workspace, settings: WebSettings, cache: WebCache | None) -> JSON:
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
        "silos": _silos(ws, latest, settings, cache=cache),
        "notes": [str(n) for n in (latest["notes"] or [])],
    }


def _graph(ws: Workspace, kinds: list[str] | None, cache: WebCache | None) -> OrgGraph:
    """The network of the stored ties of ``kinds`` (all: ``None``), built once per data."""
    key = ("graph", None if kinds is None else tuple(kinds))
    return cached(cache, key, lambda: ws.graph(kinds=kinds), frame=True, depends=ORG)


def _silos(
    ws: Workspace, run: pd.Series, settings: WebSettings, *, cache: WebCache | None = None
) -> list[dict[str, Any]]:
    """The departments from the most inward (E-I index), groups under the minimum left out."""
    from peerweave.errors import PeerweaveError
    from peerweave.network.groups import group_report

    kinds = run["kinds"] if isinstance(run["kinds"], list) and run["kinds"] else None
    try:
        graph = _graph(ws, kinds, cache)
        report = group_report(graph, "department", min_group_size=settings.min_group_size)
    except PeerweaveError:
        return []
    table = suppress_small_groups(report.table, min_size=settings.min_group_size)
    columns = ["silo_rank", "group", "size", "internal_ties", "external_ties", "density"]
    return records(table.sort_values("silo_rank")[[*columns, "ei_index"]])


def run_analysis(
    ws: Workspace, viewer: Viewer, settings: WebSettings, *, cache: WebCache | None = None
) -> JSON:
    """Analyse the network now and store the run (leads only); the new overview."""
    require_role(viewer, "admin", "analyst")
    from peerweave.network.analysis import AnalysisOptions

    ws.analyze(options=AnalysisOptions(min_group_size=settings.min_group_size))
    return overview(ws, viewer, settings, cache=cache)  # the write moved the cache on


# -- person ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Metrics:
    """The latest run's person metrics, ready for one person's figures and percentiles."""

    row: dict[str, int]  # person id: row
    roles: list[str]
    values: dict[str, npt.NDArray[np.float64]]  # figure: every person's value
    ordered: dict[str, npt.NDArray[np.float64]]  # figure: the values that are not NaN, sorted

    @classmethod
    def build(cls, metrics: pd.DataFrame) -> _Metrics:
        ids = metrics["person_id"].astype(str).tolist()
        values = {
            column: metrics[column].to_numpy(dtype=np.float64, na_value=np.nan)
            for column, _ in PERSON_FIGURES
            if column in metrics
        }
        return cls(
            row={pid: i for i, pid in reversed(list(enumerate(ids)))},
            roles=[str(r or "") for r in metrics["roles"]] if "roles" in metrics else [],
            values=values,
            ordered={c: np.sort(v[~np.isnan(v)]) for c, v in values.items()},
        )

    def of(self, person_id: str) -> tuple[list[str], list[JSON]]:
        """The person's roles and figures, each with the share of people below them."""
        at = self.row.get(person_id)
        if at is None:
            return [], []
        roles = [r for r in self.roles[at].split(";") if r] if self.roles else []
        figures: list[JSON] = []
        for column, label in PERSON_FIGURES:
            if column not in self.values:
                continue
            values = self.values[column]
            value = float(values[at])
            if np.isnan(value):
                continue
            below = int(np.searchsorted(self.ordered[column], value, side="left"))
            figures.append(
                {
                    "figure": column,
                    "label": label,
                    "value": value,
                    "percentile": below / len(values),
                }
            )
        return roles, figures


@dataclass(frozen=True)
class _Ties:
    """Each person's ties per kind (out, in, weight) and number of contacts."""

    by_person: dict[str, tuple[int, list[JSON]]]

    @classmethod
    def build(cls, ties: pd.DataFrame) -> _Ties:
        source = ties["source"].astype(str).to_numpy(dtype=object)
        target = ties["target"].astype(str).to_numpy(dtype=object)
        kind = ties["kind"].astype(str).to_numpy(dtype=object)
        weight = ties["weight"].astype("float64").to_numpy()

        def per_kind(person: npt.NDArray[Any], name: str) -> pd.DataFrame:
            ends = pd.DataFrame({"person": person, "kind": kind, "weight": weight})
            grouped = ends.groupby(["person", "kind"])["weight"]
            return pd.DataFrame({name: grouped.size(), f"{name}_weight": grouped.sum()})

        table = per_kind(source, "outgoing").join(per_kind(target, "incoming"), how="outer")
        table = table.fillna(0).sort_index()
        other = source != target  # an incoming tie from oneself is no contact
        pairs = pd.DataFrame(
            {"person": np.r_[source, target[other]], "other": np.r_[target, source[other]]}
        ).drop_duplicates()
        contacts = pairs.groupby("person").size()
        by_person: dict[str, tuple[int, list[JSON]]] = {}
        for (pid, k), out_n, out_w, in_n, in_w in zip(
            table.index,
            table["outgoing"],
            table["outgoing_weight"],
            table["incoming"],
            table["incoming_weight"],
            strict=True,
        ):
            if pid not in by_person:
                by_person[pid] = (int(contacts.get(pid, 0)), [])
            by_person[pid][1].append(
                {
                    "kind": k,
                    "outgoing": int(out_n),
                    "incoming": int(in_n),
                    "weight": float(out_w + in_w),
                }
            )
        return cls(by_person)

    def of(self, person_id: str) -> tuple[int, list[JSON]]:
        return self.by_person.get(person_id, (0, []))


@dataclass(frozen=True)
class _Rows:
    """A frame with each person's rows at hand (by the person columns given)."""

    frame: pd.DataFrame
    rows: dict[str, npt.NDArray[np.intp]]

    @classmethod
    def build(cls, frame: pd.DataFrame, *columns: str) -> _Rows:
        found: dict[str, list[npt.NDArray[np.intp]]] = {}
        for column in columns:
            for pid, at in frame.groupby(frame[column].astype(str), sort=False).indices.items():
                found.setdefault(str(pid), []).append(np.asarray(at, dtype=np.intp))
        return cls(frame, {pid: np.unique(np.concatenate(at)) for pid, at in found.items()})

    def of(self, person_id: str) -> pd.DataFrame:
        """The person's rows, in the frame's order."""
        return self.frame.iloc[self.rows.get(person_id, np.empty(0, dtype=np.intp))]


def _all_sessions(ws: Workspace, cache: WebCache | None) -> pd.DataFrame:
    """Every session without anyone opted out (``ws.sessions()``)."""
    return cached(cache, ("all sessions",), ws.sessions, frame=True, depends=LEDGER)


def _sessions_of(ws: Workspace, person_id: str, cache: WebCache | None) -> pd.DataFrame:
    """``ws.sessions(person=person_id)``: the person's sessions without anyone opted out."""
    if cache is None:
        return ws.sessions(person=person_id)
    table = cache.get(
        ("sessions",),
        lambda: _Rows.build(_all_sessions(ws, cache), "learner_id", "teacher_id"),
        frame=True,
        depends=LEDGER,
    )
    return table.of(person_id).reset_index(drop=True)


def _recognition(ws: Workspace, cache: WebCache | None) -> Any:
    """``ws.recognition()`` (the whole leaderboard)."""
    return cached(cache, ("recognition",), ws.recognition, frame=True, depends=LEDGER)


def person(
    ws: Workspace,
    viewer: Viewer,
    settings: WebSettings,
    ref: str,
    *,
    cache: WebCache | None = None,
) -> JSON:
    """One person's ties summary, roles with their figures, skills, learning history and
    recognition: a member only their own; a lead anyone not opted out (audited)."""
    people = _directory(ws, viewer, settings, cache)
    person_id = _resolve(ref, viewer, people, cache)
    data = cached(
        cache,
        ("person", viewer.role, person_id),
        lambda: _person(ws, viewer, settings, person_id, people, cache),
    )
    _audit(ws, viewer, "view person", person_id)
    return dict(data)


def _person(
    ws: Workspace,
    viewer: Viewer,
    settings: WebSettings,
    person_id: str,
    people: _Directory,
    cache: WebCache | None,
) -> JSON:
    me = people.entry(person_id)
    if me is None:  # the viewer themself, opted out: they still see their own page
        own = _everyone(ws, cache)
        own = own.loc[own["person_id"] == person_id]
        row = directory(own.assign(opted_out=False), viewer, settings.key).iloc[0]
        me = {"ref": row["ref"], "label": row["label"], "department": row["department"]}
    metrics = cached(
        cache,
        ("metrics",),
        lambda: _Metrics.build(ws.person_metrics()),
        frame=True,
        depends=("analysis",),
    )
    roles, figures = metrics.of(person_id)
    ties = cached(cache, ("ties",), lambda: _Ties.build(ws.ties()), frame=True, depends=ORG)
    contacts, ties_summary = ties.of(person_id)
    skills = cached(
        cache,
        ("skills",),
        lambda: _ByPerson.build(ws.skills(), "person_id"),
        frame=True,
        depends=ORG,
    )
    board = cached(
        cache,
        ("credit",),
        lambda: _ByPerson.build(_recognition(ws, cache).leaderboard, "teacher_id"),
        frame=True,
        depends=LEDGER,
    )
    credit = board.of(person_id)
    return {
        "person": me,
        "roles": roles,
        "figures": figures,
        "ties": {"contacts": contacts, "by_kind": ties_summary},
        "skills": skills.of(person_id),
        "sessions": _history(ws, viewer, settings, cache).of(person_id),
        "recognition": credit[0] if credit else None,
    }


@dataclass(frozen=True)
class _ByPerson:
    """A frame's rows as JSON, by the person in one column (left out of the rows)."""

    rows: dict[str, list[JSON]]

    @classmethod
    def build(cls, frame: pd.DataFrame, column: str) -> _ByPerson:
        rows: dict[str, list[JSON]] = {}
        shown = records(frame.drop(columns=[column]))
        for pid, row in zip(frame[column].astype(str).tolist(), shown, strict=True):
            rows.setdefault(pid, []).append(row)
        return cls(rows)

    def of(self, person_id: str) -> list[JSON]:
        return [dict(row) for row in self.rows.get(person_id, [])]


@dataclass(frozen=True)
class _History:
    """Each person's sessions as one role sees them (:func:`relabel`: people named by ref
    and label, sessions with anyone outside the directory left out), in ledger order."""

    rows: dict[str, list[tuple[JSON, bool]]]  # person id: (session, taught it)

    @classmethod
    def build(cls, sessions: pd.DataFrame, people: _Directory) -> _History:
        shown = relabel(sessions, ("learner_id", "teacher_id"), people.frame)
        learners = [people.ids[people.by_ref[r]] for r in shown["learner_id"].astype(str)]
        teachers = [people.ids[people.by_ref[r]] for r in shown["teacher_id"].astype(str)]
        rows: dict[str, list[tuple[JSON, bool]]] = {}
        for row, learner, teacher in zip(records(shown), learners, teachers, strict=True):
            rows.setdefault(teacher, []).append((row, True))
            if learner != teacher:
                rows.setdefault(learner, []).append((row, False))
        return cls(rows)

    def of(self, person_id: str) -> list[JSON]:
        """The person's sessions, each with their ``role`` in it."""
        return [
            {**row, "role": "teacher" if taught else "learner"}
            for row, taught in self.rows.get(person_id, [])
        ]


def _history(
    ws: Workspace, viewer: Viewer, settings: WebSettings, cache: WebCache | None
) -> _History:
    """Every person's sessions (without anyone opted out) as ``viewer``'s role sees them."""
    people = _directory(ws, viewer, settings, cache)
    return cached(
        cache,
        ("history", viewer.role),
        lambda: _History.build(_all_sessions(ws, cache), people),
        frame=True,
        depends=LEDGER,
    )


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
    cache: WebCache | None = None,
) -> JSON:
    """Champions for ``k`` under ``model`` (at least ``per`` = ``department:1`` in each group),
    the forecast of each strategy side by side (with its chart as a PNG data URL), and,
    with ``save``, the initiative stored (leads only; the champion list is audited). A
    saved plan is left in ``cache`` for :func:`saved_champions`, the page the planner's
    form goes to next (so it is not simulated twice)."""
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
    plan = {
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
    if chosen.initiative_id is not None and cache is not None:
        cache.get(_plan_key(chosen.initiative_id, viewer), lambda: plan)
    return plan


def _plan_key(initiative: int, viewer: Viewer) -> tuple[str, int, str]:
    """Where a saved plan, as ``viewer``'s role sees it, is kept in the read cache."""
    return ("champions plan", initiative, viewer.role)


def saved_champions(
    ws: Workspace,
    viewer: Viewer,
    settings: WebSettings,
    initiative: int,
    *,
    cache: WebCache | None = None,
) -> JSON:
    """The champions planner's answer for the stored initiative ``initiative`` (the keys of
    :func:`champions_plan`, and ``planned_with``: ``k``, ``model``, ``per``, ``runs``,
    ``steps``): its champions, named as the viewer may see them, with their reasons and the
    guarantee, and the forecast of each strategy side by side with these champions seeding
    it — simulated again with the model, runs and weeks it was planned with, unless the
    planner just left it in ``cache``. Leads only; the champion list is audited.

    >>> with Workspace.open("sqlite://", create=True) as ws:
    ...     saved_champions(ws, Viewer("a", "analyst", None), WebSettings(None, "k" * 16), 3)
    Traceback (most recent call last):
    ...
    peerweave.errors.UnknownIdError: no initiative 3 is stored; stored initiatives: none (see `peerweave initiatives`)
    """
    require_role(viewer, "admin", "analyst")
    with ws.store.transaction() as session:  # read now: the app's cached tables may lag
        stored = load_champions(session=session, initiative_id=initiative)  # or UnknownIdError
        about = list_initiatives(session=session)
    row = about.loc[about["id"] == initiative].iloc[0]
    params: dict[str, Any] = row["params"] if isinstance(row["params"], dict) else {}
    simulated: dict[str, Any] = params.get("simulated") or {}
    planned_with = {
        "k": str(params.get("k") or len(stored)),
        "model": str(row["model"]),
        "per": ":".join(map(str, params["per"])) if params.get("per") else "",
        "runs": int(simulated.get("runs") or 200),
        "steps": int(simulated.get("steps") or 26),
    }
    plan = cached(
        cache,
        _plan_key(initiative, viewer),
        lambda: _saved_plan(ws, viewer, settings, row, stored, planned_with),
    )
    shown = len(plan["champions"])
    _audit(ws, viewer, "champions", None, f"initiative #{initiative}: {shown} champions shown")
    return {**plan, "planned_with": planned_with}


def _saved_plan(
    ws: Workspace,
    viewer: Viewer,
    settings: WebSettings,
    row: pd.Series,
    stored: pd.DataFrame,
    planned_with: JSON,
) -> JSON:
    from peerweave.spread.model import SpreadModel
    from peerweave.spread.strategies import eligible

    initiative = int(row["id"])
    params: dict[str, Any] = row["params"] if isinstance(row["params"], dict) else {}
    runs, steps = int(planned_with["runs"]), int(planned_with["steps"])
    kept: dict[str, Any] = params.get("model") or {}
    fields = ("kind", "prob", "threshold", "fraction", "threshold_sd", "abandonment")
    model = SpreadModel(
        **{"kind": str(row["model"]), **{f: kept[f] for f in fields if kept.get(f) is not None}}
    )
    with tempfile.TemporaryDirectory() as folder:
        chart = Path(folder) / "forecast.png"
        forecast = ws.forecast(
            initiative=initiative,
            model=model,
            runs=runs,
            steps=steps,
            seed=int(params.get("seed") or 0),
            chart=chart,
        )
        png = base64.b64encode(chart.read_bytes()).decode()
    people = _people(ws, viewer, settings)
    departments = people.set_index("person_id")["department"]
    champions = relabel(
        stored.assign(department=stored["person_id"].astype(str).map(departments)),
        ("person_id",),
        people,
    )
    reach = float(row["estimated_reach"])
    return {
        "initiative_id": initiative,
        "name": str(row["name"]),
        "k": len(stored),
        "model": model.kind,
        "eligible": params.get("eligible"),
        "population": int(eligible(forecast.graph).sum()),
        "estimated_reach": None if np.isnan(reach) else reach,
        "guarantee": str(row["guarantee"]),
        "champions": records(champions),
        "strategies": records(forecast.comparison.summary),
        "curves": records(forecast.comparison.curves),
        "chart_png": f"data:image/png;base64,{png}",
        "notes": list(forecast.comparison.notes),
    }


# -- learning ------------------------------------------------------------------------------


def find_peers(
    ws: Workspace,
    viewer: Viewer,
    settings: WebSettings,
    *,
    skill: str,
    person: str | None = None,
    cache: WebCache | None = None,
) -> JSON:
    """The best peer teachers of ``skill``: for the viewer themself (a member always), or
    for ``person`` (leads; audited)."""
    people = _directory(ws, viewer, settings, cache)
    learner = _own(viewer) if person in (None, "") else _resolve(str(person), viewer, people, cache)
    data = cached(
        cache,
        ("peers", viewer.role, learner, skill),
        lambda: _peers(ws, people, learner, skill, cache),
        depends=LEDGER,
    )
    _audit(ws, viewer, "find peers", learner, f"skill {skill}")
    return dict(data)


def _peers(
    ws: Workspace, people: _Directory, learner: str, skill: str, cache: WebCache | None
) -> JSON:
    if cache is None:
        found = ws.peers(learner, skill)
    else:  # what ws.peers does, on the learning inputs read once
        from peerweave.learning.matching import MatchOptions
        from peerweave.learning.peers import find_peers as rank_peers

        given = cache.get(("learning inputs",), ws._learning_inputs, frame=True, depends=LEDGER)
        found = cache.get(  # the same for every role: only the labels differ
            ("peer ranking", learner, skill),
            lambda: rank_peers(
                learner,
                skill,
                given.people,
                given.skills,
                given.graph,
                ratings=given.ratings,
                busy=given.busy,
                options=MatchOptions(),
                limit=10,
            ),
            depends=LEDGER,
        )
    explanation = str(found.attrs.get("explanation", "")) if found.empty else ""
    named = people.only(found["teacher_id"])
    shown = relabel(found.drop(columns=["name"], errors="ignore"), ("teacher_id",), named)
    columns = [
        c
        for c in ("rank", "teacher_id", "teacher_id_label", "department", "level", "reasons")
        if c in shown
    ]
    return {
        "skill": skill,
        "learner": people.only([learner])["ref"].tolist()[:1] or [None],
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


def my_sessions(
    ws: Workspace, viewer: Viewer, settings: WebSettings, *, cache: WebCache | None = None
) -> JSON:
    """The viewer's own sessions, as learner and as teacher, with the feedback on each held
    one they may read now (double-blind). Cached, the list is kept until the first hidden
    feedback on one of them opens with time (then it is worked out again)."""
    me = _own(viewer)
    now = pd.Timestamp.now(tz="UTC").tz_localize(None)

    def listed() -> tuple[list[JSON], pd.Timestamp | None]:
        rows = _my_sessions(ws, viewer, settings, me, cache)
        held = [int(row["session_id"]) for row in rows if row["status"] == "held"]
        seen, until = _feedback_shown(ws, me, held, cache, now)
        for row in rows:
            given, received = seen.get(int(row["session_id"]), (None, None))
            row["feedback_given"], row["feedback_received"] = given, received
        return rows, until

    if cache is None:
        return {"sessions": listed()[0]}
    key = ("my sessions", viewer.role, me)
    rows, until = cache.get(key, listed, depends=LEDGER)
    if until is not None and now >= until:  # some feedback opened since: again, and keep it
        rows, until = listed()
        cache.put(key, (rows, until), depends=LEDGER)
    return {"sessions": [dict(row) for row in rows]}


def _my_sessions(
    ws: Workspace, viewer: Viewer, settings: WebSettings, me: str, cache: WebCache | None
) -> list[JSON]:
    return _history(ws, viewer, settings, cache).of(me)


def _feedback_shown(
    ws: Workspace, me: str, held: list[int], cache: WebCache | None, now: pd.Timestamp
) -> tuple[dict[int, tuple[JSON | None, JSON | None]], pd.Timestamp | None]:
    """:func:`_feedback_seen` of each of ``me``'s held sessions ``held``, from the feedback
    read once (with a cache) and the double-blind rule applied at ``now``; and when the
    first feedback still hidden will open (``None``: none is hidden)."""
    if cache is None or not held:
        return {sid: _feedback_seen(ws, me, {"session_id": sid}) for sid in held}, None
    from peerweave.learning.ledger import visible_feedback
    from peerweave.learning.schema import FEEDBACK_DEADLINE_DAYS
    from peerweave.store.learning import load_feedback

    def read() -> _Rows:
        with ws.store.transaction() as session:
            return _Rows.build(load_feedback(session=session), "session_id")

    table = cache.get(("feedback",), read, frame=True, depends=("learning",))
    at = np.concatenate([table.rows.get(str(sid), np.empty(0, dtype=np.intp)) for sid in held])
    given = table.frame.iloc[np.sort(at)]
    sessions = _sessions_of(ws, me, cache)
    shown = visible_feedback(given, sessions, me, now)
    hidden = given.loc[~given.index.isin(shown.index), "session_id"]
    held_at = pd.to_datetime(sessions.set_index("session_id")["held_at"]).reindex(hidden)
    opens = (held_at + pd.Timedelta(days=FEEDBACK_DEADLINE_DAYS)).min()
    visible = shown.reset_index(drop=True)
    seen: dict[int, tuple[JSON | None, JSON | None]] = {}
    for sid in held:
        one = visible.loc[(visible["session_id"] == sid).to_numpy()]
        mine = (one["author_id"] == me).to_numpy()
        answers = one[["rating", "again", "comment"]]
        mine_rows, theirs = records(answers[mine]), records(answers[~mine])
        seen[sid] = (mine_rows[0] if mine_rows else None), (theirs[0] if theirs else None)
    return seen, None if pd.isna(opens) else pd.Timestamp(opens)


def _feedback_seen(ws: Workspace, me: str, session: JSON) -> tuple[JSON | None, JSON | None]:
    """``me``'s feedback on a held session and the other side's under the double-blind rule
    (``None``: not given yet, or still hidden)."""
    visible = ws.feedback_for(int(session["session_id"]), me).visible
    mine = (visible["author_id"] == me).to_numpy()
    shown = visible[["rating", "again", "comment"]]
    given, received = records(shown[mine]), records(shown[~mine])
    return (given[0] if given else None), (received[0] if received else None)


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
    return _round_shown(
        ws,
        viewer,
        settings,
        round_id=result.round_id,
        created_at=None,
        summary=result.round.summary,
        matches=result.round.matches,
        unmatched=result.round.unmatched,
        sessions_proposed=len(result.session_ids),
        notes=list(result.notes),
    )


def stored_match_round(ws: Workspace, viewer: Viewer, settings: WebSettings, round_id: int) -> JSON:
    """The stored matching round ``round_id`` as :func:`match_round` showed it when it ran:
    its summary, its matches (people as the viewer may see them; audited) and its unmatched
    wishes by reason (leads only). Each match became a proposed session when it ran.

    >>> with Workspace.open("sqlite://", create=True) as ws:
    ...     stored_match_round(ws, Viewer("a", "admin", None), WebSettings(None, "k" * 16), 4)
    Traceback (most recent call last):
    ...
    peerweave.errors.UnknownIdError: no matching round 4 is stored; stored rounds: none (run `peerweave match` to make one)
    """
    require_role(viewer, "admin", "analyst")
    with ws.store.transaction() as session:
        matches = load_round_matches(session=session, round_id=round_id)  # or UnknownIdError
        unmatched = load_round_unmatched(session=session, round_id=round_id)
        rounds = list_rounds(session=session)
    row = rounds.loc[rounds["id"] == round_id].iloc[0]
    summary: dict[str, Any] = row["summary"] if isinstance(row["summary"], dict) else {}
    served = int(summary.get("served") or 0)
    notes = (
        [f"{served:,} wishes already had an open or held session and were not matched again"]
        if served
        else []
    )
    return _round_shown(
        ws,
        viewer,
        settings,
        round_id=round_id,
        created_at=f"{pd.Timestamp(row['created_at']):%Y-%m-%d %H:%M}",
        summary=summary,
        matches=matches,
        unmatched=unmatched,
        sessions_proposed=len(matches),
        notes=notes,
    )


def _round_shown(
    ws: Workspace,
    viewer: Viewer,
    settings: WebSettings,
    *,
    round_id: int | None,
    created_at: str | None,
    summary: dict[str, Any],
    matches: pd.DataFrame,
    unmatched: pd.DataFrame,
    sessions_proposed: int,
    notes: list[str],
) -> JSON:
    """What the programme page shows of a matching round (the matches audited)."""
    people = _people(ws, viewer, settings)
    shown = relabel(matches, ("learner_id", "teacher_id"), people)
    _audit(ws, viewer, "match round", None, f"round #{round_id}: {len(shown)} matches")
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
        "round_id": round_id,
        "created_at": created_at,
        "summary": {k: _plain(v) for k, v in summary.items()},
        "sessions_proposed": sessions_proposed,
        "matches": records(shown),
        "unmatched_reasons": records(reasons),
        "notes": notes,
    }


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def learning_health(
    ws: Workspace, viewer: Viewer, settings: WebSettings, *, cache: WebCache | None = None
) -> JSON:
    """Programme health: group figures only, groups under the minimum left out (leads)."""
    require_role(viewer, "admin", "analyst")
    data = cached(cache, ("health", viewer.role), lambda: _health(ws, settings), depends=LEDGER)
    return dict(data)


def _health(ws: Workspace, settings: WebSettings) -> JSON:
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


def recognition(
    ws: Workspace,
    viewer: Viewer,
    settings: WebSettings,
    *,
    top: int = 20,
    cache: WebCache | None = None,
) -> JSON:
    """The seeders' leaderboard (leads; names for admins, pseudonyms for analysts; audited)."""
    require_role(viewer, "admin", "analyst")

    def board() -> JSON:
        result = _recognition(ws, cache)
        people = _people(ws, viewer, settings, cache)
        shown = relabel(result.leaderboard, ("teacher_id",), people).head(top)
        return {
            "discount": result.discount,
            "leaderboard": records(shown),
            "notes": list(result.notes),
        }

    data = cached(cache, ("recognition", viewer.role, top), board, depends=LEDGER)
    _audit(ws, viewer, "recognition", None, f"{len(data['leaderboard'])} teachers shown")
    return dict(data)


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
