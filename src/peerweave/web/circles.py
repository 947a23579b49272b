"""The circles page: leads run a round of peer circles and see every circle; a member sees
their own circle (who sits with them, who hosts) and the circles they sat in before.

Views (plain JSON-ready dicts, the API returns them, the page renders them) and routes in
one module: ``GET /circles`` and ``GET /api/circles`` (``?round=N``), ``POST /circles/rounds``
and ``POST /api/circles/rounds`` (leads: form the next round and store it; the form then goes
to ``GET /circles?round=N``, so a reload forms no second round), and
``GET /api/circles/rounds/{n}/export.csv`` (leads). People are named through
:func:`~peerweave.web.privacy.directory`: names for admins and members, pseudonyms for
analysts, opted-out people nowhere; a lead's view of the circles is audited.

A stored round keeps its seats and its round figures (diversity, repeat pairs, repeats
avoided); the figures of each circle are worked out again when it is shown — its
diversity with the core's own formula (:mod:`peerweave.circles.formation`) on the people as
stored now, its repeat pairs from the earlier rounds — and the manager rule is checked
again against today's reporting lines. Every other rule held when the round was formed:
``new_circle_round`` stores no round that breaks one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

import numpy as np
import pandas as pd
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from peerweave.errors import InputError, PeerweaveError, Problem, UnknownIdError
from peerweave.web.deps import (
    CsrfForm,
    CsrfHeader,
    ViewerDep,
    back,
    render,
    settings_of,
    workspace_of,
)
from peerweave.web.privacy import AccessDenied, Viewer, directory, relabel, require_role
from peerweave.web.settings import WebSettings
from peerweave.web.views import _audit
from peerweave.workspace import Workspace

__all__ = [
    "DEFAULT_BY",
    "MAX_SECONDS",
    "RoundBody",
    "api",
    "circles",
    "formed_message",
    "new_round",
    "pages",
    "parse_by",
    "parse_size",
    "round_csv",
]

JSON = dict[str, Any]

#: What a new round mixes unless the lead says otherwise.
DEFAULT_BY = "department, level, location"
#: The longest search a web request may ask for (seconds).
MAX_SECONDS = 60.0
#: The search time a round gets unless the lead says otherwise (seconds): the 200-person
#: test organization converges well within it.
DEFAULT_SECONDS = 5.0

api = APIRouter(prefix="/api", tags=["api"])
pages = APIRouter(include_in_schema=False)


# -- parsing the form ------------------------------------------------------------------------


def parse_size(text: str) -> tuple[int, int]:
    """``"5-7"`` (or ``"6"``) as ``(min, max)``; ``InputError`` naming ``size`` otherwise.

    >>> parse_size("5-7"), parse_size(" 6 "), parse_size("4–6")
    ((5, 7), (6, 6), (4, 6))
    >>> parse_size("7-5")
    Traceback (most recent call last):
    ...
    peerweave.errors.InputError: size: '7-5' is not a circle size range (fix: give MIN-MAX with 2 <= MIN <= MAX, for instance 5-7)
    """
    parts = str(text).replace("–", "-").split("-")
    try:
        low, high = (int(parts[0]), int(parts[-1])) if len(parts) <= 2 else (0, -1)
    except ValueError:
        low, high = 0, -1
    if not 2 <= low <= high:
        raise InputError(
            "size",
            Problem(
                f"{text!r} is not a circle size range",
                fix="give MIN-MAX with 2 <= MIN <= MAX, for instance 5-7",
            ),
        )
    return low, high


def parse_by(value: str | Sequence[str] | Mapping[str, float]) -> list[str] | dict[str, float]:
    """The attributes to mix: ``"department, level"`` as a list, ``"department:2, level"``
    (any weight given) as ``{column: weight}`` (1 where none is given); a list or a dict
    passes through. ``InputError`` naming ``by`` for nothing or a weight that is no number.

    >>> parse_by("department, level, location")
    ['department', 'level', 'location']
    >>> parse_by("department:2, level")
    {'department': 2.0, 'level': 1.0}
    >>> parse_by(" ")
    Traceback (most recent call last):
    ...
    peerweave.errors.InputError: by: choose at least one column to mix circles by (fix: for instance department, level, location)
    """
    if isinstance(value, Mapping):
        weights = {str(k).strip(): float(v) for k, v in value.items() if str(k).strip()}
        if not weights:
            raise _nothing_to_mix()
        return weights
    items = value.split(",") if isinstance(value, str) else [str(v) for v in value]
    items = [i.strip() for i in items if i.strip()]
    if not items:
        raise _nothing_to_mix()
    if not any(":" in i for i in items):
        return list(dict.fromkeys(items))
    weighted: dict[str, float] = {}
    for item in items:
        name, _, weight = item.partition(":")
        try:
            weighted[name.strip()] = float(weight) if weight.strip() else 1.0
        except ValueError:
            raise InputError(
                "by",
                Problem(
                    f"the weight of {name.strip()!r} is {weight.strip()!r}, not a number",
                    fix="write column:weight, for instance department:2",
                ),
            ) from None
    return weighted


def _nothing_to_mix() -> InputError:
    return InputError(
        "by",
        Problem(
            "choose at least one column to mix circles by",
            fix="for instance department, level, location",
        ),
    )


def _by_text(by: object) -> str:
    """How a round's ``by`` parameter reads on the page.

    >>> _by_text(["department", "level"]), _by_text({"department": 2.0, "level": 1.0})
    ('department, level', 'department:2, level:1')
    """
    if isinstance(by, Mapping):
        return ", ".join(f"{k}:{float(v):g}" for k, v in by.items())
    if isinstance(by, list | tuple):
        return ", ".join(map(str, by))
    return str(by or "")


# -- the figures of a stored round ---------------------------------------------------------


def _round_row(rounds: pd.DataFrame, round_id: int | None) -> pd.Series:
    """The stored round ``round_id`` (the latest when ``None``); ``UnknownIdError`` if none."""
    if round_id is None:
        return rounds.iloc[0]
    hit = rounds.loc[rounds["id"] == int(round_id)]
    if hit.empty:
        listed = ", ".join(map(str, sorted(rounds["id"].tolist())[-10:])) or "none"
        raise UnknownIdError(f"no round {round_id} of circles is stored; stored rounds: {listed}")
    return hit.iloc[0]


def _circle_diversity(
    people: pd.DataFrame, seats: pd.DataFrame, by: object
) -> tuple[dict[int, float], dict[int, dict[str, int]]]:
    """Per circle, its diversity (the sum of ``d_ij`` over its pairs, as ``form_circles``
    counts it) and the number of distinct values of each attribute, from ``people`` as
    stored now; empty when an attribute can no longer be compared."""
    from peerweave.circles.formation import _diversity, _encode

    if isinstance(by, Mapping):
        weights = {str(k): float(v) for k, v in by.items()}
    elif isinstance(by, list | tuple):
        weights = {str(c): 1.0 for c in by}
    else:
        return {}, {}
    if seats.empty or not weights or any(c not in people.columns for c in weights):
        return {}, {}
    rows = people.assign(person_id=people["person_id"].astype(str)).set_index("person_id")
    frame = rows.reindex(seats["person_id"].astype(str)).reset_index()
    codes, labels = pd.factorize(seats["circle"].to_numpy())
    try:
        attrs = _encode(frame, weights, [])
    except PeerweaveError:
        return {}, {}
    per = _diversity(attrs, np.asarray(codes, dtype=np.int64), len(labels))
    diversity = {int(c): float(v) for c, v in zip(labels, per, strict=True)}
    distinct = attrs.values.assign(_circle=seats["circle"].to_numpy()).groupby("_circle").nunique()
    mix = {_int(c): {str(a): _int(n) for a, n in row.items()} for c, row in distinct.iterrows()}
    return diversity, mix


def _repeat_pairs(history: pd.DataFrame, seats: pd.DataFrame, round_id: int) -> dict[int, int]:
    """Per circle of round ``round_id``, the pairs of ``seats`` who shared a circle before."""
    earlier = history.loc[history["round"] < round_id, ["round", "circle", "person_id"]]
    if earlier.empty or seats.empty:
        return {}
    met = earlier.merge(earlier, on=["round", "circle"])
    met = met.loc[met["person_id_x"] < met["person_id_y"], ["person_id_x", "person_id_y"]]
    now = seats[["circle", "person_id"]].merge(seats[["circle", "person_id"]], on="circle")
    now = now.loc[now["person_id_x"] < now["person_id_y"]]
    again = now.merge(met.drop_duplicates(), on=["person_id_x", "person_id_y"])
    return {_int(c): _int(n) for c, n in again.groupby("circle").size().items()}


def _managers_apart(people: pd.DataFrame, seats: pd.DataFrame) -> str:
    """``"ok"`` when no one sits with their own manager in ``seats`` (today's reporting
    lines), else how many pairs do."""
    if "manager_id" not in people.columns:
        return "not checked: no manager_id column"
    circle_of = seats.set_index(seats["person_id"].astype(str))["circle"]
    managers = people.assign(person_id=people["person_id"].astype(str)).set_index("person_id")
    boss = managers["manager_id"].reindex(circle_of.index).astype("string")
    theirs = circle_of.reindex(boss.fillna("").to_numpy()).to_numpy()
    k = int(np.sum(pd.notna(theirs) & (theirs == circle_of.to_numpy())))
    if k == 0:
        return "ok"
    return f"{k} manager–report pairs share a circle (the reporting lines changed since)"


def _stored_check(params: Mapping[str, Any], managers: str) -> dict[str, str]:
    """The rules a stored round was formed under, each of which held then."""
    check = {"sizes": "ok", "managers": managers}
    if params.get("never"):
        check["never"] = "ok"
    if params.get("tz_window") is not None:
        check["timezone_window"] = f"ok (at most {float(params['tz_window']):g} hours apart)"
    if params.get("topic"):
        check["topic"] = f"ok (each circle has a teacher and a learner of {params['topic']})"
    check["opted_out"] = "ok"
    return check


def _round_view(
    ws: Workspace, viewer: Viewer, settings: WebSettings, rounds: pd.DataFrame, row: pd.Series
) -> JSON:
    """One stored round as a lead sees it: its figures and every circle (audited)."""
    round_id = int(row["id"])
    history = ws.circle_history()
    everyone = ws.people(include_left=True)
    people = directory(everyone, viewer, settings.key)
    all_seats = history.loc[history["round"] == round_id]
    shown = relabel(all_seats, ("person_id",), people)
    visible = all_seats.loc[all_seats["person_id"].astype(str).isin(people["person_id"])]
    params: dict[str, Any] = dict(row["params"] or {})
    diversity, mix = _circle_diversity(everyone, visible, params.get("by"))
    repeats = _repeat_pairs(history, visible, round_id)
    department = people.set_index("ref")["department"]
    circles: list[JSON] = []
    for circle, group in shown.groupby("circle", sort=True):
        members = [
            {
                "ref": ref,
                "label": label,
                "department": _text(department.get(ref)),
                "role": role,
            }
            for ref, label, role in zip(
                group["person_id"], group["person_id_label"], group["role"], strict=True
            )
        ]
        members.sort(key=lambda m: (m["role"] != "host", str(m["label"])))
        host = next(
            ({"ref": m["ref"], "label": m["label"]} for m in members if m["role"] == "host"), None
        )
        circles.append(
            {
                "circle": _int(circle),
                "size": len(members),
                "host": host,
                "members": members,
                "diversity": diversity.get(_int(circle)),
                "repeat_pairs": repeats.get(_int(circle), 0),
                "mix": mix.get(_int(circle), {}),
            }
        )
    sizes = all_seats.groupby("circle").size().to_numpy()
    pairs = float((sizes * (sizes - 1) / 2).sum())
    _audit(
        ws,
        viewer,
        "circles",
        None,
        f"round #{round_id}: {len(circles)} circles, {len(shown)} people shown",
    )
    return {
        "view": "lead",
        "rounds": _rounds_list(rounds),
        "round": {
            "id": round_id,
            "created_at": _iso(row["created_at"]),
            "by": _by_text(params.get("by")),
            "size": "-".join(map(str, params.get("size") or [])),
            "seconds": params.get("seconds"),
            "seed": params.get("seed"),
            "tz_window": params.get("tz_window"),
            "topic": params.get("topic"),
            "people": int(row["people"]),
            "circles": int(row["circles"]),
            "diversity": float(row["diversity"]),
            "pair_diversity": float(row["diversity"]) / pairs if pairs else None,
            "repeat_pairs": int(row["repeat_pairs"]),
            "repeats_avoided": float(row["repeats_avoided"]),
            "expected_repeats": None,
            "constraint_check": _stored_check(params, _managers_apart(everyone, visible)),
            "checked": "checked when the round was formed; managers again now",
            "notes": [str(n) for n in (row["notes"] or [])],
        },
        "circles": circles,
        "mine": _my_circles(ws, viewer, settings) if viewer.person_id is not None else None,
        "notes": [],
    }


def _rounds_list(rounds: pd.DataFrame) -> list[JSON]:
    return [
        {
            "id": int(r["id"]),
            "created_at": _iso(r["created_at"]),
            "by": _by_text((r["params"] or {}).get("by")),
            "people": int(r["people"]),
            "circles": int(r["circles"]),
            "diversity": float(r["diversity"]),
            "repeat_pairs": int(r["repeat_pairs"]),
            "repeats_avoided": float(r["repeats_avoided"]),
        }
        for r in rounds.to_dict("records")
    ]


def _iso(value: object) -> str | None:
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return None
    return pd.Timestamp(value).isoformat(sep=" ", timespec="minutes")  # type: ignore[arg-type]


def _int(value: Any) -> int:
    """``value`` (a numpy or pandas scalar) as an ``int``.

    >>> _int(np.int64(3))
    3
    """
    return int(value)


def _text(value: object) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value)


# -- a member's circles --------------------------------------------------------------------


def _my_circles(ws: Workspace, viewer: Viewer, settings: WebSettings) -> JSON:
    """The viewer's circle in the latest round (everyone in it, who hosts) and their
    circles in earlier rounds, newest first, with a friendly message when there is none."""
    me = viewer.person_id
    rounds = ws.circle_rounds()
    if me is None:
        return _mine(None, [], "your account is linked to no person, so you sit in no circle")
    if rounds.empty:
        return _mine(
            None, [], "no round of circles has been formed yet: you will find your circle here"
        )
    history = ws.circle_history()
    people = directory(ws.people(include_left=True), viewer, settings.key)
    when = {int(r["id"]): _iso(r["created_at"]) for r in rounds.to_dict("records")}
    mine = history.loc[history["person_id"].astype(str) == me, ["round", "circle"]]
    seats = history.merge(mine, on=["round", "circle"])
    shown = relabel(seats, ("person_id",), people)
    latest = int(rounds.iloc[0]["id"])
    own = people.loc[people["person_id"] == me, "ref"]
    my_ref = str(own.iloc[0]) if len(own) else me
    found: list[JSON] = []
    for (round_id, circle), group in shown.groupby(["round", "circle"], sort=True):
        members = [
            {
                "label": label,
                "department": _text(dept),
                "role": role,
                "me": pid == my_ref,
            }
            for pid, label, dept, role in zip(
                group["person_id"],
                group["person_id_label"],
                group["person_id"].map(people.set_index("ref")["department"]),
                group["role"],
                strict=True,
            )
        ]
        members.sort(key=lambda m: (not m["me"], m["role"] != "host", str(m["label"])))
        host = next((m for m in members if m["role"] == "host"), None)
        found.append(
            {
                "round": _int(round_id),
                "created_at": when.get(_int(round_id)),
                "circle": _int(circle),
                "host": None if host is None else {"label": host["label"], "me": host["me"]},
                "members": members,
            }
        )
    found.sort(key=lambda c: -int(c["round"]))
    current = next((c for c in found if c["round"] == latest), None)
    past = [c for c in found if c["round"] != latest]
    if current is not None:
        message = ""
    elif past:
        message = f"you are not in the latest round (#{latest}); your earlier circles are below"
    else:
        message = "you are not in any round of circles yet"
    return _mine(current, past, message, latest=latest)


def _mine(
    current: JSON | None, past: list[JSON], message: str, *, latest: int | None = None
) -> JSON:
    return {
        "view": "member",
        "latest_round": latest,
        "circle": current,
        "past": past,
        "message": message,
    }


# -- the views -----------------------------------------------------------------------------


def circles(
    ws: Workspace, viewer: Viewer, settings: WebSettings, *, round_id: int | None = None
) -> JSON:
    """What the circles page shows: for a lead, the stored rounds and every circle of the
    latest round (or ``round_id``), audited; for a member, their own circles only.

    >>> from peerweave.web.settings import WebSettings
    >>> with Workspace.open("sqlite://", create=True) as ws:
    ...     circles(ws, Viewer("m", "member", "P1"), WebSettings(None, "k" * 16))["message"]
    'no round of circles has been formed yet: you will find your circle here'
    """
    if not viewer.is_lead:
        return _my_circles(ws, viewer, settings)
    rounds = ws.circle_rounds()
    if rounds.empty:
        if round_id is not None:
            _round_row(rounds, round_id)
        return {
            "view": "lead",
            "rounds": [],
            "round": None,
            "circles": [],
            "mine": _my_circles(ws, viewer, settings) if viewer.person_id is not None else None,
            "notes": ["no round of circles is stored yet: form the first one below"],
        }
    return _round_view(ws, viewer, settings, rounds, _round_row(rounds, round_id))


def new_round(
    ws: Workspace,
    viewer: Viewer,
    settings: WebSettings,
    *,
    by: str | Sequence[str] | Mapping[str, float] = DEFAULT_BY,
    size: str = "5-7",
    seconds: float = DEFAULT_SECONDS,
    seed: int = 0,
    tz_window: float | None = None,
    topic: str | None = None,
) -> JSON:
    """Form the next round of circles among the active people and store it (leads only);
    the new round as :func:`circles` shows it, with the checks and figures of the search.
    A bad size, an unknown column, rules that cannot all hold: ``PeerweaveError``, and
    nothing is stored.

    >>> from peerweave.web.settings import WebSettings
    >>> with Workspace.open("sqlite://", create=True) as ws:
    ...     new_round(ws, Viewer("a", "admin", None), WebSettings(None, "k" * 16), seconds=99)
    Traceback (most recent call last):
    ...
    peerweave.errors.InputError: seconds: 99 seconds is too long for a page to wait (fix: give more than 0 and at most 60 seconds)
    """
    require_role(viewer, "admin", "analyst")
    bounds = parse_size(size)
    columns = parse_by(by)
    if not 0 < seconds <= MAX_SECONDS:
        raise InputError(
            "seconds",
            Problem(
                f"{seconds:g} seconds is too long for a page to wait"
                if seconds > MAX_SECONDS
                else f"{seconds:g} seconds leaves no time to search",
                fix=f"give more than 0 and at most {MAX_SECONDS:g} seconds",
            ),
        )
    if tz_window is not None and not 0 <= tz_window <= 26:
        raise InputError(
            "tz_window",
            Problem(
                f"{tz_window:g} hours is not a time-zone window",
                fix="give 0 to 26 hours, or leave it empty",
            ),
        )
    if seed < 0:
        raise InputError("seed", Problem(f"{seed} is negative", fix="give 0 or more"))
    result = ws.new_circle_round(
        by=columns,
        size=bounds,
        seconds=seconds,
        seed=seed,
        tz_window=tz_window,
        topic=(topic or "").strip() or None,
        save=True,
    )
    rounds = ws.circle_rounds()
    shown = _round_view(ws, viewer, settings, rounds, rounds.iloc[0])
    exact = result.per_circle.set_index("circle")["diversity"]
    for circle in shown["circles"]:
        circle["diversity"] = float(exact.get(circle["circle"], np.nan))
    shown["round"].update(
        {
            "pair_diversity": float(result.pair_diversity),
            "expected_repeats": float(result.expected_repeats),
            "constraint_check": dict(result.constraint_check),
            "checked": "checked just now, on the circles formed",
            "search_seconds": float(result.seconds),
        }
    )
    shown["formed"] = True
    return shown


def round_csv(ws: Workspace, viewer: Viewer, settings: WebSettings, round_id: int) -> str:
    """Round ``round_id`` as CSV (``round, circle, person_id, role``; ``person_id`` as the
    viewer names people: analysts get pseudonyms; opted-out people left out), leads only.

    >>> from peerweave.web.settings import WebSettings
    >>> with Workspace.open("sqlite://", create=True) as ws:
    ...     round_csv(ws, Viewer("a", "analyst", None), WebSettings(None, "k" * 16), 1)
    Traceback (most recent call last):
    ...
    peerweave.errors.UnknownIdError: no round 1 of circles is stored; stored rounds: none
    """
    require_role(viewer, "admin", "analyst")
    _round_row(ws.circle_rounds(), round_id)
    history = ws.circle_history()
    seats = history.loc[history["round"] == round_id, ["round", "circle", "person_id", "role"]]
    people = directory(ws.people(include_left=True), viewer, settings.key)
    shown = relabel(seats, ("person_id",), people)
    _audit(ws, viewer, "circles export", None, f"round #{round_id}: {len(shown)} people")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["round", "circle", "person_id", "role"])
    for row in shown[["round", "circle", "person_id", "role"]].itertuples(index=False):
        writer.writerow([int(row[0]), int(row[1]), _cell(str(row[2])), row[3]])
    return out.getvalue()


def _cell(text: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula.

    >>> _cell("P001"), _cell("=HYPERLINK()")
    ('P001', "'=HYPERLINK()")
    """
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


# -- the JSON API --------------------------------------------------------------------------


class RoundBody(BaseModel):
    by: str | list[str] | dict[str, float] = Field(
        DEFAULT_BY,
        description="columns to mix: 'department, level', 'department:2, level' or a list "
        "or {column: weight}",
    )
    size: str = Field("5-7", max_length=20, description="circle size MIN-MAX")
    seconds: float = Field(DEFAULT_SECONDS, description=f"search time, at most {MAX_SECONDS:g} s")
    seed: int = 0
    tz_window: float | None = Field(None, description="most hours between circle-mates")
    topic: str | None = Field(None, max_length=200, description="a skill each circle shares")


@api.get("/circles")
def api_circles(
    request: Request, viewer: ViewerDep, round: Annotated[int | None, Query(ge=1)] = None
) -> JSON:
    """Leads: the stored rounds and every circle of the latest round (or ``round``);
    members: their own circle in the latest round and their earlier circles."""
    return circles(workspace_of(request), viewer, settings_of(request), round_id=round)


@api.post("/circles/rounds", dependencies=[CsrfHeader])
def api_new_round(request: Request, viewer: ViewerDep, body: RoundBody) -> JSON:
    """Form the next round of circles and store it (leads); returns the new round."""
    if len(str(body.by)) > 1000:
        raise InputError("by", Problem("too long", fix="name a few columns"))
    return new_round(workspace_of(request), viewer, settings_of(request), **body.model_dump())


@api.get("/circles/rounds/{round_id}/export.csv")
def api_round_csv(request: Request, viewer: ViewerDep, round_id: int) -> Response:
    """Round ``round_id`` as CSV: ``round, circle, person_id, role`` (leads)."""
    text = round_csv(workspace_of(request), viewer, settings_of(request), round_id)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="circles-round-{round_id}.csv"',
            "Cache-Control": "no-store",
        },
    )


# -- the page ------------------------------------------------------------------------------

_FORM_DEFAULTS = {
    "by": DEFAULT_BY,
    "size": "5-7",
    "seconds": f"{DEFAULT_SECONDS:g}",
    "seed": "0",
    "tz_window": "",
    "topic": "",
}


@pages.get("/circles")
def circles_page(
    request: Request, viewer: ViewerDep, round: Annotated[int | None, Query(ge=1)] = None
) -> HTMLResponse:
    data = circles(workspace_of(request), viewer, settings_of(request), round_id=round)
    return render(request, "circles.html", data, viewer=viewer, form=_FORM_DEFAULTS, problem="")


def _number(text: str, name: str, kind: type[float] | type[int]) -> Any:
    text = text.strip()
    if not text:
        return None
    try:
        return kind(text)
    except ValueError:
        raise InputError(name, Problem(f"{text!r} is not a number", fix="write a number")) from None


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


@pages.post("/circles/rounds", dependencies=[CsrfForm])
def new_round_form(
    request: Request,
    viewer: ViewerDep,
    by: Annotated[str, Form(max_length=1000)] = DEFAULT_BY,
    size: Annotated[str, Form(max_length=20)] = "5-7",
    seconds: Annotated[str, Form(max_length=20)] = "",
    seed: Annotated[str, Form(max_length=20)] = "",
    tz_window: Annotated[str, Form(max_length=20)] = "",
    topic: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Form a round; stored: 303 to the page showing it (post/redirect/get: a reload forms
    no second round), what the search found in the message; a mistake: the form again, as
    typed, with the reason (400, nothing stored)."""
    ws, settings = workspace_of(request), settings_of(request)
    require_role(viewer, "admin", "analyst")
    form = {
        "by": by,
        "size": size,
        "seconds": seconds,
        "seed": seed,
        "tz_window": tz_window,
        "topic": topic,
    }
    try:
        data = new_round(
            ws,
            viewer,
            settings,
            by=by,
            size=size,
            seconds=_or(_number(seconds, "seconds", float), DEFAULT_SECONDS),
            seed=_or(_number(seed, "seed", int), 0),
            tz_window=_number(tz_window, "tz_window", float),
            topic=topic or None,
        )
    except AccessDenied:
        raise
    except PeerweaveError as exc:  # said on the page, beside the form kept as typed
        data = circles(ws, viewer, settings)
        return render(
            request,
            "circles.html",
            data,
            viewer=viewer,
            form=form,
            problem=str(exc),
            status_code=400,
        )
    return back(f"/circles?round={data['round']['id']}", formed_message(data))


def formed_message(data: JSON) -> str:
    """What the page says after a round is formed (:func:`new_round`'s answer): the
    figures of the search that a stored round does not keep.

    >>> formed_message({"round": {"id": 4, "circles": 30, "people": 198, "diversity": 812.5,
    ...     "pair_diversity": 0.61, "repeat_pairs": 2, "expected_repeats": 9.4,
    ...     "constraint_check": {"managers": "ok"}, "search_seconds": 1.02}})
    'round #4 formed: 30 circles, 198 people seated; diversity 812.5 (0.61 per pair); 2 pairs who met before (a random grouping: 9.4); every rule holds (managers); searched 1.0 s'
    """
    r = data["round"]
    checked = {rule.replace("_", " "): verdict for rule, verdict in r["constraint_check"].items()}
    broken = [rule for rule, verdict in checked.items() if verdict != "ok"]
    rules = (
        f"rules not held: {', '.join(broken)}"
        if broken
        else f"every rule holds ({', '.join(checked)})"
    )
    return (
        f"round #{r['id']} formed: {r['circles']} circles, {r['people']} people seated; "
        f"diversity {r['diversity']:.1f} ({r['pair_diversity']:.2f} per pair); "
        f"{r['repeat_pairs']} pairs who met before (a random grouping: "
        f"{r['expected_repeats']:.1f}); {rules}; searched {r['search_seconds']:.1f} s"
    )
