"""Who lives in the area that a consultation or a panel is compared with.

This is the one place where the consultation and panel analyses meet the area
pipeline: the levels of an area file, their estimates, postcode → buurt links.
(When ``citisens_core.atlas`` lands, only this module changes.)

A :class:`Residents` holds, for the gemeente(s) the respondents live in, the
estimated profile mix of the households with its interval, the age of the
adults, and per buurt the households and mix, plus the link from postcodes
(PC6 and PC4) to buurten.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from citisens_core.demographics import LEVELS

#: Adult age bands (as in the survey's ``leeftijd``) and the CBS person-age
#: shares they come from. CBS publishes 15-25; 18-24 is taken as 7/10 of it
#: (assumption: equal numbers per year of age within the band).
AGE_BANDS: tuple[str, ...] = ("18-24", "25-44", "45-64", "65+")
_AGE_SOURCES: tuple[tuple[str, float], ...] = (
    ("aandeel_15_25", 0.7), ("aandeel_25_45", 1.0), ("aandeel_45_65", 1.0),
    ("aandeel_65_plus", 1.0))
_PARENTS = {"buurt": ("wijk", "gemeente"), "wijk": ("gemeente",),
            "pc4": ("wijk", "gemeente"), "pc6": ("wijk", "gemeente")}


@dataclass(frozen=True)
class Residents:
    """The residents of the compared area.

    Attributes
    ----------
    naam : str
        Name of the gemeente(s), for sentences.
    profile_keys : tuple of str
    mix : pandas.DataFrame
        Index profile keys; ``aandeel``, ``laag``, ``hoog`` (90 % interval):
        the estimated share of households.
    leeftijd : pandas.Series or None
        Share of adults per :data:`AGE_BANDS`; None when the file has no ages.
    gebieden : pandas.DataFrame
        One row per area of the detailed level (buurt, else PC4): ``code``,
        ``naam``, ``wijkcode``, ``wijknaam``, ``huishoudens`` and the mix.
    postcodes : pandas.DataFrame
        ``postcode`` (PC6 or PC4), ``code`` (area of the detailed level),
        ``gewicht`` (share of the postcode in that area; sums to 1 per postcode).
    niveau : str
        The detailed level (``buurt`` or ``pc4``).
    betrouwbaarheid : str
    bron : str
        Where the estimate comes from (Dutch).
    is_demo : bool
    """

    naam: str
    profile_keys: tuple[str, ...]
    mix: pd.DataFrame
    leeftijd: pd.Series | None
    gebieden: pd.DataFrame
    postcodes: pd.DataFrame
    niveau: str
    betrouwbaarheid: str
    bron: str
    is_demo: bool = False
    waarschuwingen: tuple[str, ...] = field(default_factory=tuple)

    @property
    def shares(self) -> np.ndarray:
        """Estimated household shares in profile order."""
        return self.mix["aandeel"].to_numpy(float)

    def locate(self, postcodes: pd.Series) -> pd.DataFrame:
        """The areas each respondent's postcode lies in, with weights.

        Parameters
        ----------
        postcodes : pandas.Series
            Normalised postcodes (``1234AB`` or ``1234``), index = respondents.

        Returns
        -------
        pandas.DataFrame
            Long table ``respondent`` (the Series' index), ``code``, ``gewicht``;
            respondents whose postcode lies outside the area are absent.
        """
        frame = pd.DataFrame({"respondent": postcodes.index, "postcode": postcodes.to_numpy()})
        return frame.merge(self.postcodes, on="postcode", how="inner")[
            ["respondent", "code", "gewicht"]]


# --- building ---------------------------------------------------------------------------

def read_levels(path: str | Path) -> dict[str, pd.DataFrame]:
    """Every level of an area file as canonical tables (for the command line).

    Raises
    ------
    citisens_core.geodata.AreaFileError
        When the file is not a usable area file.
    """
    from citisens_core.geodata import AreaFileError, read_areas

    first = read_areas(path)
    levels = {str(first.attrs.get("niveau") or first["niveau"].iloc[0]): first}
    for level in LEVELS:
        if level not in levels:
            try:
                levels[level] = read_areas(path, level=level)
            except AreaFileError:
                continue  # the file has no such level
    return {lvl: levels[lvl] for lvl in LEVELS if lvl in levels}


def estimator(levels: Mapping[str, pd.DataFrame], model) -> Callable[[str], pd.DataFrame]:
    """A memoised ``level → estimate_areas(...)`` over the file's levels, parents included."""
    from citisens_core.estimate import estimate_areas

    memo: dict[str, pd.DataFrame] = {}

    def estimate(level: str) -> pd.DataFrame:
        if level not in memo:
            parents = [pd.DataFrame(levels[p]).drop(columns="geometry", errors="ignore")
                       for p in _PARENTS.get(level, ()) if p in levels]
            parent_table = pd.concat(parents, ignore_index=True) if parents else None
            table = pd.DataFrame(levels[level]).drop(columns="geometry", errors="ignore")
            memo[level] = estimate_areas(table, model=model, parents=parent_table)
        return memo[level]

    return estimate


def build_residents(levels: Mapping[str, pd.DataFrame], estimate: Callable[[str], pd.DataFrame],
                    profile_keys: tuple[str, ...], gemeentecodes: list[str] | None = None,
                    bron: str = "", is_demo: bool = False) -> Residents:
    """The residents of one or more gemeenten of an area file.

    Parameters
    ----------
    levels : mapping of level → canonical area table (GeoDataFrames for the postcode link)
    estimate : callable
        ``level → estimate_areas`` output for that level.
    profile_keys : tuple of str
    gemeentecodes : list of str, optional
        Restrict to these gemeenten; default every gemeente in the file.
    bron : str
        The file name, for the sources line.
    is_demo : bool

    Raises
    ------
    ValueError
        If the file has neither buurten nor PC4 areas, or no area has an estimate.
    """
    level = "buurt" if "buurt" in levels else "pc4" if "pc4" in levels else None
    if level is None:
        raise ValueError("the area file has neither buurten nor PC4 areas to place respondents in")
    table = levels[level]
    est = estimate(level)
    inside = _in_gemeenten(table, gemeentecodes)
    areas = pd.DataFrame(table.loc[inside].drop(columns="geometry", errors="ignore"))
    est = est.loc[inside]
    usable = est[est["heeft_schatting"].astype(bool)]
    if usable.empty:
        raise ValueError("no area of the file has households, so there is no one to compare with")
    keys = list(profile_keys)
    mix, confidence = _area_mix(usable, keys)
    wijknamen = _names(levels.get("wijk"))
    gebieden = pd.DataFrame({
        "code": usable["code"].astype(str).to_numpy(),
        "naam": usable["naam"].astype(str).to_numpy(),
        "wijkcode": areas.loc[usable.index, "wijkcode"].astype(str).to_numpy()
        if "wijkcode" in areas else "",
        "huishoudens": usable["huishoudens"].fillna(0).to_numpy(float),
    })
    gebieden["wijknaam"] = gebieden["wijkcode"].map(wijknamen).fillna(gebieden["wijkcode"])
    for key in keys:
        gebieden[key] = usable[key].to_numpy(float)
    postcodes, warnings = _postcode_links(levels, level, set(gebieden["code"]))
    names = sorted({str(n) for n in areas.get("gemeentenaam", pd.Series(dtype=str)).dropna()
                    if str(n)})
    naam = (names[0] if len(names) == 1 else f"{len(names)} gemeenten") if names else "het gebied"
    return Residents(naam=naam, profile_keys=tuple(keys), mix=mix,
                     leeftijd=_adult_ages(levels, areas, gemeentecodes), gebieden=gebieden,
                     postcodes=postcodes, niveau=level, betrouwbaarheid=confidence,
                     bron=bron, is_demo=is_demo, waarschuwingen=tuple(warnings))


def _in_gemeenten(table: pd.DataFrame, codes: list[str] | None) -> pd.Series:
    if not codes or "gemeentecode" not in table:
        return pd.Series(True, index=table.index)
    inside = table["gemeentecode"].astype(str).isin(codes)
    return inside if inside.any() else pd.Series(True, index=table.index)


def _names(table: pd.DataFrame | None) -> dict[str, str]:
    if table is None:
        return {}
    return dict(zip(table["code"].astype(str), table["naam"].astype(str), strict=True))


def _area_mix(usable: pd.DataFrame, keys: list[str]) -> tuple[pd.DataFrame, str]:
    """The areas' estimates combined by households.

    Deliberately built from the detailed areas, not from the gemeente's own row:
    a gemeente's marginals lose how age, tenure and urbanity go together within
    it. On the demo gemeente the gemeente row puts Zelfbewuste Aanpakkers at
    10.6 % where the buurten combined give 14.7 % and the truth is 14.5 %.
    """
    from citisens_core.estimate import combine_mix

    combined = combine_mix(usable, None, keys).to_numpy()
    weight = usable["huishoudens"].where(usable["huishoudens"] > 0).fillna(1.0).to_numpy()
    weight = weight / weight.sum()
    # the household-weighted mean of the areas' bounds: assumes their errors move together
    low = np.array([(usable[f"{k}_laag"].to_numpy() * weight).sum() for k in keys])
    high = np.array([(usable[f"{k}_hoog"].to_numpy() * weight).sum() for k in keys])
    mix = pd.DataFrame({"aandeel": combined, "laag": np.minimum(low, combined),
                        "hoog": np.maximum(high, combined)}, index=keys)
    order = ("hoog", "redelijk", "laag", "zeer laag")
    seen = [c for c in usable["betrouwbaarheid"].astype(str) if c in order]
    return mix, max(seen, key=order.index) if seen else "zeer laag"


def _adult_ages(levels, areas, gemeentecodes) -> pd.Series | None:
    """Share of adults per age band, from the gemeente row or the areas' persons."""
    source = areas
    if "gemeente" in levels:
        gm = levels["gemeente"]
        gm = gm[_in_gemeenten(gm, gemeentecodes)]
        if len(gm):
            source = gm
    people = source.get("inwoners")
    if people is None:
        return None
    counts = []
    for column, fraction in _AGE_SOURCES:
        if column not in source:
            return None
        counts.append(float(np.nansum(source[column].to_numpy(float) * fraction
                                      * people.to_numpy(float))))
    total = sum(counts)
    if not total > 0:
        return None
    return pd.Series(np.array(counts) / total, index=list(AGE_BANDS))


def _postcode_links(levels, level: str, codes: set[str]) -> tuple[pd.DataFrame, list[str]]:
    """PC6 and PC4 → area of the detailed level, with weights."""
    empty = pd.DataFrame(columns=["postcode", "code", "gewicht"])
    if level == "pc4":
        pc4 = sorted(codes)
        return pd.DataFrame({"postcode": pc4, "code": pc4, "gewicht": 1.0}), []
    from citisens_core.geodata.postcode import postcode_to_buurt

    parts, warnings = [], []
    buurten = levels["buurt"]
    for postcode_level, method in (("pc6", "largest"), ("pc4", "area")):
        if postcode_level not in levels:
            continue
        table = levels[postcode_level]
        table = table[table.geometry.notna()] if hasattr(table, "geometry") else table
        if table.empty:
            continue
        link = postcode_to_buurt(table[["code", "geometry"]], buurten=buurten, method=method)
        parts.append(link.rename(columns={"buurtcode": "code"})[["postcode", "code", "gewicht"]])
    if not parts:
        warnings.append("Dit gebiedsbestand heeft geen postcodegebieden (PC6 of PC4), dus "
                        "respondenten kunnen niet aan een buurt worden gekoppeld. Laad een "
                        "bestand met postcodegebieden, zoals de demogemeente.")
        return empty, warnings
    links = pd.concat(parts, ignore_index=True)
    links = links[links["code"].astype(str).isin(codes)]
    links["gewicht"] = links["gewicht"] / links.groupby("postcode")["gewicht"].transform("sum")
    return links.reset_index(drop=True), warnings
