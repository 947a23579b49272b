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
    add_people_stubs,
    list_analysis_runs,
    list_initiatives,
    load_champions,
    load_people,
    load_person_metrics,
    load_skills,
    load_ties,
    record_import,
    save_analysis,
    save_initiative,
    save_people,
    save_skills,
    save_ties,
    store_status,
)

if TYPE_CHECKING:  # the analysis stack (Numba, igraph) is imported on first use only
    from peerweave.network.analysis import AnalysisOptions, NetworkAnalysis
    from peerweave.network.graph import OrgGraph
    from peerweave.spread.model import SpreadModel
    from peerweave.spread.simulate import Simulation
    from peerweave.spread.strategies import Comparison, GroupLimits, Seeds

__all__ = [
    "TABLES",
    "AnalysisResult",
    "ChampionsResult",
    "ForecastResult",
    "ImportResult",
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
    department when known). ``estimated_reach`` is IMM's estimate for ``ic`` and ``lt`` and
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
    ) -> ChampionsResult:
        """Choose champions for a practice to spread, and store them as an initiative.

        ``k`` is a number of people or a share of those who can be champions (``"5%"``).
        ``model`` is ``ic``, ``lt`` or ``complex`` (``complex:k=3``, ``ic:delta=0.1``… see
        ``SpreadModel.parse``), ``prob`` the probability mapping (the model's default,
        tie-weight, when ``None``). IMM picks the champions for ``ic`` and ``lt`` with
        accuracy ``epsilon``; for ``complex`` the clustered-seeding heuristic does, always
        judged by simulation. ``per`` (``"department:1"``) asks at least so many champions
        in every group, ``at_most`` at most so many. ``include`` (volunteers) are chosen
        first; ``exclude``, opted-out people and (with ``exclude_on_leave``) people on leave
        never are. The champions' spread is simulated ``runs`` times over ``steps`` weeks
        (``runs=0`` skips it, except for ``complex``). With ``save`` the initiative is
        stored; ``export`` writes ``person_id, rank, marginal_gain`` (no names).

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
