"""Who lives in the area that a consultation or a panel is compared with.

This is the one place where the consultation and panel analyses meet the area
pipeline (:class:`citisens_core.atlas.AreaSet`): the levels of an area file,
their estimates and selections, and the postcode → buurt links.

A :class:`Residents` holds, for the gemeente(s) the respondents live in, the
estimated profile mix of the households with its interval, the age of the
adults, and per buurt the households and mix, plus the link from postcodes
(PC6 and PC4) to buurten.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from citisens_core.atlas import AreaSet

#: Adult age bands (as in the survey's ``leeftijd``) and the CBS person-age
#: shares they come from. CBS publishes 15-25; 18-24 is taken as 7/10 of it
#: (assumption: equal numbers per year of age within the band).
AGE_BANDS: tuple[str, ...] = ("18-24", "25-44", "45-64", "65+")
_AGE_SOURCES: tuple[tuple[str, float], ...] = (
    ("aandeel_15_25", 0.7), ("aandeel_25_45", 1.0), ("aandeel_45_65", 1.0),
    ("aandeel_65_plus", 1.0))


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

def build_residents(areas: AreaSet, model, gemeentecodes: list[str] | None = None,
                    crosswalk: pd.DataFrame | None = None) -> Residents:
    """The residents of one or more gemeenten of an area set.

    Parameters
    ----------
    areas : AreaSet
        The area pipeline's levels and estimates (:mod:`citisens_core.atlas`).
    model : EngagementModel
    gemeentecodes : list of str, optional
        Restrict to these gemeenten; default every gemeente in the file.
    crosswalk : pandas.DataFrame, optional
        CBS's postcode-huisnummer → buurt table
        (:func:`citisens_core.geodata.postcode.read_crosswalk`): places postcodes
        by their addresses, and is the only way for a wijk- en buurtkaart, which
        has no postcode areas.

    Raises
    ------
    ValueError
        If the file has neither buurten nor PC4 areas, or no area has an estimate.
    """
    levels = areas.levels
    level = "buurt" if "buurt" in levels else "pc4" if "pc4" in levels else None
    if level is None:
        raise ValueError("the area file has neither buurten nor PC4 areas to place respondents in")
    table = levels[level]
    est = areas.estimates(level, model)
    inside = _in_gemeenten(table, gemeentecodes).to_numpy()
    frame = pd.DataFrame(table.loc[inside].drop(columns="geometry", errors="ignore"))
    est = est.loc[inside]
    usable = est[est["heeft_schatting"].astype(bool)]
    if usable.empty:
        raise ValueError("no area of the file has households, so there is no one to compare with")
    keys = list(model.profile_keys)
    # built from the detailed areas, not the gemeente's own row: a gemeente's marginals
    # lose how age, tenure and urbanity go together within it (on the demo gemeente the
    # gemeente row gives 10.6 % Zelfbewuste Aanpakkers, the buurten 14.7 %, the truth 14.5 %)
    selection = areas.selection(usable["code"].astype(str).tolist(), model)
    wijknamen = _names(levels.get("wijk"))
    gebieden = pd.DataFrame({
        "code": usable["code"].astype(str).to_numpy(),
        "naam": usable["naam"].astype(str).to_numpy(),
        "wijkcode": frame.loc[usable.index, "wijkcode"].astype(str).to_numpy()
        if "wijkcode" in frame else "",
        "huishoudens": usable["huishoudens"].fillna(0).to_numpy(float),
    })
    gebieden["wijknaam"] = gebieden["wijkcode"].map(wijknamen).fillna(gebieden["wijkcode"])
    for key in keys:
        gebieden[key] = usable[key].to_numpy(float)
    postcodes, warnings = (_crosswalk_links(crosswalk, set(gebieden["code"]))
                           if crosswalk is not None and level == "buurt"
                           else _postcode_links(levels, level, set(gebieden["code"])))
    names = sorted({str(n) for n in frame.get("gemeentenaam", pd.Series(dtype=str)).dropna()
                    if str(n)})
    naam = (names[0] if len(names) == 1 else f"{len(names)} gemeenten") if names else "het gebied"
    return Residents(naam=naam, profile_keys=tuple(keys), mix=selection.mix,
                     leeftijd=_adult_ages(levels, frame, gemeentecodes), gebieden=gebieden,
                     postcodes=postcodes, niveau=level,
                     betrouwbaarheid=selection.betrouwbaarheid, bron=areas.bron,
                     is_demo=areas.fictief, waarschuwingen=tuple(warnings))


def _in_gemeenten(table: pd.DataFrame, codes: list[str] | None) -> pd.Series:
    if not codes or "gemeentecode" not in table:
        return pd.Series(True, index=table.index)
    inside = table["gemeentecode"].astype(str).isin(codes)
    return inside if inside.any() else pd.Series(True, index=table.index)


def _names(table: pd.DataFrame | None) -> dict[str, str]:
    if table is None:
        return {}
    return dict(zip(table["code"].astype(str), table["naam"].astype(str), strict=True))


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


def _crosswalk_links(crosswalk: pd.DataFrame, codes: set[str]) -> tuple[pd.DataFrame, list[str]]:
    """PC6 and PC4 → buurt, weighted by the postcode's addresses in each buurt."""
    table = crosswalk[crosswalk["buurtcode"].astype(str).isin(codes)]
    if table.empty:
        return (pd.DataFrame(columns=["postcode", "code", "gewicht"]),
                ["De koppeltabel noemt geen enkele buurt van dit gebiedsbestand."])
    parts = []
    for key in (table["postcode"].astype(str), table["postcode"].astype(str).str[:4]):
        counts = table.groupby([key.rename("postcode"), table["buurtcode"].rename("code")]
                               ).size().rename("n").reset_index()
        counts["gewicht"] = counts["n"] / counts.groupby("postcode")["n"].transform("sum")
        parts.append(counts[["postcode", "code", "gewicht"]])
    return pd.concat(parts, ignore_index=True), []
