"""Realistic synthetic organizations of any size, with a known planted structure.

:func:`generate_organization` builds an organization of 20 to 1,000,000 people: an
HR export (``people``), self-reported ``skills``, ONA ``survey`` answers,
collaboration events (email, chat, meetings, calls) produced chunk by chunk, a year of
peer-learning history (``sessions`` with snowball chains, and two-sided ``feedback``),
plus the ``truth`` the analyses should recover: hidden influencers, brokers and an
isolated team. :func:`write_organization` writes it as ``people.csv``,
``events.parquet``, ``skills.csv``, ``survey.csv``, ``sessions.csv``, ``feedback.csv``
and ``truth.json``.

What is guaranteed
------------------
* One CEO (no manager, highest level); every other person has exactly one manager.
* Every manager has 3 to 12 direct reports (the CEO too: at most 12 departments).
* Levels: individual contributors 1–3, managers 4+ (department heads 6+), and every
  manager's level is above each of their reports'.
* ``department``: the CEO is in ``Executive``; everyone else is in the department of
  the CEO's direct report they roll up to (4–12 departments, by size).
* ``team``: everyone reporting to the same manager shares a team named after the
  manager's department and number (``"Engineering 12"``); a manager belongs to
  their own manager's team; the department heads and the CEO form
  ``"Executive Leadership"``.
* ``person_id`` ``P`` + zero-padded number, numbered in order of hire; emails
  ``first.last.<number>@example.com`` (lowercase ASCII, unique).
* ``sessions`` (the ledger's columns, :data:`peerweave.learning.schema.SESSION_COLUMNS`)
  cover the 365 days that end on the event log's last day; every session passes
  :func:`peerweave.ingest.sessions.validate_sessions`, and ``feedback`` is given only on
  held sessions, at most once per session and side.
* The same seed and arguments give byte-identical files; events do not depend on
  the chunk size.

Examples
--------
>>> org = generate_organization(40, seed=7, weeks=2)
>>> len(org.people), org.truth["n_people"]
(40, 40)
>>> sorted(org.events()["channel"].unique())
['call', 'chat', 'email', 'meeting']
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from peerweave.errors import ConstraintError, InputError, Problem
from peerweave.ingest.synthetic._contacts import build_contacts
from peerweave.ingest.synthetic._events import BLOCK, EVENT_SCHEMA, Batch, EventModel
from peerweave.ingest.synthetic._events import build_event_model as _build_event_model
from peerweave.ingest.synthetic._frames import (
    identity,
    people_frame,
    skills_frame,
    survey_frame,
    truth_dict,
)
from peerweave.ingest.synthetic._org import build_org
from peerweave.ingest.synthetic._sessions import (
    build_programme,
    programme_frames,
    programme_truth,
)
from peerweave.ingest.synthetic._survey import build_skills, build_survey

__all__ = [
    "EVENT_COLUMNS",
    "FILES",
    "MAX_PEOPLE",
    "MIN_PEOPLE",
    "SURVEY_COLUMNS",
    "SyntheticOrganization",
    "generate_organization",
    "generate_to_directory",
    "write_organization",
]

MIN_PEOPLE = 20
MAX_PEOPLE = 1_000_000
#: Above this many people, :meth:`SyntheticOrganization.events` refuses (use chunks).
MAX_PEOPLE_IN_ONE_FRAME = 200_000
#: Columns of ``events.parquet``.
EVENT_COLUMNS: tuple[str, ...] = tuple(EVENT_SCHEMA.names)
#: Columns of ``survey.csv``.
SURVEY_COLUMNS: tuple[str, ...] = ("respondent", "question", "colleague", "strength")
#: The files :func:`write_organization` writes, by key.
FILES: dict[str, str] = {
    "people": "people.csv",
    "events": "events.parquet",
    "skills": "skills.csv",
    "survey": "survey.csv",
    "sessions": "sessions.csv",
    "feedback": "feedback.csv",
    "truth": "truth.json",
}
_DEFAULT_CHUNK = 65_536
_MAX_CHUNK_EVENTS = 8_000_000

# random streams (SeedSequence spawn keys) of each part, so parts do not shift each other
_ORG, _CONTACTS, _SURVEY, _SKILLS, _MODEL, _SESSIONS = 1, 2, 3, 4, 5, 6


@dataclass(frozen=True, eq=False, repr=False)
class SyntheticOrganization:
    """A generated organization: people, skills, survey, learning history, events, truth.

    ``people`` has the columns of :data:`peerweave.org.schema.PEOPLE_COLUMNS`,
    ``skills`` those of :data:`~peerweave.org.schema.SKILLS_COLUMNS`, ``survey``
    ``respondent, question, colleague, strength``; ``sessions`` and ``feedback`` those of
    :mod:`peerweave.learning.schema` (skills spelled as in ``skills``; times are whole
    days). Events are produced on demand, chunk by chunk (:meth:`iter_events`), so they
    never need to fit in memory.

    Examples
    --------
    >>> org = generate_organization(40, seed=1, weeks=1)
    >>> org.n_people, list(org.survey.columns)
    (40, ['respondent', 'question', 'colleague', 'strength'])
    """

    people: pd.DataFrame
    skills: pd.DataFrame
    survey: pd.DataFrame
    sessions: pd.DataFrame
    feedback: pd.DataFrame
    truth: dict[str, Any]
    _model: EventModel = field(repr=False)

    @property
    def n_people(self) -> int:
        """Number of people.

        Examples
        --------
        >>> generate_organization(40, weeks=1).n_people
        40
        """
        return self._model.org.n

    def __repr__(self) -> str:
        t = self.truth
        return (
            f"SyntheticOrganization(n_people={t['n_people']}, seed={t['seed']}, "
            f"weeks={t['weeks']}, departments={len(t['departments'])})"
        )

    def iter_event_tables(self, chunk_people: int = _DEFAULT_CHUNK) -> Iterator[Any]:
        """Events as ``pyarrow.Table`` chunks: the events sent by about ``chunk_people`` people.

        Within a block of 1,024 senders events are in time order; the concatenation
        of all chunks is the same whatever the chunk size. Events from outside
        addresses come with the chunk of their recipient.

        Parameters
        ----------
        chunk_people
            Senders per chunk, rounded up to a whole number of blocks of 1,024 (and
            lowered so that a chunk holds about 8 million events at most).

        Yields
        ------
        pyarrow.Table
            Columns ``sender``, ``recipients``, ``timestamp``, ``channel``,
            ``duration`` (see :meth:`iter_events`).

        Examples
        --------
        >>> org = generate_organization(40, weeks=1)
        >>> [t.num_columns for t in org.iter_event_tables()]
        [5]
        """
        if chunk_people < 1:
            raise InputError("chunk_people", Problem(f"{chunk_people} is not a positive number"))
        model = self._model
        per_block = float(model.expected.sum()) / model.n_blocks
        per = max(1, min(-(-chunk_people // BLOCK), int(_MAX_CHUNK_EVENTS // max(per_block, 1.0))))
        for b in range(0, model.n_blocks, per):
            batch = Batch.concat([model.block(i) for i in range(b, min(b + per, model.n_blocks))])
            yield batch.to_arrow(model.addresses)

    def iter_events(self, chunk_people: int = _DEFAULT_CHUNK) -> Iterator[pd.DataFrame]:
        """Events as DataFrame chunks, so that millions of people's events never sit in memory.

        Parameters
        ----------
        chunk_people
            Senders per chunk, rounded up to a whole number of blocks of 1,024.

        Yields
        ------
        pandas.DataFrame
            ``sender`` (email), ``recipients`` (``;``-separated emails; meeting
            attendees, the organizer being the sender), ``timestamp`` (UTC),
            ``channel`` (email, chat, meeting, call) and ``duration`` (minutes;
            missing for email and chat).

        Examples
        --------
        >>> org = generate_organization(3000, weeks=1)
        >>> sum(1 for _ in org.iter_events(chunk_people=1024))
        3
        """
        for table in self.iter_event_tables(chunk_people):
            yield table.to_pandas()

    def events(self) -> pd.DataFrame:
        """All events in one DataFrame (up to 200,000 people; use :meth:`iter_events` above).

        Returns
        -------
        pandas.DataFrame
            The columns of :meth:`iter_events`.

        Raises
        ------
        peerweave.errors.ConstraintError
            For more than 200,000 people.

        Examples
        --------
        >>> ev = generate_organization(40, weeks=1).events()
        >>> list(ev.columns)
        ['sender', 'recipients', 'timestamp', 'channel', 'duration']
        """
        if self.n_people > MAX_PEOPLE_IN_ONE_FRAME:
            raise ConstraintError(
                f"{self.n_people:,} people's events do not fit one DataFrame; read them "
                "chunk by chunk with iter_events() or write them with write_organization()"
            )
        tables = list(self.iter_event_tables(self.n_people))
        frame: pd.DataFrame = pa.concat_tables(tables).to_pandas()
        return frame


def _entropy(seed: int | np.random.Generator | None) -> int:
    if seed is None:
        return int(np.random.SeedSequence().entropy)  # type: ignore[arg-type]
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**63))
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError(
            "--seed", Problem(f"{seed!r} is not a seed", fix="use a whole number 0 or more")
        )
    return int(seed)


def _validate(n_people: int, weeks: int, start: str, events_per_person_week: float) -> dt.date:
    if isinstance(n_people, bool) or not isinstance(n_people, int | np.integer):
        raise InputError(
            "--people", Problem(f"{n_people!r} is not a whole number", fix="give e.g. 1000")
        )
    if not MIN_PEOPLE <= n_people <= MAX_PEOPLE:
        raise InputError(
            "--people",
            Problem(
                f"{n_people:,} people is out of range",
                fix=f"choose from {MIN_PEOPLE} to {MAX_PEOPLE:,} people",
            ),
        )
    if isinstance(weeks, bool) or not isinstance(weeks, int | np.integer) or not 1 <= weeks <= 104:
        raise InputError("--weeks", Problem(f"{weeks!r} weeks", fix="choose from 1 to 104 weeks"))
    try:
        day = dt.date.fromisoformat(str(start))
    except ValueError:
        raise InputError(
            "--start", Problem(f"{start!r} is not a date", fix="write it as YYYY-MM-DD")
        ) from None
    rate = float(events_per_person_week)
    if not 0 < rate <= 100:
        raise InputError(
            "--events-per-person-week",
            Problem(
                f"{events_per_person_week!r} is out of range",
                fix="use a number above 0 and up to 100",
            ),
        )
    return day


def _rng(entropy: int, stream: int) -> np.random.Generator:
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(entropy, spawn_key=(stream,)))
    )


def generate_organization(
    n_people: int,
    *,
    seed: int | np.random.Generator | None = 0,
    weeks: int = 12,
    start: str = "2026-01-05",
    events_per_person_week: float = 4.0,
) -> SyntheticOrganization:
    """Generate a realistic organization of ``n_people`` (20 to 1,000,000).

    Parameters
    ----------
    n_people
        How many people, from 20 to 1,000,000.
    seed
        A whole number (the same seed gives the same organization), a numpy
        ``Generator`` to draw one from, or ``None`` for a fresh one; the seed used
        is in ``truth["seed"]``.
    weeks
        Length of the event log in weeks (1–104), starting on ``start``.
    start
        First day of the event log, ``YYYY-MM-DD``.
    events_per_person_week
        Events each person sends per week, on average.

    Returns
    -------
    SyntheticOrganization
        People, skills, survey answers and the learning programme's sessions and
        feedback as DataFrames, events on demand, and the planted truth.

    Raises
    ------
    peerweave.errors.InputError
        If an argument is out of range (the message says which and how to fix it).

    Examples
    --------
    >>> org = generate_organization(40, seed=3, weeks=1)
    >>> org.people.loc[org.people["manager_id"].isna(), "title"].tolist()
    ['Chief Executive Officer']
    >>> len(org.truth["hidden_influencers"]) >= 2, len(org.truth["brokers"]) >= 2
    (True, True)
    """
    day = _validate(n_people, weeks, start, events_per_person_week)
    n = int(n_people)
    weeks = int(weeks)
    entropy = _entropy(seed)
    start_day = (day - dt.date(1970, 1, 1)).days
    org = build_org(n, start_day, _rng(entropy, _ORG))
    ids, names, emails = identity(org)
    contacts = build_contacts(org, _rng(entropy, _CONTACTS))
    model = _build_event_model(
        org,
        contacts,
        emails,
        weeks=weeks,
        start=day,
        events_per_person_week=float(events_per_person_week),
        entropy=entropy,
        rng=_rng(entropy, _MODEL),
    )
    skill_rows = build_skills(org, _rng(entropy, _SKILLS))
    end_day = start_day + 7 * weeks - 1  # the event log's last day
    programme = build_programme(org, contacts, skill_rows, end_day, _rng(entropy, _SESSIONS))
    sessions, feedback = programme_frames(programme, ids)
    truth = truth_dict(org, ids, entropy, weeks, day, float(events_per_person_week))
    truth["programme"] = programme_truth(programme, ids)
    return SyntheticOrganization(
        people=people_frame(org, ids, names, emails),
        skills=skills_frame(org, ids, skill_rows),
        survey=survey_frame(org, ids, build_survey(org, contacts, _rng(entropy, _SURVEY))),
        sessions=sessions,
        feedback=feedback,
        truth=truth,
        _model=model,
    )


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_bool_dtype(values):
            out[column] = np.where(values.to_numpy(dtype=bool), "true", "false")
        elif pd.api.types.is_datetime64_any_dtype(values):
            out[column] = values.dt.strftime("%Y-%m-%d")
    out.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def write_organization(
    org: SyntheticOrganization, out_dir: Path | str, *, chunk_people: int = _DEFAULT_CHUNK
) -> dict[str, Path]:
    """Write people, events, skills, survey, sessions and feedback files, and ``truth.json``.

    Events are streamed to Parquet chunk by chunk (one row group per chunk), so
    memory stays bounded at any size. Booleans are written ``true``/``false``, dates
    ``YYYY-MM-DD``, the CEO's ``manager_id`` and other missing values empty.

    Parameters
    ----------
    org
        The organization from :func:`generate_organization`.
    out_dir
        Directory to write into (created if missing; files there are replaced).
    chunk_people
        Senders per chunk of events.

    Returns
    -------
    dict[str, Path]
        The path of each file, by key: ``people``, ``events``, ``skills``, ``survey``,
        ``sessions``, ``feedback``, ``truth``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = write_organization(generate_organization(40, weeks=1), tmp)
    ...     sorted(p.name for p in paths.values())
    ['events.parquet', 'feedback.csv', 'people.csv', 'sessions.csv', 'skills.csv', 'survey.csv',
     'truth.json']
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {key: out / name for key, name in FILES.items()}
    _write_csv(org.people, paths["people"])
    _write_csv(org.skills, paths["skills"])
    _write_csv(org.survey, paths["survey"])
    _write_csv(org.sessions, paths["sessions"])
    _write_csv(org.feedback, paths["feedback"])
    with pq.ParquetWriter(
        paths["events"],
        EVENT_SCHEMA,
        compression="zstd",
        use_dictionary=["channel", "sender"],
    ) as writer:
        for table in org.iter_event_tables(chunk_people):
            writer.write_table(table, row_group_size=max(1, table.num_rows))
    paths["truth"].write_text(
        json.dumps(org.truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return paths


def generate_to_directory(
    out_dir: Path | str, n_people: int, *, seed: int | np.random.Generator | None = 0, **kw: Any
) -> dict[str, Path]:
    """Generate an organization and write its files (see :func:`write_organization`).

    Parameters
    ----------
    out_dir
        Directory to write into (created if missing).
    n_people
        How many people, from 20 to 1,000,000.
    seed
        As for :func:`generate_organization`.
    **kw
        Passed to :func:`generate_organization`: ``weeks``, ``start``,
        ``events_per_person_week``.

    Returns
    -------
    dict[str, Path]
        The path of each file written, by key.

    Examples
    --------
    >>> import tempfile, json
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = generate_to_directory(tmp, 40, seed=5, weeks=1)
    ...     json.loads(paths["truth"].read_text())["n_people"]
    40
    """
    return write_organization(generate_organization(n_people, seed=seed, **kw), out_dir)
