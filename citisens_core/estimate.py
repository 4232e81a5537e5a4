"""Area marginals → cell mix → profile mix with an interval and a confidence.

For each area CBS publishes one-dimensional marginals (age shares, household
shares, urbanity class, tenure, income), not the joint table of households over
demographic cells. The estimate:

1. derives what CBS defines from what the file has (:mod:`citisens_core.derive`:
   the urbanity class from address density, inhabitants from men + women, …);
   a derived figure counts as the area's own;
2. reads the five marginals; a marginal the area lacks is taken from its wijk
   or gemeente (household-weighted over the areas in the same table that have
   it, or from an explicit parents table), else from the national figures;
3. reconstructs the cell mix by iterative proportional fitting of the model's
   national joint distribution (``cell_seed``) to the marginals;
4. mixes the cells' profile probabilities: ``mix = cells @ P(profile | cell)``.

The 90 % interval combines, on the logit scale, the spread over bootstrap refits
of the link on the survey, the chance variation of a finite number of
households and, per borrowed marginal, how far areas really lie from the value
borrowed: the covariance of (own figure − what it would have borrowed) over
the areas that do have the figure (leave-one-out within the same wijk or
gemeente; around the national figures for national borrowing), or, with too few
such areas, the national between-buurt spread in ``data/spreiding.yaml``. The
urbanity class is one class per area, not a share: when it is borrowed the
estimate is a mixture over the five classes, weighted by how common each class
is among the areas it is borrowed from, and the interval is that mixture's.

Whether the most common profile is clear at all: :func:`dominant_probability`.
A profile is a probability for a group of households, never a label for a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd
import yaml
from scipy.special import expit, logit
from scipy.stats import norm

from citisens_core.demographics import CELL_SHAPE, DIMENSIONS, N_CELLS, NATIONAL_MARGINALS
from citisens_core.derive import derive_figures
from citisens_core.ipf import ipf

Z90 = 1.6449
#: Share of households with children that have two parents (CBS: about 85 %).
TWO_PARENT_SHARE = 0.85
NATIONAL_HOUSEHOLD_SIZE = 2.13
#: From most to least confident; "geen huishoudens": CBS counts no private
#: households here (business park, water, only institutions), so no mix.
CONFIDENCE_LABELS = ("hoog", "redelijk", "laag", "zeer laag", "geen huishoudens")
SOURCE_LABELS = {"eigen": "eigen cijfers", "afgeleid": "afgeleid",
                 "wijk": "cijfers van de wijk",
                 "gemeente": "cijfers van de gemeente", "landelijk": "landelijke cijfers"}
#: Sources that count as the area's own figures.
OWN_SOURCES = ("eigen", "afgeleid")
#: Dimensions that are one class per area (not a share of households).
CLASS_DIMENSIONS = ("stedelijkheid",)
#: Canonical columns each dimension is read from (to name derived figures).
DIMENSION_COLUMNS = {
    "leeftijd": ("aandeel_15_25", "aandeel_25_45", "aandeel_45_65", "aandeel_65_plus"),
    "huishouden": ("aandeel_eenpersoons", "aandeel_zonder_kinderen", "aandeel_met_kinderen"),
    "stedelijkheid": ("stedelijkheid",),
    "woning": ("aandeel_koop", "aandeel_huur"),
    "inkomen": ("aandeel_laag_inkomen", "aandeel_hoog_inkomen"),
}
#: Fewest areas with an own figure to learn its spread from the file itself.
MIN_AREAS_FOR_SPREAD = 20
#: The most common profile is "clear" when P(first share > second) is at least this.
CLEAR_WINNER = 0.8
#: Households below which an area's own figures are too few to call the mix "hoog".
SMALL_AREA = 50
MIN_PROBABILITY = 1e-4


@cache
def national_spread() -> dict[str, np.ndarray]:
    """How far areas lie from the national figures, per dimension (``data/spreiding.yaml``).

    Returns
    -------
    dict of str to numpy.ndarray
        Per share dimension the covariance matrix of (area figure − national
        figure) over Dutch buurten or postcode areas.
    """
    text = resources.files("citisens_core.data").joinpath("spreiding.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    return {dim: np.asarray(entry["covariantie"], dtype=float)
            for dim, entry in raw["spreiding"].items()}


@dataclass(frozen=True)
class Marginals:
    """Marginals of many areas: one (n, categories) array per dimension.

    ``source`` holds per dimension a key of ``SOURCE_LABELS`` per area;
    ``spread`` the covariance (n, C, C) of the borrowed value around the area's
    unknown own value (zero where the figure is the area's own); ``derived`` the
    Dutch description of how an own figure was derived ("" where published).
    """

    values: dict[str, np.ndarray]
    source: dict[str, np.ndarray]
    spread: dict[str, np.ndarray] | None = None
    derived: dict[str, np.ndarray] | None = None

    @property
    def own_share(self) -> np.ndarray:
        """Fraction of the five dimensions each area has figures for itself."""
        own = np.stack([np.isin(self.source[d], OWN_SOURCES) for d in DIMENSIONS])
        return own.mean(axis=0)


def area_marginals(areas: pd.DataFrame, parents: pd.DataFrame | None = None) -> Marginals:
    """Read the five marginals from a canonical area table, borrowing where absent.

    Parameters
    ----------
    areas : pandas.DataFrame
        Canonical area table (see :mod:`citisens_core.demographics`); figures
        that CBS defines from others are derived first (:mod:`citisens_core.derive`).
    parents : pandas.DataFrame, optional
        Canonical rows of wijken and gemeenten to borrow from, matched on
        ``wijkcode`` / ``gemeentecode``; without it the siblings in `areas` are used.

    Returns
    -------
    Marginals
    """
    areas, how = derive_figures(areas)
    own = _own_marginals(areas)
    has_parents = parents is not None and len(parents) > 0
    parent_own = _own_marginals(derive_figures(parents)[0]) if has_parents else None
    weight = _households(areas)
    values, sources, spreads, derived = {}, {}, {}, {}
    n = len(areas)
    for dim in DIMENSIONS:
        table = own[dim].copy()
        has = ~np.isnan(table).any(axis=1)
        source = np.where(has, "eigen", "").astype(object)
        spread = np.zeros((n, table.shape[1], table.shape[1]))
        for level, key in (("wijk", "wijkcode"), ("gemeente", "gemeentecode")):
            missing = source == ""
            if not missing.any() or key not in areas:
                continue
            if parent_own is not None:
                borrowed = _lookup_parent(areas[key], parents, parent_own[dim])
                compare = borrowed
            else:
                borrowed = _sibling_mean(areas[key], table, has, weight)
                compare = _sibling_mean(areas[key], table, has, weight, leave_out=True)
            fill = missing & ~np.isnan(borrowed).any(axis=1)
            table[fill] = borrowed[fill]
            source[fill] = level
            spread[fill] = _residual_spread(own[dim], compare, has, dim)
        national = np.asarray(NATIONAL_MARGINALS[dim])
        rest = source == ""
        table[rest] = national
        source[rest] = "landelijk"
        spread[rest] = _residual_spread(own[dim], np.broadcast_to(national, table.shape), has, dim)
        derived_text = _derived_text(how, dim, n)
        source[has & (derived_text != "")] = "afgeleid"
        values[dim], sources[dim], spreads[dim], derived[dim] = table, source, spread, derived_text
    return Marginals(values, sources, spreads, derived)


def _derived_text(how: pd.DataFrame, dim: str, n: int) -> np.ndarray:
    """Per area how the dimension's figures were derived ("" where all published)."""
    texts = [how[c].fillna("").to_numpy(dtype=object) for c in DIMENSION_COLUMNS[dim] if c in how]
    if not texts:
        return np.full(n, "", dtype=object)
    return np.array([next((t for t in row if t), "") for row in zip(*texts, strict=True)],
                    dtype=object)


def _residual_spread(own: np.ndarray, compare: np.ndarray, has: np.ndarray, dim: str
                     ) -> np.ndarray:
    """Covariance of (own figure − borrowed value) over the areas that have both.

    Falls back to the national between-area spread when fewer than
    ``MIN_AREAS_FOR_SPREAD`` areas can show it. Class dimensions get no
    covariance: their borrowed value is already a distribution over classes.
    """
    size = own.shape[1]
    if dim in CLASS_DIMENSIONS:
        return np.zeros((size, size))
    usable = has & ~np.isnan(compare).any(axis=1)
    if usable.sum() < MIN_AREAS_FOR_SPREAD:
        return national_spread()[dim]
    residual = own[usable] - compare[usable]
    return residual.T @ residual / usable.sum()


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
                  weight: np.ndarray, leave_out: bool = False) -> np.ndarray:
    """Household-weighted mean marginal of the areas sharing a parent code.

    With `leave_out`, each area's own figure is left out of its mean: what the
    area would have borrowed had it lacked the figure (NaN for an only child).
    """
    w = np.where(np.isfinite(weight) & (weight > 0), weight, 1.0) * has
    frame = pd.DataFrame(np.nan_to_num(table) * w[:, None])
    frame["_w"] = w
    frame["_k"] = keys.fillna("").astype(str).to_numpy()
    sums = frame.groupby("_k").sum()
    sums = sums[sums.index != ""]
    per_area = sums.reindex(frame["_k"]).to_numpy(dtype=float)
    if leave_out:
        per_area = per_area - frame.drop(columns="_k").to_numpy(dtype=float)
    total = per_area[:, -1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 1e-9, per_area[:, :-1] / total, np.nan)


def _lookup_parent(keys: pd.Series, parents: pd.DataFrame, parent_table: np.ndarray) -> np.ndarray:
    lookup = pd.DataFrame(parent_table, index=parents["code"].astype(str).to_numpy())
    lookup = lookup[~lookup.index.duplicated()]
    return lookup.reindex(keys.fillna("").astype(str).to_numpy()).to_numpy(dtype=float)


def cell_mix(marginals: Marginals, seed: np.ndarray) -> np.ndarray:
    """Reconstruct each area's households over cells, shape (n_areas, N_CELLS).

    Most areas have one urbanity class of their own: a marginal that is all in
    one category. Raking then only ever fills that category's slice of the
    table, so those areas are raked on the slice alone (the same fixed point,
    a fifth of the work); the others on the whole table.
    """
    targets = [marginals.values[d] for d in DIMENSIONS]
    seed = np.maximum(np.asarray(seed, dtype=float).reshape(1, *CELL_SHAPE), 1e-12)
    n = len(targets[0])
    axis = _one_hot_dimension(targets)
    if axis is None:
        return ipf(seed, targets, max_iter=60, tol=1e-7).reshape(n, N_CELLS)
    table = np.zeros((n, *CELL_SHAPE))
    by_category = np.moveaxis(table, axis + 1, 1)  # a view: writes go into `table`
    seed_by_category = np.moveaxis(seed, axis + 1, 1)
    one_hot = targets[axis].max(axis=1) == 1.0
    category = targets[axis].argmax(axis=1)
    others = [t for i, t in enumerate(targets) if i != axis]
    for k in np.unique(category[one_hot]):
        rows = np.flatnonzero(one_hot & (category == k))
        by_category[rows, k] = ipf(seed_by_category[:, k], [t[rows] for t in others],
                                   max_iter=60, tol=1e-7)
    rest = np.flatnonzero(~one_hot)
    if len(rest):
        table[rest] = ipf(seed, [t[rest] for t in targets], max_iter=60, tol=1e-7)
    return table.reshape(n, N_CELLS)


def _one_hot_dimension(targets: list[np.ndarray]) -> int | None:
    """The dimension whose all-in-one-category rows save the most raking, if any."""
    saving = [(t.max(axis=1) == 1.0).sum() * (1 - 1 / t.shape[1]) for t in targets]
    best = int(np.argmax(saving))
    return best if saving[best] > 0 else None


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
        ``dominant_profiel``, ``tweede_profiel``, ``dominant_kans`` (the
        probability that the first share exceeds the second),
        ``dominant_duidelijk`` (that probability at least ``CLEAR_WINNER``),
        ``betrouwbaarheid``, ``betrouwbaarheid_reden`` (Dutch text),
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
    mix, shared = _mix_and_spread(marginals, model)
    households = _households(derive_figures(areas)[0])
    centres, weights = _class_components(marginals, model.cell_seed, link, mix)
    low, high = _mixture_interval(centres, weights, shared, households)
    return _result_table(areas, keys, mix, low, high, marginals, households)


#: Areas per block of the cell mix and the bootstrap: memory stays near
#: ``CHUNK_AREAS × N_CELLS × 8`` bytes (IPF) and ``CHUNK_AREAS × replicates × profiles × 8``
#: (bootstrap) instead of growing with the country's 460,000 postcodes.
CHUNK_AREAS = 20_000


def _mix_and_spread(marginals: Marginals, model) -> tuple[np.ndarray, np.ndarray]:
    """Profile mix per area and its shared variance, in blocks of areas.

    The variance is the spread over the bootstrap refits plus that of borrowed
    share marginals (:func:`_borrowed_variance`). Each block is raked on its own,
    so IPF stops when that block has converged (within its tolerance), not when
    the whole table has.
    """
    link = np.asarray(model.link_probabilities)
    # float32 halves the memory traffic of the largest product; the spread it gives
    # differs from float64 by far less than the intervals' own precision (~1e-6)
    boot_links = np.asarray(model.bootstrap_probabilities, dtype=np.float32)
    n = len(next(iter(marginals.source.values())))
    mix = np.empty((n, link.shape[1]))
    spread = np.empty_like(mix)
    for start in range(0, n, CHUNK_AREAS):
        block = slice(start, start + CHUNK_AREAS)
        part = Marginals({d: v[block] for d, v in marginals.values.items()},
                         {d: v[block] for d, v in marginals.source.items()},
                         {d: v[block] for d, v in marginals.spread.items()})
        cells = cell_mix(part, model.cell_seed)
        mix[block] = _renormalise(cells @ link)
        boot = np.einsum("nc,bck->bnk", cells.astype(np.float32), boot_links, optimize=True)
        spread[block] = boot.var(axis=0, dtype=np.float64) + _borrowed_variance(part, cells, link)
    return mix, spread


def _renormalise(mix: np.ndarray) -> np.ndarray:
    mix = np.clip(mix, MIN_PROBABILITY, None)
    return mix / mix.sum(axis=-1, keepdims=True)


def _finite_population_variance(mix: np.ndarray, households: np.ndarray) -> np.ndarray:
    """Chance variation of the realised share among a finite number of households."""
    # unknown size: as wide as a small buurt of 100 households (assumption)
    n = np.where(np.isfinite(households) & (households >= 1), households, 100.0)
    return mix * (1 - mix) / n.reshape(-1, *([1] * (mix.ndim - 1)))


def _by_category(cells: np.ndarray, link: np.ndarray, axis: int) -> np.ndarray:
    """Each area's profile mix within each category of one dimension, (n, C, K)."""
    n, k = len(cells), link.shape[-1]
    c = CELL_SHAPE[axis]
    area_cells = np.moveaxis(cells.reshape(n, *CELL_SHAPE), axis + 1, 1).reshape(n, c, -1)
    probs = np.moveaxis(link.reshape(*CELL_SHAPE, k), axis, 0).reshape(c, -1, k)
    out = np.stack([area_cells[:, j] @ probs[j] for j in range(c)], axis=1)
    mass = area_cells.sum(axis=2)[..., None]
    return np.divide(out, mass, out=np.zeros_like(out), where=mass > 1e-12)


def _borrowed_variance(marginals: Marginals, cells: np.ndarray, link: np.ndarray
                       ) -> np.ndarray:
    """Variance added per borrowed share marginal: its calibrated spread, propagated linearly.

    The mix moves with a marginal ``f`` as ``Σ_c f_c · m_c`` (``m_c`` the area's
    mix within category ``c``), so ``Var = m' Σ m`` per profile, with ``Σ`` the
    spread learnt for that marginal (see :func:`area_marginals`).
    """
    out = np.zeros((len(cells), link.shape[-1]))
    for axis, dim in enumerate(DIMENSIONS):
        if dim in CLASS_DIMENSIONS:
            continue
        borrowed = ~np.isin(marginals.source[dim], OWN_SOURCES)
        if not borrowed.any():
            continue
        m = _by_category(cells[borrowed], link, axis)
        out[borrowed] += np.einsum("nck,ncd,ndk->nk", m, marginals.spread[dim][borrowed], m)
    return out


def _class_components(marginals: Marginals, seed: np.ndarray, link: np.ndarray,
                      mix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The mix per possible class where a class dimension is borrowed.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Component mixes (n, C, K) and their weights (n, C); an area whose class
        is its own has one component with weight 1 (its estimate).
    """
    dim = CLASS_DIMENSIONS[0]
    size = len(DIMENSIONS[dim])
    n = len(mix)
    centres = np.repeat(mix[:, None, :], size, axis=1)
    weights = np.zeros((n, size))
    weights[:, 0] = 1.0
    borrowed = ~np.isin(marginals.source[dim], OWN_SOURCES)
    if not borrowed.any():
        return centres, weights
    probabilities = marginals.values[dim][borrowed]
    weights[borrowed] = probabilities
    for c in range(size):
        values = {d: v[borrowed] for d, v in marginals.values.items()}
        values[dim] = np.broadcast_to(np.eye(size)[c], probabilities.shape)
        sub = Marginals(values, {d: s[borrowed] for d, s in marginals.source.items()})
        centres[borrowed, c] = cell_mix(sub, seed) @ link
    # keep the point estimate (the fractional fit, which keeps the seed's association of
    # class with the other figures); the components only shape the interval around it
    shift = mix[borrowed] - (centres[borrowed] * probabilities[..., None]).sum(axis=1)
    centres[borrowed] = _renormalise(centres[borrowed] + shift[:, None, :])
    return centres, weights


def _mixture_interval(centres: np.ndarray, weights: np.ndarray, shared: np.ndarray,
                      households: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """5th and 95th percentiles of a mixture of logit-normal components, (n, K) each.

    Each component is centred on its mix with the shared variance (bootstrap,
    borrowed shares) plus its own finite-population variance; with a single
    component this is the usual symmetric interval on the logit scale.
    """
    variance = shared[:, None, :] + _finite_population_variance(centres, households)
    se = np.sqrt(variance) / (centres * (1 - centres))
    centre = logit(centres)
    single = (weights > 0).sum(axis=1) == 1
    low = expit(centre[:, 0] - Z90 * se[:, 0])
    high = expit(centre[:, 0] + Z90 * se[:, 0])
    if (~single).any():
        w = weights[~single][..., None]
        c, s = centre[~single], se[~single]
        for q, out in ((0.05, low), (0.95, high)):
            lo = (c - 6 * s).min(axis=1)
            hi = (c + 6 * s).max(axis=1)
            for _ in range(40):  # bisection on the logit scale, all areas and profiles at once
                mid = (lo + hi) / 2
                below = (w * norm.cdf((mid[:, None, :] - c) / s)).sum(axis=1) < q
                lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
            out[~single] = expit((lo + hi) / 2)
    return low, high


def _confidence(marginals: Marginals, households: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Confidence label and its reason per area, consistent with the sources shown.

    ``hoog``: every figure the area's own (published or derived) and at least
    ``SMALL_AREA`` households; ``redelijk``: a small area with all its own
    figures, or figures borrowed only from its wijk or gemeente; ``laag``: any
    figure national (how far areas lie from the country is wide: urbanity
    borrowed from the country is never "redelijk"), or fewer than 3 of 5 own;
    ``zeer laag``: no figure of its own.
    """
    from citisens_core.demographics import DIMENSION_LABELS

    own = marginals.own_share
    national = np.stack([marginals.source[d] == "landelijk" for d in DIMENSIONS])
    nearby = np.stack([np.isin(marginals.source[d], ("wijk", "gemeente")) for d in DIMENSIONS])
    small = ~(households >= SMALL_AREA)
    label = np.where(own >= 1, np.where(small, "redelijk", "hoog"), "redelijk")
    label = np.where(national.any(axis=0) | (own < 0.6) | (small & (own < 1)), "laag", label)
    label = np.where(own == 0, "zeer laag", label)

    def named(mask: np.ndarray) -> list[str]:
        names = [DIMENSION_LABELS[d].split(" (")[0].lower() for d in DIMENSIONS]
        return [", ".join(n for n, m in zip(names, col, strict=True) if m) for col in mask.T]

    national_names, nearby_names = named(national), named(nearby)
    reasons = []
    for i in range(len(own)):
        parts = []
        if national_names[i]:
            parts.append(f"landelijk ingevuld: {national_names[i]}")
        if nearby_names[i]:
            parts.append(f"geleend van wijk of gemeente: {nearby_names[i]}")
        if small[i] and own[i] > 0:
            parts.append(f"klein gebied (minder dan {SMALL_AREA} huishoudens of onbekend)")
        reasons.append("; ".join(parts) or "alle kenmerken uit eigen cijfers")
    return label, np.array(reasons, dtype=object)


def _sources_text(marginals: Marginals) -> np.ndarray:
    from citisens_core.demographics import DIMENSION_LABELS

    parts = []
    for dim in DIMENSIONS:
        src = marginals.source[dim]
        label = DIMENSION_LABELS[dim].lower() + ": "
        borrowed = label + pd.Series(src).map(SOURCE_LABELS).to_numpy(dtype=object)
        derived = label + marginals.derived[dim]
        parts.append(np.where(src == "eigen", "", np.where(src == "afgeleid", derived, borrowed)))
    joined = ["; ".join(p for p in row if p) for row in zip(*parts, strict=True)]
    return np.array([j or "alle kenmerken uit eigen cijfers" for j in joined], dtype=object)


def dominant_probability(estimates: pd.DataFrame, profile_keys: list[str] | None = None
                         ) -> pd.Series:
    """Probability that the most common profile's share really exceeds the runner-up's.

    From the interval model: each share's standard error is its 90 % interval's
    width / (2 × 1.645), the two shares are taken as independent, and
    ``P = Φ((first − second) / √(se₁² + se₂²))``. Below ``CLEAR_WINNER`` (0.8)
    the area has no clear most common profile ("geen duidelijk meest
    voorkomend profiel").

    Parameters
    ----------
    estimates : pandas.DataFrame
        Shares per profile key with ``<key>_laag`` and ``<key>_hoog``, one row
        per area or selection (the output of :func:`estimate_areas`).
    profile_keys : list of str, optional
        Default: the columns that have a ``_laag`` column.

    Returns
    -------
    pandas.Series
        Between 0.5 and 1 (NaN where a row has no shares), same index.
    """
    keys = profile_keys or [c for c in estimates.columns if f"{c}_laag" in estimates.columns]
    shares = estimates[keys].to_numpy(dtype=float)
    width = (estimates[[f"{k}_hoog" for k in keys]].to_numpy(dtype=float)
             - estimates[[f"{k}_laag" for k in keys]].to_numpy(dtype=float))
    se = width / (2 * Z90)
    valid = np.isfinite(shares).all(axis=1)
    order = np.argsort(-np.nan_to_num(shares, nan=-1.0), axis=1, kind="stable")
    rows = np.arange(len(shares))
    first, second = order[:, 0], order[:, 1]
    gap = shares[rows, first] - shares[rows, second]
    spread = np.sqrt(se[rows, first] ** 2 + se[rows, second] ** 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(spread > 0, norm.cdf(gap / np.where(spread > 0, spread, 1.0)),
                     np.where(gap > 0, 1.0, 0.5))
    return pd.Series(np.where(valid, p, np.nan), index=estimates.index)


def mix_doubt(mix: pd.DataFrame) -> tuple[str, str, float]:
    """The most common and runner-up profile of one mix, and P(first > second).

    Parameters
    ----------
    mix : pandas.DataFrame
        Index profile keys; columns ``aandeel``, ``laag``, ``hoog`` (a selection's mix).

    Returns
    -------
    (str, str, float)
        First and second profile key and the probability that the first share
        really exceeds the second (see :func:`dominant_probability`).
    """
    keys = list(mix.index)
    row = {k: mix.at[k, "aandeel"] for k in keys}
    row |= {f"{k}_laag": mix.at[k, "laag"] for k in keys}
    row |= {f"{k}_hoog": mix.at[k, "hoog"] for k in keys}
    order = mix["aandeel"].sort_values(ascending=False, kind="stable").index
    p = float(dominant_probability(pd.DataFrame([row]), keys).iloc[0])
    return str(order[0]), str(order[1]), p


def weighted_interval(mix: pd.DataFrame, weights: np.ndarray) -> tuple[float, float, float]:
    """A weighted sum of a mix's shares (e.g. a channel's reach) with its 90 % interval.

    ``Σ w_k · share_k``, with the shares' standard errors from their interval
    widths, taken as independent (as in :func:`dominant_probability`).

    Parameters
    ----------
    mix : pandas.DataFrame
        Index profile keys; columns ``aandeel``, ``laag``, ``hoog``.
    weights : numpy.ndarray
        One weight per profile, in the order of `mix`'s index.

    Returns
    -------
    (float, float, float)
        Value, lower and upper bound (clipped to 0-1).
    """
    w = np.asarray(weights, dtype=float)
    value = float(w @ mix["aandeel"].to_numpy(dtype=float))
    se = (mix["hoog"] - mix["laag"]).to_numpy(dtype=float) / (2 * Z90)
    half = Z90 * float(np.sqrt(((w * se) ** 2).sum()))
    return value, max(0.0, value - half), min(1.0, value + half)


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
    out["dominant_kans"] = dominant_probability(out, keys)
    out["dominant_duidelijk"] = out["dominant_kans"] >= CLEAR_WINNER
    label, reason = _confidence(marginals, households)
    out["betrouwbaarheid"] = label
    out["betrouwbaarheid_reden"] = reason
    out["volledigheid"] = marginals.own_share
    out["bronnen"] = _sources_text(marginals)
    out["huishoudens"] = households
    out["heeft_schatting"] = ~(households == 0)  # unknown counts as possibly inhabited
    empty = ~out["heeft_schatting"].to_numpy()
    shares = [c for k in keys for c in (k, f"{k}_laag", f"{k}_hoog")]
    out.loc[empty, shares] = np.nan
    out.loc[empty, ["dominant_profiel", "tweede_profiel"]] = None
    out.loc[empty, "dominant_kans"] = np.nan
    out.loc[empty, "dominant_duidelijk"] = False
    out.loc[empty, "betrouwbaarheid"] = "geen huishoudens"
    out.loc[empty, "betrouwbaarheid_reden"] = "CBS telt hier geen particuliere huishoudens"
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
    # sums per target by position (np.bincount), not by merge and groupby: a national
    # PC6 link has half a million rows
    row = pd.Index(estimates["code"]).get_indexer(mapping["postcode"])
    linked = row >= 0
    if not linked.any():
        raise ValueError("no small area of the mapping has an estimate")
    row = row[linked]
    targets, group = pd.factorize(mapping[target].to_numpy()[linked], sort=True)[::-1]
    households = estimates["huishoudens"].to_numpy(dtype=float)[row]
    weight = mapping["gewicht"].to_numpy(dtype=float)[linked] * np.where(
        households > 0, households, 1.0)
    values = np.nan_to_num(estimates[columns].to_numpy(dtype=float)[row] * weight[:, None])
    total = np.bincount(group, weights=weight, minlength=len(targets))
    sums = np.column_stack([np.bincount(group, weights=values[:, j], minlength=len(targets))
                            for j in range(len(columns))])
    out = pd.DataFrame(sums / total[:, None], columns=columns)
    out[keys] = out[keys].div(out[keys].sum(axis=1), axis=0)
    out.insert(0, "code", targets)
    out["huishoudens"] = total
    return out
