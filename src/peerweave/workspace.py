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
from typing import TYPE_CHECKING, Literal, Self

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
    list_analysis_runs,
    load_people,
    load_person_metrics,
    load_skills,
    load_ties,
    record_import,
    save_analysis,
    save_people,
    save_skills,
    save_ties,
    store_status,
)

if TYPE_CHECKING:  # the analysis stack (Numba, igraph) is imported on first use only
    from peerweave.network.analysis import AnalysisOptions, NetworkAnalysis
    from peerweave.network.graph import OrgGraph

__all__ = ["TABLES", "AnalysisResult", "ImportResult", "Workspace"]

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


@dataclass(frozen=True)
class AnalysisResult:
    """One network analysis: the stored run's id (``None`` when not saved), the analysis,
    and the graph it was computed on (its ``people`` carry names and departments)."""

    run_id: int | None
    analysis: NetworkAnalysis
    graph: OrgGraph


def _when(value: object, option: str) -> pd.Timestamp | None:
    """A window bound as a naive UTC timestamp; ``InputError`` naming ``option`` if not a date."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    stamp: pd.Timestamp | None
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        stamp = None
    if stamp is None or pd.isna(stamp):
        raise InputError(option, Problem(f"{value!r} is not a date", fix="write it as YYYY-MM-DD"))
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp


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


#: Extensions ``write_table`` writes.
TABLE_SUFFIXES = (".csv", ".tsv", ".parquet", ".json", ".jsonl", ".ndjson")


def _check_table_path(path: Path) -> None:
    if path.suffix.lower() not in TABLE_SUFFIXES:
        raise InputError(
            str(path),
            Problem(
                f"peerweave does not write {path.suffix or 'files without an extension'}",
                fix="name the file .csv, .parquet or .json",
            ),
        )


def _window(lo: pd.Timestamp | None, hi: pd.Timestamp | None) -> str:
    start = "the beginning" if lo is None else f"{lo:%Y-%m-%d}"
    end = "now" if hi is None else f"{hi:%Y-%m-%d}"
    return f"from {start} to {end}"


def _check_analysable(
    people: pd.DataFrame, stored: Mapping[str, int], kinds: Sequence[str] | None
) -> None:
    """Raise ``InputError`` saying what to import when there is nothing to analyse."""
    if people.empty:
        raise InputError(
            "the database",
            Problem(
                "no current people are stored, so there is no network to analyse",
                fix="import people and ties first: `peerweave import people FILE`, then "
                "`peerweave import events|ties|survey|viva FILE`",
            ),
        )
    if not stored:
        raise InputError(
            "the database",
            Problem(
                "no ties are stored, so there is no network to analyse",
                fix="import ties first: `peerweave import events|ties|survey|viva FILE`",
            ),
        )
    unknown = [k for k in kinds or () if k not in stored]
    if kinds is not None and len(unknown) == len(kinds):
        raise InputError(
            "--kind",
            Problem(
                f"no ties of kind {', '.join(unknown) or '(none given)'} are stored",
                fix=f"choose among {', '.join(sorted(stored))}",
            ),
        )


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

    # -- network analysis ---------------------------------------------------------------

    def graph(
        self,
        *,
        kinds: Sequence[str] | None = None,
        start: object = None,
        end: object = None,
    ) -> OrgGraph:
        """The ``OrgGraph`` of the current people and the stored ties of ``kinds`` whose
        window overlaps ``[start, end)`` — what :meth:`analyze` analyses, for notebooks.

        Raises ``InputError`` when no people or no ties are stored, or none match.

        >>> with Workspace.open("sqlite://", create=True) as ws:
        ...     _ = ws.import_ties("docs/examples/ties.graphml")
        ...     ws.graph().n
        5
        """
        from peerweave.network.graph import OrgGraph

        lo, hi = _when(start, "--since"), _when(end, "--until")
        kinds = None if kinds is None else list(dict.fromkeys(kinds))
        if lo is not None and hi is not None and lo >= hi:
            raise InputError(
                "--since/--until",
                Problem(
                    f"the window starts on {lo:%Y-%m-%d} but ends on {hi:%Y-%m-%d}",
                    fix="give a start before the end (the end is exclusive)",
                ),
            )
        with self.store.transaction() as session:
            people = load_people(session=session)
            ties = load_ties(session=session, kinds=kinds)
            stored = store_status(session=session, last_imports=0).ties_by_kind
        _check_analysable(people, stored, kinds)
        graph = OrgGraph.from_frames(people, ties, kinds=kinds, start=lo, end=hi)
        if graph.m == 0 and len(ties) and (lo is not None or hi is not None):
            raise InputError(
                "--since/--until",
                Problem(
                    f"no stored tie between current people falls {_window(lo, hi)}",
                    fix="widen the window; `peerweave export csv ties FILE` shows the ties' dates",
                ),
            )
        return graph

    def analyze(
        self,
        *,
        kinds: Sequence[str] | None = None,
        start: object = None,
        end: object = None,
        options: AnalysisOptions | None = None,
        save: bool = True,
        export: PathLike | None = None,
    ) -> AnalysisResult:
        """Analyse the network of the current people (those who left are not in it).

        Ties of ``kinds`` (every kind when ``None``) whose window overlaps
        ``[start, end)`` form the graph (``OrgGraph.from_frames``);
        ``peerweave.network.analysis.analyze`` computes the metrics, roles, groups and
        whole-network figures with ``options`` (defaults when ``None``). With ``save``
        the run and every person's metrics are stored in one transaction. ``export``
        writes the per-person table (``EXPORT_COLUMNS``) as CSV, Parquet or JSON.
        Raises ``InputError`` when no people or no ties are stored, when no tie matches
        ``kinds`` and the window, or when ``export`` has an extension peerweave does not
        write (checked before any work).

        >>> with Workspace.open("sqlite://", create=True) as ws:
        ...     _ = ws.import_ties("docs/examples/ties.graphml")
        ...     result = ws.analyze()
        ...     stored = ws.person_metrics(result.run_id)
        >>> result.run_id, stored["person_id"].tolist() == result.graph.ids.tolist()
        (1, True)
        """
        from peerweave.network.analysis import EXPORT_COLUMNS, AnalysisOptions, analyze

        if export is not None:
            _check_table_path(Path(export))
        graph = self.graph(kinds=kinds, start=start, end=end)
        options = options or AnalysisOptions()
        analysis = analyze(graph, options)
        kinds = None if kinds is None else list(dict.fromkeys(kinds))
        lo, hi = _when(start, "--since"), _when(end, "--until")
        run_id = None
        if save:
            with self.store.transaction() as session:
                run_id = save_analysis(
                    session=session,
                    people=analysis.people,
                    summary=analysis.summary(),
                    params=options.to_dict(),
                    kinds=kinds,
                    start=lo,
                    end=hi,
                    notes=analysis.notes,
                )
        if export is not None:
            write_table(export, analysis.people[list(EXPORT_COLUMNS)])
        return AnalysisResult(run_id=run_id, analysis=analysis, graph=graph)

    def analysis_runs(self) -> pd.DataFrame:
        """Stored analysis runs, newest first (see ``list_analysis_runs``).

        >>> with Workspace.open("sqlite://", create=True) as ws:
        ...     ws.analysis_runs().empty
        True
        """
        with self.store.transaction() as session:
            return list_analysis_runs(session=session)

    def person_metrics(self, run_id: int | None = None) -> pd.DataFrame:
        """Per-person metrics of a stored run (the newest when ``None``; empty if none).

        >>> with Workspace.open("sqlite://", create=True) as ws:
        ...     ws.person_metrics().columns.tolist()[:3]
        ['person_id', 'degree', 'in_degree']
        """
        with self.store.transaction() as session:
            return load_person_metrics(session=session, run_id=run_id)

    # -- exports ------------------------------------------------------------------------

    def export_graph(
        self,
        path: PathLike,
        *,
        fmt: Literal["gexf", "graphml"] | None = None,
        kinds: Sequence[str] | None = None,
    ) -> Path:
        """Write people and ties as GEXF or GraphML for Gephi (format from the extension).

        The metrics and roles of the latest stored analysis run, if any, are node
        attributes too (people outside that run have none).
        """
        path = Path(path)
        fmt = fmt or ("graphml" if path.suffix.lower() == ".graphml" else "gexf")
        with self.store.transaction() as session:
            people = load_people(session=session, include_left=True)
            ties = load_ties(session=session, kinds=kinds)
            metrics = load_person_metrics(session=session)
        writer = write_graphml if fmt == "graphml" else write_gexf
        writer(path, people, ties, metrics=None if metrics.empty else metrics)
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
        _check_table_path(path)
        write_table(path, frames[table]())
        return path
