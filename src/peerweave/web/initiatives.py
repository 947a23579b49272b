"""The initiatives pages: measure a change — adoption against the forecast, the model fitted
to it, who influences whom, and the report for leadership (leads only).

Views (plain JSON-ready dicts: the API returns them, the pages render them) and routes in
one module:

- ``GET /initiatives``, ``GET /api/initiatives``: the stored initiatives;
- ``GET /initiatives/{id}``, ``GET /api/initiatives/{id}/track``: the observed curve
  against the forecast band (a chart), where it left the band, lagging groups, the
  champions' neighbourhoods, the adoptions recorded;
- adoptions: ``POST /api/initiatives/{id}/adoptions`` (one), ``POST …/adoptions/import``
  (a CSV file; every row checked, nothing stored on an error), ``DELETE …/adoptions/{ref}``
  and their forms;
- ``POST /api/initiatives/{id}/fit``: the model fitted to the adoptions, with intervals;
- ``GET /influence``, ``GET /api/influence?initiatives=1,2``: who influences whom;
- ``GET /report``: the self-contained HTML report, **admins only** — it names people
  (the people behind each network role, champions, seeders, influencers in fact), so an
  analyst, who sees people only under pseudonyms, may not download it.

People are named through :func:`~peerweave.web.privacy.directory` (names for admins,
pseudonyms for analysts, opted-out people nowhere); every view that names people is
audited. A person is given as the viewer names them: an admin by id, an analyst by
pseudonym; an uploaded file carries the people's ids (as the HR export has them).
"""

from __future__ import annotations

import base64
import dataclasses
import tempfile
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from peerweave.errors import InputError, PeerweaveError, Problem
from peerweave.web.deps import (
    CsrfForm,
    CsrfHeader,
    ViewerDep,
    back,
    render,
    settings_of,
    workspace_of,
)
from peerweave.web.imports import (
    TABLE_SUFFIXES,
    ReceivedFile,
    UploadRejected,
    UploadTooLarge,
    megabytes,
    receive_file,
)
from peerweave.web.privacy import AccessDenied, Viewer, directory, relabel, require_role
from peerweave.web.settings import WebSettings
from peerweave.web.views import _audit, records
from peerweave.workspace import Workspace

__all__ = [
    "ADOPTION_SUFFIXES",
    "DEFAULT_RUNS",
    "add_adoption",
    "api",
    "delete_adoption",
    "fit",
    "import_adoptions",
    "influence",
    "initiatives",
    "pages",
    "parse_ids",
    "report_html",
    "track",
]

JSON = dict[str, Any]

#: Simulated runs of the forecast a page asks for (the CLI's default is 1,000; 500 keep the
#: page quick and the band steady).
DEFAULT_RUNS = 500
#: The extensions an adoptions file may have (the workspace reads it as a table); its size
#: is limited by ``WebSettings.max_upload_bytes``, like every upload.
ADOPTION_SUFFIXES = TABLE_SUFFIXES
#: How a file too large for the web app is imported on the server instead.
ON_SERVER = "`peerweave adoptions import INITIATIVE FILE`"
#: Champions' neighbourhoods shown (the furthest behind the forecast first).
NEIGHBOURHOODS_SHOWN = 20
#: Influence ties and influencers shown.
TIES_SHOWN = 50
INFLUENCERS_SHOWN = 15
#: What a page says when an initiative has no adoptions recorded yet (``docs/measure.md``).
NO_ADOPTIONS = (
    "No adoptions recorded yet: only the champions count as adopters. Record them below, "
    "one at a time or as a CSV file (person_id, adopted_at)."
)

api = APIRouter(prefix="/api", tags=["api"])
pages = APIRouter(include_in_schema=False)


def _lead(viewer: Viewer) -> None:
    require_role(viewer, "admin", "analyst")


def _people(ws: Workspace, viewer: Viewer, settings: WebSettings) -> pd.DataFrame:
    return directory(ws.people(include_left=True), viewer, settings.key)


def _png(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


def _float(value: Any) -> float | None:
    if value is None or value is pd.NA:
        return None
    number = float(value)
    return None if np.isnan(number) else number


def _day(value: Any) -> str | None:
    if value is None or pd.isna(value):
        return None
    stamp = pd.Timestamp(value)
    return f"{stamp:%Y-%m-%d}" if stamp == stamp.normalize() else f"{stamp:%Y-%m-%d %H:%M}"


def parse_ids(text: str | None) -> list[int] | None:
    """``"1,2"`` as ``[1, 2]``; ``None`` (all initiatives) for nothing.

    >>> parse_ids("1, 2"), parse_ids(""), parse_ids(None)
    ([1, 2], None, None)
    >>> parse_ids("1,x")
    Traceback (most recent call last):
    ...
    peerweave.errors.InputError: initiatives: '1,x' is not a list of initiative ids (fix: write it as 1,2)
    """
    if text is None or not text.strip():
        return None
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError(
            "initiatives",
            Problem(f"{text!r} is not a list of initiative ids", fix="write it as 1,2"),
        ) from None


def _person(people: pd.DataFrame, ref: str) -> str:
    """The person id behind ``ref`` (an id for an admin, a pseudonym for an analyst);
    ``InputError`` when it names nobody the viewer may see (unknown and opted-out alike)."""
    hit = people.loc[people["ref"] == str(ref).strip(), "person_id"]
    if hit.empty:
        raise InputError(
            "person",
            Problem(
                f"{str(ref).strip()!r} is not a known person",
                fix="give the id the pages show (analysts: the pseudonym, p-…)",
            ),
        )
    return str(hit.iloc[0])


# -- the list ------------------------------------------------------------------------------


def initiatives(ws: Workspace, viewer: Viewer, settings: WebSettings) -> JSON:
    """The stored initiatives, newest first, with their adoptions recorded (leads only).

    >>> with Workspace.open("sqlite://", create=True) as ws:
    ...     initiatives(ws, Viewer("a", "analyst", None), WebSettings(None, "k" * 16))
    {'initiatives': [], 'report_allowed': False, 'notes': ['no initiative is stored yet: plan champions and save them as one (Champions)']}
    """
    _lead(viewer)
    found = ws.initiatives()
    rows: list[JSON] = []
    for row in found.to_dict("records"):
        i = int(row["id"])
        rows.append(
            {
                "id": i,
                "name": str(row["name"]),
                "created_at": _day(row["created_at"]),
                "started_at": _day(row["started_at"] if pd.notna(row["started_at"]) else None)
                or _day(row["created_at"]),
                "model": str(row["model"]),
                "champions": int(row["champions"]),
                "estimated_reach": _float(row["estimated_reach"]),
                "adoptions": len(ws.adoptions(i)),
            }
        )
    notes = (
        []
        if rows
        else ["no initiative is stored yet: plan champions and save them as one (Champions)"]
    )
    return {"initiatives": rows, "report_allowed": viewer.role == "admin", "notes": notes}


# -- tracking ------------------------------------------------------------------------------


def _neighbourhoods(frame: pd.DataFrame, people: pd.DataFrame) -> list[JSON]:
    """The champions' neighbourhoods, the furthest behind the forecast first, then the two
    summary rows; champions named as the viewer names them."""
    if frame.empty:
        return []
    per, summary = frame.iloc[:-2], frame.iloc[-2:]
    shown = relabel(per, ("champion",), people)
    gap = shown["share"].astype("float64") - shown["forecast_share"].astype("float64")
    shown = shown.assign(_gap=gap).sort_values("_gap", na_position="last", kind="stable")
    shown = shown.drop(columns="_gap").head(NEIGHBOURHOODS_SHOWN)
    rest = summary.assign(champion_label=summary["champion"].astype(str))
    return records(pd.concat([shown, rest], ignore_index=True))


def _track_dict(
    ws: Workspace,
    viewer: Viewer,
    settings: WebSettings,
    result: Any,
    chart: str,
) -> JSON:
    """What the initiative page shows of a ``TrackResult`` (audited: it names people)."""
    t = result.tracking
    people = _people(ws, viewer, settings)
    champions = relabel(
        result.champions[["rank", "person_id", "department"]], ("person_id",), people
    )
    adoptions = ws.adoptions(result.initiative)
    adopted = relabel(adoptions, ("person_id",), people)
    adopted["department"] = adopted["person_id"].map(people.set_index("ref")["department"])
    adopted = adopted.drop(columns=["recorded_at"], errors="ignore")
    adopted["adopted_at"] = adopted["adopted_at"].map(_day)
    curve = t.curve.copy()
    curve["start"] = curve["start"].map(_day)
    by_group = t.by_group
    if len(by_group) and "size" in by_group:
        by_group = by_group.loc[by_group["size"].astype("float64") >= settings.min_group_size]
    _audit(
        ws,
        viewer,
        "track initiative",
        None,
        f"initiative #{result.initiative}: {len(champions)} champions, "
        f"{len(adopted)} adoptions shown",
    )
    return {
        "initiative": {
            "id": int(result.initiative),
            "name": result.name,
            "started_at": _day(t.started_at),
            "champions": len(result.champions),
            "model": t.forecast.model.kind,
        },
        "now": _day(result.now),
        "recorded": int(result.recorded),
        "no_adoptions": NO_ADOPTIONS if result.recorded == 0 else "",
        "week": int(t.week),
        "headline": t.headline(),
        "left_band": None if t.left_band is None else int(t.left_band),
        "direction": t.direction,
        "observed_now": int(t.observed_now),
        "population": int(t.population),
        "curve": records(curve.iloc[: max(t.week + 1, 0)]),
        "forecast_ahead": records(curve.iloc[max(t.week + 1, 0) :]),
        "by": t.forecast.attribute,
        "by_group": records(by_group),
        "lagging": [str(g) for g in by_group.loc[by_group["status"] == "lagging", "group"]]
        if len(by_group)
        else [],
        "neighbourhoods": _neighbourhoods(t.champions, people),
        "champions": records(champions),
        "adoptions": records(adopted.iloc[::-1]),
        "chart_png": chart,
        "fit": None,
        "notes": [*t.notes, *result.notes],
    }


def track(
    ws: Workspace,
    viewer: Viewer,
    settings: WebSettings,
    initiative: int,
    *,
    runs: int = DEFAULT_RUNS,
    by: str | None = "department",
    now: str | None = None,
) -> JSON:
    """Initiative ``initiative``'s adoptions against its forecast (leads only; audited): the
    weekly curve and the chart, where it left the band, groups (``by``) against their own
    bands (groups under the minimum size never shown), the champions' neighbourhoods, and
    the adoptions recorded. No adoptions yet is no error: the champions alone count, and
    ``no_adoptions`` says so.

    >>> with Workspace.open("sqlite://", create=True) as ws:
    ...     track(ws, Viewer("m", "member", "P1"), WebSettings(None, "k" * 16), 1)
    Traceback (most recent call last):
    ...
    peerweave.web.privacy.AccessDenied: this needs the admin or analyst role; you are a member
    """
    _lead(viewer)
    _check_runs(runs)
    from peerweave.spread.charts import tracking_png

    result = ws.track(
        initiative,
        runs=runs,
        now=now or None,
        by=by or None,
        min_group_size=settings.min_group_size,
    )
    with tempfile.TemporaryDirectory() as folder:
        chart = _png(tracking_png(result.tracking, Path(folder) / "track.png", dpi=100))
    return _track_dict(ws, viewer, settings, result, chart)


def _check_runs(runs: int) -> None:
    if not 1 <= runs <= 5000:
        raise InputError("runs", Problem(f"{runs} runs", fix="give 1 to 5,000 runs"))


def fit(
    ws: Workspace,
    viewer: Viewer,
    settings: WebSettings,
    initiative: int,
    *,
    runs: int = DEFAULT_RUNS,
    now: str | None = None,
) -> JSON:
    """The initiative page with ``fit``: the model fitted to the adoptions (each parameter's
    estimate, 95% interval and standard error beside the value the forecast used) and the
    forecast again from today with it, drawn on the chart (leads only). Nothing to fit
    yet: ``InputError``.

    >>> with Workspace.open("sqlite://", create=True) as ws:
    ...     fit(ws, Viewer("a", "admin", None), WebSettings(None, "k" * 16), 1, runs=0)
    Traceback (most recent call last):
    ...
    peerweave.errors.InputError: runs: 0 runs (fix: give 1 to 5,000 runs)
    """
    _lead(viewer)
    _check_runs(runs)
    from peerweave.spread.charts import tracking_png

    done = ws.fit(initiative, runs=runs, now=now or None)
    result, fitted, again = done.track, done.fit, done.reforecast
    with tempfile.TemporaryDirectory() as folder:
        chart = _png(
            tracking_png(result.tracking, Path(folder) / "fit.png", reforecast=again, dpi=100)
        )
    shown = _track_dict(ws, viewer, settings, result, chart)
    before = result.tracking.forecast.model
    used = {"P": before.prob, "k": before.threshold, "sd": before.threshold_sd}
    parameters = fitted.parameters.assign(
        forecast_used=[str(used.get(str(p), "")) for p in fitted.parameters["parameter"]]
    )
    shown["fit"] = {
        "method": fitted.method,
        "model": fitted.model.kind,
        "confidence": float(fitted.confidence),
        "log_likelihood": float(fitted.log_likelihood),
        "people": int(fitted.people),
        "explained": int(fitted.explained),
        "unexplained": int(fitted.unexplained),
        "parameters": records(parameters),
        "reforecast_from": int(again.from_step),
        "reforecast": records(again.curve),
        "reforecast_at": records(_milestones(again.curve, int(result.tracking.week))),
        "notes": [*fitted.notes, *again.notes],
    }
    return shown


def _milestones(curve: pd.DataFrame, week: int) -> pd.DataFrame:
    """The rows of a forecast a lead reads first: a month on, a quarter on, the last week.

    >>> curve = pd.DataFrame({"step": range(9, 27), "mean": 1.0})
    >>> _milestones(curve, 9)["step"].tolist()
    [13, 22, 26]
    """
    if curve.empty:
        return curve
    last = int(curve["step"].max())
    weeks = sorted({w for w in (week + 4, week + 13, last) if w <= last})
    return curve.loc[curve["step"].isin(weeks)].reset_index(drop=True)


# -- adoption records ----------------------------------------------------------------------


def add_adoption(
    ws: Workspace,
    viewer: Viewer,
    settings: WebSettings,
    initiative: int,
    *,
    person: str,
    adopted_at: str | None = None,
    evidence: str | None = None,
) -> JSON:
    """Record that ``person`` (as the viewer names them) adopted the initiative's practice
    ``adopted_at`` (default now); an unknown person, a time before the start or in the
    future, or a person who already adopted: ``InputError`` (leads only).

    >>> with Workspace.open("sqlite://", create=True) as ws:
    ...     add_adoption(ws, Viewer("a", "admin", None), WebSettings(None, "k" * 16), 1, person="X")
    Traceback (most recent call last):
    ...
    peerweave.errors.InputError: person: 'X' is not a known person (fix: give the id the pages show (analysts: the pseudonym, p-…))
    """
    _lead(viewer)
    people = _people(ws, viewer, settings)
    person_id = _person(people, person)
    text = (evidence or "").strip() or None
    at = ws.add_adoption(initiative, person_id, (adopted_at or "").strip() or None, text)
    label = people.loc[people["person_id"] == person_id, "label"].iloc[0]
    return {
        "initiative": initiative,
        "person": str(person).strip(),
        "label": str(label),
        "adopted_at": _day(at),
        "evidence": text,
    }


def delete_adoption(
    ws: Workspace, viewer: Viewer, settings: WebSettings, initiative: int, *, person: str
) -> JSON:
    """Delete ``person``'s recorded adoption (to record it again, corrected; leads only)."""
    _lead(viewer)
    person_id = _person(_people(ws, viewer, settings), person)
    ws.delete_adoption(initiative, person_id)
    return {"initiative": initiative, "person": str(person).strip(), "deleted": True}


def _named(text: str, path: Path, name: str) -> str:
    """``text`` with the server's path of an upload replaced by the name the lead knows.

    >>> _named("/tmp/x/abc.csv: row 2", Path("/tmp/x/abc.csv"), "adopted.csv")
    'adopted.csv: row 2'
    """
    for where in (str(path), str(path.parent)):
        text = text.replace(where, name)
    return text


def import_adoptions(
    ws: Workspace,
    viewer: Viewer,
    settings: WebSettings,
    initiative: int,
    *,
    path: Path,
    name: str,
) -> JSON:
    """Store the adoptions in the uploaded file at ``path`` (``person_id, adopted_at[,
    evidence]``; CSV, XLSX…), which the lead sent as ``name``. Every row is checked first
    and one error names each bad row and column (and the file as ``name``, never the
    server's path); nothing is stored then (leads only). The file is the caller's to
    remove.

    >>> f = Path(tempfile.mkdtemp()) / "Xq3v.csv"  # where the upload store put it
    >>> _ = f.write_text("person_id,adopted_at\\nNOBODY,2025-01-08\\n")
    >>> with Workspace.open("sqlite://", create=True) as ws:
    ...     _ = ws.import_people("docs/examples/people.csv")
    ...     _ = ws.import_ties("docs/examples/ties.csv")
    ...     i = ws.champions(1, runs=0, started_at="2025-01-06").initiative_id
    ...     import_adoptions(ws, Viewer("a", "admin", None), WebSettings(None, "k" * 16), i,
    ...                      path=f, name="adopted.csv")
    Traceback (most recent call last):
    ...
    peerweave.errors.ValidationError: adopted.csv: 1 problem
      row 2, column person_id: 'NOBODY' is not a known person (fix: add them to the people first, or correct the id)
    """
    _lead(viewer)
    try:
        stored = ws.import_adoptions(initiative, path)
    except InputError as exc:  # name the file as sent, not the scratch folder
        problems = [
            dataclasses.replace(
                p,
                message=_named(p.message, path, name),
                fix=None if p.fix is None else _named(p.fix, path, name),
            )
            for p in exc.problems
        ]
        raise type(exc)(name, problems, total=exc.total) from None
    except PeerweaveError as exc:
        if str(path) not in str(exc):
            raise
        raise type(exc)(_named(str(exc), path, name)) from None
    return {
        "initiative": initiative,
        "file": name,
        "stored": len(stored),
        "from": _day(stored["adopted_at"].min()) if len(stored) else None,
        "to": _day(stored["adopted_at"].max()) if len(stored) else None,
    }


# -- influence -----------------------------------------------------------------------------


def influence(
    ws: Workspace,
    viewer: Viewer,
    settings: WebSettings,
    *,
    initiatives: str | None = None,
    learning: bool = True,
) -> JSON:
    """Who influences whom, inferred from the timing of adoptions (NetRate) over the
    initiatives ``"1,2"`` (all when empty) and, with ``learning``, the skills of the
    peer-learning programme: the strongest ties and the influencers in fact beside the
    influencers by position (leads only; audited; opted-out people never shown).

    >>> with Workspace.open("sqlite://", create=True) as ws:
    ...     influence(ws, Viewer("a", "admin", None), WebSettings(None, "k" * 16), initiatives="x")
    Traceback (most recent call last):
    ...
    peerweave.errors.InputError: initiatives: 'x' is not a list of initiative ids (fix: write it as 1,2)
    """
    _lead(viewer)
    chosen = parse_ids(initiatives)
    result = ws.influence(chosen, learning=learning)
    people = _people(ws, viewer, settings)
    inferred = result.influence
    ties = relabel(inferred.ties.head(TIES_SHOWN * 2), ("source", "target"), people)
    ties = ties.head(TIES_SHOWN)
    columns = [
        "person_id",
        "department",
        "ties",
        "contacts_followed",
        "cascades_preceded",
        "strength",
        "pagerank_rank",
    ]
    top = relabel(
        result.influencers[columns].head(INFLUENCERS_SHOWN * 2), ("person_id",), people
    ).head(INFLUENCERS_SHOWN)
    known = result.influencers.set_index("person_id")
    position = result.by_position.head(INFLUENCERS_SHOWN * 2)
    position = relabel(position[["person_id", "pagerank_rank"]], ("person_id",), people)
    ids = position["person_id"].map(people.set_index("ref")["person_id"])
    position["ties"] = ids.map(known["ties"]).fillna(0).astype(int).to_numpy()
    position["contacts_followed"] = (
        ids.map(known["contacts_followed"]).fillna(0).astype(int).to_numpy()
    )
    position = position.head(INFLUENCERS_SHOWN)
    cascades = result.cascades.assign(started_at=result.cascades["started_at"].map(_day))
    _audit(
        ws,
        viewer,
        "influence",
        None,
        f"{len(ties)} ties, {len(top)} influencers shown",
    )
    return {
        "initiatives": chosen,
        "learning": learning,
        "summary": {
            "ties": len(inferred.ties),
            "threshold": float(inferred.threshold),
            "model": inferred.model,
            "cascades": len(cascades),
            "adoptions": int(cascades["adopters"].sum()) if len(cascades) else 0,
            "initiative_cascades": int((cascades["kind"] == "initiative").sum()),
            "skill_cascades": int((cascades["kind"] == "skill").sum()),
        },
        "cascades": records(cascades),
        "ties": records(ties),
        "influencers": records(top),
        "by_position": records(position),
        "notes": list(result.notes),
    }


# -- the report ----------------------------------------------------------------------------


def report_html(
    ws: Workspace, viewer: Viewer, settings: WebSettings, *, runs: int = DEFAULT_RUNS
) -> bytes:
    """The self-contained HTML report for leadership (``Workspace.report``): admins only,
    since it names people; group figures never under the minimum group size (audited).

    >>> with Workspace.open("sqlite://", create=True) as ws:
    ...     report_html(ws, Viewer("a", "analyst", None), WebSettings(None, "k" * 16))
    Traceback (most recent call last):
    ...
    peerweave.web.privacy.AccessDenied: the report names people (network roles, champions, seeders, influencers): only an admin may download it
    """
    if viewer.role != "admin":
        raise AccessDenied(
            "the report names people (network roles, champions, seeders, influencers): "
            "only an admin may download it"
        )
    _check_runs(runs)
    with tempfile.TemporaryDirectory() as folder:
        done = ws.report(
            Path(folder) / "report.html", runs=runs, min_group_size=settings.min_group_size
        )
        content = done.path.read_bytes()
    _audit(ws, viewer, "report", None, f"{len(content):,} bytes: {', '.join(done.sections)}")
    return content


# -- the JSON API --------------------------------------------------------------------------


class AdoptionBody(BaseModel):
    person: str = Field(max_length=200, description="who adopted: id (admins) or pseudonym")
    adopted_at: str | None = Field(None, max_length=40, description="YYYY-MM-DD [HH:MM]; now")
    evidence: str | None = Field(None, max_length=2000, description="a link or a note")


RunsQuery = Annotated[int, Query(ge=1, le=5000)]


@api.get("/initiatives")
def api_initiatives(request: Request, viewer: ViewerDep) -> JSON:
    """The stored initiatives with their adoptions recorded (leads)."""
    return initiatives(workspace_of(request), viewer, settings_of(request))


@api.get("/initiatives/{initiative}/track")
def api_track(
    request: Request,
    viewer: ViewerDep,
    initiative: int,
    runs: RunsQuery = DEFAULT_RUNS,
    by: Annotated[str, Query(max_length=100)] = "department",
    now: Annotated[str | None, Query(max_length=40)] = None,
) -> JSON:
    """Adoption against the forecast: by week, by group, around the champions (leads)."""
    return track(
        workspace_of(request),
        viewer,
        settings_of(request),
        initiative,
        runs=runs,
        by=by,
        now=now,
    )


@api.post("/initiatives/{initiative}/fit", dependencies=[CsrfHeader])
def api_fit(
    request: Request,
    viewer: ViewerDep,
    initiative: int,
    runs: RunsQuery = DEFAULT_RUNS,
    now: Annotated[str | None, Query(max_length=40)] = None,
) -> JSON:
    """Fit the initiative's model to its adoptions (with intervals) and forecast again."""
    return fit(workspace_of(request), viewer, settings_of(request), initiative, runs=runs, now=now)


@api.post("/initiatives/{initiative}/adoptions", dependencies=[CsrfHeader])
def api_add_adoption(
    request: Request, viewer: ViewerDep, initiative: int, body: AdoptionBody
) -> JSON:
    """Record one adoption (leads)."""
    return add_adoption(
        workspace_of(request), viewer, settings_of(request), initiative, **body.model_dump()
    )


_MULTIPART = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "person_id, adopted_at[, evidence] (CSV, XLSX…)",
                        }
                    },
                }
            }
        },
    }
}


async def _receive_adoptions(request: Request, *, csrf_header: bool) -> ReceivedFile:
    """The adoptions file of the request, streamed into the upload store's private folder
    (:func:`peerweave.web.imports.receive_file`: the size limit, CSRF, the format)."""
    return await receive_file(
        request,
        csrf_header=csrf_header,
        suffixes=ADOPTION_SUFFIXES,
        what="a file with the columns person_id, adopted_at",
        on_server=ON_SERVER,
    )


async def _import_received(
    request: Request, viewer: Viewer, initiative: int, received: ReceivedFile
) -> JSON:
    """Import the received file, then delete it (whatever happened)."""
    try:
        result: JSON = await run_in_threadpool(
            import_adoptions,
            workspace_of(request),
            viewer,
            settings_of(request),
            initiative,
            path=received.path,
            name=received.name,
        )
    finally:
        received.remove()
    return result


@api.post("/initiatives/{initiative}/adoptions/import", openapi_extra=_MULTIPART)
async def api_import_adoptions(
    request: Request, viewer: ViewerDep, initiative: int
) -> JSONResponse:
    """Import adoptions from a file (multipart ``file``; the ``X-CSRF-Token`` header);
    nothing is stored unless every row is right (leads). 413 over the upload limit, 400 for
    a file that is not what its extension says."""
    _lead(viewer)
    try:
        received = await _receive_adoptions(request, csrf_header=True)
    except UploadTooLarge as exc:
        return JSONResponse({"detail": str(exc)}, status_code=413)
    return JSONResponse(await _import_received(request, viewer, initiative, received))


@api.delete("/initiatives/{initiative}/adoptions/{person}", dependencies=[CsrfHeader])
def api_delete_adoption(request: Request, viewer: ViewerDep, initiative: int, person: str) -> JSON:
    """Delete one recorded adoption (leads)."""
    return delete_adoption(
        workspace_of(request), viewer, settings_of(request), initiative, person=person
    )


@api.get("/influence")
def api_influence(
    request: Request,
    viewer: ViewerDep,
    initiatives: Annotated[str | None, Query(max_length=500)] = None,
    learning: bool = True,
) -> JSON:
    """Who influences whom, from the timing of adoptions (leads)."""
    return influence(
        workspace_of(request),
        viewer,
        settings_of(request),
        initiatives=initiatives,
        learning=learning,
    )


def _report_response(request: Request, viewer: Any) -> Response:
    content = report_html(workspace_of(request), viewer, settings_of(request))
    return Response(
        content,
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="report.html"',
            "Cache-Control": "no-store",
        },
    )


@api.get("/report")
def api_report(request: Request, viewer: ViewerDep) -> Response:
    """The self-contained HTML report, as a download (admins: it names people)."""
    return _report_response(request, viewer)


# -- the pages -----------------------------------------------------------------------------


@pages.get("/initiatives")
def initiatives_page(request: Request, viewer: ViewerDep) -> HTMLResponse:
    data = initiatives(workspace_of(request), viewer, settings_of(request))
    return render(request, "initiatives.html", data, viewer=viewer)


def _page(
    request: Request,
    viewer: Viewer,
    initiative: int,
    *,
    problem: str = "",
    status: int = 200,
    nothing_stored: bool = False,
) -> HTMLResponse:
    data = track(workspace_of(request), viewer, settings_of(request), initiative)
    return render(
        request,
        "initiative.html",
        data,
        viewer=viewer,
        problem=problem,
        nothing_stored=nothing_stored,
        upload=_upload_form(settings_of(request)),
        status_code=status,
    )


def _upload_form(settings: WebSettings) -> JSON:
    """What the page's file input needs: the extensions and the size limit.

    >>> _upload_form(WebSettings(None, "k" * 16, max_upload_bytes=4096))["max"]
    '4 KB'
    """
    return {
        "accept": ",".join(sorted(ADOPTION_SUFFIXES)),
        "max_bytes": settings.max_upload_bytes,
        "max": megabytes(settings.max_upload_bytes),
    }


@pages.get("/initiatives/{initiative}")
def initiative_page(request: Request, viewer: ViewerDep, initiative: int) -> HTMLResponse:
    return _page(request, viewer, initiative)


@pages.post("/initiatives/{initiative}/fit", dependencies=[CsrfForm])
def fit_form(request: Request, viewer: ViewerDep, initiative: int) -> HTMLResponse:
    try:
        data = fit(workspace_of(request), viewer, settings_of(request), initiative)
    except AccessDenied:
        raise
    except InputError as exc:  # nothing to fit yet: said on the page
        return _page(request, viewer, initiative, problem=str(exc), status=400)
    return render(
        request,
        "initiative.html",
        data,
        viewer=viewer,
        problem="",
        upload=_upload_form(settings_of(request)),
    )


@pages.post("/initiatives/{initiative}/adoptions", dependencies=[CsrfForm])
def add_adoption_form(
    request: Request,
    viewer: ViewerDep,
    initiative: int,
    person: Annotated[str, Form(max_length=200)],
    adopted_at: Annotated[str, Form(max_length=40)] = "",
    evidence: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        done = add_adoption(
            workspace_of(request),
            viewer,
            settings_of(request),
            initiative,
            person=person,
            adopted_at=adopted_at,
            evidence=evidence,
        )
    except AccessDenied:
        raise
    except InputError as exc:
        return _page(request, viewer, initiative, problem=str(exc), status=400, nothing_stored=True)
    return back(
        f"/initiatives/{initiative}", f"recorded: {done['label']} adopted on {done['adopted_at']}"
    )


@pages.post("/initiatives/{initiative}/adoptions/import")
async def import_adoptions_form(request: Request, viewer: ViewerDep, initiative: int) -> Response:
    _lead(viewer)  # before a byte of the body is read
    try:
        received = await _receive_adoptions(request, csrf_header=False)
    except UploadRejected as exc:  # too large (413), not what it claims, no file (400)
        status = 413 if isinstance(exc, UploadTooLarge) else 400
        return await run_in_threadpool(_refused, request, viewer, initiative, exc, status)
    try:
        done = await _import_received(request, viewer, initiative, received)
    except InputError as exc:
        return await run_in_threadpool(_refused, request, viewer, initiative, exc, 400)
    stored = done["stored"]
    message = (
        f"{done['file']}: no adoptions in the file; nothing stored"
        if stored == 0
        else f"{done['file']}: {stored} adoptions stored ({done['from']} to {done['to']})"
    )
    return back(f"/initiatives/{initiative}", message)


def _refused(
    request: Request, viewer: Viewer, initiative: int, exc: PeerweaveError, status: int
) -> Response:
    return _page(request, viewer, initiative, problem=str(exc), status=status, nothing_stored=True)


@pages.post("/initiatives/{initiative}/adoptions/{person}/delete", dependencies=[CsrfForm])
def delete_adoption_form(
    request: Request, viewer: ViewerDep, initiative: int, person: str
) -> RedirectResponse:
    delete_adoption(workspace_of(request), viewer, settings_of(request), initiative, person=person)
    return back(f"/initiatives/{initiative}", f"deleted the adoption of {person}")


@pages.get("/influence")
def influence_page(
    request: Request,
    viewer: ViewerDep,
    initiatives: Annotated[str, Query(max_length=500)] = "",
    learning: bool = True,
) -> HTMLResponse:
    ws, settings = workspace_of(request), settings_of(request)
    _lead(viewer)
    problem = ""
    data: JSON = {}
    try:
        data = influence(ws, viewer, settings, initiatives=initiatives, learning=learning)
    except AccessDenied:
        raise
    except InputError as exc:  # nothing to infer from yet, a bad list: said on the page
        problem = str(exc)
    return render(
        request,
        "influence.html",
        data,
        viewer=viewer,
        problem=problem,
        form={"initiatives": initiatives, "learning": learning},
        status_code=400 if problem else 200,
    )


@pages.get("/report")
def report_page(request: Request, viewer: ViewerDep) -> Response:
    return _report_response(request, viewer)
