"""peerweave.circles: peer circles — diverse tables of peers, rotating rounds, hosts.

* :mod:`~peerweave.circles.formation`: :func:`form_circles`, one round of circles that mix
  chosen attributes under the rules (managers apart, time-zone window, never/together
  pairs, topic mode), avoiding pairs who met before, with a host per circle;
* :mod:`~peerweave.circles.search`: the compiled search shared with the benchmark (the
  Maximally Diverse Grouping Problem: insert and swap moves, memetic or iterated search);
* :mod:`~peerweave.circles.mdgp`: the MDGP on an explicit matrix and MDGPLIB files;
* :mod:`~peerweave.circles.rules` and :mod:`~peerweave.circles.rotation`: circle sizes,
  the time-zone check, met pairs, expected repeats and hosts.

>>> from peerweave.circles import REPEAT_WEIGHT, circle_bounds
>>> REPEAT_WEIGHT, [b.tolist() for b in circle_bounds(12, (5, 7))]
(100.0, [[6, 6], [6, 6]])
"""

from peerweave.circles.formation import (
    HOST_WEIGHT,
    REPEAT_WEIGHT,
    CircleRound,
    form_circles,
)
from peerweave.circles.mdgp import diversity_of, read_mdgplib, solve_mdgp
from peerweave.circles.rotation import choose_hosts, expected_repeats, met_pairs
from peerweave.circles.rules import circle_bounds

__all__ = [
    "HOST_WEIGHT",
    "REPEAT_WEIGHT",
    "CircleRound",
    "choose_hosts",
    "circle_bounds",
    "diversity_of",
    "expected_repeats",
    "form_circles",
    "met_pairs",
    "read_mdgplib",
    "solve_mdgp",
]
