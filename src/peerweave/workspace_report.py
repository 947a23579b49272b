"""What goes into ``peerweave report``: the workspace gathers, the pure parts draw and render.

:func:`build_report` reads the store through a :class:`~peerweave.workspace.Workspace`, draws
the pictures (``peerweave.network.maps``, ``peerweave.spread.charts``) into a scratch folder,
and returns the sections for :func:`peerweave.report.render_report`.

Privacy, as everywhere in peerweave: people who opted out are in no analysis, so they
never appear; group figures come from the core's group tables, which fold groups under
``min_group_size`` people before counting; people are named only where the CLI names them
(the people behind each network role, champions, seeders, influencers in fact).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from peerweave.errors import PeerweaveError
from peerweave.report import Picture, Section, Table

if TYPE_CHECKING:
    from peerweave.network.analysis import NetworkAnalysis
    from peerweave.workspace import AnalysisResult, Workspace

__all__ = ["METHOD_NOTES", "build_report"]

#: The report's last section: how the figures are made, in a few sentences each.
METHOD_NOTES: tuple[str, ...] = (
    "The informal network: ties aggregated from collaboration metadata and the advice survey "
    "(who works with or asks whom), weighted by how often; people who opted out keep no tie.",
    "Influence by position: PageRank and betweenness on that network; roles (connectors, "
    "brokers, hidden influencers, people on the edge) follow documented thresholds (docs/network.md).",
    "Silos: the E-I index of each group (Krackhardt & Stern 1988), from -1 (all ties inside) "
    "to +1 (all outside); the heatmap shows where each group's ties go.",
    "Champions: chosen by influence maximization (OPIM-C, Tang et al. 2018) for the "
    "initiative's contagion model; the forecast is a Monte-Carlo simulation of that model, "
    "drawn as its mean and the band 90% of the simulated futures fall in (docs/spread.md).",
    "Forecast against actual: each completed week's adopters against that band; a group is "
    "lagging when it is below its own 5% band, replayed from the same simulated runs "
    "(docs/measure.md).",
    "Who influences whom: NetRate (Gomez-Rodriguez, Balduzzi & Schölkopf 2011) on the timing "
    "of adoptions — initiatives' adoption records and, for each skill of the peer-learning "
    "programme, the sessions marked applied — along collaboration ties only.",
    "Privacy: groups under the minimum group size are never shown on their own; people who "
    "opted out appear nowhere; figures about feedback are never per teacher.",
)


def _png(path: Path) -> bytes:
    return path.read_bytes()


def _share(x: Any) -> str:
    return "–" if x is None or pd.isna(x) else f"{float(x):.0%}"


def _headline(analysis: NetworkAnalysis, min_group_size: int) -> list[str]:
    """A few sentences a leader reads first."""
    s = analysis.summary()
    lines = [
        f"{s['active_people']:,} people in the analysis, {s['edges']:,} working relationships "
        f"(density {s['density']:.3f}); {s['communities']:,} communities "
        f"(modularity {s['modularity'] or 0:.2f}).",
    ]
    roles = s["roles"]
    parts = [
        f"{roles.get(r, 0):,} {label}"
        for r, label in (
            ("connector", "connectors"),
            ("broker", "brokers"),
            ("hidden_influencer", "hidden influencers"),
            ("peripheral", "people on the edge"),
        )
        if r in roles
    ]
    if parts:
        lines.append("Who holds it together: " + ", ".join(parts) + ".")
    report = analysis.groups.get("department")
    if report is not None and not report.table.empty:
        t = report.table.dropna(subset=["ei_index"])
        if len(t):
            worst = t.iloc[0]
            lines.append(
                f"Most inward department: {worst['group']} ({int(worst['size']):,} people, "
                f"E-I index {worst['ei_index']:+.2f}, {_share(worst['external_share'])} of its "
                "ties leave it)."
            )
    line = s.get("line_share")
    if line is not None:
        lines.append(
            f"{_share(line)} of managers' reporting lines carry a working tie; the "
            f"{s['edges']:,} relationships go well beyond them — that is the informal network."
        )
    return lines


def _roles_table(result: AnalysisResult, top: int) -> list[Table]:
    from peerweave.network.roles import ROLES

    roles = result.analysis.roles
    people = result.graph.people.set_index("person_id")
    tables: list[Table] = []
    for role in ROLES:
        rows = roles[roles["role"] == role].head(top)
        if rows.empty:
            continue
        ids = rows["person_id"].astype(str)
        frame = pd.DataFrame(
            {
                "person": [
                    f"{n} ({p})" if isinstance(n, str) and n else p
                    for n, p in zip(
                        people["name"].reindex(ids).to_numpy()
                        if "name" in people.columns
                        else [""] * len(ids),
                        ids,
                        strict=True,
                    )
                ],
                "department": people["department"].reindex(ids).fillna("").to_numpy()
                if "department" in people.columns
                else "",
                "why": rows["reason"].astype(str).to_numpy(),
            }
        )
        total = int((roles["role"] == role).sum())
        tables.append(
            Table(
                f"{role.replace('_', ' ').capitalize()}s: {total:,}",
                frame,
                note=f"the first {len(frame)} shown" if total > len(frame) else "",
            )
        )
    return tables


def _initiative_section(
    ws: Workspace, row: pd.Series, folder: Path, runs: int, now: pd.Timestamp, top: int
) -> Section:
    from peerweave.spread.charts import tracking_png

    i = int(row["id"])
    result = ws.track(i, runs=runs, now=now)
    t = result.tracking
    chart = tracking_png(t, folder / f"track_{i}.png", dpi=100)
    paragraphs = [
        f"{result.name}: {len(result.champions):,} champions, started "
        f"{t.started_at:%Y-%m-%d}; {result.recorded:,} adoptions recorded.",
        t.headline(),
    ]
    if result.recorded == 0:
        paragraphs.append(
            "No adoptions are recorded yet: record them with `peerweave adoptions add` or "
            "`peerweave adoptions import`."
        )
    tables = [Table("Champions", result.champions.head(top * 4), note="ranked by what each adds")]
    if len(t.by_group):
        groups = t.by_group[
            ["group", "size", "observed", "observed_share", "p05_share", "p95_share", "status"]
        ].rename(
            columns={
                "observed_share": "adopted",
                "p05_share": "band from",
                "p95_share": "band to",
            }
        )
        tables.append(
            Table(
                f"By group at week {t.week}",
                groups,
                note="lagging: below the group's own 5–95% band; shares of each group",
            )
        )
    if len(t.champions):
        tables.append(
            Table(
                "Around the champions",
                t.champions.head(top * 2 + 2),
                note="share of each champion's contacts who adopted, against the forecast's "
                "expectation for those same people",
            )
        )
    return Section(
        f"Initiative #{i}: forecast against actual",
        paragraphs=tuple(paragraphs),
        pictures=(Picture(_png(chart), "Observed adopters over the forecast band"),),
        tables=tuple(tables),
        notes=t.notes + result.notes,
    )


def _learning_section(ws: Workspace, top: int, min_group_size: int) -> Section | None:
    health = ws.health(min_group_size=min_group_size)
    h = health.health
    if h.period_start is None:
        return None
    o = h.overall.iloc[0]
    paragraphs = [
        f"From {h.period_start:%Y-%m-%d} to {h.period_end:%Y-%m-%d}: "
        f"{int(o['sessions_held']):,} sessions held, {int(o['participants']):,} people took part "
        f"({_share(o['participation_rate'])} of {int(o['active_people']):,}); "
        f"{int(o['seeders']):,} seeders and {int(o['leechers']):,} people who only learn; "
        f"{int(o['applied']):,} sessions applied; {int(o['skills_at_risk']):,} skills held by "
        "one teacher at most.",
    ]
    groups = h.by_group[
        ["group", "active_people", "participation_rate", "seeders", "leechers", "applied"]
    ]
    recognition = ws.recognition()
    board = recognition.leaderboard.head(top * 2)
    names = recognition.people.set_index("person_id")
    ids = board["teacher_id"].astype(str) if len(board) else pd.Series([], dtype=str)
    seeders = pd.DataFrame(
        {
            "#": board["rank"].to_numpy() if len(board) else [],
            "teacher": [
                f"{n} ({p})" if isinstance(n, str) and n else p
                for n, p in zip(
                    names["name"].reindex(ids).to_numpy() if "name" in names.columns else ids,
                    ids,
                    strict=True,
                )
            ],
            "learners": board["direct_learners"].to_numpy() if len(board) else [],
            "applied": board["applied_learners"].to_numpy() if len(board) else [],
            "further down": board["downstream"].to_numpy() if len(board) else [],
            "credit": board["credit"].round(2).to_numpy() if len(board) else [],
        }
    )
    at_risk = h.at_risk.head(top * 2)
    return Section(
        "Peer learning: health and recognition",
        paragraphs=tuple(paragraphs),
        tables=(
            Table(
                f"By {h.by}",
                groups,
                note=f"groups under {min_group_size} people are folded together, never named",
            ),
            Table(
                "Seeders whose knowledge spreads",
                seeders,
                note="credit = learners who applied the skill + a discount per step for those "
                "they taught on",
            ),
            Table("Skills that live in one head", at_risk),
        ),
        notes=health.notes,
    )


def _influence_section(ws: Workspace, now: pd.Timestamp, top: int) -> Section | None:
    try:
        result = ws.influence(now=now)
    except PeerweaveError:
        return None
    infl = result.influencers.head(top * 2)
    frame = pd.DataFrame(
        {
            "person": [
                f"{n} ({p})" if n else p
                for n, p in zip(infl["name"], infl["person_id"].astype(str), strict=True)
            ],
            "department": infl["department"].to_numpy(),
            "influenced": infl["ties"].to_numpy(),
            "strength": infl["strength"].round(2).to_numpy(),
            "cascades preceded": infl["cascades_preceded"].to_numpy(),
            "contacts followed": infl["contacts_followed"].to_numpy(),
            "rank by position": infl["pagerank_rank"].to_numpy(),
        }
    )
    c = result.cascades
    return Section(
        "Who influences whom",
        paragraphs=(
            f"Inferred from the timing of {int(c['adopters'].sum()):,} adoptions in "
            f"{len(c):,} cascades ({int((c['kind'] == 'initiative').sum())} initiatives, "
            f"{int((c['kind'] == 'skill').sum())} skills of the peer-learning programme): "
            f"{len(result.influence.ties):,} influence ties.",
            "Influencers in fact: people whose adoption most often came before their "
            "contacts' and explains it (influenced: contacts with an inferred influence tie "
            "from them) — beside their rank by position (PageRank) in the network.",
        ),
        tables=(Table("Influencers in fact", frame),),
        notes=result.notes,
    )


def build_report(
    ws: Workspace,
    folder: Path,
    *,
    runs: int,
    now: pd.Timestamp,
    top: int,
    min_group_size: int,
    max_initiatives: int,
) -> tuple[str, str, list[Section], list[str]]:
    """``(title, subtitle, sections, notes)`` of the report; pictures drawn in ``folder``.

    >>> import tempfile
    >>> from peerweave.workspace import Workspace
    >>> with Workspace.open("sqlite://", create=True) as ws, tempfile.TemporaryDirectory() as d:
    ...     _ = ws.import_ties("docs/examples/ties.graphml")
    ...     title, _, sections, _ = build_report(ws, Path(d), runs=10, now=pd.Timestamp(
    ...         "2025-03-03"), top=3, min_group_size=5, max_initiatives=1)
    >>> title, [s.title for s in sections][-1]
    ('The informal network of 5 people', 'Method notes')
    """
    from dataclasses import replace

    from peerweave.network.analysis import AnalysisOptions
    from peerweave.network.maps import network_map_png, silo_heatmap_png

    notes: list[str] = []
    runs_stored = ws.analysis_runs()
    options = AnalysisOptions()
    kinds = None
    start = end = None
    if not runs_stored.empty:
        latest = runs_stored.iloc[0]
        options = AnalysisOptions.from_dict(dict(latest["params"]))
        kinds = latest["kinds"]
        start = None if pd.isna(latest["window_start"]) else latest["window_start"]
        end = None if pd.isna(latest["window_end"]) else latest["window_end"]
    options = replace(options, min_group_size=min_group_size)
    result = ws.analyze(kinds=kinds, start=start, end=end, options=options, save=False)
    analysis, graph = result.analysis, result.graph
    sections: list[Section] = [
        Section(
            "Headline findings",
            paragraphs=tuple(_headline(analysis, min_group_size)),
            notes=analysis.notes,
        )
    ]
    pagerank = analysis.people.set_index("person_id")["pagerank"].reindex(graph.ids).to_numpy()
    picture = network_map_png(
        graph,
        folder / "map.png",
        size=np.nan_to_num(pagerank.astype(np.float64)),
        min_group_size=min_group_size,
    )
    sections.append(
        Section(
            "The informal network",
            paragraphs=(
                "Each dot is a person, coloured by department and sized by influence "
                "(PageRank); lines are working relationships. Tight clusters of one colour are "
                "departments that work mostly among themselves.",
            ),
            pictures=(Picture(_png(picture), "The informal network, by department"),),
        )
    )
    report = analysis.groups.get("department")
    if report is not None and len(report.table) >= 2:
        from peerweave.network.groups import SMALL_GROUPS

        folded = SMALL_GROUPS.format(n=min_group_size)  # may hold fewer than the minimum
        matrix = report.matrix.drop(index=folded, columns=folded, errors="ignore")
        heat = silo_heatmap_png(matrix, folder / "silos.png")
        table = report.table[
            ["group", "size", "internal_ties", "external_ties", "external_share", "ei_index"]
        ]
        sections.append(
            Section(
                "Silos",
                paragraphs=(
                    "Where each department's working relationships go: the diagonal holds the "
                    "ties that stay inside. Departments are listed from the most inward.",
                ),
                pictures=(Picture(_png(heat), "Ties between departments"),),
                tables=(
                    Table(
                        "Departments, most inward first",
                        table,
                        note=f"departments under {min_group_size} people are folded together"
                        if report.suppressed_groups
                        else "",
                    ),
                ),
            )
        )
    roles = _roles_table(result, top)
    if roles:
        sections.append(
            Section(
                "The people who hold it together",
                paragraphs=("The strongest few in each role, with the reason they have it.",),
                tables=tuple(roles),
            )
        )
    found = ws.initiatives()
    for row in found.head(max_initiatives).to_dict("records"):
        try:
            sections.append(_initiative_section(ws, pd.Series(row), folder, runs, now, top))
        except PeerweaveError as exc:
            notes.append(f"initiative #{row['id']}: {exc}")
    if len(found) > max_initiatives:
        notes.append(f"{len(found) - max_initiatives} older initiatives are not shown")
    influence = _influence_section(ws, now, top)
    if influence is not None:
        sections.append(influence)
    learning = _learning_section(ws, top, min_group_size)
    if learning is not None:
        sections.append(learning)
    sections.append(Section("Method notes", notes=(*METHOD_NOTES, *notes)))
    people = int(graph.active().sum())
    title = f"The informal network of {people:,} people"
    subtitle = f"peerweave report, {now:%Y-%m-%d}"
    return title, subtitle, sections, notes
