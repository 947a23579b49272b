"""An organization's data in one database: import files, read tables back, export them.

The one place where the readers (``peerweave.ingest``) meet the database
(``peerweave.store``); the CLI, the web app and notebooks all call it. Every import
reads and checks its files first, then writes in one transaction: a failed import
leaves the database exactly as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Literal, Self

import pandas as pd
from sqlalchemy.orm import Session

from peerweave.errors import InputError, Problem
from peerweave.ingest.events import aggregate_events
from peerweave.ingest.export import write_gexf, write_graphml, write_table
from peerweave.ingest.people import read_people
from peerweave.ingest.report import LoadReport, TiesLoad
from peerweave.ingest.skills import read_skills
from peerweave.ingest.survey import read_survey
from peerweave.ingest.ties import read_ties
from peerweave.ingest.viva import read_viva
from peerweave.org.schema import PEOPLE_COLUMNS, TIES_COLUMNS
from peerweave.store import (
    PeopleChanges,
    Store,
    StoreStatus,
    add_people_stubs,
    load_people,
    load_skills,
    load_ties,
    record_import,
    save_people,
    save_skills,
    save_ties,
    store_status,
)

__all__ = ["TABLES", "ImportResult", "Workspace"]

#: Tables that ``export_table`` writes.
TABLES = ("people", "ties", "skills")

PathLike = str | Path


@dataclass(frozen=True)
class ImportResult:
    """What one import read and stored (nothing stored when ``dry_run``)."""

    kind: str
    reports: tuple[LoadReport, ...]
    import_id: int | None = None
    people: PeopleChanges | None = None
    people_created: int = 0
    ties_saved: int = 0
    skills_saved: int = 0
    dry_run: bool = False
    notes: tuple[Problem, ...] = field(default_factory=tuple)


def _paths(paths: PathLike | Iterable[PathLike]) -> list[Path]:
    if isinstance(paths, str | Path):
        return [Path(paths)]
    return [Path(p) for p in paths]


def _record(
    session: Session,
    kind: str,
    files: Sequence[PathLike],
    reports: Sequence[LoadReport],
    *,
    records: int | None = None,
) -> int:
    """Log one import of ``kind`` from ``files`` with the readers' reports; return its id."""
    return record_import(
        session=session,
        kind=kind,
        files=[str(f) for f in files],
        rows_read=sum(r.rows_read for r in reports),
        records=sum(r.records for r in reports) if records is None else records,
        report=reports[0].to_dict()
        if len(reports) == 1
        else {"files": [r.to_dict() for r in reports]},
    )


def _merge_ties(loads: Sequence[TiesLoad]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    ties = pd.concat([t.ties for t in loads], ignore_index=True)
    new = pd.concat([t.new_people for t in loads], ignore_index=True)
    attrs = (
        pd.concat([t.people for t in loads if not t.people.empty], ignore_index=True)
        if any(not t.people.empty for t in loads)
        else pd.DataFrame()
    )
    if not ties.empty:
        keys = ["source", "target", "kind"]
        windows = ties.groupby(keys, sort=False).agg(
            weight=("weight", "sum"),
            window_start=("window_start", "min"),
            window_end=("window_end", "max"),
        )
        ties = windows.reset_index()[list(TIES_COLUMNS)]
    new_ids = new["person_id"].drop_duplicates() if not new.empty else pd.Series(dtype="string")
    return ties, pd.DataFrame({"person_id": new_ids}), attrs


class Workspace:
    """One organization's database, with imports, reads and exports.

    >>> ws = Workspace.open("sqlite://", create=True)
    >>> ws.status().people_active
    0
    >>> ws.close()
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    @classmethod
    def open(cls, db: str | None = None, *, create: bool = False) -> Self:
        """Open the database at ``db`` (a URL or SQLite path; default ./peerweave.db)."""
        return cls(Store.open(db, create=create))

    def close(self) -> None:
        """Release the database connections."""
        self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- reading back -------------------------------------------------------------------

    def people(self, *, include_left: bool = False) -> pd.DataFrame:
        """The people table (active people; with ``include_left`` also those who left)."""
        with self.store.transaction() as session:
            return load_people(session=session, include_left=include_left)

    def ties(self, *, kinds: Sequence[str] | None = None) -> pd.DataFrame:
        """The ties table, optionally only some kinds."""
        with self.store.transaction() as session:
            return load_ties(session=session, kinds=kinds)

    def skills(self) -> pd.DataFrame:
        """The person-skill table."""
        with self.store.transaction() as session:
            return load_skills(session=session)

    def status(self) -> StoreStatus:
        """What is loaded, from which files, when."""
        with self.store.transaction() as session:
            return store_status(session=session)

    # -- imports ------------------------------------------------------------------------

    @staticmethod
    def check_people(
        path: PathLike,
        *,
        mapping: Mapping[str, str] | None = None,
        sheet: str | None = None,
        encoding: str | None = None,
    ) -> ImportResult:
        """Read and check a people file without any database (what ``--dry-run`` reports).

        >>> Workspace.check_people("docs/examples/people.csv").reports[0].records
        7
        """
        load = read_people(path, mapping=mapping, sheet=sheet, encoding=encoding)
        return ImportResult("people", (load.report,), dry_run=True)

    def import_people(
        self,
        path: PathLike,
        *,
        mapping: Mapping[str, str] | None = None,
        sheet: str | None = None,
        encoding: str | None = None,
        dry_run: bool = False,
    ) -> ImportResult:
        """Import (or re-import) the people file; people missing from it are marked as left."""
        if dry_run:
            return self.check_people(path, mapping=mapping, sheet=sheet, encoding=encoding)
        load = read_people(path, mapping=mapping, sheet=sheet, encoding=encoding)
        with self.store.transaction() as session:
            import_id = _record(session, "people", [path], [load.report])
            changes = save_people(session=session, people=load.people, import_id=import_id)
        return ImportResult("people", (load.report,), import_id=import_id, people=changes)

    def _store_ties(
        self, kind: str, files: Sequence[Path], loads: Sequence[TiesLoad], *, dry_run: bool
    ) -> ImportResult:
        reports = tuple(t.report for t in loads)
        ties, new_people, attrs = _merge_ties(loads)
        if dry_run:
            return ImportResult(kind, reports, people_created=len(new_people), dry_run=True)
        with self.store.transaction() as session:
            import_id = _record(session, kind, files, reports, records=len(ties))
            created = add_people_stubs(
                session=session, person_ids=new_people["person_id"].tolist(), import_id=import_id
            )
            if not attrs.empty:
                known = [c for c in PEOPLE_COLUMNS if c in attrs.columns]
                save_people(
                    session=session,
                    people=attrs[known],
                    import_id=import_id,
                    mark_missing_left=False,
                )
            saved = save_ties(session=session, ties=ties, import_id=import_id)
        return ImportResult(
            kind, reports, import_id=import_id, people_created=created, ties_saved=saved
        )

    def _known(self) -> pd.DataFrame:
        people = self.people(include_left=True)
        return people[["person_id", "email"]]

    def import_events(
        self,
        paths: PathLike | Iterable[PathLike],
        *,
        start: str | pd.Timestamp | None = None,
        end: str | pd.Timestamp | None = None,
        max_recipients: int = 20,
        max_attendees: int = 25,
        reciprocal: bool = False,
        strict: bool = False,
        dry_run: bool = False,
    ) -> ImportResult:
        """Aggregate collaboration events (CSV, Parquet, JSON Lines) into weighted ties."""
        files = _paths(paths)
        known = self._known()
        if known.empty:
            raise InputError(
                ", ".join(map(str, files)),
                Problem(
                    "no people are loaded, so no address can be matched",
                    fix="run `peerweave import people FILE` first",
                ),
            )
        load = aggregate_events(
            files,
            people=known,
            start=start,
            end=end,
            max_recipients=max_recipients,
            max_attendees=max_attendees,
            reciprocal=reciprocal,
            strict=strict,
        )
        return self._store_ties("events", files, [load], dry_run=dry_run)

    def import_ties(
        self,
        paths: PathLike | Iterable[PathLike],
        *,
        kind: str = "collaboration",
        strict: bool = False,
        mapping: Mapping[str, str] | None = None,
        dry_run: bool = False,
    ) -> ImportResult:
        """Import edge lists (CSV/TSV/XLSX), GraphML or GEXF; unknown endpoints become people."""
        files = _paths(paths)
        known = self._known()
        loads = [
            read_ties(f, people=known, kind=kind, strict=strict, mapping=mapping) for f in files
        ]
        return self._store_ties("ties", files, loads, dry_run=dry_run)

    def import_survey(
        self, path: PathLike, *, strict: bool = False, dry_run: bool = False
    ) -> ImportResult:
        """Import ONA survey answers (respondent, question, colleague[, strength])."""
        load = read_survey(path, people=self._known(), strict=strict)
        return self._store_ties("survey", [Path(path)], [load], dry_run=dry_run)

    def import_viva(
        self,
        path: PathLike,
        *,
        strict: bool = False,
        weight_column: str | None = None,
        dry_run: bool = False,
    ) -> ImportResult:
        """Import a Viva Insights person-to-person query: ties plus person attributes."""
        known = self._known()
        load = (
            read_viva(path, people=known, strict=strict)
            if weight_column is None
            else read_viva(path, people=known, strict=strict, weight_column=weight_column)
        )
        return self._store_ties("viva", [Path(path)], [load], dry_run=dry_run)

    def import_skills(
        self,
        path: PathLike,
        *,
        mapping: Mapping[str, str] | None = None,
        sheet: str | None = None,
        dry_run: bool = False,
    ) -> ImportResult:
        """Import the skills file; each person's earlier skill rows are replaced."""
        load = read_skills(
            path, people=self.people(include_left=True), mapping=mapping, sheet=sheet
        )
        if dry_run:
            return ImportResult("skills", (load.report,), dry_run=True)
        with self.store.transaction() as session:
            import_id = _record(session, "skills", [path], [load.report])
            saved = save_skills(session=session, skills=load.skills, import_id=import_id)
        return ImportResult("skills", (load.report,), import_id=import_id, skills_saved=saved)

    # -- exports ------------------------------------------------------------------------

    def export_graph(
        self,
        path: PathLike,
        *,
        fmt: Literal["gexf", "graphml"] | None = None,
        kinds: Sequence[str] | None = None,
    ) -> Path:
        """Write people and ties as GEXF or GraphML for Gephi (format from the extension)."""
        path = Path(path)
        fmt = fmt or ("graphml" if path.suffix.lower() == ".graphml" else "gexf")
        people, ties = self.people(include_left=True), self.ties(kinds=kinds)
        writer = write_graphml if fmt == "graphml" else write_gexf
        writer(path, people, ties)
        return path

    def export_table(self, table: str, path: PathLike) -> Path:
        """Write one table (people, ties, skills) as CSV, Parquet or JSON by extension."""
        if table not in TABLES:
            raise InputError(
                "export", Problem(f"no table {table!r}", fix=f"choose one of {', '.join(TABLES)}")
            )
        frames = {
            "people": lambda: self.people(include_left=True),
            "ties": self.ties,
            "skills": self.skills,
        }
        path = Path(path)
        write_table(path, frames[table]())
        return path
