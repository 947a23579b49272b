r"""Seeding strategies and their side-by-side forecast.

A *strategy* picks whom to brief first (the seeds); :func:`compare` simulates the spread
from each strategy's seeds with the same model, the same number of runs and the same random
streams, so the curves differ only by the seeds.

================  ============================================================================
strategy          seeds (``k`` of them; reasons say why each person is there)
================  ============================================================================
``champions``     influence maximization: IMM (Tang, Shi & Xiao 2015) for ``ic`` and ``lt``
                  (:func:`~peerweave.spread.imm.select_champions`), with its guarantee; for
                  ``complex`` contagion the *clustered seeding* heuristic below
``hubs``          the ``k`` people with the most contacts (ties: tie strength)
``top-down``      the ``k`` highest in the formal hierarchy: highest ``level``, ties broken by
                  the number of people under them in the org chart (then contacts)
``random``        ``k`` people drawn uniformly at random (``seed``)
``one-per-team``  the most connected person of each team, largest teams first, up to ``k``
``list``          the people given (``people``), in that order
================  ============================================================================

Opted-out people (``people["opted_out"]``) and ``exclude`` are never seeded; ``include``
(volunteers) are seeded first and count toward ``k``. Group constraints (``groups``,
``at_least``, ``at_most``: for example at least one champion per department, at most ten)
hold for every strategy but ``list``: IMM honours them in its greedy selection; the other
strategies take their ranking in order, reserving places for groups still short of their
minimum and skipping groups at their maximum.

**Clustered seeding (complex contagion).** When a person needs several adopting contacts
(``k`` of them, or a fraction ``θ`` of their contacts) before adopting, seeds scattered
across the network each face the threshold alone and the spread stalls; seeds packed
together reinforce each other (Centola & Macy 2007; Centola 2010). The heuristic builds two
clustered seed sets and keeps the one that reaches more in a short simulation
(``HEURISTIC_RUNS`` runs of 26 weeks, same ``seed``):

* *by community*: Leiden communities (:func:`~peerweave.network.metrics.leiden`) get the
  seeds in proportion to their size (Hamilton's largest-remainder method), but never fewer
  than the threshold per seeded community (``k``; for ``θ``, ``θ`` times the median number
  of contacts, rounded up) — so it seeds fewer communities rather than too thinly — and,
  within a community, the people with the most contacts inside it, who tend to be in
  contact with one another;
* *one growing cluster*: starting from the most connected person (after any volunteers),
  repeatedly add the person with the most contacts among the seeds chosen so far (ties: more
  contacts), so that their colleagues see several adopters at once; when no one touches the
  cluster, the next most connected person starts another.

It carries **no guarantee**: its result is always evaluated by the simulator and reported
as a heuristic.

References
----------
* Y. Tang, Y. Shi & X. Xiao (2015). Influence maximization in near-linear time: a martingale
  approach. *SIGMOD 2015*.
* D. Centola & M. Macy (2007). Complex contagions and the weakness of long ties. *American
  Journal of Sociology* 113(3).
* D. Centola (2010). The spread of behavior in an online social network experiment.
  *Science* 329(5996).

Examples
--------
>>> g = _example()
>>> seeds = seed_set(g, "hubs", 2)
>>> g.ids[seeds.positions].tolist(), seeds.reasons[0]
(['a', 'e'], '4 contacts: more than 85% of colleagues')
>>> budget("25%", g.n), budget("3", g.n)
(2, 3)
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numba
import numpy as np
import numpy.typing as npt
import pandas as pd

from peerweave.errors import ConstraintError, InputError, Problem, UnknownIdError
from peerweave.network.graph import OrgGraph
from peerweave.org.hierarchy import subordinates
from peerweave.spread.model import SpreadModel

if TYPE_CHECKING:
    from peerweave.spread.imm import ChampionSelection
    from peerweave.spread.simulate import Simulation

__all__ = [
    "HEURISTIC_RUNS",
    "ON_LEAVE_STATUSES",
    "STRATEGIES",
    "Comparison",
    "GroupLimits",
    "Seeds",
    "budget",
    "compare",
    "describe",
    "eligible",
    "group_limit",
    "on_leave",
    "positions_of",
    "seed_set",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: The strategies :func:`seed_set` knows, in the order the CLI lists them.
STRATEGIES = ("champions", "hubs", "top-down", "random", "one-per-team", "list")

#: ``people.status`` values read as "on leave" (case-insensitive; ``on-leave`` too).
ON_LEAVE_STATUSES = ("on_leave", "leave", "on leave")

#: What each strategy does, in a few words (for tables and charts).
METHODS: dict[str, str] = {
    "champions": "influence maximization (IMM)",
    "hubs": "most contacts",
    "top-down": "highest in the hierarchy",
    "random": "drawn at random",
    "one-per-team": "most connected of each team",
    "list": "the given people",
}

_NO_LIMIT = np.iinfo(np.int64).max // 4
_UNKNOWN = "(unknown)"


@dataclass(frozen=True)
class Seeds:
    """The people a strategy seeds, in rank order, each with the reason they are there.

    ``marginal_gain`` is the extra expected adopters each seed adds to those ranked above
    (IMM's estimate; NaN for strategies that estimate nothing). ``estimated_reach`` is the
    expected adopters of the whole set as the selection estimated it (NaN when it did not);
    ``guarantee`` says what that estimate promises ("" for none); ``heuristic`` is true for
    the clustered-seeding heuristic, whose result must be judged by simulation.

    >>> s = Seeds("random", np.array([2, 0]), ("drawn at random", "drawn at random"))
    >>> s.k, s.heuristic, s.marginal_gain.tolist()
    (2, False, [nan, nan])
    """

    strategy: str
    positions: IntArray
    reasons: tuple[str, ...]
    marginal_gain: FloatArray = field(default_factory=lambda: np.empty(0))
    estimated_reach: float = float("nan")
    guarantee: str = ""
    method: str = ""
    heuristic: bool = False
    notes: tuple[str, ...] = ()
    selection: ChampionSelection | None = None

    def __post_init__(self) -> None:
        positions = np.asarray(self.positions, dtype=np.int64)
        object.__setattr__(self, "positions", positions)
        if len(self.reasons) != len(positions):
            raise ValueError(f"{len(positions)} seeds but {len(self.reasons)} reasons")
        gain = np.asarray(self.marginal_gain, dtype=np.float64)
        if gain.size == 0 and positions.size:
            gain = np.full(positions.size, np.nan)
        if gain.shape != positions.shape:
            raise ValueError(f"{len(positions)} seeds but {gain.size} marginal gains")
        object.__setattr__(self, "marginal_gain", gain)
        if not self.method:
            object.__setattr__(self, "method", METHODS.get(self.strategy, self.strategy))

    @property
    def k(self) -> int:
        """Number of seeds.

        >>> Seeds("list", np.array([1]), ("on the given list",)).k
        1
        """
        return len(self.positions)

    def frame(self, graph: OrgGraph) -> pd.DataFrame:
        """``person_id, rank, marginal_gain, reason``, one row per seed in rank order.

        >>> g = _example()
        >>> seed_set(g, "list", 0, people=["c", "a"]).frame(g)[["person_id", "rank"]]
          person_id  rank
        0         c     1
        1         a     2
        """
        return pd.DataFrame(
            {
                "person_id": pd.Series(graph.ids[self.positions], dtype=object),
                "rank": np.arange(1, self.k + 1, dtype=np.int64),
                "marginal_gain": self.marginal_gain,
                "reason": pd.Series(self.reasons, dtype=object),
            }
        )


@dataclass(frozen=True)
class GroupLimits:
    """At least / at most so many seeds per group of one people attribute.

    ``at_least`` and ``at_most`` are a number for every group or a mapping from group
    label to number. People without a value form one group no limit applies to.

    >>> GroupLimits("department", at_least=1).attribute
    'department'
    """

    attribute: str
    at_least: int | Mapping[str, int] | None = None
    at_most: int | Mapping[str, int] | None = None


# -- small helpers ------------------------------------------------------------------------


def _flag(people: pd.DataFrame, column: str) -> BoolArray:
    if column not in people.columns:
        return np.zeros(len(people), dtype=bool)
    return np.asarray(people[column].astype("boolean").fillna(False).to_numpy(dtype=bool))


def on_leave(graph: OrgGraph) -> BoolArray:
    """People on leave: ``status`` in :data:`ON_LEAVE_STATUSES`, or an ``on_leave`` flag.

    The stored people have ``status`` ``active`` or ``left`` only, so this finds people on
    leave when the people frame given to the graph says so.

    >>> g = OrgGraph.from_frames(
    ...     pd.DataFrame({"person_id": list("abc"), "status": ["active", "On Leave", "leave"]}),
    ...     pd.DataFrame({"source": [], "target": []}))
    >>> on_leave(g).tolist()
    [False, True, True]
    """
    people = graph.people
    away = _flag(people, "on_leave")
    if "status" in people.columns:
        status = people["status"].astype("string").str.strip().str.lower().str.replace("-", "_")
        away |= status.isin([s.replace("-", "_") for s in ON_LEAVE_STATUSES]).to_numpy(
            dtype=bool, na_value=False
        )
    return away


def positions_of(graph: OrgGraph, person_ids: Sequence[str], *, what: str = "people") -> IntArray:
    """Graph positions of ``person_ids`` (in order, duplicates dropped).

    Raises ``UnknownIdError`` naming the ids that are not people of the graph.

    >>> positions_of(_example(), ["c", "a", "c"]).tolist()
    [2, 0]
    >>> positions_of(_example(), ["a", "zz"], what="--include")
    Traceback (most recent call last):
    ...
    peerweave.errors.UnknownIdError: --include: 1 id is not a current person (zz); check the ids with `peerweave export csv people FILE`
    """
    ids = list(dict.fromkeys(str(p).strip() for p in person_ids))
    found = np.asarray(graph.index.get_indexer(pd.Index(ids, dtype=object)), dtype=np.int64)
    if (found < 0).any():
        unknown = [p for p, f in zip(ids, found, strict=True) if f < 0]
        shown = ", ".join(unknown[:5]) + (
            f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        )
        raise UnknownIdError(
            f"{what}: {len(unknown)} id{' is' if len(unknown) == 1 else 's are'} not a current "
            f"person ({shown}); check the ids with `peerweave export csv people FILE`"
        )
    return found


def eligible(graph: OrgGraph, exclude: BoolArray | None = None) -> BoolArray:
    """Who may be seeded: not opted out and not in ``exclude``.

    >>> g = OrgGraph.from_frames(pd.DataFrame({"person_id": list("abc"),
    ...     "opted_out": [False, True, False]}), pd.DataFrame({"source": [], "target": []}))
    >>> eligible(g, np.array([False, False, True])).tolist()
    [True, False, False]
    """
    ok = ~_flag(graph.people, "opted_out")
    if exclude is not None:
        mask = np.asarray(exclude, dtype=bool)
        if mask.shape != (graph.n,):
            raise ValueError(
                f"exclude must have one value per person ({graph.n}), got {mask.shape}"
            )
        ok &= ~mask
    return np.asarray(ok, dtype=bool)


def budget(text: str | int, n_eligible: int) -> int:
    """The number of seeds ``k`` from ``"5%"`` (of ``n_eligible``, rounded, at least 1) or ``"50"``.

    Raises ``InputError`` (naming ``--k``) for text that is neither, for 0 and for more
    people than can be seeded.

    >>> budget("5%", 283), budget("0.1%", 283), budget(" 12 ", 283)
    (14, 1, 12)
    >>> budget("300", 283)
    Traceback (most recent call last):
    ...
    peerweave.errors.InputError: --k: 300 seeds asked but only 283 people can be seeded (fix: ask for fewer, or a share such as 5%)
    """
    raw = str(text).strip()
    match = re.fullmatch(r"(\d+(?:\.\d*)?|\.\d+)\s*(%?)", raw)
    if match is None:
        raise InputError(
            "--k",
            Problem(f"{raw!r} is not a number of people or a share", fix="write 50 or 5%"),
        )
    value = float(match.group(1))
    if match.group(2):
        if not 0 < value <= 100:
            raise InputError(
                "--k", Problem(f"{raw} is not a share above 0% and up to 100%", fix="write 5%")
            )
        k = max(1, math.floor(n_eligible * value / 100 + 0.5)) if n_eligible else 0
    else:
        if value != int(value) or value < 1:
            raise InputError(
                "--k", Problem(f"{raw} is not a whole number of people", fix="write 50 or 5%")
            )
        k = int(value)
    if k > n_eligible:
        raise InputError(
            "--k",
            Problem(
                f"{k:,} seeds asked but only {n_eligible:,} people can be seeded",
                fix="ask for fewer, or a share such as 5%",
            ),
        )
    return k


def group_limit(text: str, option: str = "--per") -> tuple[str, int]:
    """Read ``attribute:m`` (``department:1``) into ``("department", 1)``.

    >>> group_limit("department:2"), group_limit("location = 3", "--at-most")
    (('department', 2), ('location', 3))
    >>> group_limit("department")
    Traceback (most recent call last):
    ...
    peerweave.errors.InputError: --per: 'department' is not ATTRIBUTE:NUMBER (fix: write for example department:1)
    """
    match = re.fullmatch(r"\s*([A-Za-z_][\w ]*?)\s*[:=]\s*(\d+)\s*", text)
    if match is None:
        raise InputError(
            option,
            Problem(f"{text!r} is not ATTRIBUTE:NUMBER", fix="write for example department:1"),
        )
    return match.group(1), int(match.group(2))


def _cumcount(codes: IntArray) -> IntArray:
    """Rank of each entry among the entries with the same code, in array order."""
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    n = len(codes)
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]]) if n else codes
    lengths = np.diff(np.r_[starts, n])
    out = np.empty(n, dtype=np.int64)
    out[order] = np.arange(n, dtype=np.int64) - np.repeat(starts, lengths)
    return out


@dataclass(frozen=True)
class _Groups:
    codes: IntArray  # one code per person; the last code = people without a value
    labels: list[str]  # one per code
    at_least: IntArray  # per code
    at_most: IntArray  # per code
    notes: tuple[str, ...]
    attribute: str


def _limits(graph: OrgGraph, limits: GroupLimits | None, can_seed: BoolArray) -> _Groups | None:
    if limits is None or (limits.at_least is None and limits.at_most is None):
        return None
    attribute = limits.attribute
    column = graph.people.get(attribute)
    if column is None or column.notna().sum() == 0:
        raise InputError(
            "--per" if limits.at_least is not None else "--at-most",
            Problem(
                f"no {attribute} is known, so seeds cannot be spread over {attribute}s",
                fix=f"import a people file with a {attribute} column, or drop the limit",
            ),
        )
    raw, uniques = pd.factorize(column.astype("string"), sort=True)
    codes = np.asarray(raw, dtype=np.int64)
    labels = [str(u) for u in uniques]
    unknown = len(labels)
    codes[codes < 0] = unknown
    labels.append(_UNKNOWN)
    n_codes = len(labels)
    per_group = np.bincount(codes[can_seed], minlength=n_codes)
    notes: list[str] = []

    def table(value: int | Mapping[str, int] | None, default: int, name: str) -> IntArray:
        out = np.full(n_codes, default, dtype=np.int64)
        if value is None:
            return out
        if isinstance(value, Mapping):
            missing = sorted(set(value) - set(labels[:-1]))
            if missing:
                raise InputError(
                    name,
                    Problem(
                        f"no {attribute} is called {', '.join(map(repr, missing))}",
                        fix=f"use one of {', '.join(labels[:-1][:10])}",
                    ),
                )
            for label, m in value.items():
                out[labels.index(label)] = int(m)
        else:
            out[:unknown] = int(value)
        return out

    at_least = table(limits.at_least, 0, "--per")
    at_most = table(limits.at_most, _NO_LIMIT, "--at-most")
    at_least[unknown], at_most[unknown] = 0, _NO_LIMIT
    if isinstance(limits.at_least, int):
        short = at_least > per_group
        if short.any():
            notes.append(
                f"{int(short.sum())} {attribute}{'s have' if short.sum() > 1 else ' has'} "
                f"fewer than {limits.at_least} people who can be seeded: "
                "they get everyone they have"
            )
            at_least = np.minimum(at_least, per_group)
    clash = at_least > at_most
    if clash.any():
        raise ConstraintError(
            f"at least {int(at_least[clash].max())} but at most {int(at_most[clash].min())} "
            f"seeds per {attribute}: raise --at-most or lower --per"
        )
    return _Groups(codes, labels, at_least, at_most, tuple(notes), attribute)


def _check_budget(groups: _Groups, k: int, forced: IntArray, can_seed: BoolArray) -> None:
    """Raise :class:`ConstraintError` when the group limits cannot fit a budget of ``k``."""
    n_codes, attribute = len(groups.labels), groups.attribute
    forced_count = np.bincount(groups.codes[forced], minlength=n_codes)
    over = forced_count > groups.at_most
    if over.any():
        g = int(np.flatnonzero(over)[0])
        raise ConstraintError(
            f"{int(forced_count[g])} volunteers are in {attribute} {groups.labels[g]!r} but at "
            f"most {int(groups.at_most[g])} seeds per {attribute} are allowed: raise --at-most "
            "or include fewer"
        )
    needed = int(np.maximum(groups.at_least, forced_count).sum())
    if needed > k:
        raise ConstraintError(
            f"at least {int(groups.at_least.max())} seeds per {attribute} need {needed:,} "
            f"seeds (volunteers counted) but the budget is {k:,}: raise --k or lower --per"
        )
    pool = np.bincount(groups.codes[can_seed], minlength=n_codes)
    room = int(np.minimum(groups.at_most, pool).sum())
    if room < k:
        raise ConstraintError(
            f"at most {int(groups.at_most[:-1].min())} seeds per {attribute} leave only "
            f"{room:,} people to seed, fewer than the budget of {k:,}: "
            "raise --at-most or lower --k"
        )


def _pick(order: IntArray, k: int, forced: IntArray, groups: _Groups | None) -> IntArray:
    """The first ``k`` of ``order`` after ``forced``, honouring the group limits."""
    candidates = order[~np.isin(order, forced)]
    free = k - len(forced)
    if groups is None:
        return np.concatenate([forced, candidates[:free]]).astype(np.int64)
    attribute, labels = groups.attribute, groups.labels
    n_codes = len(labels)
    forced_count = np.bincount(groups.codes[forced], minlength=n_codes)
    need = np.clip(groups.at_least - forced_count, 0, None)
    codes = groups.codes[candidates]
    reserved = _cumcount(codes) < need[codes]
    got = np.bincount(codes[reserved], minlength=n_codes)
    if (got < need).any():
        g = int(np.flatnonzero(got < need)[0])
        raise ConstraintError(
            f"{attribute} {labels[g]!r} has only {int(got[g] + forced_count[g])} people who "
            f"can be seeded, fewer than the {int(groups.at_least[g])} asked: lower --per"
        )
    cap = groups.at_most - forced_count - got
    rest_idx = np.flatnonzero(~reserved)
    rest_codes = codes[rest_idx]
    fits = _cumcount(rest_codes) < cap[rest_codes]
    rest_idx = rest_idx[fits][: free - int(reserved.sum())]
    chosen = np.sort(np.concatenate([np.flatnonzero(reserved), rest_idx]))
    if len(chosen) < free:
        raise ConstraintError(
            f"at most {int(groups.at_most[:-1].min())} seeds per {attribute} leave only "
            f"{len(chosen) + len(forced):,} people to seed, fewer than the budget of {k:,}: "
            "raise --at-most or lower --k"
        )
    return np.concatenate([forced, candidates[chosen]]).astype(np.int64)


def _degree(graph: OrgGraph) -> IntArray:
    return np.asarray(np.diff(np.asarray(graph.und_indptr, dtype=np.int64)), dtype=np.int64)


def _strength(graph: OrgGraph) -> FloatArray:
    rows = np.repeat(np.arange(graph.n, dtype=np.int64), _degree(graph))
    return np.bincount(rows, weights=graph.und_weights, minlength=graph.n).astype(np.float64)


def _contacts_of(graph: OrgGraph, positions: IntArray) -> tuple[IntArray, IntArray]:
    """``(owner, contact)``: every contact of every person in ``positions`` (owner = index)."""
    indptr = np.asarray(graph.und_indptr, dtype=np.int64)
    deg = indptr[positions + 1] - indptr[positions]
    owner = np.repeat(np.arange(len(positions), dtype=np.int64), deg)
    starts = np.repeat(indptr[positions], deg)
    offset = np.arange(len(owner), dtype=np.int64) - np.repeat(np.cumsum(deg) - deg, deg)
    return owner, np.asarray(graph.und_indices, dtype=np.int64)[starts + offset]


def _fmt(values: npt.ArrayLike, digits: int = 0) -> pd.Series:
    """Numbers as text, thousands separated (an ``object`` series, also when empty)."""
    series = pd.Series(np.asarray(values, dtype=np.float64))
    if digits:
        text = series.map(f"{{:,.{digits}f}}".format)
    else:
        text = series.round().astype(np.int64).map("{:,}".format)
    return text.astype(object)


def _plural(counts: npt.ArrayLike, one: str, many: str) -> pd.Series:
    c = np.asarray(counts)
    return pd.Series(np.where(c == 1, one, many), dtype=object)


def _contact_text(graph: OrgGraph, positions: IntArray) -> pd.Series:
    """ "12 contacts in 3 departments" (or "12 contacts" without departments)."""
    deg = _degree(graph)[positions]
    text = _fmt(deg) + " " + _plural(deg, "contact", "contacts")
    if "department" not in graph.people.columns or not len(positions):
        return text
    dept = pd.factorize(graph.people["department"].astype("string"))[0]
    owner, contact = _contacts_of(graph, positions)
    codes = dept[contact]
    keep = codes >= 0
    pairs = np.unique(owner[keep] * (int(dept.max()) + 2) + codes[keep])
    spread = np.bincount(pairs // (int(dept.max()) + 2), minlength=len(positions))
    with_dept = deg > 0
    text = text.where(
        ~with_dept,
        text + " in " + _fmt(spread) + " " + _plural(spread, "department", "departments"),
    )
    return text


# -- the strategies -----------------------------------------------------------------------


def _hubs_order(graph: OrgGraph, can_seed: BoolArray) -> IntArray:
    deg, strength = _degree(graph), _strength(graph)
    pos = np.flatnonzero(can_seed)
    return pos[np.lexsort((pos, -strength[pos], -deg[pos]))]


def _hub_reasons(graph: OrgGraph, positions: IntArray, can_seed: BoolArray) -> list[str]:
    deg = _degree(graph)
    pool = np.sort(deg[can_seed])
    below = np.searchsorted(pool, deg[positions], side="left") / max(len(pool), 1)
    pct = np.floor(100 * below).astype(np.int64)
    text = _fmt(deg[positions]) + " " + _plural(deg[positions], "contact", "contacts")
    text = text + pd.Series(
        np.where(pct >= 1, ": more than " + pd.Series(pct).astype(str) + "% of colleagues", ""),
        dtype=object,
    )
    return text.tolist()


def _top_down_order(graph: OrgGraph, can_seed: BoolArray) -> tuple[IntArray, FloatArray, IntArray]:
    people = graph.people
    level = (
        pd.to_numeric(people["level"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        if "level" in people.columns
        else np.full(graph.n, np.nan)
    )
    has_manager = "manager_id" in people.columns and people["manager_id"].notna().any()
    if np.isnan(level).all() and not has_manager:
        raise InputError(
            "--strategy top-down",
            Problem(
                "top-down needs the formal hierarchy, but no level or manager_id is known",
                fix="import a people file with level or manager_id, or drop top-down",
            ),
        )
    under = (
        subordinates(people["person_id"], people["manager_id"]).astype(np.int64)
        if has_manager
        else np.zeros(graph.n, dtype=np.int64)
    )
    pos = np.flatnonzero(can_seed)
    lv = np.where(np.isnan(level), -np.inf, level)
    order = pos[np.lexsort((pos, -_degree(graph)[pos], -under[pos], -lv[pos]))]
    return order, level, under


def _top_down_reasons(level: FloatArray, under: IntArray, positions: IntArray) -> list[str]:
    lv = level[positions]
    n_under = under[positions]
    level_text = pd.Series(
        np.where(np.isnan(lv), "", "level " + _fmt(np.nan_to_num(lv)) + ", "), dtype=object
    )
    under_text = _fmt(n_under) + " " + _plural(n_under, "person", "people") + " under them"
    return (level_text + under_text).tolist()


def _one_per_team(graph: OrgGraph, can_seed: BoolArray) -> tuple[IntArray, list[str]]:
    people = graph.people
    if "team" not in people.columns or people["team"].notna().sum() == 0:
        raise InputError(
            "--strategy one-per-team",
            Problem(
                "one-per-team needs teams, but no team is known",
                fix="import a people file with a team column, or drop one-per-team",
            ),
        )
    raw, teams = pd.factorize(people["team"].astype("string"), sort=True)
    team = np.asarray(raw, dtype=np.int64)
    size = np.bincount(team[team >= 0], minlength=len(teams))
    pos = np.flatnonzero(can_seed & (team >= 0))
    deg, strength = _degree(graph), _strength(graph)
    # best first within a team, then teams by size (largest first), then by name
    order = pos[np.lexsort((pos, -strength[pos], -deg[pos], team[pos], -size[team[pos]]))]
    first = np.r_[True, team[order][1:] != team[order][:-1]] if len(order) else np.zeros(0, bool)
    heads = order[first]
    t = team[heads]
    names = pd.Series([str(teams[i]) for i in t], dtype=object)
    reasons = (
        "the most connected in team "
        + names
        + " ("
        + _fmt(size[t])
        + " people): "
        + _fmt(deg[heads])
        + " "
        + _plural(deg[heads], "contact", "contacts")
    )
    return heads, reasons.tolist()


def _cluster_size(model: SpreadModel, graph: OrgGraph) -> int:
    """Seeds a community needs for them to reinforce each other under ``model``."""
    if model.fraction is None:
        return int(model.threshold)
    deg = _degree(graph)
    typical = float(np.median(deg[deg > 0])) if (deg > 0).any() else 1.0
    return max(1, math.ceil(model.fraction * typical))


def _clustered(
    graph: OrgGraph, k: int, can_seed: BoolArray, model: SpreadModel, seed: int
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Priority order of the clustered-seeding heuristic, with the community of each person,
    the eligible size of each community and each person's contacts inside their community."""
    from peerweave.network.metrics import leiden

    n = graph.n
    community, _ = leiden(graph, seed=seed)
    deg = _degree(graph)
    rows = np.repeat(np.arange(n, dtype=np.int64), deg)
    cols = np.asarray(graph.und_indices, dtype=np.int64)
    same = (community[rows] == community[cols]) & (community[rows] >= 0)
    inside = np.bincount(rows[same], minlength=n).astype(np.int64)
    n_comm = int(community.max()) + 1 if n and community.max() >= 0 else 0
    member = can_seed & (community >= 0)
    size = np.bincount(community[member], minlength=n_comm).astype(np.int64)

    by_size = np.lexsort((np.arange(n_comm), -size))
    s = size[by_size]
    s = s[s > 0]
    allot = np.zeros(n_comm, dtype=np.int64)
    if len(s) and k:
        need = min(_cluster_size(model, graph), k)
        running = np.cumsum(s)
        fits = np.floor(k * s / np.maximum(running, 1)) >= need
        c = int(np.flatnonzero(fits).max()) + 1 if fits.any() else 1
        share = k * s[:c] / s[:c].sum()
        base = np.floor(share).astype(np.int64)
        left = k - int(base.sum())
        extra = np.argsort(-(share - base), kind="stable")[:left]
        base[extra] += 1
        allot[by_size[:c]] = np.minimum(base, s[:c])

    pos = np.flatnonzero(member)
    comm_rank = np.empty(n_comm, dtype=np.int64)
    comm_rank[by_size] = np.arange(n_comm)
    within = pos[np.lexsort((pos, -deg[pos], -inside[pos], comm_rank[community[pos]]))]
    rank_in = _cumcount(community[within])
    tier0 = within[rank_in < allot[community[within]]]
    tier1 = within[rank_in >= allot[community[within]]]
    loners = np.flatnonzero(can_seed & (community < 0))
    rest = np.concatenate([tier1, loners])
    rest = rest[np.lexsort((rest, -deg[rest]))]
    return np.concatenate([tier0, rest]), community, size, inside


@numba.njit(cache=True, nogil=True)
def _grow(
    indptr: IntArray,
    indices: IntArray,
    degree: IntArray,
    can_seed: BoolArray,
    forced: IntArray,
    k: int,
    fallback: IntArray,
) -> IntArray:  # pragma: no cover - compiled
    """One cohesive cluster: ``forced`` first, then repeatedly the eligible person with the
    most contacts already chosen (ties: more contacts, then lower position); when no one
    touches the cluster, the next person of ``fallback`` starts a new one."""
    n = len(degree)
    count = np.zeros(n, dtype=np.int64)
    chosen = np.zeros(n, dtype=np.bool_)
    order = np.empty(k, dtype=np.int64)
    heap = [(np.int64(0), np.int64(0), np.int64(0))]
    heap.pop()
    taken = 0
    nxt = 0
    while taken < k:
        v = -1
        if taken < len(forced):
            v = int(forced[taken])
        else:
            while len(heap) > 0:
                c, _d, u = heapq.heappop(heap)
                if not chosen[u] and -c == count[u]:
                    v = int(u)
                    break
            if v < 0:
                while nxt < len(fallback) and chosen[fallback[nxt]]:
                    nxt += 1
                if nxt == len(fallback):
                    break
                v = int(fallback[nxt])
        chosen[v] = True
        order[taken] = v
        taken += 1
        for j in range(indptr[v], indptr[v + 1]):
            u = indices[j]
            if can_seed[u] and not chosen[u]:
                count[u] += 1
                heapq.heappush(heap, (-count[u], -degree[u], u))
    return order[:taken]


def _grown(graph: OrgGraph, k: int, can_seed: BoolArray, forced: IntArray) -> IntArray:
    """Priority order of the one-growing-cluster variant (then everyone else by contacts)."""
    deg = _degree(graph)
    pool = np.flatnonzero(can_seed)
    fallback = pool[np.lexsort((pool, -deg[pool]))].astype(np.int64)
    grown = _grow(
        np.asarray(graph.und_indptr, dtype=np.int64),
        np.asarray(graph.und_indices, dtype=np.int64),
        deg,
        np.ascontiguousarray(can_seed, dtype=np.bool_),
        np.asarray(forced, dtype=np.int64),
        int(min(k, len(pool) + len(forced))),
        fallback,
    )
    return np.concatenate([grown, fallback[~np.isin(fallback, grown)]])


#: Runs that judge the two clustered-seeding variants against each other.
HEURISTIC_RUNS = 100


def _clustered_seeds(
    graph: OrgGraph,
    k: int,
    can_seed: BoolArray,
    model: SpreadModel,
    seed: int,
    forced: IntArray,
    groups: _Groups | None,
    notes: tuple[str, ...],
) -> Seeds:
    """Clustered seeding: the better (by simulation) of seeds spread over communities in
    proportion to their size and seeds packed into one growing cluster."""
    from peerweave.spread.simulate import simulate

    order, community, size, inside = _clustered(graph, k, can_seed, model, seed)
    by_community = _pick(order, k, forced, groups)
    one_cluster = _pick(_grown(graph, k, can_seed, forced), k, forced, groups)
    positions, how = by_community, "seeds spread over communities in proportion to their size"
    verdict = ""
    if k and set(by_community.tolist()) != set(one_cluster.tolist()):
        reach = [
            float(simulate(graph, p, model, runs=HEURISTIC_RUNS, steps=26, seed=seed).mean[-1])
            for p in (by_community, one_cluster)
        ]
        if reach[1] > reach[0]:
            positions, how = one_cluster, "seeds packed into one growing cluster"
        verdict = (
            f" Of two clusterings simulated ({HEURISTIC_RUNS} runs, 26 weeks), {how} reached "
            f"more ({max(reach):,.0f} against {min(reach):,.0f} adopters)."
        )
    reasons = _clustered_reasons(graph, positions, community, size, inside)
    return Seeds(
        "champions",
        positions,
        _volunteers(reasons, positions, forced),
        method="clustered seeding (heuristic)",
        heuristic=True,
        guarantee="none: a heuristic for complex contagion, judged by simulation",
        notes=(
            *notes,
            "complex contagion: IMM's guarantee does not hold, so champions come from "
            "clustered seeding (a heuristic: seeds packed together so they reinforce each "
            f"other); judge them by the simulated reach.{verdict}",
        ),
    )


def _clustered_reasons(
    graph: OrgGraph,
    positions: IntArray,
    community: IntArray,
    size: IntArray,
    inside: IntArray,
) -> list[str]:
    chosen = np.zeros(graph.n, dtype=bool)
    chosen[positions] = True
    owner, contact = _contacts_of(graph, positions)
    fellows = np.bincount(owner[chosen[contact]], minlength=len(positions))
    comm = community[positions]
    in_comm = comm >= 0
    safe = np.where(in_comm, comm, 0)
    sizes = size[safe] if len(size) else np.zeros(len(positions), dtype=np.int64)
    text = (
        _fmt(inside[positions])
        + " of their "
        + _fmt(_degree(graph)[positions])
        + " contacts in community "
        + pd.Series(safe + 1).astype(str)
        + " ("
        + _fmt(sizes)
        + " people), "
        + _fmt(fellows)
        + " "
        + _plural(fellows, "fellow seed", "fellow seeds")
    )
    alone = pd.Series("no contacts: seeded only to fill the budget", index=text.index, dtype=object)
    return text.where(pd.Series(in_comm), alone).tolist()


def _imm_reasons(graph: OrgGraph, selection: ChampionSelection, include: IntArray) -> list[str]:
    positions = np.asarray(selection.positions, dtype=np.int64)
    gain = np.asarray(selection.marginal_gain, dtype=np.float64)
    text = (
        "adds ≈"
        + _fmt(gain, 1)
        + " expected "
        + _plural(np.round(gain, 1), "adopter", "adopters")
        + "; "
        + _contact_text(graph, positions)
    )
    return list(_volunteers(text.tolist(), positions, include))


def seed_set(
    graph: OrgGraph,
    strategy: str,
    k: int,
    *,
    seed: int = 0,
    model: SpreadModel | None = None,
    people: Sequence[str] | None = None,
    exclude: BoolArray | None = None,
    epsilon: float = 0.1,
    ell: float = 1.0,
    include: Sequence[str] | None = None,
    limits: GroupLimits | None = None,
) -> Seeds:
    """The ``k`` seeds of ``strategy`` (see the module table), each with a reason.

    ``people`` are the ids of ``list`` (``k`` is then ignored). ``include`` (ids) are seeded
    first and count toward ``k``; ``exclude`` (one flag per position) and opted-out people are
    never seeded; ``limits`` bound the seeds per group. ``model`` (default ``ic`` with
    tie-weight probabilities) steers ``champions``: IMM with ``model.kind`` and
    ``model.prob``, ``epsilon`` and ``ell`` (:func:`~peerweave.spread.imm.select_champions`),
    or clustered seeding for ``complex``. ``seed`` fixes every random choice.

    Raises ``UnknownIdError`` for ids that are not people of the graph, ``ConstraintError``
    when the constraints cannot all hold (``k`` above the people who can be seeded, a
    volunteer who opted out…), ``InputError`` when a strategy lacks the data it reads
    (``top-down`` without level or managers, ``one-per-team`` without teams).

    >>> g = _example()
    >>> seed_set(g, "top-down", 1).reasons
    ('level 3, 6 people under them',)
    >>> s = seed_set(g, "one-per-team", 5)
    >>> g.ids[s.positions].tolist(), s.reasons[1]
    (['a', 'e'], 'the most connected in team y (3 people): 3 contacts')
    >>> g.ids[seed_set(g, "random", 2, seed=1).positions].tolist()
    ['f', 'a']
    >>> seed_set(g, "hubs", 2, include=["g"]).reasons
    ('volunteer; 2 contacts: more than 42% of colleagues', '4 contacts: more than 85% of colleagues')
    """
    if strategy not in STRATEGIES:
        raise InputError(
            "--strategy",
            Problem(f"no strategy {strategy!r}", fix=f"choose among {', '.join(STRATEGIES)}"),
        )
    model = model or SpreadModel()
    can_seed = eligible(graph, exclude)
    opted = _flag(graph.people, "opted_out")

    if strategy == "list":
        if not people:
            raise InputError(
                "--people", Problem("the list strategy needs people", fix="give their ids")
            )
        positions = positions_of(graph, people, what="the list")
        _check_seedable(graph, positions, can_seed, opted, "the list")
        return Seeds("list", positions, ("on the given list",) * len(positions))

    forced = (
        positions_of(graph, include, what="--include") if include else np.zeros(0, dtype=np.int64)
    )
    _check_seedable(graph, forced, can_seed, opted, "--include")
    n_ok = int(can_seed.sum())
    if k < 0:
        raise ValueError(f"k must be 0 or more, got {k}")
    if k > n_ok:
        raise ConstraintError(
            f"{k:,} seeds asked but only {n_ok:,} people can be seeded "
            "(opted-out and excluded people never are): lower --k"
        )
    if len(forced) > k:
        raise ConstraintError(
            f"{len(forced)} volunteers (--include) but a budget of {k}: raise --k or include fewer"
        )
    groups = _limits(graph, limits, can_seed)
    notes = groups.notes if groups is not None else ()
    if groups is not None:
        _check_budget(groups, k, forced, can_seed)

    if strategy == "champions" and model.kind != "complex":
        return _champions_imm(graph, k, model, can_seed, forced, groups, seed, epsilon, ell, notes)
    if strategy == "champions":
        return _clustered_seeds(graph, k, can_seed, model, seed, forced, groups, notes)
    if strategy == "hubs":
        positions = _pick(_hubs_order(graph, can_seed), k, forced, groups)
        reasons = _hub_reasons(graph, positions, can_seed)
        return Seeds("hubs", positions, _volunteers(reasons, positions, forced), notes=notes)
    if strategy == "top-down":
        order, level, under = _top_down_order(graph, can_seed)
        positions = _pick(order, k, forced, groups)
        reasons = _top_down_reasons(level, under, positions)
        return Seeds("top-down", positions, _volunteers(reasons, positions, forced), notes=notes)
    if strategy == "random":
        pool = np.flatnonzero(can_seed)
        order = pool[np.random.default_rng(seed).permutation(len(pool))]
        positions = _pick(order, k, forced, groups)
        reasons = ["drawn at random"] * len(positions)
        return Seeds("random", positions, _volunteers(reasons, positions, forced), notes=notes)
    heads, head_reasons = _one_per_team(graph, can_seed)
    take = min(k, len(heads) + len(forced[~np.isin(forced, heads)]))
    positions = _pick(heads, take, forced, groups)
    lookup = dict(zip(heads.tolist(), head_reasons, strict=True))
    team_reasons = _volunteers(
        [lookup.get(int(p), "not a team's most connected") for p in positions], positions, forced
    )
    if take < k:
        notes = (
            *notes,
            f"one-per-team: {take:,} teams have someone who can be seeded, fewer than the "
            f"budget of {k:,}, so it seeds {take:,} people",
        )
    return Seeds("one-per-team", positions, team_reasons, notes=notes)


def _volunteers(reasons: Sequence[str], positions: IntArray, forced: IntArray) -> tuple[str, ...]:
    """Reasons, with "volunteer; " before those of the forced seeds."""
    text = pd.Series(list(reasons), dtype=object)
    marked = pd.Series(np.isin(positions, forced))
    return tuple(text.where(~marked, "volunteer; " + text).tolist())


def _check_seedable(
    graph: OrgGraph, positions: IntArray, can_seed: BoolArray, opted: BoolArray, what: str
) -> None:
    bad = positions[~can_seed[positions]]
    if len(bad):
        why = "opted out" if opted[bad].all() else "opted out or excluded"
        shown = ", ".join(graph.ids[bad][:5].tolist())
        raise ConstraintError(
            f"{what} names {len(bad)} {'person' if len(bad) == 1 else 'people'} who "
            f"{why} and can never be seeded ({shown}): take them off"
        )


def _champions_imm(
    graph: OrgGraph,
    k: int,
    model: SpreadModel,
    can_seed: BoolArray,
    forced: IntArray,
    groups: _Groups | None,
    seed: int,
    epsilon: float,
    ell: float,
    notes: tuple[str, ...],
) -> Seeds:
    from peerweave.spread.imm import select_champions

    kind: Literal["ic", "lt"] = "lt" if model.kind == "lt" else "ic"
    options: dict[str, Any] = {}
    if groups is not None:
        codes = np.arange(len(groups.labels))
        options = {
            "groups": groups.codes,
            "at_least": {int(c): int(m) for c, m in zip(codes, groups.at_least, strict=True) if m},
            "at_most": {
                int(c): int(m) for c, m in zip(codes, groups.at_most, strict=True) if m < _NO_LIMIT
            },
        }
    try:
        selection = select_champions(
            graph,
            k,
            model=kind,
            prob=model.prob,
            epsilon=epsilon,
            ell=ell,
            seed=seed,
            exclude=~can_seed,
            include=forced if len(forced) else None,
            **options,
        )
    except ValueError as exc:
        raise InputError("peerweave champions", Problem(str(exc))) from None
    reasons = _imm_reasons(graph, selection, forced)
    return Seeds(
        "champions",
        np.asarray(selection.positions, dtype=np.int64),
        tuple(reasons),
        marginal_gain=np.asarray(selection.marginal_gain, dtype=np.float64),
        estimated_reach=float(selection.estimated_reach),
        guarantee=selection.guarantee,
        method=(
            f"influence maximization ({selection.method.upper()}, {kind.upper()}, ε = {epsilon:g})"
        ),
        notes=notes,
        selection=selection,
    )


_KIND_NAMES = {
    "ic": "independent cascade",
    "lt": "linear threshold",
    "complex": "complex contagion",
}


def describe(model: SpreadModel) -> str:
    """The model in words, for titles and tables.

    >>> describe(SpreadModel())
    'independent cascade, tie-weight probabilities (P = 0.01)'
    >>> describe(SpreadModel.parse("complex:theta=0.3,delta=0.1"))
    'complex contagion (30% of contacts needed), abandonment 10%/week'
    >>> describe(SpreadModel(kind="lt", prob="weighted-cascade"))
    'linear threshold, weighted-cascade weights'
    """
    from peerweave.spread.model import parse_prob

    text = _KIND_NAMES[model.kind]
    name, p = parse_prob(model.prob)
    if model.kind == "complex":
        need = (
            f"{model.fraction:.0%} of contacts needed"
            if model.fraction is not None
            else f"{model.threshold} adopting {'contact' if model.threshold == 1 else 'contacts'}"
            " needed"
        )
        spread = f", thresholds vary (sd {model.threshold_sd:g})" if model.threshold_sd else ""
        text += f" ({need}{spread})"
    elif model.kind == "lt":
        text += f", {name} weights"
    elif name == "weighted-cascade":
        text += ", weighted-cascade probabilities (1 / contacts)"
    else:
        text += f", {name} probabilities (P = {p:g})"
    if model.abandonment:
        text += f", abandonment {model.abandonment:.0%}/week"
    return text


# -- the comparison -----------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """Strategies side by side under one model.

    ``curves``: ``strategy, step, mean, p05, p95`` (adopters per week, 5–95% band over the
    runs). ``summary``: one row per strategy — ``strategy, seeds, method, week_13,
    week_26`` (mean adopters; NaN beyond ``steps``), ``final, final_p05, final_p95``
    (at the last step), ``share`` (``final`` over the people who can adopt: everyone not
    opted out), ``standard_error`` (of ``final``), ``heuristic``. ``by_group``:
    ``strategy, group, size, expected_adopters, share`` per ``attribute`` value, groups
    under ``min_group_size`` folded (empty without the attribute).

    >>> c = Comparison(curves=pd.DataFrame(), summary=pd.DataFrame(), by_group=pd.DataFrame(),
    ...                seeds={}, simulations={}, population=0, model=SpreadModel(), runs=1,
    ...                steps=1, seed=0, k=0)
    >>> c.strategies
    []
    """

    curves: pd.DataFrame
    summary: pd.DataFrame
    by_group: pd.DataFrame
    seeds: Mapping[str, Seeds]
    simulations: Mapping[str, Simulation]
    population: int
    model: SpreadModel
    runs: int
    steps: int
    seed: int
    k: int
    attribute: str | None = "department"
    notes: tuple[str, ...] = ()

    @property
    def strategies(self) -> list[str]:
        """The strategies compared, in the order given.

        >>> compare(_example(), ["hubs", "random"], 1, runs=10, steps=2).strategies
        ['hubs', 'random']
        """
        return list(self.seeds)

    def at(self, step: int) -> pd.DataFrame:
        """``strategy, mean, p05, p95`` at ``step`` (the last step when beyond ``steps``).

        >>> c = compare(_example(), ["hubs"], 1, model=SpreadModel(prob="uniform:1"),
        ...             runs=10, steps=3)
        >>> c.at(0)[["strategy", "mean"]].values.tolist(), c.at(99)["mean"].tolist()
        ([['hubs', 1.0]], [7.0])
        """
        step = min(max(int(step), 0), self.steps)
        rows = self.curves[self.curves["step"] == step]
        return rows[["strategy", "mean", "p05", "p95"]].reset_index(drop=True)


def compare(
    graph: OrgGraph,
    strategies: Sequence[str | Seeds],
    k: int,
    model: SpreadModel | None = None,
    *,
    runs: int = 1000,
    steps: int = 26,
    seed: int = 0,
    people: Sequence[str] | None = None,
    exclude: BoolArray | None = None,
    epsilon: float = 0.1,
    attribute: str | None = "department",
    min_group_size: int = 5,
) -> Comparison:
    """Simulate every strategy's seeds under ``model`` and put the results side by side.

    ``strategies`` are names (seeded with :func:`seed_set` with ``k``, ``seed``, ``people``,
    ``exclude``, ``epsilon``) or ready :class:`Seeds` (stored champions, say). Every
    strategy's spread is simulated with the same ``runs``, ``steps`` and ``seed`` (common
    random numbers: the curves differ by the seeds, not by luck).

    >>> c = compare(_example(), ["hubs", "top-down", "random"], 1, runs=200, steps=4)
    >>> c.summary[["strategy", "seeds"]].values.tolist()
    [['hubs', 1], ['top-down', 1], ['random', 1]]
    >>> sorted(c.curves.columns)
    ['mean', 'p05', 'p95', 'step', 'strategy']
    """
    from peerweave.spread.simulate import simulate

    model = model or SpreadModel()
    if not strategies:
        raise InputError("--strategy", Problem("no strategy given", fix="name at least one"))
    seeds: dict[str, Seeds] = {}
    for item in strategies:
        chosen = (
            item
            if isinstance(item, Seeds)
            else seed_set(
                graph,
                item,
                k,
                seed=seed,
                model=model,
                people=people,
                exclude=exclude,
                epsilon=epsilon,
            )
        )
        seeds[chosen.strategy] = chosen
    simulations = {
        name: simulate(graph, s.positions, model, runs=runs, steps=steps, seed=seed)
        for name, s in seeds.items()
    }
    population = int((~_flag(graph.people, "opted_out")).sum())
    curves = pd.concat(
        [
            pd.DataFrame(
                {
                    "strategy": name,
                    "step": np.arange(steps + 1, dtype=np.int64),
                    "mean": np.asarray(sim.mean, dtype=np.float64),
                    "p05": np.asarray(sim.p05, dtype=np.float64),
                    "p95": np.asarray(sim.p95, dtype=np.float64),
                }
            )
            for name, sim in simulations.items()
        ],
        ignore_index=True,
    )

    def week(sim: Simulation, w: int) -> float:
        return float(sim.mean[w]) if w <= steps else float("nan")

    summary = pd.DataFrame(
        {
            "strategy": list(seeds),
            "seeds": [s.k for s in seeds.values()],
            "method": [s.method for s in seeds.values()],
            "week_13": [week(sim, 13) for sim in simulations.values()],
            "week_26": [week(sim, 26) for sim in simulations.values()],
            "final": [float(sim.mean[-1]) for sim in simulations.values()],
            "final_p05": [float(sim.p05[-1]) for sim in simulations.values()],
            "final_p95": [float(sim.p95[-1]) for sim in simulations.values()],
            "share": [
                float(sim.mean[-1]) / population if population else float("nan")
                for sim in simulations.values()
            ],
            "standard_error": [float(sim.standard_error()) for sim in simulations.values()],
            "heuristic": [s.heuristic for s in seeds.values()],
        }
    )
    notes = list(dict.fromkeys(n for s in seeds.values() for n in s.notes))
    has_attribute = (
        attribute is not None
        and attribute in graph.people.columns
        and graph.people[attribute].notna().any()
    )
    if has_attribute:
        assert attribute is not None
        by_group = pd.concat(
            [
                sim.reach_by(graph, attribute, min_group_size=min_group_size).assign(strategy=name)
                for name, sim in simulations.items()
            ],
            ignore_index=True,
        )[["strategy", "group", "size", "expected_adopters", "share"]]
    else:
        by_group = pd.DataFrame(
            {"strategy": [], "group": [], "size": [], "expected_adopters": [], "share": []}
        )
        if attribute is not None:
            notes.append(f"no {attribute} is known: no reach per {attribute}")
    return Comparison(
        curves=curves,
        summary=summary,
        by_group=by_group,
        seeds=seeds,
        simulations=simulations,
        population=population,
        model=model,
        runs=runs,
        steps=steps,
        seed=seed,
        k=k,
        attribute=attribute if has_attribute else None,
        notes=tuple(notes),
    )


def _example() -> OrgGraph:
    """Seven people in two teams: a star around ``a`` (team x) and a triangle e-f-g (team y)
    joined by a - e; ``a`` is level 3 with everyone in team x under them."""
    people = pd.DataFrame(
        {
            "person_id": list("abcdefg"),
            "team": list("xxxxyyy"),
            "department": ["D1"] * 4 + ["D2"] * 3,
            "level": [3, 1, 1, 1, 2, 1, 1],
            "manager_id": [None, "a", "a", "a", "a", "e", "e"],
        }
    )
    ties = pd.DataFrame(
        {"source": list("aaaaeef"), "target": list("bcdefgg")},
    )
    return OrgGraph.from_frames(people, ties)
