"""Iterative proportional fitting, vectorised over many areas at once.

The classic raking algorithm (Deming & Stephan, 1940): scale a seed table so
that its one-dimensional marginals match the targets, one dimension at a time,
until they all match. The `ipfn` package implements the same for one table at a
time; estimating 15,000 areas with a Python loop over it takes minutes, so here
the areas are the leading axis of one numpy array. ``tests/test_ipf.py`` checks
this implementation against `ipfn` on random tables.
"""

from __future__ import annotations

import numpy as np


def ipf(seed: np.ndarray, targets: list[np.ndarray], max_iter: int = 100,
        tol: float = 1e-9) -> np.ndarray:
    """Rake a seed table per area to match one-dimensional target marginals.

    Parameters
    ----------
    seed : numpy.ndarray
        Shape ``(n_areas, d1, …, dm)`` or ``(1, d1, …, dm)`` to share one seed;
        strictly positive.
    targets : list of numpy.ndarray
        One array per dimension, shape ``(n_areas, d_i)`` or ``(1, d_i)``; each
        row sums to 1.
    max_iter : int
        Upper bound on full sweeps over the dimensions.
    tol : float
        Stop when every marginal is within `tol` of its target.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_areas, d1, …, dm)``, each area's table summing to 1.
    """
    n_dims = seed.ndim - 1
    if len(targets) != n_dims:
        raise ValueError(f"seed has {n_dims} dimensions but {len(targets)} targets were given")
    n_areas = max([seed.shape[0]] + [t.shape[0] for t in targets])
    table = np.broadcast_to(seed, (n_areas, *seed.shape[1:])).astype(float, copy=True)
    table /= table.sum(axis=tuple(range(1, n_dims + 1)), keepdims=True)
    for _ in range(max_iter):
        worst = 0.0
        for axis, target in enumerate(targets, start=1):
            others = tuple(a for a in range(1, n_dims + 1) if a != axis)
            margin = table.sum(axis=others)
            worst = max(worst, float(np.abs(margin - target).max()))
            factor = np.divide(target, margin, out=np.zeros_like(margin), where=margin > 0)
            shape = [n_areas] + [1] * n_dims
            shape[axis] = target.shape[1]
            table *= factor.reshape(shape)
        if worst < tol:
            break
    return table
