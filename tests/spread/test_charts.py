"""The forecast chart: a PNG (or SVG) with every strategy, and a self-contained HTML page."""

from __future__ import annotations

from pathlib import Path

import pytest

from peerweave.spread import SpreadModel, compare, forecast_html, forecast_png
from peerweave.spread.charts import COLORS, title
from peerweave.spread.strategies import Comparison, _example


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    return compare(
        _example(),
        ["champions", "hubs", "top-down", "random", "one-per-team"],
        2,
        SpreadModel(prob="uniform:0.3"),
        runs=50,
        steps=30,
    )


def test_png_and_svg(comparison: Comparison, tmp_path: Path) -> None:
    png = forecast_png(comparison, tmp_path / "deep" / "forecast.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    svg = forecast_png(comparison, tmp_path / "forecast.svg").read_text()
    for name in comparison.strategies:
        assert f"{name} (2 seeds)" in svg
    assert "3 months" in svg and "6 months" in svg and "1 year" not in svg
    assert "weeks after the seeds are briefed" in svg and "share of the organization" in svg


def test_html_is_interactive_and_offline(comparison: Comparison, tmp_path: Path) -> None:
    page = forecast_html(comparison, tmp_path / "forecast.html").read_text()
    assert page.count("<script") >= 2 and "cdn.plot.ly" not in page.split("</head>")[0]
    assert len(page) > 1_000_000  # plotly.js is embedded
    for name in comparison.strategies:
        assert f"{name} (2 seeds)" in page
    assert COLORS["champions"] in page


def test_title_says_what_was_simulated(comparison: Comparison) -> None:
    head, sub = title(comparison)
    assert head == "How far the practice spreads in 30 weeks: 2 seeds (29% of people) per strategy"
    assert "uniform probabilities (P = 0.3)" in sub and "50 simulated runs" in sub
    assert "7 people" in sub
