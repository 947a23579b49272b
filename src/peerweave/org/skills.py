"""Skills per person: normalising skill names and validating a skills table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from peerweave.errors import Problem, ValidationError
from peerweave.org.schema import (
    DEFAULT_CAPACITY,
    SKILLS_COLUMNS,
    parse_bool,
    parse_int,
    rows_of,
)

__all__ = ["normalise_skill", "validate_skills"]


def normalise_skill(names: pd.Series) -> pd.Series:
    """Skill names in one form: trimmed, inner spaces folded, lower case.

    >>> normalise_skill(pd.Series(["  Public   Speaking", "SQL"])).tolist()
    ['public speaking', 'sql']
    """
    text = names.astype("string").str.strip().str.replace(r"\s+", " ", regex=True).str.lower()
    return text.where(text != "")


def validate_skills(
    frame: pd.DataFrame,
    *,
    source: str = "skills",
    known_people: pd.Series | None = None,
) -> pd.DataFrame:
    """Type and check skill rows; raise one :class:`ValidationError` listing every problem.

    Rules: person_id and skill present; level a whole number 0–4; booleans as
    true/false, yes/no or 1/0; one row per person and skill; nobody both teaches and
    wants to learn the same skill; capacity (learners a teacher takes per round, across
    all their skills; default 2) a whole number ≥ 0 and the same on every row of a
    person; with ``known_people``, every person_id must be among them.

    >>> validate_skills(pd.DataFrame({"person_id": ["a"], "skill": [" SQL "], "level": ["3"],
    ...     "can_teach": ["yes"], "wants_to_learn": ["no"]})).iloc[0].to_dict()
    {'person_id': 'a', 'skill': 'sql', 'level': 3, 'can_teach': True, 'wants_to_learn': False, 'capacity': 2}
    """
    rows = rows_of(frame)
    n = len(frame)
    problems: list[Problem] = []

    def column(name: str) -> pd.Series:
        if name in frame.columns:
            return frame[name].reset_index(drop=True)
        return pd.Series([pd.NA] * n, dtype="string")

    ids = column("person_id").astype("string").str.strip()
    ids = ids.where(ids != "")
    skills = normalise_skill(column("skill"))
    for name, values in (("person_id", ids), ("skill", skills)):
        for i in np.flatnonzero(values.isna().to_numpy()):
            problems.append(
                Problem(
                    f"{name} is empty",
                    row=int(rows[i]),
                    column=name,
                    fix="fill it in, or delete the row",
                )
            )
    if known_people is not None:
        unknown = ids.notna() & ~ids.isin(known_people.astype("string"))
        for i in np.flatnonzero(unknown.to_numpy()):
            problems.append(
                Problem(
                    f"person {ids.iloc[i]!r} is not a known person",
                    row=int(rows[i]),
                    column="person_id",
                    fix="import the people file first, or correct the id",
                )
            )

    level = parse_int(column("level"), column="level", rows=rows, problems=problems, low=0, high=4)
    missing_level = level.isna() & column("level").astype("string").str.strip().fillna("").eq("")
    for i in np.flatnonzero(missing_level.to_numpy()):
        problems.append(
            Problem(
                "level is empty",
                row=int(rows[i]),
                column="level",
                fix="give a level from 0 (none) to 4 (master)",
            )
        )
    teach = parse_bool(column("can_teach"), column="can_teach", rows=rows, problems=problems)
    learn = parse_bool(
        column("wants_to_learn"), column="wants_to_learn", rows=rows, problems=problems
    )
    both = teach & learn
    for i in np.flatnonzero(both.to_numpy()):
        problems.append(
            Problem(
                f"{ids.iloc[i]} both can teach and wants to learn {skills.iloc[i]!r}",
                row=int(rows[i]),
                column="wants_to_learn",
                fix="set can_teach or wants_to_learn to false",
            )
        )

    capacity = parse_int(column("capacity"), column="capacity", rows=rows, problems=problems, low=0)
    given = capacity.notna() & ids.notna()
    if given.any():
        per_person = capacity[given].groupby(ids[given]).nunique()
        split = set(per_person[per_person > 1].index)
        for i in np.flatnonzero((given & ids.isin(split)).to_numpy()):
            problems.append(
                Problem(
                    f"capacity {capacity.iloc[i]} differs from another row of {ids.iloc[i]}",
                    row=int(rows[i]),
                    column="capacity",
                    fix="give the same capacity on every row of a person (it counts across skills)",
                )
            )
    person_capacity = capacity.groupby(ids).transform("max") if given.any() else capacity
    capacity = person_capacity.fillna(DEFAULT_CAPACITY).astype("int64")

    key = ids.fillna("") + "\x00" + skills.fillna("")
    again = key.duplicated(keep="first") & ids.notna() & skills.notna()
    first = pd.Series(rows).groupby(key).transform("min")
    for i in np.flatnonzero(again.to_numpy()):
        problems.append(
            Problem(
                f"{ids.iloc[i]} has {skills.iloc[i]!r} again (first on row {int(first.iloc[i])})",
                row=int(rows[i]),
                column="skill",
                fix="keep one row per person and skill",
            )
        )

    if problems:
        problems.sort(key=lambda p: (p.row or 0, p.column or ""))
        raise ValidationError(source, problems)
    out = pd.DataFrame(
        {
            "person_id": ids,
            "skill": skills,
            "level": level.astype("int64"),
            "can_teach": teach,
            "wants_to_learn": learn,
            "capacity": capacity,
        }
    )
    return out[list(SKILLS_COLUMNS)]
