"""peerweave.report: one self-contained HTML page for leadership (pure: no store, no I/O
beyond writing the page).

* :mod:`~peerweave.report.html`: sections of text, tables and pictures turned into one HTML
  file — CSS inline, pictures as base64 ``data:`` URIs, no script and no link to the network,
  so it opens anywhere, offline, and can be mailed as one file.

>>> from peerweave.report import Section, render_report
>>> "<h2" in render_report("Title", [Section("Findings", paragraphs=("All good.",))])
True
"""

from peerweave.report.html import (
    Picture,
    Section,
    Table,
    data_uri,
    render_report,
    table_html,
    write_report,
)

__all__ = [
    "Picture",
    "Section",
    "Table",
    "data_uri",
    "render_report",
    "table_html",
    "write_report",
]
