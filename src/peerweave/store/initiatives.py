"""Initiatives: a stored set of champions (who, in which order, why) and how it was chosen."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import func, insert, select, update
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
from peerweave.store.analysis import _dumps
from peerweave.store.people import check_people_known
from peerweave.store.tables import INITIATIVE_KINDS, initiative_champions, initiatives

__all__ = [
    "CHAMPION_COLUMNS",
    "INITIATIVE_COLUMNS",
    "list_initiatives",
    "load_champions",
    "save_initiative",
    "set_started_at",
]

#: Columns of ``load_champions``.
CHAMPION_COLUMNS: tuple[str, ...] = ("person_id", "rank", "marginal_gain", "reason")

#: Columns of ``list_initiatives``.
INITIATIVE_COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "created_at",
    "started_at",
    "kind",
    "k",
    "model",
    "estimated_reach",
    "guarantee",
    "params",
    "champions",
)


def _naive_utc(value: object) -> datetime:
    """A date or time as the naive UTC ``datetime`` the tables store; ``ValueError`` if not one."""
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    if pd.isna(stamp):
        raise ValueError(f"started_at must be a date or time, got {value!r}")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.to_pydatetime()


def set_started_at(*, session: Session, initiative_id: int, started_at: object) -> None:
    """Record when initiative ``initiative_id`` started (``UnknownIdError`` if not stored).

    >>> from peerweave.store import Store
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     i = save_initiative(session=session, name="x", champions=pd.DataFrame(
    ...         {"person_id": []}), model="ic", guarantee="none", params={})
    ...     set_started_at(session=session, initiative_id=i, started_at="2025-01-06")
    ...     str(list_initiatives(session=session).loc[0, "started_at"])
    '2025-01-06 00:00:00'
    """
    stamp = _naive_utc(started_at)
    done = session.execute(
        update(initiatives).where(initiatives.c.id == initiative_id).values(started_at=stamp)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        raise UnknownIdError(
            f"no initiative {initiative_id} is stored (see `peerweave initiatives`)"
        )


def save_initiative(
    *,
    session: Session,
    name: str,
    champions: pd.DataFrame,
    model: str,
    guarantee: str,
    params: Mapping[str, Any],
    estimated_reach: float | None = None,
    kind: str = "champions",
    started_at: object = None,
) -> int:
    """Store one initiative and its champions; return the initiative's id.

    ``champions`` has ``person_id`` and optionally ``rank`` (default: the frame's order,
    from 1), ``marginal_gain`` (NaN stored as NULL) and ``reason``. ``k`` is the number of
    champions. ``params`` is stored as JSON. ``started_at`` (a date or time, naive UTC) is
    when the initiative began, for tracking its adoptions; default: now, its creation. Every ``person_id`` must be a stored person
    (else ``UnknownIdError``); run it inside ``store.transaction()``.

    >>> from peerweave.store import Store, add_people_stubs, record_import
    >>> chosen = pd.DataFrame({"person_id": ["b", "a"], "marginal_gain": [4.5, 1.25],
    ...                        "reason": ["reaches 4.5 more", "volunteer"]})
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     run = record_import(session=session, kind="ties", files=["t.csv"],
    ...                         rows_read=1, records=1, report={})
    ...     _ = add_people_stubs(session=session, person_ids=["a", "b"], import_id=run)
    ...     save_initiative(session=session, name="pilot", champions=chosen, model="ic",
    ...                     guarantee="(1 − 1/e − ε)", params={"k": "5%"}, estimated_reach=5.75)
    ...     load_champions(session=session)
    1
      person_id  rank  marginal_gain            reason
    0         b     1           4.50  reaches 4.5 more
    1         a     2           1.25         volunteer
    """
    if kind not in INITIATIVE_KINDS:
        raise ValueError(f"an initiative is one of {INITIATIVE_KINDS}, not {kind!r}")
    if "person_id" not in champions.columns:
        raise ValueError("the champions frame needs a person_id column")
    frame = champions.reset_index(drop=True)
    ids = text_series(frame["person_id"])
    if ids.isna().any():
        raise ValueError("person_id is missing in some rows of the champions frame")
    if ids.duplicated().any():
        raise ValueError(
            f"person_id repeated in the champions frame: {sorted(set(ids[ids.duplicated()]))[:5]}"
        )
    check_people_known(session, ids, what="the champions")
    n = len(frame)
    created = utcnow()
    start = created if started_at is None else _naive_utc(started_at)
    initiative_id = session.scalar(
        insert(initiatives)
        .values(
            name=name,
            created_at=created,
            started_at=start,
            kind=kind,
            params=_dumps(params),
            k=n,
            model=model,
            estimated_reach=None
            if estimated_reach is None or pd.isna(estimated_reach)
            else float(estimated_reach),
            guarantee=guarantee,
        )
        .returning(initiatives.c.id)
    )
    assert initiative_id is not None
    rank = (
        int_series(frame["rank"])
        if "rank" in frame.columns
        else pd.Series(range(1, n + 1), dtype="Int64")
    )
    gain = (
        pd.to_numeric(frame["marginal_gain"]).astype(float)
        if "marginal_gain" in frame.columns
        else pd.Series([float("nan")] * n, dtype=float)
    )
    reason = (
        text_series(frame["reason"]).fillna("")
        if "reason" in frame.columns
        else pd.Series([""] * n, dtype=object)
    )
    values: dict[str, ColumnValues] = {
        "initiative_id": [int(initiative_id)] * n,
        "person_id": ids,
        "rank": rank,
        "marginal_gain": gain,
        "reason": reason,
    }
    bulk_insert(session, initiative_champions, values)
    return int(initiative_id)


def list_initiatives(*, session: Session) -> pd.DataFrame:
    """Stored initiatives, newest first, with ``INITIATIVE_COLUMNS``.

    ``params`` is a dict, ``estimated_reach`` a float (NaN when unknown), ``champions``
    the number of stored champions.

    >>> from peerweave.store import Store
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     _ = save_initiative(session=session, name="empty", champions=pd.DataFrame(
    ...         {"person_id": []}), model="lt", guarantee="none", params={"seed": 1})
    ...     found = list_initiatives(session=session)
    >>> found[["id", "name", "kind", "k", "model", "champions"]]
       id   name       kind  k model  champions
    0   1  empty  champions  0    lt          0
    >>> found.loc[0, "params"], bool(pd.isna(found.loc[0, "estimated_reach"]))
    ({'seed': 1}, True)
    """
    counts = (
        select(
            initiative_champions.c.initiative_id,
            func.count().label("champions"),
        )
        .group_by(initiative_champions.c.initiative_id)
        .subquery()
    )
    names = [c for c in INITIATIVE_COLUMNS if c != "champions"]
    query = (
        select(*(initiatives.c[n] for n in names), func.coalesce(counts.c.champions, 0))
        .outerjoin(counts, counts.c.initiative_id == initiatives.c.id)
        .order_by(initiatives.c.id.desc())
    )
    raw = frame_of(session.execute(query).all(), list(INITIATIVE_COLUMNS))
    return pd.DataFrame(
        {
            "id": int_series(raw["id"]).astype("int64"),
            "name": raw["name"].astype("str"),
            "created_at": datetime_series(raw["created_at"]),
            "started_at": datetime_series(
                raw["started_at"].where(raw["started_at"].notna(), raw["created_at"])
            ),
            "kind": raw["kind"].astype("str"),
            "k": int_series(raw["k"]).astype("int64"),
            "model": raw["model"].astype("str"),
            "estimated_reach": pd.to_numeric(raw["estimated_reach"]).astype(float),
            "guarantee": raw["guarantee"].astype("str"),
            "params": pd.Series([json.loads(v) for v in raw["params"]], dtype=object),
            "champions": int_series(raw["champions"]).astype("int64"),
        }
    )


def load_champions(*, session: Session, initiative_id: int | None = None) -> pd.DataFrame:
    """The champions of initiative ``initiative_id`` (the newest when ``None``), by rank.

    Columns ``CHAMPION_COLUMNS``: ``rank`` ``int64``, ``marginal_gain`` ``float64`` (NaN
    where not estimated), ``reason`` text. Empty when no initiative is stored and
    ``initiative_id`` is ``None``; an unknown id raises ``UnknownIdError``.

    >>> from peerweave.store import Store
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     print(len(load_champions(session=session)))
    ...     load_champions(session=session, initiative_id=3)
    Traceback (most recent call last):
    ...
    peerweave.errors.UnknownIdError: no initiative 3 is stored; ...
    """
    if initiative_id is None:
        initiative_id = session.scalar(select(func.max(initiatives.c.id)))
    elif session.scalar(select(initiatives.c.id).where(initiatives.c.id == initiative_id)) is None:
        known = list(session.scalars(select(initiatives.c.id).order_by(initiatives.c.id)))
        listed = ", ".join(map(str, known[-10:])) if known else "none"
        raise UnknownIdError(
            f"no initiative {initiative_id} is stored; stored initiatives: {listed} "
            "(see `peerweave initiatives`)"
        )
    names = list(CHAMPION_COLUMNS)
    query = (
        select(*(initiative_champions.c[n] for n in names))
        .where(initiative_champions.c.initiative_id == (initiative_id or -1))
        .order_by(initiative_champions.c.rank, initiative_champions.c.person_id)
    )
    raw = frame_of(session.execute(query).all(), names)
    return pd.DataFrame(
        {
            "person_id": raw["person_id"].astype("str"),
            "rank": int_series(raw["rank"]).astype("int64"),
            "marginal_gain": pd.to_numeric(raw["marginal_gain"]).astype(float),
            "reason": text_series(raw["reason"]).fillna("").astype("str"),
        }
    )
