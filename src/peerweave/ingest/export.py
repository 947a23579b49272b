"""Write people, ties and metrics out: GEXF and GraphML for Gephi/networkx, tables for the rest."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Literal

import numpy as np
import pandas as pd

from peerweave.errors import InputError, Problem
from peerweave.org.schema import TIES_COLUMNS

__all__ = ["write_gexf", "write_graphml", "write_table"]

_CHUNK = 100_000
_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "\n": "&#10;",
    "\r": "&#13;",
    "\t": "&#9;",
}
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"  # not allowed in XML 1.0
_SPECIAL = r'[&<>"\n\r\t\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]'
_GEXF_NS = {
    "1.3": ("http://gexf.net/1.3", "1.3"),
    "1.2draft": ("http://www.gexf.net/1.2draft", "1.2"),
}


def _escape(values: pd.Series) -> pd.Series:
    text = values.astype(str)
    needs = text.str.contains(_SPECIAL, regex=True).to_numpy(dtype=bool)
    if needs.any():  # most ids and names need nothing: escape only the few that do
        some = text[needs].str.replace(_CONTROL, "", regex=True)
        for char, entity in _ESCAPES.items():
            some = some.str.replace(char, entity, regex=False)
        text = text.astype(object)
        text[needs] = some.to_numpy(dtype=object)
    return text


def _iso(values: pd.Series) -> pd.Series:
    """Dates as ``YYYY-MM-DD`` (with ``THH:MM:SS`` only when some value has a time)."""
    stamps = pd.to_datetime(values)
    if stamps.dt.tz is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    has_time = bool((stamps.dropna() != stamps.dropna().dt.normalize()).any())
    text = stamps.dt.strftime("%Y-%m-%dT%H:%M:%S" if has_time else "%Y-%m-%d")
    return text.where(stamps.notna())


def _typed(values: pd.Series) -> tuple[str, pd.Series]:
    """XML type and text of a column (text NA where the value is missing)."""
    missing = values.isna()
    if pd.api.types.is_bool_dtype(values):
        text = values.map({True: "true", False: "false"})
        kind = "boolean"
    elif pd.api.types.is_integer_dtype(values):
        kind, text = "long", values.astype("Int64").astype("string")
    elif pd.api.types.is_float_dtype(values):
        kind, text = "double", values.astype(float).map(repr)
    elif pd.api.types.is_datetime64_any_dtype(values):
        kind, text = "string", _iso(values)
    else:
        kind, text = "string", _escape(values.astype("string").fillna(""))
    return kind, text.astype(object).where(~missing.to_numpy(), None)


def _nodes(people: pd.DataFrame, ties: pd.DataFrame, metrics: pd.DataFrame | None) -> pd.DataFrame:
    """People (hidden ``_`` columns dropped) with metrics joined; tie endpoints not in people
    added with only an id."""
    nodes = people[[c for c in people.columns if not str(c).startswith("_")]].copy()
    nodes["person_id"] = nodes["person_id"].astype(str)
    nodes = nodes.drop_duplicates("person_id", keep="last")
    if metrics is not None:
        extra = [
            c for c in metrics.columns if c not in nodes.columns and not str(c).startswith("_")
        ]
        joined = metrics.assign(person_id=metrics["person_id"].astype(str))
        joined = joined.drop_duplicates("person_id", keep="last").set_index("person_id")[extra]
        nodes = nodes.join(joined, on="person_id")
        for col in extra:  # the join leaves gaps: keep integers and flags typed
            if pd.api.types.is_bool_dtype(metrics[col]):
                nodes[col] = nodes[col].astype("boolean")
            elif pd.api.types.is_integer_dtype(metrics[col]):
                nodes[col] = nodes[col].astype("Int64")
    ends = pd.unique(np.concatenate([ties["source"].astype(str), ties["target"].astype(str)]))
    missing = pd.Index(ends).difference(pd.Index(nodes["person_id"]), sort=False)
    if len(missing):
        dtypes = nodes.dtypes
        nodes = pd.concat([nodes, pd.DataFrame({"person_id": missing})], ignore_index=True)
        for name, dtype in dtypes.items():
            if pd.api.types.is_bool_dtype(dtype):
                nodes[name] = nodes[name].astype("boolean")
            elif pd.api.types.is_integer_dtype(dtype):
                nodes[name] = nodes[name].astype("Int64")
    return nodes.reset_index(drop=True)


def _edge_columns(ties: pd.DataFrame) -> list[str]:
    cols = ["kind"] + [c for c in ("window_start", "window_end") if ties[c].notna().any()]
    return cols + [c for c in ties.columns if c not in TIES_COLUMNS and not str(c).startswith("_")]


def _chunks(frame: pd.DataFrame) -> Iterator[pd.DataFrame]:
    for start in range(0, len(frame), _CHUNK):
        yield frame.iloc[start : start + _CHUNK]


def _concat(parts: list[pd.Series | str], index: pd.Index) -> pd.Series:
    out = pd.Series("", index=index, dtype=object)
    for part in parts:
        out = out + (part if isinstance(part, str) else part.fillna(""))
    return out


def _check(people: pd.DataFrame, ties: pd.DataFrame, path: Path) -> None:
    missing = [c for c in ("source", "target", "weight") if c not in ties.columns]
    if "person_id" not in people.columns or missing:
        raise InputError(
            str(path),
            Problem(
                f"cannot write a graph: people need person_id and ties need {missing}",
                fix="pass the frames the readers return",
            ),
        )


def write_graphml(
    path: str | Path,
    people: pd.DataFrame,
    ties: pd.DataFrame,
    *,
    metrics: pd.DataFrame | None = None,
) -> None:
    """Write a directed, weighted GraphML file (networkx, Gephi, yEd, igraph, Cytoscape).

    Every person column (and every ``metrics`` column, joined on ``person_id``) becomes a
    typed node attribute, plus ``label`` = name; edges carry ``weight``, ``kind`` and the
    window when known. Missing values are left out, not written as ``nan``.

    Parameters
    ----------
    path : str or Path
        The ``.graphml`` file to write.
    people : DataFrame
        People with ``person_id`` and any other columns.
    ties : DataFrame
        Ties with ``TIES_COLUMNS``; endpoints missing from ``people`` get an id-only node.
    metrics : DataFrame, optional
        Per-person numbers with ``person_id``; columns already in ``people`` are skipped.

    Examples
    --------
    >>> import tempfile, networkx as nx
    >>> p = Path(tempfile.mkdtemp()) / "g.graphml"
    >>> people = pd.DataFrame({"person_id": ["P1", "P2"], "name": ["Ann", None]})
    >>> ties = pd.DataFrame({"source": ["P1"], "target": ["P2"], "kind": ["advice"],
    ...                      "weight": [2.0], "window_start": [pd.NaT], "window_end": [pd.NaT]})
    >>> write_graphml(p, people, ties, metrics=pd.DataFrame({"person_id": ["P1"], "degree": [1]}))
    >>> g = nx.read_graphml(p)
    >>> dict(g.nodes["P1"]), dict(g.nodes["P2"]), dict(g.edges["P1", "P2"])
    ({'name': 'Ann', 'degree': 1, 'label': 'Ann'}, {}, {'weight': 2.0, 'kind': 'advice'})
    """
    path = Path(path)
    _check(people, ties, path)
    nodes = _nodes(people, ties, metrics)
    node_cols = [c for c in nodes.columns if c != "person_id"]
    if "name" in nodes.columns:
        nodes["label"] = nodes["name"]
        node_cols.append("label")
    edge_cols = ["weight", *_edge_columns(ties)]
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
            'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
        )
        for prefix, frame, cols, domain in (
            ("n", nodes, node_cols, "node"),
            ("e", ties, edge_cols, "edge"),
        ):
            for i, col in enumerate(cols):
                kind, _ = _typed(frame[col].iloc[:0])
                name = _escape(pd.Series([str(col)])).iloc[0]
                out.write(
                    f'<key id="{prefix}{i}" for="{domain}" attr.name="{name}" '
                    f'attr.type="{kind}"/>\n'
                )
        out.write('<graph id="peerweave" edgedefault="directed">\n')
        _write_items(
            out,
            nodes,
            node_cols,
            "n",
            lambda c: ['<node id="', _escape(c["person_id"]), '">'],
            "</node>\n",
        )
        _write_items(
            out,
            ties,
            edge_cols,
            "e",
            lambda c: [
                '<edge source="',
                _escape(c["source"]),
                '" target="',
                _escape(c["target"]),
                '">',
            ],
            "</edge>\n",
        )
        out.write("</graph>\n</graphml>\n")


def _write_items(
    out: IO[str],
    frame: pd.DataFrame,
    cols: list[str],
    prefix: str,
    head: Callable[[pd.DataFrame], list[pd.Series | str]],
    tail: str,
) -> None:
    for chunk in _chunks(frame):
        parts: list[pd.Series | str] = list(head(chunk))
        for i, col in enumerate(cols):
            _, text = _typed(chunk[col])
            parts.append(f'<data key="{prefix}{i}">' + text + "</data>")
        parts.append(tail)
        out.write("".join(_concat(parts, chunk.index).tolist()))


def write_gexf(
    path: str | Path,
    people: pd.DataFrame,
    ties: pd.DataFrame,
    *,
    metrics: pd.DataFrame | None = None,
    version: Literal["1.3", "1.2draft"] = "1.3",
) -> None:
    """Write a directed, weighted GEXF file for Gephi (0.9.3+ reads 1.3) and networkx.

    The node ``label`` is the name; every person column (and every ``metrics`` column)
    is a typed node attribute. Edges carry ``weight``, the ``kind`` (as an attribute and,
    in GEXF 1.3, as the edge kind, so Gephi keeps ties of different kinds apart) and the
    window when known. Missing values are left out, not written as ``nan``.

    Parameters
    ----------
    path : str or Path
        The ``.gexf`` file to write.
    people, ties, metrics
        As in :func:`write_graphml`.
    version : {"1.3", "1.2draft"}
        GEXF version; 1.2draft for Gephi releases before 0.9.3.

    Examples
    --------
    >>> import tempfile, networkx as nx
    >>> p = Path(tempfile.mkdtemp()) / "g.gexf"
    >>> people = pd.DataFrame({"person_id": ["P1", "P2"], "name": ["Ann", "Bo"]})
    >>> ties = pd.DataFrame({"source": ["P1"], "target": ["P2"], "kind": ["advice"],
    ...                      "weight": [2.0], "window_start": [pd.NaT], "window_end": [pd.NaT]})
    >>> write_gexf(p, people, ties)
    >>> g = nx.read_gexf(p)
    >>> g.nodes["P1"]["label"], g.edges["P1", "P2"]["weight"], g.edges["P1", "P2"]["kind"]
    ('Ann', 2.0, 'advice')
    """
    path = Path(path)
    _check(people, ties, path)
    ns, number = _GEXF_NS[version]
    nodes = _nodes(people, ties, metrics)
    node_cols = [c for c in nodes.columns if c != "person_id"]
    edge_cols = _edge_columns(ties)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(
            f'<?xml version="1.0" encoding="UTF-8"?>\n<gexf xmlns="{ns}" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xsi:schemaLocation="{ns} {ns}/gexf.xsd" version="{number}">\n'
            "<meta><creator>peerweave</creator></meta>\n"
            '<graph mode="static" defaultedgetype="directed">\n'
        )
        for domain, frame, cols in (("node", nodes, node_cols), ("edge", ties, edge_cols)):
            out.write(f'<attributes class="{domain}">\n')
            for i, col in enumerate(cols):
                kind, _ = _typed(frame[col].iloc[:0])
                title = _escape(pd.Series([str(col)])).iloc[0]
                out.write(f'<attribute id="{i}" title="{title}" type="{kind}"/>\n')
            out.write("</attributes>\n")
        out.write("<nodes>\n")
        for chunk in _chunks(nodes):
            parts: list[pd.Series | str] = ['<node id="', _escape(chunk["person_id"]), '"']
            if "name" in chunk.columns:
                _, name = _typed(chunk["name"])
                parts.append(' label="' + name + '"')
            _gexf_values(out, chunk, node_cols, parts, "</node>\n")
        out.write("</nodes>\n<edges>\n")
        for chunk in _chunks(ties):
            ids = pd.Series(
                np.arange(len(chunk)) + chunk.index.start
                if isinstance(chunk.index, pd.RangeIndex)
                else np.arange(len(chunk)),
                index=chunk.index,
            )
            parts = [
                '<edge id="',
                ids.astype(str),
                '" source="',
                _escape(chunk["source"]),
                '" target="',
                _escape(chunk["target"]),
                '" weight="',
                chunk["weight"].astype(float).map(repr),
                '"',
            ]
            if version == "1.3":
                parts += [' kind="', _escape(chunk["kind"]), '"']
            _gexf_values(out, chunk, edge_cols, parts, "</edge>\n")
        out.write("</edges>\n</graph>\n</gexf>\n")


def _gexf_values(
    out: IO[str], chunk: pd.DataFrame, cols: list[str], parts: list[pd.Series | str], end: str
) -> None:
    values: list[pd.Series | str] = []
    for i, col in enumerate(cols):
        _, text = _typed(chunk[col])
        values.append(f'<attvalue for="{i}" value="' + text + '"/>')
    body = _concat(values, chunk.index)
    has = body != ""
    body = ("><attvalues>" + body + "</attvalues>" + end.replace("\n", "")).where(has, "/>")
    out.write("".join((_concat([*parts, body], chunk.index) + "\n").tolist()))


def write_table(path: str | Path, frame: pd.DataFrame) -> None:
    """Write a frame as CSV, TSV, Parquet, JSON (records) or JSON Lines, chosen by extension.

    Dates are ISO 8601 (``2024-03-01``) in text formats, typed in Parquet; missing values
    are empty cells / ``null``; hidden columns (``_row``) are left out.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> f = pd.DataFrame({"person_id": ["P1", "P2"],
    ...                   "hire_date": pd.to_datetime(["2021-03-04", None]),
    ...                   "level": pd.array([3, None], dtype="Int64")})
    >>> write_table(d / "p.csv", f)
    >>> print((d / "p.csv").read_text())
    person_id,hire_date,level
    P1,2021-03-04,3
    P2,,
    <BLANKLINE>
    >>> write_table(d / "p.json", f)
    >>> (d / "p.json").read_text()
    '[{"person_id":"P1","hire_date":"2021-03-04","level":3},{"person_id":"P2","hire_date":null,"level":null}]'
    """
    path = Path(path)
    suffix = path.suffix.lower()
    frame = frame[[c for c in frame.columns if not str(c).startswith("_")]]
    if suffix == ".parquet":
        frame.reset_index(drop=True).to_parquet(path, index=False)
        return
    text = frame.copy()
    for col in text.columns:
        if pd.api.types.is_datetime64_any_dtype(text[col]):
            text[col] = _iso(text[col])
    if suffix in {".csv", ".tsv"}:
        text.to_csv(path, index=False, sep="\t" if suffix == ".tsv" else ",", lineterminator="\n")
    elif suffix in {".json", ".jsonl", ".ndjson"}:
        text.to_json(path, orient="records", lines=suffix != ".json", force_ascii=False)
    else:
        raise InputError(
            str(path),
            Problem(
                f"peerweave does not write {suffix or 'files without an extension'}",
                fix="name the file .csv, .tsv, .parquet, .json or .jsonl",
            ),
        )
