"""Read the skills file: who knows what, who can teach it, who wants to learn it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from peerweave.ingest.report import LoadReport, SkillsLoad
from peerweave.ingest.tabular import (
    file_headers,
    in_file_terms,
    read_table,
    rename_columns,
    require_columns,
)
from peerweave.org.schema import SKILLS_COLUMNS
from peerweave.org.skills import normalise_skill, validate_skills, validate_synonyms

__all__ = ["SKILL_ALIASES", "SYNONYM_ALIASES", "read_skills", "read_synonyms"]

#: Other spellings of the skills columns, in header_key form.
SKILL_ALIASES: dict[str, str] = {
    **dict.fromkeys(["employee_id", "id", "person", "employee", "email"], "person_id"),
    **dict.fromkeys(["skill_name", "competency", "topic", "expertise"], "skill"),
    **dict.fromkeys(["proficiency", "skill_level", "rating"], "level"),
    **dict.fromkeys(
        ["teach", "can_teach_it", "mentor", "willing_to_teach", "teacher"], "can_teach"
    ),
    **dict.fromkeys(
        ["learn", "want_to_learn", "wants_learn", "learner", "interested"], "wants_to_learn"
    ),
    **dict.fromkeys(["max_learners", "learners_per_round", "teaching_capacity"], "capacity"),
}

#: Other spellings of the synonyms file's columns, in header_key form.
SYNONYM_ALIASES: dict[str, str] = {
    **dict.fromkeys(["synonym", "other_name", "variant", "from"], "alias"),
    **dict.fromkeys(["skill_name", "canonical", "canonical_skill", "to"], "skill"),
}


def read_synonyms(
    path: str | Path, *, sheet: str | None = None, encoding: str | None = None
) -> dict[str, str]:
    """Read a skill synonyms file (``alias, skill`` columns) into ``{alias: skill}``.

    Names are normalised (case, spacing) on both sides. An alias naming two skills, or a
    chain (``a → b`` and ``b → c``: map ``a`` straight to ``c``), is a
    :class:`~peerweave.errors.ValidationError` naming the rows; a missing column is a
    :class:`~peerweave.errors.MissingColumnError`. Pass the result to :func:`read_skills`.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "synonyms.csv"
    >>> _ = p.write_text("alias,skill\\nPy,Python\\nJS,javascript\\n")
    >>> read_synonyms(p)
    {'js': 'javascript', 'py': 'python'}
    """
    table = read_table(path, sheet=sheet, encoding=encoding)
    frame = rename_columns(table, canonical=("alias", "skill"), aliases=SYNONYM_ALIASES)
    require_columns(
        frame,
        ["alias", "skill"],
        source=table.source,
        hint="a synonyms file has the columns alias,skill",
    )
    with in_file_terms(file_headers(table, frame)):
        return validate_synonyms(frame, source=table.source)


def read_skills(
    path: str | Path,
    *,
    people: pd.DataFrame | None = None,
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    synonyms: Mapping[str, str] | None = None,
) -> SkillsLoad:
    """Read ``person_id, skill, level, can_teach, wants_to_learn[, capacity]`` rows.

    With ``people`` (the known people), rows naming anyone else are errors; a person_id
    column holding emails is matched by email. Booleans: true/false, yes/no or 1/0.
    With ``synonyms`` (from :func:`read_synonyms`), aliases become their skill, and the
    report counts the rows renamed (``renamed_by_synonyms``).

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "skills.csv"
    >>> _ = p.write_text("person_id,skill,level,can_teach,wants_to_learn,capacity\\n"
    ...                  "P1,SQL,4,yes,no,3\\nP2,sql,1,no,yes,\\n")
    >>> read_skills(p).skills[["person_id", "skill", "can_teach", "capacity"]].to_dict("records")
    [{'person_id': 'P1', 'skill': 'sql', 'can_teach': True, 'capacity': 3}, {'person_id': 'P2', 'skill': 'sql', 'can_teach': False, 'capacity': 2}]
    """
    table = read_table(path, sheet=sheet, encoding=encoding)
    frame = rename_columns(table, canonical=SKILLS_COLUMNS, aliases=SKILL_ALIASES, mapping=mapping)
    headers = file_headers(table, frame)
    require_columns(frame, ["person_id", "skill", "level"], source=table.source)
    known = None
    if people is not None:
        known = people["person_id"].astype("string")
        if "email" in people.columns:
            emails = people["email"].astype("string").str.lower()
            present = emails.notna()  # else a row without person_id goes to someone without email
            by_email = dict(zip(emails[present], known[present], strict=True))
            ids = frame["person_id"].astype("string").str.strip()
            mapped = ids.str.lower().map(by_email)
            frame = frame.assign(person_id=ids.where(ids.isin(known) | mapped.isna(), mapped))
    with in_file_terms(headers):
        skills = validate_skills(frame, source=table.source, known_people=known, synonyms=synonyms)
    counts = {
        "people": int(skills["person_id"].nunique()),
        "skills": int(skills["skill"].nunique()),
        "can_teach_rows": int(skills["can_teach"].sum()),
        "wants_to_learn_rows": int(skills["wants_to_learn"].sum()),
    }
    if synonyms is not None:
        plain = normalise_skill(frame["skill"].reset_index(drop=True))
        counts["renamed_by_synonyms"] = int((plain != skills["skill"]).fillna(False).sum())
    report = LoadReport(
        kind="skills",
        source=table.source,
        rows_read=len(frame),
        records=len(skills),
        counts=counts,
        notes=tuple(table.notes),
    )
    return SkillsLoad(skills=skills, report=report)
