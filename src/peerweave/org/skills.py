"""Skills per person: normalising skill names (with synonyms) and validating a skills table."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from peerweave.errors import Problem, ValidationError
from peerweave.org.schema import (
    DEFAULT_CAPACITY,
    SKILLS_COLUMNS,
    flag_rows,
    parse_bool,
    parse_int,
    rows_of,
)

__all__ = ["normalise_skill", "validate_skills", "validate_synonyms"]


def _fold(names: pd.Series) -> pd.Series:
    text = names.astype("string").str.strip().str.replace(r"\s+", " ", regex=True).str.lower()
    return text.where(text != "")


def normalise_skill(names: pd.Series, synonyms: Mapping[str, str] | None = None) -> pd.Series:
    """Skill names in one form: trimmed, inner spaces folded, lower case, aliases replaced.

    ``synonyms`` maps an alias to its skill (as :func:`validate_synonyms` returns it); both
    sides are folded the same way first, so ``"Py"`` and ``" py "`` are one alias. The
    replacement is one step: an alias's skill is not looked up again (synonym files with
    chains are rejected by :func:`validate_synonyms`).

    >>> normalise_skill(pd.Series(["  Public   Speaking", "SQL"])).tolist()
    ['public speaking', 'sql']
    >>> normalise_skill(pd.Series(["Py", "python", " PY "]), {"py": "Python"}).tolist()
    ['python', 'python', 'python']
    """
    text = _fold(names)
    if synonyms:
        aliases = _fold(pd.Series(list(synonyms.keys()), dtype="string"))
        targets = _fold(pd.Series(list(synonyms.values()), dtype="string"))
        table = {a: t for a, t in zip(aliases, targets, strict=True) if pd.notna(a) and pd.notna(t)}
        mapped = text.map(table).astype("string")
        text = mapped.fillna(text)
    return text.where(text != "")


def validate_synonyms(frame: pd.DataFrame, *, source: str = "synonyms") -> dict[str, str]:
    """Check ``alias, skill`` rows and return ``{alias: skill}``, both normalised.

    Rules: alias and skill present; an alias names one skill only (the same pair twice is
    fine); no chains: a skill that is itself an alias of another skill is an error (map
    the alias straight to the final skill), so one lookup always gives the final name and a
    cycle cannot exist. A row whose alias equals its skill after folding changes nothing and
    is skipped.

    >>> validate_synonyms(pd.DataFrame({"alias": ["Py", "python3", "SQL"],
    ...                                 "skill": ["python", "Python", "sql"]}))
    {'py': 'python', 'python3': 'python'}
    >>> validate_synonyms(pd.DataFrame({"alias": ["py", "py"], "skill": ["python", "pyspark"]}))
    Traceback (most recent call last):
    ...
    peerweave.errors.ValidationError: synonyms: 1 problem
      row 3, column skill: alias 'py' maps to 'pyspark' here but to 'python' on row 2 (fix: keep one skill per alias)
    """
    rows = rows_of(frame)
    n = len(frame)
    problems: list[Problem] = []

    def column(name: str) -> pd.Series:
        if name in frame.columns:
            return frame[name].reset_index(drop=True)
        return pd.Series([pd.NA] * n, dtype="string")

    alias = _fold(column("alias"))
    skill = _fold(column("skill"))
    for name, values in (("alias", alias), ("skill", skill)):
        flag_rows(
            values.isna(),
            rows,
            column=name,
            message=f"{name} is empty",
            fix="fill it in, or delete the row",
            problems=problems,
        )
    given = (alias.notna() & skill.notna() & (alias != skill)).to_numpy(dtype=bool)
    pairs = pd.DataFrame({"alias": alias[given], "skill": skill[given], "row": rows[given]})
    first = pairs.drop_duplicates("alias", keep="first").set_index("alias")
    first_skill = pairs["alias"].map(first["skill"])
    first_row = pairs["alias"].map(first["row"])
    clash = (pairs["skill"] != first_skill).to_numpy(dtype=bool)
    flag_rows(
        clash,
        pairs["row"].to_numpy(),
        column="skill",
        message=lambda i: (
            f"alias {pairs['alias'].iloc[i]!r} maps to {pairs['skill'].iloc[i]!r} here but to "
            f"{first_skill.iloc[i]!r} on row {int(first_row.iloc[i])}"
        ),
        fix="keep one skill per alias",
        problems=problems,
    )
    chained = pairs["skill"].isin(first.index).to_numpy(dtype=bool)
    flag_rows(
        chained,
        pairs["row"].to_numpy(),
        column="skill",
        message=lambda i: (
            f"{pairs['skill'].iloc[i]!r} is itself an alias of "
            f"{first.loc[pairs['skill'].iloc[i], 'skill']!r} "
            f"(row {int(first.loc[pairs['skill'].iloc[i], 'row'])}), so "
            f"{pairs['alias'].iloc[i]!r} would need two steps"
        ),
        fix="map the alias straight to the final skill name",
        problems=problems,
    )
    if problems:
        problems.sort(key=lambda p: (p.row or 0, p.column or ""))
        raise ValidationError(source, problems)
    ordered = first.sort_index()
    return {str(a): str(s) for a, s in zip(ordered.index, ordered["skill"], strict=True)}


def validate_skills(
    frame: pd.DataFrame,
    *,
    source: str = "skills",
    known_people: pd.Series | None = None,
    synonyms: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Type and check skill rows; raise one :class:`ValidationError` listing every problem.

    Skill names are normalised by :func:`normalise_skill` (with ``synonyms``, aliases
    become their skill first, so ``py`` and ``Python`` rows of one person are duplicates).
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
    skills = normalise_skill(column("skill"), synonyms)
    for name, values in (("person_id", ids), ("skill", skills)):
        flag_rows(
            values.isna(),
            rows,
            column=name,
            message=f"{name} is empty",
            fix="fill it in, or delete the row",
            problems=problems,
        )
    if known_people is not None:
        unknown = ids.notna() & ~ids.isin(known_people.astype("string"))
        flag_rows(
            unknown,
            rows,
            column="person_id",
            message=lambda i: f"person {ids.iloc[i]!r} is not a known person",
            fix="import the people file first, or correct the id",
            problems=problems,
        )

    level = parse_int(column("level"), column="level", rows=rows, problems=problems, low=0, high=4)
    missing_level = level.isna() & column("level").astype("string").str.strip().fillna("").eq("")
    flag_rows(
        missing_level,
        rows,
        column="level",
        message="level is empty",
        fix="give a level from 0 (none) to 4 (master)",
        problems=problems,
    )
    teach = parse_bool(column("can_teach"), column="can_teach", rows=rows, problems=problems)
    learn = parse_bool(
        column("wants_to_learn"), column="wants_to_learn", rows=rows, problems=problems
    )
    both = teach & learn
    flag_rows(
        both,
        rows,
        column="wants_to_learn",
        message=lambda i: f"{ids.iloc[i]} both can teach and wants to learn {skills.iloc[i]!r}",
        fix="set can_teach or wants_to_learn to false",
        problems=problems,
    )

    capacity = parse_int(column("capacity"), column="capacity", rows=rows, problems=problems, low=0)
    given = capacity.notna() & ids.notna()
    if given.any():
        per_person = capacity[given].groupby(ids[given]).nunique()
        split = set(per_person[per_person > 1].index)
        flag_rows(
            (given & ids.isin(split)),
            rows,
            column="capacity",
            message=lambda i: (
                f"capacity {capacity.iloc[i]} differs from another row of {ids.iloc[i]}"
            ),
            fix="give the same capacity on every row of a person (it counts across skills)",
            problems=problems,
        )
    person_capacity = capacity.groupby(ids).transform("max") if given.any() else capacity
    capacity = person_capacity.fillna(DEFAULT_CAPACITY).astype("int64")

    key = ids.fillna("") + "\x00" + skills.fillna("")
    again = key.duplicated(keep="first") & ids.notna() & skills.notna()
    first = pd.Series(rows).groupby(key).transform("min")
    flag_rows(
        again,
        rows,
        column="skill",
        message=lambda i: (
            f"{ids.iloc[i]} has {skills.iloc[i]!r} again (first on row {int(first.iloc[i])})"
        ),
        fix="keep one row per person and skill",
        problems=problems,
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
