r"""Contagion models and the influence each tie carries.

Contagion runs on the **undirected** view of an :class:`~peerweave.network.graph.OrgGraph`
(``und_indptr`` / ``und_indices`` / ``und_weights``): colleagues in contact expose each other,
whichever way the tie was recorded. Every undirected edge ``{u, v}`` gives two arcs, ``u → v``
(entry ``j`` of row ``u``, ``und_indices[j] == v``) and ``v → u``; the arrays returned here hold
one value per entry of ``und_indices``, so ``values[j]`` belongs to the arc from the row's
person ``u`` to ``v = und_indices[j]``. ``deg(v)`` is ``v``'s number of contacts and
``strength(v)`` the sum of their tie weights. Steps are weeks.

**Models** (:class:`SpreadModel`):

* ``ic``, independent cascade (Goldenberg, Libai & Muller 2001; Kempe, Kleinberg & Tardos
  2003): a person who adopts at step ``t`` gets one chance, at step ``t + 1``, to pass the
  practice to each contact ``v``, succeeding with probability ``p_uv``
  (:func:`arc_probabilities`).
* ``lt``, linear threshold (Granovetter 1978; Kempe et al. 2003): each person draws a
  threshold ``θ_v ~ Uniform(0, 1)`` per run and adopts at step ``t + 1`` once the in-weights
  ``b_uv`` (:func:`lt_weights`, summing to 1 over ``v``'s contacts) of the contacts who
  have adopted by step ``t`` add up to ``θ_v`` or more.
* ``complex``, complex contagion (Centola & Macy 2007): a person adopts at step ``t + 1``
  when at least ``k`` contacts (``threshold``) have adopted at step ``t``, or, with
  ``fraction`` set, at least ``θ·deg(v)`` of them (rounded up; at least one). With
  ``threshold_sd > 0`` each person draws, once per run, ``k_v = max(1, round(N(k, (sd·k)²)))``
  or ``θ_v ~ N(θ, sd²)`` clipped to ``[0, 1]``.
* ``abandonment`` ``δ`` (any model): at each step, an adopter none of whose contacts is an
  adopter drops the practice with probability ``δ`` (seeds too). In ``lt`` and ``complex`` a
  person who dropped may adopt again; in ``ic`` a person is exposed only once, so never
  re-adopts.

**Probability mappings** (the ``prob`` text, ``--prob`` on the command line):

* ``uniform:P``: every arc passes the practice on with probability ``P``;
* ``weighted-cascade``: ``p_uv = 1 / deg(v)``, so each person expects one successful
  exposure if all contacts adopt (Kempe et al. 2003; Chen, Wang & Wang 2010, the standard of
  the influence-maximization literature);
* ``tie-weight`` or ``tie-weight:P`` (default, ``P = 0.01``):
  ``p_uv = 1 - (1 - P) ** (w_uv / median_w)``: a tie of median strength passes the practice
  on with probability ``P`` per step, a tie ``x`` times as strong counts as ``x`` independent
  such contacts. ``median_w`` is the median positive tie weight; ties of weight ``<= 0``
  carry nothing.

For ``lt`` the in-weights are ``b_uv = w_uv / strength(v)`` under ``tie-weight`` and
``1 / deg(v)`` under ``weighted-cascade`` and ``uniform`` (``P`` plays no part).

References
----------
* J. Goldenberg, B. Libai & E. Muller (2001). Talk of the network: a complex systems look at
  the underlying process of word-of-mouth. *Marketing Letters* 12(3).
* M. Granovetter (1978). Threshold models of collective behavior. *American Journal of
  Sociology* 83(6).
* D. Kempe, J. Kleinberg & É. Tardos (2003). Maximizing the spread of influence through a
  social network. *KDD 2003*.
* D. Centola & M. Macy (2007). Complex contagions and the weakness of long ties. *American
  Journal of Sociology* 113(3).
* W. Chen, C. Wang & Y. Wang (2010). Scalable influence maximization for prevalent viral
  marketing in large-scale social networks. *KDD 2010*.

Examples
--------
>>> SpreadModel.parse("complex:k=3")
SpreadModel(kind='complex', prob='tie-weight', threshold=3, fraction=None, threshold_sd=0.0, abandonment=0.0)
>>> arc_probabilities(_example(), "weighted-cascade").tolist()  # 1 / deg(target)
[1.0, 1.0, 0.5, 0.5]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from peerweave.network.graph import OrgGraph

__all__ = [
    "DEFAULT_TIE_PROBABILITY",
    "KINDS",
    "PROB_MAPPINGS",
    "SpreadModel",
    "arc_probabilities",
    "lt_weights",
    "parse_prob",
]

FloatArray = npt.NDArray[np.float64]
Kind = Literal["ic", "lt", "complex"]

#: The contagion models.
KINDS: tuple[Kind, ...] = ("ic", "lt", "complex")
#: The probability mappings ``prob`` may name.
PROB_MAPPINGS = ("uniform", "weighted-cascade", "tie-weight")
#: ``P`` of ``tie-weight`` when the text gives none.
DEFAULT_TIE_PROBABILITY = 0.01

_PROB_HELP = "use uniform:P, weighted-cascade, tie-weight or tie-weight:P (P between 0 and 1)"
_MODEL_HELP = (
    "use ic, lt or complex, optionally with options: complex:k=3, complex:theta=0.3, "
    "complex:k=2,sd=0.5, ic:delta=0.1"
)


def _probability(text: str, spec: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(
            f"bad probability in {spec!r}: {text!r} is not a number; {_PROB_HELP}"
        ) from None
    if not 0.0 <= value <= 1.0:  # also rejects nan
        raise ValueError(f"bad probability in {spec!r}: {text} is not between 0 and 1")
    return value


def parse_prob(prob: str) -> tuple[str, float | None]:
    """Check a probability mapping and split it into ``(name, P)``.

    ``P`` is ``None`` for ``weighted-cascade``; ``tie-weight`` alone gives
    :data:`DEFAULT_TIE_PROBABILITY`. Raises ``ValueError`` with the accepted forms otherwise.

    >>> parse_prob("uniform:0.1"), parse_prob("tie-weight"), parse_prob(" Weighted-Cascade ")
    (('uniform', 0.1), ('tie-weight', 0.01), ('weighted-cascade', None))
    >>> parse_prob("uniform:1.5")
    Traceback (most recent call last):
    ...
    ValueError: bad probability in 'uniform:1.5': 1.5 is not between 0 and 1
    """
    if not isinstance(prob, str):
        raise ValueError(f"the probability mapping must be text, got {prob!r}; {_PROB_HELP}")
    spec = prob.strip().lower()
    name, sep, arg = spec.partition(":")
    name, arg = name.strip(), arg.strip()
    if name == "uniform":
        if not arg:
            raise ValueError(f"{prob!r} needs a probability: uniform:P, for example uniform:0.1")
        return name, _probability(arg, prob)
    if name == "weighted-cascade":
        if sep:
            raise ValueError(f"{prob!r}: weighted-cascade takes no probability; {_PROB_HELP}")
        return name, None
    if name == "tie-weight":
        return name, _probability(arg, prob) if sep else DEFAULT_TIE_PROBABILITY
    raise ValueError(f"unknown probability mapping {prob!r}; {_PROB_HELP}")


def _number(key: str, text: str, model: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(
            f"bad model {model!r}: {key}={text!r} is not a number; {_MODEL_HELP}"
        ) from None


@dataclass(frozen=True)
class SpreadModel:
    """A contagion model: kind, probability mapping, complex thresholds and abandonment.

    See the module docstring for what each field means. Values are checked on creation
    (``ValueError`` naming the field and what is allowed).

    >>> SpreadModel()
    SpreadModel(kind='ic', prob='tie-weight', threshold=2, fraction=None, threshold_sd=0.0, abandonment=0.0)
    >>> SpreadModel(kind="lt", prob="weighted-cascade").kind
    'lt'
    >>> SpreadModel(abandonment=2)
    Traceback (most recent call last):
    ...
    ValueError: abandonment must be a probability between 0 and 1, got 2
    """

    kind: Kind = "ic"
    #: ``"uniform:P"``, ``"weighted-cascade"``, ``"tie-weight"`` or ``"tie-weight:P"``.
    prob: str = "tie-weight"
    #: complex: adopting contacts needed (``k``).
    threshold: int = 2
    #: complex: if set, the fraction ``θ`` of contacts needed instead of ``k``.
    fraction: float | None = None
    #: complex: spread of the per-person thresholds (0: everyone has the same).
    threshold_sd: float = 0.0
    #: ``δ``: an adopter with no adopting contact drops with this probability per step.
    abandonment: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown model {self.kind!r}; {_MODEL_HELP}")
        parse_prob(self.prob)
        k = self.threshold
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
            raise ValueError(f"threshold (k) must be an integer >= 1, got {k!r}")
        theta = self.fraction
        if theta is not None and not (
            isinstance(theta, int | float | np.number)
            and not isinstance(theta, bool)
            and 0.0 <= float(theta) <= 1.0
        ):
            raise ValueError(f"fraction (theta) must be a number between 0 and 1, got {theta!r}")
        sd = self.threshold_sd
        if not (isinstance(sd, int | float | np.number) and 0.0 <= float(sd) < math.inf):
            raise ValueError(f"threshold_sd must be a finite number >= 0, got {sd!r}")
        delta = self.abandonment
        if not (isinstance(delta, int | float | np.number) and 0.0 <= float(delta) <= 1.0):
            raise ValueError(f"abandonment must be a probability between 0 and 1, got {delta!r}")

    @classmethod
    def parse(cls, text: str) -> SpreadModel:
        """Read a model from text: ``kind[:option=value,...]``.

        Options: ``k`` (complex threshold), ``theta`` (complex fraction), ``sd``
        (``threshold_sd``) and ``delta`` (abandonment, any kind). ``prob`` stays the default
        (``tie-weight``): set it with ``dataclasses.replace``.

        >>> SpreadModel.parse("complex:theta=0.3").fraction
        0.3
        >>> SpreadModel.parse("LT:delta=0.1").abandonment
        0.1
        >>> SpreadModel.parse("sir")
        Traceback (most recent call last):
        ...
        ValueError: unknown model 'sir'; use ic, lt or complex, optionally with options: complex:k=3, complex:theta=0.3, complex:k=2,sd=0.5, ic:delta=0.1
        """
        if not isinstance(text, str):
            raise ValueError(f"the model must be text, got {text!r}; {_MODEL_HELP}")
        kind, _, rest = text.strip().lower().partition(":")
        kind = kind.strip()
        if kind not in KINDS:
            raise ValueError(f"unknown model {text.strip()!r}; {_MODEL_HELP}")
        threshold, fraction, sd, delta = 2, None, 0.0, 0.0
        for item in filter(None, (part.strip() for part in rest.split(","))):
            key, eq, value = (s.strip() for s in item.partition("="))
            if not eq:
                raise ValueError(f"bad model {text!r}: {item!r} is not option=value; {_MODEL_HELP}")
            number = _number(key, value, text)
            if key == "delta":
                delta = number
            elif kind != "complex" or key not in ("k", "theta", "sd"):
                allowed = "k, theta, sd or delta" if kind == "complex" else "delta"
                raise ValueError(f"bad model {text!r}: {kind} takes {allowed}, not {key!r}")
            elif key == "k":
                if not math.isfinite(number) or number != int(number):
                    raise ValueError(f"bad model {text!r}: k must be a whole number, got {value}")
                threshold = int(number)
            elif key == "theta":
                fraction = number
            else:
                sd = number
        return cls(
            kind=kind,
            threshold=threshold,
            fraction=fraction,
            threshold_sd=sd,
            abandonment=delta,
        )


def _degrees(graph: OrgGraph) -> npt.NDArray[np.int64]:
    indptr = np.asarray(graph.und_indptr, dtype=np.int64)
    return indptr[1:] - indptr[:-1]


def arc_probabilities(graph: OrgGraph, prob: str) -> FloatArray:
    """Probability that the practice passes along each arc per step, for ``ic``.

    One value per entry of ``graph.und_indices``: entry ``j`` of row ``u`` is the arc from
    ``u`` to ``v = und_indices[j]``. ``uniform:P`` gives ``P``; ``weighted-cascade`` gives
    ``1 / deg(v)``; ``tie-weight[:P]`` gives ``1 - (1 - P) ** (w_uv / median_w)`` (see the
    module docstring). Raises ``ValueError`` on a bad mapping.

    >>> g = _example()  # a - b (weight 1), a - c (weight 3)
    >>> arc_probabilities(g, "uniform:0.2").tolist()
    [0.2, 0.2, 0.2, 0.2]
    >>> arc_probabilities(g, "tie-weight:0.5").round(4).tolist()  # median weight 2
    [0.2929, 0.6464, 0.2929, 0.6464]
    >>> arc_probabilities(g, "tie-weight:x")
    Traceback (most recent call last):
    ...
    ValueError: bad probability in 'tie-weight:x': 'x' is not a number; use uniform:P, weighted-cascade, tie-weight or tie-weight:P (P between 0 and 1)
    """
    name, p = parse_prob(prob)
    indices = np.asarray(graph.und_indices, dtype=np.int64)
    m = len(indices)
    if name == "uniform":
        return np.full(m, p, dtype=np.float64)
    if name == "weighted-cascade":
        return 1.0 / _degrees(graph)[indices].astype(np.float64)
    assert p is not None
    w = np.asarray(graph.und_weights, dtype=np.float64)
    positive = w > 0
    out = np.zeros(m, dtype=np.float64)
    if not positive.any() or p == 0.0:
        return out
    if p == 1.0:
        out[positive] = 1.0
        return out
    median = float(np.median(w[positive]))
    # 1 - (1 - P)^x computed as -expm1(x log1p(-P)): exact for small P
    out[positive] = -np.expm1(w[positive] / median * math.log1p(-p))
    return out


def lt_weights(graph: OrgGraph, prob: str) -> FloatArray:
    """In-weights ``b_uv`` of the linear threshold model, aligned like :func:`arc_probabilities`.

    ``tie-weight`` gives ``w_uv / strength(v)`` (a person with no positive tie falls back to
    ``1 / deg(v)``), ``weighted-cascade`` and ``uniform`` give ``1 / deg(v)``; for every
    person with contacts, the weights of the arcs into them sum to 1. Raises ``ValueError``
    on a bad mapping.

    >>> g = _example()  # a - b (weight 1), a - c (weight 3); rows a: [b, c], b: [a], c: [a]
    >>> lt_weights(g, "tie-weight").tolist()  # b_ab = 1, b_ac = 1, b_ba = 1/4, b_ca = 3/4
    [1.0, 1.0, 0.25, 0.75]
    >>> lt_weights(g, "uniform:0.3").tolist()
    [1.0, 1.0, 0.5, 0.5]
    """
    name, _ = parse_prob(prob)
    indices = np.asarray(graph.und_indices, dtype=np.int64)
    degree = _degrees(graph)
    uniform = 1.0 / np.maximum(degree[indices], 1).astype(np.float64)
    if name != "tie-weight":
        return uniform
    w = np.clip(np.asarray(graph.und_weights, dtype=np.float64), 0.0, None)
    rows = np.repeat(np.arange(graph.n, dtype=np.int64), degree)
    strength = np.bincount(rows, weights=w, minlength=graph.n)
    s = strength[indices]
    out = uniform.copy()
    np.divide(w, s, out=out, where=s > 0)
    return out


def _example() -> OrgGraph:
    """Three people: a - b (tie weight 1) and a - c (tie weight 3)."""
    return OrgGraph.from_frames(
        pd.DataFrame({"person_id": ["a", "b", "c"]}),
        pd.DataFrame({"source": ["a", "a"], "target": ["b", "c"], "weight": [1.0, 3.0]}),
    )
