"""Find a peer: for one person and one skill, the peer teachers who fit best, with reasons.

The same rules and score as a matching round (:mod:`peerweave.learning.candidates`),
for one wish and without load spreading: every teacher of the skill above the person's
level, outside their reporting line, still in the programme and with room this round,
ranked by score (ties in a seeded order). The work is limited to the people teaching the
skill, so a page is served in milliseconds even in a 100,000-person organization
(``bench/learning.py`` measures it).

Examples
--------
>>> people = pd.DataFrame({"person_id": ["ann", "bo", "cy"], "department": ["IT", "IT", "HR"]})
>>> skills = pd.DataFrame({"person_id": ["ann", "bo", "cy"], "skill": ["sql"] * 3,
...     "level": [1, 3, 4], "can_teach": [False, True, True],
...     "wants_to_learn": [True, False, False]})
>>> find_peers("ann", "SQL", people, skills, None)[["rank", "teacher_id", "level"]].to_dict("records")
[{'rank': 1, 'teacher_id': 'bo', 'level': 3}, {'rank': 2, 'teacher_id': 'cy', 'level': 4}]
"""

from __future__ import annotations

import difflib
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from peerweave.errors import (
    ConstraintError,
    InputError,
    MissingColumnError,
    Problem,
    UnknownIdError,
)
from peerweave.learning.candidates import (
    MATCHABLE,
    MatchOptions,
    Population,
    SkillTable,
    arc_reasons,
    build_candidates,
    org_mean_rating,
    wish_reasons,
)
from peerweave.network.graph import OrgGraph
from peerweave.org.skills import normalise_skill

__all__ = ["PEER_COLUMNS", "find_peers"]

#: Columns of :func:`find_peers`' frame.
PEER_COLUMNS: tuple[str, ...] = (
    "rank",
    "teacher_id",
    "name",
    "department",
    "level",
    "score",
    "gap_score",
    "hops",
    "proximity_score",
    "bridge_score",
    "rating_score",
    "timezone_hours",
    "timezone_score",
    "room",
    "reasons",
)


def find_peers(
    person_id: str,
    skill: str,
    people: pd.DataFrame,
    skills: pd.DataFrame,
    graph: OrgGraph | None,
    *,
    ratings: pd.DataFrame | None = None,
    busy: pd.DataFrame | None = None,
    options: MatchOptions = MatchOptions(),
    limit: int = 10,
) -> pd.DataFrame:
    """The best peer teachers of ``skill`` for ``person_id``, ranked, with reasons.

    The person's level is their level on their row for the skill (0 when they have none);
    they need not have asked to learn it (a teacher may look for someone further ahead).
    Columns: ``PEER_COLUMNS`` (``rank`` from 1, the teacher's ``level``, ``score`` and its
    parts, ``hops`` (NA: farther than ``max_hops``), ``room`` (learners they can still take
    this round) and ``reasons`` in words). At most ``limit`` rows.

    When the list is empty, ``frame.attrs["explanation"]`` says why, in the words of an
    unmatched wish ("nobody who teaches sql is above your level (4)"); it is ``None``
    otherwise. ``frame.attrs["learner_level"]`` is the level used.

    Raises
    ------
    peerweave.errors.UnknownIdError
        The person is not in ``people``, or nobody lists the skill (close names suggested).
    peerweave.errors.ConstraintError
        The person opted out or left.
    peerweave.errors.InputError
        ``limit`` below 1.

    Examples
    --------
    >>> people = pd.DataFrame({"person_id": ["ann", "bo"]})
    >>> skills = pd.DataFrame({"person_id": ["ann", "bo"], "skill": ["sql", "sql"],
    ...     "level": [4, 3], "can_teach": [True, True], "wants_to_learn": [False, False]})
    >>> peers = find_peers("ann", "sql", people, skills, None)
    >>> len(peers), peers.attrs["explanation"]
    (0, 'nobody who teaches sql is above your level (4)')
    >>> find_peers("ann", "sequel", people, skills, None)
    Traceback (most recent call last):
    ...
    peerweave.errors.UnknownIdError: nobody lists the skill 'sequel' (did you mean 'sql'?); check the spelling, or see the skills inventory
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InputError(
            "--limit", Problem(f"limit {limit!r} is not a whole number ≥ 1", fix="use e.g. 10")
        )
    name = " ".join(str(skill).split()).lower()  # normalise_skill, for one name
    if not name:
        raise InputError("skill", Problem("the skill name is empty", fix="name a skill"))
    pid = str(person_id).strip()
    for frame_name, given, needed in (
        ("people", people, ("person_id",)),
        ("skills", skills, ("person_id", "skill", "level")),
    ):
        missing = [c for c in needed if c not in given.columns]
        if missing:
            raise MissingColumnError(
                frame_name,
                [Problem(f"the {frame_name} frame has no {c}", column=c) for c in missing],
            )
    # whole-column work is kept to a few vectorised comparisons (Arrow-backed where pandas is)
    person_ids = _as_text(people["person_id"])
    skill_names = skills["skill"]
    of_skill = skill_names.eq(name).fillna(False).to_numpy(dtype=bool)
    if not of_skill.any():  # a frame not normalised yet: compare the folded spellings
        known = pd.unique(skill_names.dropna().astype(str))
        folded = normalise_skill(pd.Series(known, dtype="string"))
        spellings = list(known[folded.eq(name).fillna(False).to_numpy(dtype=bool)])
        of_skill = skill_names.isin(spellings).to_numpy(dtype=bool)
        if not of_skill.any():
            names = sorted(set(folded.dropna().astype(str)))
            close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            raise UnknownIdError(
                f"nobody lists the skill {name!r}{hint}; check the spelling, or see the "
                "skills inventory"
            )
    rows = skills.loc[of_skill]
    involved = list(pd.unique(np.r_[rows["person_id"].astype(str).to_numpy(dtype=object), [pid]]))
    subset = people.loc[_isin(person_ids, involved)]
    pop = Population.build(subset, seed=options.seed, on=options.on)
    me = int(pop.index.get_indexer(pd.Index([pid]))[0])
    if me < 0:
        raise UnknownIdError(
            f"person {pid!r} is not in the people table; check the id (peerweave people list)"
        )
    if not pop.available[me]:
        raise ConstraintError(
            f"{pid} opted out of the learning programme or left; opt back in to find peers"
        )
    table = SkillTable.build(rows, pop)
    table = replace(table, skill=np.full(len(rows), name, dtype=object))  # one spelling
    mine = np.flatnonzero(table.person == me)
    level = int(table.level[mine[0]]) if len(mine) else 0
    teacher_ids = list(pop.ids[table.person[table.teach]])
    mean_rating = None
    if ratings is not None and len(ratings) and "teacher_id" in ratings.columns:
        # the prior needs the organization's mean over every rating; the counts only these
        mean_rating = org_mean_rating(ratings)
        ratings = ratings.loc[_isin(_as_text(ratings["teacher_id"]), teacher_ids)]
    cand = build_candidates(
        pop,
        np.array([me], dtype=np.int64),
        np.array([name], dtype=object),
        np.array([level], dtype=np.int64),
        table,
        graph,
        ratings=ratings,
        busy=busy,
        options=options,
        mean_rating=mean_rating,
    )
    order = np.lexsort((pop.tiebreak[cand.teacher], -cand.score))[:limit]
    hops = cand.hops[order].astype(np.int64)
    parts = cand.parts(order)
    departments = np.concatenate([pop.departments, np.array([None], dtype=object)])[
        pop.department[cand.teacher[order]]
    ]
    frame = pd.DataFrame(
        {
            "rank": np.arange(1, len(order) + 1, dtype=np.int64),
            "teacher_id": pop.ids[cand.teacher[order]],
            "name": pop.names[cand.teacher[order]],
            "department": pd.Series(departments, dtype="string"),
            "level": cand.teacher_level(order),
            "score": cand.score[order],
            "gap_score": parts["gap_score"],
            "hops": pd.Series(hops, dtype="Int64").where(hops > 0),
            "proximity_score": parts["proximity_score"],
            "bridge_score": parts["bridge_score"],
            "rating_score": parts["rating_score"],
            "timezone_hours": parts["timezone_hours"],
            "timezone_score": parts["timezone_score"],
            "room": cand.remaining[cand.teacher[order]],
            "reasons": arc_reasons(cand, order, pop, options, with_graph=graph is not None),
        },
        columns=list(PEER_COLUMNS),
    )
    explanation = None
    if cand.wish_reason[0] != MATCHABLE:
        explanation = str(wish_reasons(cand, np.array([0], dtype=np.int64))[0])
    frame.attrs["explanation"] = explanation
    frame.attrs["learner_level"] = level
    return frame


def _isin(values: pd.Series, wanted: list[Any]) -> npt.NDArray[np.bool_]:
    """``values.isin(wanted)`` by one hash lookup each (pandas' Arrow-backed ``isin`` first
    turns each wanted value into a scalar: several times slower for a thousand ids).

    >>> _isin(pd.Series(["a", "b", None], dtype="string"), ["b", "c", "b"]).tolist()
    [False, True, False]
    """
    return np.asarray(pd.Index(wanted).unique().get_indexer(values) >= 0, dtype=bool)


def _as_text(values: pd.Series) -> pd.Series:
    """Ids as text: string columns as they are (no copy), others converted."""
    return values if pd.api.types.is_string_dtype(values) else values.astype(str)
