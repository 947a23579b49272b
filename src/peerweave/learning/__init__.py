"""peerweave.learning: peer learning — matching, the sessions ledger, recognition, health.

* :mod:`~peerweave.learning.schema`: the frames the parts exchange (sessions, feedback…);
* :mod:`~peerweave.learning.matching`: a matching round, each wish with at most one peer
  teacher, as many as possible and then the best total score (min-cost flow, OR-Tools);
  :mod:`~peerweave.learning.candidates` who may teach whom and the score;
  :mod:`~peerweave.learning.peers` find a peer: one person's ranked teachers for a skill;
* :mod:`~peerweave.learning.recognition`: seeder scores along the snowball chains, the
  leaderboard, and the snowball tree of a skill (a table and a picture);
* :mod:`~peerweave.learning.health`: programme health — seeders against leechers,
  knowledge at risk, unmet demand, participation, time from wish to session.

>>> from peerweave.learning import DEFAULT_DISCOUNT, programme_health, seeder_scores
>>> DEFAULT_DISCOUNT
0.5
"""

from peerweave.learning.health import ProgrammeHealth, programme_health
from peerweave.learning.matching import (
    MatchOptions,
    MatchRound,
    candidate_arcs,
    find_peers,
    match_round,
)
from peerweave.learning.recognition import (
    DEFAULT_DISCOUNT,
    leaderboard,
    seeder_scores,
    snowball_png,
    snowball_tree,
)

__all__ = [
    "DEFAULT_DISCOUNT",
    "MatchOptions",
    "MatchRound",
    "ProgrammeHealth",
    "candidate_arcs",
    "find_peers",
    "leaderboard",
    "match_round",
    "programme_health",
    "seeder_scores",
    "snowball_png",
    "snowball_tree",
]
