"""Stream GraphML and GEXF into edge and node tables, keeping each element's line (stdlib expat)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

import numpy as np
import pandas as pd

from peerweave.errors import FileFormatError, MissingColumnError, Problem
from peerweave.ingest.tabular import header_key
from peerweave.org.schema import ROW, parse_bool, parse_date, parse_int, parse_timezone

__all__ = ["EDGE_COLUMNS", "XmlGraph", "parse_gexf", "parse_graphml", "typed_attributes"]

#: Edge columns read from graph files.
EDGE_COLUMNS = ("weight", "kind", "window_start", "window_end")
#: Node attribute names (``header_key`` form) that mean a people column; rank 2.
NODE_ALIASES: dict[str, str] = {
    **dict.fromkeys(["full_name", "display_name"], "name"),
    **dict.fromkeys(["mail", "e_mail", "email_address"], "email"),
    **dict.fromkeys(["manager", "reports_to", "supervisor_id"], "manager_id"),
    **dict.fromkeys(["dept", "organization", "organisation", "org"], "department"),
    **dict.fromkeys(["job_title", "role"], "title"),
    **dict.fromkeys(["city", "office", "site"], "location"),
    **dict.fromkeys(["time_zone", "tz"], "timezone"),
    **dict.fromkeys(["start_date", "hired"], "hire_date"),
}
#: Edge attribute names that mean a tie column, with their rank (lower wins).
EDGE_ALIASES: dict[str, tuple[str, int]] = {
    **dict.fromkeys(["strength", "value", "w", "count", "frequency"], ("weight", 2)),
    **dict.fromkeys(["tie_kind", "tie_type", "relation", "relationship"], ("kind", 2)),
    "type": ("kind", 3),
    **dict.fromkeys(["label", "edge_label", "edgelabel"], ("kind", 4)),
    "start": ("window_start", 2),
    "end": ("window_end", 2),
}


@dataclass
class XmlGraph:
    """What a graph file holds: nodes (``person_id``, people attributes, ``_row``), edges
    (``source``, ``target``, text of :data:`EDGE_COLUMNS`, ``_undirected``, ``_row``),
    the attribute name behind each column (``headers``) and notes. ``_row`` is the line."""

    nodes: pd.DataFrame
    edges: pd.DataFrame
    headers: dict[str, str] = field(default_factory=dict)
    notes: list[Problem] = field(default_factory=list)


_LOCAL: dict[str, str] = {}


def _local(name: str) -> str:
    """Element name without its namespace prefix (cached: a file uses few names)."""
    tag = _LOCAL.get(name)
    if tag is None:
        tag = _LOCAL.setdefault(name, name.rpartition(":")[2])
    return tag


class _Reader:
    """Collects nodes and edges from expat callbacks; the format's start handler fills it."""

    def __init__(
        self, source: str, fmt: str, mapping: Mapping[str, str], people_columns: Sequence[str]
    ) -> None:
        self.source, self.fmt = source, fmt
        self.mapping = dict(mapping)
        self.people_columns = set(people_columns)
        self.parser = expat.ParserCreate()
        self.parser.buffer_text = True
        self.root: str | None = None
        # key id -> (domain "node"/"edge"/"all", attribute name)
        self.keys: dict[str, tuple[str, str]] = {}
        self.defaults: dict[str, str] = {}
        self.maps: dict[str, dict[str, tuple[str, int]]] | None = None
        self.headers: dict[str, str] = {}
        self.node_ids: list[str] = []
        self.node_rows: list[int] = []
        self.node_vals: list[dict[str, str]] = []
        self.edge_cols: dict[str, list[str | None]] = {c: [] for c in ("source", "target")}
        self.edge_cols.update({c: [] for c in EDGE_COLUMNS})
        self.edge_rows: list[int] = []
        self.edge_undirected: list[bool] = []
        self.undirected_default: list[bool] = [False]
        self.stack: list[tuple[str, dict[str, tuple[int, str]]]] = []
        self.text: list[str] | None = None
        self.text_for: str | None = None  # key id (data/attvalue) or "default:<id>"
        self.ignored = 0
        self.unread: list[str] = []

    # -- key declarations -------------------------------------------------------------
    def _rank(self, domain: str, name: str) -> tuple[str, int] | None:
        if name in self.mapping:
            return self.mapping[name], 0
        key = header_key(name)
        if domain == "node":
            if key in self.people_columns:
                return key, 1
            if key in NODE_ALIASES:
                return NODE_ALIASES[key], 2
            return ("name", 3) if key == "label" else None
        if key in EDGE_COLUMNS:
            return key, 1
        return EDGE_ALIASES.get(key)

    def _build_maps(self) -> dict[str, dict[str, tuple[str, int]]]:
        """Per domain: key id -> (column, rank); ``headers`` names the best key per column."""
        known = self.people_columns | set(EDGE_COLUMNS)
        for name, column in self.mapping.items():
            if column not in known:
                raise MissingColumnError(
                    self.source,
                    Problem(
                        f"mapping names column {column!r}, which peerweave does not know",
                        column=name,
                        fix=f"map to one of {', '.join(sorted(known))}",
                    ),
                )
        declared = {name for _, name in self.keys.values()}
        for name in self.mapping:
            if name not in declared and name not in {"@label", "@weight", "@kind"}:
                raise MissingColumnError(
                    self.source,
                    Problem(
                        f"mapping names attribute {name!r}, which the file does not declare "
                        f"(it has {', '.join(map(repr, sorted(declared))) or 'none'})",
                        column=name,
                        fix="copy the attribute name exactly as in the file",
                    ),
                )
        maps: dict[str, dict[str, tuple[str, int]]] = {"node": {}, "edge": {}}
        for domain, found in maps.items():
            best: dict[str, tuple[int, str, str]] = {}
            for kid, (dom, name) in self.keys.items():
                if dom not in (domain, "all"):
                    continue
                ranked = self._rank(domain, name)
                if ranked and (ranked[0] not in best or ranked[1] < best[ranked[0]][0]):
                    best[ranked[0]] = (ranked[1], kid, name)
            for kid, (dom, name) in self.keys.items():
                ranked = self._rank(domain, name) if dom in (domain, "all") else None
                if ranked:  # all kept: a lower-ranked key fills in where a better one is absent
                    found[kid] = ranked
            for column, (_, _, name) in best.items():
                self.headers.setdefault(column, name.lstrip("@"))
            self.unread += [
                f"{domain} {name}"
                for kid, (dom, name) in self.keys.items()
                if dom in (domain, "all") and kid not in found and not name.startswith("@")
            ]
        return maps

    def declare(self, kid: str, domain: str, name: str) -> None:
        self.keys[kid] = (domain, name)

    # -- nodes and edges ----------------------------------------------------------------
    def open_item(self, tag: str) -> None:
        if self.maps is None:
            self.maps = self._build_maps()
        self.stack.append((tag, {}))

    def set_value(self, kid: str, value: str | None) -> None:
        if not self.stack or value is None or self.maps is None:
            return
        tag, values = self.stack[-1]
        hit = self.maps[tag].get(kid)
        if hit and (hit[0] not in values or hit[1] <= values[hit[0]][0]):
            values[hit[0]] = (hit[1], value.strip())

    def _defaults(self, tag: str, values: dict[str, tuple[int, str]]) -> None:
        assert self.maps is not None
        for kid, (column, rank) in self.maps[tag].items():
            if kid in self.defaults and column not in values:
                values[column] = (rank, self.defaults[kid])

    def add_node(self, node_id: str | None, row: int, attrs: Mapping[str, str | None]) -> None:
        self.open_item("node")
        self.node_ids.append(node_id or "")
        self.node_rows.append(row)
        for kid, value in attrs.items():
            self.set_value(kid, value)

    def close_node(self) -> None:
        _, values = self.stack.pop()
        self._defaults("node", values)
        self.node_vals.append({c: v for c, (_, v) in values.items()})

    def add_edge(self, source: str | None, target: str | None, row: int, undirected: bool) -> None:
        self.open_item("edge")
        self.edge_cols["source"].append(source)
        self.edge_cols["target"].append(target)
        self.edge_rows.append(row)
        self.edge_undirected.append(undirected)

    def close_edge(self) -> None:
        _, values = self.stack.pop()
        self._defaults("edge", values)
        for col in EDGE_COLUMNS:
            self.edge_cols[col].append(values[col][1] if col in values else None)

    # -- expat callbacks ------------------------------------------------------------------
    def chars(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def collect(self, target: str) -> None:
        self.text, self.text_for = [], target

    def finish_text(self) -> None:
        if self.text is None or self.text_for is None:
            return
        value = "".join(self.text)
        if self.text_for.startswith("default:"):
            self.defaults[self.text_for[8:]] = value.strip()
        else:
            self.set_value(self.text_for, value)
        self.text = self.text_for = None

    def check_root(self, tag: str) -> None:
        if self.root is None:
            self.root = tag
            if tag != self.fmt:
                raise FileFormatError(
                    self.source,
                    Problem(
                        f"is not a {self.fmt.upper()} file: its first element is <{tag}>",
                        row=self.parser.CurrentLineNumber,
                        fix=f"export the graph as {self.fmt.upper()}, or use the reader "
                        "for the file's format",
                    ),
                )

    def result(self) -> XmlGraph:
        if self.maps is None:
            self.maps = self._build_maps()
        nodes = pd.DataFrame(self.node_vals, index=range(len(self.node_ids)), dtype=object)
        nodes.insert(0, "person_id", pd.Series(self.node_ids, dtype=object))
        nodes[ROW] = self.node_rows
        edges = pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in self.edge_cols.items()})
        edges = edges.dropna(axis=1, how="all").reindex(
            columns=[
                "source",
                "target",
                "weight",
                "kind",
                *[c for c in EDGE_COLUMNS[2:] if c in edges.columns],
            ]
        )
        edges["_undirected"] = pd.Series(self.edge_undirected, dtype=bool)
        edges[ROW] = pd.Series(self.edge_rows, dtype="int64")
        notes = []
        if self.unread:
            notes.append(
                Problem(
                    f"attributes not read: {', '.join(self.unread)}",
                    fix='map one to a people column with mapping={"attribute": "column"}',
                )
            )
        if self.ignored:
            notes.append(Problem(f"{self.ignored} hyperedges left out (only pairs are ties)"))
        return XmlGraph(nodes=nodes, edges=edges, headers=self.headers, notes=notes)


def _graphml_handlers(r: _Reader) -> tuple[Callable[..., None], Callable[[str], None]]:
    def start(name: str, attrs: dict[str, str]) -> None:
        tag = _local(name)
        r.check_root(tag)
        line = r.parser.CurrentLineNumber
        if tag == "key":
            kid = attrs.get("id", "")
            if "attr.name" in attrs:  # yEd's graphics keys have none: nothing to read
                r.declare(kid, attrs.get("for", "all"), attrs["attr.name"])
            r.text_for = f"default:{kid}"
        elif tag == "default" and r.text_for and r.text_for.startswith("default:"):
            r.collect(r.text_for)
        elif tag == "graph":
            r.undirected_default.append(attrs.get("edgedefault", "directed") == "undirected")
        elif tag == "node":
            r.add_node(attrs.get("id"), line, {})
        elif tag == "edge":
            directed = attrs.get("directed")
            undirected = r.undirected_default[-1] if directed is None else directed == "false"
            r.add_edge(attrs.get("source"), attrs.get("target"), line, undirected)
        elif tag == "data" and r.stack:
            r.collect(attrs.get("key", ""))
        elif tag == "hyperedge":
            r.ignored += 1

    def end(name: str) -> None:
        tag = _local(name)
        if tag in ("data", "default"):
            r.finish_text()
        elif tag == "node":
            r.close_node()
        elif tag == "edge":
            r.close_edge()
        elif tag == "graph":
            r.undirected_default.pop()
        elif tag == "key":
            r.text_for = None

    return start, end


def _gexf_handlers(r: _Reader) -> tuple[Callable[..., None], Callable[[str], None]]:
    domain = ["node"]

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = _local(name)
        r.check_root(tag)
        line = r.parser.CurrentLineNumber
        if tag == "graph":
            r.undirected_default.append(
                attrs.get("defaultedgetype", "directed") in ("undirected", "mutual")
            )
            for dom, key in (
                ("node", "label"),
                ("edge", "weight"),
                ("edge", "kind"),
                ("edge", "label"),
            ):
                r.declare(f"@{dom}:{key}", dom, f"@{key}")
        elif tag == "attributes":
            domain[0] = attrs.get("class", "node")
        elif tag == "attribute":
            kid = f"{domain[0]}:{attrs.get('id', '')}"
            r.declare(kid, domain[0], attrs.get("title", attrs.get("id", "")))
            r.text_for = f"default:{kid}"
        elif tag == "default" and r.text_for and r.text_for.startswith("default:"):
            r.collect(r.text_for)
        elif tag == "node":
            r.add_node(attrs.get("id"), line, {"@node:label": attrs.get("label")})
        elif tag == "edge":
            kind = attrs.get("type")
            undirected = r.undirected_default[-1] if kind is None else kind != "directed"
            r.add_edge(attrs.get("source"), attrs.get("target"), line, undirected)
            for key in ("weight", "kind", "label"):
                if key in attrs:
                    r.set_value(f"@edge:{key}", attrs[key])
        elif tag == "attvalue" and r.stack:
            r.set_value(
                f"{r.stack[-1][0]}:{attrs.get('for', attrs.get('id', ''))}", attrs.get("value")
            )

    def end(name: str) -> None:
        tag = _local(name)
        if tag == "default":
            r.finish_text()
        elif tag == "node":
            r.close_node()
        elif tag == "edge":
            r.close_edge()
        elif tag == "graph":
            r.undirected_default.pop()
        elif tag == "attribute":
            r.text_for = None

    return start, end


def _parse(path: Path, fmt: str, mapping: Mapping[str, str], columns: Sequence[str]) -> XmlGraph:
    source = str(path)
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "no such file"
        raise FileFormatError(source, Problem(what, fix="check the path"))
    if path.stat().st_size == 0:
        raise FileFormatError(source, Problem("the file is empty", fix="export the graph again"))
    reader = _Reader(source, fmt, mapping, columns)
    start, end = (_graphml_handlers if fmt == "graphml" else _gexf_handlers)(reader)
    reader.parser.StartElementHandler = start
    reader.parser.EndElementHandler = end
    reader.parser.CharacterDataHandler = reader.chars
    try:
        with path.open("rb") as handle:
            reader.parser.ParseFile(handle)
    except expat.ExpatError as exc:
        raise FileFormatError(
            source,
            Problem(
                f"is not readable {fmt.upper()}: {expat.ErrorString(exc.code)} "
                f"at column {exc.offset + 1}",
                row=exc.lineno,
                fix="repair the file at that line, or export the graph again",
            ),
        ) from None
    graph = reader.result()
    if graph.nodes.empty and graph.edges.empty:
        raise FileFormatError(
            source, Problem("has no nodes and no edges", fix="export the graph with its edges")
        )
    return graph


def parse_graphml(
    path: Path, *, mapping: Mapping[str, str], people_columns: Sequence[str]
) -> XmlGraph:
    """Read a GraphML file into node and edge tables (rows are lines).

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "g.graphml"
    >>> _ = p.write_text('<graphml><graph edgedefault="directed">'
    ...                  '<node id="a"/><edge source="a" target="b"/></graph></graphml>')
    >>> g = parse_graphml(p, mapping={}, people_columns=["name"])
    >>> g.edges[["source", "target", "_undirected"]].values.tolist()
    [['a', 'b', False]]
    """
    return _parse(path, "graphml", mapping, people_columns)


def parse_gexf(
    path: Path, *, mapping: Mapping[str, str], people_columns: Sequence[str]
) -> XmlGraph:
    """Read a GEXF file into node and edge tables (rows are lines).

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "g.gexf"
    >>> _ = p.write_text('<gexf><graph defaultedgetype="undirected"><nodes>'
    ...                  '<node id="a" label="Ann"/></nodes>'
    ...                  '<edges><edge source="a" target="b" weight="2"/></edges></graph></gexf>')
    >>> g = parse_gexf(p, mapping={}, people_columns=["name"])
    >>> g.nodes[["person_id", "name"]].values.tolist(), g.edges["weight"].tolist()
    ([['a', 'Ann']], ['2'])
    """
    return _parse(path, "gexf", mapping, people_columns)


def typed_attributes(
    frame: pd.DataFrame, *, problems: list[Problem], headers: Mapping[str, str]
) -> pd.DataFrame:
    """Parse people attribute columns (text) to their types: level, hire_date, opted_out, timezone.

    ``headers`` names each canonical column as the file spells it, for messages.

    >>> probs: list[Problem] = []
    >>> f = pd.DataFrame({"person_id": ["a"], "level": ["3"], "name": [" Ann "], ROW: [4]})
    >>> out = typed_attributes(f, problems=probs, headers={})
    >>> out["level"].tolist(), out["name"].tolist()
    ([3], ['Ann'])
    """
    rows = frame[ROW].to_numpy() if ROW in frame.columns else np.arange(len(frame)) + 2
    out = pd.DataFrame(index=frame.index)
    parsers = {"level": parse_int, "hire_date": parse_date, "timezone": parse_timezone}
    for col in [c for c in frame.columns if c != ROW]:
        name, values = headers.get(col, col), frame[col]
        if col in parsers:
            out[col] = parsers[col](values, column=name, rows=rows, problems=problems)
        elif col == "opted_out":
            out[col] = parse_bool(values, column=name, rows=rows, problems=problems)
        else:
            text = values.astype("string").str.strip()
            out[col] = text.where(text != "")
    return out.reset_index(drop=True)
