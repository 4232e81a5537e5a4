"""Roll buurten up to wijken and gemeenten when a file holds the buurt level only.

CBS publishes counts and shares per area; a parent area's figures follow from
its buurten: counts are summed, a share or average is the mean of the buurten
weighted by what it is a share of (inhabitants or households), and the
urbanity class is derived again from the weighted address density, with
CBS's own class boundaries. Boundaries are the union of the buurten.

Approximations, stated so a reader can judge them: tenure and WOZ value are
weighted by households (CBS weighs them by dwellings, which the buurt table
does not carry); address density by inhabitants (CBS computes it per address).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from citisens_core.demographics import DEMOGRAPHIC_COLUMNS, ID_COLUMNS

__all__ = ["ROLLUP_RULES", "URBANITY_CLASSES", "complete_levels", "roll_up", "urbanity_class"]

#: How each canonical column of a parent area follows from its buurten:
#: "som" (sum), or the weighted mean with that canonical column as weight.
ROLLUP_RULES: MappingProxyType[str, str] = MappingProxyType(
    {
        "inwoners": "som",
        "huishoudens": "som",
        "aandeel_0_15": "inwoners",
        "aandeel_15_25": "inwoners",
        "aandeel_25_45": "inwoners",
        "aandeel_45_65": "inwoners",
        "aandeel_65_plus": "inwoners",
        "aandeel_eenpersoons": "huishoudens",
        "aandeel_zonder_kinderen": "huishoudens",
        "aandeel_met_kinderen": "huishoudens",
        "gem_huishoudgrootte": "huishoudens",
        "stedelijkheid": "klasse",  # from the rolled-up address density
        "adressendichtheid": "inwoners",
        "aandeel_koop": "huishoudens",
        "aandeel_huur": "huishoudens",
        "aandeel_huur_corporatie": "huishoudens",
        "woz": "huishoudens",
        "inkomen_per_inwoner": "inwoners",
        "aandeel_laag_inkomen": "huishoudens",
        "aandeel_hoog_inkomen": "huishoudens",
        "mannen": "som",
        "vrouwen": "som",
    }
)

#: CBS's urbanity classes by address density (addresses per km²), lower bound
#: → class. Source: CBS, "Stedelijkheid", begrippen (≥ 2,500 very strongly urban).
URBANITY_CLASSES: tuple[tuple[float, int], ...] = (
    (2500.0, 1),
    (1500.0, 2),
    (1000.0, 3),
    (500.0, 4),
    (0.0, 5),
)

_PARENT = {"wijk": "wijkcode", "gemeente": "gemeentecode"}


def urbanity_class(density: pd.Series) -> pd.Series:
    """CBS urbanity class (1-5) from address density; NaN stays NaN."""
    out = pd.Series(np.nan, index=density.index, dtype="float64")
    for lower, klasse in reversed(URBANITY_CLASSES):
        out = out.mask(density >= lower, float(klasse))
    return out


def _weighted(values: pd.DataFrame, weights: pd.Series, groups: np.ndarray) -> pd.DataFrame:
    """Weighted means per group, each column over the rows where value and weight are known."""
    usable = values.notna() & (weights > 0).to_numpy()[:, None]
    num = values.mul(weights, axis=0).where(usable).groupby(groups).sum(min_count=1)
    den = usable.mul(weights, axis=0).where(usable).groupby(groups).sum(min_count=1)
    return num / den


def _unions(geoms: gpd.GeoSeries, groups: np.ndarray, codes: pd.Index) -> list:
    """One boundary per group from its buurten's; None where none of them has one.

    Buurten tile their parent, so the fast coverage union (shared edges
    dropped, no overlay) fits; a group whose result is not valid (buurten that
    overlap a little) takes the full union instead.
    """
    values = geoms.to_numpy()
    present = ~(pd.isna(values) | shapely.is_empty(values))
    kept, labels = values[present], np.asarray(groups)[present]
    positions = pd.Series(labels).groupby(labels).indices
    out = []
    for code in codes:
        parts = kept[positions[code]] if code in positions else kept[:0]
        union = shapely.coverage_union_all(parts) if len(parts) else None
        if union is not None and not union.is_valid:
            union = shapely.union_all(parts)
        out.append(union)
    return out


def roll_up(buurten: gpd.GeoDataFrame, level: str) -> gpd.GeoDataFrame:
    """The wijken or gemeenten of a canonical buurt table, built from their buurten.

    Parameters
    ----------
    buurten : geopandas.GeoDataFrame
        Canonical buurt table (``ID_COLUMNS`` + ``DEMOGRAPHIC_COLUMNS`` + geometry).
    level : {"wijk", "gemeente"}
        Level to build.

    Returns
    -------
    geopandas.GeoDataFrame
        Canonical table of `level`; ``attrs`` as the buurt table's, with
        ``niveau`` set and ``samengesteld_uit`` ``"buurt"``.

    Raises
    ------
    ValueError
        If `level` is not "wijk" or "gemeente".
    """
    if level not in _PARENT:
        raise ValueError(f"level: expected 'wijk' or 'gemeente', got {level!r}")
    rows = buurten[buurten[_PARENT[level]].notna()]
    groups = rows[_PARENT[level]].astype(str).to_numpy()
    # plain numbers without the table's attrs: pandas would copy those on every step
    figures = pd.DataFrame(rows[list(ROLLUP_RULES)].to_numpy(dtype="float64"),
                           columns=list(ROLLUP_RULES))
    out = figures.loc[:, [c for c, r in ROLLUP_RULES.items() if r == "som"]].groupby(
        groups).sum(min_count=1)
    out.index.name = "code"
    for weight in {r for r in ROLLUP_RULES.values() if r not in ("som", "klasse")}:
        columns = [c for c, r in ROLLUP_RULES.items() if r == weight]
        out[columns] = _weighted(figures[columns], figures[weight], groups)
    out["stedelijkheid"] = urbanity_class(out["adressendichtheid"])
    names = pd.DataFrame(rows[["gemeentecode", "gemeentenaam", "jaar"]].to_numpy(),
                         columns=["gemeentecode", "gemeentenaam", "jaar"])
    first = names.groupby(groups).first()
    out["gemeentecode"] = first["gemeentecode"] if level == "wijk" else out.index
    out["gemeentenaam"] = first["gemeentenaam"]
    out["naam"] = first["gemeentenaam"] if level == "gemeente" else out.index
    out["wijkcode"] = None
    out["niveau"] = level
    out["jaar"] = first["jaar"].astype("Int64")
    geometry = _unions(rows.geometry, groups, out.index)
    out = out.reset_index()
    table = gpd.GeoDataFrame(out, geometry=geometry, crs=buurten.crs)
    table = table[[*ID_COLUMNS, *DEMOGRAPHIC_COLUMNS, "geometry"]]
    table.attrs = {**buurten.attrs, "niveau": level, "samengesteld_uit": "buurt"}
    return table


def complete_levels(tables: Mapping[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    """The levels of a file, with wijken and gemeenten rolled up from buurten where absent.

    Parameters
    ----------
    tables : mapping of level to geopandas.GeoDataFrame
        Canonical tables as read from one file.

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
        `tables` plus the rolled-up levels (marked ``attrs["samengesteld_uit"]``).
    """
    out = dict(tables)
    buurten = out.get("buurt")
    if buurten is None or buurten.empty:
        return out
    for level in ("wijk", "gemeente"):
        if level not in out:
            out[level] = roll_up(buurten, level)
    return out
