"""Contagion models and probability mappings: parsing, validation and the mappings' formulas."""

from __future__ import annotations

import dataclasses
import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from peerweave.network.graph import OrgGraph
from peerweave.spread.model import (
    DEFAULT_TIE_PROBABILITY,
    SpreadModel,
    arc_probabilities,
    lt_weights,
    parse_prob,
)


def _random_graph(n: int, p: float, seed: int) -> OrgGraph:
    rng = np.random.default_rng(seed)
    G = nx.gnp_random_graph(n, p, seed=seed)
    for u, v in G.edges:
        G.edges[u, v]["weight"] = float(rng.integers(1, 6))
    return OrgGraph.from_networkx(G)


def _arcs(graph: OrgGraph) -> tuple[np.ndarray, np.ndarray]:
    """(source, target) of every entry of und_indices."""
    src = np.repeat(np.arange(graph.n), np.diff(graph.und_indptr))
    return src, np.asarray(graph.und_indices)


# ---------------------------------------------------------------------------- SpreadModel
def test_defaults() -> None:
    model = SpreadModel()
    assert (model.kind, model.prob, model.threshold, model.fraction) == (
        "ic",
        "tie-weight",
        2,
        None,
    )
    assert model.threshold_sd == 0.0
    assert model.abandonment == 0.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ic", SpreadModel()),
        ("lt", SpreadModel(kind="lt")),
        ("complex", SpreadModel(kind="complex")),
        ("complex:k=3", SpreadModel(kind="complex", threshold=3)),
        ("complex:theta=0.3", SpreadModel(kind="complex", fraction=0.3)),
        (
            "  Complex : k = 4 , sd = 0.5 ",
            SpreadModel(kind="complex", threshold=4, threshold_sd=0.5),
        ),
        (
            "complex:theta=0.25,delta=0.1",
            SpreadModel(kind="complex", fraction=0.25, abandonment=0.1),
        ),
        ("ic:delta=0.2", SpreadModel(abandonment=0.2)),
        ("lt:", SpreadModel(kind="lt")),
    ],
)
def test_parse(text: str, expected: SpreadModel) -> None:
    assert SpreadModel.parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sir", "unknown model 'sir'; use ic, lt or complex"),
        ("", "unknown model ''"),
        ("complex:k=x", "k='x' is not a number"),
        ("complex:k=1.5", "k must be a whole number"),
        ("complex:k=0", "threshold (k) must be an integer >= 1, got 0"),
        ("complex:theta=1.5", "fraction (theta) must be a number between 0 and 1"),
        ("complex:sd=-1", "threshold_sd must be a finite number >= 0"),
        ("ic:k=3", "ic takes delta, not 'k'"),
        ("complex:foo=1", "complex takes k, theta, sd or delta, not 'foo'"),
        ("complex:k", "'k' is not option=value"),
        ("lt:delta=1.5", "abandonment must be a probability between 0 and 1"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        SpreadModel.parse(text)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "sir"}, "unknown model 'sir'"),
        ({"prob": "uniform:1.5"}, "bad probability in 'uniform:1.5': 1.5 is not between 0 and 1"),
        ({"prob": "tie-weight:x"}, "bad probability in 'tie-weight:x': 'x' is not a number"),
        ({"threshold": 0}, "threshold (k) must be an integer >= 1"),
        ({"threshold": 2.5}, "threshold (k) must be an integer >= 1"),
        ({"threshold": True}, "threshold (k) must be an integer >= 1"),
        ({"fraction": -0.1}, "fraction (theta)"),
        ({"fraction": math.nan}, "fraction (theta)"),
        ({"threshold_sd": math.inf}, "threshold_sd must be a finite number >= 0"),
        ({"abandonment": -0.5}, "abandonment must be a probability between 0 and 1"),
        ({"abandonment": math.nan}, "abandonment must be a probability between 0 and 1"),
    ],
)
def test_model_validation(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as info:
        SpreadModel(**fields)  # type: ignore[arg-type]
    assert message in str(info.value)


def test_model_is_frozen_and_replaceable() -> None:
    model = SpreadModel.parse("lt")
    with pytest.raises(dataclasses.FrozenInstanceError):
        model.kind = "ic"  # type: ignore[misc]
    assert dataclasses.replace(model, prob="weighted-cascade").prob == "weighted-cascade"
    with pytest.raises(ValueError, match="unknown probability mapping"):
        dataclasses.replace(model, prob="degree")


# ---------------------------------------------------------------------------- parse_prob
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("uniform:0.1", ("uniform", 0.1)),
        ("uniform:0", ("uniform", 0.0)),
        ("uniform:1", ("uniform", 1.0)),
        ("weighted-cascade", ("weighted-cascade", None)),
        ("tie-weight", ("tie-weight", DEFAULT_TIE_PROBABILITY)),
        ("tie-weight:0.2", ("tie-weight", 0.2)),
        ("TIE-WEIGHT : 0.3", ("tie-weight", 0.3)),
    ],
)
def test_parse_prob(text: str, expected: tuple[str, float | None]) -> None:
    assert parse_prob(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("uniform:1.5", "1.5 is not between 0 and 1"),
        ("uniform:-0.1", "-0.1 is not between 0 and 1"),
        ("uniform:nan", "nan is not between 0 and 1"),
        ("uniform", "needs a probability: uniform:P"),
        ("uniform:", "needs a probability: uniform:P"),
        ("tie-weight:x", "'x' is not a number; use uniform:P, weighted-cascade, tie-weight"),
        ("weighted-cascade:0.1", "weighted-cascade takes no probability"),
        ("degree", "unknown probability mapping 'degree'"),
        ("", "unknown probability mapping ''"),
    ],
)
def test_parse_prob_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_prob(text)
    assert message in str(info.value)
    with pytest.raises(ValueError):
        arc_probabilities(_random_graph(5, 0.5, 0), text)
    with pytest.raises(ValueError):
        lt_weights(_random_graph(5, 0.5, 0), text)


def test_parse_prob_needs_text() -> None:
    with pytest.raises(ValueError, match="must be text"):
        parse_prob(0.1)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- arc_probabilities
@pytest.mark.parametrize("seed", range(3))
def test_uniform_and_weighted_cascade(seed: int) -> None:
    g = _random_graph(30, 0.15, seed)
    _, dst = _arcs(g)
    np.testing.assert_array_equal(arc_probabilities(g, "uniform:0.3"), np.full(len(dst), 0.3))
    G = g.to_networkx(directed=False)
    degree = np.array([G.degree(pid) for pid in g.ids])
    wc = arc_probabilities(g, "weighted-cascade")
    np.testing.assert_allclose(wc, 1.0 / degree[dst], rtol=0, atol=1e-15)
    # the arcs into each person carry probabilities summing to 1
    into = np.bincount(dst, weights=wc, minlength=g.n)
    np.testing.assert_allclose(into[degree > 0], 1.0, atol=1e-12)


@pytest.mark.parametrize("p", [0.05, 0.3, 0.9])
def test_tie_weight(p: float) -> None:
    g = _random_graph(40, 0.2, 7)
    w = np.asarray(g.und_weights)
    median = float(np.median(w))
    expected = 1.0 - (1.0 - p) ** (w / median)
    got = arc_probabilities(g, f"tie-weight:{p}")
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)
    # a tie of median strength passes on with probability p; a stronger tie more likely
    assert np.allclose(got[w == median], p)
    assert np.all(got[w > median] > p)
    assert np.all(got[w < median] < p)
    # twice the median weight = two independent contacts
    np.testing.assert_allclose(got[w == 2 * median], 1 - (1 - p) ** 2)


def test_tie_weight_default_and_extremes() -> None:
    g = _random_graph(20, 0.3, 1)
    np.testing.assert_array_equal(
        arc_probabilities(g, "tie-weight"), arc_probabilities(g, "tie-weight:0.01")
    )
    assert np.all(arc_probabilities(g, "tie-weight:0") == 0.0)
    assert np.all(arc_probabilities(g, "tie-weight:1") == 1.0)
    assert np.all(arc_probabilities(g, "uniform:1") == 1.0)


def test_tie_weight_ignores_non_positive_weights() -> None:
    people = pd.DataFrame({"person_id": list("abcd")})
    ties = pd.DataFrame({"source": list("abc"), "target": list("bcd"), "weight": [0.0, 2.0, 4.0]})
    g = OrgGraph.from_frames(people, ties)
    w = np.asarray(g.und_weights)
    p = arc_probabilities(g, "tie-weight:0.5")  # median of the positive weights: 3
    np.testing.assert_allclose(p[w == 0], 0.0)
    np.testing.assert_allclose(p[w == 2], 1 - 0.5 ** (2 / 3))
    np.testing.assert_allclose(p[w == 4], 1 - 0.5 ** (4 / 3))


def test_graph_without_ties() -> None:
    g = OrgGraph.from_frames(
        pd.DataFrame({"person_id": ["a", "b"]}), pd.DataFrame({"source": [], "target": []})
    )
    for prob in ("uniform:0.5", "weighted-cascade", "tie-weight"):
        assert arc_probabilities(g, prob).shape == (0,)
        assert lt_weights(g, prob).shape == (0,)
        assert arc_probabilities(g, prob).dtype == np.float64


# ---------------------------------------------------------------------------- lt_weights
@pytest.mark.parametrize(
    "prob", ["tie-weight", "tie-weight:0.5", "weighted-cascade", "uniform:0.2"]
)
def test_lt_weights_sum_to_one(prob: str) -> None:
    g = _random_graph(50, 0.1, 3)
    _, dst = _arcs(g)
    b = lt_weights(g, prob)
    assert b.shape == dst.shape
    assert np.all((b > 0) & (b <= 1))
    into = np.bincount(dst, weights=b, minlength=g.n)
    has_contacts = np.diff(g.und_indptr) > 0
    np.testing.assert_allclose(into[has_contacts], 1.0, atol=1e-12)
    assert np.all(into[~has_contacts] == 0)


def test_lt_weights_tie_weight_is_proportional() -> None:
    g = _random_graph(30, 0.2, 5)
    _, dst = _arcs(g)
    w = np.asarray(g.und_weights)
    strength = np.bincount(dst, weights=w, minlength=g.n)
    np.testing.assert_allclose(lt_weights(g, "tie-weight"), w / strength[dst], rtol=1e-12)
    degree = np.diff(g.und_indptr)
    np.testing.assert_allclose(lt_weights(g, "weighted-cascade"), 1.0 / degree[dst])


def test_lt_weights_without_positive_ties_fall_back_to_degree() -> None:
    people = pd.DataFrame({"person_id": list("abc")})
    ties = pd.DataFrame({"source": ["a", "a"], "target": ["b", "c"], "weight": [0.0, 0.0]})
    g = OrgGraph.from_frames(people, ties)
    # rows a: [b, c], b: [a], c: [a]; every tie weighs 0
    assert lt_weights(g, "tie-weight").tolist() == [1.0, 1.0, 0.5, 0.5]
