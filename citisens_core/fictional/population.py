"""A synthetic population of households and persons, and its CBS-style statistics.

The demo gemeente's figures are not invented per buurt: they are *counted* from
a population drawn with the same generative model as the reference survey
(:mod:`citisens_core.fictional.synthetic`). That makes the true profile mix of every area
known, so the whole estimation chain can be checked against it.

Per buurt a **character** (old centre, post-war estate, new-build suburb,
village, countryside, business park) sets the demographic marginals of the
households. Each buurt draws its own marginals around its character's means,
so buurten of one character differ the way real ones do. The buurt's joint cell
distribution is the national association pattern raked to those marginals
(:func:`citisens_core.fictional.synthetic.cell_distribution`); households are drawn from
it, get a profile from P(profile | cell), and get members (a head, a partner or
housemate, children), a dwelling value and an income.

:func:`aggregate_cbs` counts a population into the columns and units of the CBS
wijk- en buurtkaart (percentages rounded to whole numbers, counts randomly
rounded to multiples of 5, CBS secrecy rules), :func:`aggregate_postcode` into
those of the CBS postcode statistics (counts), and :func:`true_mix` gives the
realised profile shares per area.

All figures below that are not computed are **assumptions** chosen to resemble
Dutch buurten in broad strokes; none is a published CBS figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from citisens_core.demographics import DIMENSIONS
from citisens_core.fictional.survey import cells_frame, draw_cells, draw_profiles
from citisens_core.fictional.synthetic import cell_distribution, profile_given_cell
from citisens_core.scheme import Scheme, load_scheme

#: CBS's marker for a secret or absent value (see the Toelichting wijk- en buurtkaart).
SECRET = -99997

#: Lower bounds of `omgevingsadressendichtheid` (addresses per km²) of the CBS
#: urbanity classes 1 (zeer sterk stedelijk) … 4; below the last bound is class 5.
URBANITY_BOUNDS: tuple[int, ...] = (2500, 1500, 1000, 500)

#: CBS publishes no percentages or averages for areas with fewer inhabitants.
MIN_INHABITANTS_FIGURES = 50
#: … no density below this many inhabitants …
MIN_INHABITANTS_DENSITY = 10
#: … no income figures below this many inhabitants …
MIN_INHABITANTS_INCOME = 100
#: … and no average WOZ value below this many dwellings.
MIN_DWELLINGS_WOZ = 20
#: Postcode statistics: person and household figures only from this many inhabitants.
MIN_INHABITANTS_POSTCODE = 5

AGE_GROUPS: tuple[tuple[str, int, int], ...] = (
    ("0_tot_15_jaar", 0, 15),
    ("15_tot_25_jaar", 15, 25),
    ("25_tot_45_jaar", 25, 45),
    ("45_tot_65_jaar", 45, 65),
    ("65_jaar_en_ouder", 65, 200),
)


@dataclass(frozen=True)
class Character:
    """Demographic profile of a kind of buurt (all figures are assumptions).

    Shares follow the category order of :data:`citisens_core.demographics.DIMENSIONS`.
    """

    naam: str
    leeftijd: tuple[float, ...]  # age of the household head: 18-24, 25-44, 45-64, 65+
    huishouden: tuple[float, ...]  # alleenstaand, zonder_kinderen, met_kinderen
    woning: tuple[float, ...]  # koop, huur
    inkomen: tuple[float, ...]  # laag (lowest 40 % nationally), midden, hoog (top 20 %)
    adressendichtheid: tuple[float, float]  # range of omgevingsadressendichtheid
    corporatie: float  # share of rented dwellings owned by a housing corporation
    woz: float  # typical WOZ value of a dwelling, x € 1,000


#: The buurt characters of the demo gemeente. Density ranges put the urbanity
#: class where a Dutch town of ~40,000 has it: centre 2, post-war 2-3, new-build 3,
#: villages 4-5, countryside 5.
CHARACTERS: MappingProxyType[str, Character] = MappingProxyType({
    "oude_kern": Character("Oude kern", (0.13, 0.40, 0.25, 0.22), (0.58, 0.26, 0.16),
                           (0.42, 0.58), (0.45, 0.36, 0.19), (1550, 2450), 0.45, 330),
    "naoorlogs": Character("Naoorlogse wijk", (0.06, 0.29, 0.30, 0.35), (0.47, 0.29, 0.24),
                           (0.30, 0.70), (0.58, 0.33, 0.09), (1150, 2100), 0.85, 245),
    "nieuwbouw": Character("Nieuwbouw (vinex)", (0.03, 0.52, 0.36, 0.09), (0.17, 0.27, 0.56),
                           (0.78, 0.22), (0.20, 0.46, 0.34), (1020, 1450), 0.70, 425),
    "dorp": Character("Dorp", (0.04, 0.26, 0.36, 0.34), (0.30, 0.38, 0.32),
                      (0.70, 0.30), (0.36, 0.45, 0.19), (380, 950), 0.80, 355),
    "buitengebied": Character("Buitengebied", (0.02, 0.21, 0.42, 0.35), (0.19, 0.44, 0.37),
                              (0.86, 0.14), (0.31, 0.43, 0.26), (40, 320), 0.25, 540),
    "bedrijventerrein": Character("Bedrijventerrein", (0.10, 0.42, 0.34, 0.14),
                                  (0.52, 0.30, 0.18), (0.45, 0.55), (0.46, 0.40, 0.14),
                                  (520, 1100), 0.10, 290),
})

# How far a buurt's marginals stray from its character (Dirichlet concentration:
# 80 gives a standard deviation of about 5 points on a share of 50 %).
_CONCENTRATION = 80.0
# Children per family household: 1, 2, 3 (assumption, close to CBS averages).
_CHILDREN = (0.38, 0.44, 0.18)
# Share of couples among households with / without children (the rest are
# single parents / other multi-person households such as housemates).
_PARTNER_WITH_CHILDREN = 0.90
_PARTNER_WITHOUT_CHILDREN = 0.85
# Gross household income per band, x € 1,000 (assumption).
_INCOME_RANGES = {"laag": (16.0, 42.0), "midden": (42.0, 82.0)}
_HIGH_INCOME_FROM, _HIGH_INCOME_SCALE = 82.0, 50.0

HOUSEHOLD_COLUMNS: tuple[str, ...] = (
    "huishouden_id", "buurtcode", "karakter", *DIMENSIONS, "cel", "profiel", "grootte",
    "samenstelling", "corporatie", "woz", "inkomen_keuro", "adressendichtheid",
)
PERSON_COLUMNS: tuple[str, ...] = ("huishouden_id", "rol", "leeftijd", "geslacht")


@dataclass(frozen=True)
class Population:
    """Households and their members.

    Attributes
    ----------
    households : pandas.DataFrame
        One row per household, columns :data:`HOUSEHOLD_COLUMNS`: the five cell
        dimensions as category labels, ``profiel`` (the true profile key),
        ``samenstelling`` (eenpersoons, zonder_kinderen, eenouder, tweeouder),
        ``woz`` (x € 1,000), ``inkomen_keuro`` (gross, x € 1,000) and the
        buurt's ``adressendichtheid``.
    persons : pandas.DataFrame
        One row per person, columns :data:`PERSON_COLUMNS`; ``rol`` is hoofd,
        partner, huisgenoot or kind.
    buurten : pandas.DataFrame
        Per buurt the drawn parameters: marginals, density, urbanity class.
    """

    households: pd.DataFrame
    persons: pd.DataFrame
    buurten: pd.DataFrame


def urbanity_class(density: np.ndarray | pd.Series | float) -> np.ndarray:
    """CBS urbanity class (1 = zeer sterk stedelijk … 5 = niet stedelijk) of a density.

    Parameters
    ----------
    density : array-like
        `omgevingsadressendichtheid`, addresses per km².

    Returns
    -------
    numpy.ndarray of int
    """
    density = np.asarray(density, dtype=float)
    return 1 + (density[..., np.newaxis] < np.asarray(URBANITY_BOUNDS)).sum(axis=-1)


def simulate_population(buurten: pd.DataFrame, scheme: Scheme | None = None,
                        seed: int = 0) -> Population:
    """Draw households and persons for each buurt from its character.

    Parameters
    ----------
    buurten : pandas.DataFrame
        Columns ``code`` (buurt code), ``karakter`` (a key of :data:`CHARACTERS`)
        and ``huishoudens`` (number of households, ≥ 0).
    scheme : Scheme, optional
        Profile scheme; default the package's scheme.
    seed : int
        Seed of the random generator: the same seed gives the same population.

    Returns
    -------
    Population

    Raises
    ------
    ValueError
        If a column is missing, a character is unknown or a count is negative.
    """
    _check_buurten(buurten)
    scheme = scheme or load_scheme()
    rng = np.random.default_rng(seed)
    p_profile = profile_given_cell(scheme)
    params, parts = [], []
    for row in buurten.itertuples(index=False):
        character = CHARACTERS[row.karakter]
        drawn = _buurt_parameters(rng, character)
        params.append({"code": row.code, "karakter": row.karakter, **drawn})
        n = int(row.huishoudens)
        cells = draw_cells(rng, n, cell_distribution(drawn["marginals"]))
        profiles = draw_profiles(rng, cells, p_profile)
        part = cells_frame(cells)
        part.insert(0, "karakter", row.karakter)
        part.insert(0, "buurtcode", row.code)
        part["cel"] = cells
        part["profiel"] = np.asarray(scheme.keys, dtype=object)[profiles]
        part["corporatie_aandeel"] = drawn["corporatie"]
        part["woz_basis"] = drawn["woz"]
        part["adressendichtheid"] = drawn["adressendichtheid"]
        parts.append(part)
    households = pd.concat(parts, ignore_index=True) if parts else _empty_households()
    households.insert(0, "huishouden_id", np.arange(1, len(households) + 1))
    households, persons = _members(rng, households)
    households = _dwellings_and_income(rng, households)
    table = pd.DataFrame(params)
    return Population(households[list(HOUSEHOLD_COLUMNS)], persons, _flatten_params(table))


def _check_buurten(buurten: pd.DataFrame) -> None:
    missing = [c for c in ("code", "karakter", "huishoudens") if c not in buurten]
    if missing:
        raise ValueError(f"buurten table: missing columns {missing}; "
                         "expected code, karakter, huishoudens")
    unknown = sorted(set(buurten["karakter"]) - set(CHARACTERS))
    if unknown:
        raise ValueError(f"buurten table: column karakter has unknown values {unknown}; "
                         f"expected one of {list(CHARACTERS)}")
    if (pd.to_numeric(buurten["huishoudens"]) < 0).any():
        raise ValueError("buurten table: column huishoudens has negative counts")


def _empty_households() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in
                         ("buurtcode", "karakter", *DIMENSIONS, "cel", "profiel")})


def _buurt_parameters(rng: np.random.Generator, character: Character) -> dict:
    """A buurt's own marginals, density, urbanity class, corporation share and WOZ level."""
    density = float(rng.uniform(*character.adressendichtheid))
    urbanity = int(urbanity_class(density))
    marginals = {
        dim: tuple(rng.dirichlet(_CONCENTRATION * np.asarray(getattr(character, dim))))
        for dim in ("leeftijd", "huishouden", "woning", "inkomen")
    }
    marginals["stedelijkheid"] = tuple(float(str(urbanity) == c)
                                       for c in DIMENSIONS["stedelijkheid"])
    return {
        "marginals": marginals,
        "adressendichtheid": density,
        "stedelijkheid": urbanity,
        "corporatie": float(np.clip(character.corporatie + rng.normal(0, 0.06), 0, 1)),
        "woz": float(character.woz * np.exp(rng.normal(0, 0.12))),
    }


def _flatten_params(table: pd.DataFrame) -> pd.DataFrame:
    if table.empty:
        return table
    flat = table.drop(columns="marginals").copy()
    for dim in ("leeftijd", "huishouden", "woning", "inkomen"):
        for i, category in enumerate(DIMENSIONS[dim]):
            flat[f"{dim}_{category}"] = [m[dim][i] for m in table["marginals"]]
    return flat


def _age_of_head(rng: np.random.Generator, band: np.ndarray) -> np.ndarray:
    """An exact age within each head's age band; 65+ thins out with age."""
    low = np.select([band == "18-24", band == "25-44", band == "45-64"], [18, 25, 45], 65)
    high = np.select([band == "18-24", band == "25-44", band == "45-64"], [24, 44, 64], 65)
    uniform = low + np.floor(rng.random(len(band)) * (high - low + 1))
    old = 65 + np.minimum(np.floor(rng.exponential(9.0, len(band))), 34)
    return np.where(band == "65+", old, uniform).astype(int)


def _members(rng: np.random.Generator,
             households: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add a head, partner or housemate and children to every household."""
    n = len(households)
    kind = households["huishouden"].to_numpy(dtype=object)
    head_age = _age_of_head(rng, households["leeftijd"].to_numpy(dtype=object))
    with_children = kind == "met_kinderen"
    without_children = kind == "zonder_kinderen"
    partner = (with_children & (rng.random(n) < _PARTNER_WITH_CHILDREN)) | (
        without_children & (rng.random(n) < _PARTNER_WITHOUT_CHILDREN))
    housemate = without_children & ~partner
    n_children = np.where(with_children, 1 + rng.choice(3, size=n, p=_CHILDREN), 0)

    head_sex = np.where(rng.random(n) < 0.5, "M", "V")
    ids = households["huishouden_id"].to_numpy()
    frames = [pd.DataFrame({"huishouden_id": ids, "rol": "hoofd", "leeftijd": head_age,
                            "geslacht": head_sex})]
    second = partner | housemate
    second_age = np.maximum(18, head_age + np.rint(rng.normal(-1.0, 4.0, n))).astype(int)
    opposite = np.where(head_sex == "M", "V", "M")
    second_sex = np.where(partner & (rng.random(n) < 0.97), opposite,
                          np.where(rng.random(n) < 0.5, "M", "V"))
    frames.append(pd.DataFrame({"huishouden_id": ids[second],
                                "rol": np.where(partner, "partner", "huisgenoot")[second],
                                "leeftijd": second_age[second], "geslacht": second_sex[second]}))
    child_of = np.repeat(np.arange(n), n_children)
    parent_age = head_age[child_of]
    # Parents were 20-40 at birth; children of older heads are young adults at home,
    # children of very young heads are infants.
    age = parent_age - np.rint(rng.uniform(20, 40, len(child_of)))
    infant = rng.integers(0, np.maximum(parent_age - 17, 1))
    age = np.where(age < 0, infant, age)
    age = np.where(age > 24, rng.integers(14, 25, len(child_of)), age).astype(int)
    frames.append(pd.DataFrame({"huishouden_id": ids[child_of], "rol": "kind", "leeftijd": age,
                                "geslacht": np.where(rng.random(len(child_of)) < 0.5, "M", "V")}))
    persons = pd.concat(frames, ignore_index=True)
    persons = persons.sort_values("huishouden_id", kind="stable", ignore_index=True)

    out = households.copy()
    out["grootte"] = 1 + second.astype(int) + n_children
    out["samenstelling"] = np.select(
        [kind == "alleenstaand", without_children, with_children & partner],
        ["eenpersoons", "zonder_kinderen", "tweeouder"], "eenouder")
    return out, persons[list(PERSON_COLUMNS)]


def _dwellings_and_income(rng: np.random.Generator, households: pd.DataFrame) -> pd.DataFrame:
    """Corporation ownership, WOZ value and gross income per household."""
    n = len(households)
    out = households.copy()
    rent = out["woning"].to_numpy(dtype=object) == "huur"
    out["corporatie"] = rent & (rng.random(n) < out["corporatie_aandeel"].to_numpy(dtype=float))
    tenure_factor = np.where(rent, 0.72, 1.15)
    out["woz"] = np.round(out["woz_basis"].to_numpy(dtype=float) * tenure_factor
                          * np.exp(rng.normal(0, 0.22, n)), 1)
    band = out["inkomen"].to_numpy(dtype=object)
    income = _HIGH_INCOME_FROM + rng.exponential(_HIGH_INCOME_SCALE, n)
    for name, (low, high) in _INCOME_RANGES.items():
        income = np.where(band == name, rng.uniform(low, high, n), income)
    out["inkomen_keuro"] = np.round(income, 1)
    return out.drop(columns=["corporatie_aandeel", "woz_basis"])


# --- counting ------------------------------------------------------------------------

def _counts(households: pd.DataFrame, persons: pd.DataFrame, by: str) -> pd.DataFrame:
    """Exact counts and sums per area; the basis of every published figure."""
    if by not in households:
        raise ValueError(f"households table has no column {by!r} to group by")
    hh = households
    keys = hh.set_index("huishouden_id")[by]
    person_area = persons["huishouden_id"].map(keys)
    age = persons["leeftijd"].to_numpy()
    person_cols = {"inwoners": np.ones(len(persons)),
                   "mannen": (persons["geslacht"] == "M").to_numpy(float),
                   "vrouwen": (persons["geslacht"] == "V").to_numpy(float)}
    for name, low, high in AGE_GROUPS:
        person_cols[f"leeftijd_{name}"] = ((age >= low) & (age < high)).astype(float)
    per_person = pd.DataFrame(person_cols).groupby(person_area.to_numpy()).sum()

    kind = hh["samenstelling"]
    household_cols = pd.DataFrame({
        "huishoudens": np.ones(len(hh)),
        "eenpersoons": (kind == "eenpersoons").to_numpy(float),
        "zonder_kinderen": (kind == "zonder_kinderen").to_numpy(float),
        "eenouder": (kind == "eenouder").to_numpy(float),
        "tweeouder": (kind == "tweeouder").to_numpy(float),
        "koop": (hh["woning"] == "koop").to_numpy(float),
        "huur": (hh["woning"] == "huur").to_numpy(float),
        "corporatie": hh["corporatie"].to_numpy(float),
        "laag": (hh["inkomen"] == "laag").to_numpy(float),
        "hoog": (hh["inkomen"] == "hoog").to_numpy(float),
        "som_woz": hh["woz"].to_numpy(float),
        "som_inkomen": hh["inkomen_keuro"].to_numpy(float),
        "som_dichtheid": hh["adressendichtheid"].to_numpy(float),
    })
    per_household = household_cols.groupby(hh[by].to_numpy()).sum()
    counts = per_household.join(per_person, how="left").fillna(0.0)
    counts.index.name = by
    return counts.sort_index()


def _random_round(rng: np.random.Generator, values: pd.Series) -> pd.Series:
    """CBS random rounding to a multiple of 5, unbiased: 7 becomes 5 or 10 (60/40)."""
    v = values.to_numpy(dtype=float)
    low = np.floor(v / 5) * 5
    up = rng.random(len(v)) < (v - low) / 5
    return pd.Series((low + 5 * up).astype(np.int64), index=values.index)


def _pct(part: pd.Series, whole: pd.Series, publish: bool) -> pd.Series:
    share = 100 * part / whole.where(whole > 0)
    return share.round().fillna(SECRET).astype(np.int64) if publish else share


def aggregate_cbs(households: pd.DataFrame, persons: pd.DataFrame, by: str, *,
                  seed: int = 0, publish: bool = True) -> pd.DataFrame:
    """Kerncijfers per area in the columns and units of the CBS wijk- en buurtkaart 2024.

    Parameters
    ----------
    households, persons : pandas.DataFrame
        As in :class:`Population`; `households` must have the column `by`.
    by : str
        The household column that names the area (``buurtcode``, ``wijkcode``, …).
    seed : int
        Seed of the random rounding of counts.
    publish : bool
        True (default): as CBS publishes — whole percentages, counts randomly
        rounded to multiples of 5, ``-99997`` where secrecy applies (figures
        below 50 inhabitants, density below 10, income below 100, WOZ below 20
        dwellings). False: exact unrounded values, for checks.

    Returns
    -------
    pandas.DataFrame
        One row per area, sorted by `by`; the column `by` first.
    """
    c = _counts(households, persons, by)
    rng = np.random.default_rng(seed)
    inhabitants, hh = c["inwoners"], c["huishoudens"]

    def count(series: pd.Series) -> pd.Series:
        return _random_round(rng, series) if publish else series

    out = pd.DataFrame(index=c.index)
    density = c["som_dichtheid"] / hh.where(hh > 0)
    out["omgevingsadressendichtheid"] = density.round() if publish else density
    out["stedelijkheid_adressen_per_km2"] = pd.Series(urbanity_class(density.fillna(0)),
                                                      index=c.index)
    out["aantal_inwoners"] = count(inhabitants)
    out["mannen"] = count(c["mannen"])
    out["vrouwen"] = count(c["vrouwen"])
    for name, _, _ in AGE_GROUPS:
        out[f"percentage_personen_{name}"] = _pct(c[f"leeftijd_{name}"], inhabitants, publish)
    out["aantal_huishoudens"] = count(hh)
    out["percentage_eenpersoonshuishoudens"] = _pct(c["eenpersoons"], hh, publish)
    out["percentage_huishoudens_zonder_kinderen"] = _pct(c["zonder_kinderen"], hh, publish)
    out["percentage_huishoudens_met_kinderen"] = _pct(c["eenouder"] + c["tweeouder"], hh,
                                                      publish)
    size = inhabitants / hh.where(hh > 0)
    out["gemiddelde_huishoudsgrootte"] = size.round(1) if publish else size
    # One household per dwelling: the demo has no vacancy.
    out["woningvoorraad"] = count(hh)
    woz = c["som_woz"] / hh.where(hh > 0)
    out["gemiddelde_woningwaarde"] = woz.round() if publish else woz
    out["percentage_koopwoningen"] = _pct(c["koop"], hh, publish)
    out["percentage_huurwoningen"] = _pct(c["huur"], hh, publish)
    # Like CBS: corporation dwellings as a share of all dwellings, not of rentals.
    out["perc_huurwoningen_in_bezit_woningcorporaties"] = _pct(c["corporatie"], hh, publish)
    income = c["som_inkomen"] / inhabitants.where(inhabitants > 0)
    out["gemiddeld_inkomen_per_inwoner"] = income.round(1) if publish else income
    out["percentage_huishoudens_met_laag_inkomen"] = _pct(c["laag"], hh, publish)
    out["percentage_huishoudens_met_hoog_inkomen"] = _pct(c["hoog"], hh, publish)
    if publish:
        out = _apply_secrecy(out, inhabitants, hh)
    return out.reset_index()


def _apply_secrecy(out: pd.DataFrame, inhabitants: pd.Series, dwellings: pd.Series
                   ) -> pd.DataFrame:
    out = out.copy()
    counts = {"aantal_inwoners", "mannen", "vrouwen", "aantal_huishoudens", "woningvoorraad"}
    density = ["omgevingsadressendichtheid", "stedelijkheid_adressen_per_km2"]
    income = [c for c in out if "inkomen" in c]
    figures = [c for c in out if c not in counts and c not in density]
    for columns, hidden in ((figures, inhabitants < MIN_INHABITANTS_FIGURES),
                            (density, inhabitants < MIN_INHABITANTS_DENSITY),
                            (income, inhabitants < MIN_INHABITANTS_INCOME),
                            (["gemiddelde_woningwaarde"], dwellings < MIN_DWELLINGS_WOZ)):
        for col in columns:
            out[col] = out[col].where(~hidden, SECRET)
    for col in out:
        if col not in ("gemiddelde_huishoudsgrootte", "gemiddeld_inkomen_per_inwoner"):
            out[col] = out[col].fillna(SECRET).astype(np.int64)
    return out


def aggregate_postcode(households: pd.DataFrame, persons: pd.DataFrame, by: str, *,
                       seed: int = 0, publish: bool = True) -> pd.DataFrame:
    """Statistics per postcode area in the columns and units of CBS's postcode files.

    Parameters
    ----------
    households, persons : pandas.DataFrame
        As in :class:`Population`; `households` must have the column `by`.
    by : str
        The household column holding the postcode (PC4 or PC6).
    seed : int
        Seed of the random rounding of counts.
    publish : bool
        True (default): counts randomly rounded to multiples of 5, whole
        percentages, ``-99997`` for person and household figures of areas with
        fewer than 5 inhabitants. False: exact values.

    Returns
    -------
    pandas.DataFrame
        One row per postcode, sorted; the column `by` first. Values are
        **counts** (unlike the buurt percentages), as in CBS's files.
    """
    c = _counts(households, persons, by)
    rng = np.random.default_rng(seed)
    inhabitants, hh = c["inwoners"], c["huishoudens"]

    def count(series: pd.Series) -> pd.Series:
        return _random_round(rng, series) if publish else series

    out = pd.DataFrame(index=c.index)
    out["aantal_inwoners"] = count(inhabitants)
    out["aantal_mannen"] = count(c["mannen"])
    out["aantal_vrouwen"] = count(c["vrouwen"])
    for name, _, _ in AGE_GROUPS:
        out[f"aantal_inwoners_{name}"] = count(c[f"leeftijd_{name}"])
    out["aantal_part_huishoudens"] = count(hh)
    out["aantal_eenpersoonshuishoudens"] = count(c["eenpersoons"])
    out["aantal_meerpersoonshuishoudens_zonder_kind"] = count(c["zonder_kinderen"])
    out["aantal_eenouderhuishoudens"] = count(c["eenouder"])
    out["aantal_tweeouderhuishoudens"] = count(c["tweeouder"])
    size = inhabitants / hh.where(hh > 0)
    out["gemiddelde_huishoudensgrootte"] = size.round(1) if publish else size
    out["aantal_woningen"] = count(hh)
    out["percentage_koopwoningen"] = _pct(c["koop"], hh, publish)
    out["percentage_huurwoningen"] = _pct(c["huur"], hh, publish)
    out["aantal_huurwoningen_in_bezit_woningcorporaties"] = count(c["corporatie"])
    woz = c["som_woz"] / hh.where(hh > 0)
    out["gemiddelde_woz_waarde_woning"] = woz.round() if publish else woz
    income = c["som_inkomen"] / hh.where(hh > 0)
    out["gemiddeld_inkomen_huishouden"] = income.round(1) if publish else income
    out["percentage_laag_inkomen_huishouden"] = _pct(c["laag"], hh, publish)
    out["percentage_hoog_inkomen_huishouden"] = _pct(c["hoog"], hh, publish)
    density = c["som_dichtheid"] / hh.where(hh > 0)
    out["omgevingsadressendichtheid"] = density.round() if publish else density
    out["stedelijkheid"] = pd.Series(urbanity_class(density.fillna(0)), index=c.index)
    if publish:
        hidden = inhabitants < MIN_INHABITANTS_POSTCODE
        for col in out:
            if col not in ("aantal_woningen", "omgevingsadressendichtheid", "stedelijkheid"):
                out[col] = out[col].where(~hidden, SECRET)
            if col not in ("gemiddelde_huishoudensgrootte", "gemiddeld_inkomen_huishouden"):
                out[col] = out[col].fillna(SECRET).astype(np.int64)
    return out.reset_index()


def true_mix(households: pd.DataFrame, by: str, scheme: Scheme | None = None) -> pd.DataFrame:
    """The realised share of each profile among the households of each area.

    Parameters
    ----------
    households : pandas.DataFrame
        With columns `by` and ``profiel``.
    by : str
        The column naming the area.
    scheme : Scheme, optional
        Gives the profile columns and their order; default the package's scheme.

    Returns
    -------
    pandas.DataFrame
        Columns `by`, ``huishoudens`` and one column per profile key (fractions
        summing to 1 per area), sorted by `by`.
    """
    scheme = scheme or load_scheme()
    unknown = sorted(set(households["profiel"]) - set(scheme.keys))
    if unknown:
        raise ValueError(f"households table: column profiel has keys {unknown} that scheme "
                         f"{scheme.id!r} does not know")
    counts = pd.crosstab(households[by], households["profiel"])
    counts = counts.reindex(columns=list(scheme.keys), fill_value=0)
    total = counts.sum(axis=1)
    shares = counts.div(total, axis=0)
    shares.insert(0, "huishoudens", total.astype(np.int64))
    shares.columns.name = None
    return shares.sort_index().reset_index()
