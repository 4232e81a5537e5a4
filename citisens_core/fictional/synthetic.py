"""The generative model behind all synthetic data: households → cells → profiles.

One model generates both the national reference survey and the demo gemeente's
population, so the demo has a known true profile mix per area that the
estimation chain must recover.

* :func:`national_cell_distribution` — the joint distribution of Dutch
  households over demographic cells: national marginals plus plausible
  associations (young people mostly single, low incomes mostly renting, …),
  raked back to the marginals. Associations are assumptions, stated below.
* :func:`profile_given_cell` — P(profile | cell) as a log-linear model of the
  scheme's demographic leanings, with intercepts calibrated so that the
  national mix equals the scheme's national shares.
"""

from __future__ import annotations

import numpy as np

from citisens_core.demographics import CELL_SHAPE, DIMENSIONS, NATIONAL_MARGINALS
from citisens_core.ipf import ipf
from citisens_core.scheme import Scheme

#: Raise when the generative model or the scheme's demographic weights change: the
#: default model's cache file name carries it, so nobody loads a model fitted on
#: the old synthetic survey (2: leanings tuned so that no estimate on the real
#: 2015 buurten contradicts the scheme's ``neigingen``).
GENERATIVE_VERSION = 2

# Pairwise associations between dimensions as log-odds (assumption, chosen to
# resemble CBS cross-tables in broad strokes). Rows/columns follow DIMENSIONS.
_ASSOCIATIONS: dict[tuple[str, str], list[list[float]]] = {
    # 18-24 mostly single, 25-44 families, 65+ no children at home
    ("leeftijd", "huishouden"): [[1.6, -0.2, -2.0], [-0.1, -0.3, 0.6],
                                 [-0.2, 0.2, 0.3], [0.5, 0.6, -2.8]],
    # the young rent
    ("leeftijd", "woning"): [[-1.8, 1.8], [-0.1, 0.1], [0.3, -0.3], [0.1, -0.1]],
    # the young and the old have lower incomes
    ("leeftijd", "inkomen"): [[1.2, 0.0, -1.2], [-0.2, 0.1, 0.2],
                              [-0.4, 0.0, 0.5], [0.5, 0.1, -0.8]],
    # singles have lower household incomes, families higher
    ("huishouden", "inkomen"): [[1.0, 0.0, -1.0], [-0.4, 0.1, 0.4], [-0.4, 0.2, 0.3]],
    # cities rent, the countryside owns
    ("stedelijkheid", "woning"): [[-0.8, 0.8], [-0.3, 0.3], [0.1, -0.1],
                                  [0.4, -0.4], [0.6, -0.6]],
    ("stedelijkheid", "huishouden"): [[0.6, -0.2, -0.5], [0.2, 0.0, -0.2], [-0.1, 0.0, 0.1],
                                      [-0.3, 0.1, 0.2], [-0.4, 0.2, 0.2]],
    # low incomes rent, high incomes own
    ("woning", "inkomen"): [[-0.9, 0.1, 0.8], [0.9, -0.1, -0.8]],
}


def national_cell_distribution() -> np.ndarray:
    """The national joint distribution of households over cells.

    Returns
    -------
    numpy.ndarray
        Shape `CELL_SHAPE`, sums to 1, with the marginals of `NATIONAL_MARGINALS`.
    """
    return cell_distribution(NATIONAL_MARGINALS)


def cell_distribution(marginals: dict[str, tuple[float, ...]]) -> np.ndarray:
    """Joint cell distribution with these marginals and the national associations.

    Parameters
    ----------
    marginals : mapping of dimension → shares
        One tuple of category shares per dimension (each sums to 1).

    Returns
    -------
    numpy.ndarray
        Shape `CELL_SHAPE`, sums to 1.
    """
    dims = list(DIMENSIONS)
    log_seed = np.zeros(CELL_SHAPE)
    for (a, b), table in _ASSOCIATIONS.items():
        shape = [1] * len(dims)
        shape[dims.index(a)] = len(DIMENSIONS[a])
        shape[dims.index(b)] = len(DIMENSIONS[b])
        log_seed = log_seed + np.asarray(table).reshape(shape)
    seed = np.exp(log_seed)[np.newaxis]
    targets = [np.asarray(marginals[d], dtype=float)[np.newaxis] for d in dims]
    return ipf(seed, targets)[0]


def profile_logits(scheme: Scheme) -> np.ndarray:
    """Uncalibrated log-weights of each profile per cell, shape `CELL_SHAPE + (K,)`."""
    dims = list(DIMENSIONS)
    logits = np.zeros((*CELL_SHAPE, len(scheme.profielen)))
    for k, profile in enumerate(scheme.profielen):
        for axis, dim in enumerate(dims):
            weights = np.array([profile.demografie[dim][c] for c in DIMENSIONS[dim]])
            shape = [1] * len(dims)
            shape[axis] = len(weights)
            logits[..., k] += weights.reshape(shape)
    return logits


def profile_given_cell(scheme: Scheme, n_iter: int = 200) -> np.ndarray:
    """P(profile | cell), calibrated to the scheme's national shares.

    Parameters
    ----------
    scheme : Scheme
    n_iter : int
        Fixed-point iterations for the intercepts (converges in far fewer).

    Returns
    -------
    numpy.ndarray
        Shape `CELL_SHAPE + (K,)`; each cell's row sums to 1.
    """
    logits = profile_logits(scheme)
    weights = national_cell_distribution()[..., np.newaxis]
    target = np.asarray(scheme.shares)
    intercept = np.log(target)
    for _ in range(n_iter):
        probs = _softmax(logits + intercept)
        current = (probs * weights).sum(axis=tuple(range(len(CELL_SHAPE))))
        step = np.log(target / current)
        intercept += step
        if np.abs(step).max() < 1e-10:
            break
    return _softmax(logits + intercept)


def _softmax(x: np.ndarray) -> np.ndarray:
    z = np.exp(x - x.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)
