"""peerweave.spread: how a practice travels peer to peer, and whom to brief first.

* :mod:`~peerweave.spread.model`: contagion models (independent cascade, linear threshold,
  complex contagion, abandonment) and the probability each tie carries;
* :mod:`~peerweave.spread.simulate`: the Monte-Carlo simulator (compiled, parallel,
  reproducible): adoption curves with their bands, reach, the cascade tree;
* :mod:`~peerweave.spread.imm`: champion selection by influence maximization (IMM);
* :mod:`~peerweave.spread.strategies`: seeding strategies and their side-by-side forecast;
* :mod:`~peerweave.spread.charts`: the forecast chart (PNG and interactive HTML).

>>> from peerweave.spread import SpreadModel, compare, select_champions, simulate
>>> SpreadModel.parse("complex:k=3").threshold
3
"""

from peerweave.spread.charts import forecast_html, forecast_png
from peerweave.spread.imm import ChampionSelection, select_champions
from peerweave.spread.model import (
    KINDS,
    PROB_MAPPINGS,
    SpreadModel,
    arc_probabilities,
    lt_weights,
    parse_prob,
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
    "KINDS",
    "PROB_MAPPINGS",
    "STRATEGIES",
    "ChampionSelection",
    "Comparison",
    "GroupLimits",
    "Seeds",
    "Simulation",
    "SpreadModel",
    "arc_probabilities",
    "budget",
    "cascade_sizes",
    "compare",
    "eligible",
    "forecast_html",
    "forecast_png",
    "group_limit",
    "lt_weights",
    "on_leave",
    "parse_prob",
    "positions_of",
    "seed_set",
    "select_champions",
    "simulate",
]
