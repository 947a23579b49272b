"""The synthetic organization as tables: people, skills, survey answers and the truth."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from peerweave.ingest.synthetic._data import (
    CULTURES,
    DEPARTMENTS,
    EXECUTIVE,
    EXTERNAL_ADDRESSES,
    LEADERSHIP_TEAM,
    LOCATIONS,
    SKILLS,
    email_part,
)
from peerweave.ingest.synthetic._org import Org
from peerweave.ingest.synthetic._survey import QUESTIONS
from peerweave.org.schema import PEOPLE_COLUMNS, SKILLS_COLUMNS

__all__ = ["identity", "people_frame", "skills_frame", "survey_frame", "truth_dict"]

VERSION = 3


def _strings(values: list[str]) -> Any:
    return pa.array(values, type=pa.string())


def identity(org: Org) -> tuple[Any, Any, Any]:
    """Person ids, names and emails as pyarrow arrays, by internal index."""
    width = len(str(org.n))
    number = pc.cast(pa.array(org.id_num), pa.string())
    ids = pc.binary_join_element_wise("P", pc.utf8_lpad(number, width=width, padding="0"), "")
    first = [name for c in CULTURES for name in c.first]
    last = [name for c in CULTURES for name in c.last]
    fi, li = pa.array(org.first), pa.array(org.last)
    names = pc.binary_join_element_wise(_strings(first).take(fi), _strings(last).take(li), " ")
    local = pc.binary_join_element_wise(
        _strings([email_part(x) for x in first]).take(fi),
        _strings([email_part(x) for x in last]).take(li),
        number,
        ".",
    )
    emails = pc.binary_join_element_wise(local, "example.com", "@")
    return ids, names, emails


def _titles(org: Org) -> Any:
    top = int(org.level.max())
    d_count = len(org.dept_names)
    table: list[str] = []
    for dept in (*DEPARTMENTS[:d_count], None):
        for level in range(top + 1):
            if dept is None:
                table.append("Chief Executive Officer")
            elif level <= 3:
                table.append(dept.ic_titles[max(level, 1) - 1])
            else:
                unit = dept.unit
                lead = "Manager" if f"{unit} Manager" not in dept.ic_titles else "Team Lead"
                table.append(
                    {
                        4: f"{unit} {lead}",
                        5: f"Senior {unit} {lead}",
                        6: f"Director of {unit}",
                        7: f"Senior Director of {unit}",
                    }.get(level, f"VP of {unit}")
                )
    heads = [d.head_title for d in DEPARTMENTS[:d_count]]
    index = org.dept * (top + 1) + org.level
    index[org.dept_lo] = len(table) + np.arange(d_count)
    return _strings(table + heads).take(pa.array(index))


def _teams(org: Org) -> Any:
    leaders = np.flatnonzero(org.is_manager)[1:]  # every manager but the CEO
    d = org.dept[leaders]
    number = np.arange(len(leaders)) - np.searchsorted(d, d, side="left") + 1
    labels = pc.binary_join_element_wise(
        _strings(list(org.dept_names)).take(pa.array(d)),
        pc.cast(pa.array(number), pa.string()),
        " ",
    )
    label_of = np.zeros(org.n, dtype=np.int64)
    label_of[leaders] = 1 + np.arange(len(leaders))
    all_labels = pa.concat_arrays([_strings([LEADERSHIP_TEAM]), labels])
    return all_labels, all_labels.take(pa.array(label_of[np.maximum(org.parent, 0)]))


def on_leave(org: Org) -> np.ndarray[Any, Any]:
    """About 0.5% of the people who did not opt out are on leave: a fixed hash of their
    index, so that no random stream moves and every other output stays as it was."""
    index = np.arange(1, len(org.opted_out) + 1, dtype=np.uint64)  # from 1: the CEO is at work
    hashed = (index * np.uint64(2654435761)) % np.uint64(1000)
    return np.asarray((hashed < 5) & ~org.opted_out)


def people_frame(org: Org, ids: Any, names: Any, emails: Any) -> pd.DataFrame:
    _, team = _teams(org)
    cities = list(org.loc_names)
    columns = {
        "person_id": ids,
        "name": names,
        "email": emails,
        "manager_id": ids.take(pa.array(org.parent, mask=org.parent < 0)),
        "department": _strings([*org.dept_names, EXECUTIVE]).take(pa.array(org.dept)),
        "team": team,
        "title": _titles(org),
        "level": pa.array(org.level, pa.int64()),
        "location": _strings(cities).take(pa.array(org.loc)),
        "timezone": _strings([LOCATIONS[c] for c in cities]).take(pa.array(org.loc)),
        "hire_date": pa.array(org.hire_day.astype(np.int32), pa.date32()),
        "opted_out": pa.array(org.opted_out),
        "on_leave": pa.array(on_leave(org)),
    }
    table = pa.table([columns[c] for c in PEOPLE_COLUMNS], names=list(PEOPLE_COLUMNS))
    table = table.take(pa.array(np.argsort(org.id_num)))
    frame: pd.DataFrame = table.to_pandas(date_as_object=False)
    frame["hire_date"] = frame["hire_date"].astype("datetime64[s]")
    return frame


def _by_id(org: Org, *keys: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Order rows by person id number of the first key, then by the other keys."""
    first, *rest = keys
    return np.lexsort((*reversed(rest), org.id_num[first]))


def survey_frame(org: Org, ids: Any, answers: dict[str, np.ndarray[Any, Any]]) -> pd.DataFrame:
    order = _by_id(
        org, answers["respondent"], answers["question"], org.id_num[answers["colleague"]]
    )
    r = answers["respondent"][order]
    c = answers["colleague"][order]
    table = pa.table(
        {
            "respondent": ids.take(pa.array(r)),
            "question": _strings(list(QUESTIONS)).take(pa.array(answers["question"][order])),
            "colleague": ids.take(pa.array(c)),
            "strength": pa.array(answers["strength"][order], pa.int64()),
        }
    )
    frame: pd.DataFrame = table.to_pandas()
    return frame


def skills_frame(org: Org, ids: Any, rows: dict[str, np.ndarray[Any, Any]]) -> pd.DataFrame:
    order = _by_id(org, rows["person"], rows["skill"])
    table = pa.table(
        {
            "person_id": ids.take(pa.array(rows["person"][order])),
            "skill": _strings(list(SKILLS)).take(pa.array(rows["skill"][order])),
            "level": pa.array(rows["level"][order], pa.int64()),
            "can_teach": pa.array(rows["can_teach"][order]),
            "wants_to_learn": pa.array(rows["wants_to_learn"][order]),
            "capacity": pa.array(rows["capacity"][order], pa.int64()),
        }
    )
    frame: pd.DataFrame = table.select(list(SKILLS_COLUMNS)).to_pandas()
    return frame


def truth_dict(
    org: Org, ids: Any, entropy: int, weeks: int, start: dt.date, rate: float
) -> dict[str, Any]:
    id_of = ids.to_numpy(zero_copy_only=False)

    def id_list(mask: np.ndarray[Any, Any]) -> list[str]:
        idx = np.flatnonzero(mask)
        return [str(x) for x in id_of[idx[np.argsort(org.id_num[idx])]]]

    all_labels, team = _teams(org)
    members = np.flatnonzero(org.isolated)
    names = org.dept_names
    brokers = np.flatnonzero(org.broker)
    reach = {
        str(id_of[b]): [names[d] for d in row if d >= 0]
        for b, row in sorted(
            zip(brokers.tolist(), org.broker_targets.tolist(), strict=True),
            key=lambda item: int(org.id_num[item[0]]),
        )
    }
    return {
        "generator": "peerweave.ingest.synthetic",
        "version": VERSION,
        "seed": entropy,
        "n_people": org.n,
        "weeks": weeks,
        "start": start.isoformat(),
        "events_per_person_week": rate,
        "ceo": str(id_of[0]),
        "headquarters": org.hq,
        "departments": list(names),
        "department_heads": {names[d]: str(id_of[h]) for d, h in enumerate(org.dept_lo.tolist())},
        "hidden_influencers": id_list(org.influencer),
        "brokers": id_list(org.broker),
        "broker_departments": reach,
        "isolated_team": {
            "team": str(team[int(members[0])].as_py()),
            "manager": str(id_of[org.isolated_leader]),
            "members": id_list(org.isolated),
        },
        "opted_out": id_list(org.opted_out),
        "external_addresses": list(EXTERNAL_ADDRESSES),
        "n_teams": len(all_labels),
    }
