"""Peer circles: stored rounds (parameters, diversity, repeats) and who sat in which circle."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from peerweave.store._frames import (
    ColumnValues,
    bulk_insert,
    datetime_series,
    frame_of,
    int_series,
    text_series,
    utcnow,
)
from peerweave.store.analysis import _dumps
from peerweave.store.people import check_people_known
from peerweave.store.tables import CIRCLE_ROLES, circle_members, circle_rounds

__all__ = [
    "CIRCLE_HISTORY_COLUMNS",
    "CIRCLE_ROUND_COLUMNS",
    "list_rounds",
    "load_history",
    "save_round",
]

#: Columns of ``load_history`` (what ``form_circles(history=...)`` reads).
CIRCLE_HISTORY_COLUMNS: tuple[str, ...] = ("round", "circle", "person_id", "role")

#: Columns of ``list_rounds``.
CIRCLE_ROUND_COLUMNS: tuple[str, ...] = (
    "id",
    "created_at",
    "diversity",
    "repeat_pairs",
    "repeats_avoided",
    "params",
    "notes",
    "people",
    "circles",
)


def save_round(
    *,
    session: Session,
    assignment: pd.DataFrame,
    params: Mapping[str, Any],
    diversity: float,
    repeat_pairs: int,
    repeats_avoided: float,
    notes: Sequence[str] = (),
) -> int:
    """Store one round of circles (``assignment``: ``person_id, circle, role``); return its id.

    Every ``person_id`` must be a stored person (else ``UnknownIdError``); run it inside
    ``store.transaction()`` so the round and its members are stored together or not at all.

    >>> from peerweave.store import Store, add_people_stubs, record_import
    >>> seats = pd.DataFrame({"person_id": ["a", "b", "c"], "circle": [1, 1, 2],
    ...                       "role": ["host", "member", "host"]})
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     run = record_import(session=session, kind="ties", files=["t.csv"],
    ...                         rows_read=1, records=1, report={})
    ...     _ = add_people_stubs(session=session, person_ids=["a", "b", "c"], import_id=run)
    ...     save_round(session=session, assignment=seats, params={"size": [2, 3]},
    ...                diversity=1.0, repeat_pairs=0, repeats_avoided=0.0)
    ...     load_history(session=session)
    1
       round  circle person_id    role
    0      1       1         a    host
    1      1       1         b  member
    2      1       2         c    host
    """
    missing = [c for c in ("person_id", "circle", "role") if c not in assignment.columns]
    if missing:
        raise ValueError(f"the assignment frame needs the columns {missing}")
    frame = assignment.reset_index(drop=True)
    ids = text_series(frame["person_id"])
    if ids.isna().any() or ids.duplicated().any():
        raise ValueError("person_id must be given once per row of the assignment frame")
    roles = text_series(frame["role"])
    bad = sorted(
        set(roles.dropna()) - set(CIRCLE_ROLES) | ({"<missing>"} if roles.isna().any() else set())
    )
    if bad:
        raise ValueError(f"a circle role is one of {CIRCLE_ROLES}, not {bad[:5]}")
    check_people_known(session, ids, what="the circles")
    round_id = session.scalar(
        insert(circle_rounds)
        .values(
            created_at=utcnow(),
            params=_dumps(params),
            diversity=float(diversity),
            repeat_pairs=int(repeat_pairs),
            repeats_avoided=float(repeats_avoided),
            notes=json.dumps(list(notes)),
        )
        .returning(circle_rounds.c.id)
    )
    assert round_id is not None
    n = len(frame)
    values: dict[str, ColumnValues] = {
        "round_id": [int(round_id)] * n,
        "person_id": ids,
        "circle": int_series(frame["circle"]),
        "role": roles,
    }
    bulk_insert(session, circle_members, values)
    return int(round_id)


def load_history(*, session: Session) -> pd.DataFrame:
    """Every stored seat, oldest round first: ``CIRCLE_HISTORY_COLUMNS`` (``round`` is the id).

    >>> from peerweave.store import Store
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     list(load_history(session=session).columns)
    ['round', 'circle', 'person_id', 'role']
    """
    c = circle_members.c
    query = select(c.round_id, c.circle, c.person_id, c.role).order_by(
        c.round_id, c.circle, c.role, c.person_id
    )
    raw = frame_of(session.execute(query).all(), list(CIRCLE_HISTORY_COLUMNS))
    return pd.DataFrame(
        {
            "round": int_series(raw["round"]).astype("int64"),
            "circle": int_series(raw["circle"]).astype("int64"),
            "person_id": raw["person_id"].astype("str"),
            "role": raw["role"].astype("str"),
        }
    )


def list_rounds(*, session: Session) -> pd.DataFrame:
    """Stored rounds of circles, newest first, with ``CIRCLE_ROUND_COLUMNS``.

    ``params`` is a dict, ``notes`` a list; ``people`` and ``circles`` are counts.

    >>> from peerweave.store import Store
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     len(list_rounds(session=session))
    0
    """
    c = circle_members.c
    counts = (
        select(
            c.round_id,
            func.count().label("people"),
            func.count(func.distinct(c.circle)).label("circles"),
        )
        .group_by(c.round_id)
        .subquery()
    )
    names = [n for n in CIRCLE_ROUND_COLUMNS if n not in ("people", "circles")]
    query = (
        select(
            *(circle_rounds.c[n] for n in names),
            func.coalesce(counts.c.people, 0),
            func.coalesce(counts.c.circles, 0),
        )
        .outerjoin(counts, counts.c.round_id == circle_rounds.c.id)
        .order_by(circle_rounds.c.id.desc())
    )
    raw = frame_of(session.execute(query).all(), list(CIRCLE_ROUND_COLUMNS))
    return pd.DataFrame(
        {
            "id": int_series(raw["id"]).astype("int64"),
            "created_at": datetime_series(raw["created_at"]),
            "diversity": pd.to_numeric(raw["diversity"]).astype(float),
            "repeat_pairs": int_series(raw["repeat_pairs"]).astype("int64"),
            "repeats_avoided": pd.to_numeric(raw["repeats_avoided"]).astype(float),
            "params": pd.Series([json.loads(v) for v in raw["params"]], dtype=object),
            "notes": pd.Series([json.loads(v) for v in raw["notes"]], dtype=object),
            "people": int_series(raw["people"]).astype("int64"),
            "circles": int_series(raw["circles"]).astype("int64"),
        }
    )
