"""Roles: documented rules over the person metrics, each with the figures that put a person there.

Percentiles (``*_pct``) are the share of active (not opted-out) people whose value is at or
below the person's, so 0.97 reads "higher than or equal to 97% of colleagues".

==================  ==========================================================================
role                rule (thresholds are :class:`RoleThresholds` fields)
==================  ==========================================================================
connector           degree percentile ≥ ``connector_pct`` (0.95) and at least 2 contacts: the
                    people who know the most colleagues directly
broker              boundary spanner: at least 2 contacts, constraint percentile ≤
                    ``broker_constraint_pct`` (0.05, the least constrained), ties into at
                    least ``broker_min_groups`` (3) departments besides their own and at least
                    ``broker_min_external_share`` (0.5) of their tie strength outside their
                    department (communities when there is no department): they span the
                    structural holes between groups (Burt 1992)
hidden_influencer   influence (PageRank) percentile ≥ ``influence_pct`` (0.95) and at least
                    ``influence_gap`` (0.40) above their formal-rank percentile (``level``,
                    ties counted half below; without levels, the number of people under them
                    in the org chart); a broker's reach comes from spanning groups, so
                    brokers are listed as brokers and not also here
peripheral          1 to ``peripheral_max_degree`` (1) contacts
isolated            no ties of the analysed kinds at all
bottleneck          betweenness percentile ≥ ``bottleneck_pct`` (0.95) and at least
                    ``bottleneck_min_cut_off`` (5) colleagues who would be cut off from the
                    rest of the network if the person left (articulation point)
==================  ==========================================================================

>>> sorted(ROLES)
['bottleneck', 'broker', 'connector', 'hidden_influencer', 'isolated', 'peripheral']
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from peerweave.network.brokerage import cut_off
from peerweave.network.graph import OrgGraph
from peerweave.org.hierarchy import subordinates

__all__ = ["ROLES", "RoleThresholds", "assign_roles", "percentile"]

FloatArray = npt.NDArray[np.float64]

ROLES = ("connector", "broker", "hidden_influencer", "bottleneck", "peripheral", "isolated")


@dataclass(frozen=True)
class RoleThresholds:
    """The thresholds of the role rules (see the module table).

    >>> RoleThresholds(connector_pct=0.9).connector_pct
    0.9
    """

    connector_pct: float = 0.95
    broker_constraint_pct: float = 0.05
    broker_min_groups: int = 3
    broker_min_external_share: float = 0.5
    influence_pct: float = 0.95
    influence_gap: float = 0.40
    peripheral_max_degree: int = 1
    bottleneck_pct: float = 0.95
    bottleneck_min_cut_off: int = 5

    def to_dict(self) -> dict[str, Any]:
        """The thresholds as a plain dict.

        >>> RoleThresholds().to_dict()["broker_min_groups"]
        3
        """
        return asdict(self)


def percentile(
    values: pd.Series,
    among: npt.NDArray[np.bool_],
    *,
    method: Literal["average", "min", "max"] = "max",
) -> pd.Series:
    """Share of the people in ``among`` whose value is at or below each value (NaN outside).

    ``method="average"`` counts tied people half below, half above: the fair reading of a
    coarse scale such as formal levels, where a third of the people may share level 1.

    >>> percentile(pd.Series([1.0, 2.0, 2.0, 9.0]), np.array([True, True, True, False])).tolist()
    [0.3333333333333333, 1.0, 1.0, nan]
    >>> percentile(pd.Series([1.0, 2.0, 2.0]), np.array([True] * 3), method="average").tolist()
    [0.3333333333333333, 0.8333333333333334, 0.8333333333333334]
    """
    ranked = values[among].rank(pct=True, method=method)
    return ranked.reindex(values.index)


def _outside_group(
    graph: OrgGraph, labels: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """Per person: distinct other groups among their contacts, and the share of their tie
    strength that goes to other groups (people with an unknown group count as inside)."""
    rows = np.repeat(np.arange(graph.n, dtype=np.int64), np.diff(graph.und_indptr))
    theirs = labels[np.asarray(graph.und_indices)]
    outside = (theirs >= 0) & (labels[rows] >= 0) & (theirs != labels[rows])
    width = int(labels.max(initial=0)) + 1
    pairs = np.unique(rows[outside] * width + theirs[outside])
    reached = np.bincount(pairs // width, minlength=graph.n).astype(np.int64)
    w = np.asarray(graph.und_weights)
    total = np.bincount(rows, weights=w, minlength=graph.n)
    out = np.bincount(rows, weights=w * outside, minlength=graph.n)
    share = np.divide(out, total, out=np.zeros(graph.n), where=total > 0)
    return reached, share


def _codes(values: pd.Series) -> npt.NDArray[np.int64]:
    codes, _ = pd.factorize(values.astype("string"), use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64)


def _pct_text(p: pd.Series) -> pd.Series:
    """0.973 → 'top 3%'."""
    top = np.maximum(1, np.ceil((1.0 - p.fillna(0.0).to_numpy(dtype=float)) * 100)).astype(int)
    return pd.Series(top, index=p.index).astype(str).radd("top ").add("%")


def assign_roles(
    graph: OrgGraph, table: pd.DataFrame, thresholds: RoleThresholds | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply the role rules to a :func:`~peerweave.network.metrics.person_metrics` table.

    Returns ``(figures, roles)``: ``figures`` has one row per position with the figures the
    rules use (``degree_pct``, ``constraint_pct``, ``groups_reached``, ``influence_pct``,
    ``formal_pct``, ``betweenness_pct``, ``cut_off``) and ``roles`` (``;``-separated);
    ``roles`` is the long form ``person_id, role, reason``. Opted-out people get no role.

    >>> from peerweave.network.metrics import person_metrics
    >>> g = OrgGraph.from_frames(pd.DataFrame({"person_id": list("abcd")}),
    ...     pd.DataFrame({"source": ["a", "b"], "target": ["b", "c"]}))
    >>> figures, roles = assign_roles(g, person_metrics(g).table)
    >>> roles[["person_id", "role"]].values.tolist()
    [['b', 'connector'], ['a', 'peripheral'], ['c', 'peripheral'], ['d', 'isolated']]
    >>> roles["reason"].iloc[3]
    'no ties of the analysed kinds'
    """
    th = thresholds or RoleThresholds()
    people = graph.people
    active = ~table["opted_out"].to_numpy(dtype=bool)
    degree = table["degree"]
    fig = pd.DataFrame({"person_id": table["person_id"]})
    fig["degree_pct"] = percentile(degree.astype(float), active)
    with_contacts = active & (degree.to_numpy() >= 2)
    fig["constraint_pct"] = percentile(table["constraint"], with_contacts)
    group_col = "department" if "department" in people.columns else None
    labels = (
        _codes(people[group_col])
        if group_col is not None
        else table["community"].to_numpy(dtype=np.int64)
    )
    fig["groups_reached"], fig["external_share"] = _outside_group(graph, labels)
    fig["influence_pct"] = percentile(table["pagerank"], active)
    if "level" in people.columns and people["level"].notna().any():
        formal = pd.to_numeric(people["level"], errors="coerce")
        formal_name = "level"
    elif "manager_id" in people.columns:
        formal = pd.Series(
            subordinates(people["person_id"], people["manager_id"]).astype(float),
            index=people.index,
        )
        formal_name = "people under them"
    else:
        formal = pd.Series(np.nan, index=people.index)
        formal_name = ""
    has_formal = active & formal.notna().to_numpy()
    fig["formal_pct"] = percentile(formal.astype(float), has_formal, method="average")
    fig["betweenness_pct"] = percentile(table["betweenness"], active)
    fig["cut_off"] = cut_off(graph)

    deg = degree.to_numpy()
    group_word = "departments" if group_col else "communities"
    rules: dict[str, tuple[npt.NDArray[np.bool_], pd.Series]] = {}
    sel = active & (deg >= 2) & (fig["degree_pct"] >= th.connector_pct).to_numpy()
    rules["connector"] = (
        sel,
        "in direct contact with "
        + degree.astype(str)
        + " colleagues ("
        + _pct_text(fig["degree_pct"])
        + ")",
    )
    broker = (
        with_contacts
        & (fig["constraint_pct"] <= th.broker_constraint_pct).to_numpy()
        & (fig["groups_reached"] >= th.broker_min_groups).to_numpy()
        & (fig["external_share"] >= th.broker_min_external_share).to_numpy()
    )
    rules["broker"] = (
        broker,
        (fig["external_share"] * 100).round().astype(int).astype(str)
        + f"% of their tie strength goes to other {group_word}: ties into "
        + fig["groups_reached"].astype(str)
        + f" other {group_word}, constraint "
        + table["constraint"].round(3).astype(str)
        + " (lowest "
        + np.maximum(1, np.ceil(fig["constraint_pct"].fillna(1) * 100)).astype(int).astype(str)
        + "%)",
    )
    gap = fig["influence_pct"] - fig["formal_pct"]
    sel = (
        has_formal
        & ~broker
        & (fig["influence_pct"] >= th.influence_pct).to_numpy()
        & (gap >= th.influence_gap).to_numpy()
    )
    formal_text = formal.round().astype("Int64").astype(str)
    rules["hidden_influencer"] = (
        sel,
        "informal influence (PageRank) "
        + _pct_text(fig["influence_pct"])
        + f" while formal rank ({formal_name} "
        + formal_text
        + ") is at percentile "
        + (fig["formal_pct"] * 100).round().astype("Int64").astype(str),
    )
    sel = (
        active
        & (fig["betweenness_pct"] >= th.bottleneck_pct).to_numpy()
        & (fig["cut_off"] >= th.bottleneck_min_cut_off).to_numpy()
    )
    rules["bottleneck"] = (
        sel,
        "on "
        + (table["betweenness"] * 100).round(1).astype(str)
        + "% of shortest paths between others ("
        + _pct_text(fig["betweenness_pct"])
        + "); "
        + fig["cut_off"].astype(str)
        + " colleagues would be cut off if they left",
    )
    sel = active & (deg >= 1) & (deg <= th.peripheral_max_degree)
    rules["peripheral"] = (
        sel,
        "only "
        + degree.astype(str)
        + np.where(degree.to_numpy() == 1, " contact", " contacts")
        + " in the network",
    )
    rules["isolated"] = (
        active & (deg == 0),
        pd.Series("no ties of the analysed kinds", index=table.index),
    )

    strength_of = {  # how strongly each person holds the role: lists are sorted by it
        "connector": degree.astype(float),
        "broker": -table["constraint"],
        "hidden_influencer": gap,
        "bottleneck": table["betweenness"],
        "peripheral": -degree.astype(float),
        "isolated": pd.Series(0.0, index=table.index),
    }
    order = {r: i for i, r in enumerate(ROLES)}
    long = [
        pd.DataFrame(
            {
                "person_id": table["person_id"][mask],
                "role": role,
                "reason": reason[mask],
                "_pos": np.flatnonzero(mask),
                "_rank": order[role],
                "_score": strength_of[role][mask],
            }
        )
        for role, (mask, reason) in rules.items()
    ]
    roles = pd.concat(long, ignore_index=True)
    by_person = roles.sort_values(["_pos", "_rank"], kind="stable")
    joined = by_person.groupby("_pos")["role"].agg(";".join)
    fig["roles"] = joined.reindex(np.arange(graph.n)).fillna("").to_numpy()
    roles = roles.sort_values(["_rank", "_score", "_pos"], ascending=[True, False, True])
    roles = roles.drop(columns=["_pos", "_rank", "_score"]).reset_index(drop=True)
    return fig, roles
