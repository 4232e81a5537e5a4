"""Raking with fractional memberships, trimming and Kish's effective sample size."""

import numpy as np
import pytest

from citisens_core.ipf import ipf
from citisens_core.weighting import kish_n_eff, margin_gaps, rake, trimmed_rake


def _onehot(codes, k):
    return np.eye(k)[codes]


def test_one_hot_raking_equals_the_projects_table_ipf():
    rng = np.random.default_rng(3)
    a, b = rng.integers(0, 3, 400), rng.integers(0, 4, 400)
    targets = [np.array([0.5, 0.3, 0.2]), np.array([0.1, 0.2, 0.3, 0.4])]
    w = rake([_onehot(a, 3), _onehot(b, 4)], targets)
    seed = np.zeros((3, 4))
    np.add.at(seed, (a, b), 1.0)
    expected = ipf(seed[None], [t[None] for t in targets], max_iter=500, tol=1e-12)[0]
    got = np.zeros((3, 4))
    np.add.at(got, (a, b), w)
    np.testing.assert_allclose(got / got.sum(), expected, atol=1e-6)


def test_fractional_memberships_meet_their_margin():
    rng = np.random.default_rng(4)
    p = rng.dirichlet(np.ones(5) * 0.3, size=600)
    target = np.array([0.1, 0.3, 0.2, 0.25, 0.15])
    w = rake([p], [target])
    assert margin_gaps(w, [p], [target]) < 1e-6
    assert np.isclose(w.mean(), 1)


def test_unknown_rows_are_left_out_of_that_margin_only():
    x = _onehot(np.array([0, 0, 0, 1, 1, 1]), 2)
    x[0] = 0  # this respondent's band is unknown
    w = rake([x], [np.array([0.25, 0.75])])
    assert np.isclose(w[1:3].sum() / w[1:].sum(), 0.25)
    assert np.isfinite(w).all()


def test_trimming_caps_weights_and_reports_the_cost():
    codes = np.array([0] * 5 + [1] * 95)  # group 0 is half the population but 5 % of the sample
    result = trimmed_rake([_onehot(codes, 2)], [np.array([0.5, 0.5])], cap=3.0)
    assert result.w.max() <= 3.0 * result.w.mean() * (1 + 1e-6)
    assert result.trimmed == 5
    assert result.max_gap > 0.1  # capped weights cannot reach the margin: said, not hidden
    assert not result.converged
    assert result.n_eff < result.n


def test_kish():
    assert kish_n_eff(np.ones(50)) == pytest.approx(50)
    assert kish_n_eff(np.array([1.0, 1.0, 4.0])) == pytest.approx(36 / 18)


def test_bad_targets_are_refused():
    with pytest.raises(ValueError, match="add up"):
        rake([np.eye(2)], [np.array([0.5, 0.6])])
    with pytest.raises(ValueError, match="cap"):
        trimmed_rake([np.eye(2)], [np.array([0.5, 0.5])], cap=1.0)
