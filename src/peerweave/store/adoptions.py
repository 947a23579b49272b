"""Adoptions: who adopted an initiative's practice, when, on what evidence, recorded how."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from peerweave.errors import Problem, UnknownIdError, ValidationError
from peerweave.store._frames import (
    ColumnValues,
    bulk_insert,
    datetime_series,
    frame_of,
    text_series,
    utcnow,
)
from peerweave.store.people import check_people_known
from peerweave.store.tables import ADOPTION_SOURCES, adoptions, initiatives

__all__ = [
    "STORED_ADOPTION_COLUMNS",
    "delete_adoption",
    "initiative_start",
    "load_adoptions",
    "save_adoptions",
]

#: Columns of ``load_adoptions``.
STORED_ADOPTION_COLUMNS: tuple[str, ...] = (
    "person_id",
    "adopted_at",
    "evidence",
    "source",
    "recorded_at",
)


def _check_initiative(session: Session, initiative_id: int) -> None:
    """Raise ``UnknownIdError`` when no initiative ``initiative_id`` is stored."""
    if session.scalar(select(initiatives.c.id).where(initiatives.c.id == initiative_id)) is None:
        known = list(session.scalars(select(initiatives.c.id).order_by(initiatives.c.id)))
        listed = ", ".join(map(str, known[-10:])) if known else "none"
        raise UnknownIdError(
            f"no initiative {initiative_id} is stored; stored initiatives: {listed} "
            "(see `peerweave initiatives`)"
        )


def initiative_start(*, session: Session, initiative_id: int) -> pd.Timestamp:
    """When initiative ``initiative_id`` started (its ``started_at``, else its ``created_at``).

    >>> from peerweave.store import Store
    >>> from peerweave.store.initiatives import save_initiative
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     i = save_initiative(session=session, name="x", champions=pd.DataFrame(
    ...         {"person_id": []}), model="ic", guarantee="none", params={},
    ...         started_at="2025-01-06")
    ...     initiative_start(session=session, initiative_id=i)
    Timestamp('2025-01-06 00:00:00')
    """
    _check_initiative(session, initiative_id)
    row = session.execute(
        select(initiatives.c.started_at, initiatives.c.created_at).where(
            initiatives.c.id == initiative_id
        )
    ).one()
    return pd.Timestamp(row[0] if row[0] is not None else row[1])


def save_adoptions(
    *,
    session: Session,
    initiative_id: int,
    adoptions_frame: pd.DataFrame,
    source: str = "manual",
) -> int:
    """Store adoptions of initiative ``initiative_id``; return how many.

    ``adoptions_frame`` has ``person_id``, ``adopted_at`` (naive UTC) and optionally
    ``evidence`` (as ``peerweave.spread.validate_adoptions`` returns them). All or nothing:
    an unknown initiative or person raises ``UnknownIdError``; a person twice in the frame,
    or who already adopted this initiative's practice, raises ``ValidationError`` naming them
    — nothing is written. Run it inside ``store.transaction()``.

    >>> from peerweave.store import Store, add_people_stubs, record_import
    >>> from peerweave.store.initiatives import save_initiative
    >>> frame = pd.DataFrame({"person_id": ["a"], "adopted_at": [pd.Timestamp("2025-01-08")]})
    >>> store = Store.init("sqlite://")
    >>> with store.transaction() as session:
    ...     run = record_import(session=session, kind="ties", files=[], rows_read=0,
    ...                         records=0, report={})
    ...     _ = add_people_stubs(session=session, person_ids=["a", "b"], import_id=run)
    ...     i = save_initiative(session=session, name="x", champions=pd.DataFrame(
    ...         {"person_id": ["b"]}), model="ic", guarantee="none", params={})
    ...     save_adoptions(session=session, initiative_id=i, adoptions_frame=frame)
    ...     load_adoptions(session=session, initiative_id=i)[["person_id", "source"]]
    1
      person_id  source
    0         a  manual
    >>> with store.transaction() as session:
    ...     save_adoptions(session=session, initiative_id=i, adoptions_frame=frame)
    Traceback (most recent call last):
    ...
    peerweave.errors.ValidationError: initiative 1: 'a' already adopted (on 2025-01-08) (fix: leave them out, or delete the stored adoption first: `peerweave adoptions delete 1 a`)
    >>> store.close()
    """
    if source not in ADOPTION_SOURCES:
        raise ValueError(f"an adoption's source is one of {ADOPTION_SOURCES}, not {source!r}")
    missing = [c for c in ("person_id", "adopted_at") if c not in adoptions_frame.columns]
    if missing:
        raise ValueError(f"the adoptions frame needs {', '.join(missing)}")
    _check_initiative(session, initiative_id)
    frame = adoptions_frame.reset_index(drop=True)
    ids = text_series(frame["person_id"])
    when = datetime_series(frame["adopted_at"])
    if ids.isna().any() or when.isna().any():
        raise ValueError("person_id and adopted_at must be given in every row")
    where = f"initiative {initiative_id}"
    problems: list[Problem] = []
    for pid in sorted(set(ids[ids.duplicated()])):
        problems.append(Problem(f"{pid!r} is given twice", fix="keep one adoption per person"))
    stored = load_adoptions(session=session, initiative_id=initiative_id)
    before = stored.set_index("person_id")["adopted_at"]
    for pid in ids[ids.isin(before.index)].drop_duplicates():
        problems.append(
            Problem(
                f"{pid!r} already adopted (on {before.loc[pid]:%Y-%m-%d})",
                fix="leave them out, or delete the stored adoption first: "
                f"`peerweave adoptions delete {initiative_id} {pid}`",
            )
        )
    if problems:
        raise ValidationError(where, problems)
    check_people_known(session, ids, what=f"the adoptions of {where}")
    n = len(frame)
    evidence = (
        text_series(frame["evidence"])
        if "evidence" in frame.columns
        else pd.Series([pd.NA] * n, dtype="string")
    )
    values: dict[str, ColumnValues] = {
        "initiative_id": [int(initiative_id)] * n,
        "person_id": ids,
        "adopted_at": when,
        "evidence": evidence,
        "source": [source] * n,
        "recorded_at": [utcnow()] * n,
    }
    if n:
        bulk_insert(session, adoptions, values)
    return n


def load_adoptions(*, session: Session, initiative_id: int) -> pd.DataFrame:
    """The adoptions of initiative ``initiative_id``, by ``adopted_at`` then ``person_id``.

    Columns :data:`STORED_ADOPTION_COLUMNS`; ``evidence`` is ``string`` (``<NA>`` when none).
    An unknown initiative raises ``UnknownIdError``.

    >>> from peerweave.store import Store
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     load_adoptions(session=session, initiative_id=1)
    Traceback (most recent call last):
    ...
    peerweave.errors.UnknownIdError: no initiative 1 is stored; stored initiatives: none (see `peerweave initiatives`)
    """
    _check_initiative(session, initiative_id)
    names = list(STORED_ADOPTION_COLUMNS)
    query = (
        select(*(adoptions.c[n] for n in names))
        .where(adoptions.c.initiative_id == initiative_id)
        .order_by(adoptions.c.adopted_at, adoptions.c.person_id)
    )
    raw = frame_of(session.execute(query).all(), names)
    return pd.DataFrame(
        {
            "person_id": text_series(raw["person_id"]),
            "adopted_at": datetime_series(raw["adopted_at"]),
            "evidence": text_series(raw["evidence"]),
            "source": raw["source"].astype("str"),
            "recorded_at": datetime_series(raw["recorded_at"]),
        }
    )


def delete_adoption(*, session: Session, initiative_id: int, person_id: str) -> None:
    """Delete ``person_id``'s adoption of initiative ``initiative_id``.

    Raises ``UnknownIdError`` when the initiative is not stored or the person has no
    stored adoption of it.

    >>> from peerweave.store import Store
    >>> from peerweave.store.initiatives import save_initiative
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     i = save_initiative(session=session, name="x", champions=pd.DataFrame(
    ...         {"person_id": []}), model="ic", guarantee="none", params={})
    ...     delete_adoption(session=session, initiative_id=i, person_id="a")
    Traceback (most recent call last):
    ...
    peerweave.errors.UnknownIdError: 'a' has no stored adoption of initiative 1 (see `peerweave adoptions list 1`)
    """
    _check_initiative(session, initiative_id)
    result = session.execute(
        delete(adoptions).where(
            (adoptions.c.initiative_id == initiative_id) & (adoptions.c.person_id == person_id)
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise UnknownIdError(
            f"{person_id!r} has no stored adoption of initiative {initiative_id} "
            f"(see `peerweave adoptions list {initiative_id}`)"
        )
