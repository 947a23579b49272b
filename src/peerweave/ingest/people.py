"""Read people (an HR export) from CSV or XLSX, with common HRIS header spellings."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from peerweave.errors import Problem
from peerweave.ingest.report import LoadReport, PeopleLoad
from peerweave.ingest.tabular import (
    file_headers,
    in_file_terms,
    read_table,
    rename_columns,
    require_columns,
)
from peerweave.org.people import _text, validate_people
from peerweave.org.schema import PEOPLE_COLUMNS, ROW

__all__ = ["HRIS_ALIASES", "read_people"]

#: Header spellings seen in HRIS exports (Workday, BambooHR, SAP SuccessFactors, HiBob,
#: Personio, ADP), in :func:`~peerweave.ingest.tabular.header_key` form.
HRIS_ALIASES: dict[str, str] = {
    **dict.fromkeys(
        [
            "employee_id",
            "employee_number",
            "employee",
            "emp_id",
            "empid",
            "worker_id",
            "id",
            "person",
            "personid",
            "person_number",
            "user_id",
            "userid",
            "staff_id",
            "badge_id",
            "employee_no",
            "employee_code",
            "hris_id",
            "personnummer",
        ],
        "person_id",
    ),
    **dict.fromkeys(
        [
            "full_name",
            "employee_name",
            "display_name",
            "worker",
            "preferred_name",
            "legal_name",
            "name_full",
        ],
        "name",
    ),
    **dict.fromkeys(
        [
            "work_email",
            "email_address",
            "mail",
            "primary_email",
            "email_primary_work",
            "business_email",
            "e_mail",
            "work_email_address",
            "upn",
            "user_principal_name",
        ],
        "email",
    ),
    **dict.fromkeys(
        [
            "manager",
            "managerid",
            "manager_employee_id",
            "supervisor_id",
            "supervisor",
            "reports_to",
            "reports_to_id",
            "line_manager",
            "line_manager_id",
            "manager_email",
            "manager_number",
            "direct_manager",
            "parent_id",
        ],
        "manager_id",
    ),
    **dict.fromkeys(
        [
            "dept",
            "department_name",
            "division",
            "function",
            "org_unit",
            "organization",
            "organisation",
            "business_unit",
            "supervisory_organization",
        ],
        "department",
    ),
    **dict.fromkeys(["team_name", "group", "sub_department", "squad", "unit"], "team"),
    **dict.fromkeys(
        [
            "job_title",
            "business_title",
            "position",
            "position_title",
            "role",
            "job",
            "job_profile",
            "designation",
        ],
        "title",
    ),
    **dict.fromkeys(
        [
            "grade",
            "job_level",
            "band",
            "career_level",
            "management_level",
            "job_grade",
            "pay_grade",
            "seniority",
            "level_designation",
        ],
        "level",
    ),
    **dict.fromkeys(
        [
            "office",
            "work_location",
            "site",
            "city",
            "location_name",
            "work_city",
            "office_location",
            "region",
        ],
        "location",
    ),
    **dict.fromkeys(["time_zone", "tz", "timezone_name", "work_timezone"], "timezone"),
    **dict.fromkeys(
        [
            "start_date",
            "date_of_hire",
            "original_hire_date",
            "hired",
            "hire",
            "seniority_date",
            "date_hired",
            "joining_date",
            "join_date",
            "employment_start_date",
        ],
        "hire_date",
    ),
    **dict.fromkeys(
        [
            "opt_out",
            "optout",
            "ona_opt_out",
            "excluded",
            "exclude",
            "opted_out_of_analysis",
            "privacy_opt_out",
        ],
        "opted_out",
    ),
    **dict.fromkeys(
        ["leave", "onleave", "is_on_leave", "leave_of_absence", "loa", "absent"], "on_leave"
    ),
}

_FIRST = {"first_name", "firstname", "given_name", "legal_first_name", "preferred_first_name"}
_LAST = {"last_name", "lastname", "surname", "family_name", "legal_last_name"}


def _join_first_last(frame: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """Build ``name`` from first-name and last-name columns when there is no name column."""
    from peerweave.ingest.tabular import header_key

    if "name" in frame.columns:
        return frame, None
    first = next((c for c in frame.columns if header_key(c) in _FIRST), None)
    last = next((c for c in frame.columns if header_key(c) in _LAST), None)
    if first is None and last is None:
        return frame, None
    parts = [frame[c].astype("string").fillna("").str.strip() for c in (first, last) if c]
    name = parts[0] if len(parts) == 1 else (parts[0] + " " + parts[1]).str.strip()
    frame = frame.assign(name=name)
    return frame, f"name built from {' and '.join(repr(c) for c in (first, last) if c)}"


def _resolve_managers(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Let manager_id name the manager by person_id, email or (unique) name, as HRIS do.

    BambooHR's "Reports To" holds names, others hold emails; ids win, then emails, then
    names that belong to exactly one person. Unmatched values stay for validation to report.
    """
    if "manager_id" not in frame.columns:
        return frame, 0
    managers = _text(frame["manager_id"])  # as validate_people reads them (1.0 is "1")
    ids = _text(frame["person_id"])
    unresolved = managers.notna() & (managers != "") & ~managers.isin(ids)
    if not unresolved.any():
        return frame, 0
    lookup: dict[str, str] = {}
    if "name" in frame.columns:
        names = frame["name"].astype("string").str.strip().str.lower()
        unique = ~names.duplicated(keep=False) & names.notna()
        lookup.update(zip(names[unique], ids[unique], strict=True))
    if "email" in frame.columns:
        emails = frame["email"].astype("string").str.strip().str.lower()
        present = emails.notna() & (emails != "")
        lookup.update(zip(emails[present], ids[present], strict=True))
    mapped = managers[unresolved].str.lower().map(lookup)
    resolved = mapped.notna()
    managers = managers.copy()
    managers[mapped[resolved].index] = mapped[resolved]
    return frame.assign(manager_id=managers), int(resolved.sum())


def _strip_level_prefix(frame: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """Read grades such as ``L5`` or ``Grade 7`` as their number (a note says so)."""
    if "level" not in frame.columns:
        return frame, False
    text = frame["level"].astype("string").str.strip()
    number = text.str.extract(r"^[A-Za-z][A-Za-z ._-]*?(\d+)$", expand=False)
    if number.notna().any():
        return frame.assign(level=number.fillna(text)), True
    return frame, False


def read_people(
    path: str | Path,
    *,
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
) -> PeopleLoad:
    """Read and validate a people file (CSV, TSV or XLSX); only ``person_id`` is required.

    Headers are matched to the canonical columns exactly, then through ``mapping``
    (``{"Full Name": "name"}``), then through :data:`HRIS_ALIASES`. ``manager_id`` may hold
    the manager's id, email or unique name. Every problem of the file is reported at once.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "hr.csv"
    >>> _ = p.write_text("Employee ID,First Name,Last Name,Reports To,Grade\\n"
    ...                  "E1,Ada,Lovelace,,L7\\nE2,Alan,Turing,Ada Lovelace,L4\\n")
    >>> load = read_people(p)
    >>> load.people[["person_id", "name", "manager_id", "level"]].to_dict("records")
    [{'person_id': 'E1', 'name': 'Ada Lovelace', 'manager_id': None, 'level': 7}, {'person_id': 'E2', 'name': 'Alan Turing', 'manager_id': 'E1', 'level': 4}]
    >>> load.report.counts["managers_resolved_by_email_or_name"]
    1
    """
    table = read_table(path, sheet=sheet, encoding=encoding)
    notes = list(table.notes)
    frame = rename_columns(table, canonical=PEOPLE_COLUMNS, aliases=HRIS_ALIASES, mapping=mapping)
    headers = file_headers(table, frame)
    frame, built = _join_first_last(frame)
    if built:
        notes.append(Problem(built))
    require_columns(frame, ["person_id"], source=table.source)
    frame, resolved = _resolve_managers(frame)
    frame, stripped = _strip_level_prefix(frame)
    if stripped:
        notes.append(Problem("levels such as 'L5' were read as their number", column="level"))
    unused = [c for c in frame.columns if c not in PEOPLE_COLUMNS and c != ROW]
    known_parts = {c for c in frame.columns if c in PEOPLE_COLUMNS}
    unused = [c for c in unused if not (built and c in built)]
    if unused:
        notes.append(
            Problem(
                f"columns not used: {', '.join(map(repr, unused))}",
                fix='map one with --map "Header=column" if it holds a peerweave column',
            )
        )
    with in_file_terms(headers):
        people = validate_people(frame, source=table.source)
    report = LoadReport(
        kind="people",
        source=table.source,
        rows_read=len(frame),
        records=len(people),
        counts={
            "managers_resolved_by_email_or_name": resolved,
            "opted_out": int(np.sum(people["opted_out"].to_numpy())),
            "columns_read": len(known_parts),
        },
        notes=tuple(notes),
    )
    return PeopleLoad(people=people, report=report)
