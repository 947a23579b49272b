"""Network analyses: save a run (options, headline figures, per-person metrics); read them back."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from peerweave.errors import UnknownIdError
from peerweave.store._frames import (
    ColumnValues,
    bulk_insert,
    datetime_series,
    frame_of,
    int_series,
    text_series,
    utcnow,
)
from peerweave.store.people import check_people_known
from peerweave.store.tables import (
    METRIC_FLOAT_COLUMNS,
    METRIC_INT_COLUMNS,
    analysis_runs,
    person_metrics,
)

__all__ = [
    "PERSON_METRIC_COLUMNS",
    "RUN_COLUMNS",
    "latest_run_id",
    "list_analysis_runs",
    "load_person_metrics",
    "save_analysis",
]

#: Columns of ``load_person_metrics``: ``EXPORT_COLUMNS`` of ``peerweave.network.analysis``.
PERSON_METRIC_COLUMNS: tuple[str, ...] = (
    "person_id",
    *(c.name for c in person_metrics.columns if c.name not in ("run_id", "person_id")),
)

#: Columns of ``list_analysis_runs``.
RUN_COLUMNS: tuple[str, ...] = (
    "id",
    "created_at",
    "kinds",
    "window_start",
    "window_end",
    "people",
    "ties",
    "params",
    "summary",
    "notes",
)


def _jsonable(value: Any) -> Any:
    """Plain JSON values: numpy scalars unwrapped, NaN and infinities as ``None``."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset | np.ndarray):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _dumps(value: Any) -> str:
    return json.dumps(_jsonable(value), ensure_ascii=False, allow_nan=False, default=str)


def _when(value: object) -> datetime | None:
    """A timestamp-like value as the naive UTC datetime the tables store."""
    if value is None:
        return None
    stamp = datetime_series(pd.Series([value])).iloc[0]
    return None if pd.isna(stamp) else stamp.to_pydatetime()


def _count(summary: Mapping[str, Any], key: str, fallback: int) -> int:
    value = summary.get(key)
    return fallback if value is None else int(value)


def save_analysis(
    *,
    session: Session,
    people: pd.DataFrame,
    summary: Mapping[str, Any],
    params: Mapping[str, Any],
    kinds: Sequence[str] | None = None,
    start: object = None,
    end: object = None,
    notes: Sequence[str] = (),
) -> int:
    """Store one analysis run and its per-person metrics; return the run id.

    ``people`` has ``person_id`` and any of the metric columns of ``person_metrics``
    (``PERSON_METRIC_COLUMNS``; extra columns are ignored, missing ones stored as NULL).
    NaN is stored as NULL. ``summary`` and ``params`` are stored as JSON (numpy numbers
    unwrapped, NaN as ``null``); the run's ``people`` and ``ties`` counts are
    ``summary["people"]`` and ``summary["ties"]`` (else the frame's length and 0).
    ``kinds`` ``None`` means every tie kind. Every ``person_id`` must be a stored person
    (else ``UnknownIdError``). Rows go in bulk (``COPY`` on PostgreSQL); run it inside
    ``store.transaction()`` so that a failure stores nothing.

    >>> from peerweave.store import Store, add_people_stubs, record_import
    >>> metrics = pd.DataFrame({"person_id": ["a", "b"], "degree": [1, 1],
    ...                         "clustering": [float("nan"), 0.5], "roles": ["broker", ""]})
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     run = record_import(session=session, kind="ties", files=["t.csv"],
    ...                         rows_read=1, records=1, report={})
    ...     _ = add_people_stubs(session=session, person_ids=["a", "b"], import_id=run)
    ...     save_analysis(session=session, people=metrics, summary={"people": 2, "ties": 1},
    ...                   params={"seed": 0}, kinds=["advice"], notes=["a note"])
    ...     load_person_metrics(session=session)[["person_id", "degree", "clustering", "roles"]]
    1
      person_id  degree  clustering   roles
    0         a       1         NaN  broker
    1         b       1         0.5
    """
    if "person_id" not in people.columns:
        raise ValueError("the metrics frame needs a person_id column")
    ids = text_series(people["person_id"]).reset_index(drop=True)
    if ids.isna().any():
        raise ValueError("person_id is missing in some rows of the metrics frame")
    if ids.duplicated().any():
        raise ValueError(
            f"person_id repeated in the metrics frame: {sorted(set(ids[ids.duplicated()]))[:5]}"
        )
    check_people_known(session, ids, what="the analysis")
    n = len(ids)
    frame = people.reset_index(drop=True)
    run_id = session.scalar(
        insert(analysis_runs)
        .values(
            created_at=utcnow(),
            params=_dumps(params),
            kinds=None if kinds is None else _dumps(list(kinds)),
            window_start=_when(start),
            window_end=_when(end),
            people=_count(summary, "people", n),
            ties=_count(summary, "ties", 0),
            summary=_dumps(summary),
            notes=_dumps(list(notes)),
        )
        .returning(analysis_runs.c.id)
    )
    assert run_id is not None
    values: dict[str, ColumnValues] = {"run_id": [int(run_id)] * n, "person_id": ids}
    for column in PERSON_METRIC_COLUMNS[1:]:  # in the table's order, as bulk_insert binds
        if column not in frame.columns:
            values[column] = [None] * n if column != "roles" else [""] * n
        elif column in METRIC_INT_COLUMNS:
            values[column] = int_series(frame[column])
        elif column in METRIC_FLOAT_COLUMNS:
            values[column] = pd.to_numeric(frame[column]).astype(float)
        else:
            values[column] = text_series(frame[column]).fillna("")
    bulk_insert(session, person_metrics, values)
    return int(run_id)


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def list_analysis_runs(*, session: Session) -> pd.DataFrame:
    """Stored analysis runs, newest first, with ``RUN_COLUMNS``.

    ``kinds`` is a list of tie kinds (``None``: every kind); ``params`` and ``summary``
    are dicts, ``notes`` a list; the window is ``datetime64[ns]`` (NaT when open).

    >>> from peerweave.store import Store
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     _ = save_analysis(session=session, people=pd.DataFrame({"person_id": []}),
    ...                       summary={"people": 0, "ties": 0, "modularity": None}, params={})
    ...     runs = list_analysis_runs(session=session)
    >>> runs[["id", "kinds", "people", "ties"]]
       id kinds  people  ties
    0   1  None       0     0
    >>> runs.loc[0, "summary"]
    {'people': 0, 'ties': 0, 'modularity': None}
    """
    names = list(RUN_COLUMNS)
    query = select(*(analysis_runs.c[n] for n in names)).order_by(analysis_runs.c.id.desc())
    raw = frame_of(session.execute(query).all(), names)
    return pd.DataFrame(
        {
            "id": int_series(raw["id"]).astype("int64"),
            "created_at": datetime_series(raw["created_at"]),
            "kinds": pd.Series([_loads(v) for v in raw["kinds"]], dtype=object),
            "window_start": datetime_series(raw["window_start"]),
            "window_end": datetime_series(raw["window_end"]),
            "people": int_series(raw["people"]).astype("int64"),
            "ties": int_series(raw["ties"]).astype("int64"),
            "params": pd.Series([_loads(v) for v in raw["params"]], dtype=object),
            "summary": pd.Series([_loads(v) for v in raw["summary"]], dtype=object),
            "notes": pd.Series([_loads(v) for v in raw["notes"]], dtype=object),
        }
    )


def latest_run_id(*, session: Session) -> int | None:
    """The id of the newest analysis run, ``None`` when none is stored.

    >>> from peerweave.store import Store
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     print(latest_run_id(session=session))
    None
    """
    latest = session.scalar(select(func.max(analysis_runs.c.id)))
    return None if latest is None else int(latest)


def load_person_metrics(*, session: Session, run_id: int | None = None) -> pd.DataFrame:
    """Per-person metrics of run ``run_id`` (the newest run when ``None``), by ``person_id``.

    Columns ``PERSON_METRIC_COLUMNS``: whole numbers as ``Int64``, the rest ``float64``
    (NaN where undefined), ``roles`` text (``""`` for none). With no run stored and
    ``run_id=None`` the frame is empty; an unknown ``run_id`` raises ``UnknownIdError``.

    >>> from peerweave.store import Store
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     print(len(load_person_metrics(session=session)))
    ...     load_person_metrics(session=session, run_id=7)
    Traceback (most recent call last):
    ...
    peerweave.errors.UnknownIdError: no analysis run 7 is stored; ...
    """
    if run_id is None:
        run_id = latest_run_id(session=session)
    elif session.scalar(select(analysis_runs.c.id).where(analysis_runs.c.id == run_id)) is None:
        known = list(session.scalars(select(analysis_runs.c.id).order_by(analysis_runs.c.id)))
        listed = ", ".join(map(str, known[-10:])) if known else "none"
        raise UnknownIdError(
            f"no analysis run {run_id} is stored; stored runs: {listed} (see `peerweave analyses`)"
        )
    names = list(PERSON_METRIC_COLUMNS)
    query = (
        select(*(person_metrics.c[n] for n in names))
        .where(person_metrics.c.run_id == (-1 if run_id is None else run_id))
        .order_by(person_metrics.c.person_id)
    )
    raw = frame_of(session.execute(query).all(), names)
    out: dict[str, pd.Series] = {"person_id": raw["person_id"].astype("str")}
    for column in names[1:]:
        if column in METRIC_INT_COLUMNS:
            out[column] = int_series(raw[column])
        elif column in METRIC_FLOAT_COLUMNS:
            out[column] = pd.to_numeric(raw[column]).astype(float)
        else:
            out[column] = text_series(raw[column]).fillna("").astype("str")
    return pd.DataFrame(out)
