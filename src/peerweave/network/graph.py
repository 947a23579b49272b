"""``OrgGraph``: the one graph representation of the core (CSR arrays + id index + people).

Nodes are the people of a people frame, sorted by ``person_id``; position ``i`` of every
array is person ``ids[i]``. Arcs are the ties that survive the filters, with parallel ties
(several kinds, several rows) between the same ordered pair summed into one weighted arc.

Three compressed-sparse-row views are built once, with vectorised numpy only:

* out-arcs: ``indptr``, ``indices``, ``weights`` (row ``i`` lists whom ``i`` points to);
* in-arcs: ``in_indptr``, ``in_indices``, ``in_weights`` (the transpose);
* undirected: ``und_indptr``, ``und_indices``, ``und_weights``: one edge per unordered pair,
  stored in the rows of both endpoints, weighing the sum of both directions.

Opted-out people stay as nodes (so positions never depend on who opted out, and their
attributes remain in ``people``) but contribute no ties at all: every tie they send or
receive is removed before any view is built, so every metric computed on an ``OrgGraph``
sees them as isolates.

Examples
--------
>>> people = pd.DataFrame({"person_id": ["b", "a", "c"]})
>>> ties = pd.DataFrame({"source": ["a", "a", "b"], "target": ["b", "b", "a"],
...                      "kind": ["advice", "collaboration", "advice"], "weight": [1.0, 2.0, 1.0]})
>>> g = OrgGraph.from_frames(people, ties)
>>> g.ids.tolist(), g.n, g.m
(['a', 'b', 'c'], 3, 2)
>>> g.out_strength().tolist(), g.und_weights.tolist()
([3.0, 1.0, 0.0], [4.0, 4.0])
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from peerweave.errors import MissingColumnError, PeerweaveError, Problem, ValidationError
from peerweave.org.schema import DEFAULT_TIE_KIND, ROW

__all__ = ["MissingDependencyError", "OrgGraph"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
ObjArray = npt.NDArray[np.object_]

_PEOPLE_SOURCE = "people"
_TIES_SOURCE = "ties"


class MissingDependencyError(PeerweaveError):
    """An optional library a converter needs is not installed; the message says what to install.

    >>> str(MissingDependencyError("igraph"))
    'OrgGraph.to_igraph needs igraph; install it with `pip install python-igraph`'
    """

    def __init__(self, module: str, package: str = "python-igraph") -> None:
        super().__init__(
            f"OrgGraph.to_{module} needs {module}; install it with `pip install {package}`"
        )


def _readonly(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
    a.setflags(write=False)
    return a


def _csr(
    rows: IntArray, cols: IntArray, weights: FloatArray, n: int
) -> tuple[IntArray, IntArray, FloatArray]:
    """Sum parallel entries and return ``(indptr, indices, weights)``, columns sorted per row."""
    key = rows * np.int64(max(n, 1)) + cols
    order = np.argsort(key, kind="stable")
    key = key[order]
    w = weights[order]
    if key.size:
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        key = key[starts]
        w = np.add.reduceat(w, starts)
    urows = key // max(n, 1)
    indices = (key % max(n, 1)).astype(np.int64)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(urows, minlength=n), out=indptr[1:])
    return indptr, indices, w.astype(np.float64)


def _positions(values: pd.Series, id_set: Any) -> IntArray:
    """Position of each id in ``id_set`` (a pyarrow string array), -1 when absent or missing."""
    found = pc.index_in(pa.array(values.astype(str), type=pa.string()), value_set=id_set)
    return np.asarray(found.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)


def _datetimes(values: pd.Series) -> npt.NDArray[np.datetime64]:
    parsed = pd.to_datetime(values, errors="coerce", utc=True).dt.tz_convert(None)
    return parsed.to_numpy(dtype="datetime64[ns]")


def _timestamp(value: object) -> np.datetime64 | None:
    if value is None:
        return None
    ts = pd.Timestamp(value)  # type: ignore[arg-type]
    if ts.tzinfo is not None:
        ts = ts.tz_convert(None)
    return ts.as_unit("ns").to_datetime64()


@dataclass(frozen=True, eq=False)
class OrgGraph:
    """A directed weighted organization graph in CSR form, with its people aligned to positions.

    Build it with :meth:`from_frames` (or :meth:`from_networkx`); the arrays are read-only.

    >>> g = OrgGraph.from_frames(pd.DataFrame({"person_id": ["a", "b"]}),
    ...                          pd.DataFrame({"source": ["a"], "target": ["b"]}))
    >>> int(g.index.get_loc("b")), g.indices.tolist(), g.in_indptr.tolist()
    (1, [1], [0, 0, 1])
    """

    #: Person ids, sorted; position ``i`` is person ``ids[i]``.
    ids: ObjArray
    #: ``person_id`` → position (``index.get_loc(pid)``, ``index.get_indexer(many)``).
    index: pd.Index
    #: The people frame's attributes, one row per position (``person_id`` first).
    people: pd.DataFrame
    indptr: IntArray
    indices: IntArray
    weights: FloatArray
    in_indptr: IntArray
    in_indices: IntArray
    in_weights: FloatArray
    und_indptr: IntArray
    und_indices: IntArray
    und_weights: FloatArray
    #: Ties left out because their source or target is not in the people frame.
    dropped_ties: int = 0

    # ------------------------------------------------------------------ building
    @classmethod
    def from_frames(
        cls,
        people: pd.DataFrame,
        ties: pd.DataFrame,
        *,
        kinds: Sequence[str] | None = None,
        start: object = None,
        end: object = None,
        include_opted_out: bool = False,
    ) -> OrgGraph:
        """Build the graph from a people frame and a ties frame.

        Parameters
        ----------
        people : pandas.DataFrame
            ``PEOPLE_COLUMNS`` (only ``person_id`` is required; ``opted_out`` and extra
            columns such as ``status`` are kept as attributes). Every row becomes a node.
        ties : pandas.DataFrame
            ``TIES_COLUMNS`` (only ``source`` and ``target`` are required; ``kind`` defaults
            to ``collaboration``, a missing ``weight`` to 1, missing windows are open).
        kinds : sequence of str, optional
            Keep only ties of these kinds; ``None`` keeps every kind.
        start, end : timestamp-like, optional
            Keep ties whose window ``[window_start, window_end]`` overlaps ``[start, end)``.
            An open (NaT) side of a tie's window counts as unbounded, so ties without a
            window are always kept; ``None`` leaves that side of the filter open.
        include_opted_out : bool, default False
            Keep the ties of people whose ``opted_out`` is true. By default they are
            removed, and opted-out people remain as isolated nodes.

        Returns
        -------
        OrgGraph
            Ties naming someone outside ``people`` are dropped and counted in
            ``dropped_ties`` (over all ties given, before the other filters); self-loops
            are dropped; parallel ties between the same ordered pair are summed.

        Raises
        ------
        MissingColumnError
            ``person_id``, ``source`` or ``target`` is absent.
        ValidationError
            A ``person_id`` appears twice.

        Examples
        --------
        >>> people = pd.DataFrame({"person_id": ["a", "b", "c"],
        ...                        "opted_out": [False, False, True]})
        >>> ties = pd.DataFrame({"source": ["a", "a", "c", "x"], "target": ["b", "c", "a", "a"],
        ...                      "kind": ["advice", "advice", "advice", "advice"],
        ...                      "weight": [1.0, 1.0, 1.0, 1.0]})
        >>> g = OrgGraph.from_frames(people, ties)
        >>> g.m, g.dropped_ties
        (1, 1)
        >>> OrgGraph.from_frames(people, ties, include_opted_out=True).m
        3
        >>> OrgGraph.from_frames(people, ties, kinds=["coaching"]).m
        0
        """
        if "person_id" not in people.columns:
            raise MissingColumnError(
                _PEOPLE_SOURCE,
                Problem(
                    "the people frame has no person_id",
                    column="person_id",
                    fix="add a person_id column",
                ),
            )
        missing = [c for c in ("source", "target") if c not in ties.columns]
        if missing:
            raise MissingColumnError(
                _TIES_SOURCE,
                [
                    Problem(f"the ties frame has no {c}", column=c, fix=f"add a {c} column")
                    for c in missing
                ],
            )

        frame = people.drop(columns=[ROW], errors="ignore").copy()
        frame["person_id"] = frame["person_id"].astype(str)
        frame = frame.sort_values("person_id", kind="stable").reset_index(drop=True)
        ids: ObjArray = frame["person_id"].to_numpy(dtype=object)
        index = pd.Index(ids, dtype=object, name="person_id")
        if not index.is_unique:
            dup = pd.unique(ids[index.duplicated()])
            raise ValidationError(
                _PEOPLE_SOURCE,
                [
                    Problem(
                        f"person_id {d!r} appears more than once",
                        column="person_id",
                        fix="keep one row per person",
                    )
                    for d in dup
                ],
            )
        n = len(ids)

        # pyarrow's hash lookup is several times faster than pandas' on tens of millions of ids
        id_set = pa.array(ids.tolist(), type=pa.string())
        src = _positions(ties["source"], id_set)
        dst = _positions(ties["target"], id_set)
        known = (src >= 0) & (dst >= 0)
        dropped = int((~known).sum())
        keep = known & (src != dst)

        if kinds is not None and "kind" in ties.columns:
            kind = ties["kind"].astype("string").fillna(DEFAULT_TIE_KIND)
            keep &= kind.isin(list(kinds)).to_numpy(dtype=bool)
        elif kinds is not None:
            keep &= DEFAULT_TIE_KIND in set(kinds)

        lo, hi = _timestamp(start), _timestamp(end)
        if hi is not None and "window_start" in ties.columns:
            ws = _datetimes(ties["window_start"])
            keep &= np.isnat(ws) | (ws < hi)
        if lo is not None and "window_end" in ties.columns:
            we = _datetimes(ties["window_end"])
            keep &= np.isnat(we) | (we >= lo)

        if not include_opted_out and "opted_out" in frame.columns and n:
            opted = frame["opted_out"].astype("boolean").fillna(False).to_numpy(dtype=bool)
            safe_src, safe_dst = np.where(known, src, 0), np.where(known, dst, 0)
            keep &= ~opted[safe_src] & ~opted[safe_dst]

        if "weight" in ties.columns:
            w = pd.to_numeric(ties["weight"], errors="coerce").to_numpy(dtype=np.float64)
            w = np.where(np.isnan(w), 1.0, w)
        else:
            w = np.ones(len(ties), dtype=np.float64)

        s, t, w = src[keep], dst[keep], w[keep]
        indptr, indices, weights = _csr(s, t, w, n)
        out_rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
        in_indptr, in_indices, in_weights = _csr(indices, out_rows, weights, n)
        und_indptr, und_indices, und_weights = _csr(
            np.concatenate([out_rows, indices]),
            np.concatenate([indices, out_rows]),
            np.concatenate([weights, weights]),
            n,
        )
        return cls(
            ids=_readonly(ids),
            index=index,
            people=frame,
            indptr=_readonly(indptr),
            indices=_readonly(indices),
            weights=_readonly(weights),
            in_indptr=_readonly(in_indptr),
            in_indices=_readonly(in_indices),
            in_weights=_readonly(in_weights),
            und_indptr=_readonly(und_indptr),
            und_indices=_readonly(und_indices),
            und_weights=_readonly(und_weights),
            dropped_ties=dropped,
        )

    @classmethod
    def from_networkx(cls, graph: Any, **options: Any) -> OrgGraph:
        """Build from a networkx graph; node attributes become people columns.

        Edges take their ``weight`` (default 1) and ``kind`` (default ``collaboration``)
        attributes; an undirected graph gives both directions. ``options`` go to
        :meth:`from_frames` (``kinds``, ``include_opted_out``…).

        >>> G = nx.DiGraph()
        >>> G.add_node("a", department="ops")
        >>> G.add_edge("a", "b", weight=2.5)
        >>> g = OrgGraph.from_networkx(G)
        >>> g.ids.tolist(), g.weights.tolist(), g.people["department"].tolist()
        (['a', 'b'], [2.5], ['ops', nan])
        """
        nodes = list(graph.nodes(data=True))
        people = pd.DataFrame([dict(attrs) for _, attrs in nodes], index=range(len(nodes)))
        people.insert(0, "person_id", pd.Series([str(v) for v, _ in nodes], dtype=object))
        people = people.loc[:, ~people.columns.duplicated()]
        edges = list(graph.edges(data=True))
        if not graph.is_directed():
            edges += [(v, u, d) for u, v, d in edges]
        ties = pd.DataFrame(
            {
                "source": pd.Series([str(u) for u, _, _ in edges], dtype=object),
                "target": pd.Series([str(v) for _, v, _ in edges], dtype=object),
                "kind": pd.Series(
                    [d.get("kind", DEFAULT_TIE_KIND) for *_, d in edges], dtype=object
                ),
                "weight": pd.Series(
                    [float(d.get("weight", 1.0)) for *_, d in edges], dtype=np.float64
                ),
            }
        )
        return cls.from_frames(people, ties, **options)

    # ------------------------------------------------------------------ size
    @property
    def n(self) -> int:
        """Number of nodes (people).

        >>> OrgGraph.from_frames(pd.DataFrame({"person_id": []}), pd.DataFrame(
        ...     {"source": [], "target": []})).n
        0
        """
        return len(self.ids)

    @property
    def m(self) -> int:
        """Number of directed arcs (after merging parallel ties).

        >>> OrgGraph.from_frames(pd.DataFrame({"person_id": ["a", "b"]}), pd.DataFrame(
        ...     {"source": ["a", "b", "a"], "target": ["b", "a", "b"]})).m
        2
        """
        return len(self.indices)

    def active(self) -> npt.NDArray[np.bool_]:
        """True for each person who did not opt out (a missing ``opted_out`` counts as false).

        >>> OrgGraph.from_frames(pd.DataFrame({"person_id": ["a", "b"], "opted_out": [True, None]}),
        ...                      pd.DataFrame({"source": [], "target": []})).active().tolist()
        [False, True]
        """
        if "opted_out" not in self.people.columns:
            return np.ones(self.n, dtype=bool)
        return ~self.people["opted_out"].astype("boolean").fillna(False).to_numpy(dtype=bool)

    # ------------------------------------------------------------------ degrees
    def _sources(self) -> IntArray:
        return np.repeat(np.arange(self.n, dtype=np.int64), np.diff(self.indptr))

    def out_degree(self) -> IntArray:
        """Out-arcs per node.

        >>> _example().out_degree().tolist()
        [2, 1, 0]
        """
        return np.diff(self.indptr)

    def in_degree(self) -> IntArray:
        """In-arcs per node.

        >>> _example().in_degree().tolist()
        [1, 1, 1]
        """
        return np.diff(self.in_indptr)

    def out_strength(self) -> FloatArray:
        """Sum of out-arc weights per node.

        >>> _example().out_strength().tolist()
        [3.0, 4.0, 0.0]
        """
        return np.bincount(self._sources(), weights=self.weights, minlength=self.n).astype(
            np.float64
        )

    def in_strength(self) -> FloatArray:
        """Sum of in-arc weights per node.

        >>> _example().in_strength().tolist()
        [4.0, 1.0, 2.0]
        """
        return np.bincount(self.indices, weights=self.weights, minlength=self.n).astype(np.float64)

    # ------------------------------------------------------------------ converters
    def edge_arrays(self, directed: bool = True) -> tuple[IntArray, IntArray, FloatArray]:
        """``(sources, targets, weights)`` of every arc, or of every undirected pair once.

        >>> [a.tolist() for a in _example().edge_arrays(directed=False)]
        [[0, 0], [1, 2], [5.0, 2.0]]
        """
        if directed:
            return self._sources(), self.indices, self.weights
        src = np.repeat(np.arange(self.n, dtype=np.int64), np.diff(self.und_indptr))
        upper = src < self.und_indices
        return src[upper], self.und_indices[upper], self.und_weights[upper]

    def _node_records(self) -> list[tuple[str, dict[str, Any]]]:
        attrs = self.people.drop(columns=["person_id"])
        attrs = attrs.astype(object).where(attrs.notna(), None)
        records = attrs.to_dict(orient="records")
        return [
            (str(pid), {str(k): v for k, v in rec.items()})
            for pid, rec in zip(self.ids, records, strict=True)
        ]

    def to_networkx(self, directed: bool = True) -> Any:
        """Return a networkx ``DiGraph`` (or ``Graph`` of the undirected view).

        Node keys are person ids with the people columns as attributes (missing values as
        ``None``); edges carry ``weight``.

        >>> G = _example().to_networkx()
        >>> sorted(G.edges(data="weight"))
        [('a', 'b', 1.0), ('a', 'c', 2.0), ('b', 'a', 4.0)]
        >>> _example().to_networkx(directed=False)["a"]["b"]["weight"]
        5.0
        """
        graph: Any = nx.DiGraph() if directed else nx.Graph()
        graph.add_nodes_from(self._node_records())
        src, dst, w = self.edge_arrays(directed)
        graph.add_weighted_edges_from(
            zip(self.ids[src].tolist(), self.ids[dst].tolist(), w.tolist(), strict=True)
        )
        return graph

    def to_igraph(self, directed: bool = True) -> Any:
        """Return an ``igraph.Graph``; vertex ``i`` is position ``i`` (``name`` = person id).

        Raises :class:`MissingDependencyError` when python-igraph is not installed.

        >>> G = _example().to_igraph()
        >>> G.vcount(), G.ecount(), G.es["weight"]
        (3, 3, [1.0, 2.0, 4.0])
        """
        try:
            ig = importlib.import_module("igraph")
        except ImportError as exc:
            raise MissingDependencyError("igraph") from exc
        src, dst, w = self.edge_arrays(directed)
        graph = ig.Graph(n=self.n, edges=np.column_stack([src, dst]).tolist(), directed=directed)
        graph.vs["name"] = self.ids.tolist()
        graph.es["weight"] = w.tolist()
        return graph

    def to_networkit(self, directed: bool = True) -> Any:
        """Return a weighted ``networkit.Graph``; node ``i`` is position ``i``.

        Raises :class:`MissingDependencyError` when NetworKit is not installed
        (``pip install 'peerweave[networkit]'``).

        >>> G = _example().to_networkit()
        >>> G.numberOfNodes(), G.numberOfEdges(), G.weight(1, 0)
        (3, 3, 4.0)
        >>> _example().to_networkit(directed=False).weight(0, 1)
        5.0
        """
        try:
            nk = importlib.import_module("networkit")
        except ImportError as exc:
            raise MissingDependencyError("networkit", "networkit") from exc
        src, dst, w = self.edge_arrays(directed)
        return nk.graph.GraphFromCoo(
            (np.asarray(w, dtype=np.float64), (src.astype(np.uint64), dst.astype(np.uint64))),
            n=self.n,
            directed=directed,
            weighted=True,
        )


def _example() -> OrgGraph:
    """The three-person graph of the doctests: a→b 1, a→c 2, b→a 4 (ids sorted a, b, c)."""
    return OrgGraph.from_frames(
        pd.DataFrame({"person_id": ["c", "b", "a"]}),
        pd.DataFrame(
            {"source": ["a", "a", "b"], "target": ["c", "b", "a"], "weight": [2.0, 1.0, 4.0]}
        ),
    )
