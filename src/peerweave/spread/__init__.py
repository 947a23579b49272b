"""peerweave.spread: how a practice travels peer to peer, and whom to brief first.

* :mod:`~peerweave.spread.model`: contagion models (independent cascade, linear threshold,
  complex contagion, abandonment) and the probability each tie carries;
* :mod:`~peerweave.spread.simulate`: the Monte-Carlo simulator (compiled, parallel,
  reproducible): adoption curves with their bands, reach, the cascade tree;
* :mod:`~peerweave.spread.imm`: champion selection by influence maximization (IMM);
* :mod:`~peerweave.spread.strategies`: seeding strategies and their side-by-side forecast;
* :mod:`~peerweave.spread.charts`: the forecast chart and the tracking chart (PNG and
  interactive HTML);
* :mod:`~peerweave.spread.adoption`: adoption records and what happened against the
  forecast (overall, per group, around each champion);
* :mod:`~peerweave.spread.fit`: the contagion model fitted to observed adoptions, and the
  forecast again from today;
* :mod:`~peerweave.spread.netrate`: who influences whom, inferred from adoption timing
  (NetRate).

>>> from peerweave.spread import SpreadModel, compare, select_champions, simulate
>>> SpreadModel.parse("complex:k=3").threshold
3
>>> from peerweave.spread import fit_contagion, infer_influence, track, validate_adoptions
"""

from peerweave.spread.adoption import (
    ADOPTION_COLUMNS,
    Forecast,
    ForecastCheck,
    Tracking,
    adoption_steps,
    champion_neighbourhoods,
    compare_groups,
    compare_to_forecast,
    completed_steps,
    empty_adoptions,
    group_forecast,
    observed_curve,
    synthetic_adoptions,
    track,
    validate_adoptions,
)
from peerweave.spread.charts import forecast_html, forecast_png, tracking_html, tracking_png
from peerweave.spread.fit import Fit, Reforecast, fit_contagion, reforecast
from peerweave.spread.imm import ChampionSelection, select_champions
from peerweave.spread.model import (
    KINDS,
    PROB_MAPPINGS,
    SpreadModel,
    arc_probabilities,
    lt_weights,
    parse_prob,
)
from peerweave.spread.netrate import (
    TRANSMISSION_MODELS,
    Influence,
    cascades_from_adoptions,
    infer_influence,
    score_recovery,
    simulate_cascades,
    true_rates,
)
from peerweave.spread.simulate import Simulation, cascade_sizes, simulate
from peerweave.spread.strategies import (
    STRATEGIES,
    Comparison,
    GroupLimits,
    Seeds,
    budget,
    compare,
    eligible,
    group_limit,
    on_leave,
    positions_of,
    seed_set,
)

__all__ = [
    "ADOPTION_COLUMNS",
    "KINDS",
    "PROB_MAPPINGS",
    "STRATEGIES",
    "TRANSMISSION_MODELS",
    "ChampionSelection",
    "Comparison",
    "Fit",
    "Forecast",
    "ForecastCheck",
    "GroupLimits",
    "Influence",
    "Reforecast",
    "Seeds",
    "Simulation",
    "SpreadModel",
    "Tracking",
    "adoption_steps",
    "arc_probabilities",
    "budget",
    "cascade_sizes",
    "cascades_from_adoptions",
    "champion_neighbourhoods",
    "compare",
    "compare_groups",
    "compare_to_forecast",
    "completed_steps",
    "eligible",
    "empty_adoptions",
    "fit_contagion",
    "forecast_html",
    "forecast_png",
    "group_forecast",
    "group_limit",
    "infer_influence",
    "lt_weights",
    "observed_curve",
    "on_leave",
    "parse_prob",
    "positions_of",
    "reforecast",
    "score_recovery",
    "seed_set",
    "select_champions",
    "simulate",
    "simulate_cascades",
    "synthetic_adoptions",
    "track",
    "tracking_html",
    "tracking_png",
    "true_rates",
    "validate_adoptions",
]
