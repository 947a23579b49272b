"""Sections of text, tables and pictures turned into one self-contained HTML page.

The page carries everything it shows: the CSS is inline, pictures are PNG bytes embedded as
base64 ``data:`` URIs, and there is no script and no link to anything outside, so it opens
offline and travels as one file. Every text is HTML-escaped.

>>> page = render_report("Acme", [Section("Findings", paragraphs=("Ties <b>cross</b> silos.",),
...     tables=(Table("Groups", pd.DataFrame({"group": ["x"], "size": [12]})),))],
...     subtitle="as of 2025-03-03")
>>> "Ties &lt;b&gt;cross&lt;/b&gt; silos." in page, "<table" in page, "http" in page
(True, True, False)
"""

from __future__ import annotations

import base64
import html
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = [
    "Picture",
    "Section",
    "Table",
    "data_uri",
    "render_report",
    "table_html",
    "write_report",
]


@dataclass(frozen=True)
class Picture:
    """A picture: PNG bytes, with a caption (alt text too)."""

    png: bytes
    caption: str = ""


@dataclass(frozen=True)
class Table:
    """A titled table; ``note`` is printed under it (what it leaves out, and why)."""

    title: str
    frame: pd.DataFrame
    note: str = ""


@dataclass(frozen=True)
class Section:
    """One part of the report: a heading, paragraphs, pictures, tables, then bullet notes."""

    title: str
    paragraphs: tuple[str, ...] = ()
    pictures: tuple[Picture, ...] = ()
    tables: tuple[Table, ...] = ()
    notes: tuple[str, ...] = ()


_CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1d1d1f;
max-width:1060px;margin:2rem auto;padding:0 1.2rem;line-height:1.45}
h1{font-size:1.8rem;margin-bottom:.2rem}h2{font-size:1.35rem;border-bottom:2px solid #0072B2;
padding-bottom:.2rem;margin-top:2.4rem}h3{font-size:1.05rem;margin:1.4rem 0 .4rem}
.sub{color:#555;margin-top:0}nav ol{columns:2;padding-left:1.2rem}
figure{margin:1rem 0}figure img{max-width:100%;height:auto;border:1px solid #e3e3e3}
figcaption{color:#555;font-size:.9rem}table{border-collapse:collapse;font-size:.88rem;
margin:.4rem 0 1rem}th,td{padding:.25rem .6rem;border-bottom:1px solid #e6e6e6;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f4f6f8}
.note{color:#666;font-size:.85rem}ul.notes{color:#555;font-size:.9rem}
footer{margin-top:3rem;color:#777;font-size:.8rem}
@media print{nav{display:none}h2{page-break-before:auto}}
"""


def data_uri(png: bytes) -> str:
    """PNG bytes as a ``data:`` URI an ``<img>`` can show with no file beside the page.

    >>> data_uri(b"\\x89PNG")
    'data:image/png;base64,iVBORw=='
    """
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _cell(value: object) -> tuple[str, bool]:
    """A value as text and whether it is a number (right-aligned)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return "", False
    if isinstance(value, float) and math.isnan(value):
        return "", False
    if isinstance(value, bool):
        return ("yes" if value else "no"), False
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}", True
    if isinstance(value, numbers.Real):
        x = float(value)
        if math.isfinite(x) and x == round(x) and abs(x) >= 100:
            return f"{x:,.0f}", True
        return f"{x:,.3g}" if abs(x) < 1000 else f"{x:,.0f}", True
    if isinstance(value, pd.Timestamp):
        return (
            f"{value:%Y-%m-%d}" if value == value.normalize() else f"{value:%Y-%m-%d %H:%M}"
        ), False
    return str(value), False


def table_html(frame: pd.DataFrame, *, max_rows: int = 50) -> str:
    """A frame as an HTML table (escaped; numbers right-aligned, at most ``max_rows`` rows).

    >>> table_html(pd.DataFrame({"who": ["<a>"], "share": [0.5]}))
    '<table><thead><tr><th>who</th><th>share</th></tr></thead><tbody><tr><td>&lt;a&gt;</td><td class="n">0.5</td></tr></tbody></table>'
    """
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for record in frame.head(max_rows).itertuples(index=False):
        cells = []
        for value in record:
            text, numeric = _cell(value)
            cls = ' class="n"' if numeric else ""
            cells.append(f"<td{cls}>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = (
        f'<p class="note">… and {len(frame) - max_rows:,} more rows</p>'
        if len(frame) > max_rows
        else ""
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"


def _anchor(i: int) -> str:
    return f"s{i + 1}"


def _section_html(i: int, section: Section) -> str:
    parts = [f'<section id="{_anchor(i)}"><h2>{html.escape(section.title)}</h2>']
    parts += [f"<p>{html.escape(p)}</p>" for p in section.paragraphs]
    for picture in section.pictures:
        caption = html.escape(picture.caption)
        parts.append(
            f'<figure><img src="{data_uri(picture.png)}" alt="{caption}">'
            + (f"<figcaption>{caption}</figcaption>" if caption else "")
            + "</figure>"
        )
    for table in section.tables:
        parts.append(f"<h3>{html.escape(table.title)}</h3>")
        if table.frame.empty:
            parts.append('<p class="note">nothing to show</p>')
        else:
            parts.append(table_html(table.frame))
        if table.note:
            parts.append(f'<p class="note">{html.escape(table.note)}</p>')
    if section.notes:
        items = "".join(f"<li>{html.escape(n)}</li>" for n in section.notes)
        parts.append(f'<ul class="notes">{items}</ul>')
    parts.append("</section>")
    return "\n".join(parts)


def render_report(
    title: str,
    sections: Sequence[Section],
    *,
    subtitle: str = "",
    footer: str = "Made with peerweave. This page needs no network: everything it shows is inside it.",
) -> str:
    """The whole page as text: a title, a table of contents, the sections, a footer.

    >>> page = render_report("T", [Section("A"), Section("B")])
    >>> page.startswith("<!DOCTYPE html>"), page.count("<section"), "<script" in page
    (True, 2, False)
    """
    contents = "".join(
        f'<li><a href="#{_anchor(i)}">{html.escape(s.title)}</a></li>'
        for i, s in enumerate(sections)
    )
    body = "\n".join(_section_html(i, s) for i, s in enumerate(sections))
    sub = f'<p class="sub">{html.escape(subtitle)}</p>' if subtitle else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head>\n"
        f"<body><header><h1>{html.escape(title)}</h1>{sub}</header>\n"
        f"<nav><ol>{contents}</ol></nav>\n{body}\n"
        f"<footer>{html.escape(footer)}</footer></body></html>\n"
    )


def write_report(page: str, path: str | Path) -> Path:
    """Write ``page`` to ``path`` (UTF-8) and return the path.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     write_report(render_report("T", []), Path(d) / "r.html").stat().st_size > 100
    True
    """
    path = Path(path)
    path.write_text(page, encoding="utf-8")
    return path
