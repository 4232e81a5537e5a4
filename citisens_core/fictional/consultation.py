"""A synthetic consultation and resident panel for the demo gemeente, with a known bias.

Both are drawn from the demo gemeente's synthetic households
(:func:`citisens_core.fictional.demo.build_demo`), so every respondent's true
profile is known, and both are generated in memory when first asked for (the
demo gemeente may be regenerated; no data file has to follow it).

The planted bias (assumptions, after the Wijk bij Duurstede reach check in
``shared/domain/profielen.md``):

* **consultation** (:data:`CONSULTATION_BIAS`): Gevestigde Beïnvloeders answer
  twice as often as their share, mostly at the evening meeting; Honkvaste
  Buurtbewoners and Stadse Nomaden answer far less often, the former mostly on
  the street; every other profile answers exactly in proportion. The
  multipliers are chosen so that the proportional profiles keep their share.
* **panel** (:data:`PANEL_BIAS`): few Stadse Nomaden, more Gevestigde
  Beïnvloeders; the rest in proportion.

The number of respondents per profile is fixed (largest remainder), not drawn,
so the planted ratios hold exactly in the truth and only the estimation chain
(profile check, area estimate) stands between them and what the tools find.
"""

from __future__ import annotations

from functools import cache
from types import MappingProxyType

import numpy as np
import pandas as pd

from citisens_core.fictional.survey import _answers
from citisens_core.scheme import load_scheme

CONSULTATION_SEED = 1313
PANEL_SEED = 1314
CONSULTATION_SIZE = 900
PANEL_SIZE = 650
#: Share of respondents who fill in the short profile check (assumption).
CHECK_RATE = 0.9

#: Response multiplier per profile (1 = in proportion to the households).
CONSULTATION_BIAS = MappingProxyType({
    "gevestigde_beinvloeders": 2.0,
    "honkvaste_buurtbewoners": 0.55,
    "stadse_nomaden": 0.35,
})
PANEL_BIAS = MappingProxyType({
    "stadse_nomaden": 0.3,
    "gevestigde_beinvloeders": 1.45,
})

#: Channel of response per profile: the planted channel pattern (shares).
_DEFAULT_CHANNELS = {"Online enquête": 0.6, "Sociale media": 0.15, "Straat": 0.15,
                     "Bijeenkomst": 0.1}
CONSULTATION_CHANNELS = MappingProxyType({
    "gevestigde_beinvloeders": {"Bijeenkomst": 0.55, "Online enquête": 0.4, "Straat": 0.05},
    "honkvaste_buurtbewoners": {"Straat": 0.7, "Online enquête": 0.25, "Bijeenkomst": 0.05},
    "stadse_nomaden": {"Sociale media": 0.6, "Online enquête": 0.3, "Straat": 0.1},
    "zorgzame_senioren": {"Bijeenkomst": 0.35, "Straat": 0.35, "Online enquête": 0.3},
})
PANEL_CHANNELS = MappingProxyType({
    "gevestigde_beinvloeders": {"Brief": 0.6, "Website": 0.4},
    "stadse_nomaden": {"Sociale media": 1.0},
    "zorgzame_senioren": {"Brief": 0.8, "Website": 0.2},
})
_DEFAULT_PANEL_CHANNELS = {"Brief": 0.45, "Website": 0.35, "Sociale media": 0.2}

#: Theme questions: the mean agreement (1-5) per profile, so that weighting
#: visibly changes the result (assumption).
GREEN_QUESTION = "Meer groen in het centrum is belangrijk (1-5)"
GREEN_MEAN = MappingProxyType({
    "kritische_vernieuwers": 4.4, "stadse_nomaden": 3.9, "geinformeerde_gezinsdrukte": 4.2,
    "gevestigde_beinvloeders": 2.6, "zelfbewuste_aanpakkers": 3.3, "zorgzame_senioren": 3.1,
    "honkvaste_buurtbewoners": 3.8, "eigengereide_digitalen": 3.5})
PARKING_QUESTION = "Voorkeur voor het plein"
PARKING_CHOICE = MappingProxyType({  # P(parkeren) vs groen plein vs geen voorkeur
    "gevestigde_beinvloeders": (0.65, 0.25, 0.10), "zelfbewuste_aanpakkers": (0.5, 0.35, 0.15),
    "zorgzame_senioren": (0.55, 0.25, 0.20)})
_PARKING_DEFAULT = (0.25, 0.6, 0.15)
PARKING_ANSWERS = ("Parkeerplaatsen", "Groen plein", "Geen voorkeur")

WASTE_QUESTION = "Tevredenheid over het ophalen van afval (1-5)"
WASTE_MEAN = MappingProxyType({"gevestigde_beinvloeders": 3.9, "stadse_nomaden": 3.0,
                               "zorgzame_senioren": 3.6, "honkvaste_buurtbewoners": 2.9})
CONTAINER_QUESTION = "Brengt u grofvuil zelf naar de milieustraat?"


@cache
def _population() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The demo gemeente's households, each with one adult who answers (built once).

    The answering adult is drawn at random among the household's members of 18
    and over, so that respondents' ages follow the adults', not the heads'.
    """
    from citisens_core.fictional.demo import build_demo

    population = build_demo().population
    adults = population.persons[population.persons["leeftijd"] >= 18]
    answering = adults.sample(frac=1.0, random_state=CONSULTATION_SEED).drop_duplicates(
        "huishouden_id")
    households = population.households.merge(
        answering[["huishouden_id", "leeftijd", "geslacht"]].rename(
            columns={"leeftijd": "leeftijd_jaren"}), on="huishouden_id", how="inner")
    return households, population.persons


def _allocate(total: int, shares: dict[str, float]) -> dict[str, int]:
    """Whole numbers proportional to `shares` summing to `total` (largest remainder)."""
    keys = list(shares)
    raw = np.array([shares[k] for k in keys], float)
    raw = raw / raw.sum() * total
    counts = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - counts), kind="stable")[:total - counts.sum()]:
        counts[i] += 1
    return dict(zip(keys, counts.tolist(), strict=True))


def _sample(size: int, bias: dict[str, float], seed: int) -> pd.DataFrame:
    households, _ = _population()
    scheme = load_scheme()
    truth = households["profiel"].value_counts(normalize=True).reindex(scheme.keys).fillna(0)
    wanted = _allocate(size, {k: float(truth[k]) * bias.get(k, 1.0) for k in scheme.keys})
    rng = np.random.default_rng(seed)
    parts = []
    for key in scheme.keys:
        pool = households[households["profiel"] == key]
        take = rng.choice(len(pool), size=min(wanted[key], len(pool)), replace=False)
        parts.append(pool.iloc[np.sort(take)])
    sample = pd.concat(parts, ignore_index=True)
    return sample.iloc[rng.permutation(len(sample))].reset_index(drop=True)


def _channels(sample: pd.DataFrame, table: dict, default: dict) -> np.ndarray:
    out = np.empty(len(sample), dtype=object)
    for key, rows in sample.groupby("profiel").groups.items():
        counts = _allocate(len(rows), dict(table.get(key, default)))
        labels = np.repeat(list(counts), list(counts.values()))
        out[np.asarray(list(rows))] = labels
    return out


def _age_band(age: pd.Series) -> pd.Series:
    bins = [17, 24, 44, 64, 200]
    return pd.cut(age, bins=bins, labels=["18-24", "25-44", "45-64", "65+"]).astype(str)


def _check_items(rng: np.random.Generator, sample: pd.DataFrame) -> pd.DataFrame:
    """All answer columns for everyone; a tenth leaves the profile check empty."""
    scheme = load_scheme()
    profiles = pd.Index(scheme.keys).get_indexer(sample["profiel"])
    answers = _answers(rng, scheme, profiles).astype("Float64")
    skipped = rng.random(len(sample)) > CHECK_RATE
    answers.loc[skipped, :] = pd.NA
    return answers


def _scale(rng: np.random.Generator, profiles: pd.Series, means: dict, default: float
           ) -> np.ndarray:
    mean = profiles.map(lambda k: means.get(k, default)).to_numpy(float)
    return np.clip(np.rint(mean + rng.normal(0, 0.9, len(mean))), 1, 5).astype(int)


@cache
def demo_consultation() -> pd.DataFrame:
    """The synthetic consultation: one row per respondent, in the upload format.

    Columns ``postcode`` (PC6), ``kanaal``, ``leeftijd`` (age band), the full
    profile check (all answer columns of the questionnaire), two theme
    questions, and ``ware_profiel`` (the generating profile, for validation
    only; the reach check ignores it).
    """
    rng = np.random.default_rng(CONSULTATION_SEED)
    sample = _sample(CONSULTATION_SIZE, dict(CONSULTATION_BIAS), CONSULTATION_SEED)
    frame = pd.DataFrame({
        "postcode": sample["pc6"].to_numpy(),
        "kanaal": _channels(sample, dict(CONSULTATION_CHANNELS), _DEFAULT_CHANNELS),
        "leeftijd": _age_band(sample["leeftijd_jaren"]).to_numpy(),
    })
    frame = pd.concat([frame, _check_items(rng, sample)], axis=1)
    frame[GREEN_QUESTION] = _scale(rng, sample["profiel"], dict(GREEN_MEAN), 3.5)
    probs = np.array([PARKING_CHOICE.get(k, _PARKING_DEFAULT) for k in sample["profiel"]])
    pick = (probs.cumsum(axis=1) < rng.random(len(sample))[:, None]).sum(axis=1).clip(max=2)
    frame[PARKING_QUESTION] = np.asarray(PARKING_ANSWERS, dtype=object)[pick]
    frame["ware_profiel"] = sample["profiel"].to_numpy()
    return frame


@cache
def demo_panel() -> pd.DataFrame:
    """The synthetic resident panel: one row per member, in the upload format.

    Columns ``postcode``, ``leeftijd`` (age in years), ``geslacht``, ``kanaal``
    (recruitment channel), the profile check, the answers to the panel's latest
    survey (afval) and ``ware_profiel``.
    """
    rng = np.random.default_rng(PANEL_SEED)
    sample = _sample(PANEL_SIZE, dict(PANEL_BIAS), PANEL_SEED)
    frame = pd.DataFrame({
        "postcode": sample["pc6"].to_numpy(),
        "leeftijd": sample["leeftijd_jaren"].astype(int).to_numpy(),
        "geslacht": sample["geslacht"].to_numpy(),
        "kanaal": _channels(sample, dict(PANEL_CHANNELS), _DEFAULT_PANEL_CHANNELS),
    })
    frame = pd.concat([frame, _check_items(rng, sample)], axis=1)
    frame[WASTE_QUESTION] = _scale(rng, sample["profiel"], dict(WASTE_MEAN), 3.4)
    frame[CONTAINER_QUESTION] = np.where(rng.random(len(sample)) < 0.55, "Ja", "Nee")
    frame["ware_profiel"] = sample["profiel"].to_numpy()
    return frame


def to_csv_bytes(frame: pd.DataFrame, truth: bool = False) -> bytes:
    """The frame as the semicolon CSV a gemeente would upload (without the truth column)."""
    out = frame if truth else frame.drop(columns=["ware_profiel"])
    return out.to_csv(index=False, sep=";", lineterminator="\n").encode("utf-8")
