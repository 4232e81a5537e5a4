"""Area marginals → cell mix → profile mix with an interval and a confidence.

For each area CBS publishes one-dimensional marginals (age shares, household
shares, urbanity class, tenure, income), not the joint table of households over
demographic cells. The estimate:

1. reads the five marginals from the canonical area table; a marginal the area
   lacks is taken from its wijk or gemeente (household-weighted over the areas
   in the same table that have it, or from an explicit parents table), else
   from the national figures, and the area's completeness drops;
2. reconstructs the cell mix by iterative proportional fitting of the model's
   national joint distribution (``cell_seed``) to the marginals;
3. mixes the cells' profile probabilities: ``mix = cells @ P(profile | cell)``.

The 90 % interval combines three variances on the logit scale: the spread over
bootstrap refits of the link on the survey, the chance variation of a finite
number of households, and, per marginal that had to be borrowed, the variation
that marginal shows between areas (a Dirichlet with concentration
``BORROWED_CONCENTRATION``, an assumption). A profile is a probability for a
group of households, never a label for a person.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from citisens_core.demographics import CELL_SHAPE, DIMENSIONS, N_CELLS, NATIONAL_MARGINALS
from citisens_core.ipf import ipf

Z90 = 1.6449
#: How alike areas are in a marginal they do not publish (Dirichlet concentration;
#: assumption: 10 gives a standard deviation of about 0.15 around a share of 0.4).
BORROWED_CONCENTRATION = 10.0
#: Share of households with children that have two parents (CBS: about 85 %).
TWO_PARENT_SHARE = 0.85
NATIONAL_HOUSEHOLD_SIZE = 2.13
#: From most to least confident; "geen huishoudens": CBS counts no private
#: households here (business park, water, only institutions), so no mix.
CONFIDENCE_LABELS = ("hoog", "redelijk", "laag", "zeer laag", "geen huishoudens")
SOURCE_LABELS = {"eigen": "eigen cijfers", "wijk": "cijfers van de wijk",
                 "gemeente": "cijfers van de gemeente", "landelijk": "landelijke cijfers"}
MIN_PROBABILITY = 1e-4


@dataclass(frozen=True)
class Marginals:
    """Marginals of many areas: one (n, categories) array per dimension."""

    values: dict[str, np.ndarray]
    source: dict[str, np.ndarray]  # per dimension: array of SOURCE_LABELS keys

    @property
    def own_share(self) -> np.ndarray:
        """Fraction of the five dimensions each area has figures for itself."""
        own = np.stack([self.source[d] == "eigen" for d in DIMENSIONS])
        return own.mean(axis=0)


def area_marginals(areas: pd.DataFrame, parents: pd.DataFrame | None = None) -> Marginals:
    """Read the five marginals from a canonical area table, borrowing where absent.

    Parameters
    ----------
    areas : pandas.DataFrame
        Canonical area table (see :mod:`citisens_core.demographics`).
    parents : pandas.DataFrame, optional
        Canonical rows of wijken and gemeenten to borrow from, matched on
        ``wijkcode`` / ``gemeentecode``; without it the siblings in `areas` are used.

    Returns
    -------
    Marginals
    """
    own = _own_marginals(areas)
    values, sources = {}, {}
    parent_own = _own_marginals(parents) if parents is not None and len(parents) else None
    weight = _households(areas)
    for dim in DIMENSIONS:
        table = own[dim].copy()
        source = np.where(np.isnan(table).any(axis=1), "", "eigen").astype(object)
        for level, key in (("wijk", "wijkcode"), ("gemeente", "gemeentecode")):
            missing = source == ""
            if not missing.any() or key not in areas:
                continue
            if parent_own is not None:
                borrowed = _lookup_parent(areas[key], parents, parent_own[dim])
            else:
                borrowed = _sibling_mean(areas[key], table, source == "eigen", weight)
            fill = missing & ~np.isnan(borrowed).any(axis=1)
            table[fill] = borrowed[fill]
            source[fill] = level
        national = np.asarray(NATIONAL_MARGINALS[dim])
        rest = source == ""
        table[rest] = national
        source[rest] = "landelijk"
        values[dim], sources[dim] = table, source
    return Marginals(values, sources)


def _own_marginals(areas: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each dimension's category shares from the area's own figures; NaN rows where absent."""

    def cols(*names: str) -> np.ndarray:
        return np.column_stack([_numbers(areas, n) for n in names])

    households = cols("aandeel_eenpersoons", "aandeel_zonder_kinderen", "aandeel_met_kinderen")
    heads = head_ages(cols("aandeel_15_25", "aandeel_25_45", "aandeel_45_65", "aandeel_65_plus"),
                      _numbers(areas, "gem_huishoudgrootte"), _numbers(areas, "aandeel_0_15"),
                      _normalise(households))
    urban_class = np.rint(_numbers(areas, "stedelijkheid"))
    urban = np.full((len(areas), 5), np.nan)
    known = np.isin(urban_class, [1, 2, 3, 4, 5])
    urban[known] = np.eye(5)[urban_class[known].astype(int) - 1]
    own, rent = _numbers(areas, "aandeel_koop"), _numbers(areas, "aandeel_huur")
    tenure = np.column_stack([own, np.where(np.isnan(rent), 1 - own, rent)])
    low, high = _numbers(areas, "aandeel_laag_inkomen"), _numbers(areas, "aandeel_hoog_inkomen")
    income = np.column_stack([low, np.clip(1 - low - high, 0, 1), high])
    return {dim: _normalise(table) for dim, table in zip(
        DIMENSIONS, (heads, households, urban, tenure, income), strict=True)}


def head_ages(persons: np.ndarray, household_size: np.ndarray, young: np.ndarray,
              households: np.ndarray) -> np.ndarray:
    """Household heads per age band from CBS's person age shares.

    CBS counts persons; the model needs the age of each household's head. Per
    household there are ``share × size`` persons in each band. Every adult is a
    head, a partner or a child living at home; partners follow from the
    household types, and the adults left over after heads and partners are
    children at home, all aged 15-25. What remains are heads and partners, in
    the same proportion in every band.

    Parameters
    ----------
    persons : numpy.ndarray
        Shares of all inhabitants aged 15-25, 25-45, 45-65 and 65+, shape (n, 4).
    household_size : numpy.ndarray
        Average household size; NaN falls back to the national figure.
    young : numpy.ndarray
        Share of inhabitants aged 0-15.
    households : numpy.ndarray
        Shares of one-person households, without and with children, shape (n, 3).

    Returns
    -------
    numpy.ndarray
        Unnormalised heads per band, shape (n, 4).
    """
    size = np.where(np.isfinite(household_size) & (household_size > 0), household_size,
                    NATIONAL_HOUSEHOLD_SIZE)
    households = np.where(np.isfinite(households), households, NATIONAL_MARGINALS["huishouden"])
    partners = households[:, 1] + TWO_PARENT_SHARE * households[:, 2]
    per_household = persons * size[:, None]
    adults = np.where(np.isfinite(young), 1 - young, persons.sum(axis=1)) * size
    children_at_home = np.clip(adults - 1 - partners, 0, per_household[:, 0])
    per_household[:, 0] -= children_at_home
    return per_household


def _normalise(table: np.ndarray) -> np.ndarray:
    """Rows to shares summing to 1; rows that are unusable become NaN."""
    table = np.where(table < 0, np.nan, table)
    total = table.sum(axis=1, keepdims=True)
    usable = np.isfinite(total) & (total > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = table / total
    out[~usable[:, 0]] = np.nan
    return out


def _numbers(areas: pd.DataFrame, name: str) -> np.ndarray:
    """A column as floats; all NaN when the table lacks it."""
    if name not in areas:
        return np.full(len(areas), np.nan)
    return pd.to_numeric(areas[name], errors="coerce").to_numpy(dtype=float)


def _households(areas: pd.DataFrame) -> np.ndarray:
    """Number of households per area, from households or inhabitants; NaN if unknown."""
    size = _numbers(areas, "gem_huishoudgrootte")
    from_people = _numbers(areas, "inwoners") / np.where(np.isnan(size),
                                                          NATIONAL_HOUSEHOLD_SIZE, size)
    households = _numbers(areas, "huishoudens")
    return np.where(np.isnan(households), from_people, households)


def _sibling_mean(keys: pd.Series, table: np.ndarray, has: np.ndarray,
                  weight: np.ndarray) -> np.ndarray:
    """Household-weighted mean marginal of the areas sharing a parent code."""
    w = np.where(np.isfinite(weight) & (weight > 0), weight, 1.0) * has
    frame = pd.DataFrame(np.nan_to_num(table) * w[:, None])
    frame["_w"] = w
    frame["_k"] = keys.fillna("").astype(str).to_numpy()
    sums = frame.groupby("_k").sum()
    means = sums.drop(columns="_w").div(sums["_w"].replace(0, np.nan), axis=0)
    means = means[means.index != ""]
    return means.reindex(frame["_k"]).to_numpy(dtype=float)


def _lookup_parent(keys: pd.Series, parents: pd.DataFrame, parent_table: np.ndarray) -> np.ndarray:
    lookup = pd.DataFrame(parent_table, index=parents["code"].astype(str).to_numpy())
    lookup = lookup[~lookup.index.duplicated()]
    return lookup.reindex(keys.fillna("").astype(str).to_numpy()).to_numpy(dtype=float)


def cell_mix(marginals: Marginals, seed: np.ndarray) -> np.ndarray:
    """Reconstruct each area's households over cells, shape (n_areas, N_CELLS)."""
    targets = [marginals.values[d] for d in DIMENSIONS]
    seed = np.maximum(np.asarray(seed, dtype=float).reshape(1, *CELL_SHAPE), 1e-12)
    return ipf(seed, targets, max_iter=60, tol=1e-7).reshape(len(targets[0]), N_CELLS)


def estimate_areas(areas: pd.DataFrame, model=None, parents: pd.DataFrame | None = None
                   ) -> pd.DataFrame:
    """Estimate the profile mix of every area, with a 90 % interval and a confidence.

    Parameters
    ----------
    areas : pandas.DataFrame
        Canonical area table (a GeoDataFrame works; geometry is ignored).
    model : EngagementModel, optional
        Default: the model fitted on the built-in reference survey.
    parents : pandas.DataFrame, optional
        Canonical wijk and gemeente rows to borrow missing marginals from.

    Returns
    -------
    pandas.DataFrame
        Same index as `areas`; columns ``code``, ``naam``, ``niveau``, one share
        per profile key (summing to 1), ``<key>_laag`` and ``<key>_hoog``,
        ``dominant_profiel``, ``tweede_profiel``, ``betrouwbaarheid``,
        ``volledigheid`` (0-1), ``bronnen`` (Dutch text), ``huishoudens`` and
        ``heeft_schatting``. Areas where CBS counts no households get no mix
        (shares NaN, ``betrouwbaarheid`` "geen huishoudens"); areas without any
        figures of their own still get one, flagged "zeer laag".
    """
    if model is None:
        from citisens_core.model import default_model

        model = default_model()
    keys = list(model.profile_keys)
    marginals = area_marginals(areas, parents)
    link = np.asarray(model.link_probabilities)
    mix, spread = _mix_and_spread(marginals, model)
    households = _households(areas)
    variance = spread + _finite_population_variance(mix, households) \
        + _borrowed_variance(marginals, model.cell_seed, link)
    low, high = _logit_interval(mix, variance)
    return _result_table(areas, keys, mix, low, high, marginals, households)


#: Areas per block of the cell mix and the bootstrap: memory stays near
#: ``CHUNK_AREAS × N_CELLS × 8`` bytes (IPF) and ``CHUNK_AREAS × replicates × profiles × 8``
#: (bootstrap) instead of growing with the country's 460,000 postcodes.
CHUNK_AREAS = 20_000


def _mix_and_spread(marginals: Marginals, model) -> tuple[np.ndarray, np.ndarray]:
    """Profile mix per area and its variance over the bootstrap refits, in blocks of areas.

    Each block is raked on its own, so IPF stops when that block has converged
    (within its tolerance), not when the whole table has.
    """
    link = np.asarray(model.link_probabilities)
    boot_links = np.asarray(model.bootstrap_probabilities)
    n = len(next(iter(marginals.source.values())))
    mix = np.empty((n, link.shape[1]))
    spread = np.empty_like(mix)
    for start in range(0, n, CHUNK_AREAS):
        block = slice(start, start + CHUNK_AREAS)
        part = Marginals({d: v[block] for d, v in marginals.values.items()},
                         {d: v[block] for d, v in marginals.source.items()})
        cells = cell_mix(part, model.cell_seed)
        mix[block] = _renormalise(cells @ link)
        boot = np.einsum("nc,bck->bnk", cells, boot_links, optimize=True)
        spread[block] = boot.var(axis=0)
    return mix, spread


def _renormalise(mix: np.ndarray) -> np.ndarray:
    mix = np.clip(mix, MIN_PROBABILITY, None)
    return mix / mix.sum(axis=1, keepdims=True)


def _finite_population_variance(mix: np.ndarray, households: np.ndarray) -> np.ndarray:
    """Chance variation of the realised share among a finite number of households."""
    # unknown size: as wide as a small buurt of 100 households (assumption)
    n = np.where(np.isfinite(households) & (households >= 1), households, 100.0)
    return mix * (1 - mix) / n[:, None]


def _borrowed_variance(marginals: Marginals, seed: np.ndarray, link: np.ndarray) -> np.ndarray:
    """Variance added per borrowed marginal: its between-area spread, propagated linearly."""
    seed = np.asarray(seed, dtype=float).reshape(CELL_SHAPE)
    probs = link.reshape(*CELL_SHAPE, -1)
    out = np.zeros((len(marginals.source["leeftijd"]), probs.shape[-1]))
    for axis, dim in enumerate(DIMENSIONS):
        borrowed = marginals.source[dim] != "eigen"
        if not borrowed.any():
            continue
        others = tuple(a for a in range(len(CELL_SHAPE)) if a != axis)
        weight = seed[..., np.newaxis]
        # P(profile | category of this dimension), the others at their national mix
        by_category = (probs * weight).sum(axis=others) / weight.sum(axis=others)
        f = marginals.values[dim][borrowed]
        mean = f @ by_category
        second = f @ by_category**2
        out[borrowed] += (second - mean**2) / (BORROWED_CONCENTRATION + 1)
    return out


def _logit_interval(mix: np.ndarray, variance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A 90 % interval on the logit scale: inside (0, 1) and around the estimate."""
    se = np.sqrt(variance) / (mix * (1 - mix))
    centre = logit(mix)
    return expit(centre - Z90 * se), expit(centre + Z90 * se)


def _confidence(own_share: np.ndarray, households: np.ndarray) -> np.ndarray:
    small = ~(households >= 50)
    label = np.where(own_share >= 1, "hoog", np.where(own_share >= 0.6, "redelijk", "laag"))
    label = np.where(small & (label == "hoog"), "redelijk", label)
    label = np.where(small & (own_share < 1), "laag", label)
    return np.where(own_share == 0, "zeer laag", label)


def _sources_text(marginals: Marginals) -> np.ndarray:
    from citisens_core.demographics import DIMENSION_LABELS

    parts = []
    for dim in DIMENSIONS:
        src = marginals.source[dim]
        parts.append(np.where(src == "eigen", "",
                              DIMENSION_LABELS[dim].lower() + ": "
                              + pd.Series(src).map(SOURCE_LABELS).to_numpy(dtype=object)))
    joined = ["; ".join(p for p in row if p) for row in zip(*parts, strict=True)]
    return np.array([j or "alle kenmerken uit eigen cijfers" for j in joined], dtype=object)


def _result_table(areas, keys, mix, low, high, marginals, households) -> pd.DataFrame:
    out = pd.DataFrame(index=areas.index)
    for col in ("code", "naam", "niveau"):
        out[col] = areas[col].to_numpy() if col in areas else ""
    for j, key in enumerate(keys):
        out[key] = mix[:, j]
        out[f"{key}_laag"] = np.minimum(low[:, j], mix[:, j])
        out[f"{key}_hoog"] = np.maximum(high[:, j], mix[:, j])
    order = np.argsort(-mix, axis=1, kind="stable")
    names = np.asarray(keys, dtype=object)
    out["dominant_profiel"] = names[order[:, 0]]
    out["tweede_profiel"] = names[order[:, 1]]
    own = marginals.own_share
    out["betrouwbaarheid"] = _confidence(own, households)
    out["volledigheid"] = own
    out["bronnen"] = _sources_text(marginals)
    out["huishoudens"] = households
    out["heeft_schatting"] = ~(households == 0)  # unknown counts as possibly inhabited
    empty = ~out["heeft_schatting"].to_numpy()
    shares = [c for k in keys for c in (k, f"{k}_laag", f"{k}_hoog")]
    out.loc[empty, shares] = np.nan
    out.loc[empty, ["dominant_profiel", "tweede_profiel"]] = None
    out.loc[empty, "betrouwbaarheid"] = "geen huishoudens"
    return out


def combine_mix(estimates: pd.DataFrame, codes: list[str] | None = None,
                profile_keys: list[str] | None = None) -> pd.Series:
    """Household-weighted profile mix of several areas (a selection, a wijk, …).

    Parameters
    ----------
    estimates : pandas.DataFrame
        Output of :func:`estimate_areas`.
    codes : list of str, optional
        Area codes to combine; default all rows.
    profile_keys : list of str, optional
        The profile columns; default: the columns before the first ``_laag`` column.

    Returns
    -------
    pandas.Series
        Shares per profile key, summing to 1.
    """
    keys = profile_keys or [c for c in estimates.columns if f"{c}_laag" in estimates.columns]
    rows = estimates if codes is None else estimates[estimates["code"].isin(codes)]
    rows = rows[rows[keys].notna().all(axis=1)]
    if rows.empty:
        raise ValueError(f"none of the areas {codes} has an estimate (no households)")
    weight = rows["huishoudens"].where(rows["huishoudens"] > 0).fillna(1.0).to_numpy()
    mix = (rows[keys].to_numpy() * weight[:, None]).sum(axis=0) / weight.sum()
    return pd.Series(mix / mix.sum(), index=keys)


def aggregate_mix(estimates: pd.DataFrame, mapping: pd.DataFrame, target: str,
                  profile_keys: list[str] | None = None) -> pd.DataFrame:
    """Sum postcode-level (or any small-area) mixes up to larger areas.

    Parameters
    ----------
    estimates : pandas.DataFrame
        Output of :func:`estimate_areas` for the small areas (e.g. PC6).
    mapping : pandas.DataFrame
        Columns ``postcode`` (the small area's code), `target` and ``gewicht``
        (the share of the small area that lies in the target area), as
        returned by :func:`citisens_core.geodata.postcode.postcode_to_buurt`.
    target : str
        Column of `mapping` naming the larger area, e.g. ``"buurtcode"``.
    profile_keys : list of str, optional

    Returns
    -------
    pandas.DataFrame
        One row per target code: ``code``, the household-weighted shares, and
        bounds that are the household-weighted bounds (conservative: the small
        areas' errors are treated as fully correlated), ``huishoudens``.
    """
    keys = profile_keys or [c for c in estimates.columns if f"{c}_laag" in estimates.columns]
    columns = keys + [f"{k}_laag" for k in keys] + [f"{k}_hoog" for k in keys]
    joined = mapping.merge(estimates[["code", "huishoudens", *columns]],
                           left_on="postcode", right_on="code", how="inner")
    if joined.empty:
        raise ValueError("no small area of the mapping has an estimate")
    weight = joined["gewicht"] * joined["huishoudens"].where(joined["huishoudens"] > 0).fillna(1)
    weighted = joined[columns].mul(weight, axis=0)
    weighted["_w"] = weight
    weighted["code"] = joined[target].to_numpy()
    sums = weighted.groupby("code").sum()
    out = sums[columns].div(sums["_w"], axis=0)
    total = out[keys].sum(axis=1)
    out[keys] = out[keys].div(total, axis=0)
    out["huishoudens"] = sums["_w"]
    return out.reset_index()
