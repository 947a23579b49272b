"""What a reader loaded and what it noticed: the load report every reader returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from peerweave.errors import Problem

__all__ = ["LoadReport", "PeopleLoad", "SkillsLoad", "TiesLoad"]


@dataclass(frozen=True)
class LoadReport:
    """A reader's account of one load: rows read, records made, counts and notes.

    ``counts`` holds named tallies (``unknown_addresses``, ``broadcasts_left_out`` …);
    ``notes`` holds warnings that did not stop the load (rows left out, people created).

    >>> r = LoadReport(kind="ties", source="ties.csv", rows_read=3, records=2,
    ...                counts={"self_loops_left_out": 1},
    ...                notes=(Problem("self-loop left out", row=4),))
    >>> r.summary()
    'ties.csv: 3 rows read, 2 ties; self_loops_left_out=1'
    >>> r.to_dict()["notes"][0]["row"]
    4
    """

    kind: str
    source: str
    rows_read: int
    records: int
    counts: Mapping[str, int] = field(default_factory=dict)
    notes: tuple[Problem, ...] = ()

    def summary(self) -> str:
        """One line: what was read and made, with the non-zero counts."""
        noun = {
            "people": "people",
            "skills": "skill rows",
            "sessions": "sessions",
            "feedback": "feedback rows",
        }.get(self.kind, "ties")
        text = f"{self.source}: {self.rows_read} rows read, {self.records} {noun}"
        extra = ", ".join(f"{k}={v}" for k, v in self.counts.items() if v)
        return f"{text}; {extra}" if extra else text

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON (stored with the import)."""
        return {
            "kind": self.kind,
            "source": self.source,
            "rows_read": self.rows_read,
            "records": self.records,
            "counts": dict(self.counts),
            "notes": [
                {"message": p.message, "row": p.row, "column": p.column, "fix": p.fix}
                for p in self.notes
            ],
        }


@dataclass(frozen=True)
class PeopleLoad:
    """People read from a file: the canonical frame and its report."""

    people: pd.DataFrame
    report: LoadReport


@dataclass(frozen=True)
class TiesLoad:
    """Ties read from a file, the id-only people it named that were not known, and the report.

    ``people`` holds attributes the file carried about people (GraphML/GEXF node
    attributes, Viva Insights collaborator columns); it is empty when there were none.
    """

    ties: pd.DataFrame
    new_people: pd.DataFrame
    report: LoadReport
    people: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass(frozen=True)
class SkillsLoad:
    """Skill rows read from a file and the report."""

    skills: pd.DataFrame
    report: LoadReport
