"""The weighted mean and median against independent definitions (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from detente.models.compromise import weighted_mean
from detente.models.median import weighted_median

positions = arrays(np.float64, st.integers(1, 12), elements=st.integers(0, 100).map(float))


@st.composite
def weighted_points(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    x = draw(positions)
    w = draw(arrays(np.float64, x.shape, elements=st.integers(0, 50).map(float)))
    return x, w


@given(weighted_points())
@settings(max_examples=300, deadline=None)
def test_median_minimises_weighted_absolute_deviation(xw: tuple[np.ndarray, np.ndarray]) -> None:
    x, w = xw
    m = float(weighted_median(x, w))
    weights = w if w.sum() > 0 else np.ones_like(w)
    loss = lambda y: float(np.sum(weights * np.abs(x - y)))  # noqa: E731
    assert all(loss(m) <= loss(y) + 1e-9 for y in np.unique(x))
    assert x.min() <= m <= x.max()


@given(weighted_points())
@settings(max_examples=300, deadline=None)
def test_mean_matches_numpy_average(xw: tuple[np.ndarray, np.ndarray]) -> None:
    x, w = xw
    expected = np.average(x, weights=w) if w.sum() > 0 else x.mean()
    assert np.isclose(float(weighted_mean(x, w)), expected)


def test_batch_axes_match_one_at_a_time() -> None:
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 100, (50, 9))
    w = rng.uniform(0, 5, (50, 9))
    batched_median = weighted_median(x, w)
    batched_mean = weighted_mean(x, w)
    for k in range(50):
        assert batched_median[k] == weighted_median(x[k], w[k])
        assert np.isclose(batched_mean[k], weighted_mean(x[k], w[k]))


def test_median_even_split_is_midpoint() -> None:
    assert weighted_median(np.array([10.0, 30.0]), np.array([1.0, 1.0])) == 20.0
    assert weighted_median(np.array([10.0, 30.0, 50.0]), np.array([1.0, 1.0, 2.0])) == 40.0
