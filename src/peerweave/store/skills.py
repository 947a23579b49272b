"""Skills per person: save a frame (replacing each listed person's rows) and read them back."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from peerweave.org.schema import DEFAULT_CAPACITY, SKILL_LEVELS, SKILLS_COLUMNS
from peerweave.store._frames import (
    IN_LIST_SIZE,
    bool_series,
    bulk_insert,
    chunks,
    frame_of,
    int_series,
    python_values,
    text_series,
)
from peerweave.store.people import check_people_known
from peerweave.store.tables import person_skills

__all__ = ["load_skills", "save_skills"]


def save_skills(
    *, session: Session, skills: pd.DataFrame, import_id: int, replace_people: bool = True
) -> int:
    """Save skill rows; return how many were written.

    With ``replace_people`` every person in the frame loses the skill rows stored
    before (the frame is their whole inventory); without it, rows are upserted
    by (person, skill) and other skills stay. Missing ``can_teach`` /
    ``wants_to_learn`` read as false, missing ``capacity`` as ``DEFAULT_CAPACITY``.

    >>> from peerweave.store import Store, add_people_stubs, record_import
    >>> first = pd.DataFrame({"person_id": ["a", "a"], "skill": ["sql", "go"], "level": [3, 1]})
    >>> again = pd.DataFrame({"person_id": ["a"], "skill": ["rust"], "level": [2]})
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     run = record_import(session=session, kind="skills", files=["s.csv"],
    ...                         rows_read=2, records=2, report={})
    ...     _ = add_people_stubs(session=session, person_ids=["a"], import_id=run)
    ...     save_skills(session=session, skills=first, import_id=run)
    ...     save_skills(session=session, skills=again, import_id=run)
    ...     load_skills(session=session)["skill"].tolist()
    2
    1
    ['rust']
    """
    n = len(skills)
    for column in ("person_id", "skill", "level"):
        if column not in skills.columns or skills[column].isna().any():
            raise ValueError(f"{column} is missing in some rows of the skills frame")
    levels = int_series(skills["level"])
    if not levels.between(SKILL_LEVELS.start, SKILL_LEVELS.stop - 1).all():
        raise ValueError("skill level outside 0–4 in the skills frame")
    person_ids = text_series(skills["person_id"])
    check_people_known(session, person_ids, what="the skills")
    pairs = pd.DataFrame({"p": person_ids, "s": text_series(skills["skill"])})
    if pairs.duplicated().any():
        raise ValueError("a (person_id, skill) pair is repeated in the skills frame")

    def optional_bool(column: str) -> list[object]:
        if column not in skills.columns:
            return [False] * n
        return python_values(bool_series(skills[column]))

    capacity = (
        int_series(skills["capacity"]).fillna(DEFAULT_CAPACITY)
        if "capacity" in skills.columns
        else pd.Series([DEFAULT_CAPACITY] * n, dtype="Int64")
    )
    values = {
        "person_id": python_values(person_ids),
        "skill": python_values(pairs["s"]),
        "level": python_values(levels),
        "can_teach": optional_bool("can_teach"),
        "wants_to_learn": optional_bool("wants_to_learn"),
        "capacity": python_values(capacity),
        "import_id": [import_id] * n,
    }
    if replace_people:
        for part in chunks(pd.unique(person_ids).tolist(), IN_LIST_SIZE):
            session.execute(delete(person_skills).where(person_skills.c.person_id.in_(part)))
        return bulk_insert(session, person_skills, values)
    key = ["person_id", "skill"]
    update = [c for c in values if c not in key]
    return bulk_insert(session, person_skills, values, conflict=key, update=update)


def load_skills(*, session: Session) -> pd.DataFrame:
    """Skill rows as a frame with ``SKILLS_COLUMNS``, sorted by person and skill.

    ``level`` and ``capacity`` are ``Int64``; ``can_teach`` / ``wants_to_learn`` ``bool``.

    >>> from peerweave.store import Store
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     load_skills(session=session).dtypes.astype(str).tolist()
    ['str', 'str', 'Int64', 'bool', 'bool', 'Int64']
    """
    names = list(SKILLS_COLUMNS)
    query = select(*(person_skills.c[n] for n in names)).order_by(
        person_skills.c.person_id, person_skills.c.skill
    )
    raw = frame_of(session.execute(query).all(), names)
    return pd.DataFrame(
        {
            "person_id": raw["person_id"].astype("str"),
            "skill": raw["skill"].astype("str"),
            "level": int_series(raw["level"]),
            "can_teach": bool_series(raw["can_teach"]),
            "wants_to_learn": bool_series(raw["wants_to_learn"]),
            "capacity": int_series(raw["capacity"]),
        }
    )
