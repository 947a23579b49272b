"""One call for the whole network analysis: person metrics, roles, groups, formal vs informal.

:func:`analyze` is what ``peerweave analyze`` and the web app run. Opted-out people are kept
out of every output (they are in the graph only as isolated nodes), and groups smaller than
``min_group_size`` are never named.

>>> people = pd.DataFrame({"person_id": list("abcdef"), "department": list("xxxyyy")})
>>> ties = pd.DataFrame({"source": list("abcdea"), "target": list("bcadfd")})
>>> result = analyze(OrgGraph.from_frames(people, ties), AnalysisOptions(min_group_size=3))
>>> list(result.people.columns[: len(EXPORT_COLUMNS)]) == list(EXPORT_COLUMNS)
True
>>> result.groups["department"].table[["group", "size", "ei_index"]].values.tolist()
[['x', 3, -0.5], ['y', 3, 0.0]]
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from peerweave.network.graph import OrgGraph
from peerweave.network.groups import (
    MIN_GROUP_SIZE,
    FormalInformal,
    GroupReport,
    WholeNetwork,
    formal_vs_informal,
    group_report,
    whole_network,
)
from peerweave.network.metrics import METRIC_COLUMNS, MetricOptions, PersonMetrics, person_metrics
from peerweave.network.roles import ROLES, RoleThresholds, assign_roles

__all__ = ["EXPORT_COLUMNS", "AnalysisOptions", "NetworkAnalysis", "analyze"]

#: The columns of the per-person export, in order (``roles`` is ``;``-separated).
EXPORT_COLUMNS = (*METRIC_COLUMNS, "roles")

#: Figure columns kept beside the export columns in :attr:`NetworkAnalysis.people`.
FIGURE_COLUMNS = (
    "degree_pct",
    "constraint_pct",
    "groups_reached",
    "external_share",
    "influence_pct",
    "formal_pct",
    "betweenness_pct",
    "cut_off",
)


@dataclass(frozen=True)
class AnalysisOptions:
    """Everything :func:`analyze` can be told; round-trips through a plain dict.

    >>> o = AnalysisOptions(min_group_size=8, metrics=MetricOptions(seed=4))
    >>> AnalysisOptions.from_dict(o.to_dict()) == o
    True
    """

    metrics: MetricOptions = field(default_factory=MetricOptions)
    roles: RoleThresholds = field(default_factory=RoleThresholds)
    min_group_size: int = MIN_GROUP_SIZE
    group_attributes: tuple[str, ...] = ("department", "team", "location")

    def __post_init__(self) -> None:
        if self.min_group_size < 1:
            raise ValueError(f"min_group_size must be at least 1, got {self.min_group_size}")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict of every option.

        >>> AnalysisOptions().to_dict()["metrics"]["resolution"]
        1.0
        """
        d = asdict(self)
        d["group_attributes"] = list(self.group_attributes)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AnalysisOptions:
        """Rebuild options from :meth:`to_dict` output (missing keys take their defaults).

        >>> AnalysisOptions.from_dict({"min_group_size": 3}).min_group_size
        3
        """
        return cls(
            metrics=MetricOptions(**d.get("metrics", {})),
            roles=RoleThresholds(**d.get("roles", {})),
            min_group_size=int(d.get("min_group_size", MIN_GROUP_SIZE)),
            group_attributes=tuple(d.get("group_attributes", cls().group_attributes)),
        )


def _number(x: float | int | None) -> float | int | None:
    if x is None:
        return None
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


@dataclass(frozen=True)
class NetworkAnalysis:
    """The result of :func:`analyze`.

    ``people``: :data:`EXPORT_COLUMNS` then :data:`FIGURE_COLUMNS`, active people only;
    ``roles``: ``person_id, role, reason`` sorted by role, strongest first; ``groups``: a
    :class:`~peerweave.network.groups.GroupReport` per attribute present; ``notes``: what a
    reader must know to read the figures (sampling, degenerate cases).
    """

    people: pd.DataFrame
    roles: pd.DataFrame
    groups: dict[str, GroupReport]
    whole: WholeNetwork
    formal: FormalInformal
    metrics: PersonMetrics
    options: AnalysisOptions
    notes: tuple[str, ...]

    def summary(self) -> dict[str, Any]:
        """Headline figures as a JSON-able dict (undefined figures are ``None``).

        >>> g = OrgGraph.from_frames(pd.DataFrame({"person_id": ["a", "b"]}),
        ...                          pd.DataFrame({"source": ["a"], "target": ["b"]}))
        >>> s = analyze(g).summary()
        >>> s["people"], s["ties"], s["reciprocity"], s["roles"]["peripheral"]
        (2, 1, 0.0, 2)
        """
        w, f, m = self.whole, self.formal, self.metrics
        counts = self.roles["role"].value_counts()
        return {
            "people": w.people,
            "active_people": w.active_people,
            "ties": w.ties,
            "edges": w.edges,
            "density": _number(w.density),
            "reciprocity": _number(w.reciprocity),
            "components": w.components,
            "largest_component_share": _number(w.largest_component_share),
            "average_path_length": _number(m.paths.average_path_length),
            "modularity": _number(m.modularity),
            "communities": m.communities,
            "global_clustering": _number(w.global_clustering),
            "average_clustering": _number(w.average_clustering),
            "assortativity": {k: _number(v) for k, v in w.assortativity.items()},
            "line_share": _number(f.line_share),
            "community_department_nmi": _number(f.community_department_nmi),
            "roles": {r: int(counts.get(r, 0)) for r in ROLES},
            "betweenness_exact": m.paths.exact,
            "betweenness_error_bound": _number(m.paths.error_bound),
            "notes": list(self.notes),
        }


def analyze(graph: OrgGraph, options: AnalysisOptions | None = None) -> NetworkAnalysis:
    """Run the whole analysis on ``graph`` (see the module docstring for an example).

    >>> g = OrgGraph.from_frames(pd.DataFrame({"person_id": ["a"]}),
    ...                          pd.DataFrame({"source": [], "target": []}))
    >>> analyze(g).notes[0]
    'no ties to analyse: every metric is 0 (constraint empty) and no communities'
    """
    options = options or AnalysisOptions()
    notes: list[str] = []
    if graph.n == 0:
        notes.append("no people to analyse: import people first")
    metrics = person_metrics(graph, options.metrics)
    notes.extend(metrics.notes)
    figures, roles = assign_roles(graph, metrics.table, options.roles)
    table = metrics.table
    active = ~table["opted_out"].to_numpy(dtype=bool)
    opted = int((~active).sum())
    if opted:
        notes.append(f"{opted:,} opted-out people are left out of every figure")
    people = pd.concat(
        [table[list(METRIC_COLUMNS)], figures.drop(columns="person_id")], axis=1
    ).loc[active, [*EXPORT_COLUMNS, *FIGURE_COLUMNS]]
    people = people.reset_index(drop=True)
    opted_ids = set(table["person_id"][~active])
    if opted_ids:
        roles = roles[~roles["person_id"].isin(opted_ids)].reset_index(drop=True)

    groups = {
        attr: group_report(graph, attr, min_group_size=options.min_group_size)
        for attr in options.group_attributes
        if attr in graph.people.columns
    }
    missing = [a for a in options.group_attributes if a not in graph.people.columns]
    if missing:
        notes.append("no group figures for " + ", ".join(missing) + " (not in the people data)")
    for report in groups.values():
        if report.suppressed_groups:
            one = report.suppressed_groups == 1
            notes.append(
                f"{report.suppressed_groups:,} {report.attribute} group{'' if one else 's'} "
                f"with fewer than {report.min_group_size} people {'is' if one else 'are'} "
                "not shown"
            )
    whole = whole_network(graph, clustering=table["clustering"].to_numpy(dtype=np.float64))
    formal = formal_vs_informal(graph, table["community"].to_numpy(dtype=np.int64))
    return NetworkAnalysis(
        people=people,
        roles=roles,
        groups=groups,
        whole=whole,
        formal=formal,
        metrics=metrics,
        options=options,
        notes=tuple(notes),
    )
