"""Survey weights: raking to known margins, trimming, and the effective sample size.

Raking (Deming & Stephan 1940) scales respondents' weights until the weighted
sample matches the population on each margin in turn. Here a respondent's
profile is not known for certain: it is a probability per profile. Raking
generalises to such fractional memberships as *generalised iterative scaling*
(Darroch & Ratcliff 1972): with memberships ``x_ik ≥ 0`` summing to 1, the
update ``w_i ← w_i · Π_k (T_k / current_k) ** x_ik`` converges to the raking
(minimum-entropy calibration) weights ``w_i = d_i · exp(Σ_k λ_k x_ik)``, and
for one-hot memberships it *is* classic raking. ``tests/test_weighting.py``
checks that against the project's table IPF (:mod:`citisens_core.ipf`).

Why not a survey library: the maintained Python options (``samplics``,
``balance``) rake categorical variables only, not probabilistic memberships,
and would add a heavy dependency for thirty lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Default cap on a weight, as a multiple of the mean weight (a common choice in
#: practice is 3-6; 5 keeps the design effect moderate without undoing the raking).
DEFAULT_CAP = 5.0


@dataclass(frozen=True)
class Weights:
    """Raked and trimmed weights with their diagnostics.

    Attributes
    ----------
    w : numpy.ndarray
        One weight per respondent, mean 1.
    n : int
    n_eff : float
        Kish's effective sample size ``(Σw)² / Σw²``.
    design_effect : float
        ``n / n_eff``.
    cap : float
        Weights were capped at ``cap`` times the mean.
    trimmed : int
        Respondents whose weight hit the cap.
    converged : bool
        Whether every margin is met within the tolerance after trimming.
    max_gap : float
        Largest remaining difference between a weighted margin and its target.
    """

    w: np.ndarray
    n: int
    n_eff: float
    design_effect: float
    cap: float
    trimmed: int
    converged: bool
    max_gap: float


def kish_n_eff(w: np.ndarray) -> float:
    """Kish's effective sample size of a set of weights."""
    w = np.asarray(w, float)
    total = w.sum()
    return float(total * total / (w * w).sum()) if total > 0 else 0.0


def _check(memberships: Sequence[np.ndarray], targets: Sequence[np.ndarray], n: int) -> None:
    if len(memberships) != len(targets):
        raise ValueError(f"{len(memberships)} memberships but {len(targets)} targets")
    for m, (x, t) in enumerate(zip(memberships, targets, strict=True)):
        if x.shape != (n, len(t)):
            raise ValueError(f"margin {m}: memberships of shape {x.shape}, expected {(n, len(t))}")
        if (x < 0).any() or (t < 0).any():
            raise ValueError(f"margin {m}: negative membership or target")
        if abs(t.sum() - 1) > 1e-6:
            raise ValueError(f"margin {m}: target shares add up to {t.sum():.4f}, not 1")


def margin_gaps(w: np.ndarray, memberships: Sequence[np.ndarray],
                targets: Sequence[np.ndarray]) -> float:
    """Largest |weighted share − target| over all margins (rows without membership ignored)."""
    worst = 0.0
    for x, t in zip(memberships, targets, strict=True):
        current = w @ x
        total = current.sum()
        if total > 0:
            worst = max(worst, float(np.abs(current / total - t).max()))
    return worst


def rake(memberships: Sequence[np.ndarray], targets: Sequence[np.ndarray],
         base: np.ndarray | None = None, max_iter: int = 500, tol: float = 1e-7) -> np.ndarray:
    """Rake weights so that each margin's weighted shares match its target.

    Parameters
    ----------
    memberships : sequence of numpy.ndarray
        Per margin an array ``(n, K_m)``: a respondent's membership of each
        category (one-hot, or probabilities summing to 1). A row of zeros means
        "unknown on this margin": that respondent is left out of it, and the
        margin's target applies to the weight of the respondents that have it.
    targets : sequence of numpy.ndarray
        Per margin the population shares ``(K_m,)``, summing to 1.
    base : numpy.ndarray, optional
        Starting (design) weights; default all 1.
    max_iter, tol
        Sweeps over the margins; stop when every share is within `tol`.

    Returns
    -------
    numpy.ndarray
        Weights with mean 1.
    """
    memberships = [np.asarray(x, float) for x in memberships]
    targets = [np.asarray(t, float) for t in targets]
    n = len(memberships[0]) if memberships else 0
    _check(memberships, targets, n)
    w = np.ones(n) if base is None else np.asarray(base, float).copy()
    for _ in range(max_iter):
        for x, t in zip(memberships, targets, strict=True):
            current = w @ x
            known = current.sum()
            if known <= 0:
                continue
            factor = np.divide(t * known, current, out=np.ones_like(current), where=current > 0)
            w *= np.exp(x @ np.log(np.where(factor > 0, factor, 1.0)))
        if margin_gaps(w, memberships, targets) < tol:
            break
    return w / w.mean() if n else w


def trimmed_rake(memberships: Sequence[np.ndarray], targets: Sequence[np.ndarray],
                 cap: float = DEFAULT_CAP, rounds: int = 25, tol: float = 1e-4) -> Weights:
    """Rake, cap the largest weights at ``cap`` × the mean, and rake again, a few rounds.

    The usual trimmed raking (as in ANES weighting): capping keeps a few
    respondents from carrying a whole group, at the price of margins met a
    little less exactly; ``max_gap`` reports how much.

    Returns
    -------
    Weights
    """
    if cap <= 1:
        raise ValueError(f"cap must be > 1 (a multiple of the mean weight), got {cap}")
    w = rake(memberships, targets)
    for _ in range(rounds):
        limit = cap * w.mean()
        if (w <= limit * (1 + 1e-9)).all():
            break
        w = rake(memberships, targets, base=_cap(w, cap), max_iter=50)
    w = _cap(w, cap)
    gap = margin_gaps(w, memberships, targets)
    n_eff = kish_n_eff(w)
    return Weights(w=w, n=len(w), n_eff=n_eff, design_effect=len(w) / n_eff if n_eff else np.nan,
                   cap=cap, trimmed=int((w >= cap * (1 - 1e-6)).sum()),
                   converged=gap < tol, max_gap=gap)


def _cap(w: np.ndarray, cap: float) -> np.ndarray:
    """Cap at ``cap`` × the mean and rescale to mean 1, until the cap holds after rescaling."""
    w = w / w.mean()
    for _ in range(100):
        if w.max() <= cap * (1 + 1e-9):
            break
        w = np.minimum(w, cap)
        w = w / w.mean()
    return w
