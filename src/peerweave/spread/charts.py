"""The forecast chart: adoption curves with their 5–95% bands, one colour per strategy.

:func:`forecast_png` draws it with matplotlib (the Agg canvas, no display needed) and
:func:`forecast_html` as an interactive, self-contained HTML page with plotly (the plotly
library is embedded, so the page opens offline). Weeks run along the x axis, adopters on the
left axis and the share of the organization on the right; dotted lines mark 3 and 6 months.

:func:`tracking_png` and :func:`tracking_html` draw the observed adoption curve of a running
initiative over its forecast band (:func:`~peerweave.spread.adoption.track`), the week it
left the band, and, when given, the forecast again from today with the fitted model
(:func:`~peerweave.spread.fit.reforecast`).

>>> from peerweave.spread.strategies import _example, compare
>>> c = compare(_example(), ["hubs", "random"], 1, runs=20, steps=6)
>>> [label for label, _ in _series(c)]
['hubs (1 seed)', 'random (1 seed)']
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from peerweave.spread.strategies import Comparison, describe

if TYPE_CHECKING:
    from peerweave.spread.adoption import Tracking
    from peerweave.spread.fit import Reforecast

__all__ = [
    "COLORS",
    "forecast_html",
    "forecast_png",
    "title",
    "tracking_html",
    "tracking_png",
    "tracking_title",
]

#: A colour per strategy, the same in every chart (colour-blind safe, Okabe & Ito 2008).
COLORS: dict[str, str] = {
    "champions": "#009E73",
    "hubs": "#0072B2",
    "top-down": "#D55E00",
    "random": "#7F7F7F",
    "one-per-team": "#CC79A7",
    "list": "#E69F00",
}
_SPARE = ("#56B4E9", "#F0E442", "#000000")

#: Weeks marked on the chart.
MARKS = ((13, "3 months"), (26, "6 months"), (52, "1 year"))


def _color(name: str, i: int) -> str:
    return COLORS.get(name, _SPARE[i % len(_SPARE)])


def _series(comparison: Comparison) -> Iterator[tuple[str, pd.DataFrame]]:
    for name in comparison.strategies:
        seeds = comparison.seeds[name]
        what = f"{seeds.k:,} seed{'' if seeds.k == 1 else 's'}"
        if seeds.heuristic:
            what += ", clustered-seeding heuristic"
        rows = comparison.curves[comparison.curves["strategy"] == name].sort_values("step")
        yield f"{name} ({what})", rows


def title(comparison: Comparison) -> tuple[str, str]:
    """The chart's title and subtitle.

    >>> from peerweave.spread.strategies import _example, compare
    >>> title(compare(_example(), ["hubs"], 1, runs=20, steps=6))[0]
    'How far the practice spreads in 6 weeks: 1 seed (14% of people) per strategy'
    """
    k = comparison.k
    share = f" ({k / comparison.population:.0%} of people)" if comparison.population else ""
    head = (
        f"How far the practice spreads in {comparison.steps} weeks: "
        f"{k:,} seed{'' if k == 1 else 's'}{share} per strategy"
    )
    sub = (
        f"{describe(comparison.model)} · {comparison.population:,} people · "
        f"{comparison.runs:,} simulated runs · line = mean, band = 5–95% of runs"
    )
    return head, sub


def forecast_png(comparison: Comparison, path: str | Path, *, dpi: int = 150) -> Path:
    """Draw the adoption curves of ``comparison`` to ``path`` (PNG, SVG or PDF by extension).

    >>> import tempfile
    >>> from peerweave.spread.strategies import _example, compare
    >>> c = compare(_example(), ["hubs", "random"], 1, runs=20, steps=6)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     out = forecast_png(c, Path(d) / "forecast.png")
    ...     out.read_bytes()[:4]
    b'\\x89PNG'
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    path = Path(path)
    steps, population = comparison.steps, max(comparison.population, 1)
    fig = Figure(figsize=(11, 6.2), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    top = float(comparison.curves["p95"].max()) if len(comparison.curves) else 1.0
    ends: list[tuple[float, str, str]] = []
    for i, (label, rows) in enumerate(_series(comparison)):
        color = _color(str(rows["strategy"].iloc[0]), i)
        x = rows["step"].to_numpy()
        ax.fill_between(x, rows["p05"], rows["p95"], color=color, alpha=0.12, linewidth=0)
        ax.plot(x, rows["p05"], color=color, alpha=0.45, linewidth=0.7, linestyle="--")
        ax.plot(x, rows["p95"], color=color, alpha=0.45, linewidth=0.7, linestyle="--")
        ax.plot(x, rows["mean"], color=color, linewidth=2.4, label=label)
        last = float(rows["mean"].iloc[-1])
        ends.append((last, f"{last:,.0f} ({last / population:.0%})", color))
    for week, text in MARKS:
        if week <= steps:
            ax.axvline(week, color="#444444", linestyle=":", linewidth=1, zorder=0)
            ax.annotate(
                text,
                (week, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(-4, -4),
                textcoords="offset points",
                ha="right",
                va="top",
                fontsize=9,
                color="#444444",
            )
    # end labels, pushed apart so that close curves stay readable
    gap = 0.045 * max(top, 1.0)
    placed: list[float] = []
    for value, text, color in sorted(ends, reverse=True):
        y = min([value, *[p - gap for p in placed]]) if placed else value
        placed.append(y)
        ax.annotate(
            text,
            (steps, value),
            xytext=(steps + 0.012 * max(steps, 1) * 2, y),
            textcoords="data",
            va="center",
            fontsize=10,
            fontweight="bold",
            color=color,
            arrowprops={"arrowstyle": "-", "color": color, "linewidth": 0.6, "alpha": 0.6},
        )
    ax.set_xlim(0, steps * 1.13 + 0.5)
    ax.set_ylim(0, top * 1.08 + 1)
    ax.set_xlabel("weeks after the seeds are briefed", fontsize=11)
    ax.set_ylabel("colleagues who have adopted", fontsize=11)
    ax.set_xticks(
        [
            t
            for t in MaxNLocator(nbins=14, integer=True, steps=[1, 2, 4, 5, 10]).tick_values(
                0, steps
            )
            if 0 <= t <= steps
        ]
    )
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))

    def to_share(v: Any) -> Any:
        return 100 * np.asarray(v, dtype=np.float64) / population

    def to_people(s: Any) -> Any:
        return np.asarray(s, dtype=np.float64) * population / 100

    share = ax.secondary_yaxis("right", functions=(to_share, to_people))
    share.set_ylabel("share of the organization", fontsize=11)
    share.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}%"))
    ax.grid(axis="y", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top",):
        ax.spines[side].set_visible(False)
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        loc="outside lower center",
        ncol=min(len(labels), 3) or 1,
        fontsize=10,
        frameon=False,
    )
    head, sub = title(comparison)
    fig.suptitle(head, fontsize=15, fontweight="bold", x=0.01, ha="left")
    ax.set_title(sub, fontsize=9.5, color="#555555", loc="left")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return path


def _band(values: npt.ArrayLike) -> list[float]:
    return [float(v) for v in np.asarray(values, dtype=np.float64)]


def forecast_html(comparison: Comparison, path: str | Path) -> Path:
    """Write the adoption curves as an interactive HTML page (plotly embedded: works offline).

    >>> import tempfile
    >>> from peerweave.spread.strategies import _example, compare
    >>> c = compare(_example(), ["hubs"], 1, runs=20, steps=6)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     text = forecast_html(c, Path(d) / "forecast.html").read_text()
    >>> "How far the practice spreads" in text, "<script" in text
    (True, True)
    """
    import plotly.graph_objects as go

    path = Path(path)
    population = max(comparison.population, 1)
    fig = go.Figure()
    for i, (label, rows) in enumerate(_series(comparison)):
        color = _color(str(rows["strategy"].iloc[0]), i)
        x = rows["step"].tolist()
        group = str(rows["strategy"].iloc[0])
        fig.add_trace(
            go.Scatter(
                x=x,
                y=_band(rows["p95"]),
                mode="lines",
                line={"width": 0, "color": color},
                legendgroup=group,
                showlegend=False,
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=_band(rows["p05"]),
                mode="lines",
                line={"width": 0, "color": color},
                fill="tonexty",
                fillcolor=_rgba(color, 0.15),
                legendgroup=group,
                showlegend=False,
                hoverinfo="skip",
            )
        )
        custom = np.column_stack(
            [rows["p05"], rows["p95"], 100 * rows["mean"].to_numpy() / population]
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=_band(rows["mean"]),
                mode="lines",
                name=label,
                legendgroup=group,
                line={"width": 3, "color": color},
                customdata=custom,
                hovertemplate=(
                    "week %{x}: <b>%{y:,.0f}</b> adopters (%{customdata[2]:.1f}%)"
                    "<br>5–95% of runs: %{customdata[0]:,.0f} to %{customdata[1]:,.0f}"
                    f"<extra>{group}</extra>"
                ),
            )
        )
    for week, text in MARKS:
        if week <= comparison.steps:
            fig.add_vline(
                x=week,
                line={"dash": "dot", "color": "#777777", "width": 1},
                annotation_text=text,
                annotation_position="top left",
            )
    return _write_html(fig, path, title(comparison), "weeks after the seeds are briefed")


def _write_html(fig: Any, path: Path, titles: tuple[str, str], xaxis: str) -> Path:
    """Lay out an adoption chart the one way both charts share, and write it (offline)."""
    head, sub = titles
    fig.update_layout(
        title={"text": f"<b>{head}</b><br><sup>{sub}</sup>", "x": 0.01},
        xaxis_title=xaxis,
        yaxis_title="colleagues who have adopted",
        template="plotly_white",
        hovermode="x unified",
        legend={"orientation": "h", "y": -0.18},
        margin={"t": 90},
    )
    fig.update_yaxes(rangemode="tozero", tickformat=",")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.write_html(path, include_plotlyjs=True, full_html=True)
    return path


def _rgba(color: str, alpha: float) -> str:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"


# ---------------------------------------------------------------------------- tracking
#: Colours of the tracking chart: the forecast, what was observed, the forecast from today.
FORECAST_COLOR, OBSERVED_COLOR, REFIT_COLOR = "#0072B2", "#D55E00", "#009E73"


def tracking_title(tracking: Tracking) -> tuple[str, str]:
    """The tracking chart's title (the headline) and subtitle.

    >>> from peerweave.spread.adoption import _tracked
    >>> tracking_title(_tracked())[1]
    'independent cascade, uniform probabilities (P = 1) · 6 people · 20 simulated runs · band = 5–95% of runs'
    """
    forecast = tracking.forecast
    sub = (
        f"{describe(forecast.model)} · {tracking.population:,} people · "
        f"{forecast.runs:,} simulated runs · band = 5–95% of runs"
    )
    return tracking.headline(), sub


def tracking_png(
    tracking: Tracking,
    path: str | Path,
    *,
    reforecast: Reforecast | None = None,
    dpi: int = 150,
) -> Path:
    """Draw the observed curve over the forecast band to ``path`` (PNG, SVG or PDF).

    >>> import tempfile
    >>> from peerweave.spread.adoption import _tracked
    >>> with tempfile.TemporaryDirectory() as d:
    ...     tracking_png(_tracked(), Path(d) / "track.png").read_bytes()[:4]
    b'\\x89PNG'
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    path = Path(path)
    curve = tracking.curve
    fig = Figure(figsize=(11, 6.2), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    x = curve["step"].to_numpy()
    ax.fill_between(
        x, curve["p05"], curve["p95"], color=FORECAST_COLOR, alpha=0.15, linewidth=0,
        label="forecast: 5–95% of runs",
    )  # fmt: skip
    ax.plot(
        x, curve["mean"], color=FORECAST_COLOR, linewidth=2, linestyle="--", label="forecast: mean"
    )
    seen = curve[curve["observed"].notna()]
    top = float(curve["p95"].max()) if len(curve) else 1.0
    if reforecast is not None:
        r = reforecast.curve
        ax.fill_between(r["step"], r["p05"], r["p95"], color=REFIT_COLOR, alpha=0.15, linewidth=0)
        ax.plot(
            r["step"], r["mean"], color=REFIT_COLOR, linewidth=2,
            label="forecast from today (fitted model)",
        )  # fmt: skip
        top = max(top, float(r["p95"].max()))
    if len(seen):
        observed = seen["observed"].to_numpy(dtype=np.float64)
        ax.plot(
            seen["step"], observed, color=OBSERVED_COLOR, linewidth=2.6, marker="o",
            markersize=4, label="observed",
        )  # fmt: skip
        top = max(top, float(observed.max()))
        last = seen.iloc[-1]
        ax.annotate(
            f"{int(last['observed']):,}",
            (float(last["step"]), float(last["observed"])),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=10,
            fontweight="bold",
            color=OBSERVED_COLOR,
        )
    marker = tracking.band_marker()
    if marker is not None:
        week, label = marker
        ax.axvline(week, color=OBSERVED_COLOR, linestyle=":", linewidth=1.2)
        ax.annotate(
            label,
            (week, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(4, -4),
            textcoords="offset points",
            ha="left",
            va="top",
            fontsize=9,
            color=OBSERVED_COLOR,
        )
    steps = int(x.max()) if len(x) else 1
    if reforecast is not None:
        steps = max(steps, int(reforecast.curve["step"].max()))
    ax.set_xlim(0, max(steps, 1))
    ax.set_ylim(0, top * 1.08 + 1)
    ax.set_xlabel("weeks since the initiative started", fontsize=11)
    ax.set_ylabel("colleagues who have adopted", fontsize=11)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.grid(axis="y", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(
        handles, labels, loc="outside lower center", ncol=min(len(labels), 4) or 1, frameon=False
    )
    head, sub = tracking_title(tracking)
    # the headline is a sentence: wrap it rather than let the figure cut it off
    fig.suptitle(textwrap.fill(head, 110), fontsize=12, fontweight="bold", x=0.01, ha="left")
    ax.set_title(sub, fontsize=9.5, color="#555555", loc="left")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return path


def tracking_html(
    tracking: Tracking, path: str | Path, *, reforecast: Reforecast | None = None
) -> Path:
    """Write the observed curve over the forecast band as an interactive HTML page (offline).

    >>> import tempfile
    >>> from peerweave.spread.adoption import _tracked
    >>> with tempfile.TemporaryDirectory() as d:
    ...     text = tracking_html(_tracked(), Path(d) / "track.html").read_text()
    >>> "observed" in text, "<script" in text
    (True, True)
    """
    import plotly.graph_objects as go

    path = Path(path)
    curve = tracking.curve
    fig = go.Figure()
    x = curve["step"].tolist()

    def band(frame: pd.DataFrame, color: str, name: str, group: str) -> None:
        steps = frame["step"].tolist()
        fig.add_trace(
            go.Scatter(
                x=steps, y=_band(frame["p95"]), mode="lines", line={"width": 0, "color": color},
                legendgroup=group, showlegend=False, hoverinfo="skip",
            )
        )  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=steps, y=_band(frame["p05"]), mode="lines", line={"width": 0, "color": color},
                fill="tonexty", fillcolor=_rgba(color, 0.15), legendgroup=group,
                name=name, hoverinfo="skip",
            )
        )  # fmt: skip

    band(curve, FORECAST_COLOR, "forecast: 5–95% of runs", "forecast")
    fig.add_trace(
        go.Scatter(
            x=x, y=_band(curve["mean"]), mode="lines", name="forecast: mean",
            legendgroup="forecast", line={"width": 2, "dash": "dash", "color": FORECAST_COLOR},
            hovertemplate="week %{x}: forecast %{y:,.0f}<extra></extra>",
        )
    )  # fmt: skip
    if reforecast is not None:
        band(reforecast.curve, REFIT_COLOR, "forecast from today: 5–95%", "refit")
        fig.add_trace(
            go.Scatter(
                x=reforecast.curve["step"].tolist(), y=_band(reforecast.curve["mean"]),
                mode="lines", name="forecast from today (fitted model)", legendgroup="refit",
                line={"width": 2, "color": REFIT_COLOR},
                hovertemplate="week %{x}: %{y:,.0f} (fitted model)<extra></extra>",
            )
        )  # fmt: skip
    seen = curve[curve["observed"].notna()]
    if len(seen):
        custom = np.column_stack([seen["p05"], seen["p95"]])
        fig.add_trace(
            go.Scatter(
                x=seen["step"].tolist(), y=_band(seen["observed"].to_numpy(dtype=np.float64)),
                mode="lines+markers", name="observed", line={"width": 3, "color": OBSERVED_COLOR},
                customdata=custom, text=seen["status"].tolist(),
                hovertemplate=(
                    "week %{x}: <b>%{y:,.0f}</b> adopted (%{text})"
                    "<br>forecast band %{customdata[0]:,.0f} to %{customdata[1]:,.0f}<extra></extra>"
                ),
            )
        )  # fmt: skip
    marker = tracking.band_marker()
    if marker is not None:
        fig.add_vline(
            x=marker[0],
            line={"dash": "dot", "color": OBSERVED_COLOR, "width": 1},
            annotation_text=marker[1],
            annotation_position="top right",
        )
    return _write_html(fig, path, tracking_title(tracking), "weeks since the initiative started")
