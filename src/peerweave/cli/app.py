"""The ``peerweave`` command line: each command parses options and calls one library function."""

from __future__ import annotations

import functools
import numbers
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from peerweave.errors import InputError, PeerweaveError, Problem
from peerweave.ingest.tabular import parse_mapping
from peerweave.store import Store, display_url, resolve_database_url
from peerweave.workspace import (
    TABLES,
    AnalysisResult,
    ChampionsResult,
    FeedbackView,
    ForecastResult,
    HealthResult,
    ImportResult,
    MatchResult,
    Workspace,
)

if TYPE_CHECKING:
    from peerweave.network.analysis import AnalysisOptions
    from peerweave.spread.strategies import Comparison
    from peerweave.web.settings import WebSettings

__all__ = ["app", "main"]

console = Console()
err_console = Console(stderr=True)

#: Exit status of a user error (bad file, unknown id, impossible constraint).
USER_ERROR = 2

#: Groups smaller than this are never shown on their own (privacy).
MIN_GROUP_SIZE = 5


P = ParamSpec("P")
R = TypeVar("R")


def _friendly(func: Callable[P, R]) -> Callable[P, R]:
    """Print a :class:`PeerweaveError` as a message, no traceback, and exit with status 2."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except PeerweaveError as exc:
            message = Text("error: ", style="bold red") + Text(str(exc))
            err_console.print(message, highlight=False, soft_wrap=True)
            raise typer.Exit(USER_ERROR) from None

    return wrapper


app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode="rich",
    help="Map, grow and measure an organization's peer-to-peer networks.",
    pretty_exceptions_enable=False,
)
import_app = typer.Typer(
    no_args_is_help=True, help="Load files into the database (one transaction per import)."
)
export_app = typer.Typer(
    no_args_is_help=True, help="Write the network for Gephi, or a table for a notebook."
)
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL or SQLite file (default $PEERWEAVE_DATABASE_URL, else ./peerweave.db).",
        show_default=False,
    ),
]
StrictOption = Annotated[
    bool, typer.Option("--strict", help="Fail on people the file names but the database lacks.")
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Read and check the file; store nothing.")
]
MapOption = Annotated[
    list[str] | None,
    typer.Option("--map", help='Header mapping, repeatable: --map "Full Name=name".'),
]


@app.callback()
def _root(ctx: typer.Context, db: DbOption = None) -> None:
    ctx.obj = {"db": db}


def _db(ctx: typer.Context) -> str | None:
    obj = ctx.find_root().obj or {}
    value = obj.get("db")
    return value if isinstance(value, str) else None


def _with_workspace(ctx: typer.Context, work: Callable[[Workspace], R]) -> R:
    with Workspace.open(_db(ctx)) as ws:
        return work(ws)


def _print_import(result: ImportResult) -> None:
    for report in result.reports:
        console.print(f"[bold]{report.summary()}[/]", highlight=False)
        for note in report.notes:
            console.print(f"  [yellow]note[/] {note}", highlight=False, soft_wrap=True)
    if result.dry_run:
        console.print("[cyan]dry run: checked, nothing stored[/]")
        return
    if result.people is not None:
        c = result.people
        console.print(
            f"people: {c.added} added, {c.updated} updated, {c.unchanged} unchanged, "
            f"{c.marked_left} marked as left, {c.returned} returned"
        )
    if result.people_created:
        console.print(f"people created from ties (id only): {result.people_created}")
    if result.ties_saved:
        console.print(f"ties stored: {result.ties_saved:,}")
    if result.skills_saved:
        console.print(f"skill rows stored: {result.skills_saved:,}")
    if result.sessions_saved:
        console.print(f"sessions stored: {result.sessions_saved:,}")
    if result.feedback_saved:
        console.print(f"feedback stored: {result.feedback_saved:,}")
    console.print(f"[green]import #{result.import_id} committed[/]")


# -- set-up ------------------------------------------------------------------------------


@app.command()
@_friendly
def init(ctx: typer.Context) -> None:
    """Create the database (or upgrade it to this version's schema)."""
    url = resolve_database_url(_db(ctx))
    with Store.init(url):
        pass
    console.print(f"database ready at {display_url(url)}")


@app.command()
@_friendly
def status(ctx: typer.Context) -> None:
    """What is loaded, from which files, when."""
    st = _with_workspace(ctx, lambda ws: ws.status())
    table = Table(title="peerweave database", show_header=False)
    table.add_row("people (active)", f"{st.people_active:,}")
    table.add_row("people (left)", f"{st.people_left:,}")
    table.add_row("opted out", f"{st.people_opted_out:,}")
    for kind, count in sorted(st.ties_by_kind.items()):
        table.add_row(f"ties: {kind}", f"{count:,}")
    table.add_row("skill rows", f"{st.skill_rows:,}")
    console.print(table)
    if st.last_imports:
        imports = Table(title="last imports")
        for col in ("#", "kind", "files", "when", "rows", "records"):
            imports.add_column(col)
        for rec in st.last_imports:
            imports.add_row(
                str(rec.id),
                rec.kind,
                ", ".join(rec.files),
                f"{rec.finished_at:%Y-%m-%d %H:%M}" if rec.finished_at else "",
                f"{rec.rows_read:,}",
                f"{rec.records:,}",
            )
        console.print(imports)
    else:
        console.print("nothing imported yet: try `peerweave import people FILE`")


@app.command()
@_friendly
def generate(
    people: Annotated[int, typer.Option("--people", help="How many people (20–1,000,000).")] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 0,
    out: Annotated[Path, typer.Option("--out", help="Folder to write into.")] = Path("synthetic"),
) -> None:
    """Generate a realistic synthetic organization (people, events, survey, skills, truth)."""
    from peerweave.ingest.synthetic import generate_to_directory

    with console.status(f"generating {people:,} people…"):
        files = generate_to_directory(out, people, seed=seed)
    for name, path in files.items():
        console.print(f"{name:>8}: {path}")


@app.command()
@_friendly
def demo(
    people: Annotated[int, typer.Option(help="Size of the demo organization.")] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
    directory: Annotated[Path, typer.Option("--dir", help="Folder for the demo's files.")] = Path(
        "demo"
    ),
    serve: Annotated[
        bool, typer.Option(help="Then run the web app on the demo (Ctrl+C stops it).")
    ] = True,
    host: Annotated[str, typer.Option(help="Address the web app listens on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port of the web app.")] = 8000,
) -> None:
    """Generate a demo organization into a fresh SQLite database, show what peerweave sees,
    then open the web app on it with demo accounts (their passwords are printed)."""
    from peerweave.demo import demo_accounts, run_demo

    with console.status("starting") as spinner:
        result = run_demo(
            directory, people=people, seed=seed, on_step=lambda step: spinner.update(step + "…")
        )
    console.rule("[bold]peerweave demo")
    for imp in result.imports:
        _print_import(imp)
    db = str(directory / "peerweave.db")
    with Workspace.open(result.database_url) as ws:
        everyone = ws.people()
    table = Table(title=f"{len(everyone):,} people by department")
    for col in ("department", "people", "teams", "locations", "opted out"):
        table.add_column(col, justify="left" if col == "department" else "right")
    sizes = everyone["department"].fillna("(none)").value_counts()
    small = sizes[sizes < MIN_GROUP_SIZE]
    for dept, size in sizes[sizes >= MIN_GROUP_SIZE].items():
        group = everyone[everyone["department"].fillna("(none)") == dept]
        table.add_row(
            str(dept),
            f"{size:,}",
            str(group["team"].nunique()),
            str(group["location"].nunique()),
            str(int(group["opted_out"].sum())),
        )
    if len(small):
        table.add_row(
            f"[dim]{len(small)} group{'s' if len(small) != 1 else ''} under {MIN_GROUP_SIZE} people[/]",
            f"{int(small.sum()):,}",
            "",
            "",
            "",
        )
    console.print(table)
    with console.status("analysing the network…"), Workspace.open(result.database_url) as ws:
        analysis = ws.analyze()
    _print_analysis(analysis, top=5)
    command = _command_name()
    console.rule("[bold]Try next")
    learning = [
        f"{command} --db {db} match --export {directory}/matches.csv",
        *(
            [f'{command} --db {db} peers {result.peer_example[0]} "{result.peer_example[1]}"']
            if result.peer_example is not None
            else []
        ),
        f"{command} --db {db} health",
        f"{command} --db {db} recognition",
        f"{command} --db {db} circles new-round --size 5-7 --by department,level,location "
        f"--export {directory}/circles.csv",
        f"{command} --db {db} circles history",
    ]
    initiative = result.initiative_id or 1
    for line in (
        f"{command} --db {db} analyze --top 20 --export {directory}/people_metrics.csv",
        f"{command} --db {db} track {initiative} --chart {directory}/track.png    "
        f"# the demo's running initiative #{initiative}",
        f"{command} --db {db} fit {initiative}",
        f"{command} --db {db} influence --export {directory}/influence.csv",
        f"{command} --db {db} report --out {directory}/report.html",
        f"{command} --db {db} forecast --initiative {initiative} --chart {directory}/forecast.png",
        f"{command} --db {db} champions --k 5% --per department:1    # a new initiative",
        *learning,
        f"{command} --db {db} status",
        f"{command} --db {db} export gexf {directory}/network.gexf    # open in Gephi",
        f"{command} --db {db} export csv ties {directory}/ties.parquet",
        f"{command} import people YOUR_HR_EXPORT.xlsx --dry-run",
    ):
        console.print("  " + line, soft_wrap=True, highlight=False, markup=False)
    console.print(
        "docs/data-formats.md lists the files peerweave reads; docs/cli.md every command.",
        soft_wrap=True,
    )
    with Workspace.open(result.database_url) as ws:
        member = result.peer_example[0] if result.peer_example is not None else None
        accounts = demo_accounts(ws, member)
    console.rule("[bold]The web app")
    table = Table(title="demo accounts (made for this demo; passwords are new each time)")
    for col in ("username", "password", "role", "sees"):
        table.add_column(col)
    for account in accounts:
        table.add_row(account.username, account.password, account.role, account.what)
    console.print(table)
    if not serve:
        console.print(
            f"  {command} --db {db} serve    # then open http://127.0.0.1:8000",
            soft_wrap=True,
            highlight=False,
            markup=False,
        )
        return
    from peerweave.web import WebSettings

    _serve_app(WebSettings.from_env(result.database_url), host=host, port=port)


def _print_outcome(files: Iterable[object], *, stored: str | None) -> None:
    """How a command that writes files and stores a result ends: each file written, then
    what was stored (Rich markup), or, for ``stored=None``, that ``--no-save`` stored nothing.
    """
    for path in files:
        console.print(f"wrote {path}", highlight=False, soft_wrap=True)
    if stored is None:
        console.print("[cyan]--no-save: nothing stored[/]")
    else:
        console.print(stored, highlight=False, soft_wrap=True)


def _command_name() -> str:
    """How the user can call peerweave again: bare if it is on PATH, else by its path."""
    import shutil
    import sys

    here = Path(sys.argv[0])
    if here.name == "peerweave" and shutil.which("peerweave") != str(here.resolve()):
        return os.path.relpath(here) if here.is_absolute() else str(here)
    return "peerweave"


# -- imports -----------------------------------------------------------------------------


@import_app.command("people")
@_friendly
def import_people(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV, TSV or XLSX of people.")],
    mapping: MapOption = None,
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet to read.")] = None,
    encoding: Annotated[str | None, typer.Option(help="Text encoding if not UTF-8.")] = None,
    dry_run: DryRunOption = False,
) -> None:
    """Import or re-import people; those missing from the file are marked as left."""
    if dry_run:  # checking a file needs no database
        result = Workspace.check_people(
            file, mapping=parse_mapping(mapping), sheet=sheet, encoding=encoding
        )
        _print_import(result)
        return
    result = _with_workspace(
        ctx,
        lambda ws: ws.import_people(
            file, mapping=parse_mapping(mapping), sheet=sheet, encoding=encoding, dry_run=dry_run
        ),
    )
    _print_import(result)


@import_app.command("events")
@_friendly
def import_events(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="CSV, Parquet or JSON Lines event files.")],
    since: Annotated[str | None, typer.Option(help="Window start (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Window end, exclusive (YYYY-MM-DD).")] = None,
    max_recipients: Annotated[int, typer.Option(help="Leave out broadcasts above this.")] = 20,
    max_attendees: Annotated[int, typer.Option(help="Leave out meetings above this.")] = 25,
    reciprocal: Annotated[bool, typer.Option(help="Keep only ties seen both ways.")] = False,
    strict: Annotated[bool, typer.Option(help="Fail on unknown addresses.")] = False,
    dry_run: DryRunOption = False,
) -> None:
    """Aggregate email/chat/meeting/call metadata into weighted collaboration ties."""
    with console.status("aggregating events with DuckDB…"):
        result = _with_workspace(
            ctx,
            lambda ws: ws.import_events(
                files,
                start=since,
                end=until,
                max_recipients=max_recipients,
                max_attendees=max_attendees,
                reciprocal=reciprocal,
                strict=strict,
                dry_run=dry_run,
            ),
        )
    _print_import(result)


@import_app.command("ties")
@_friendly
def import_ties(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Edge list CSV, GraphML or GEXF.")],
    kind: Annotated[str, typer.Option(help="Tie kind when the file has none.")] = "collaboration",
    strict: StrictOption = False,
    mapping: MapOption = None,
    dry_run: DryRunOption = False,
) -> None:
    """Import ties from edge lists, GraphML or GEXF."""
    result = _with_workspace(
        ctx,
        lambda ws: ws.import_ties(
            files, kind=kind, strict=strict, mapping=parse_mapping(mapping), dry_run=dry_run
        ),
    )
    _print_import(result)


@import_app.command("survey")
@_friendly
def import_survey(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="respondent,question,colleague[,strength]")],
    strict: StrictOption = False,
    dry_run: DryRunOption = False,
) -> None:
    """Import ONA survey answers; each question becomes a tie kind."""
    result = _with_workspace(ctx, lambda ws: ws.import_survey(file, strict=strict, dry_run=dry_run))
    _print_import(result)


@import_app.command("viva")
@_friendly
def import_viva(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Viva Insights person-to-person query CSV.")],
    weight_column: Annotated[str | None, typer.Option(help="Column used as tie weight.")] = None,
    strict: StrictOption = False,
    dry_run: DryRunOption = False,
) -> None:
    """Import a Viva Insights person-to-person query: ties and person attributes."""
    result = _with_workspace(
        ctx,
        lambda ws: ws.import_viva(
            file, strict=strict, weight_column=weight_column, dry_run=dry_run
        ),
    )
    _print_import(result)


@import_app.command("skills")
@_friendly
def import_skills(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="person_id,skill,level,can_teach,wants_to_learn[,capacity]")
    ],
    mapping: MapOption = None,
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet to read.")] = None,
    synonyms: Annotated[
        Path | None,
        typer.Option(help="alias,skill rows: name each skill one way.", show_default=False),
    ] = None,
    dry_run: DryRunOption = False,
) -> None:
    """Import skills: levels 0–4, who can teach, who wants to learn, teaching capacity."""
    result = _with_workspace(
        ctx,
        lambda ws: ws.import_skills(
            file,
            mapping=parse_mapping(mapping),
            sheet=sheet,
            synonyms=synonyms,
            dry_run=dry_run,
        ),
    )
    _print_import(result)


@import_app.command("sessions")
@_friendly
def import_sessions(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            help="session_id,learner_id,teacher_id,skill,status,… (a ledger kept elsewhere)"
        ),
    ],
    feedback: Annotated[
        Path | None,
        typer.Option(
            help="Its feedback: session_id,author_id,rating,prepared,clear,again,comment,given_at.",
            show_default=False,
        ),
    ] = None,
    dry_run: DryRunOption = False,
) -> None:
    """Import a sessions ledger (and its feedback); snowball links are kept or found."""
    result = _with_workspace(
        ctx, lambda ws: ws.import_sessions(file, feedback=feedback, dry_run=dry_run)
    )
    _print_import(result)


# -- exports -----------------------------------------------------------------------------


KindsOption = Annotated[
    list[str] | None, typer.Option("--kind", help="Only ties of this kind (repeatable).")
]


@export_app.command("gexf")
@_friendly
def export_gexf(ctx: typer.Context, file: Path, kind: KindsOption = None) -> None:
    """Write people and ties as GEXF for Gephi."""
    path = _with_workspace(ctx, lambda ws: ws.export_graph(file, fmt="gexf", kinds=kind))
    console.print(f"wrote {path}")


@export_app.command("graphml")
@_friendly
def export_graphml(ctx: typer.Context, file: Path, kind: KindsOption = None) -> None:
    """Write people and ties as GraphML (Gephi, yEd, igraph, networkx)."""
    path = _with_workspace(ctx, lambda ws: ws.export_graph(file, fmt="graphml", kinds=kind))
    console.print(f"wrote {path}")


@export_app.command("csv")
@_friendly
def export_csv(
    ctx: typer.Context,
    table: Annotated[str, typer.Argument(help=f"One of: {', '.join(TABLES)}.")],
    file: Annotated[Path, typer.Argument(help=".csv, .parquet or .json")],
) -> None:
    """Write one table as CSV, Parquet or JSON (by the file's extension)."""
    path = _with_workspace(ctx, lambda ws: ws.export_table(table, file))
    console.print(f"wrote {path}")


# -- network analysis --------------------------------------------------------------------

#: What each role means, for a reader who has not read the methods: (title, one line).
ROLE_TITLES: dict[str, tuple[str, str]] = {
    "connector": ("Central connectors", "know the most colleagues directly"),
    "broker": ("Brokers", "link departments that otherwise rarely talk"),
    "hidden_influencer": ("Hidden influencers", "far more influence than their formal level"),
    "bottleneck": ("Bottlenecks", "colleagues would be cut off if they left"),
    "peripheral": ("Peripheral people", "one contact or fewer"),
    "isolated": ("Isolated people", "no ties of the analysed kinds at all"),
}


def _missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))


def _num(value: Any, digits: int = 2) -> str:
    """A figure for reading: thousands separated, ``–`` when undefined."""
    if _missing(value):
        return "–"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    return f"{float(value):,.{digits}f}"


def _pct(value: Any, digits: int = 0) -> str:
    return "–" if _missing(value) else f"{100 * float(value):.{digits}f}%"


def _analysis_options(
    resolution: float | None,
    seed: int | None,
    exact_max: int | None,
    pivots: int | None,
    min_group_size: int | None,
) -> AnalysisOptions:
    """The library's defaults, changed only where an option was given."""
    from peerweave.network.analysis import AnalysisOptions

    given: dict[str, Any] = {
        "resolution": resolution,
        "seed": seed,
        "exact_max": exact_max,
        "pivots": pivots,
    }
    base = AnalysisOptions()
    try:
        metrics = replace(base.metrics, **{k: v for k, v in given.items() if v is not None})
        if min_group_size is None:
            return replace(base, metrics=metrics)
        return replace(base, metrics=metrics, min_group_size=min_group_size)
    except ValueError as exc:
        raise InputError(
            "peerweave analyze", Problem(str(exc), fix="see `peerweave analyze --help`")
        ) from None


def _who(people: pd.DataFrame, person_ids: pd.Series) -> tuple[list[str], list[str]]:
    """Display names ("Ada Lovelace (P1)", else the id) and departments of a few people."""
    ids = person_ids.astype(str)
    rows = people.assign(person_id=people["person_id"].astype(str)).set_index("person_id")
    rows = rows.reindex(ids)
    empty = pd.Series([""] * len(ids), index=rows.index, dtype=object)
    names = rows["name"].fillna("") if "name" in rows.columns else empty
    departments = rows["department"].fillna("") if "department" in rows.columns else empty
    shown = [
        f"{name} ({pid})" if name else pid for name, pid in zip(names.astype(str), ids, strict=True)
    ]
    return shown, departments.astype(str).tolist()


def _print_whole(result: AnalysisResult) -> None:
    w, m = result.analysis.whole, result.analysis.metrics
    table = Table(title="The whole network", title_justify="left")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("what it means")
    opted = w.people - w.active_people
    analysed = f"{w.active_people:,} analysed" + (f", {opted:,} opted out" if opted else "")
    table.add_row("people", f"{w.people:,}", analysed)
    table.add_row("ties", f"{w.ties:,}", f"one way; {w.edges:,} pairs of colleagues in contact")
    table.add_row("density", _pct(w.density, 2), "share of all possible ties that exist")
    table.add_row("reciprocity", _pct(w.reciprocity), "share of ties that go both ways")
    table.add_row(
        "components",
        f"{w.components:,}",
        f"separate islands; the largest holds {_pct(w.largest_component_share)} of people",
    )
    table.add_row(
        "clustering",
        _num(w.global_clustering),
        "how often two contacts of a person know each other (0 to 1)",
    )
    table.add_row(
        "modularity",
        _num(m.modularity),
        f"{m.communities:,} communities; above 0.3 the network splits into clear communities",
    )
    table.add_row(
        "average distance",
        _num(m.paths.average_path_length, 1),
        "steps between two people who can reach each other",
    )
    console.print(table)


def _print_roles(result: AnalysisResult, top: int) -> None:
    from peerweave.network.roles import ROLES

    roles = result.analysis.roles
    found = [str(r) for r in roles["role"].unique()]
    for role in [*ROLES, *sorted(set(found) - set(ROLES))]:
        title, meaning = ROLE_TITLES.get(role, (role.replace("_", " ").capitalize(), ""))
        rows = roles[roles["role"] == role]
        if rows.empty:
            console.print(f"[bold]{title}[/]: none found", highlight=False)
            continue
        shown = rows.head(top)
        names, departments = _who(result.graph.people, shown["person_id"])
        more = len(rows) - len(shown)
        table = Table(
            title=f"{title}: {len(rows):,}" + (f" ({meaning})" if meaning else ""),
            title_justify="left",
            caption=f"… and {more:,} more (--top N, or --export FILE for everyone)"
            if more
            else None,
            caption_justify="left",
        )
        table.add_column("person")
        table.add_column("department")
        table.add_column("why")
        for name, department, reason in zip(names, departments, shown["reason"], strict=True):
            table.add_row(name, department, str(reason))
        console.print(table)


def _print_silos(result: AnalysisResult, top: int, attribute: str = "department") -> None:
    """The silo ranking of one grouping (departments, teams), most inward first."""
    plural = {"department": "departments", "team": "teams", "location": "locations"}.get(
        attribute, attribute
    )
    report = result.analysis.groups.get(attribute)
    if report is None or report.table.empty:
        known = result.graph.people.get(attribute, pd.Series(dtype=object)).notna().any()
        why = (
            f"no {attribute} has {report.min_group_size} people or more"
            if report is not None and known
            else f"no {attribute} is known (import a people file with a {attribute} column)"
        )
        console.print(f"[bold]Silos ({plural})[/]: {why}", highlight=False)
        return
    caption = (
        f"E-I index: −1 = every tie stays inside the {attribute}, +1 = every tie goes outside."
    )
    table = Table(
        title=f"Silos: {plural} from the most inward",
        title_justify="left",
        caption=caption,
        caption_justify="left",
    )
    shown = report.table.sort_values("silo_rank").head(top)
    longest = int(shown["group"].astype(str).str.len().max())
    table.add_column("rank", justify="right")
    table.add_column(attribute, min_width=min(longest, 24), overflow="fold")
    for column in ("people", "ties in", "ties out", "density", "E-I"):
        table.add_column(column, justify="right")
    for row in shown.itertuples(index=False):
        table.add_row(
            _num(row.silo_rank),
            str(row.group),
            _num(row.size),
            _num(row.internal_ties),
            _num(row.external_ties),
            _pct(row.density, 1),
            _num(row.ei_index),
        )
    console.print(table)


def _print_formal(result: AnalysisResult, top: int) -> None:
    f = result.analysis.formal
    if f.reporting_lines == 0:
        console.print(
            "[bold]Formal vs informal[/]: no reporting line is known "
            "(import a people file with a manager_id column)",
            highlight=False,
        )
        return
    table = Table(title="Formal vs informal", title_justify="left", show_header=False)
    table.add_column("figure")
    table.add_column("value")
    table.add_row(
        "reporting lines with an informal tie",
        f"{f.lines_with_tie:,} of {f.reporting_lines:,} ({_pct(f.line_share)})",
    )
    table.add_row("managers with reports they have no tie to", f"{len(f.managers):,}")
    table.add_row(
        "informal communities match departments (NMI)",
        f"{_num(f.community_department_nmi)} (0 = unrelated, 1 = the same groups)",
    )
    table.add_row(
        "people whose ties are mostly outside their department", f"{len(f.outside_department):,}"
    )
    console.print(table)
    if f.managers.empty:
        return
    shown = f.managers.head(top)
    names, departments = _who(result.graph.people, shown["manager_id"])
    managers = Table(
        title="Managers with the most reports they have no tie to", title_justify="left"
    )
    managers.add_column("manager")
    managers.add_column("department")
    managers.add_column("reports", justify="right")
    managers.add_column("without a tie", justify="right")
    for name, department, reports, lacking in zip(
        names, departments, shown["reports"], shown["reports_without_tie"], strict=True
    ):
        managers.add_row(name, department, _num(reports), _num(lacking))
    console.print(managers)


def _print_analysis(result: AnalysisResult, top: int) -> None:
    console.rule("[bold]peerweave network analysis")
    _print_whole(result)
    console.rule("[bold]Roles")
    _print_roles(result, top)
    console.rule("[bold]Groups")
    _print_silos(result, top)
    if "team" in result.analysis.groups:
        _print_silos(result, min(top, 5), "team")
    _print_formal(result, top)
    if result.analysis.notes:
        console.rule("[bold]Notes")
        for note in result.analysis.notes:
            console.print(f"  [yellow]note[/] {note}", highlight=False, soft_wrap=True)


@app.command()
@_friendly
def analyze(
    ctx: typer.Context,
    kind: KindsOption = None,
    since: Annotated[
        str | None, typer.Option(help="Only ties from this date (YYYY-MM-DD).")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Only ties before this date, exclusive (YYYY-MM-DD).")
    ] = None,
    resolution: Annotated[
        float | None,
        typer.Option(help="Community resolution; above 1 finds more, smaller communities. [1.0]"),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Random seed; the same seed gives the same result. [0]")
    ] = None,
    exact_max: Annotated[
        int | None,
        typer.Option(help="Exact betweenness up to this many people, estimated above. [20000]"),
    ] = None,
    pivots: Annotated[
        int | None, typer.Option(help="People sampled to estimate betweenness. [1024]")
    ] = None,
    min_group_size: Annotated[
        int | None, typer.Option(help="Smallest group shown on its own (privacy). [5]")
    ] = None,
    top: Annotated[int, typer.Option(min=1, help="Rows per table.")] = 10,
    export: Annotated[
        Path | None,
        typer.Option(help="Write every person's metrics and roles (.csv, .parquet, .json)."),
    ] = None,
    no_save: Annotated[
        bool, typer.Option("--no-save", help="Show the results; store nothing.")
    ] = False,
) -> None:
    """Find connectors, brokers, hidden influencers, bottlenecks and silos; store the run."""
    options = _analysis_options(resolution, seed, exact_max, pivots, min_group_size)
    with console.status("analysing the network…"):
        result = _with_workspace(
            ctx,
            lambda ws: ws.analyze(
                kinds=kind,
                start=since,
                end=until,
                options=options,
                save=not no_save,
                export=export,
            ),
        )
    _print_analysis(result, top)
    console.rule()
    _print_outcome(
        [f"{export} ({len(result.analysis.people):,} people)"] if export is not None else [],
        stored=None
        if result.run_id is None
        else f"[green]analysis #{result.run_id} stored[/]: `peerweave analyses` lists the runs; "
        "`peerweave export gexf FILE` now carries these metrics",
    )


#: How ``peerweave analyses`` counts the people of each role: (one, several).
ROLE_NOUNS: dict[str, tuple[str, str]] = {
    "connector": ("central connector", "central connectors"),
    "broker": ("broker", "brokers"),
    "hidden_influencer": ("hidden influencer", "hidden influencers"),
    "bottleneck": ("bottleneck", "bottlenecks"),
    "peripheral": ("peripheral person", "peripheral people"),
    "isolated": ("isolated person", "isolated people"),
}


def _role_counts(summary: Mapping[str, Any]) -> str:
    """One line per role someone holds: "15 central connectors", "1 bottleneck"."""
    lines = []
    for role, n in (summary.get("roles") or {}).items():
        if n:
            one, several = ROLE_NOUNS.get(role, (role.replace("_", " "),) * 2)
            lines.append(f"{n:,} {one if n == 1 else several}")
    return "\n".join(lines)


def _day(value: Any) -> str:
    return "" if _missing(value) else f"{value:%Y-%m-%d}"


@app.command()
@_friendly
def analyses(ctx: typer.Context) -> None:
    """List the stored network analyses, newest first."""
    runs = _with_workspace(ctx, lambda ws: ws.analysis_runs())
    if runs.empty:
        console.print("no analysis stored yet: run `peerweave analyze`")
        return
    table = Table(title="stored analyses", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("when", no_wrap=True)
    table.add_column("ties analysed")
    for column in ("people", "ties", "modularity"):
        table.add_column(column, justify="right", min_width=len(column))
    table.add_column("roles")
    for run in runs.to_dict("records"):
        start, end = _day(run["window_start"]), _day(run["window_end"])
        kinds = ", ".join(run["kinds"]) if run["kinds"] else "every kind"
        window = (
            f"{start} to {end}"
            if start and end
            else f"from {start}"
            if start
            else f"until {end}"
            if end
            else "all time"
        )
        table.add_row(
            str(run["id"]),
            f"{run['created_at']:%Y-%m-%d}\n{run['created_at']:%H:%M} UTC",
            f"{kinds}\n{window}",
            f"{run['people']:,}",
            f"{run['ties']:,}",
            _num(run["summary"].get("modularity")),
            _role_counts(run["summary"]),
        )
    console.print(table)


# -- spread ------------------------------------------------------------------------------

IdsOption = Annotated[
    list[str] | None,
    typer.Option(help="Person ids, comma-separated (repeatable)."),
]
ModelOption = Annotated[
    str,
    typer.Option(
        "--model",
        help="ic (independent cascade), lt (linear threshold) or complex (needs several "
        "adopting contacts): complex:k=3, complex:theta=0.3, ic:delta=0.1 (abandonment).",
    ),
]
ProbOption = Annotated[
    str | None,
    typer.Option(
        "--prob",
        help="How likely a tie passes the practice on: tie-weight[:P] (default, P = 0.01), "
        "weighted-cascade (1 / contacts) or uniform:P.",
        show_default=False,
    ),
]
OnLeaveOption = Annotated[
    bool,
    typer.Option("--exclude-on-leave/--include-on-leave", help="Never seed people on leave."),
]


def _ids(values: list[str] | None) -> list[str]:
    """Ids given as ``--include A,B --include C``."""
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


def _band(mean: float, low: float, high: float) -> str:
    """``mean (low–high)``; just the mean when every run gave the same figure."""
    if f"{low:,.0f}" == f"{high:,.0f}" == f"{mean:,.0f}":
        return f"{mean:,.0f}"
    return f"{mean:,.0f} [dim]({low:,.0f}–{high:,.0f})[/]"


def _gain(best: float, other: float) -> str:
    """How much more ``best`` reaches: ``+44%``, or ``6.0×`` from twice as much."""
    ratio = best / other
    return f"{ratio:.1f}× as many as" if ratio >= 2 else f"{ratio - 1:+.0%} over"


def _print_champions(result: ChampionsResult, top: int) -> None:
    from peerweave.spread.strategies import describe

    console.rule("[bold]peerweave champions")
    frame = result.champions
    shown = frame.head(top)
    more = len(frame) - len(shown)
    share = result.k / result.eligible if result.eligible else float("nan")
    table = Table(
        title=f"{result.k:,} champions ({_pct(share, 1)} of the {result.eligible:,} people who "
        "can be champions), strongest first",
        title_justify="left",
        caption=f"… and {more:,} more (--top N, or --export FILE for everyone)" if more else None,
        caption_justify="left",
    )
    table.add_column("#", justify="right")
    table.add_column("person")
    table.add_column("department")
    table.add_column("why")
    names, departments = _who(result.graph.people, shown["person_id"])
    for rank, name, department, reason in zip(
        shown["rank"], names, departments, shown["reason"], strict=True
    ):
        table.add_row(str(rank), name, department, str(reason))
    console.print(table)

    facts = Table(title="What to expect", title_justify="left", show_header=False)
    facts.add_column("figure")
    facts.add_column("value")
    facts.add_row("model", describe(result.model))
    facts.add_row("chosen by", result.seeds.method)
    population = result.population
    if not result.seeds.heuristic and not pd.isna(result.estimated_reach):
        facts.add_row(
            "expected adopters (OPIM-C estimate)",
            f"{result.estimated_reach:,.0f} ({_pct(result.estimated_reach / max(population, 1))} "
            "of the organization) once the spread has run its course",
        )
    sim = result.simulation
    if sim is not None:
        weeks = [w for w in (4, 13, 26) if w <= sim.steps] or [sim.steps]
        if sim.steps not in weeks:
            weeks.append(sim.steps)
        for w in weeks:
            facts.add_row(
                f"adopters by week {w} (simulated)",
                _band(float(sim.mean[w]), float(sim.p05[w]), float(sim.p95[w]))
                + f" [dim]mean (5–95% of {sim.runs:,} runs)[/]",
            )
    facts.add_row("guarantee", result.guarantee or "none")
    console.print(facts)
    if result.notes:
        console.rule("[bold]Notes")
        for note in result.notes:
            console.print(f"  [yellow]note[/] {note}", highlight=False, soft_wrap=True)


@app.command()
@_friendly
def champions(
    ctx: typer.Context,
    k: Annotated[
        str, typer.Option("--k", help="How many champions: a number (50) or a share (5%).")
    ] = "5%",
    per: Annotated[
        str | None,
        typer.Option(
            "--per",
            help="At least so many champions in every group: department:1.",
            show_default=False,
        ),
    ] = None,
    at_most: Annotated[
        str | None,
        typer.Option(
            "--at-most",
            help="At most so many champions per group: department:10.",
            show_default=False,
        ),
    ] = None,
    model: ModelOption = "ic",
    prob: ProbOption = None,
    eps: Annotated[
        float, typer.Option("--eps", help="Accuracy ε: within (1 − 1/e − ε) of the best (OPIM-C).")
    ] = 0.1,
    include: IdsOption = None,
    exclude: IdsOption = None,
    exclude_on_leave: OnLeaveOption = True,
    name: Annotated[
        str | None, typer.Option(help="Name of the initiative.", show_default=False)
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed, the same champions.")] = 0,
    runs: Annotated[
        int, typer.Option(help="Simulated runs to forecast the champions' reach (0: none).")
    ] = 1000,
    steps: Annotated[int, typer.Option(help="Weeks simulated.")] = 26,
    kind: KindsOption = None,
    top: Annotated[int, typer.Option(min=1, help="Champions shown.")] = 20,
    export: Annotated[
        Path | None,
        typer.Option(help="Write person_id, rank, marginal_gain (.csv, .parquet, .json)."),
    ] = None,
    no_save: Annotated[
        bool, typer.Option("--no-save", help="Show the champions; store nothing.")
    ] = False,
    start: Annotated[
        str | None,
        typer.Option(
            "--start",
            help="When the initiative starts (YYYY-MM-DD; default now): adoptions are tracked "
            "from then.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Choose peer champions for a practice to spread (OPIM-C), with why; store the initiative."""
    with console.status("choosing champions…"):
        result = _with_workspace(
            ctx,
            lambda ws: ws.champions(
                k,
                kinds=kind,
                model=model,
                prob=prob,
                epsilon=eps,
                per=per,
                at_most=at_most,
                include=_ids(include),
                exclude=_ids(exclude),
                exclude_on_leave=exclude_on_leave,
                name=name,
                seed=seed,
                runs=runs,
                steps=steps,
                save=not no_save,
                export=export,
                started_at=start,
            ),
        )
    _print_champions(result, top)
    console.rule()
    _print_outcome(
        [f"{export} ({result.k:,} champions)"] if export is not None else [],
        stored=None
        if result.initiative_id is None
        else f"[green]initiative #{result.initiative_id} stored[/] ({escape(result.name)}): "
        f"`peerweave forecast --initiative {result.initiative_id}` compares these "
        "champions with other strategies",
    )


def _weeks(steps: int) -> list[int]:
    weeks = [w for w in (4, 13, 26) if w <= steps]
    return weeks if steps in weeks else [*weeks, steps]


def _print_headline(c: Comparison) -> None:
    """One sentence a lead can repeat: which strategy reaches most, and by how much."""
    if len(c.summary) < 2:
        return
    ranked = c.summary.sort_values("final", ascending=False)
    best = ranked.iloc[0]
    others = [
        f"{_gain(best['final'], row['final'])} {row['strategy']}"
        for _, row in ranked.iloc[1:].iterrows()
        if row["strategy"] in ("top-down", "random", "hubs") and row["final"] > 0
    ]
    console.print(
        f"[bold]{best['strategy']}[/] reach the most: {best['final']:,.0f} adopters by week "
        f"{c.steps} ({_pct(best['share'])} of people)"
        + (f", {', '.join(others)}" if others else "")
        + ".",
        soft_wrap=True,
        highlight=False,
    )


def _print_reach_by(c: Comparison) -> None:
    """Reach per group; the folded small groups are named only when they hold 5 or more."""
    attribute = c.attribute
    frame = c.by_group
    sizes = frame.drop_duplicates("group").set_index("group")["size"]
    order = [g for g in dict.fromkeys(frame["group"]) if int(sizes[g]) >= MIN_GROUP_SIZE]
    hidden = int(sizes[[g for g in sizes.index if g not in order]].sum())
    wide = frame.pivot(index="group", columns="strategy", values="share")
    caption = f"{attribute}s under {MIN_GROUP_SIZE} people are folded together"
    if hidden:
        who = "1 person" if hidden == 1 else f"{hidden:,} people"
        caption += f", and left out when fewer than {MIN_GROUP_SIZE} in all ({who})"
    table = Table(
        title=f"Reach per {attribute}: expected share who adopt within {c.steps} weeks",
        title_justify="left",
        caption=caption,
        caption_justify="left",
    )
    longest = max((len(str(g)) for g in order), default=8)
    table.add_column(str(attribute), min_width=min(longest, 20), overflow="fold")
    table.add_column("people", justify="right")
    for name in c.strategies:
        table.add_column(name, justify="right")
    for group in order:
        table.add_row(
            str(group),
            f"{int(sizes[group]):,}",
            *(_pct(wide.loc[group, name]) for name in c.strategies),
        )
    console.print(table)


def _print_forecast(result: ForecastResult) -> None:
    from peerweave.spread.strategies import describe

    c = result.comparison
    console.rule("[bold]peerweave forecast")
    weeks = _weeks(c.steps)
    table = Table(
        title=f"Adopters per strategy: {describe(c.model)}",
        title_justify="left",
        caption=f"mean (5–95% of {c.runs:,} simulated runs); share = of the "
        f"{c.population:,} people who can adopt, at week {c.steps}",
        caption_justify="left",
    )
    table.add_column("strategy")
    table.add_column("seeds", justify="right")
    for w in weeks:
        table.add_column(f"week {w}", justify="right")
    table.add_column("share", justify="right")
    best = c.summary["final"].max()
    for row in c.summary.itertuples(index=False):
        points = c.curves[c.curves["strategy"] == row.strategy].sort_values("step")
        mean, low, high = (points[col].to_numpy(dtype=float) for col in ("mean", "p05", "p95"))
        label = str(row.strategy) + (" [dim](heuristic)[/]" if row.heuristic else "")
        share = _pct(row.share, 1)
        if row.final == best and len(c.summary) > 1:
            share = f"[bold green]{share}[/]"
        table.add_row(
            label,
            f"{row.seeds:,}",
            *(_band(mean[w], low[w], high[w]) for w in weeks),
            share,
        )
    console.print(table)

    _print_headline(c)
    if not c.by_group.empty and c.attribute is not None:
        _print_reach_by(c)
    seeds_table = Table(title="Who each strategy seeds first", title_justify="left")
    seeds_table.add_column("strategy")
    seeds_table.add_column("first seeds")
    for name, seeds in c.seeds.items():
        first, _ = _who(result.graph.people, pd.Series(result.graph.ids[seeds.positions[:3]]))
        more = f" … +{seeds.k - 3:,}" if seeds.k > 3 else ""
        seeds_table.add_row(f"{name}\n[dim]{seeds.method}[/]", ", ".join(first) + more)
    console.print(seeds_table)
    if c.notes:
        console.rule("[bold]Notes")
        for note in c.notes:
            console.print(f"  [yellow]note[/] {note}", highlight=False, soft_wrap=True)


@app.command()
@_friendly
def forecast(
    ctx: typer.Context,
    strategy: Annotated[
        list[str] | None,
        typer.Option(
            help="Strategies, comma-separated: champions, hubs, top-down, random, "
            "one-per-team, list. [champions,hubs,top-down,random]",
            show_default=False,
        ),
    ] = None,
    k: Annotated[
        str | None,
        typer.Option(
            "--k",
            help="Seeds per strategy: a number (50) or a share (5%). "
            "[5%, or the initiative's champions]",
            show_default=False,
        ),
    ] = None,
    model: ModelOption = "ic",
    prob: ProbOption = None,
    runs: Annotated[int, typer.Option(help="Simulated runs per strategy.")] = 1000,
    steps: Annotated[int, typer.Option(help="Weeks simulated.")] = 26,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed, the same forecast.")] = 0,
    eps: Annotated[float, typer.Option("--eps", help="OPIM-C accuracy ε for champions.")] = 0.1,
    initiative: Annotated[
        int | None,
        typer.Option(help="Use the champions stored in this initiative.", show_default=False),
    ] = None,
    people: IdsOption = None,
    exclude: IdsOption = None,
    exclude_on_leave: OnLeaveOption = True,
    kind: KindsOption = None,
    export: Annotated[
        Path | None,
        typer.Option(help="Write the curves: strategy, step, mean, p05, p95 (.csv, .parquet)."),
    ] = None,
    chart: Annotated[
        Path, typer.Option(help="Chart of the curves (.png, .svg, .pdf) and an .html beside it.")
    ] = Path("forecast.png"),
    no_chart: Annotated[bool, typer.Option("--no-chart", help="Draw no chart.")] = False,
) -> None:
    """Forecast adoption week by week for each seeding strategy, side by side, with a chart."""
    names = _ids(strategy) or ["champions", "hubs", "top-down", "random"]
    with console.status(f"simulating {len(names)} strategies × {runs:,} runs…"):
        result = _with_workspace(
            ctx,
            lambda ws: ws.forecast(
                names,
                k=k,
                kinds=kind,
                model=model,
                prob=prob,
                runs=runs,
                steps=steps,
                seed=seed,
                epsilon=eps,
                initiative=initiative,
                people=_ids(people) or None,
                exclude=_ids(exclude),
                exclude_on_leave=exclude_on_leave,
                min_group_size=MIN_GROUP_SIZE,
                export=export,
                chart=None if no_chart else chart,
            ),
        )
    _print_forecast(result)
    console.rule()
    for path in result.files:
        console.print(f"wrote {path}", highlight=False, soft_wrap=True)


@app.command()
@_friendly
def initiatives(ctx: typer.Context) -> None:
    """List the stored initiatives (champion sets), newest first."""
    found = _with_workspace(ctx, lambda ws: ws.initiatives())
    if found.empty:
        console.print("no initiative stored yet: run `peerweave champions`")
        return
    table = Table(title="stored initiatives", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("when", no_wrap=True)
    table.add_column("name")
    table.add_column("model")
    table.add_column("champions", justify="right")
    table.add_column("expected adopters", justify="right")
    table.add_column("guarantee")
    for row in found.to_dict("records"):
        table.add_row(
            str(row["id"]),
            f"{row['created_at']:%Y-%m-%d}\n{row['created_at']:%H:%M} UTC",
            str(row["name"]),
            str(row["model"]),
            f"{row['champions']:,}",
            _num(row["estimated_reach"], 0),
            str(row["guarantee"]),
        )
    console.print(table)


# -- peer circles ------------------------------------------------------------------------

circles_app = typer.Typer(
    no_args_is_help=True,
    help="Peer circles: diverse tables of peers, a new round at a time, avoiding repeats.",
)
app.add_typer(circles_app, name="circles")

#: Circles shown by ``circles new-round`` (the rest go to ``--export``).
CIRCLES_SHOWN = 5


def _circle_size(text: str) -> tuple[int, int]:
    """``"5-7"`` (or ``"6"``) as ``(min, max)``; ``InputError`` naming ``--size`` otherwise."""
    parts = text.replace("–", "-").split("-")
    try:
        low, high = (int(parts[0]), int(parts[-1])) if len(parts) <= 2 else (0, -1)
    except ValueError:
        low, high = 0, -1
    if not 2 <= low <= high:
        raise InputError(
            "--size",
            Problem(
                f"{text!r} is not a circle size range",
                fix="give MIN-MAX with 2 <= MIN <= MAX, for instance --size 5-7",
            ),
        )
    return low, high


@circles_app.command("new-round")
@_friendly
def circles_new_round(
    ctx: typer.Context,
    by: Annotated[
        str,
        typer.Option(
            help="People-file columns to mix, comma-separated (department,level,location)."
        ),
    ],
    size: Annotated[str, typer.Option(help="Circle size MIN-MAX.")] = "5-7",
    seconds: Annotated[float, typer.Option(min=0.0, help="Search time budget.")] = 10.0,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same round).")] = 0,
    tz_window: Annotated[
        float | None,
        typer.Option(
            "--tz-window",
            min=0.0,
            help="Most hours between circle-mates' UTC offsets.",
            show_default=False,
        ),
    ] = None,
    topic: Annotated[
        str | None,
        typer.Option(
            help="A skill: each circle gets someone who teaches it and someone who wants it.",
            show_default=False,
        ),
    ] = None,
    export: Annotated[
        Path | None,
        typer.Option(help="Write round, circle, person_id, role to this file.", show_default=False),
    ] = None,
    no_save: Annotated[
        bool, typer.Option("--no-save", help="Form the round without storing it.")
    ] = False,
) -> None:
    """Form the next round of peer circles, mixing the chosen attributes and avoiding pairs
    who met in earlier rounds; store it (unless --no-save)."""
    columns = [c.strip() for c in by.split(",") if c.strip()]
    bounds = _circle_size(size)
    result = _with_workspace(
        ctx,
        lambda ws: ws.new_circle_round(
            by=columns,
            size=bounds,
            seconds=seconds,
            seed=seed,
            tz_window=tz_window,
            topic=topic,
            save=not no_save,
            export=export,
        ),
    )
    seats = result.assignment
    console.print(
        f"[bold]{seats['circle'].nunique():,} circles[/] of {len(seats):,} people "
        f"in {result.seconds:.1f} s; diversity {result.diversity:,.1f} "
        f"({result.pair_diversity:.2f} per pair)",
        highlight=False,
    )
    console.print(
        f"repeat pairs {result.repeat_pairs:,} (a random grouping: "
        f"{result.expected_repeats:,.1f}); repeats avoided {result.repeats_avoided:,}",
        highlight=False,
    )
    checks = ", ".join(f"{rule} {verdict}" for rule, verdict in result.constraint_check.items())
    console.print(f"constraint check: {checks or 'no rules applied'}", highlight=False)
    for note in result.notes:
        console.print(f"  [yellow]note[/] {note}", highlight=False, soft_wrap=True)
    table = Table(
        title=f"first {min(CIRCLES_SHOWN, seats['circle'].nunique())} circles (* host)",
        title_justify="left",
    )
    table.add_column("circle", justify="right")
    table.add_column("people (mixed by " + ", ".join(columns) + ")")
    people = _with_workspace(ctx, lambda ws: ws.people()).set_index("person_id")
    shown = [c for c in columns if c in people.columns]
    for circle, group in list(seats.groupby("circle", sort=True))[:CIRCLES_SHOWN]:
        lines = []
        for person, role in zip(group["person_id"], group["role"], strict=True):
            row = people.loc[person] if person in people.index else None
            name = str(row["name"]) if row is not None and pd.notna(row.get("name")) else ""
            facts = " · ".join(str(row[c]) for c in shown) if row is not None else ""
            host = " [bold]host[/]" if role == "host" else ""
            label = f"{escape(name)} ({person})" if name else str(person)
            lines.append(f"{label}{host} [dim]{escape(facts)}[/]")
        table.add_row(str(circle), "\n".join(lines))
    console.print(table)
    _print_outcome(
        [export] if export is not None else [],
        stored=None
        if no_save
        else "[green]round stored[/]: `peerweave circles history` lists the rounds; the next "
        "round avoids this one's pairs",
    )


@circles_app.command("history")
@_friendly
def circles_history(ctx: typer.Context) -> None:
    """List the stored rounds of circles, newest first."""
    found = _with_workspace(ctx, lambda ws: ws.circle_rounds())
    if found.empty:
        console.print("no round of circles stored yet: run `peerweave circles new-round`")
        return
    table = Table(title="stored rounds of circles", title_justify="left")
    table.add_column("round", justify="right")
    table.add_column("when", no_wrap=True)
    table.add_column("mixing")
    table.add_column("people", justify="right")
    table.add_column("circles", justify="right")
    table.add_column("diversity", justify="right")
    table.add_column("repeat pairs", justify="right")
    table.add_column("repeats avoided", justify="right")
    for row in found.to_dict("records"):
        by = row["params"].get("by", [])
        table.add_row(
            str(row["id"]),
            f"{row['created_at']:%Y-%m-%d %H:%M} UTC",
            ", ".join(map(str, by)),
            f"{row['people']:,}",
            f"{row['circles']:,}",
            f"{row['diversity']:,.1f}",
            f"{row['repeat_pairs']:,}",
            f"{row['repeats_avoided']:,.0f}",
        )
    console.print(table)


# -- peer learning -----------------------------------------------------------------------

sessions_app = typer.Typer(
    no_args_is_help=True,
    help="The sessions ledger: propose, schedule, hold, cancel; feedback both ways; applied.",
)
app.add_typer(sessions_app, name="sessions")

SessionArgument = Annotated[int, typer.Argument(help="The session's number (`sessions list`).")]
OnOption = Annotated[
    str | None,
    typer.Option("--on", help="When (YYYY-MM-DD [HH:MM]); default now.", show_default=False),
]


def _names(people: pd.DataFrame, ids: pd.Series) -> list[str]:
    """Display names of people ("Ada Lovelace (P1)", else the id)."""
    return _who(people, ids.astype(str))[0]


def _print_notes(notes: tuple[str, ...]) -> None:
    if notes:
        console.rule("[bold]Notes")
        for note in notes:
            console.print(f"  [yellow]note[/] {note}", highlight=False, soft_wrap=True)


def _print_match(result: MatchResult, top: int) -> None:
    r = result.round
    s = r.summary
    console.rule("[bold]peerweave match")
    wishes = int(s.get("wishes", 0))
    matched = int(s.get("matched", 0))
    facts = Table(title="Matching round", title_justify="left", show_header=False)
    facts.add_column("figure")
    facts.add_column("value")
    facts.add_row(
        "open wishes",
        f"{wishes:,}"
        + (f" [dim](+{result.served:,} already served by a session)[/]" if result.served else ""),
    )
    facts.add_row(
        "matched",
        f"{matched:,} ({_pct(matched / wishes if wishes else float('nan'))}) — the most that "
        f"can be matched: {int(s.get('max_possible', matched)):,}",
    )
    facts.add_row("unmatched", f"{len(r.unmatched):,} (why: below)")
    if "teachers" in s:
        facts.add_row(
            "teachers with room",
            f"{int(s['teachers']):,} (room for {int(s.get('capacity', 0)):,} learners)",
        )
    if matched:
        facts.add_row("mean score", f"{float(s.get('mean_score', r.matches['score'].mean())):.2f}")
    console.print(facts)
    if matched:
        shown = r.matches.sort_values("score", ascending=False, kind="stable").head(top)
        more = matched - len(shown)
        learners, learner_depts = _who(result.people, shown["learner_id"])
        teachers, teacher_depts = _who(result.people, shown["teacher_id"])
        table = Table(
            title="Matches, best first (score 0–1)",
            title_justify="left",
            caption=f"… and {more:,} more (--top N, or --export FILE for every match)"
            if more
            else None,
            caption_justify="left",
        )
        for col in ("learner", "skill", "teacher", "score"):
            table.add_column(col, justify="right" if col == "score" else "left")
        for learner, ldept, skill, teacher, tdept, score in zip(
            learners,
            learner_depts,
            shown["skill"],
            teachers,
            teacher_depts,
            shown["score"],
            strict=True,
        ):
            table.add_row(
                f"{learner}\n[dim]{ldept}[/]" if ldept else learner,
                str(skill),
                f"{teacher}\n[dim]{tdept}[/]" if tdept else teacher,
                f"{float(score):.2f}",
            )
        console.print(table)
        if "reasons" in shown.columns:
            console.print("[bold]Why these teachers[/] (the first three):", highlight=False)
            for learner, teacher, why in list(
                zip(learners, teachers, shown["reasons"], strict=True)
            )[:3]:
                console.print(f"  {learner} ← {teacher}: {why}", highlight=False, soft_wrap=True)
    if len(r.unmatched):
        counts = r.unmatched["reason"].value_counts()
        table = Table(
            title="Unmatched wishes, by reason",
            title_justify="left",
            caption=f"… and {len(counts) - top:,} more reasons (--export FILE lists every wish)"
            if len(counts) > top
            else None,
            caption_justify="left",
        )
        table.add_column("reason")
        table.add_column("wishes", justify="right")
        for reason, n in counts.head(top).items():
            table.add_row(str(reason), f"{int(n):,}")
        console.print(table)
    _print_notes(result.notes)


@app.command()
@_friendly
def match(
    ctx: typer.Context,
    bridge: Annotated[
        bool,
        typer.Option("--bridge", help="Reward pairs across departments instead of closeness."),
    ] = False,
    max_hops: Annotated[
        int, typer.Option(help="Farthest network distance that still counts as close.")
    ] = 3,
    seed: Annotated[
        int, typer.Option(help="Seed that breaks ties; the same seed, the same round.")
    ] = 0,
    top: Annotated[int, typer.Option(min=1, help="Matches shown.")] = 10,
    export: Annotated[
        Path | None,
        typer.Option(
            help="Write learner_id, teacher_id, skill, score (.csv, .parquet, .json) and "
            "the unmatched wishes beside it (NAME.unmatched.csv).",
            show_default=False,
        ),
    ] = None,
    no_save: Annotated[
        bool, typer.Option("--no-save", help="Show the round; store nothing, propose nothing.")
    ] = False,
) -> None:
    """Match every open learning wish with a peer teacher (as many as possible, best score)."""
    from peerweave.learning.matching import MatchOptions

    options = MatchOptions(bridge=bridge, max_hops=max_hops, seed=seed)
    with console.status("matching learners with peer teachers…"):
        result = _with_workspace(ctx, lambda ws: ws.match(options, save=not no_save, export=export))
    _print_match(result, top)
    console.rule()
    ids = result.session_ids
    span = f" (#{ids[0]}–#{ids[-1]})" if len(ids) > 1 else f" (#{ids[0]})" if ids else ""
    _print_outcome(
        result.files,
        stored=None
        if result.round_id is None
        else f"[green]round #{result.round_id} stored[/]: {len(ids):,} proposed sessions{span}; "
        "`peerweave sessions list --status proposed` shows them, "
        "`peerweave sessions schedule N DATE` books one",
    )


@app.command()
@_friendly
def peers(
    ctx: typer.Context,
    person: Annotated[str, typer.Argument(help="Who wants to learn (person_id).")],
    skill: Annotated[str, typer.Argument(help="The skill.")],
    bridge: Annotated[
        bool, typer.Option("--bridge", help="Prefer teachers from other departments.")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, help="How many teachers to list.")] = 10,
) -> None:
    """Rank the best peer teachers of SKILL for PERSON, with the reasons for each rank."""
    from peerweave.learning.matching import MatchOptions

    def work(ws: Workspace) -> tuple[pd.DataFrame, pd.DataFrame]:
        found = ws.peers(person, skill, options=MatchOptions(bridge=bridge), limit=limit)
        return found, ws.people()

    from peerweave.org.skills import normalise_skill

    found, people = _with_workspace(ctx, work)
    learner = _names(people, pd.Series([person]))[0]
    level = found.attrs.get("learner_level")
    name = normalise_skill(pd.Series([skill], dtype="string")).iloc[0]
    title = f"Peer teachers of {name} for {learner}" + (
        f", now at level {level}" if level is not None else ""
    )
    if found.empty:
        why = found.attrs.get("explanation") or "nobody fits"
        console.print(f"[bold]{title}[/]: none — {why}", highlight=False, soft_wrap=True)
        return
    table = Table(title=title, title_justify="left", caption="score 0–1; ratings stay private")
    for col in ("#", "teacher", "level", "room", "score", "why"):
        table.add_column(col, justify="right" if col in ("#", "level", "room", "score") else "left")
    teachers, departments = _who(people, found["teacher_id"])
    room = found["room"] if "room" in found.columns else pd.Series([""] * len(found))
    for rank, teacher, dept, lvl, free, score, why in zip(
        found["rank"],
        teachers,
        departments,
        found["level"],
        room,
        found["score"],
        found["reasons"],
        strict=True,
    ):
        table.add_row(
            str(rank),
            f"{teacher}\n[dim]{dept}[/]" if dept else teacher,
            _num(lvl),
            _num(free),
            f"{float(score):.2f}",
            str(why),
        )
    console.print(table)


@app.command()
@_friendly
def endorse(
    ctx: typer.Context,
    giver: Annotated[str, typer.Argument(metavar="FROM", help="Who endorses (person_id).")],
    receiver: Annotated[str, typer.Argument(metavar="TO", help="Whom (person_id).")],
    skill: Annotated[str, typer.Argument(help="For which skill.")],
) -> None:
    """Endorse a colleague for a skill (once; endorsing again changes nothing)."""
    from peerweave.org.skills import normalise_skill

    new = _with_workspace(ctx, lambda ws: ws.endorse(giver, receiver, skill))
    name = normalise_skill(pd.Series([skill], dtype="string")).iloc[0]
    if new:
        console.print(f"[green]{giver} endorsed {receiver} for {name}[/]", highlight=False)
    else:
        console.print(
            f"{giver} had already endorsed {receiver} for {name}: nothing changed",
            highlight=False,
        )


def _when_text(row: Mapping[Any, Any]) -> str:
    """The date that matters for a session's status."""
    column = {
        "proposed": "proposed_at",
        "scheduled": "scheduled_for",
        "held": "held_at",
        "cancelled": "cancelled_at",
    }.get(str(row["status"]), "proposed_at")
    value = row.get(column)
    return "" if _missing(value) else f"{value:%Y-%m-%d}"


@sessions_app.command("list")
@_friendly
def sessions_list(
    ctx: typer.Context,
    person: Annotated[
        str | None, typer.Option(help="Only this person's sessions.", show_default=False)
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(help="proposed, scheduled, held or cancelled.", show_default=False),
    ] = None,
    skill: Annotated[str | None, typer.Option(help="Only this skill.", show_default=False)] = None,
    top: Annotated[int, typer.Option(min=1, help="Sessions shown, newest first.")] = 30,
) -> None:
    """List sessions, newest first: who learns what from whom, status, snowball link."""

    def work(ws: Workspace) -> tuple[pd.DataFrame, pd.DataFrame]:
        return ws.sessions(person=person, status=status, skill=skill), ws.people(include_left=True)

    found, people = _with_workspace(ctx, work)
    if found.empty:
        console.print(
            "no sessions match: `peerweave match` proposes some, `peerweave sessions add` "
            "adds one, `peerweave import sessions FILE` loads a ledger",
            soft_wrap=True,
        )
        return
    shown = found.sort_values("session_id", ascending=False).head(top)
    counts = found["status"].value_counts()
    table = Table(
        title=f"{len(found):,} sessions: "
        + ", ".join(f"{int(counts.get(s, 0)):,} {s}" for s in counts.index),
        title_justify="left",
        caption="after #N: the teacher learned the skill in session #N (the snowball)"
        + (
            f"; … and {len(found) - len(shown):,} older (--top N)"
            if len(found) > len(shown)
            else ""
        ),
        caption_justify="left",
    )
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("learner ← teacher")
    table.add_column("skill")
    table.add_column("status", no_wrap=True)
    learners = _names(people, shown["learner_id"])
    teachers = _names(people, shown["teacher_id"])
    for row, learner, teacher in zip(shown.to_dict("records"), learners, teachers, strict=True):
        parent = row["parent_session_id"]
        applied = row["applied_at"]
        table.add_row(
            str(row["session_id"])
            + ("" if _missing(parent) else f"\n[dim]after #{int(parent)}[/]"),
            f"{learner}\n[dim]←[/] {teacher}",
            str(row["skill"]),
            f"{row['status']} {_when_text(row)}"
            + ("" if _missing(applied) else f"\n[green]applied[/] {applied:%Y-%m-%d}"),
        )
    console.print(table)


@sessions_app.command("add")
@_friendly
def sessions_add(
    ctx: typer.Context,
    learner: Annotated[str, typer.Argument(help="Who learns (person_id).")],
    teacher: Annotated[str, typer.Argument(help="Who teaches (person_id).")],
    skill: Annotated[str, typer.Argument(help="The skill.")],
) -> None:
    """Propose a session outside a matching round (LEARNER learns SKILL from TEACHER)."""

    def work(ws: Workspace) -> pd.Series:
        sid = ws.add_session(learner, teacher, skill)
        found = ws.sessions(include_opted_out=True)
        return found[found["session_id"] == sid].iloc[0]

    row = _with_workspace(ctx, work)
    parent = row["parent_session_id"]
    console.print(
        f"[green]session #{row['session_id']} proposed[/]: {learner} learns {row['skill']} from {teacher}"
        + (
            ""
            if _missing(parent)
            else f"; it continues the snowball of session #{int(parent)}, where {teacher} "
            "learned it"
        ),
        highlight=False,
        soft_wrap=True,
    )


@sessions_app.command("schedule")
@_friendly
def sessions_schedule(
    ctx: typer.Context,
    session_id: SessionArgument,
    when: Annotated[str, typer.Argument(help="When it takes place (YYYY-MM-DD [HH:MM]).")],
) -> None:
    """Schedule a proposed session."""
    at = _with_workspace(ctx, lambda ws: ws.schedule(session_id, when))
    console.print(f"[green]session #{session_id} scheduled[/] for {at:%Y-%m-%d %H:%M}")


@sessions_app.command("hold")
@_friendly
def sessions_hold(ctx: typer.Context, session_id: SessionArgument, on: OnOption = None) -> None:
    """Mark a scheduled session held (it took place); feedback opens for both sides."""
    at = _with_workspace(ctx, lambda ws: ws.hold(session_id, on))
    console.print(
        f"[green]session #{session_id} held[/] on {at:%Y-%m-%d}: learner and teacher can "
        f"give feedback (`peerweave sessions feedback {session_id} --by PERSON --rating N`)",
        soft_wrap=True,
        highlight=False,
    )


@sessions_app.command("cancel")
@_friendly
def sessions_cancel(ctx: typer.Context, session_id: SessionArgument, on: OnOption = None) -> None:
    """Cancel a proposed or scheduled session."""
    _with_workspace(ctx, lambda ws: ws.cancel(session_id, on))
    console.print(f"session #{session_id} cancelled")


@sessions_app.command("feedback")
@_friendly
def sessions_feedback(
    ctx: typer.Context,
    session_id: SessionArgument,
    by: Annotated[str, typer.Option("--by", help="Who gives it: the learner or the teacher.")],
    rating: Annotated[int, typer.Option(help="1 (poor) to 5 (excellent).")],
    prepared: Annotated[
        bool | None,
        typer.Option("--prepared/--not-prepared", help="Was the other side prepared?"),
    ] = None,
    clear: Annotated[
        bool | None,
        typer.Option(
            "--clear/--not-clear", help="Was it clear (learner) / did they engage (teacher)?"
        ),
    ] = None,
    again: Annotated[
        bool | None,
        typer.Option("--again/--not-again", help="Would learn from / teach them again?"),
    ] = None,
    comment: Annotated[str, typer.Option(help="A few words.")] = "",
) -> None:
    """Give feedback on a held session; hidden from the other side until both have given it."""
    from peerweave.learning.schema import FEEDBACK_DEADLINE_DAYS

    role = _with_workspace(
        ctx,
        lambda ws: ws.feedback(
            session_id,
            by,
            rating,
            prepared=prepared,
            clear=clear,
            again=again,
            comment=comment,
        ),
    )
    other = "teacher" if role == "learner" else "learner"
    console.print(
        f"[green]feedback stored[/] ({by}, as the {role}). The {other} sees it once they have "
        f"given theirs, or {FEEDBACK_DEADLINE_DAYS} days after the session.",
        soft_wrap=True,
        highlight=False,
    )


@sessions_app.command("applied")
@_friendly
def sessions_applied(
    ctx: typer.Context,
    session_id: SessionArgument,
    by: Annotated[str, typer.Option("--by", help="The learner (only they can say so).")],
    on: OnOption = None,
) -> None:
    """The learner says they applied what they learned (it earns the teacher credit)."""
    at = _with_workspace(ctx, lambda ws: ws.applied(session_id, by, on))
    console.print(
        f"[green]session #{session_id}: {by} applied it[/] on {at:%Y-%m-%d}", highlight=False
    )


@sessions_app.command("show")
@_friendly
def sessions_show(
    ctx: typer.Context,
    session_id: SessionArgument,
    viewer: Annotated[
        str, typer.Option("--as", help="Whose view: the session's learner or teacher.")
    ],
) -> None:
    """Show a session and the feedback PERSON may read (double-blind)."""

    def work(ws: Workspace) -> tuple[FeedbackView, pd.DataFrame]:
        return ws.feedback_for(session_id, viewer), ws.people(include_left=True)

    view, people = _with_workspace(ctx, work)
    row = view.session
    learner, teacher = _names(people, pd.Series([row["learner_id"], row["teacher_id"]]))
    facts = Table(title=f"Session #{session_id}", title_justify="left", show_header=False)
    facts.add_column("")
    facts.add_column("")
    facts.add_row("learner", learner)
    facts.add_row("teacher", teacher)
    facts.add_row("skill", str(row["skill"]))
    facts.add_row("status", f"{row['status']} {_when_text(row.to_dict())}".strip())
    if not _missing(row["parent_session_id"]):
        facts.add_row("snowball", f"the teacher learned it in #{int(row['parent_session_id'])}")
    if not _missing(row["applied_at"]):
        facts.add_row("applied", f"{row['applied_at']:%Y-%m-%d}")
    console.print(facts)
    if view.visible.empty and not view.waiting:
        console.print("no feedback yet")
    if not view.visible.empty:
        table = Table(title="Feedback you can read", title_justify="left")
        for col in ("from", "rating", "prepared", "clear", "again", "comment"):
            table.add_column(col)
        for f in view.visible.to_dict("records"):
            yes_no = [
                "–" if _missing(f[q]) else ("yes" if f[q] else "no")
                for q in ("prepared", "clear", "again")
            ]
            table.add_row(
                f"{f['author_id']} ({f['role']})", str(f["rating"]), *yes_no, str(f["comment"])
            )
        console.print(table)
    for role in view.waiting:
        deadline = view.visible_from
        console.print(
            f"the {role} has given feedback; you can read it once you have given yours"
            + (f", or from {deadline:%Y-%m-%d}" if deadline is not None else ""),
            soft_wrap=True,
            highlight=False,
        )


@app.command()
@_friendly
def recognition(
    ctx: typer.Context,
    skill: Annotated[
        str | None, typer.Option(help="Only this skill (and its snowball).", show_default=False)
    ] = None,
    tree: Annotated[
        Path | None,
        typer.Option(help="Draw the skill's snowball tree (.png, .svg, .pdf).", show_default=False),
    ] = None,
    discount: Annotated[
        float | None,
        typer.Option(help="Credit kept per step down a chain (default 0.5).", show_default=False),
    ] = None,
    top: Annotated[int, typer.Option(min=1, help="Teachers shown.")] = 10,
    export: Annotated[
        Path | None,
        typer.Option(
            help="Write every teacher's credit per skill (.csv, .parquet, .json).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Seeder leaderboard: who taught skills that spread (learners who applied them, and theirs)."""
    result = _with_workspace(
        ctx, lambda ws: ws.recognition(skill=skill, discount=discount, tree=tree, export=export)
    )
    console.rule("[bold]peerweave recognition")
    board = result.leaderboard
    what = f"{result.skill}" if result.skill else "every skill"
    if board.empty:
        console.print(
            f"no held sessions of {what} yet: credit comes from learners who applied what "
            "they learned (`peerweave sessions hold`, `peerweave sessions applied`)",
            soft_wrap=True,
        )
    else:
        shown = board.head(top)
        names, departments = _who(result.people, shown["teacher_id"])
        table = Table(
            title=f"Seeders of {what}: credit = learners who applied it + "
            f"{result.discount:g}× per step for those they taught on",
            caption="learners: people they taught; applied: of those, who applied it; further "
            "down: people their learners taught on, and so on",
            title_justify="left",
            caption_justify="left",
        )
        columns = ["#", "teacher", "skills", "learners", "applied", "further down", "credit"]
        if result.skill is not None:
            columns.remove("skills")
        for col in columns:
            table.add_column(col, justify="left" if col == "teacher" else "right")
        for row, name, dept in zip(shown.to_dict("records"), names, departments, strict=True):
            skills = [] if result.skill is not None else [_num(row["skills"])]
            table.add_row(
                str(row["rank"]),
                f"{name}\n[dim]{dept}[/]" if dept else name,
                *skills,
                _num(row["direct_learners"]),
                _num(row["applied_learners"]),
                _num(row["downstream"]),
                f"{float(row['credit']):.2f}",
            )
        console.print(table)
        if len(board) > len(shown):
            console.print(f"… and {len(board) - len(shown):,} more teachers (--top N)")
    if result.tree is not None and not result.tree.empty:
        t = result.tree
        depth = t.groupby("depth").agg(sessions=("session_id", "size"), applied=("applied", "sum"))
        seeders = t.loc[t["depth"] == 1, "teacher_id"].nunique()
        console.print(
            f"[bold]The snowball of {result.skill}[/]: {seeders:,} seeders (who did not learn "
            f"it in the programme), {t['learner_id'].nunique():,} learners, "
            f"{int(t['depth'].max())} generations",
            highlight=False,
            soft_wrap=True,
        )
        table = Table()
        table.add_column("generation", justify="right")
        table.add_column("sessions", justify="right")
        table.add_column("applied", justify="right")
        for level, counts in depth.iterrows():
            table.add_row(str(level), _num(int(counts["sessions"])), _num(int(counts["applied"])))
        console.print(table)
    _print_notes(result.notes)
    for path in result.files:
        console.print(f"wrote {path}", highlight=False, soft_wrap=True)


def _ratio_text(value: Any) -> str:
    return "–" if _missing(value) else f"{float(value):.1f} : 1"


def _print_health(result: HealthResult, top: int) -> None:
    h = result.health
    console.rule("[bold]peerweave health")
    o = h.overall.iloc[0]
    period = (
        f"{h.period_start:%Y-%m-%d} to {h.period_end:%Y-%m-%d}"
        if h.period_start is not None and h.period_end is not None
        else "no sessions yet"
    )
    facts = Table(title=f"The programme, {period}", title_justify="left")
    facts.add_column("figure")
    facts.add_column("value", justify="right")
    facts.add_column("what it means")
    held = int(o["sessions_held"])
    facts.add_row(
        "participation",
        _pct(o["participation_rate"]),
        f"{int(o['participants']):,} of {int(o['active_people']):,} people learned or taught",
    )
    facts.add_row("sessions held", f"{held:,}", "")
    facts.add_row(
        "applied",
        _pct(o["applied"] / held if held else float("nan")),
        f"{int(o['applied']):,} learners said they applied what they learned",
    )
    facts.add_row("seeders", f"{int(o['seeders']):,}", "taught someone in the period")
    facts.add_row(
        "leechers",
        f"{int(o['leechers']):,}",
        "learned a skill they could now teach, and never taught",
    )
    facts.add_row(
        "seeders per leecher", _ratio_text(o["seeder_leecher_ratio"]), "above 1: knowledge flows on"
    )
    facts.add_row(
        "unmet wishes",
        f"{int(o['unmet_wishes']):,} of {int(o['wishes']):,}",
        "nobody above the learner's level teaches the skill",
    )
    facts.add_row(
        "skills at risk",
        f"{int(o['skills_at_risk']):,} of {int(o['skills']):,}",
        "held at expert level by one person or none",
    )
    facts.add_row(
        "days from wish to session",
        _num(o["median_days_wish_to_session"], 0),
        "median, for held sessions whose wish date is known",
    )
    console.print(facts)

    groups = h.by_group
    hidden = "1 person" if h.hidden_people == 1 else f"{h.hidden_people:,} people"
    if not groups.empty:
        caption = f"{h.by}s under {h.min_group_size} people are folded together" + (
            f", and left out when fewer than {h.min_group_size} in all ({hidden}); "
            "ratio: seeders per leecher"
            if h.hidden_people
            else "; ratio: seeders per leecher"
        )
        table = Table(
            title=f"Per {h.by}", title_justify="left", caption=caption, caption_justify="left"
        )
        table.add_column(h.by, overflow="fold")
        for col in ("people", "taking part", "seeders", "leechers", "ratio", "applied"):
            table.add_column(col, justify="right")
        for g in groups.head(top).to_dict("records"):
            table.add_row(
                str(g["group"]),
                _num(g["active_people"]),
                _pct(g["participation_rate"]),
                _num(g["seeders"]),
                _num(g["leechers"]),
                _ratio_text(g["seeder_leecher_ratio"]),
                _num(g["applied"]),
            )
        console.print(table)

    if not h.at_risk.empty:
        table = Table(
            title=f"Knowledge at risk: {len(h.at_risk):,} skills live in one head or none",
            title_justify="left",
            caption=f"… and {len(h.at_risk) - top:,} more" if len(h.at_risk) > top else None,
            caption_justify="left",
        )
        for col in ("skill", "experts", "teachers", "wishes"):
            table.add_column(col, justify="left" if col == "skill" else "right")
        for r in h.at_risk.head(top).to_dict("records"):
            table.add_row(
                str(r["skill"]), _num(r["experts"]), _num(r["teachers"]), _num(r["wishes"])
            )
        console.print(table)

    if not h.unmet_demand.empty:
        table = Table(
            title=f"Demand no one can meet: {len(h.unmet_demand):,} skills",
            title_justify="left",
            caption=f"… and {len(h.unmet_demand) - top:,} more"
            if len(h.unmet_demand) > top
            else None,
            caption_justify="left",
        )
        for col in ("skill", "wishes", "unmet", "why"):
            table.add_column(col, justify="right" if col in ("wishes", "unmet") else "left")
        for r in h.unmet_demand.head(top).to_dict("records"):
            table.add_row(
                str(r["skill"]), _num(r["wishes"]), _num(r["unmet_wishes"]), str(r["reason"])
            )
        console.print(table)

    months = h.over_time
    if not months.empty:
        table = Table(title="Over time", title_justify="left")
        for col in (
            "month",
            "sessions",
            "seeders",
            "leechers",
            "seeders per leecher",
            "taking part",
            "applied",
        ):
            table.add_column(col, justify="left" if col == "month" else "right")
        for m in months.tail(max(top, 12)).to_dict("records"):
            table.add_row(
                str(m["month"]),
                _num(m["sessions_held"]),
                _num(m["seeders"]),
                _num(m["leechers"]),
                _ratio_text(m["seeder_leecher_ratio"]),
                _pct(m["participation_rate"], 1),
                _num(m["applied"]),
            )
        console.print(table)

    f = result.feedback
    if int(f["given"].sum()):
        table = Table(
            title="Feedback over the whole programme",
            title_justify="left",
            caption=f"ratings stay private: never shown per person; figures over fewer than "
            f"{h.min_group_size} answers are not shown",
            caption_justify="left",
        )
        for col in ("about", "given", "mean rating", "rated 4–5", "prepared", "clear", "again"):
            table.add_column(col, justify="left" if col == "about" else "right")
        about = {"learner": "teachers (by learners)", "teacher": "learners (by teachers)"}
        for r in f.to_dict("records"):
            table.add_row(
                about.get(str(r["role"]), str(r["role"])),
                _num(r["given"]),
                _num(r["mean_rating"], 1),
                _pct(r["share_4_or_5"]),
                _pct(r["prepared"]),
                _pct(r["clear"]),
                _pct(r["again"]),
            )
        console.print(table)
    _print_notes(result.notes)


@app.command()
@_friendly
def health(
    ctx: typer.Context,
    by: Annotated[str, typer.Option(help="Group people by this column.")] = "department",
    since: Annotated[
        str | None, typer.Option(help="First day (YYYY-MM-DD).", show_default=False)
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Last day, included (YYYY-MM-DD).", show_default=False)
    ] = None,
    min_group_size: Annotated[
        int, typer.Option(min=1, help="Groups smaller than this are never named.")
    ] = MIN_GROUP_SIZE,
    top: Annotated[int, typer.Option(min=1, help="Rows per table.")] = 10,
) -> None:
    """The peer-learning programme's health: seeders and leechers, skills at risk, unmet demand."""
    result = _with_workspace(
        ctx,
        lambda ws: ws.health(by=by, start=since, end=until, min_group_size=min_group_size),
    )
    _print_health(result, top)


# -- the web app: accounts, audit, serve -------------------------------------------------

user_app = typer.Typer(
    no_args_is_help=True, help="Web app accounts: admin, analyst or member (see docs/web.md)."
)
app.add_typer(user_app, name="user")

RoleArgument = Annotated[str, typer.Argument(help="admin, analyst or member.")]


@user_app.command("add")
@_friendly
def user_add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="The login name.")],
    role: Annotated[str, typer.Option("--role", help="admin, analyst or member.")],
    password: Annotated[
        str | None,
        typer.Option(help="The password (asked for, hidden, when not given).", show_default=False),
    ] = None,
    person: Annotated[
        str | None,
        typer.Option(
            help="Link the account to this person id (a member's own).", show_default=False
        ),
    ] = None,
) -> None:
    """Add a web app account (the password is stored as an argon2 hash)."""
    from peerweave.store.accounts import add_user
    from peerweave.web.auth import hash_password

    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    hashed = hash_password(password)

    def add(ws: Workspace) -> None:
        with ws.store.transaction() as session:
            add_user(
                session=session,
                username=username,
                password_hash=hashed,
                role=role,
                person_id=person,
            )

    _with_workspace(ctx, add)
    console.print(f"account {username.strip()} added ({role})", highlight=False)


@user_app.command("set-role")
@_friendly
def user_set_role(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="The login name.")],
    role: RoleArgument,
) -> None:
    """Give an account another role."""
    from peerweave.store.accounts import set_role

    def change(ws: Workspace) -> None:
        with ws.store.transaction() as session:
            set_role(session=session, username=username, role=role)

    _with_workspace(ctx, change)
    console.print(f"account {username.strip()} is now {role}", highlight=False)


@user_app.command("link")
@_friendly
def user_link(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="The login name.")],
    person_id: Annotated[str, typer.Argument(help="The person the account belongs to.")],
) -> None:
    """Link an account to a person: a member then sees that person's own data."""
    from peerweave.store.accounts import link_user

    def link(ws: Workspace) -> None:
        with ws.store.transaction() as session:
            link_user(session=session, username=username, person_id=person_id)

    _with_workspace(ctx, link)
    console.print(f"account {username.strip()} is linked to {person_id.strip()}", highlight=False)


@user_app.command("logout")
@_friendly
def user_logout(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="The login name.")],
) -> None:
    """End every web session of an account at once (a lost laptop, someone leaving)."""
    from peerweave.store.accounts import end_sessions

    def end(ws: Workspace) -> None:
        with ws.store.transaction() as session:
            end_sessions(session=session, username=username)

    _with_workspace(ctx, end)
    console.print(
        f"every session of {username.strip()} has ended: they must log in again",
        highlight=False,
    )


@user_app.command("list")
@_friendly
def user_list(ctx: typer.Context) -> None:
    """Every account: role, linked person, failed logins, lock."""
    from peerweave.store.accounts import list_users

    def read(ws: Workspace) -> pd.DataFrame:
        with ws.store.transaction() as session:
            return list_users(session=session)

    accounts = _with_workspace(ctx, read)
    if accounts.empty:
        console.print("no accounts yet: `peerweave user add USERNAME --role admin`")
        return
    table = Table(title="Accounts", title_justify="left")
    for column in ("username", "role", "person", "created", "failed logins", "locked until"):
        table.add_column(column)
    for row in accounts.itertuples(index=False):
        table.add_row(
            str(row.username),
            str(row.role),
            "" if _missing(row.person_id) else str(row.person_id),
            _day(row.created_at),
            str(row.failed_logins),
            "" if _missing(row.locked_until) else f"{row.locked_until:%Y-%m-%d %H:%M}",
        )
    console.print(table)


@app.command()
@_friendly
def audit(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, help="How many rows, newest first.")] = 50,
) -> None:
    """Who viewed whose data in the web app, newest first."""
    from peerweave.store.accounts import load_audit

    def read(ws: Workspace) -> pd.DataFrame:
        with ws.store.transaction() as session:
            return load_audit(session=session, limit=limit)

    rows = _with_workspace(ctx, read)
    if rows.empty:
        console.print("the audit log is empty")
        return
    table = Table(title="Audit log", title_justify="left")
    for column in ("when", "who", "what", "whose data", "detail"):
        table.add_column(column)
    for row in rows.itertuples(index=False):
        table.add_row(
            f"{row.at:%Y-%m-%d %H:%M:%S}",
            str(row.viewer),
            str(row.action),
            "" if _missing(row.subject_person_id) else str(row.subject_person_id),
            str(row.detail),
        )
    console.print(table)


@app.command()
@_friendly
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    min_group_size: Annotated[
        int, typer.Option(min=1, help="Groups smaller than this are never shown.")
    ] = MIN_GROUP_SIZE,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Server processes (one per core under load; each keeps its own cache).",
        ),
    ] = 1,
    max_upload_mb: Annotated[
        int,
        typer.Option(
            min=1,
            max=1_000_000,
            help="The largest file the web app takes (import page, adoptions files), in MB; "
            "larger files: `peerweave import` on the server.",
        ),
    ] = 200,
) -> None:
    """Run the web app (secret key from $PEERWEAVE_SECRET_KEY; log in with `user add` accounts)."""
    from peerweave.web import WebSettings
    from peerweave.web.settings import ENV_SECRET_KEY

    if not os.environ.get(ENV_SECRET_KEY):
        err_console.print(
            f"[yellow]note[/] ${ENV_SECRET_KEY} is not set: a random key is used, so sessions "
            "end and analysts' pseudonyms change when the server restarts",
            highlight=False,
        )
    settings = WebSettings.from_env(
        _db(ctx), min_group_size=min_group_size, max_upload_bytes=max_upload_mb * 1024 * 1024
    )
    _serve_app(settings, host=host, port=port, workers=workers)


def _serve_app(settings: WebSettings, *, host: str, port: int, workers: int = 1) -> None:
    """Run the web app until Ctrl+C; a clear error when the port is taken. Several
    ``workers`` are processes uvicorn starts, each building the app from the environment
    (``peerweave.web.server``)."""
    import socket

    import uvicorn

    from peerweave.web import create_app

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise InputError(
                f"{host}:{port}",
                Problem(
                    f"cannot listen there ({exc.strerror})",
                    fix="choose another port with --port, or stop what uses it",
                ),
            ) from None
    url = display_url(resolve_database_url(settings.database_url))
    if workers > 1:
        from peerweave.web.server import FACTORY, worker_environment

        os.environ.update(worker_environment(settings))  # the workers read it
        create_app(settings).state.workspace.close()  # the database opens: errors show here
        console.print(
            f"peerweave on [bold]http://{host}:{port}[/] ({url}, {workers} workers); "
            "Ctrl+C stops it",
            highlight=False,
        )
        uvicorn.run(
            FACTORY, factory=True, workers=workers, host=host, port=port, log_level="warning"
        )
        return
    from peerweave.web.server import settle_gc

    web = create_app(settings)
    settle_gc()
    console.print(
        f"peerweave on [bold]http://{host}:{port}[/] ({url}); Ctrl+C stops it", highlight=False
    )
    uvicorn.run(web, host=host, port=port, log_level="warning")


def main() -> None:
    """Entry point of the ``peerweave`` command."""
    app()
