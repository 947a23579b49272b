"""The exceptions peerweave raises for problems a user can cause and fix.

Hierarchy::

    PeerweaveError                 every error a user can cause; the CLI prints it, exit 2
    ├── InputError                 a file or value is wrong; carries one Problem per bad row
    │   ├── FileFormatError        unreadable file: empty, wrong encoding, delimiter, sheet, format
    │   ├── MissingColumnError     a required column is absent
    │   └── ValidationError        rows that break a rule (duplicate id, manager cycle, bad date…)
    ├── UnknownIdError             an id that names no known person, session, initiative…
    ├── ConstraintError            constraints that cannot all hold (say which to relax)
    └── StoreError                 the database cannot be opened or is not at the expected schema

Every message names the file, the row(s) and the column and says how to fix it.
Row numbers are the ones a person sees in a spreadsheet: the header is row 1,
the first data row is row 2.

Examples
--------
>>> err = ValidationError(
...     "people.csv",
...     [Problem(row=3, column="manager_id", message="unknown manager 'X9'",
...              fix="add X9 to the file or leave manager_id empty")],
... )
>>> print(err)
people.csv: 1 problem
  row 3, column manager_id: unknown manager 'X9' (fix: add X9 to the file or leave manager_id empty)
>>> isinstance(err, PeerweaveError)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "MAX_REPORTED_PROBLEMS",
    "ConstraintError",
    "FileFormatError",
    "InputError",
    "MissingColumnError",
    "PeerweaveError",
    "Problem",
    "StoreError",
    "UnknownIdError",
    "ValidationError",
]

#: How many problems one error lists before it says "… and N more".
MAX_REPORTED_PROBLEMS = 50


class PeerweaveError(Exception):
    """Base class of every error a user can cause and fix.

    >>> str(PeerweaveError("no database at ./x.db; run `peerweave init` first"))
    'no database at ./x.db; run `peerweave init` first'
    """


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an input: where it is and how to fix it.

    ``row`` is the spreadsheet row (header = 1) or ``None`` for the whole file;
    ``column`` is ``None`` when the problem is not about one column.

    >>> Problem(row=2, column="level", message="level 'x' is not a number").where()
    'row 2, column level'
    """

    message: str
    row: int | None = None
    column: str | None = None
    fix: str | None = None

    def where(self) -> str:
        """Say where the problem is, as a person reads it.

        >>> Problem("empty file").where()
        'file'
        """
        parts = []
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column}")
        return ", ".join(parts) if parts else "file"

    def __str__(self) -> str:
        whole_file = self.row is None and self.column is None
        text = self.message if whole_file else f"{self.where()}: {self.message}"
        return f"{text} (fix: {self.fix})" if self.fix else text


class InputError(PeerweaveError):
    """A file (or value) is wrong; lists every problem found, up to a cap.

    >>> e = InputError("ties.csv", [Problem("bad weight", row=r, column="weight") for r in range(2, 60)])
    >>> len(e.problems), str(e).splitlines()[-1].strip()
    (58, '… and 8 more problems')
    >>> str(InputError("big.csv", [Problem("bad", row=2)], total=7)).splitlines()[0]
    'big.csv: 7 problems'
    """

    def __init__(
        self,
        source: str,
        problems: Sequence[Problem] | Problem | str,
        *,
        total: int | None = None,
    ) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.source = source
        self.problems: list[Problem] = list(problems)
        #: How many problems there are in all; a reader that fetched only the first rows
        #: of a huge file passes the full count here.
        self.total = max(total or 0, len(self.problems))
        super().__init__(self._render())

    def _render(self) -> str:
        n = self.total
        if n == 1 and self.problems[0].row is None and self.problems[0].column is None:
            return f"{self.source}: {self.problems[0]}"
        shown = self.problems[:MAX_REPORTED_PROBLEMS]
        lines = [f"{self.source}: {n} problem{'s' if n != 1 else ''}"]
        lines += [f"  {p}" for p in shown]
        if n > len(shown):
            lines.append(f"  … and {n - len(shown)} more problems")
        return "\n".join(lines)


class FileFormatError(InputError):
    """The file cannot be read as the format it should be in.

    >>> str(FileFormatError("x.csv", "the file is empty"))
    'x.csv: the file is empty'
    """


class MissingColumnError(InputError):
    """A required column is absent from the header.

    >>> str(MissingColumnError("p.csv", Problem("missing", column="person_id")))
    'p.csv: 1 problem\\n  column person_id: missing'
    """


class ValidationError(InputError):
    """Rows that break a rule of the domain (duplicate ids, cycles, bad values)."""


class UnknownIdError(PeerweaveError):
    """An id names nothing peerweave knows (a person, a session, an initiative)."""


class ConstraintError(PeerweaveError):
    """Constraints that cannot all hold; the message says which one to relax."""


class StoreError(PeerweaveError):
    """The database cannot be opened, or is not at the schema this version expects."""
