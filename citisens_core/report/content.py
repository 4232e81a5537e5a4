"""What an area report says, independent of how it is printed.

:func:`build_report` turns the estimates of one level of an area file into a
:class:`Report`: per area (and, for several, the selection as a whole) the
mix with intervals, whether the most common profile is clear, the four
characteristics, the pen portraits, the user's notes, the advice with reasons,
the reach check when a consultation is loaded, the map, and the sources. The
PDF writer (:mod:`.pdf`), the presentation mode and the CLI all read this.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import geopandas as gpd
import pandas as pd

from citisens_core.atlas import combine_interval, weakest_confidence
from citisens_core.dutch import GROUP_REMINDER, interval, join_dutch, number, pct
from citisens_core.report.context import label_points
from citisens_core.report.staticmap import MapSpec, render_map
from citisens_core.scheme import CHARACTERISTICS, Scheme
from citisens_core.strategy import Advice, Rules, advise

#: The report's map: inches at print size (the PDF places it 11–14 cm wide) and resolution.
MAP_SIZE = (6.6, 3.9)
MAP_DPI = 220
#: Pen portraits are printed for profiles with at least this estimated share.
PORTRAIT_THRESHOLD = 0.10
CONFIDENCE_TEXT = {
    "hoog": "hoog: alle kenmerken uit eigen cijfers van het gebied",
    "redelijk": "redelijk: een deel van de kenmerken is geleend van wijk, gemeente of land",
    "laag": "laag: veel kenmerken geleend of weinig huishoudens",
    "zeer laag": "zeer laag: geen eigen cijfers; dit is vooral het landelijke beeld",
}
LEVEL_NAMES = {"gemeente": "gemeente", "wijk": "wijk", "buurt": "buurt",
               "pc4": "postcodegebied (PC4)", "pc6": "postcode (PC6)"}
LEVEL_PLURAL = {"gemeente": "gemeenten", "wijk": "wijken", "buurt": "buurten",
                "pc4": "postcodegebieden", "pc6": "postcodes"}


# --- the data the report reads -------------------------------------------------------------


@dataclass(frozen=True)
class ReportData:
    """One level of one area file, as the report needs it (no app, no CLI).

    Attributes
    ----------
    level : str
    areas : geopandas.GeoDataFrame
        The canonical area table of the level, with geometry.
    estimates : pandas.DataFrame
        :func:`citisens_core.estimate.estimate_areas` of the same areas.
    profile_keys : list of str
    national : pandas.Series
        The national mix by profile key.
    gemeente_mix : callable
        Gemeentecode → the gemeente's mix (Series) or None.
    source : str
        File name shown under "Bronnen".
    credit : str
        Attribution ("© Kadaster / CBS, 2024"; the demo's fictional line).
    fictional : bool
    year : int, optional
    release : str, optional
        CBS release ("v1", "v2", "v3") when known.
    model_source : str
        What the model was fitted on.
    water, borders : geopandas.GeoSeries, optional
        Map context from the same file (see :mod:`.context`).
    """

    level: str
    areas: gpd.GeoDataFrame
    estimates: pd.DataFrame
    profile_keys: list[str]
    national: pd.Series
    gemeente_mix: Callable[[str], pd.Series | None]
    source: str
    credit: str
    fictional: bool = False
    year: int | None = None
    release: str | None = None
    model_source: str = ""
    water: gpd.GeoSeries | None = None
    borders: gpd.GeoSeries | None = None


@dataclass(frozen=True)
class ReachCheck:
    """Who answered a consultation against who lives there, as printed rows."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    summary: str = ""


def reach_from_check(check, source: str) -> ReachCheck:
    """The report's rows of a reach check (:func:`citisens_core.consultation.reach_check`).

    Only the suppressing table is read: groups under 10 respondents stay "< 10".
    """
    table = check.profile_table()
    rows = tuple((str(r["naam"]), str(r["aantal"]), pct(r["aandeel_respondenten"]),
                  pct(r["aandeel_inwoners"]), number(r["verhouding"], 2), str(r["oordeel"]))
                 for _, r in table.iterrows())
    advice = " ".join(str(a["zin"]) for a in check.advies[:2])
    summary = (f"{source}: {number(check.n)} respondenten in {check.residents.naam}, "
               f"vergeleken met wie er woont (hele gebiedsbestand). {advice}").strip()
    return ReachCheck(header=("Profiel", "Respondenten", "Aandeel respondenten",
                              "Aandeel inwoners", "Verhouding", "Oordeel"),
                      rows=rows, summary=summary)


# --- what the report says ------------------------------------------------------------------


@dataclass(frozen=True)
class AreaSection:
    """The report on one area, or on a selection of areas taken together."""

    codes: tuple[str, ...]
    naam: str
    soort: str
    mix: pd.DataFrame
    references: dict[str, pd.Series]
    huishoudens: float | None
    betrouwbaarheid: str
    volledigheid: float
    bronnen: str
    duidelijk: bool
    kenmerken: pd.DataFrame
    portretten: tuple[tuple[str, str, str, str], ...]
    advies: Advice
    notities: str = ""
    bereik: ReachCheck | None = None
    map_png: bytes = b""

    @property
    def top(self) -> list[str]:
        """Profile keys by estimated share, largest first."""
        return list(self.mix.sort_values("aandeel", ascending=False).index)


@dataclass(frozen=True)
class Report:
    """A whole report: one section per area, plus the selection for several."""

    titel: str
    datum: date
    level: str
    sections: tuple[AreaSection, ...]
    selection: AreaSection | None
    credit: str
    fictional: bool
    source: str
    year: int | None
    release: str | None
    model_source: str
    scheme_source: str
    context: tuple[str, ...] = field(default=())

    @property
    def reminder(self) -> str:
        return GROUP_REMINDER


def dominant_is_clear(mix: pd.DataFrame) -> bool:
    """True when the most common profile's interval lies wholly above the runner-up's."""
    ordered = mix.sort_values("aandeel", ascending=False)
    if len(ordered) < 2:
        return True
    return bool(ordered["laag"].iloc[0] > ordered["hoog"].iloc[1])


def doubtful_codes(estimates: pd.DataFrame) -> frozenset[str]:
    """Areas whose most common profile is not clear (the static map hatches them).

    The estimator's own ``dominant_duidelijk`` when present (the in-browser map's
    doubt class), else: the first profile's interval does not lie above the second's.
    """
    usable = estimates[estimates["heeft_schatting"]]
    if "dominant_duidelijk" in usable:
        return frozenset(usable.loc[~usable["dominant_duidelijk"].astype(bool), "code"]
                         .astype(str))
    out = set()
    for row in usable.itertuples(index=False):
        first, second = row.dominant_profiel, row.tweede_profiel
        if getattr(row, f"{first}_laag") <= getattr(row, f"{second}_hoog"):
            out.add(str(row.code))
    return frozenset(out)


def characteristic_index(mixes: dict[str, pd.Series], national: pd.Series,
                         scheme: Scheme) -> pd.DataFrame:
    """Mix-weighted characteristics per area as an index against the national mix.

    The score of a characteristic for an area is the mix-weighted mean of the
    profiles' scores (1–5); the index divides it by the same for the national
    mix (× 100).

    Returns
    -------
    pandas.DataFrame
        Columns ``kenmerk`` (Dutch name), ``gebied``, ``index``, ``score``.
    """
    names = {c.key: c.naam for c in scheme.kenmerken}
    keys = list(national.index)
    scores = pd.DataFrame({p.key: [p.kenmerken[c] for c in CHARACTERISTICS]
                           for p in scheme.profielen}, index=list(CHARACTERISTICS))[keys]
    reference = scores.to_numpy() @ national.to_numpy()
    rows = []
    for area, mix in mixes.items():
        score = scores.to_numpy() @ mix.reindex(keys).to_numpy()
        for c, s, r in zip(CHARACTERISTICS, score, reference, strict=True):
            rows.append({"kenmerk": names.get(c, c), "gebied": area, "index": 100 * s / r,
                         "score": s})
    return pd.DataFrame(rows)


def characteristic_sentence(index: float, laag: str, hoog: str) -> str:
    """An index as words: "meer dan landelijk: liever online" (within ±5: "als landelijk")."""
    if index >= 105:
        return f"meer dan landelijk: {hoog}"
    if index <= 95:
        return f"minder dan landelijk: eerder {laag}"
    return "ongeveer als landelijk"


def area_title(names: Sequence[str], level: str) -> str:
    """"Kerkbuurt", "Kerkbuurt en Oude Kern", "selectie van 5 buurten"."""
    if len(names) <= 3:
        return join_dutch(list(names))
    return f"selectie van {len(names)} {LEVEL_PLURAL.get(level, level)}"


# --- building ------------------------------------------------------------------------------


def build_report(data: ReportData, codes: Sequence[str], scheme: Scheme, rules: Rules,
                 *, thema: str = "algemeen", fase: str = "ideeen_ophalen",
                 trede: str = "raadplegen", notes: Mapping[str, str] | None = None,
                 reach: Mapping[str, ReachCheck] | None = None,
                 today: date | None = None, with_maps: bool = True) -> Report:
    """The report on one or more areas of one level.

    Parameters
    ----------
    data : ReportData
    codes : sequence of str
        The areas, in the order the report lists them.
    scheme, rules
        Profile scheme and rule tables (for portraits and advice).
    thema, fase, trede : str
        The advice's context (see :func:`citisens_core.strategy.advise`).
    notes : mapping, optional
        Area code (or ``"selectie"`` for several together) → the user's own notes.
    reach : mapping, optional
        Area code or ``"selectie"`` → a reach check of a loaded consultation.
    today : date, optional
        The report's date (default today).
    with_maps : bool
        Render the map images (off in tests that only read the text).

    Raises
    ------
    ValueError
        When a code is unknown or none of the areas has an estimate.
    """
    codes = list(dict.fromkeys(str(c) for c in codes))
    known = set(data.estimates["code"].astype(str))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValueError(f"unknown area code(s) {', '.join(unknown)} at level {data.level}")
    est = data.estimates.set_index(data.estimates["code"].astype(str))
    usable = [c for c in codes if bool(est.loc[c, "heeft_schatting"])]
    if not usable:
        raise ValueError(f"none of the areas {', '.join(codes)} has an estimate "
                         "(no households or no figures of their own)")
    notes, reach = notes or {}, reach or {}
    names = dict(zip(data.areas["code"].astype(str), data.areas["naam"].astype(str),
                     strict=True))
    colours, legend = dominant_colours(data.estimates, scheme)
    doubt = doubtful_codes(data.estimates)

    def section(chosen: list[str], key: str) -> AreaSection:
        naam = area_title([names.get(c, c) for c in chosen], data.level)
        soort = (LEVEL_NAMES.get(data.level, data.level) if len(chosen) == 1
                 else f"{len(chosen)} {LEVEL_PLURAL.get(data.level, data.level)} samen")
        png = b""
        if with_maps:
            png = render_map(_map_spec(data, chosen, colours, legend, doubt, naam, names),
                             "png", size=MAP_SIZE, dpi=MAP_DPI)
        return _section(data, est.loc[chosen].reset_index(drop=True), chosen, naam, soort,
                        scheme, rules, thema, fase, trede, notes.get(key, ""), reach.get(key),
                        png)

    sections = tuple(section([c], c) for c in usable)
    selection = section(usable, "selectie") if len(usable) > 1 else None
    title = area_title([names.get(c, c) for c in usable], data.level)
    skipped = [c for c in codes if c not in usable]
    context = ()
    if skipped:
        context = (f"Zonder schatting en daarom niet opgenomen: "
                   f"{join_dutch([names.get(c, c) for c in skipped])} (geen huishoudens of "
                   "geen eigen cijfers).",)
    return Report(titel=title, datum=today or date.today(), level=data.level,
                  sections=sections, selection=selection, credit=data.credit,
                  fictional=data.fictional, source=data.source, year=data.year,
                  release=data.release, model_source=data.model_source,
                  scheme_source=f"{scheme.naam} ({scheme.source}); {scheme.bron}",
                  context=context)


def _section(data: ReportData, rows: pd.DataFrame, chosen: list[str], naam: str, soort: str,
             scheme: Scheme, rules: Rules, thema: str, fase: str, trede: str, notes: str,
             reach: ReachCheck | None, png: bytes) -> AreaSection:
    keys = data.profile_keys
    mix = combine_interval(rows, keys)
    references: dict[str, pd.Series] = {}
    gemeenten = data.areas.loc[data.areas["code"].astype(str).isin(chosen),
                               "gemeentecode"].dropna().astype(str).unique()
    if len(gemeenten) == 1 and data.level != "gemeente":
        gm = data.gemeente_mix(gemeenten[0])
        if gm is not None:
            references["Gemeente"] = gm.reindex(keys)
    references["Nederland"] = data.national.reindex(keys).fillna(0.0)
    households = float(rows["huishoudens"].sum())
    weights = rows["huishoudens"].clip(lower=1)
    completeness = float((rows["volledigheid"] * weights).sum() / weights.sum())
    confidence = weakest_confidence(list(rows["betrouwbaarheid"]))
    mixes = {"gebied": mix["aandeel"]}
    if "Gemeente" in references:
        mixes["Gemeente"] = references["Gemeente"]
    portraits = tuple(
        (key, scheme.profile(key).naam, f"{pct(row['aandeel'])} "
         f"(90 %-interval {interval(row['laag'], row['hoog'])})", scheme.profile(key).portret)
        for key, row in mix.sort_values("aandeel", ascending=False).iterrows()
        if row["aandeel"] >= PORTRAIT_THRESHOLD)
    advice = advise(mix["aandeel"].to_dict(), thema=thema, fase=fase, trede=trede,
                    scheme=scheme, rules=rules, area_name=naam,
                    huishoudens=households if households > 0 else None,
                    betrouwbaarheid=confidence)
    return AreaSection(
        codes=tuple(chosen), naam=naam, soort=soort, mix=mix, references=references,
        huishoudens=households if households > 0 else None, betrouwbaarheid=confidence,
        volledigheid=completeness, bronnen="; ".join(dict.fromkeys(rows["bronnen"].astype(str))),
        duidelijk=dominant_is_clear(mix),
        kenmerken=characteristic_index(mixes, references["Nederland"], scheme),
        portretten=portraits, advies=advice, notities=notes, bereik=reach, map_png=png)


def dominant_colours(estimates: pd.DataFrame, scheme: Scheme
                     ) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Area code → colour of its most common profile, and the legend entries."""
    kleur = {p.key: p.kleur for p in scheme.profielen}
    colours = {str(c): kleur.get(str(d), "#d9d9d9")
               for c, d, h in zip(estimates["code"], estimates["dominant_profiel"],
                                  estimates["heeft_schatting"], strict=True) if h}
    legend = [(p.kleur, p.naam) for p in scheme.profielen]
    if not all(estimates["heeft_schatting"]):
        legend.append(("#d9d9d9", "geen schatting (geen huishoudens)"))
    return colours, legend


def _map_spec(data: ReportData, chosen: list[str], colours: dict[str, str],
              legend: list[tuple[str, str]], doubt: frozenset[str], naam: str,
              names: dict[str, str]) -> MapSpec:
    gemeenten = set(data.areas.loc[data.areas["code"].astype(str).isin(chosen),
                                   "gemeentecode"].dropna().astype(str))
    areas = data.areas
    if gemeenten and "gemeentecode" in areas:  # the neighbours in the same gemeente(n)
        areas = areas[areas["gemeentecode"].astype(str).isin(gemeenten)]
    return MapSpec(areas=areas, colours=colours, legend=legend,
                   legend_title="Meest voorkomend profiel", title=f"{naam} en omgeving",
                   credit=data.credit, fictional=data.fictional, highlight=tuple(chosen),
                   doubt=doubt, water=data.water, borders=data.borders,
                   labels=label_points(areas))


# --- one sentence per area -------------------------------------------------------------------


def key_message(section: AreaSection, scheme: Scheme) -> str:
    """The one message a presenter says about an area, in plain Dutch.

    Names the most common profile(s) with share and interval, says when the most
    common profile is not clear, and the channel that reaches most households.
    """
    top = section.top
    first, second = top[0], top[1]
    names = scheme.names()
    m = section.mix
    if section.duidelijk:
        head = (f"In {section.naam} wonen naar schatting vooral {names[first]} "
                f"({pct(m.loc[first, 'aandeel'])}, 90 %-interval "
                f"{interval(m.loc[first, 'laag'], m.loc[first, 'hoog'])}).")
    else:
        head = (f"In {section.naam} zijn {names[first]} ({pct(m.loc[first, 'aandeel'])}) en "
                f"{names[second]} ({pct(m.loc[second, 'aandeel'])}) naar schatting even "
                "talrijk: welk profiel het meest voorkomt is niet duidelijk.")
    channels = [r.naam for r in section.advies.kanalen[:2]]
    tail = f" Het meeste bereik: {join_dutch([c.lower() for c in channels])}." if channels else ""
    return head + tail


def households_text(section: AreaSection) -> str:
    """"ongeveer 565 huishoudens" (or "aantal huishoudens onbekend")."""
    if section.huishoudens is None:
        return "aantal huishoudens onbekend"
    return f"ongeveer {number(section.huishoudens)} huishoudens"
