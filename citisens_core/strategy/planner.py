"""The campaign planner: which channels together reach the most households.

Exact: every subset of the scheme's channels is scored at once with numpy (4,096
subsets for 12 channels), so the chosen mix is the true optimum under the reach
model of :mod:`citisens_core.strategy.engine`, not a greedy approximation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

import numpy as np
import pandas as pd

from citisens_core.dutch import fmt_pct, join_dutch
from citisens_core.scheme import Scheme
from citisens_core.strategy.engine import (
    DREMPEL,
    _context,
    _present,
    channel_reach,
    mix_vector,
)
from citisens_core.strategy.rules import Rules

MAX_CHANNELS = 20  # 2**20 subsets is still fine; beyond that exhaustive search is not
_TOL = 1e-9


@dataclass(frozen=True)
class Plan:
    """A channel mix chosen by :func:`plan_campaign`.

    ``haalbaar`` is False when no allowed mix reaches every present profile for at
    least ``min_bereik``; the plan is then the mix whose weakest present profile is
    reached best, and ``tekort`` names the profiles that stay below the minimum.
    """

    kanalen: tuple[str, ...]
    namen: tuple[str, ...]
    bereik: float
    bereik_per_profiel: MappingProxyType[str, float]
    inspanning: float
    haalbaar: bool
    min_bereik: float
    tekort: MappingProxyType[str, float]
    toelichting: str


@cache
def _subsets(n: int) -> np.ndarray:
    """All non-empty subsets of n items as a boolean matrix (2**n - 1, n)."""
    codes = np.arange(1, 2**n, dtype=np.int64)
    return ((codes[:, None] >> np.arange(n)) & 1).astype(bool)


def _evaluate(mix: Mapping[str, float] | pd.Series, scheme: Scheme | None, rules: Rules | None
              ) -> tuple[Scheme, Rules, np.ndarray, pd.DataFrame, np.ndarray, np.ndarray,
                         np.ndarray, np.ndarray]:
    """Shares, reach per subset and profile, weighted reach, cost and size of each subset."""
    scheme, rules = _context(scheme, rules)
    shares = mix_vector(mix, scheme)
    reach = channel_reach(scheme, rules)
    n = len(reach)
    if n > MAX_CHANNELS:
        raise ValueError(f"the planner searches all subsets and handles at most {MAX_CHANNELS} "
                         f"channels; the scheme has {n}")
    subsets = _subsets(n)
    # log(1 - p) summed over a subset = log of the chance a household stays unreached
    log_miss = np.log1p(-np.minimum(reach.to_numpy(), 1 - 1e-12))
    profile_reach = 1 - np.exp(subsets.astype(float) @ log_miss)
    cost = subsets.astype(float) @ np.array([rules.kanalen[c].inspanning for c in reach.index])
    return (scheme, rules, shares, reach, subsets, profile_reach, profile_reach @ shares, cost)


def plan_campaign(mix: Mapping[str, float] | pd.Series, max_kanalen: int | None = None,
                  budget: float | None = None, min_bereik: float = 0.5,
                  drempel: float = DREMPEL, verplicht: Sequence[str] = (),
                  scheme: Scheme | None = None, rules: Rules | None = None) -> Plan:
    """Choose the channel mix that reaches the most households under constraints.

    Parameters
    ----------
    mix : mapping or pandas.Series
        Profile key → share of households.
    max_kanalen : int, optional
        At most this many channels.
    budget : float, optional
        At most this total effort (sum of each channel's ``inspanning`` in
        ``kanalen.yaml``, 1-5 per channel).
    min_bereik : float
        Every profile with share ≥ `drempel` must be reached for at least this share.
    drempel : float
        Share from which a profile counts as present.
    verplicht : sequence of str
        Channels that must be in the mix (e.g. the legally required publication).
    scheme, rules : optional

    Returns
    -------
    Plan
        With `max_kanalen` or `budget`: the feasible mix with the highest
        population-weighted reach (ties: lower effort, fewer channels, keys). With
        neither: the feasible mix with the least effort (ties: higher reach). When
        nothing is feasible: the mix whose weakest present profile is reached best.

    Raises
    ------
    ValueError
        On a bad mix, unknown channel keys or out-of-range parameters.
    """
    if max_kanalen is not None and max_kanalen < 1:
        raise ValueError(f"max_kanalen must be at least 1, got {max_kanalen}")
    if not 0 <= min_bereik <= 1:
        raise ValueError(f"min_bereik must be a fraction from 0 to 1, got {min_bereik}")
    scheme, rules, shares, reach, subsets, preach, weighted, cost = _evaluate(mix, scheme, rules)
    keys = list(reach.index)
    unknown = [c for c in verplicht if c not in keys]
    if unknown:
        raise ValueError(f"verplicht: unknown channels {unknown}; allowed: {', '.join(keys)}")
    allowed = _allowed(subsets, cost, keys, max_kanalen, budget, verplicht)
    if not allowed.any():
        raise ValueError("no channel mix fits the limits (budget too small for the required "
                         "channels?)")
    present = [scheme.keys.index(k) for k in _present(shares, scheme, drempel)]
    weakest = preach[:, present].min(axis=1) if present else np.ones(len(subsets))
    feasible = allowed & (weakest >= min_bereik - _TOL)
    sizes = subsets.sum(axis=1)
    if feasible.any():
        if max_kanalen is None and budget is None:
            order = (cost, -weighted, sizes)
        else:
            order = (-weighted, cost, sizes)
        best = _best(feasible, order, subsets, keys)
    else:
        best = _best(allowed, (-weakest, -weighted, cost, sizes), subsets, keys)
    return _plan(best, subsets, keys, preach, weighted, cost, shares, present, min_bereik,
                 bool(feasible.any()), scheme)


def _allowed(subsets: np.ndarray, cost: np.ndarray, keys: list[str], max_kanalen: int | None,
             budget: float | None, verplicht: Sequence[str]) -> np.ndarray:
    ok = np.ones(len(subsets), dtype=bool)
    if max_kanalen is not None:
        ok &= subsets.sum(axis=1) <= max_kanalen
    if budget is not None:
        ok &= cost <= budget + _TOL
    for c in verplicht:
        ok &= subsets[:, keys.index(c)]
    return ok


def _best(mask: np.ndarray, order: tuple[np.ndarray, ...], subsets: np.ndarray,
          keys: list[str]) -> int:
    """Index of the best subset in `mask` by `order` (smaller first), then by sorted keys."""
    idx = np.flatnonzero(mask)
    rounded = [np.round(o[idx], 9) for o in order]
    first = np.lexsort(tuple(reversed(rounded)))
    top = [idx[first[0]]]
    for j in first[1:]:  # exact ties on every criterion: decide by the sorted channel keys
        if all(r[j] == r[first[0]] for r in rounded):
            top.append(idx[j])
        else:
            break
    return min(top, key=lambda i: sorted(k for k, s in zip(keys, subsets[i], strict=True) if s))


def _plan(i: int, subsets: np.ndarray, keys: list[str], preach: np.ndarray, weighted: np.ndarray,
          cost: np.ndarray, shares: np.ndarray, present: list[int], min_bereik: float,
          feasible: bool, scheme: Scheme) -> Plan:
    chosen = tuple(k for k, s in zip(keys, subsets[i], strict=True) if s)
    per_profile = {k: float(v) for k, v in zip(scheme.keys, preach[i], strict=True)}
    short = {scheme.keys[j]: per_profile[scheme.keys[j]] for j in present
             if preach[i, j] < min_bereik - _TOL}
    names = tuple(scheme.kanalen[c] for c in chosen)
    text = (f"Met {len(names)} {'kanaal' if len(names) == 1 else 'kanalen'} "
            f"({'; '.join(names)}) bereik je naar schatting {fmt_pct(float(weighted[i]))} van "
            f"alle huishoudens, voor een inspanning van {cost[i]:g}.")
    if feasible:
        text += f" Elk aanwezig profiel wordt voor minstens {fmt_pct(min_bereik)} bereikt."
    else:
        missing = [f"{scheme.profile(k).naam} ({fmt_pct(v)})" for k, v in short.items()]
        text += (f" Binnen deze grenzen haalt geen enkele combinatie {fmt_pct(min_bereik)} "
                 f"bij elk aanwezig profiel; achter blijven: {join_dutch(missing)}.")
    return Plan(kanalen=chosen, namen=names, bereik=float(weighted[i]),
                bereik_per_profiel=MappingProxyType(per_profile), inspanning=float(cost[i]),
                haalbaar=feasible, min_bereik=min_bereik, tekort=MappingProxyType(short),
                toelichting=text)


def tradeoff(mix: Mapping[str, float] | pd.Series, max_kanalen: int = 8,
             min_bereik: float = 0.5, drempel: float = DREMPEL, budget: float | None = None,
             scheme: Scheme | None = None, rules: Rules | None = None) -> pd.DataFrame:
    """Best reach by number of channels, for a chart of reach against effort.

    Parameters
    ----------
    mix : mapping or pandas.Series
    max_kanalen : int
        Rows for 1 … this many channels (capped at the number of channels).
    min_bereik, drempel, budget : see :func:`plan_campaign`.
    scheme, rules : optional

    Returns
    -------
    pandas.DataFrame
        One row per number of channels: ``aantal_kanalen``, ``bereik`` (best
        population-weighted reach with exactly that many channels), ``laagste_bereik``
        (reach of the weakest present profile in that mix), ``kanalen`` (keys joined
        by ", "), ``inspanning``, ``haalbaar`` (whether any mix of that size meets
        `min_bereik` for every present profile), ``bereik_met_eis`` and
        ``kanalen_met_eis`` (the best such mix; NaN / "" when none).
    """
    scheme, rules, shares, reach, subsets, preach, weighted, cost = _evaluate(mix, scheme, rules)
    keys = list(reach.index)
    present = [scheme.keys.index(k) for k in _present(shares, scheme, drempel)]
    weakest = preach[:, present].min(axis=1) if present else np.ones(len(subsets))
    sizes = subsets.sum(axis=1)
    within = np.ones(len(subsets), dtype=bool) if budget is None else cost <= budget + _TOL
    rows = []
    for n in range(1, min(max_kanalen, len(keys)) + 1):
        size_ok = within & (sizes == n)
        if not size_ok.any():
            continue
        best = _best(size_ok, (-weighted, cost), subsets, keys)
        feasible = size_ok & (weakest >= min_bereik - _TOL)
        row = {"aantal_kanalen": n, "bereik": float(weighted[best]),
               "laagste_bereik": float(weakest[best]),
               "kanalen": ", ".join(k for k, s in zip(keys, subsets[best], strict=True) if s),
               "inspanning": float(cost[best]), "haalbaar": bool(feasible.any()),
               "bereik_met_eis": np.nan, "kanalen_met_eis": ""}
        if feasible.any():
            fbest = _best(feasible, (-weighted, cost), subsets, keys)
            row["bereik_met_eis"] = float(weighted[fbest])
            row["kanalen_met_eis"] = ", ".join(k for k, s in zip(keys, subsets[fbest],
                                                                  strict=True) if s)
        rows.append(row)
    return pd.DataFrame(rows)
