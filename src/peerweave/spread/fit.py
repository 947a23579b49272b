r"""Fit the contagion model to the adoptions observed, and forecast again from today.

The data are each person's adoption step ``s_v`` (:func:`~peerweave.spread.adoption.adoption_steps`:
weeks since the start, ``-1`` for people who have not adopted by the last completed step
``T``), one row per initiative (or per simulated cascade) when several are given. People
who adopted at step 0 (the champions) start the process: their own adoption is not
explained by the model. Every likelihood below is **exact** for the simulator's dynamics
(:mod:`~peerweave.spread.simulate`) without abandonment.

**Independent cascade** (``ic`` with ``uniform:P`` or ``tie-weight:P``). A person ``u``
who adopted at step ``t`` gets one chance, at ``t + 1``, to pass the practice to each contact
``v`` who has not adopted, with probability ``p_uv``. Write ``p_uv = 1 − (1 − P)^{x_uv}``
(``x_uv = 1`` for ``uniform``, ``w_uv / w̃`` for ``tie-weight``) and ``θ = −log(1 − P)``.
For a person who has not adopted before step ``τ``, the chance of adopting at ``τ`` is
``1 − Π_{u: s_u = τ−1} (1 − p_uv) = 1 − e^{−θ E_vτ}`` with ``E_vτ = Σ_{u: s_u = τ−1} x_uv``.
So the log-likelihood of all the exposures up to ``T`` is

    ℓ(θ) = −θ A + Σ_{v adopted at s_v ≥ 1} log(1 − e^{−θ E_v})

where ``A`` sums ``x_uv`` over the failed exposures (``v`` not adopted at ``s_u + 1 ≤ T``) and
``E_v = E_{v s_v}`` is the exposure in the week ``v`` adopted. ``ℓ`` is concave in ``θ``: the
estimate is the root of ``ℓ'(θ) = −A + Σ E_v / (e^{θ E_v} − 1)`` (Brent's method). A person
who adopted without any contact adopting the week before cannot have caught it in this
model: such adoptions are counted as **unexplained** (spontaneous, like a champion's) and left
out of the likelihood (their own influence on others stays in).

**Complex contagion** (``complex``, ``δ = 0``). A person adopts at ``t + 1`` once the
contacts who have adopted by ``t``, ``c_v(t)``, reach their threshold ``k_v``; so an adopter at
``s_v`` has ``k_v ∈ (c_v(s_v − 2), c_v(s_v − 1)]`` and a person who has not adopted by ``T``
has ``k_v > c_v(T − 1)``: interval-censored thresholds. With per-person thresholds
``k_v = max(1, round(N(k, (sd·k)²)))`` (``threshold``, ``threshold_sd``)
``P(k_v ≤ m) = Φ((m + ½ − k) / (sd·k))`` for ``m ≥ 1``; with ``fraction`` ``θ``,
``k_v = max(1, ⌈θ_v deg(v)⌉)``, ``θ_v = clip(N(θ, sd²), 0, 1)``, so
``P(k_v ≤ m) = P(θ_v ≤ m / deg(v))``. ``k`` is an integer: the estimate maximises over
``k`` the likelihood maximised over ``sd``; ``θ`` and ``sd`` are maximised jointly
(L-BFGS-B from the best point of a grid). An adopter whose support did not grow the week
before cannot be explained (unexplained, left out).

**Uncertainty.** Confidence intervals are profile-likelihood intervals: the values whose
(profile) log-likelihood is within ``χ²₁(level) / 2`` of the maximum (Wilks' theorem; 1.92
for 95%); for ``k``, the integers in that set. The standard error of ``P`` is from the
observed Fisher information (delta method from ``θ``).

**Not fitted.** Abandonment ``δ``: adoption records say who adopted and when, not who
dropped, so ``δ`` cannot be told apart from the rest; it is kept as given (and the complex
likelihood takes ``δ = 0``). Linear threshold has no free parameter (thresholds uniform,
weights fixed by the mapping), nor has ``weighted-cascade``: fitting them raises an
``InputError`` that says which model to fit instead.

**Forecast again from today** (:func:`reforecast`). ``ic``: only the people who adopted
in the last completed week still have their chance to pass it on; those who adopted
earlier have used it and can no longer adopt, so they are taken out of the network (their
ties removed; with ``tie-weight`` the scale ``P`` is adjusted so that every remaining tie
keeps its probability) and added to every run's count. ``complex`` and ``lt``: every current
adopter is a seed (thresholds drawn afresh).

References
----------
* S. S. Wilks (1938). The large-sample distribution of the likelihood ratio for testing
  composite hypotheses. *Annals of Mathematical Statistics* 9(1).
* D. Kempe, J. Kleinberg & É. Tardos (2003). Maximizing the spread of influence through a
  social network. *KDD 2003*.
* K. Saito, R. Nakano & M. Kimura (2008). Prediction of information diffusion probabilities
  for independent cascade model. *KES 2008* (the likelihood of IC with observed steps).

Examples
--------
>>> from peerweave.spread.simulate import simulate
>>> g = _ring(400)
>>> fit = fit_contagion(g, _steps(g, "uniform:0.3", seed=1), SpreadModel(prob="uniform:0.3"),
...                     last_step=12)
>>> fit.model.prob, fit.parameters[["parameter", "estimate"]].round(2).values.tolist()
('uniform:0.320191', [['P', 0.32]])
>>> bool(fit.parameters.loc[0, "low"] < 0.3 < fit.parameters.loc[0, "high"])
True
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize, special, stats

from peerweave.errors import InputError, Problem
from peerweave.network.graph import OrgGraph
from peerweave.spread.model import SpreadModel, parse_prob
from peerweave.spread.simulate import Simulation, _count, simulate

__all__ = ["Fit", "Reforecast", "fit_contagion", "reforecast"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

_SD_MIN, _SD_MAX = 1e-3, 5.0
_FIT_SOURCE = "fit"


@dataclass(frozen=True)
class Fit:
    """The fitted model, its parameters with confidence intervals, and what went in.

    ``parameters``: ``parameter, estimate, low, high, standard_error`` (``low``/``high``:
    the profile-likelihood interval at ``confidence``; ``standard_error`` NaN when not
    computed). ``profile``: ``parameter, value, log_likelihood`` (the profile of the main
    parameter around its estimate, for a chart). ``people``: records in the likelihood;
    ``explained``: adoptions (beyond step 0) the model accounts for; ``unexplained``:
    records it cannot account for, left out (see the module docstring).
    """

    model: SpreadModel
    parameters: pd.DataFrame
    log_likelihood: float
    confidence: float
    method: str
    people: int
    explained: int
    unexplained: int
    profile: pd.DataFrame
    notes: tuple[str, ...] = ()

    def estimate(self, name: str) -> float:
        """The estimate of parameter ``name``.

        >>> g = _ring(300)
        >>> f = fit_contagion(g, _steps(g, "uniform:0.4"), SpreadModel(prob="uniform:0.4"),
        ...                   last_step=10)
        >>> round(f.estimate("P"), 1)
        0.4
        """
        rows = self.parameters[self.parameters["parameter"] == name]
        if not len(rows):
            known = ", ".join(self.parameters["parameter"])
            raise KeyError(f"no parameter {name!r}; this fit has {known}")
        return float(rows["estimate"].iloc[0])

    def summary(self) -> str:
        """The fit in a few lines.

        >>> g = _ring(300)
        >>> print(fit_contagion(g, _steps(g, "uniform:0.4"), SpreadModel(prob="uniform:0.4"),
        ...                     last_step=10).summary())
        independent cascade, uniform probabilities: P = 0.414 (95% CI 0.354 to 0.477), from 132 people (106 adoptions explained, 0 not)
        """
        parts = []
        for row in self.parameters.itertuples():
            parts.append(
                f"{row.parameter} = {row.estimate:.3g} "
                f"({self.confidence:.0%} CI {row.low:.3g} to {row.high:.3g})"
            )
        text = f"{self.method}: {', '.join(parts)}, from {self.people:,} people"
        text += f" ({self.explained:,} adoptions explained, {self.unexplained:,} not)"
        return "\n".join([text, *self.notes])


def _as_rows(adopted_step: npt.ArrayLike, n: int, last_step: int) -> IntArray:
    steps = np.asarray(adopted_step)
    if steps.ndim == 1:
        steps = steps[None, :]
    if steps.ndim != 2 or steps.shape[1] != n or not np.issubdtype(steps.dtype, np.integer):
        raise ValueError(
            f"adopted_step must hold whole numbers, one per person ({n}) per row, "
            f"got shape {np.shape(adopted_step)}"
        )
    steps = steps.astype(np.int64)
    return np.where((steps < 0) | (steps > last_step), -1, steps)


def _arcs(graph: OrgGraph) -> tuple[IntArray, IntArray]:
    indptr = np.asarray(graph.und_indptr, dtype=np.int64)
    src = np.repeat(np.arange(graph.n, dtype=np.int64), np.diff(indptr))
    return src, np.asarray(graph.und_indices, dtype=np.int64)


def _nothing_to_fit(rows: IntArray) -> None:
    if not (rows >= 0).any():
        raise InputError(
            _FIT_SOURCE,
            Problem(
                "no adoptions yet: there is nothing to fit",
                fix="record adoptions (or wait for the first week to end) and fit again",
            ),
        )


def _chi2(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    return float(stats.chi2.ppf(confidence, 1)) / 2.0


def _root(fn: Callable[[float], float], a: float, b: float, xtol: float = 1e-12) -> float:
    return float(optimize.brentq(fn, a, b, xtol=xtol, rtol=1e-10, maxiter=200))


# ---------------------------------------------------------------------------- ic
def _ic_scale(graph: OrgGraph, name: str) -> FloatArray:
    """``x_uv`` per arc: ``p_uv = 1 - (1 - P) ** x_uv``."""
    m = len(graph.und_indices)
    if name == "uniform":
        return np.ones(m, dtype=np.float64)
    w = np.asarray(graph.und_weights, dtype=np.float64)
    positive = w > 0
    if not positive.any():
        return np.zeros(m, dtype=np.float64)
    return np.where(positive, w / float(np.median(w[positive])), 0.0)


def _fit_ic(
    graph: OrgGraph, rows: IntArray, model: SpreadModel, last_step: int, confidence: float
) -> Fit:
    name, _ = parse_prob(model.prob)
    if name == "weighted-cascade":
        raise InputError(
            _FIT_SOURCE,
            Problem(
                "weighted-cascade probabilities (1 / contacts) have no parameter to fit",
                fix="fit tie-weight or uniform probabilities (--prob tie-weight or uniform:0.1)",
            ),
        )
    x = _ic_scale(graph, name)
    src, dst = _arcs(graph)
    failed = 0.0
    exposure: list[FloatArray] = []
    unexplained = 0
    people = 0
    for s in rows:
        su, sv = s[src], s[dst]
        tau = su + 1
        live = (su >= 0) & (tau <= last_step) & (x > 0)
        success = live & (sv == tau)
        fail = live & ((sv < 0) | (sv > tau))
        failed += float(x[fail].sum())
        e = np.bincount(dst[success], weights=x[success], minlength=graph.n)
        late = s >= 1
        exposure.append(e[late & (e > 0)])
        unexplained += int((late & (e == 0)).sum())
        exposed = np.zeros(graph.n, dtype=bool)
        exposed[dst[success | fail]] = True
        people += int(exposed.sum())
    e_all = np.concatenate(exposure) if exposure else np.zeros(0)
    cutoff = _chi2(confidence)

    def loglik(theta: float) -> float:
        if theta <= 0.0:
            return 0.0 if len(e_all) == 0 else -math.inf
        if math.isinf(theta):
            return -math.inf if failed > 0 else 0.0
        return float(-theta * failed + np.sum(np.log(-np.expm1(-theta * e_all))))

    def score(theta: float) -> float:
        return float(-failed + np.sum(e_all / np.expm1(theta * e_all)))

    notes: list[str] = []
    if len(e_all) == 0 and failed == 0:
        raise InputError(
            _FIT_SOURCE,
            Problem(
                "no contact of an adopter was exposed yet: there is nothing to fit",
                fix="wait for a week to end after the first adoptions, then fit again",
            ),
        )
    if len(e_all) == 0:
        theta_hat = 0.0
        notes.append("no adoption passed on by a contact yet: the estimate is P = 0")
    elif failed == 0:
        theta_hat = math.inf
        notes.append("every exposure so far led to an adoption: the estimate is P = 1")
    else:
        hi = 1.0
        while score(hi) > 0:
            hi *= 2.0
        lo = hi / 2.0
        while score(lo) < 0:
            lo /= 2.0
        theta_hat = _root(score, lo, hi)
    best = loglik(theta_hat)
    target = best - cutoff

    def gap(theta: float) -> float:
        return loglik(theta) - target

    if theta_hat == 0.0:
        low_t = 0.0
    else:
        a = theta_hat if math.isfinite(theta_hat) else 1.0
        while gap(a) > 0:
            a /= 2.0
        low_t = _root(gap, a, theta_hat if math.isfinite(theta_hat) else a * 2**60)
    if math.isinf(theta_hat):
        high_t = math.inf
    else:
        b = max(theta_hat, 1e-6) * 2.0
        while gap(b) > 0:
            b *= 2.0
        high_t = _root(gap, max(theta_hat, 1e-12), b)

    def to_p(theta: float) -> float:
        return 1.0 if math.isinf(theta) else float(-math.expm1(-theta))

    p_hat = to_p(theta_hat)
    se = math.nan
    if 0.0 < theta_hat < math.inf:
        half = theta_hat * e_all / 2.0
        info = float(np.sum((e_all / (2.0 * np.sinh(half))) ** 2))
        se = math.exp(-theta_hat) / math.sqrt(info) if info > 0 else math.nan
    low_p, high_p = to_p(low_t), to_p(high_t)
    grid = np.unique(
        np.clip(
            np.concatenate([np.linspace(low_p / 2.0, min(1.0, high_p * 1.5 + 1e-9), 41), [p_hat]]),
            0.0,
            1.0,
        )
    )
    profile = pd.DataFrame(
        {
            "parameter": "P",
            "value": grid,
            "log_likelihood": [loglik(-math.log1p(-p) if p < 1 else math.inf) for p in grid],
        }
    )
    parameters = pd.DataFrame(
        {
            "parameter": ["P"],
            "estimate": [p_hat],
            "low": [low_p],
            "high": [high_p],
            "standard_error": [se],
        }
    )
    if model.abandonment:
        notes.append(
            f"abandonment is not fitted (records do not say who dropped): kept at {model.abandonment:g}"
        )
    fitted = dataclasses.replace(model, prob=f"{name}:{p_hat:.6g}")
    what = "uniform" if name == "uniform" else "tie-weight"
    return Fit(
        model=fitted,
        parameters=parameters,
        log_likelihood=best,
        confidence=confidence,
        method=f"independent cascade, {what} probabilities",
        people=people,
        explained=len(e_all),
        unexplained=unexplained,
        profile=profile,
        notes=tuple(notes),
    )


# ---------------------------------------------------------------------------- complex
def _log_interval(lo: FloatArray, hi: FloatArray) -> FloatArray:
    """``log(Φ(hi) − Φ(lo))``, accurate in both tails (``lo < hi``; ``±inf`` allowed)."""
    flip = lo > 0  # upper tail: Φ(hi) − Φ(lo) = Φ(−lo) − Φ(−hi)
    a = np.where(flip, -hi, lo)
    b = np.where(flip, -lo, hi)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        top = special.log_ndtr(b)
        out = top + np.log1p(-np.exp(special.log_ndtr(a) - top))
    return np.where(np.isnan(out), -np.inf, out)


@dataclass(frozen=True)
class _Intervals:
    """Interval-censored thresholds: ``k_v ∈ (lo, hi]`` (``hi = inf``: not adopted), each
    distinct record once with its ``count``."""

    lo: FloatArray
    hi: FloatArray
    degree: FloatArray
    count: FloatArray
    unexplained: int
    records: int


def _intervals(graph: OrgGraph, rows: IntArray, last_step: int) -> _Intervals:
    src, dst = _arcs(graph)
    degree = np.diff(np.asarray(graph.und_indptr, dtype=np.int64)).astype(np.float64)
    los: list[FloatArray] = []
    his: list[FloatArray] = []
    degs: list[FloatArray] = []
    unexplained = 0
    for s in rows:
        su, sv = s[src], s[dst]
        adopted_before = su >= 0
        hi = np.bincount(dst, weights=adopted_before & (su <= sv - 1), minlength=graph.n)
        lo = np.bincount(dst, weights=adopted_before & (su <= sv - 2), minlength=graph.n)
        seen = np.bincount(dst, weights=adopted_before & (su <= last_step - 1), minlength=graph.n)
        late = s >= 1
        ok = late & (hi > lo) & (hi >= 1)
        unexplained += int((late & ~ok).sum())
        waiting = (s < 0) & (seen >= 1)
        los += [lo[ok], seen[waiting]]
        his += [hi[ok], np.full(int(waiting.sum()), np.inf)]
        degs += [degree[ok], degree[waiting]]
    table = np.column_stack([np.concatenate(los), np.concatenate(his), np.concatenate(degs)])
    distinct, count = np.unique(table, axis=0, return_counts=True)
    return _Intervals(
        lo=distinct[:, 0], hi=distinct[:, 1], degree=distinct[:, 2],
        count=count.astype(np.float64), unexplained=unexplained, records=len(table),
    )  # fmt: skip


def _count_loglik(data: _Intervals, k: int, sd: float) -> float:
    """Log-likelihood of integer thresholds ``max(1, round(N(k, (sd k)²)))``."""
    if sd <= 0.0:
        inside = (data.lo < k) & (k <= data.hi)
        return 0.0 if bool(inside.all()) else -math.inf
    scale = sd * k
    a = np.where(data.lo >= 1, (data.lo + 0.5 - k) / scale, -np.inf)
    b = np.where(np.isfinite(data.hi), (data.hi + 0.5 - k) / scale, np.inf)
    return float(np.sum(data.count * _log_interval(a, b)))


def _fraction_loglik(data: _Intervals, theta: float, sd: float) -> float:
    """Log-likelihood of ``k_v = max(1, ⌈θ_v deg⌉)``, ``θ_v = clip(N(θ, sd²), 0, 1)``."""
    x_lo = np.where(data.lo >= 1, (data.lo + 1e-9) / data.degree, -np.inf)
    x_hi = np.where(np.isfinite(data.hi), (data.hi + 1e-9) / data.degree, np.inf)
    x_hi = np.where(x_hi >= 1.0, np.inf, x_hi)  # θ_v ≤ 1 always
    x_lo = np.where(x_lo >= 1.0, np.inf, x_lo)
    if sd <= 0.0:
        t = min(max(theta, 0.0), 1.0)
        return 0.0 if bool(((x_lo < t) & (t <= x_hi)).all()) else -math.inf
    return float(np.sum(data.count * _log_interval((x_lo - theta) / sd, (x_hi - theta) / sd)))


def _best_sd(fn: Callable[[float], float]) -> tuple[float, float]:
    """Maximise ``fn(sd)`` over ``[0, _SD_MAX]``: returns ``(sd, value)``."""
    res = optimize.minimize_scalar(
        lambda u: -fn(math.exp(u)),
        bounds=(math.log(_SD_MIN), math.log(_SD_MAX)),
        method="bounded",
        options={"xatol": 1e-6},
    )
    sd, value = math.exp(float(res.x)), -float(res.fun)
    exact = fn(0.0)
    if exact >= value:
        return 0.0, exact
    return sd, value


def _interval(
    fn: Callable[[float], float], best: float, at: float, lo: float, hi: float, cutoff: float
) -> tuple[float, float]:
    """The values around ``at`` in ``[lo, hi]`` where ``fn`` stays within ``cutoff`` of ``best``."""

    def gap(v: float) -> float:
        return fn(v) - (best - cutoff)

    low = lo if gap(lo) >= 0 else _root(gap, lo, at, xtol=1e-7)
    high = hi if gap(hi) >= 0 else _root(gap, at, hi, xtol=1e-7)
    return low, high


def _fit_complex(
    graph: OrgGraph, rows: IntArray, model: SpreadModel, last_step: int, confidence: float
) -> Fit:
    data = _intervals(graph, rows, last_step)
    cutoff = _chi2(confidence)
    notes: list[str] = []
    explained = int(data.count[np.isfinite(data.hi)].sum())
    if len(data.lo) == 0:
        raise InputError(
            _FIT_SOURCE,
            Problem(
                "no one has an adopting contact yet: there is nothing to fit",
                fix="wait for a week to end after the first adoptions, then fit again",
            ),
        )
    if model.abandonment:
        notes.append(
            "abandonment is not fitted (records do not say who dropped): the fit assumes none; "
            f"the model keeps {model.abandonment:g}"
        )
    if model.fraction is None:
        top = int(max(np.max(data.lo) + 2, model.threshold + 1))
        ks = np.arange(1, top + 1)
        fits = [_best_sd(partial(_count_loglik, data, int(k))) for k in ks]
        values = np.array([v for _, v in fits])
        i = int(np.argmax(values))
        k_hat, (sd_hat, best) = int(ks[i]), fits[i]
        plausible = ks[values >= best - cutoff]
        sd_low, sd_high = _interval(
            lambda sd: _count_loglik(data, k_hat, sd), best, sd_hat, 0.0, _SD_MAX, cutoff
        )
        parameters = pd.DataFrame(
            {
                "parameter": ["k", "sd"],
                "estimate": [float(k_hat), sd_hat],
                "low": [float(plausible.min()), sd_low],
                "high": [float(plausible.max()), sd_high],
                "standard_error": [math.nan, math.nan],
            }
        )
        profile = pd.DataFrame(
            {"parameter": "k", "value": ks.astype(np.float64), "log_likelihood": values}
        )
        fitted = dataclasses.replace(model, threshold=k_hat, threshold_sd=sd_hat)
        method = "complex contagion, thresholds k ~ max(1, round(N(k, (sd·k)²)))"
    else:
        thetas = np.linspace(0.02, 1.0, 25)
        sds = np.exp(np.linspace(math.log(0.01), math.log(1.0), 8))
        grid = np.array([[_fraction_loglik(data, t, s) for s in sds] for t in thetas])
        ti, si = np.unravel_index(int(np.argmax(grid)), grid.shape)
        res = optimize.minimize(
            lambda z: -_fraction_loglik(data, float(z[0]), math.exp(float(z[1]))),
            x0=np.array([thetas[ti], math.log(sds[si])]),
            method="L-BFGS-B",
            bounds=[(0.0, 1.0), (math.log(_SD_MIN), math.log(_SD_MAX))],
        )
        theta_hat, sd_hat = float(res.x[0]), math.exp(float(res.x[1]))
        best = -float(res.fun)
        if not math.isfinite(best) or best < grid.max():
            theta_hat, sd_hat, best = float(thetas[ti]), float(sds[si]), float(grid.max())

        def profile_theta(t: float) -> float:
            return _best_sd(lambda sd: _fraction_loglik(data, t, sd))[1]

        def profile_sd(sd: float) -> float:
            res = optimize.minimize_scalar(
                lambda t: -_fraction_loglik(data, t, sd), bounds=(0.0, 1.0), method="bounded"
            )
            return -float(res.fun)

        best = max(best, profile_theta(theta_hat))
        theta_low, theta_high = _interval(profile_theta, best, theta_hat, 0.0, 1.0, cutoff)
        sd_low, sd_high = _interval(profile_sd, best, sd_hat, _SD_MIN, _SD_MAX, cutoff)
        parameters = pd.DataFrame(
            {
                "parameter": ["theta", "sd"],
                "estimate": [theta_hat, sd_hat],
                "low": [theta_low, sd_low],
                "high": [theta_high, sd_high],
                "standard_error": [math.nan, math.nan],
            }
        )
        values_t = np.unique(np.clip(np.linspace(theta_low - 0.05, theta_high + 0.05, 11), 0, 1))
        profile = pd.DataFrame(
            {
                "parameter": "theta",
                "value": values_t,
                "log_likelihood": [profile_theta(float(t)) for t in values_t],
            }
        )
        fitted = dataclasses.replace(model, fraction=round(theta_hat, 6), threshold_sd=sd_hat)
        method = "complex contagion, thresholds θ ~ clip(N(θ, sd²), 0, 1) of contacts"
    if parameters["estimate"].iloc[1] >= _SD_MAX * 0.999:
        notes.append(
            f"sd reached its upper limit ({_SD_MAX:g}): thresholds barely explain the timing"
        )
    return Fit(
        model=fitted,
        parameters=parameters,
        log_likelihood=float(best),
        confidence=confidence,
        method=method,
        people=data.records,
        explained=explained,
        unexplained=data.unexplained,
        profile=profile,
        notes=tuple(notes),
    )


def fit_contagion(
    graph: OrgGraph,
    adopted_step: npt.ArrayLike,
    model: SpreadModel = SpreadModel(),
    *,
    last_step: int,
    confidence: float = 0.95,
) -> Fit:
    """Fit ``model``'s free parameters to observed adoptions by maximum likelihood.

    ``adopted_step``: each person's adoption step by graph position (``-1``: not adopted),
    one row per initiative or cascade when two-dimensional; steps after ``last_step`` (the
    last completed step) count as not adopted. Fits ``P`` of ``ic`` with ``uniform:P`` or
    ``tie-weight:P``; ``k`` (or ``θ``) and ``sd`` of ``complex`` (see the module docstring).
    Returns a :class:`Fit` whose ``model`` is ``model`` with the estimates.

    Raises :class:`~peerweave.errors.InputError` when there is nothing to fit yet (no
    adoptions, no exposure) or the model has no free parameter (``lt``,
    ``weighted-cascade``); ``ValueError`` on malformed arguments.

    >>> g = _ring(300)
    >>> truth = SpreadModel("complex", prob="uniform:1", threshold=2, threshold_sd=0.3)
    >>> fit = fit_contagion(g, _steps(g, truth, seed=2, seeds=30), SpreadModel("complex"),
    ...                     last_step=12)
    >>> fit.model.threshold, fit.parameters["parameter"].tolist()
    (2, ['k', 'sd'])
    >>> fit_contagion(g, np.full(g.n, -1), last_step=3)
    Traceback (most recent call last):
    ...
    peerweave.errors.InputError: fit: no adoptions yet: there is nothing to fit (fix: record adoptions (or wait for the first week to end) and fit again)
    """
    if not isinstance(graph, OrgGraph):
        raise ValueError(f"graph must be an OrgGraph, got {type(graph).__name__}")
    if not isinstance(model, SpreadModel):
        raise ValueError(f"model must be a SpreadModel, got {model!r}")
    last_step = _count("last_step", last_step, 0)
    rows = _as_rows(adopted_step, graph.n, last_step)
    _chi2(confidence)
    _nothing_to_fit(rows)
    if model.kind == "lt":
        raise InputError(
            _FIT_SOURCE,
            Problem(
                "linear threshold has no free parameter to fit (uniform thresholds, weights "
                "fixed by the mapping)",
                fix="fit ic (the probability scale P) or complex (the thresholds) instead",
            ),
        )
    if model.kind == "ic":
        return _fit_ic(graph, rows, model, last_step, confidence)
    return _fit_complex(graph, rows, model, last_step, confidence)


# ---------------------------------------------------------------------------- re-forecast
@dataclass(frozen=True, eq=False)
class Reforecast:
    """A forecast from today (:func:`reforecast`).

    ``curve``: ``step, mean, p05, p95`` for steps ``from_step .. from_step + steps``
    (counted from the initiative's start, like the observed curve), adopters including those
    who had adopted by ``from_step`` (``adopters_now``); ``simulation``: the runs from today.
    """

    curve: pd.DataFrame
    simulation: Simulation
    from_step: int
    adopters_now: int
    model: SpreadModel
    notes: tuple[str, ...] = ()


def _without(graph: OrgGraph, gone: npt.NDArray[np.bool_]) -> OrgGraph:
    """The graph with every tie of the ``gone`` people removed (positions unchanged)."""
    src, dst = _arcs(graph)
    keep = ~gone[src] & ~gone[dst]
    indptr = np.zeros(graph.n + 1, dtype=np.int64)
    indptr[1:] = np.cumsum(np.bincount(src[keep], minlength=graph.n))
    return dataclasses.replace(
        graph,
        und_indptr=indptr,
        und_indices=np.asarray(graph.und_indices)[keep],
        und_weights=np.asarray(graph.und_weights)[keep],
    )


def _median_weight(graph: OrgGraph) -> float:
    w = np.asarray(graph.und_weights, dtype=np.float64)
    return float(np.median(w[w > 0])) if (w > 0).any() else math.nan


def reforecast(
    graph: OrgGraph,
    adopted_step: npt.ArrayLike,
    model: SpreadModel,
    *,
    last_step: int,
    steps: int = 26,
    runs: int = 1000,
    seed: int = 0,
) -> Reforecast:
    """Simulate ``steps`` more weeks of ``model`` (a fitted one, say) from the adopters of today.

    ``adopted_step`` as for :func:`fit_contagion` (one row); ``last_step`` the last completed
    step. See the module docstring for who starts the new runs.

    >>> g = _ring(10)
    >>> seen = np.array([0, 1, 2, 2, -1, -1, -1, -1, -1, 1])
    >>> r = reforecast(g, seen, SpreadModel(prob="uniform:1"), last_step=2, steps=3, runs=5)
    >>> r.adopters_now, r.curve["step"].tolist(), r.curve["mean"].tolist()
    (5, [2, 3, 4, 5], [5.0, 8.0, 10.0, 10.0])
    """
    last_step = _count("last_step", last_step, 0)
    rows = _as_rows(adopted_step, graph.n, last_step)
    if rows.shape[0] != 1:
        raise ValueError("reforecast takes one initiative: adopted_step must be one row")
    s = rows[0]
    adopted = s >= 0
    notes: list[str] = []
    offset = 0
    run_graph, run_model = graph, model
    if model.kind == "ic":
        done = adopted & (s < last_step)
        seeds = np.flatnonzero(adopted & (s == last_step))
        offset = int(done.sum())
        if done.any():
            run_graph = _without(graph, done)
            name, p = parse_prob(model.prob)
            if name == "tie-weight" and p is not None and 0.0 < p < 1.0:
                before, after = _median_weight(graph), _median_weight(run_graph)
                if math.isfinite(after):
                    scaled = -math.expm1(math.log1p(-p) * after / before)
                    run_model = dataclasses.replace(model, prob=f"tie-weight:{scaled:.12g}")
            elif name == "weighted-cascade":
                notes.append(
                    "weighted-cascade probabilities are taken on the network without the earlier"
                    " adopters: an approximation"
                )
    else:
        seeds = np.flatnonzero(adopted)
        if model.kind == "lt" or model.threshold_sd:
            notes.append("thresholds are drawn afresh from today: an approximation")
    sim = simulate(
        run_graph, seeds, run_model, runs=runs, steps=_count("steps", steps, 1), seed=seed
    )
    curve = pd.DataFrame(
        {
            "step": np.arange(last_step, last_step + sim.steps + 1, dtype=np.int64),
            "mean": sim.mean + offset,
            "p05": sim.p05 + offset,
            "p95": sim.p95 + offset,
        }
    )
    return Reforecast(
        curve=curve,
        simulation=sim,
        from_step=last_step,
        adopters_now=int(adopted.sum()),
        model=model,
        notes=tuple(notes),
    )


# ---------------------------------------------------------------------------- examples
def _ring(n: int) -> OrgGraph:
    """``n`` people on a ring, each tied to the 3 next ones (6 contacts each)."""
    ids = [f"p{i:04d}" for i in range(n)]
    src = [ids[i] for i in range(n) for d in (1, 2, 3)]
    dst = [ids[(i + d) % n] for i in range(n) for d in (1, 2, 3)]
    return OrgGraph.from_frames(
        pd.DataFrame({"person_id": ids}), pd.DataFrame({"source": src, "target": dst})
    )


def _steps(
    graph: OrgGraph, model: str | SpreadModel, *, seed: int = 0, seeds: int = 5, steps: int = 12
) -> IntArray:
    """Adoption steps of one simulated run from ``seeds`` people spread around the ring."""
    spread = model if isinstance(model, SpreadModel) else SpreadModel(prob=model)
    start = np.linspace(0, graph.n, seeds, endpoint=False).astype(np.int64)
    sim = simulate(graph, start, spread, runs=1, steps=steps, seed=seed)
    tree = sim.tree.drop_duplicates("person_id")
    out = np.full(graph.n, -1, dtype=np.int64)
    out[graph.index.get_indexer(pd.Index(tree["person_id"], dtype=object))] = tree[
        "step"
    ].to_numpy()
    return out
