"""An organization's data in one database: import files, read tables back, export them.

The one place where the readers (``peerweave.ingest``) meet the database
(``peerweave.store``); the CLI, the web app and notebooks all call it. Every import
reads and checks its files first, then writes in one transaction: a failed import
leaves the database exactly as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Literal, Self

import numpy as np
import numpy.typing as npt
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
    add_feedback,
    add_people_stubs,
    add_sessions,
    endorse,
    list_analysis_runs,
    list_initiatives,
    list_rounds,
    load_champions,
    load_endorsements,
    load_feedback,
    load_people,
    load_person_metrics,
    load_sessions,
    load_skills,
    load_ties,
    mark_applied,
    record_import,
    save_analysis,
    save_initiative,
    save_people,
    save_round,
    save_skills,
    save_ties,
    set_status,
    store_status,
    wish_dates,
)
from peerweave.workspace_measure import (
    FitResult,
    InfluenceResult,
    MeasureMixin,
    ReportResult,
    TrackResult,
)

if TYPE_CHECKING:  # the analysis stack (Numba, igraph) is imported on first use only
    from peerweave.circles import CircleRound
    from peerweave.learning.health import ProgrammeHealth
    from peerweave.learning.matching import MatchOptions, MatchRound
    from peerweave.network.analysis import AnalysisOptions, NetworkAnalysis
    from peerweave.network.graph import OrgGraph
    from peerweave.spread.model import SpreadModel
    from peerweave.spread.simulate import Simulation
    from peerweave.spread.strategies import Comparison, GroupLimits, Seeds

__all__ = [
    "TABLES",
    "AnalysisResult",
    "ChampionsResult",
    "FeedbackView",
    "FitResult",
    "ForecastResult",
    "HealthResult",
    "ImportResult",
    "InfluenceResult",
    "MatchResult",
    "RecognitionResult",
    "ReportResult",
    "TrackResult",
    "Workspace",
]

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
    sessions_saved: int = 0
    feedback_saved: int = 0
    dry_run: bool = False
    notes: tuple[Problem, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class AnalysisResult:
    """One network analysis: the stored run's id (``None`` when not saved), the analysis,
    and the graph it was computed on (its ``people`` carry names and departments)."""

    run_id: int | None
    analysis: NetworkAnalysis
    graph: OrgGraph


@dataclass(frozen=True)
class ChampionsResult:
    """Champions chosen (and stored as an initiative unless ``initiative_id`` is ``None``).

    ``champions``: ``rank, person_id, name, department, marginal_gain, reason`` (name and
    department when known). ``estimated_reach`` is the OPIM-C estimate for ``ic`` and ``lt`` and
    the simulated mean reach for the complex-contagion heuristic; ``simulation`` (when
    ``runs > 0``) the simulated spread from the champions over ``steps`` weeks;
    ``eligible`` the people who could be champions, ``population`` those who can adopt
    (everyone not opted out).
    """

    initiative_id: int | None
    name: str
    seeds: Seeds
    champions: pd.DataFrame
    graph: OrgGraph
    model: SpreadModel
    k: int
    eligible: int
    population: int
    estimated_reach: float
    guarantee: str
    simulation: Simulation | None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ForecastResult:
    """Strategies compared (``comparison``), on ``graph``; ``files`` written (curves, charts)."""

    comparison: Comparison
    graph: OrgGraph
    files: tuple[Path, ...] = ()


@dataclass(frozen=True)
class MatchResult:
    """A matching round (``round``) and what became of it.

    ``round_id`` is the stored round (``None`` when not saved); ``session_ids`` the proposed
    sessions made from its matches; ``served`` the wishes left out because an open or held
    session already serves them; ``people`` the current people (names, departments) for
    display; ``files`` what ``export`` wrote; ``notes`` what a reader must know.
    """

    round_id: int | None
    round: MatchRound
    session_ids: tuple[int, ...]
    served: int
    people: pd.DataFrame
    files: tuple[Path, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _LearningInputs:
    """What a matching round and a peer search read from the store."""

    people: pd.DataFrame
    skills: pd.DataFrame
    graph: OrgGraph | None
    sessions: pd.DataFrame
    ratings: pd.DataFrame
    busy: pd.DataFrame
    notes: tuple[str, ...]


@dataclass(frozen=True)
class FeedbackView:
    """What ``viewer`` may see of one session's feedback (the double-blind rule).

    ``session`` is the session's row; ``visible`` the feedback rows they may read (their
    own always, the other side's once both have given theirs or the deadline passed);
    ``waiting`` the roles whose feedback is given but still hidden from them; ``visible_from``
    when hidden feedback shows at the latest (the deadline), ``None`` when nothing is hidden.
    """

    session: pd.Series
    viewer: str
    visible: pd.DataFrame
    waiting: tuple[str, ...]
    visible_from: pd.Timestamp | None


@dataclass(frozen=True)
class RecognitionResult:
    """Seeder credit: ``leaderboard`` (teachers over all skills), ``scores`` (per teacher and
    skill), ``tree`` (the snowball of ``skill`` when asked), ``people`` for names, ``files``
    written (the tree's picture) and ``notes``."""

    leaderboard: pd.DataFrame
    scores: pd.DataFrame
    tree: pd.DataFrame | None
    skill: str | None
    discount: float
    people: pd.DataFrame
    files: tuple[Path, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class HealthResult:
    """Programme health (``health``, see ``peerweave.learning.health``) and the feedback
    figures over the whole programme (``feedback``: per role, never per teacher)."""

    health: ProgrammeHealth
    feedback: pd.DataFrame
    notes: tuple[str, ...] = ()


#: Feedback figures over fewer answers than this are never shown (ratings stay private).
FEEDBACK_MIN_COUNT = 5


def _skill_name(skill: str, option: str = "skill") -> str:
    """A skill as the inventory stores it (trimmed, folded, lower case); ``InputError`` if empty."""
    from peerweave.org.skills import normalise_skill

    name = normalise_skill(pd.Series([skill], dtype="string")).iloc[0]
    if pd.isna(name):
        raise InputError(option, Problem("the skill is empty", fix="name a skill"))
    return str(name)


def _unmatched_path(path: Path) -> Path:
    """``matches.csv`` → ``matches.unmatched.csv``, beside it."""
    return path.with_name(f"{path.stem}.unmatched{path.suffix}")


#: Extensions the forecast chart can be written as (an HTML page is written beside it).
CHART_SUFFIXES = (".png", ".svg", ".pdf")


def _spread_model(model: str | SpreadModel, prob: str | None) -> SpreadModel:
    """A :class:`SpreadModel` from ``--model`` text and ``--prob``; ``InputError`` if bad."""
    from dataclasses import replace

    from peerweave.spread.model import SpreadModel

    try:
        parsed = model if isinstance(model, SpreadModel) else SpreadModel.parse(model)
    except ValueError as exc:
        raise InputError("--model", Problem(str(exc))) from None
    if prob is None:
        return parsed
    try:
        return replace(parsed, prob=prob)
    except ValueError as exc:
        raise InputError("--prob", Problem(str(exc))) from None


def _limits(
    per: str | tuple[str, int] | None, at_most: str | tuple[str, int] | None
) -> GroupLimits | None:
    """``--per department:1`` and ``--at-most department:10`` as one :class:`GroupLimits`."""
    from peerweave.spread.strategies import GroupLimits, group_limit

    least = group_limit(per, "--per") if isinstance(per, str) else per
    most = group_limit(at_most, "--at-most") if isinstance(at_most, str) else at_most
    if least is None and most is None:
        return None
    if least is not None and most is not None and least[0] != most[0]:
        raise InputError(
            "--per/--at-most",
            Problem(
                f"--per counts {least[0]} but --at-most counts {most[0]}",
                fix="limit one attribute: both department, or both location",
            ),
        )
    attribute = least[0] if least is not None else most[0] if most is not None else ""
    return GroupLimits(
        attribute,
        at_least=None if least is None else least[1],
        at_most=None if most is None else most[1],
    )


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


class Workspace(MeasureMixin):
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
        synonyms: PathLike | Mapping[str, str] | None = None,
        dry_run: bool = False,
    ) -> ImportResult:
        """Import the skills file; each person's earlier skill rows are replaced.

        ``synonyms`` (a file of ``alias, skill`` rows, or a mapping) names each skill one way.
        """
        if synonyms is not None and not isinstance(synonyms, Mapping):
            from peerweave.ingest.skills import read_synonyms

            synonyms = read_synonyms(synonyms)
        load = read_skills(
            path,
            people=self.people(include_left=True),
            mapping=mapping,
            sheet=sheet,
            synonyms=synonyms,
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

    # -- spread -------------------------------------------------------------------------

    def _exclusions(
        self,
        graph: OrgGraph,
        exclude: Sequence[str],
        exclude_on_leave: bool,
    ) -> tuple[npt.NDArray[np.bool_], tuple[str, ...]]:
        """The people never to seed (``--exclude`` ids, people on leave), and a note."""
        from peerweave.spread.strategies import on_leave, positions_of

        mask = np.zeros(graph.n, dtype=bool)
        if exclude:
            mask[positions_of(graph, exclude, what="--exclude")] = True
        notes: list[str] = []
        if exclude_on_leave:
            away = on_leave(graph)
            if away.any():
                notes.append(f"{int(away.sum()):,} people on leave are not seeded")
            mask |= away
        return mask, tuple(notes)

    def champions(
        self,
        k: str | int = "5%",
        *,
        kinds: Sequence[str] | None = None,
        model: str | SpreadModel = "ic",
        prob: str | None = None,
        epsilon: float = 0.1,
        per: str | tuple[str, int] | None = None,
        at_most: str | tuple[str, int] | None = None,
        include: Sequence[str] = (),
        exclude: Sequence[str] = (),
        exclude_on_leave: bool = True,
        name: str | None = None,
        seed: int = 0,
        runs: int = 1000,
        steps: int = 26,
        save: bool = True,
        export: PathLike | None = None,
        started_at: object = None,
    ) -> ChampionsResult:
        """Choose champions for a practice to spread, and store them as an initiative.

        ``k`` is a number of people or a share of those who can be champions (``"5%"``).
        ``model`` is ``ic``, ``lt`` or ``complex`` (``complex:k=3``, ``ic:delta=0.1``… see
        ``SpreadModel.parse``), ``prob`` the probability mapping (the model's default,
        tie-weight, when ``None``). OPIM-C (influence maximization) picks the champions for ``ic`` and ``lt`` with
        accuracy ``epsilon``; for ``complex`` the clustered-seeding heuristic does, always
        judged by simulation. ``per`` (``"department:1"``) asks at least so many champions
        in every group, ``at_most`` at most so many. ``include`` (volunteers) are chosen
        first; ``exclude``, opted-out people and (with ``exclude_on_leave``) people on leave
        never are. The champions' spread is simulated ``runs`` times over ``steps`` weeks
        (``runs=0`` skips it, except for ``complex``). With ``save`` the initiative is
        stored, starting ``started_at`` (default now: adoptions are tracked from then);
        ``export`` writes ``person_id, rank, marginal_gain`` (no names).

        >>> with Workspace.open("sqlite://", create=True) as ws:
        ...     _ = ws.import_ties("docs/examples/ties.graphml")
        ...     result = ws.champions(1, runs=50)
        ...     stored = ws.initiatives()
        >>> result.k, len(result.champions), stored["champions"].tolist()
        (1, 1, [1])
        """
        from peerweave.spread.simulate import simulate
        from peerweave.spread.strategies import budget, eligible, seed_set

        if export is not None:
            _check_table_path(Path(export))
        start = _when(started_at, "--start")
        spread_model = _spread_model(model, prob)
        if runs < 0 or (runs == 0 and spread_model.kind == "complex"):
            raise InputError(
                "--runs",
                Problem(
                    f"{runs} runs: the complex-contagion heuristic must be simulated"
                    if runs == 0
                    else f"{runs} is not a number of runs",
                    fix="give 1,000 runs or so",
                ),
            )
        limits = _limits(per, at_most)
        graph = self.graph(kinds=kinds)
        mask, notes = self._exclusions(graph, exclude, exclude_on_leave)
        n_ok = int(eligible(graph, mask).sum())
        size = budget(k, n_ok)
        seeds = seed_set(
            graph,
            "champions",
            size,
            seed=seed,
            model=spread_model,
            exclude=mask,
            epsilon=epsilon,
            include=list(include),
            limits=limits,
        )
        simulation = (
            simulate(graph, seeds.positions, spread_model, runs=runs, steps=steps, seed=seed)
            if runs
            else None
        )
        guarantee = seeds.guarantee
        estimated = seeds.estimated_reach
        if seeds.heuristic and simulation is not None:
            estimated = float(simulation.mean[-1])
            guarantee = (
                "none (clustered-seeding heuristic for complex contagion); simulated: "
                f"{estimated:,.0f} adopters after {steps} weeks (5–95% of {runs:,} runs: "
                f"{simulation.p05[-1]:,.0f}–{simulation.p95[-1]:,.0f})"
            )
        frame = seeds.frame(graph)
        people = graph.people.set_index("person_id")
        table = frame[["rank", "person_id"]].copy()
        for column in ("name", "department"):
            if column in people.columns:
                table[column] = people[column].reindex(frame["person_id"]).to_numpy()
        table["marginal_gain"] = frame["marginal_gain"].to_numpy()
        table["reason"] = frame["reason"].to_numpy()
        label = name or (
            f"champions {pd.Timestamp.now(tz='UTC'):%Y-%m-%d} ({size:,}, {spread_model.kind})"
        )
        params: dict[str, object] = {
            "k": str(k),
            "model": {
                "kind": spread_model.kind,
                "prob": spread_model.prob,
                "threshold": spread_model.threshold,
                "fraction": spread_model.fraction,
                "threshold_sd": spread_model.threshold_sd,
                "abandonment": spread_model.abandonment,
            },
            "method": seeds.method,
            "epsilon": epsilon,
            "seed": seed,
            "kinds": None if kinds is None else list(dict.fromkeys(kinds)),
            "per": None
            if limits is None or limits.at_least is None
            else [limits.attribute, limits.at_least],
            "at_most": None
            if limits is None or limits.at_most is None
            else [limits.attribute, limits.at_most],
            "include": list(include),
            "exclude": list(exclude),
            "exclude_on_leave": exclude_on_leave,
            "eligible": n_ok,
            "rr_sets": None if seeds.selection is None else int(seeds.selection.rr_sets),
            "simulated": None
            if simulation is None
            else {
                "runs": runs,
                "steps": steps,
                "mean": float(simulation.mean[-1]),
                "p05": float(simulation.p05[-1]),
                "p95": float(simulation.p95[-1]),
            },
        }
        initiative_id = None
        if save:
            with self.store.transaction() as session:
                initiative_id = save_initiative(
                    session=session,
                    name=label,
                    champions=frame,
                    model=spread_model.kind,
                    guarantee=guarantee,
                    params=params,
                    estimated_reach=None if np.isnan(estimated) else estimated,
                    started_at=start,
                )
        if export is not None:
            write_table(export, frame[["person_id", "rank", "marginal_gain"]])
        return ChampionsResult(
            initiative_id=initiative_id,
            name=label,
            seeds=seeds,
            champions=table,
            graph=graph,
            model=spread_model,
            k=size,
            eligible=n_ok,
            population=int(eligible(graph).sum()),
            estimated_reach=estimated,
            guarantee=guarantee,
            simulation=simulation,
            notes=(*notes, *seeds.notes),
        )

    def initiatives(self) -> pd.DataFrame:
        """Stored initiatives, newest first (see ``list_initiatives``).

        >>> with Workspace.open("sqlite://", create=True) as ws:
        ...     ws.initiatives().empty
        True
        """
        with self.store.transaction() as session:
            return list_initiatives(session=session)

    def _stored_champions(
        self, graph: OrgGraph, initiative: int, mask: npt.NDArray[np.bool_]
    ) -> Seeds:
        from peerweave.spread.strategies import Seeds, eligible

        with self.store.transaction() as session:
            stored = load_champions(session=session, initiative_id=initiative)
            about = list_initiatives(session=session)
        row = about[about["id"] == initiative].iloc[0]
        found = np.asarray(graph.index.get_indexer(pd.Index(stored["person_id"], dtype=object)))
        notes: list[str] = []
        gone = int((found < 0).sum())
        if gone:
            notes.append(
                f"{gone:,} champions of initiative #{initiative} are no longer current people "
                "and are not seeded"
            )
        keep = found >= 0
        can = eligible(graph, mask)
        barred = keep.copy()
        barred[keep] = ~can[found[keep]]
        if barred.any():
            notes.append(
                f"{int(barred.sum()):,} champions of initiative #{initiative} opted out or are "
                "excluded and are not seeded"
            )
        keep &= ~barred
        if not keep.any():
            raise InputError(
                "--initiative",
                Problem(
                    f"none of the {len(stored):,} champions of initiative #{initiative} can be "
                    "seeded now",
                    fix="choose new champions with `peerweave champions`",
                ),
            )
        seeds = Seeds(
            "champions",
            found[keep].astype(np.int64),
            tuple(stored.loc[keep, "reason"].astype(str)),
            marginal_gain=stored.loc[keep, "marginal_gain"].to_numpy(dtype=np.float64),
            method=f"initiative #{initiative}: {row['name']}",
            guarantee=str(row["guarantee"]),
            heuristic=str(row["model"]) == "complex",
            notes=tuple(notes),
        )
        return seeds

    def forecast(
        self,
        strategies: Sequence[str] = ("champions", "hubs", "top-down", "random"),
        *,
        k: str | int | None = None,
        kinds: Sequence[str] | None = None,
        model: str | SpreadModel = "ic",
        prob: str | None = None,
        runs: int = 1000,
        steps: int = 26,
        seed: int = 0,
        epsilon: float = 0.1,
        initiative: int | None = None,
        people: Sequence[str] | None = None,
        exclude: Sequence[str] = (),
        exclude_on_leave: bool = True,
        min_group_size: int = 5,
        export: PathLike | None = None,
        chart: PathLike | None = None,
    ) -> ForecastResult:
        """Forecast how far a practice spreads from each strategy's seeds, side by side.

        Each strategy (``champions``, ``hubs``, ``top-down``, ``random``, ``one-per-team``,
        ``list`` with ``people``) seeds ``k`` people (a number or a share, default 5%, or as
        many as the stored champions of ``initiative``, which then stand for
        ``champions``); the spread under ``model``/``prob`` is simulated ``runs`` times
        over ``steps`` weeks (``peerweave.spread.strategies.compare``). ``export`` writes
        the curves (``strategy, step, mean, p05, p95``; CSV, Parquet or JSON); ``chart``
        draws them (PNG, SVG or PDF) and writes an interactive HTML page beside it.
        Nothing is stored.

        >>> with Workspace.open("sqlite://", create=True) as ws:
        ...     _ = ws.import_ties("docs/examples/ties.graphml")
        ...     result = ws.forecast(["hubs", "random"], k=1, runs=20, steps=4)
        >>> result.comparison.summary["strategy"].tolist()
        ['hubs', 'random']
        """
        from peerweave.spread.strategies import STRATEGIES, budget, compare, eligible

        if export is not None:
            _check_table_path(Path(export))
        if chart is not None and Path(chart).suffix.lower() not in CHART_SUFFIXES:
            raise InputError(
                str(chart),
                Problem(
                    f"peerweave does not draw {Path(chart).suffix or 'files without an extension'}",
                    fix="name the chart .png (or .svg, .pdf); an .html page is written beside it",
                ),
            )
        names = list(dict.fromkeys(s.strip() for s in strategies if s.strip()))
        unknown = [s for s in names if s not in STRATEGIES]
        if unknown or not names:
            raise InputError(
                "--strategy",
                Problem(
                    f"no strategy {', '.join(map(repr, unknown))}"
                    if unknown
                    else "no strategy given",
                    fix=f"choose among {', '.join(STRATEGIES)}",
                ),
            )
        if initiative is not None and "champions" not in names:
            names.insert(0, "champions")
        if runs < 1 or steps < 1:
            raise InputError(
                "--runs/--steps",
                Problem(f"{runs} runs of {steps} weeks", fix="give at least 1 run and 1 week"),
            )
        spread_model = _spread_model(model, prob)
        graph = self.graph(kinds=kinds)
        mask, notes = self._exclusions(graph, exclude, exclude_on_leave)
        n_ok = int(eligible(graph, mask).sum())
        items: list[str | Seeds] = list(names)
        if initiative is not None:
            stored = self._stored_champions(graph, initiative, mask)
            items[names.index("champions")] = stored
            size = budget(k, n_ok) if k is not None else stored.k
        else:
            size = budget("5%" if k is None else k, n_ok)
        comparison = compare(
            graph,
            items,
            size,
            spread_model,
            runs=runs,
            steps=steps,
            seed=seed,
            people=people,
            exclude=mask,
            epsilon=epsilon,
            min_group_size=min_group_size,
        )
        if notes:
            from dataclasses import replace

            comparison = replace(comparison, notes=(*notes, *comparison.notes))
        files: list[Path] = []
        if export is not None:
            write_table(export, comparison.curves)
            files.append(Path(export))
        if chart is not None:
            from peerweave.spread.charts import forecast_html, forecast_png

            files.append(forecast_png(comparison, chart))
            files.append(forecast_html(comparison, Path(chart).with_suffix(".html")))
        return ForecastResult(comparison=comparison, graph=graph, files=tuple(files))

    # -- peer circles -------------------------------------------------------------------

    def new_circle_round(
        self,
        *,
        by: Sequence[str] | Mapping[str, float],
        size: tuple[int, int] = (5, 7),
        seconds: float = 10.0,
        seed: int = 0,
        tz_window: float | None = None,
        never: Sequence[tuple[str, str]] = (),
        topic: str | None = None,
        save: bool = True,
        export: PathLike | None = None,
    ) -> CircleRound:
        """Form the next round of peer circles among the active people, avoiding pairs who
        met in the stored rounds (see ``peerweave.circles.form_circles``); store it unless
        ``save`` is false; write ``round, circle, person_id, role`` to ``export``.

        >>> with Workspace.open("sqlite://", create=True) as ws:
        ...     ws.new_circle_round(by=["department"])
        Traceback (most recent call last):
        ...
        peerweave.errors.InputError: the database: no people are stored, so there is nobody to seat ...
        """
        from peerweave.circles import form_circles
        from peerweave.store.circles import load_history, save_round

        with self.store.transaction() as session:
            people = load_people(session=session)
            history = load_history(session=session)
            skills = load_skills(session=session) if topic is not None else None
        if people.empty:
            raise InputError(
                "the database",
                Problem(
                    "no people are stored, so there is nobody to seat",
                    fix="import the people file first: `peerweave import people FILE`",
                ),
            )
        unknown = [c for c in by if c not in people.columns or c == "person_id"]
        if unknown:
            known = ", ".join(c for c in people.columns if c != "person_id")
            raise InputError(
                "by",
                Problem(
                    f"the stored people have no column {unknown[0]!r} to mix circles by",
                    fix=f"choose among: {known}",
                ),
            )
        away = people["on_leave"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        result = form_circles(
            people[~away],
            by=by,
            size=size,
            seconds=seconds,
            seed=seed,
            history=history if not history.empty else None,
            tz_window=tz_window,
            never=never,
            topic=topic,
            skills=skills,
        )
        if away.any():  # nobody on leave is seated (or asked to host)
            n_away = int(away.sum())
            result = replace(
                result,
                notes=(
                    *result.notes,
                    f"{n_away} {'person' if n_away == 1 else 'people'} on leave left out",
                ),
            )
        round_number = int(history["round"].max()) + 1 if not history.empty else 1
        if save:
            params = {
                "by": list(by) if not isinstance(by, Mapping) else dict(by),
                "size": list(size),
                "seconds": seconds,
                "seed": seed,
                "tz_window": tz_window,
                "never": [list(pair) for pair in never],
                "topic": topic,
            }
            with self.store.transaction() as session:
                round_number = save_round(
                    session=session,
                    assignment=result.assignment,
                    params=params,
                    diversity=result.diversity,
                    repeat_pairs=result.repeat_pairs,
                    repeats_avoided=result.repeats_avoided,
                    notes=result.notes,
                )
        if export is not None:
            seats = result.assignment[["circle", "person_id", "role"]].copy()
            seats.insert(0, "round", round_number)
            write_table(export, seats)
        return result

    def circle_history(self) -> pd.DataFrame:
        """Every stored circle seat, oldest round first: ``round, circle, person_id, role``.

        >>> with Workspace.open("sqlite://", create=True) as ws:
        ...     ws.circle_history().empty
        True
        """
        from peerweave.store.circles import load_history

        with self.store.transaction() as session:
            return load_history(session=session)

    def circle_rounds(self) -> pd.DataFrame:
        """Stored rounds of circles, newest first (see ``peerweave.store.circles.list_rounds``).

        >>> with Workspace.open("sqlite://", create=True) as ws:
        ...     len(ws.circle_rounds())
        0
        """
        from peerweave.store.circles import list_rounds as list_circle_rounds

        with self.store.transaction() as session:
            return list_circle_rounds(session=session)

    # -- peer learning ------------------------------------------------------------------

    def _ledger(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        with self.store.transaction() as session:
            return load_sessions(session=session), load_feedback(session=session)

    def _learning_inputs(self) -> _LearningInputs:
        """People, skills, the graph (``None`` without ties), the ledger, the ratings
        learners gave and each teacher's open sessions, with notes."""
        from peerweave.learning.ledger import learner_ratings, open_load

        with self.store.transaction() as session:
            people = load_people(session=session)
            skills = load_skills(session=session)
        if skills.empty:
            raise InputError(
                "the database",
                Problem(
                    "no skills are stored, so there is nothing to match",
                    fix="import the skills inventory first: `peerweave import skills FILE`",
                ),
            )
        notes: list[str] = []
        graph: OrgGraph | None
        try:
            graph = self.graph()
        except InputError:
            graph = None
            notes.append(
                "no ties are stored, so closeness in the network is left out of the score "
                "(import ties to use it)"
            )
        sessions, feedback = self._ledger()
        return _LearningInputs(
            people=people,
            skills=skills,
            graph=graph,
            sessions=sessions,
            ratings=learner_ratings(feedback, sessions),
            busy=open_load(sessions),
            notes=tuple(notes),
        )

    def match(
        self,
        options: MatchOptions | None = None,
        *,
        save: bool = True,
        export: PathLike | None = None,
    ) -> MatchResult:
        """Run a matching round over every open learning wish, and propose its sessions.

        The stored people, skills, network (``graph``; without ties proximity is left out),
        the ratings learners gave (``session_feedback`` of role ``learner``) and each
        teacher's open sessions (proposed or scheduled: they use up capacity) go into
        ``peerweave.learning.matching.match_round`` with ``options``. Wishes an open or held
        session already serves are left out. With ``save`` the round (matches, unmatched
        wishes and why) is stored and each match becomes a ``proposed`` session, in one
        transaction. ``export`` writes ``learner_id, teacher_id, skill, score`` (CSV,
        Parquet or JSON by the extension) and the unmatched wishes
        (``learner_id, skill, reason``) beside it as ``NAME.unmatched.EXT``.

        >>> with Workspace.open("sqlite://", create=True) as ws:
        ...     _ = ws.import_people("docs/examples/people.csv")
        ...     _ = ws.import_skills("docs/examples/skills.csv")
        ...     result = ws.match()
        ...     again = ws.match()
        >>> result.round.matches[["learner_id", "teacher_id", "skill"]].to_dict("records")
        [{'learner_id': 'E007', 'teacher_id': 'E005', 'skill': 'sql'}]
        >>> result.round.unmatched["reason"].tolist()
        ['nobody teaches public speaking', 'the only python teachers are in your reporting line']
        >>> result.session_ids, again.served, again.round.summary["wishes"]
        ((1,), 1, 2)
        """
        from dataclasses import asdict

        from peerweave.learning.ledger import unserved_wishes
        from peerweave.learning.matching import MatchOptions, match_round
        from peerweave.learning.schema import MATCH_COLUMNS, UNMATCHED_COLUMNS

        if export is not None:
            _check_table_path(Path(export))
        options = options or MatchOptions()
        given = self._learning_inputs()
        people, skills, graph, notes = given.people, given.skills, given.graph, given.notes
        open_skills = unserved_wishes(skills, given.sessions)
        served = int((skills["wants_to_learn"] & ~open_skills["wants_to_learn"]).sum())
        result = match_round(
            people, open_skills, graph, ratings=given.ratings, busy=given.busy, options=options
        )
        if served:
            notes = (
                *notes,
                f"{served:,} wishes already have an open or held session and are not matched again",
            )
        round_id = None
        ids: tuple[int, ...] = ()
        if save:
            params: dict[str, object] = {
                k: (str(v) if k == "on" and v is not None else v)
                for k, v in asdict(options).items()
            }
            params["graph"] = graph is not None
            summary = {**result.summary, "served": served}
            with self.store.transaction() as session:
                round_id = save_round(
                    session=session,
                    matches=result.matches,
                    unmatched=result.unmatched,
                    params=params,
                    summary=summary,
                )
                wished = wish_dates(session=session).rename(columns={"person_id": "learner_id"})
                proposed = result.matches[["learner_id", "teacher_id", "skill"]].merge(
                    wished, on=["learner_id", "skill"], how="left"
                )
                proposed["round_id"] = round_id
                new_ids = add_sessions(
                    session=session, sessions=proposed, source=f"matching round #{round_id}"
                )
            ids = tuple(int(i) for i in new_ids)
        files: list[Path] = []
        if export is not None:
            path = Path(export)
            write_table(path, result.matches[list(MATCH_COLUMNS)])
            write_table(_unmatched_path(path), result.unmatched[list(UNMATCHED_COLUMNS)])
            files += [path, _unmatched_path(path)]
        return MatchResult(
            round_id=round_id,
            round=result,
            session_ids=ids,
            served=served,
            people=people,
            files=tuple(files),
            notes=notes,
        )

    def rounds(self) -> pd.DataFrame:
        """Stored matching rounds, newest first (see ``list_rounds``).

        >>> with Workspace.open("sqlite://", create=True) as ws:
        ...     ws.rounds().empty
        True
        """
        with self.store.transaction() as session:
            return list_rounds(session=session)

    def peers(
        self,
        person: str,
        skill: str,
        *,
        options: MatchOptions | None = None,
        limit: int = 10,
    ) -> pd.DataFrame:
        """The best peer teachers of ``skill`` for ``person``, ranked, with reasons.

        ``peerweave.learning.peers.find_peers`` on the stored people, skills, network,
        ratings and open sessions; the same score as a matching round. An empty frame's
        ``attrs["explanation"]`` says why nobody fits.

        >>> with Workspace.open("sqlite://", create=True) as ws:
        ...     _ = ws.import_people("docs/examples/people.csv")
        ...     _ = ws.import_skills("docs/examples/skills.csv")
        ...     ws.peers("E007", "SQL")[["rank", "teacher_id", "level"]]
           rank teacher_id  level
        0     1       E005      3
        """
        from peerweave.learning.matching import MatchOptions
        from peerweave.learning.peers import find_peers

        given = self._learning_inputs()
        return find_peers(
            str(person),
            skill,
            given.people,
            given.skills,
            given.graph,
            ratings=given.ratings,
            busy=given.busy,
            options=options or MatchOptions(),
            limit=limit,
        )

    def sessions(
        self,
        *,
        person: str | None = None,
        status: str | None = None,
        skill: str | None = None,
        include_opted_out: bool = False,
    ) -> pd.DataFrame:
        """Stored sessions (``SESSION_COLUMNS``), optionally of one person, status or skill.

        Sessions with someone who opted out are left out unless ``include_opted_out``.

        >>> with Workspace.open("sqlite://", create=True) as ws:
        ...     ws.sessions().columns.tolist()[:5]
        ['session_id', 'learner_id', 'teacher_id', 'skill', 'status']
        """
        from peerweave.learning.schema import SESSION_STATUSES

        if status is not None and status not in SESSION_STATUSES:
            raise InputError(
                "--status",
                Problem(f"no status {status!r}", fix=f"choose {', '.join(SESSION_STATUSES)}"),
            )
        with self.store.transaction() as session:
            found = load_sessions(
                session=session,
                person_id=person,
                status=status,
                skill=None if skill is None else _skill_name(skill, "--skill"),
            )
            people = load_people(session=session, include_left=True)
        if include_opted_out:
            return found
        return found[~self._opted_out_rows(found, people)].reset_index(drop=True)

    @staticmethod
    def _opted_out_rows(sessions: pd.DataFrame, people: pd.DataFrame) -> npt.NDArray[np.bool_]:
        out = pd.Index(people.loc[people["opted_out"].astype(bool), "person_id"].astype(str))
        return np.asarray(
            sessions["learner_id"].isin(out) | sessions["teacher_id"].isin(out), dtype=bool
        )

    def add_session(
        self,
        learner: str,
        teacher: str,
        skill: str,
        *,
        wished_at: object = None,
    ) -> int:
        """Propose one session of ``learner`` learning ``skill`` from ``teacher``; return its id.

        The skill is named as the inventory names it; the snowball link is found.

        >>> with Workspace.open("sqlite://", create=True) as ws:
        ...     _ = ws.import_people("docs/examples/people.csv")
        ...     ws.add_session("E007", "E005", " SQL ")
        ...     ws.sessions()[["learner_id", "skill", "status"]].to_dict("records")
        1
        [{'learner_id': 'E007', 'skill': 'sql', 'status': 'proposed'}]
        """
        frame = pd.DataFrame(
            {
                "learner_id": [str(learner).strip()],
                "teacher_id": [str(teacher).strip()],
                "skill": [_skill_name(skill)],
                "wished_at": [_when(wished_at, "--wished")],
            }
        )
        with self.store.transaction() as session:
            ids = add_sessions(session=session, sessions=frame, source="the new session")
        return int(ids.iloc[0])

    def _move(self, session_id: int, status: str, when: object, option: str) -> pd.Timestamp:
        with self.store.transaction() as session:
            return set_status(
                session=session,
                session_id=int(session_id),
                status=status,
                when=_when(when, option),
            )

    def schedule(self, session_id: int, when: object) -> pd.Timestamp:
        """Schedule a proposed session for ``when`` (a date or time); return it."""
        if _when(when, "WHEN") is None:
            raise InputError("WHEN", Problem("no date given", fix="give the date, YYYY-MM-DD"))
        return self._move(session_id, "scheduled", when, "WHEN")

    def hold(self, session_id: int, when: object = None) -> pd.Timestamp:
        """Mark a scheduled session held (it took place ``when``, default now)."""
        return self._move(session_id, "held", when, "--on")

    def cancel(self, session_id: int, when: object = None) -> pd.Timestamp:
        """Cancel a proposed or scheduled session.

        >>> with Workspace.open("sqlite://", create=True) as ws:
        ...     _ = ws.import_people("docs/examples/people.csv")
        ...     sid = ws.add_session("E007", "E005", "sql")
        ...     _ = ws.cancel(sid)
        ...     ws.hold(sid)
        Traceback (most recent call last):
        ...
        peerweave.errors.InputError: session #1: it is already cancelled; ...
        """
        return self._move(session_id, "cancelled", when, "--on")

    def feedback(
        self,
        session_id: int,
        author: str,
        rating: int,
        *,
        prepared: bool | None = None,
        clear: bool | None = None,
        again: bool | None = None,
        comment: str = "",
    ) -> str:
        """Give ``author``'s feedback on a held session; return their role.

        The session's learner rates the teacher (``learner`` feedback), its teacher the
        learner. Once per side; only on a held session; nothing is written on error.
        """
        frame = pd.DataFrame(
            {
                "session_id": [int(session_id)],
                "author_id": [str(author).strip()],
                "rating": [rating],
                "prepared": pd.array([prepared], dtype="boolean"),
                "clear": pd.array([clear], dtype="boolean"),
                "again": pd.array([again], dtype="boolean"),
                "comment": [comment or ""],
            }
        )
        with self.store.transaction() as session:
            roles = add_feedback(
                session=session, feedback=frame, source=f"feedback on session #{session_id}"
            )
        return str(roles.iloc[0])

    def feedback_for(self, session_id: int, viewer: str, *, now: object = None) -> FeedbackView:
        """What ``viewer`` may read of a session's feedback, under the double-blind rule.

        Only the session's learner and teacher may look (``InputError`` for anyone else).

        >>> with Workspace.open("sqlite://", create=True) as ws:
        ...     _ = ws.import_people("docs/examples/people.csv")
        ...     sid = ws.add_session("E007", "E005", "sql")
        ...     _ = ws.schedule(sid, "2025-03-01")
        ...     _ = ws.hold(sid, "2025-03-01")
        ...     _ = ws.feedback(sid, "E007", 5, again=True)
        ...     view = ws.feedback_for(sid, "E005", now="2025-03-02")
        >>> len(view.visible), view.waiting, f"{view.visible_from:%Y-%m-%d}"
        (0, ('learner',), '2025-03-15')
        """
        from peerweave.learning.ledger import visible_feedback
        from peerweave.learning.schema import FEEDBACK_DEADLINE_DAYS

        with self.store.transaction() as session:
            rows = load_sessions(session=session, session_ids=[int(session_id)])
            given = load_feedback(session=session, session_ids=[int(session_id)])
        if rows.empty:
            from peerweave.errors import UnknownIdError

            raise UnknownIdError(
                f"no session #{session_id} is stored (`peerweave sessions list` shows them)"
            )
        row = rows.iloc[0]
        who = str(viewer).strip()
        if who not in (row["learner_id"], row["teacher_id"]):
            raise InputError(
                f"session #{session_id}",
                Problem(
                    f"{who} was not in it; only its learner and teacher see its feedback",
                    fix="programme leads see feedback figures over many sessions: "
                    "`peerweave health`",
                ),
            )
        at = _when(now, "--now") or pd.Timestamp.now(tz="UTC").tz_localize(None)
        visible = visible_feedback(given, rows, who, at).reset_index(drop=True)
        hidden = given[~given["role"].isin(visible["role"])]
        deadline = (
            None
            if hidden.empty or pd.isna(row["held_at"])
            else row["held_at"] + pd.Timedelta(days=FEEDBACK_DEADLINE_DAYS)
        )
        return FeedbackView(
            session=row,
            viewer=who,
            visible=visible,
            waiting=tuple(hidden["role"].astype(str)),
            visible_from=deadline,
        )

    def applied(self, session_id: int, person: str, when: object = None) -> pd.Timestamp:
        """The learner of a held session says they applied the skill; return when."""
        with self.store.transaction() as session:
            return mark_applied(
                session=session,
                session_id=int(session_id),
                person_id=str(person).strip(),
                when=_when(when, "--on"),
            )

    def endorse(self, from_id: str, to_id: str, skill: str) -> bool:
        """``from_id`` endorses ``to_id`` for ``skill``; ``False`` when they had already.

        >>> with Workspace.open("sqlite://", create=True) as ws:
        ...     _ = ws.import_people("docs/examples/people.csv")
        ...     ws.endorse("E007", "E005", "SQL"), ws.endorse("E007", "E005", "sql")
        (True, False)
        """
        with self.store.transaction() as session:
            return endorse(
                session=session,
                from_id=str(from_id).strip(),
                to_id=str(to_id).strip(),
                skill=_skill_name(skill),
            )

    def endorsements(self, person: str | None = None) -> pd.DataFrame:
        """Stored endorsements (those given to ``person`` when given)."""
        with self.store.transaction() as session:
            return load_endorsements(session=session, person_id=person)

    def _analysable_sessions(self) -> tuple[pd.DataFrame, pd.DataFrame, tuple[str, ...]]:
        """Sessions without anyone who opted out (they are out of every analysis)."""
        with self.store.transaction() as session:
            sessions = load_sessions(session=session)
            people = load_people(session=session, include_left=True)
        out = self._opted_out_rows(sessions, people)
        notes = (
            (f"{int(out.sum()):,} sessions with people who opted out are left out",)
            if out.any()
            else ()
        )
        return sessions[~out].reset_index(drop=True), people, notes

    def recognition(
        self,
        *,
        skill: str | None = None,
        discount: float | None = None,
        tree: PathLike | None = None,
        export: PathLike | None = None,
    ) -> RecognitionResult:
        """Seeder credit per teacher (a leaderboard) and, for ``skill``, its snowball tree.

        ``peerweave.learning.recognition``: direct learners who applied the skill, plus
        ``discount`` (default ``DEFAULT_DISCOUNT``) per step for everyone further down the
        chains. ``tree`` draws the snowball of ``skill`` (PNG, SVG or PDF); ``export`` writes
        the credit per teacher and skill (CSV, Parquet or JSON). Sessions with people who
        opted out are left out.

        >>> with Workspace.open("sqlite://", create=True) as ws:
        ...     ws.recognition().leaderboard.empty
        True
        """
        from peerweave.learning.recognition import (
            DEFAULT_DISCOUNT,
            leaderboard,
            seeder_scores,
            snowball_png,
            snowball_tree,
        )

        if export is not None:
            _check_table_path(Path(export))
        if tree is not None and skill is None:
            raise InputError(
                "--tree", Problem("a snowball tree is drawn for one skill", fix="add --skill")
            )
        if tree is not None and Path(tree).suffix.lower() not in CHART_SUFFIXES:
            raise InputError(
                str(tree),
                Problem(
                    f"peerweave does not draw {Path(tree).suffix or 'files without an extension'}",
                    fix="name the picture .png (or .svg, .pdf)",
                ),
            )
        rate = DEFAULT_DISCOUNT if discount is None else discount
        sessions, people, notes = self._analysable_sessions()
        name = None if skill is None else _skill_name(skill, "--skill")
        scores = seeder_scores(sessions, discount=rate, skill=name)
        board = leaderboard(
            sessions if name is None else sessions[sessions["skill"] == name], discount=rate
        )
        snowball = None if name is None else snowball_tree(sessions, name)
        files: list[Path] = []
        if tree is not None and snowball is not None:
            files.append(snowball_png(snowball, tree, people))
        if export is not None:
            write_table(export, scores)
            files.append(Path(export))
        return RecognitionResult(
            leaderboard=board,
            scores=scores,
            tree=snowball,
            skill=name,
            discount=rate,
            people=people,
            files=tuple(files),
            notes=notes,
        )

    def health(
        self,
        *,
        by: str = "department",
        start: object = None,
        end: object = None,
        min_group_size: int = 5,
    ) -> HealthResult:
        """The programme's health (``peerweave.learning.health.programme_health``) from
        ``start`` to ``end`` (days, both included; default the ledger's first and last
        dates), per ``by`` group (groups under ``min_group_size`` people are never named),
        with the feedback figures over the whole programme (never per teacher; a figure
        over fewer than ``FEEDBACK_MIN_COUNT`` answers is not given, whatever
        ``min_group_size``).

        >>> with Workspace.open("sqlite://", create=True) as ws:
        ...     _ = ws.import_people("docs/examples/people.csv")
        ...     ws.health().feedback["given"].tolist()
        [0, 0]
        """
        from peerweave.learning.health import programme_health
        from peerweave.learning.ledger import feedback_summary

        lo, hi = _when(start, "--since"), _when(end, "--until")
        sessions, people, notes = self._analysable_sessions()
        with self.store.transaction() as session:
            skills = load_skills(session=session)
            feedback = load_feedback(session=session)
        health = programme_health(  # it leaves out who opted out or left, as the notes say
            people,
            skills,
            sessions,
            by=by,
            period_start=lo,
            period_end=hi,
            min_group_size=min_group_size,
        )
        shown = feedback[feedback["session_id"].isin(sessions["session_id"])]
        return HealthResult(
            health=health,
            feedback=feedback_summary(shown, min_count=max(min_group_size, FEEDBACK_MIN_COUNT)),
            notes=notes,
        )

    def import_sessions(
        self,
        path: PathLike,
        *,
        feedback: PathLike | None = None,
        dry_run: bool = False,
    ) -> ImportResult:
        """Import a sessions ledger (and its feedback file) kept before or outside peerweave.

        ``peerweave.ingest.sessions`` reads and checks both files against the stored people
        and ledger: the file's ``session_id`` numbers become the stored ones (none may be
        stored already), ``parent_session_id`` and the feedback's ``session_id`` refer to
        them or to stored sessions; missing snowball links are found. One transaction: a
        problem anywhere stores nothing.

        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / "sessions.csv").write_text("session_id,learner_id,teacher_id,skill,"
        ...     "status,held_at\\n1,E007,E005,SQL,held,2025-01-10\\n2,E001,E007,sql,held,2025-02-03\\n")
        >>> _ = (folder / "feedback.csv").write_text("session_id,author_id,rating\\n1,E007,5\\n")
        >>> with Workspace.open("sqlite://", create=True) as ws:
        ...     _ = ws.import_people("docs/examples/people.csv")
        ...     result = ws.import_sessions(folder / "sessions.csv", feedback=folder / "feedback.csv")
        ...     linked = ws.sessions()["parent_session_id"].tolist()
        >>> result.sessions_saved, result.feedback_saved, linked
        (2, 1, [<NA>, 1])
        """
        from peerweave.ingest.sessions import read_feedback, read_sessions

        people = self.people(include_left=True)
        with self.store.transaction() as session:
            ledger = load_sessions(session=session)
            stored_feedback = load_feedback(session=session)
        frame = read_sessions(path, known_people=people["person_id"], known_sessions=ledger)
        by_status = frame["status"].astype(str).value_counts()
        reports = [
            LoadReport(
                kind="sessions",
                source=str(path),
                rows_read=len(frame),
                records=len(frame),
                counts={str(k): int(v) for k, v in by_status.items()},
            )
        ]
        given = None
        if feedback is not None:
            given = read_feedback(
                feedback,
                sessions=pd.concat([ledger, frame], ignore_index=True),
                existing=stored_feedback,
            )
            reports.append(
                LoadReport(
                    kind="feedback",
                    source=str(feedback),
                    rows_read=len(given),
                    records=len(given),
                    counts={
                        f"from_{k}s": int(v)
                        for k, v in given["role"].astype(str).value_counts().items()
                    },
                )
            )
        if dry_run:
            return ImportResult("sessions", tuple(reports), dry_run=True)
        files = [path] if feedback is None else [path, feedback]
        with self.store.transaction() as session:
            import_id = _record(session, "sessions", files, reports)
            ids = add_sessions(session=session, sessions=frame, source=str(path))
            saved = 0
            if given is not None:
                saved = len(add_feedback(session=session, feedback=given, source=str(feedback)))
        return ImportResult(
            "sessions",
            tuple(reports),
            import_id=import_id,
            sessions_saved=len(ids),
            feedback_saved=saved,
        )

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
