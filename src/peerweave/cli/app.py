"""The ``peerweave`` command line: each command parses options and calls one library function."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from peerweave.errors import PeerweaveError
from peerweave.ingest.tabular import parse_mapping
from peerweave.store import Store, display_url, resolve_database_url
from peerweave.workspace import TABLES, ImportResult, Workspace

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
) -> None:
    """Generate a demo organization into a fresh SQLite database and show what peerweave sees."""
    from peerweave.demo import run_demo

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
    command = _command_name()
    console.rule("[bold]Try next")
    for line in (
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
    dry_run: DryRunOption = False,
) -> None:
    """Import skills: levels 0–4, who can teach, who wants to learn, teaching capacity."""
    result = _with_workspace(
        ctx,
        lambda ws: ws.import_skills(
            file, mapping=parse_mapping(mapping), sheet=sheet, dry_run=dry_run
        ),
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


def main() -> None:
    """Entry point of the ``peerweave`` command."""
    app()
