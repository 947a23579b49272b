"""Read ties from edge lists (CSV/TSV/XLSX), GraphML and GEXF, and resolve their people."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from peerweave.errors import (
    FileFormatError,
    Problem,
    ValidationError,
)
from peerweave.ingest._graphxml import parse_gexf, parse_graphml, typed_attributes
from peerweave.ingest.report import LoadReport, TiesLoad
from peerweave.ingest.tabular import header_key, read_table, rename_columns, require_columns
from peerweave.org.schema import (
    DEFAULT_TIE_KIND,
    PEOPLE_COLUMNS,
    ROW,
    TIES_COLUMNS,
    parse_date,
)

__all__ = [
    "assemble_ties",
    "normalise_kind",
    "parse_weights",
    "read_edge_list",
    "read_gexf",
    "read_graphml",
    "read_ties",
    "resolve_ids",
]

#: Header spellings of edge lists (``header_key`` form) and the column they mean.
EDGE_ALIASES: dict[str, str] = {
    **dict.fromkeys(
        ["from", "src", "ego", "sender", "source_id", "from_id", "node1", "node_1", "person1"],
        "source",
    ),
    **dict.fromkeys(
        [
            "to",
            "dst",
            "alter",
            "receiver",
            "recipient",
            "target_id",
            "to_id",
            "node2",
            "node_2",
            "person2",
        ],
        "target",
    ),
    **dict.fromkeys(["strength", "value", "w", "count", "frequency"], "weight"),
    **dict.fromkeys(["tie_kind", "tie_type", "relation", "relationship"], "kind"),
    **dict.fromkeys(["start", "window_from"], "window_start"),
    **dict.fromkeys(["end", "window_to"], "window_end"),
}
_DIRECTIONS = {"directed": False, "undirected": True, "mutual": True}
#: Undirected edges become two ties; readers mark them with this column.
UNDIRECTED = "_undirected"
_NOTES_PER_KIND = 10
_TABLE_SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".parquet", ".jsonl", ".ndjson"}


def normalise_kind(values: pd.Series, default: str) -> pd.Series:
    """Lower-case kinds with non-alphanumerics folded to ``_``; blank is ``default``.

    >>> normalise_kind(pd.Series(["Advice", " go-to person ", ""]), "collaboration").tolist()
    ['advice', 'go_to_person', 'collaboration']
    """
    fallback = header_key(default) or DEFAULT_TIE_KIND
    text = values.astype("string").fillna("").str.lower()
    text = text.str.replace(r"[^0-9a-z]+", "_", regex=True).str.strip("_")
    return text.where(text != "", fallback).astype(str)


def parse_weights(
    values: pd.Series,
    *,
    column: str,
    rows: np.ndarray,
    problems: list[Problem],
    default: float = 1.0,
) -> pd.Series:
    """Parse tie weights: numbers above 0; blank is ``default``; bad values go to ``problems``.

    >>> probs: list[Problem] = []
    >>> parse_weights(pd.Series(["2.5", "", "x", "-1"]), column="weight",
    ...               rows=np.array([2, 3, 4, 5]), problems=probs).tolist()
    [2.5, 1.0, 1.0, 1.0]
    >>> [(p.row, p.column) for p in probs]
    [(4, 'weight'), (5, 'weight')]
    """
    text = values.astype("string").str.strip()
    blank = (values.isna() | (text == "")).fillna(True).to_numpy(dtype=bool)
    numbers = pd.to_numeric(text.where(~blank), errors="coerce").astype(float).to_numpy()
    not_number = ~blank & ~np.isfinite(numbers)
    not_positive = ~blank & np.isfinite(numbers) & (numbers <= 0)
    for i in np.flatnonzero(not_number | not_positive):
        if not_number[i]:
            msg, fix = f"{values.iloc[i]!r} is not a number", "write a number such as 1 or 2.5"
        else:
            msg, fix = (
                f"{values.iloc[i]} is not above 0",
                "use a weight above 0, or leave the row out",
            )
        problems.append(Problem(msg, row=int(rows[i]), column=column, fix=fix))
    out = np.where(blank | not_number | not_positive, default, numbers)
    return pd.Series(out, index=values.index, dtype=float)


def _id_text(values: pd.Series) -> pd.Series:
    """Ids as trimmed text; whole-number floats from spreadsheets lose their ``.0``."""
    if values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) != "string":
        values = values.map(lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else v)
    return values.astype("string").str.strip()


def resolve_ids(
    values: pd.Series, people: pd.DataFrame | None, *, emails: pd.Series | None = None
) -> pd.Series:
    """Known ``person_id`` of each value: by person_id, else by email (any case); NA if unknown.

    ``emails`` (aligned with ``values``) is a second chance, e.g. a graph node's email attribute.

    >>> people = pd.DataFrame({"person_id": ["P1", "P2"], "email": ["ann@x.org", None]})
    >>> resolve_ids(pd.Series(["P2", "ANN@x.org", "zed"]), people).tolist()
    ['P2', 'P1', <NA>]
    """
    text = _id_text(values)
    out = pd.Series(pd.NA, index=values.index, dtype="string")
    if people is None or people.empty or "person_id" not in people.columns:
        return out
    ids = _id_text(people["person_id"])
    out = text.where(text.isin(set(ids.dropna()))).astype("string")
    if "email" in people.columns:
        mail = people["email"].astype("string").str.strip().str.lower()
        by_mail = pd.Series(ids.to_numpy(), index=mail.to_numpy()).loc[lambda s: s.index.notna()]
        by_mail = by_mail[~by_mail.index.duplicated()]
        out = out.fillna(text.str.lower().map(by_mail).astype("string"))
        if emails is not None:
            alt = emails.astype("string").str.strip().str.lower()
            out = out.fillna(alt.map(by_mail).astype("string"))
    return out


def _capped(notes: list[Problem], extra: list[Problem], what: str) -> None:
    notes.extend(extra[:_NOTES_PER_KIND])
    if len(extra) > _NOTES_PER_KIND:
        notes.append(Problem(f"… and {len(extra) - _NOTES_PER_KIND} more {what}"))


def assemble_ties(
    edges: pd.DataFrame,
    *,
    source: str,
    people: pd.DataFrame | None,
    strict: bool,
    rows_read: int,
    columns: tuple[str, str] = ("source", "target"),
    nodes: pd.DataFrame | None = None,
    node_column: str = "node id",
    counts: dict[str, int] | None = None,
    notes: list[Problem] | None = None,
) -> TiesLoad:
    """Turn raw edges into a :class:`TiesLoad`: resolve people, drop self-loops, sum duplicates.

    ``edges`` has ``source``, ``target``, ``kind``, ``weight`` (checked), optionally the
    window columns, ``_undirected`` (a bool: the edge gives both directions) and ``_row``.
    ``nodes`` (optional) lists more people by raw id (``person_id``, ``_row``, maybe
    ``email`` and attributes): they are resolved too and their attributes come back in
    ``TiesLoad.people``. ``columns`` name the endpoint columns as the file spells them.

    >>> e = pd.DataFrame({"source": ["a", "a", "b", "a"], "target": ["b", "b", "b", "c"],
    ...                   "kind": "advice", "weight": [1.0, 2.0, 1.0, 1.0], "_row": [2, 3, 4, 5]})
    >>> load = assemble_ties(e, source="t.csv", people=None, strict=False, rows_read=4)
    >>> load.ties[["source", "target", "weight"]].values.tolist()
    [['a', 'b', 3.0], ['a', 'c', 1.0]]
    >>> load.report.summary()
    't.csv: 4 rows read, 2 ties; people_created=3, self_loops_left_out=1, duplicates_summed=1'
    """
    counts = dict(counts or {})
    notes = list(notes or [])
    edges = edges.reset_index(drop=True)
    if ROW not in edges.columns:
        edges[ROW] = np.arange(len(edges)) + 2
    if UNDIRECTED in edges.columns and edges[UNDIRECTED].any():
        flip = edges[edges[UNDIRECTED].to_numpy(dtype=bool)].rename(
            columns={"source": "target", "target": "source"}
        )
        counts["undirected_edges_doubled"] = len(flip)
        edges = pd.concat([edges, flip], ignore_index=True).sort_values(ROW, kind="stable")
    # Every mention of a person, so unknown ones are named with their row and column.
    parts = [
        pd.DataFrame({"value": _id_text(edges[end]), "row": edges[ROW], "column": col})
        for end, col in zip(("source", "target"), columns, strict=True)
    ]
    if nodes is not None and len(nodes):
        part = pd.DataFrame(
            {"value": _id_text(nodes["person_id"]), "row": nodes[ROW], "column": node_column}
        )
        if "email" in nodes.columns:
            part["email"] = nodes["email"].to_numpy()
        parts.append(part)
    # By row, an edge's own columns before a node record of the same row.
    mentions = pd.concat(parts, ignore_index=True).drop_duplicates(["value", "row"])
    mentions = mentions.sort_values("row", kind="stable")
    first = mentions.drop_duplicates("value").reset_index(drop=True)
    resolved = resolve_ids(
        first["value"], people, emails=first["email"] if "email" in first.columns else None
    )
    unknown = resolved.isna().to_numpy()
    if strict and unknown.any():
        bad = mentions[mentions["value"].isin(set(first["value"][unknown]))].sort_values("row")
        raise ValidationError(
            source,
            [
                Problem(
                    f"{v!r} is not a known person (no person_id or email matches)",
                    row=int(r),
                    column=str(c),
                    fix=f"add {v} to the people file first, or import without strict "
                    "to create unknown people",
                )
                for v, r, c in bad[["value", "row", "column"]].itertuples(index=False)
            ],
        )
    raw = first["value"]
    new_ids = raw.where(~raw.str.contains("@", regex=False).fillna(False), raw.str.lower())
    resolved = resolved.fillna(new_ids.astype("string"))
    lookup = pd.Series(resolved.to_numpy(), index=raw.to_numpy())
    created = pd.unique(resolved[unknown].astype(str).to_numpy())
    counts["people_created"] = len(created)
    if people is None and len(created):
        notes.append(
            Problem(f"no known people were given: {len(created)} people created from the file")
        )
    elif len(created):
        firsts = first[unknown].assign(new=resolved[unknown]).drop_duplicates("new")
        _capped(
            notes,
            [
                Problem(
                    f"{v!r} is not a known person; created with only an id",
                    row=int(r),
                    column=str(c),
                    fix="add them to the people file to give them a name and department",
                )
                for v, r, c in firsts[["value", "row", "column"]].itertuples(index=False)
            ],
            "people created",
        )
    edges = edges.assign(
        source=_id_text(edges["source"]).map(lookup).astype(str),
        target=_id_text(edges["target"]).map(lookup).astype(str),
    )
    loops = (edges["source"] == edges["target"]).to_numpy()
    counts["self_loops_left_out"] = int(loops.sum())
    _capped(
        notes,
        [
            Problem(f"self-loop left out ({s} tied to themself)", row=int(r))
            for s, r in edges.loc[loops, ["source", ROW]].itertuples(index=False)
        ],
        "self-loops left out",
    )
    edges = edges[~loops]
    ties = _sum_duplicates(edges)
    counts["duplicates_summed"] = len(edges) - len(ties)
    report = LoadReport(
        kind="ties",
        source=source,
        rows_read=rows_read,
        records=len(ties),
        counts=counts,
        notes=tuple(notes),
    )
    new_people = pd.DataFrame({"person_id": pd.Series(created, dtype=str)})
    attrs = pd.DataFrame()
    if nodes is not None and len(nodes.columns.difference(["person_id", ROW])):
        attrs = nodes.drop(columns=[ROW]).assign(
            person_id=_id_text(nodes["person_id"]).map(lookup).astype(str)
        )
        attrs = attrs.drop_duplicates("person_id", keep="last").reset_index(drop=True)
    return TiesLoad(ties=ties, new_people=new_people, report=report, people=attrs)


def _sum_duplicates(edges: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "source": edges["source"].astype(str),
            "target": edges["target"].astype(str),
            "kind": edges["kind"].astype(str),
            "weight": edges["weight"].astype(float),
        }
    )
    for col in ("window_start", "window_end"):
        frame[col] = (
            edges[col].astype("datetime64[ns]")
            if col in edges.columns
            else pd.Series(pd.NaT, index=edges.index, dtype="datetime64[ns]")
        )
    grouped = frame.groupby(["source", "target", "kind"], sort=False, as_index=False).agg(
        weight=("weight", "sum"),
        window_start=("window_start", "min"),
        window_end=("window_end", "max"),
    )
    return grouped[list(TIES_COLUMNS)].reset_index(drop=True)


def _headers(before: pd.DataFrame, after: pd.DataFrame) -> dict[str, str]:
    """Canonical column → the header as the file spells it (rename keeps the order)."""
    return {str(a): str(b) for a, b in zip(after.columns, before.columns, strict=True)}


def read_edge_list(
    path: str | Path,
    *,
    people: pd.DataFrame | None = None,
    kind: str = DEFAULT_TIE_KIND,
    strict: bool = False,
    mapping: Mapping[str, str] | None = None,
    directed: bool = True,
    sheet: str | None = None,
    encoding: str | None = None,
) -> TiesLoad:
    """Read an edge list: ``source,target[,weight][,kind][,window_start][,window_end]``.

    Also understood: ``from/to``, ``ego/alter``, ``sender/receiver`` …, and Gephi's edge
    table (``Source,Target,Type,Weight``; ``Type`` = ``Undirected`` gives both directions).
    Weight defaults to 1 and kind to ``kind``; ``directed=False`` reads every row both ways.

    Parameters
    ----------
    path : str or Path
        CSV/TSV (any of , ; tab |), XLSX, Parquet or JSON Lines file.
    people : DataFrame, optional
        Known people (``person_id``, optionally ``email``); endpoints match either.
    kind : str
        Kind of the ties when the file has no kind column (or leaves it blank).
    strict : bool
        Refuse endpoints that are not known people instead of creating them.
    mapping : Mapping[str, str], optional
        ``{"Header in file": "source"}`` for headers the aliases do not cover.

    Returns
    -------
    TiesLoad
        The ties (``TIES_COLUMNS``), the people created and the load report.

    Raises
    ------
    InputError
        ``MissingColumnError``, ``FileFormatError`` or ``ValidationError``, listing every
        bad row (blank endpoint, weight not a number above 0, bad date, unknown person).

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "ties.csv"
    >>> _ = p.write_text("from,to,weight\\nP1,P2,3\\nP2,P3,\\nP1,P2,1\\n")
    >>> load = read_edge_list(p, people=pd.DataFrame({"person_id": ["P1", "P2"]}))
    >>> load.ties[["source", "target", "kind", "weight"]].values.tolist()
    [['P1', 'P2', 'collaboration', 4.0], ['P2', 'P3', 'collaboration', 1.0]]
    >>> load.new_people["person_id"].tolist(), load.report.counts["duplicates_summed"]
    (['P3'], 1)
    """
    table = read_table(path, sheet=sheet, encoding=encoding)
    frame = rename_columns(table, canonical=TIES_COLUMNS, aliases=EDGE_ALIASES, mapping=mapping)
    headers = _headers(table.frame, frame)
    typed = [c for c in frame.columns if header_key(c) == "type"]
    if "kind" not in frame.columns and len(typed) == 1:  # a kind, or Gephi's direction
        frame = frame.rename(columns={typed[0]: "kind"})
        headers["kind"] = headers.pop(typed[0])
    require_columns(frame, ["source", "target"], source=table.source)
    rows = frame[ROW].to_numpy()
    problems: list[Problem] = []
    for col in ("source", "target"):
        blank = (_id_text(frame[col]).fillna("") == "").to_numpy()
        problems += [
            Problem(
                f"{col} is empty",
                row=int(r),
                column=headers[col],
                fix=f"write the person's id or email in {headers[col]}, or delete the row",
            )
            for r in rows[blank]
        ]
    edges = frame[["source", "target", ROW]].copy()
    edges[UNDIRECTED] = not directed
    kinds = pd.Series("", index=frame.index)
    if "kind" in frame.columns:
        words = frame["kind"].astype("string").str.strip().str.lower().fillna("")
        if words.isin(set(_DIRECTIONS) | {""}).all():  # Gephi's Type column: a direction
            edges[UNDIRECTED] = words.map(_DIRECTIONS).fillna(not directed).astype(bool)
        else:
            kinds = frame["kind"]
    edges["kind"] = normalise_kind(kinds, kind)
    edges["weight"] = (
        parse_weights(frame["weight"], column=headers["weight"], rows=rows, problems=problems)
        if "weight" in frame.columns
        else 1.0
    )
    for col in ("window_start", "window_end"):
        if col in frame.columns:
            edges[col] = parse_date(frame[col], column=headers[col], rows=rows, problems=problems)
    if problems:
        raise ValidationError(table.source, sorted(problems, key=lambda p: p.row or 0))
    return assemble_ties(
        edges,
        source=table.source,
        people=people,
        strict=strict,
        rows_read=len(frame),
        columns=(headers["source"], headers["target"]),
        notes=table.notes,
    )


def _read_graph(
    path: str | Path,
    fmt: str,
    *,
    people: pd.DataFrame | None,
    kind: str,
    strict: bool,
    mapping: Mapping[str, str] | None,
) -> TiesLoad:
    path = Path(path)
    parse = parse_graphml if fmt == "graphml" else parse_gexf
    graph = parse(path, mapping=mapping or {}, people_columns=PEOPLE_COLUMNS[1:])
    source = str(path)
    problems: list[Problem] = []
    edges = graph.edges
    rows = edges[ROW].to_numpy()
    for col in ("source", "target"):
        blank = (edges[col].fillna("") == "").to_numpy()
        problems += [
            Problem(
                f"the edge has no {col}",
                row=int(r),
                column=col,
                fix=f"give the edge a {col} node id",
            )
            for r in rows[blank]
        ]
    no_id = (graph.nodes["person_id"].fillna("") == "").to_numpy()
    problems += [
        Problem("the node has no id", row=int(r), column="id", fix="give every node an id")
        for r in graph.nodes[ROW].to_numpy()[no_id]
    ]
    edges["weight"] = parse_weights(
        edges["weight"], column=graph.headers.get("weight", "weight"), rows=rows, problems=problems
    )
    edges["kind"] = normalise_kind(edges["kind"], kind)
    for col in ("window_start", "window_end"):
        if col in edges.columns:
            edges[col] = parse_date(
                edges[col], column=graph.headers.get(col, col), rows=rows, problems=problems
            )
    nodes = typed_attributes(graph.nodes, problems=problems, headers=graph.headers)
    nodes[ROW] = graph.nodes[ROW].to_numpy()
    if problems:
        raise ValidationError(source, sorted(problems, key=lambda p: p.row or 0))
    counts = {"nodes": len(nodes), "edges": len(edges)}
    return assemble_ties(
        edges,
        source=source,
        people=people,
        strict=strict,
        rows_read=len(edges),
        nodes=nodes,
        counts=counts,
        notes=graph.notes,
    )


def read_graphml(
    path: str | Path,
    *,
    people: pd.DataFrame | None = None,
    kind: str = DEFAULT_TIE_KIND,
    strict: bool = False,
    mapping: Mapping[str, str] | None = None,
) -> TiesLoad:
    """Read a GraphML file (networkx, Gephi, yEd, igraph): nodes are people, edges ties.

    Node attributes named like people columns (``name``, ``email``, ``department`` …;
    ``label`` counts as ``name``) come back in ``TiesLoad.people``. Edge ``weight`` and
    ``kind`` (or ``relation``/``type``/``label``) are read; an undirected graph (or edge)
    gives a tie each way. Messages give the file's line as the row.

    Parameters
    ----------
    path : str or Path
        The ``.graphml`` file.
    people, kind, strict, mapping
        As in :func:`read_edge_list`; ``mapping`` maps attribute names
        (``{"Dept": "department", "strength": "weight"}``).

    Returns
    -------
    TiesLoad

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "g.graphml"
    >>> _ = p.write_text('''<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
    ... <key id="d0" for="node" attr.name="label" attr.type="string"/>
    ... <key id="d1" for="edge" attr.name="weight" attr.type="double"/>
    ... <graph edgedefault="undirected">
    ... <node id="P1"><data key="d0">Ann</data></node><node id="P2"/>
    ... <edge source="P1" target="P2"><data key="d1">2</data></edge>
    ... </graph></graphml>''')
    >>> load = read_graphml(p)
    >>> load.ties[["source", "target", "weight"]].values.tolist()
    [['P1', 'P2', 2.0], ['P2', 'P1', 2.0]]
    >>> load.people[["person_id", "name"]].values.tolist()
    [['P1', 'Ann'], ['P2', <NA>]]
    """
    return _read_graph(path, "graphml", people=people, kind=kind, strict=strict, mapping=mapping)


def read_gexf(
    path: str | Path,
    *,
    people: pd.DataFrame | None = None,
    kind: str = DEFAULT_TIE_KIND,
    strict: bool = False,
    mapping: Mapping[str, str] | None = None,
) -> TiesLoad:
    """Read a GEXF file (Gephi; versions 1.1–1.3): nodes are people, edges ties.

    The node ``label`` is the person's name unless a ``name`` attribute exists; other node
    attributes named like people columns come back in ``TiesLoad.people``. Edge ``weight``,
    ``kind`` (GEXF 1.3), a ``kind``/``relation``/``type`` attribute, or else the edge
    ``label`` give weight and kind; undirected and mutual edges give a tie each way.

    Parameters
    ----------
    path : str or Path
        The ``.gexf`` file.
    people, kind, strict, mapping
        As in :func:`read_graphml`.

    Returns
    -------
    TiesLoad

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "g.gexf"
    >>> _ = p.write_text('''<gexf xmlns="http://gexf.net/1.3" version="1.3">
    ... <graph defaultedgetype="directed"><nodes>
    ... <node id="P1" label="Ann"/><node id="P2" label="Bo"/></nodes>
    ... <edges><edge source="P1" target="P2" weight="3" kind="advice"/></edges>
    ... </graph></gexf>''')
    >>> read_gexf(p).ties[["source", "target", "kind", "weight"]].values.tolist()
    [['P1', 'P2', 'advice', 3.0]]
    """
    return _read_graph(path, "gexf", people=people, kind=kind, strict=strict, mapping=mapping)


def read_ties(path: str | Path, **kwargs: Any) -> TiesLoad:
    """Read ties from any supported file, chosen by extension.

    ``.csv .tsv .txt .xlsx .parquet .jsonl`` → :func:`read_edge_list`, ``.graphml`` →
    :func:`read_graphml`, ``.gexf`` → :func:`read_gexf`; keyword arguments pass through.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "ties.tsv"
    >>> _ = p.write_text("source\\ttarget\\tkind\\nP1\\tP2\\tAdvice\\n")
    >>> read_ties(p).ties["kind"].tolist()
    ['advice']
    """
    suffix = Path(path).suffix.lower()
    if suffix in _TABLE_SUFFIXES:
        return read_edge_list(path, **kwargs)
    if suffix in {".graphml", ".xml"}:
        return read_graphml(path, **kwargs)
    if suffix == ".gexf":
        return read_gexf(path, **kwargs)
    raise FileFormatError(
        str(path),
        Problem(
            f"peerweave does not read {suffix or 'files without an extension'} as ties",
            fix="use .csv, .tsv, .xlsx, .parquet, .jsonl, .graphml or .gexf",
        ),
    )
