"""The report page: self-contained (no script, no link out), escaped, pictures inline."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pandas as pd

from peerweave.report import Picture, Section, Table, data_uri, render_report, write_report

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20


def test_a_page_carries_its_pictures_and_links_nowhere(tmp_path: Path) -> None:
    page = render_report(
        "Acme <Corp>",
        [
            Section(
                "Findings & more",
                paragraphs=("a < b",),
                pictures=(Picture(PNG, 'the "map"'),),
                tables=(Table("T", pd.DataFrame({"n": [1234567], "x": [None]}), note="n.b."),),
                notes=("careful",),
            ),
            Section("Empty", tables=(Table("none", pd.DataFrame({"a": []})),)),
        ],
        subtitle="today",
    )
    assert "<script" not in page and "http" not in page and "<link" not in page
    assert "Acme &lt;Corp&gt;" in page and "Findings &amp; more" in page and "a &lt; b" in page
    uris = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert [base64.b64decode(u) for u in uris] == [PNG]
    assert "1,234,567" in page and "nothing to show" in page
    assert page.count('href="#s') == 2
    out = write_report(page, tmp_path / "r.html")
    assert out.read_text(encoding="utf-8") == page


def test_data_uri_round_trips() -> None:
    uri = data_uri(PNG)
    assert base64.b64decode(uri.split(",", 1)[1]) == PNG
