"""The resident panel (inwonerspanel): how representative it is, and whom to recruit.

A panel's members (:mod:`citisens_core.respondents`, ``postcode`` required,
``leeftijd``, ``geslacht``, ``kanaal`` = recruitment channel and the profile
check optional) are compared with the residents per profile, age band and
wijk. The recruitment plan says how many more members of which profile the
panel needs to reach a target composition (default: the residents' mix),
through which channels. Small groups are suppressed as everywhere
(:func:`citisens_core.privacy.suppress`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from citisens_core.consultation import (
    REPRESENTATION_DERIVED,
    THEME_DERIVED,
    Z95,
    _main_channel,
    _r,
    advice,
    by_channel,
    profile_routes,
    representation,
    routes_text,
    theme_results,
    weigh,
    weighted_mix,
)
from citisens_core.dutch import number
from citisens_core.privacy import count_text, is_small, suppress
from citisens_core.residents import AGE_BANDS, Residents
from citisens_core.respondents import PROFILE_SOURCE_CHECK, Respondents
from citisens_core.scheme import Scheme, load_scheme
from citisens_core.weighting import DEFAULT_CAP, Weights

#: A recruitment plan that would need more than this many times the panel is flagged.
MAX_GROWTH = 3.0


def _binomial_ratio(count: float, n: int, target: float) -> tuple[float, float, float]:
    """Ratio of an observed share to a known share, with a 95 % Wilson interval."""
    if n == 0 or not target > 0:
        return (math.nan, math.nan, math.nan)
    p = count / n
    centre = (p + Z95 ** 2 / (2 * n)) / (1 + Z95 ** 2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95 ** 2 / (4 * n * n)) / (1 + Z95 ** 2 / n)
    return p / target, max(centre - half, 0.0) / target, (centre + half) / target


def by_age(resp: Respondents) -> pd.DataFrame:
    """Members per age band against the adults living in the area."""
    ages = resp.residents.leeftijd
    band = resp.frame["leeftijd"]
    known = int(band.notna().sum())
    rows = []
    for label in AGE_BANDS:
        count = float((band == label).sum())
        target = float(ages[label]) if ages is not None else math.nan
        ratio, low, high = _binomial_ratio(count, known, target)
        rows.append({"leeftijd": label, "aantal": count,
                     "aandeel_leden": count / known if known else math.nan,
                     "aandeel_inwoners": target, "verhouding": ratio,
                     "verhouding_laag": low, "verhouding_hoog": high})
    return pd.DataFrame(rows)


def by_wijk(resp: Respondents) -> pd.DataFrame:
    """Members per wijk against the wijk's share of households."""
    areas = resp.residents.gebieden
    wijk_of = dict(zip(areas["code"], areas["wijknaam"], strict=True))
    households = areas.groupby("wijknaam")["huishoudens"].sum()
    placed = resp.frame["buurtcode"].dropna().map(wijk_of)
    n = int(placed.notna().sum())
    counts = placed.value_counts()
    rows = []
    for wijk, hh in households.sort_values(ascending=False).items():
        count = float(counts.get(wijk, 0))
        target = float(hh / households.sum())
        ratio, low, high = _binomial_ratio(count, n, target)
        rows.append({"wijk": str(wijk), "aantal": count, "aandeel_leden": count / n if n else 0,
                     "aandeel_inwoners": target, "verhouding": ratio,
                     "verhouding_laag": low, "verhouding_hoog": high})
    return pd.DataFrame(rows)


def recruitment_plan(rep: pd.DataFrame, channels: pd.DataFrame,
                     target: Mapping[str, float] | None = None, size: int | None = None,
                     scheme: Scheme | None = None) -> pd.DataFrame:
    """How many members of each profile to add to reach a target composition.

    Nobody leaves the panel, so the smallest panel with the target composition
    has ``N* = max_k(current_k / target_k)`` members (or `size` when larger);
    each profile needs ``N* · target_k − current_k`` more, rounded up.

    Parameters
    ----------
    rep : pandas.DataFrame
        :func:`~citisens_core.consultation.representation` of the members.
    channels : pandas.DataFrame
        :func:`~citisens_core.consultation.by_channel` of the members.
    target : mapping, optional
        Profile key → target share; default the residents' shares.
    size : int, optional
        Desired panel size.

    Returns
    -------
    pandas.DataFrame
        Index profile keys; ``naam``, ``aantal`` (members now, expected),
        ``doel_aandeel``, ``doel_aantal``, ``extra``, ``kanalen`` (best channels
        from the rule tables), ``instrumenten`` and ``via`` (the recruitment
        channel that brought most of this profile so far).
    """
    scheme = scheme or load_scheme()
    keys = list(rep.index)
    goal = (rep["aandeel_inwoners"] if target is None
            else pd.Series({k: float(target.get(k, 0.0)) for k in keys}))
    goal = goal / goal.sum()
    current = rep["aantal"].astype(float)
    needed = max([current[k] / goal[k] for k in keys if goal[k] > 0] + [float(size or 0)])
    rows = {}
    for key in keys:
        doel = needed * goal[key]
        kanalen, instrumenten = profile_routes(key, scheme)
        rows[key] = {"naam": rep.at[key, "naam"], "aantal": current[key],
                     "doel_aandeel": float(goal[key]), "doel_aantal": doel,
                     "extra": max(0, math.ceil(doel - current[key] - 1e-9)),
                     "kanalen": kanalen, "instrumenten": instrumenten,
                     "via": _main_channel(channels, key)}
    return pd.DataFrame.from_dict(rows, orient="index")


@dataclass(frozen=True)
class PanelCheck:
    """Everything the Panel page, the ``panel`` command and the factsheet show."""

    respondents: Respondents
    profielen: pd.DataFrame
    leeftijd: pd.DataFrame
    wijken: pd.DataFrame
    kanalen: pd.DataFrame
    werving: pd.DataFrame
    gewichten: Weights
    gewogen_mix: pd.Series
    thema: pd.DataFrame
    advies: list[dict[str, Any]]

    @property
    def residents(self) -> Residents:
        return self.respondents.residents

    @property
    def n(self) -> int:
        return len(self.respondents)

    @property
    def extra_total(self) -> int:
        return int(self.werving["extra"].sum())

    def profile_table(self) -> pd.DataFrame:
        table = self.profielen.assign(aandeel_gewogen=self.gewogen_mix)
        return suppress(table, "aantal", REPRESENTATION_DERIVED)

    def age_table(self) -> pd.DataFrame:
        return suppress(self.leeftijd, "aantal", ("aandeel_leden", "verhouding",
                                                  "verhouding_laag", "verhouding_hoog"))

    def wijk_table(self) -> pd.DataFrame:
        return suppress(self.wijken, "aantal", ("aandeel_leden", "verhouding",
                                                "verhouding_laag", "verhouding_hoog"))

    def recruitment_table(self) -> pd.DataFrame:
        # the current count is a group of members; the target and the extra are plans
        return suppress(self.werving, "aantal", ("via",))

    def theme_table(self) -> pd.DataFrame:
        return suppress(self.thema, "aantal", THEME_DERIVED)

    def recruitment_sentences(self) -> list[str]:
        """The recruitment plan in plain Dutch, largest need first."""
        plan = self.werving.sort_values("extra", ascending=False)
        out = []
        for _key, row in plan.iterrows():
            if row["extra"] <= 0:
                continue
            via = row["via"] if row["via"] and not is_small(row["aantal"]) else None
            text = (f"Werf {number(row['extra'])} {row['naam']} extra (nu "
                    f"{count_text(row['aantal'])}, doel {number(row['doel_aantal'])}), "
                    f"bij voorkeur via {routes_text(row['kanalen'])}.")
            if via:
                text += f" Tot nu toe kwamen zij vooral via ‘{via}’."
            out.append(text)
        total = self.n + self.extra_total
        if total > MAX_GROWTH * max(self.n, 1):
            out.append(f"Let op: voor deze samenstelling moet het panel groeien tot ongeveer "
                       f"{number(total)} leden. Overweeg een kleiner doel, of weeg de "
                       f"resultaten in plaats van alles met werving op te lossen.")
        return out or ["Het panel heeft de gewenste samenstelling al; werven is niet nodig."]

    def to_dict(self) -> dict[str, Any]:
        """The ``panel`` command's JSON (small groups suppressed)."""
        prof = self.profile_table()
        plan = self.recruitment_table()
        return {
            "gebied": self.residents.naam,
            "bron": self.respondents.source,
            "leden": count_text(self.n),
            "buiten_gebied": count_text(self.respondents.buiten),
            "met_profielcheck": count_text(
                int((self.respondents.frame["bron_profiel"] == PROFILE_SOURCE_CHECK).sum())),
            "profielen": {
                str(k): {"naam": r["naam"], "aantal_leden": r["aantal"],
                         "aandeel_respondenten": _r(r["aandeel_respondenten"]),
                         "aandeel_inwoners": _r(r["aandeel_inwoners"]),
                         "verhouding": _r(r["verhouding"]),
                         "verhouding_laag": _r(r["verhouding_laag"]),
                         "verhouding_hoog": _r(r["verhouding_hoog"]),
                         "oordeel": r["oordeel"]}
                for k, r in prof.iterrows()},
            "leeftijd": [{k: _r(v) for k, v in r.items()}
                         for r in self.age_table().to_dict("records")],
            "wijken": [{k: _r(v) for k, v in r.items()}
                       for r in self.wijk_table().to_dict("records")],
            "werving": {
                str(k): {"naam": r["naam"], "aantal_nu": r["aantal"],
                         "doel_aandeel": _r(r["doel_aandeel"]),
                         "doel_aantal": round(r["doel_aantal"]),
                         "extra": int(r["extra"]), "kanalen": list(r["kanalen"]),
                         "instrumenten": list(r["instrumenten"]), "via": r["via"]}
                for k, r in plan.iterrows()},
            "werving_totaal": self.extra_total,
            "werving_zinnen": self.recruitment_sentences(),
            "advies": [a["zin"] for a in self.advies],
            "thema": [{k: _r(v) for k, v in r.items()}
                      for r in self.theme_table().to_dict("records")],
            "weging": {"effectieve_steekproef": round(self.gewichten.n_eff, 1),
                       "design_effect": round(self.gewichten.design_effect, 3)},
        }


def panel_check(resp: Respondents, target: Mapping[str, float] | None = None,
                size: int | None = None, cap: float = DEFAULT_CAP,
                scheme: Scheme | None = None) -> PanelCheck:
    """Representativeness, recruitment plan and weighted results of a panel.

    Raises
    ------
    ValueError
        When no member lives in the area.
    """
    if len(resp) == 0:
        raise ValueError("geen enkel panellid woont in het gebied van het gebiedsbestand")
    rep = representation(resp)
    channels = by_channel(resp)
    weights = weigh(resp, cap=cap)
    return PanelCheck(
        respondents=resp, profielen=rep, leeftijd=by_age(resp), wijken=by_wijk(resp),
        kanalen=channels, werving=recruitment_plan(rep, channels, target, size, scheme),
        gewichten=weights, gewogen_mix=weighted_mix(resp, weights),
        thema=theme_results(resp, weights), advies=advice(rep, channels, scheme, wie="panelleden"))


def mix_gap_pp(mix: pd.Series, shares: np.ndarray) -> float:
    """Largest difference between two mixes in percentage points."""
    return float(100 * np.abs(mix.to_numpy() - shares / shares.sum()).max())
