"""``peerweave adoptions``, ``track``, ``fit``, ``influence`` and ``report``: measuring a change.

Each command parses its options and calls one :class:`~peerweave.workspace.Workspace` method
(see ``docs/measure.md``); they are registered on the main ``app`` when ``peerweave.cli`` is
imported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from peerweave.cli.app import (
    _friendly,
    _missing,
    _num,
    _pct,
    _print_notes,
    _who,
    _with_workspace,
    app,
    console,
)
from peerweave.errors import InputError, Problem
from peerweave.workspace import FitResult, InfluenceResult, TrackResult, Workspace

__all__ = ["adoptions_app"]

adoptions_app = typer.Typer(
    no_args_is_help=True, help="Record who adopted an initiative's practice, and when."
)
app.add_typer(adoptions_app, name="adoptions")

InitiativeArgument = Annotated[int, typer.Argument(help="The initiative (see `initiatives`).")]
NowOption = Annotated[
    str | None,
    typer.Option("--now", help="Compare as of this date (default: now).", show_default=False),
]
RunsOption = Annotated[int, typer.Option(help="Simulated runs of the forecast.")]
StepsOption = Annotated[int, typer.Option(help="Weeks forecast from the start.")]


def _day(value: Any) -> str:
    stamp = pd.Timestamp(value)
    return f"{stamp:%Y-%m-%d}" if stamp == stamp.normalize() else f"{stamp:%Y-%m-%d %H:%M}"


# -- adoptions ---------------------------------------------------------------------------


@adoptions_app.command("import")
@_friendly
def adoptions_import(
    ctx: typer.Context,
    initiative: InitiativeArgument,
    file: Annotated[Path, typer.Argument(help="person_id, adopted_at[, evidence] (CSV, XLSX…).")],
    now: NowOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Read and check the file; store nothing.")
    ] = False,
) -> None:
    """Import adoptions of INITIATIVE from FILE; every row is checked before anything is stored."""
    found = _with_workspace(
        ctx, lambda ws: ws.import_adoptions(initiative, file, now=now, dry_run=dry_run)
    )
    verb = "checked (--dry-run: nothing stored)" if dry_run else "stored"
    if found.empty:
        console.print(f"{file}: no adoptions in the file; nothing {verb.split(' ')[0]}")
        return
    console.print(
        f"[green]{len(found):,} adoptions of initiative #{initiative} {verb}[/] "
        f"({_day(found['adopted_at'].min())} to {_day(found['adopted_at'].max())})",
        highlight=False,
    )


@adoptions_app.command("add")
@_friendly
def adoptions_add(
    ctx: typer.Context,
    initiative: InitiativeArgument,
    person: Annotated[str, typer.Argument(help="Who adopted (person_id).")],
    when: Annotated[
        str | None, typer.Option("--when", help="When (default: now).", show_default=False)
    ] = None,
    evidence: Annotated[
        str | None,
        typer.Option("--evidence", help="A link or a note.", show_default=False),
    ] = None,
) -> None:
    """Record that PERSON adopted INITIATIVE's practice."""
    at = _with_workspace(ctx, lambda ws: ws.add_adoption(initiative, person, when, evidence))
    console.print(
        f"[green]recorded[/]: {person} adopted initiative #{initiative}'s practice on {_day(at)}",
        highlight=False,
    )


@adoptions_app.command("delete")
@_friendly
def adoptions_delete(
    ctx: typer.Context,
    initiative: InitiativeArgument,
    person: Annotated[str, typer.Argument(help="Whose adoption (person_id).")],
) -> None:
    """Delete PERSON's recorded adoption of INITIATIVE (to record it again, corrected)."""
    _with_workspace(ctx, lambda ws: ws.delete_adoption(initiative, person))
    console.print(f"deleted {person}'s adoption of initiative #{initiative}", highlight=False)


@adoptions_app.command("list")
@_friendly
def adoptions_list(
    ctx: typer.Context,
    initiative: InitiativeArgument,
    top: Annotated[int, typer.Option(min=1, help="Adoptions shown (latest first).")] = 30,
) -> None:
    """The recorded adoptions of INITIATIVE, latest first."""

    def work(ws: Workspace) -> tuple[pd.DataFrame, pd.DataFrame]:
        return ws.adoptions(initiative), ws.people(include_left=True)

    found, people = _with_workspace(ctx, work)
    if found.empty:
        console.print(
            f"no adoptions of initiative #{initiative} are recorded yet: "
            f"`peerweave adoptions add {initiative} PERSON` or `adoptions import {initiative} FILE`",
            highlight=False,
            soft_wrap=True,
        )
        return
    shown = found.iloc[::-1].head(top)
    names, departments = _who(people, shown["person_id"])
    table = Table(
        title=f"{len(found):,} adoptions of initiative #{initiative}",
        title_justify="left",
        caption=f"… and {len(found) - len(shown):,} earlier (--top N)"
        if len(found) > len(shown)
        else None,
        caption_justify="left",
    )
    for column in ("adopted", "person", "department", "evidence", "recorded"):
        table.add_column(column)
    for row, name, department in zip(shown.to_dict("records"), names, departments, strict=True):
        table.add_row(
            _day(row["adopted_at"]),
            name,
            department,
            "" if _missing(row["evidence"]) else str(row["evidence"]),
            str(row["source"]),
        )
    console.print(table)


# -- track and fit -----------------------------------------------------------------------


def _print_track(result: TrackResult, top: int) -> None:
    t = result.tracking
    console.rule(f"[bold]Initiative #{result.initiative}: {result.name}")
    console.print(
        f"started {_day(t.started_at)} with {len(result.champions):,} champions; "
        f"{result.recorded:,} adoptions recorded; as of {_day(result.now)}",
        highlight=False,
    )
    if result.recorded == 0:
        console.print(
            f"[yellow]No adoptions recorded yet[/]: only the champions count as adopters. "
            f"Record them with `peerweave adoptions add {result.initiative} PERSON` or "
            f"`peerweave adoptions import {result.initiative} FILE`.",
            highlight=False,
            soft_wrap=True,
        )
    console.print(f"[bold]{t.headline()}[/]", highlight=False, soft_wrap=True)
    if t.week >= 0:
        table = Table(title="Adopters by week against the forecast", title_justify="left")
        for column in ("week", "from", "adopted", "forecast (5–95%)", ""):
            table.add_column(column, justify="right" if column != "" else "left")
        for row in t.curve.iloc[: t.week + 1].to_dict("records"):
            status = str(row["status"])
            style = {"above": "green", "below": "red"}.get(status, "dim")
            table.add_row(
                str(row["step"]),
                _day(row["start"]),
                _num(row["observed"], 0),
                f"{row['mean']:,.0f} ({row['p05']:,.0f}–{row['p95']:,.0f})",
                f"[{style}]{status}[/]",
            )
        console.print(table)
    if len(t.by_group):
        groups = Table(
            title=f"By {t.forecast.attribute} at week {t.week}: adopted against the group's band",
            title_justify="left",
        )
        for column in ("group", "people", "adopted", "share", "band", "", "since week"):
            groups.add_column(column, justify="left" if column in ("group", "") else "right")
        for row in t.by_group.to_dict("records"):
            status = str(row["status"])
            style = {"lagging": "red", "ahead": "green"}.get(status, "dim")
            groups.add_row(
                str(row["group"]),
                _num(row["size"], 0),
                _num(row["observed"], 0),
                _pct(row["observed_share"]),
                f"{_pct(row['p05_share'])}–{_pct(row['p95_share'])}",
                f"[{style}]{status}[/]",
                "" if _missing(row["behind_since"]) else str(int(row["behind_since"])),
            )
        console.print(groups)
    if len(t.champions):
        frame = t.champions
        per = frame.iloc[:-2]
        shown = per.assign(_gap=per["share"] - per["forecast_share"]).sort_values(
            "_gap", na_position="last"
        )
        shown = pd.concat([shown.head(top), frame.iloc[-2:]])
        names, _ = _who(result.graph.people, shown["champion"])
        around = Table(
            title="Around the champions: their contacts who adopted, against the forecast "
            f"(the {min(top, len(per))} neighbourhoods furthest behind)",
            title_justify="left",
        )
        for column in ("champion", "contacts", "adopted", "share", "forecast"):
            around.add_column(column, justify="left" if column == "champion" else "right")
        for row, name in zip(shown.to_dict("records"), names, strict=True):
            around.add_row(
                name,
                _num(row["contacts"], 0),
                _num(row["adopted"], 0),
                _pct(row["share"]),
                _pct(row["forecast_share"]),
            )
        console.print(around)
    _print_notes(t.notes + result.notes)


@app.command()
@_friendly
def track(
    ctx: typer.Context,
    initiative: InitiativeArgument,
    chart: Annotated[
        Path | None,
        typer.Option(help="Draw the chart (.png, .svg, .pdf; an .html page beside it)."),
    ] = None,
    by: Annotated[str, typer.Option(help="Compare groups of this people column.")] = "department",
    runs: RunsOption = 1000,
    steps: StepsOption = 26,
    now: NowOption = None,
    top: Annotated[int, typer.Option(min=1, help="Champions' neighbourhoods shown.")] = 10,
) -> None:
    """Hold INITIATIVE's adoptions against its forecast: by week, by group, around champions."""
    with console.status("simulating the forecast…"):
        result = _with_workspace(
            ctx,
            lambda ws: ws.track(initiative, runs=runs, steps=steps, now=now, by=by, chart=chart),
        )
    _print_track(result, top)
    for path in result.files:
        console.print(f"wrote {path}")


def _print_fit(result: FitResult) -> None:
    fit, again, t = result.fit, result.reforecast, result.track.tracking
    console.rule(f"[bold]Initiative #{result.track.initiative}: the model fitted to what happened")
    table = Table(title=fit.method, title_justify="left")
    for column in ("parameter", "forecast used", "estimate", "95% interval", "std. error"):
        table.add_column(column, justify="left" if column == "parameter" else "right")
    before = t.forecast.model
    for row in fit.parameters.to_dict("records"):
        name = str(row["parameter"])
        used = {"P": before.prob, "k": before.threshold, "sd": before.threshold_sd}.get(name, "")
        table.add_row(
            name,
            str(used),
            f"{row['estimate']:.3g}",
            f"{row['low']:.3g} – {row['high']:.3g}",
            "" if _missing(row["standard_error"]) else f"{row['standard_error']:.2g}",
        )
    console.print(table)
    console.print(
        f"from {fit.people:,} people: {fit.explained:,} adoptions explained by a contact who "
        f"adopted the week before, {fit.unexplained:,} not",
        highlight=False,
    )
    curve = again.curve
    weeks = [w for w in (t.week + 4, t.week + 13, 26) if w <= int(curve["step"].max())]
    forecast = Table(
        title=f"Forecast again from week {again.from_step} with the fitted model",
        title_justify="left",
    )
    for column in ("week", "adopters (5–95%)"):
        forecast.add_column(column, justify="right")
    for w in sorted(set(weeks)) or [int(curve["step"].max())]:
        at = curve[curve["step"] == w].iloc[0]
        forecast.add_row(str(w), f"{at['mean']:,.0f} ({at['p05']:,.0f}–{at['p95']:,.0f})")
    console.print(forecast)
    _print_notes(fit.notes + again.notes)


@app.command()
@_friendly
def fit(
    ctx: typer.Context,
    initiative: InitiativeArgument,
    chart: Annotated[
        Path | None,
        typer.Option(help="Draw tracking with the new forecast (.png; .html beside it)."),
    ] = None,
    runs: RunsOption = 1000,
    steps: StepsOption = 26,
    now: NowOption = None,
) -> None:
    """Fit INITIATIVE's contagion model to its adoptions (with intervals) and forecast again."""
    with console.status("fitting…"):
        result = _with_workspace(
            ctx, lambda ws: ws.fit(initiative, runs=runs, steps=steps, now=now, chart=chart)
        )
    _print_fit(result)
    for path in result.files:
        console.print(f"wrote {path}")


# -- influence ---------------------------------------------------------------------------


def _initiative_ids(text: str | None) -> list[int] | None:
    if text is None or not text.strip():
        return None
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError(
            "--initiatives",
            Problem(f"{text!r} is not a list of initiative ids", fix="write it as 1,2"),
        ) from None


def _print_influence(result: InfluenceResult, top: int) -> None:
    c = result.cascades
    inf = result.influence
    console.rule("[bold]Who influences whom")
    console.print(
        f"{len(inf.ties):,} influence ties (strength ≥ {inf.threshold:g} per week) inferred by "
        f"NetRate ({inf.model}) from {int(c['adopters'].sum()):,} adoptions in {len(c):,} "
        f"cascades: {int((c['kind'] == 'initiative').sum())} initiatives, "
        f"{int((c['kind'] == 'skill').sum())} skills of the peer-learning programme",
        highlight=False,
        soft_wrap=True,
    )
    shown = result.influencers.head(top)
    names, departments = _who(result.influencers, shown["person_id"])
    table = Table(
        title="Influencers in fact: whose adoption most often came before their contacts'",
        title_justify="left",
        caption="influenced: contacts with an inferred influence tie from them; followed: "
        "contacts who adopted after them; cascades: in how many that happened; strength: "
        "sum of their ties' rates per week; rank by position: PageRank rank in the latest "
        "analysis",
        caption_justify="left",
    )
    for column in (
        "person",
        "department",
        "influenced",
        "followed",
        "cascades",
        "strength",
        "rank by position",
    ):
        table.add_column(column, justify="left" if column in ("person", "department") else "right")
    for row, name, department in zip(shown.to_dict("records"), names, departments, strict=True):
        table.add_row(
            name,
            department,
            _num(row["ties"], 0),
            _num(row["contacts_followed"], 0),
            _num(row["cascades_preceded"], 0),
            f"{row['strength']:.2f}",
            "–" if _missing(row["pagerank_rank"]) else f"#{int(row['pagerank_rank'])}",
        )
    console.print(table)
    if len(result.by_position):
        position = result.by_position.head(top)
        known = result.influencers.set_index("person_id")
        people = result.influencers[["person_id", "name", "department"]]
        names, departments = _who(
            pd.concat([people, _missing_people(position, people)]), position["person_id"]
        )
        side = Table(
            title="Influencers by position (PageRank) — and what they did in fact",
            title_justify="left",
        )
        for column in ("#", "person", "influenced", "followed"):
            side.add_column(column, justify="left" if column == "person" else "right")
        for row, name in zip(position.to_dict("records"), names, strict=True):
            pid = row["person_id"]
            ties = known["ties"].get(pid, 0)
            followed = known["contacts_followed"].get(pid, 0)
            side.add_row(str(int(row["pagerank_rank"])), name, _num(ties, 0), _num(followed, 0))
        console.print(side)
    _print_notes(result.notes)


def _missing_people(position: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    rest = position.loc[~position["person_id"].isin(people["person_id"]), ["person_id"]]
    return rest.assign(name="", department="")


@app.command()
@_friendly
def influence(
    ctx: typer.Context,
    initiatives: Annotated[
        str | None,
        typer.Option(help="Initiatives to learn from: 1,2 (default: all).", show_default=False),
    ] = None,
    learning: Annotated[
        bool,
        typer.Option(help="Count learning sessions marked applied as adoptions of the skill."),
    ] = True,
    export: Annotated[
        Path | None, typer.Option(help="Write source, target, strength (.csv, .parquet, .json).")
    ] = None,
    model: Annotated[
        str, typer.Option(help="Transmission delays: exponential, power-law or rayleigh.")
    ] = "exponential",
    now: NowOption = None,
    top: Annotated[int, typer.Option(min=1, help="People shown.")] = 15,
) -> None:
    """Infer who influences whom from the timing of adoptions (NetRate)."""
    chosen = _initiative_ids(initiatives)
    with console.status("inferring influence…"):
        result = _with_workspace(
            ctx,
            lambda ws: ws.influence(chosen, learning=learning, now=now, model=model, export=export),
        )
    _print_influence(result, top)
    for path in result.files:
        console.print(f"wrote {path} ({len(result.influence.ties):,} ties)")


# -- report ------------------------------------------------------------------------------


@app.command()
@_friendly
def report(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="The HTML file to write.")] = Path(
        "report.html"
    ),
    runs: RunsOption = 500,
    now: NowOption = None,
) -> None:
    """Write one self-contained HTML report for leadership (opens offline)."""
    with console.status("writing the report…"):
        result = _with_workspace(ctx, lambda ws: ws.report(out, runs=runs, now=now))
    console.print(
        f"[green]wrote {result.path}[/] ({result.size / 1e6:.1f} MB): "
        + ", ".join(result.sections),
        highlight=False,
        soft_wrap=True,
    )
