"""Helpers of the Strategie page: the chosen areas, advice tables and charts, the map extract.

Everything that can be computed without a running page lives here as plain
functions (testable, and reused by the downloads); the page itself only draws.
The advice comes from :mod:`citisens_core.strategy`; nothing here ranks or
scores on its own.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import geopandas as gpd
import pandas as pd

from atlas_ui.charts import FONT_SIZE, SERIES_COLOURS, styled
from atlas_ui.format import number, pct
from atlas_ui.maps import MODE_DOMINANT, MapLayer, fit_view, map_layer
from citisens_core.atlas import AreaSet
from citisens_core.scheme import Scheme
from citisens_core.strategy import DREMPEL, MissedResidents, Plan, Recommendation

#: Shown where the sources say profiles barely differ on a theme (ondermijning).
SHARED_MESSAGE = (
    "Bij dit thema verschillen de profielen nauwelijks. Eén gedeelde basisboodschap voor "
    "iedereen werkt; kies de kanalen op bereik, niet per profiel."
)
MAP_EXTRACT_HEIGHT = 380
MAP_EXTRACT_WIDTH = 460


# --- the chosen areas --------------------------------------------------------------------


def present_profiles(shares: Mapping[str, float], scheme: Scheme,
                     drempel: float = DREMPEL) -> list[str]:
    """Profile keys with at least `drempel` share, largest first (ties in scheme order)."""
    keys = [k for k in scheme.keys if shares.get(k, 0.0) >= drempel]
    return sorted(keys, key=lambda k: -shares[k])


def file_stem(naam: str, prefix: str = "participatieadvies") -> str:
    """A safe ASCII file name stem for the downloads, e.g. ``participatieadvies-de-hessel``."""
    ascii_name = unicodedata.normalize("NFKD", naam).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-")
    return f"{prefix}-{slug}" if slug else prefix


# --- tables ------------------------------------------------------------------------------


def recommendations_table(recs: Sequence[Recommendation], instruments: bool = False
                          ) -> pd.DataFrame:
    """All ranked channels or instruments as a table of Dutch text.

    Parameters
    ----------
    recs : sequence of Recommendation
        In ranked order.
    instruments : bool
        Adds the fit for the phase and step, and calls reach "Deelname".
    """
    rows = []
    for rank, rec in enumerate(recs, 1):
        row = {"#": rank, ("Instrument" if instruments else "Kanaal"): rec.naam,
               ("Deelname" if instruments else "Bereik"): pct(rec.bereik, 1)}
        if instruments:
            row["Geschiktheid"] = pct(rec.geschiktheid or 0.0)
        row["Score"] = number(rec.score * 100, 1)
        row["Waarom"] = rec.reden
        row["Bron"] = rec.bron
        rows.append(row)
    return pd.DataFrame(rows).set_index("#")


def plan_table(plan: Plan, scheme: Scheme, shares: Mapping[str, float],
               drempel: float = DREMPEL) -> pd.DataFrame:
    """Reach of a campaign plan per present profile, as Dutch text."""
    names = scheme.names()
    rows = [{"Profiel": names[k], "Aandeel huishoudens": pct(shares[k]),
             "Bereikt (schatting)": pct(plan.bereik_per_profiel[k]),
             "Onder het minimum": "ja" if k in plan.tekort else "nee"}
            for k in present_profiles(shares, scheme, drempel)]
    return pd.DataFrame(rows).set_index("Profiel")


def missed_table(missed: MissedResidents, shares: Mapping[str, float], scheme: Scheme,
                 huishoudens: float | None = None, drempel: float = DREMPEL) -> pd.DataFrame:
    """Per present profile: share left unreached, what would help and what is left after."""
    names = scheme.names()
    rows = []
    for key in present_profiles(shares, scheme, drempel):
        row = {"Profiel": names[key], "Aandeel huishoudens": pct(shares[key]),
               "Onbereikt (schatting)": pct(missed.per_profiel[key])}
        if huishoudens is not None:
            row["Huishoudens onbereikt"] = "ca. " + number(
                huishoudens * shares[key] * missed.per_profiel[key])
        fill = missed.aanvulling.get(key)
        row["Zou helpen"] = scheme.kanalen[fill] if fill else "—"
        row["Onbereikt daarna"] = pct(missed.na_aanvulling[key]) if fill else "—"
        rows.append(row)
    return pd.DataFrame(rows).set_index("Profiel")


# --- charts ------------------------------------------------------------------------------


def reach_frame(recs: Sequence[Recommendation], shares: Mapping[str, float], scheme: Scheme,
                top: int = 6, drempel: float = DREMPEL) -> pd.DataFrame:
    """Long table of the top recommendations' reach per present profile, for the chart.

    Returns
    -------
    pandas.DataFrame
        Columns ``item`` (channel or instrument name), ``rang``, ``profiel`` (the facet
        title: name and estimated share), ``kleur``, ``waarde`` (percent) and ``label``.
    """
    rows = []
    for key in present_profiles(shares, scheme, drempel):
        profile = scheme.profile(key)
        head = f"{profile.naam} ({pct(shares[key])})"
        for rank, rec in enumerate(recs[:top], 1):
            value = rec.bereik_per_profiel[key]
            rows.append({"item": rec.naam, "rang": rank, "profiel": head, "kleur": profile.kleur,
                         "waarde": 100 * value, "label": pct(value)})
    return pd.DataFrame(rows)


def reach_chart(frame: pd.DataFrame, x_title: str, columns: int = 3,
                facet_width: int = 170) -> alt.FacetChart:
    """Small multiples, one per present profile: the reach of each option, with text labels.

    The profile's colour repeats the facet title; the value is written beside each
    bar, so nothing depends on colour alone.
    """
    heads = list(dict.fromkeys(frame["profiel"]))
    colours = [frame.loc[frame["profiel"] == h, "kleur"].iloc[0] for h in heads]
    items = list(dict.fromkeys(frame.sort_values("rang")["item"]))
    top = float(frame["waarde"].max()) if len(frame) else 1.0
    x = alt.X("waarde:Q", title=x_title, scale=alt.Scale(domain=[0, max(top * 1.35, 1.0)]),
              axis=alt.Axis(tickCount=4))
    base = alt.Chart().encode(y=alt.Y("item:N", sort=items, title=None), x=x)
    bars = base.mark_bar().encode(
        color=alt.Color("profiel:N", scale=alt.Scale(domain=heads, range=colours), legend=None),
        tooltip=[alt.Tooltip("profiel:N", title="Profiel"), alt.Tooltip("item:N", title="Keuze"),
                 alt.Tooltip("label:N", title="Schatting")])
    text = base.mark_text(align="left", dx=3, fontSize=FONT_SIZE - 1).encode(text="label:N")
    chart = alt.layer(bars, text, data=frame).properties(
        width=facet_width, height=max(24 * len(items), 80)).facet(
        facet=alt.Facet("profiel:N", sort=heads, title=None), columns=columns)
    return styled(chart)


def profile_bars(values: Mapping[str, float], shares: Mapping[str, float], scheme: Scheme,
                 x_title: str, minimum: float | None = None, drempel: float = DREMPEL,
                 height_per_bar: int = 34) -> alt.LayerChart:
    """One bar per present profile (its colour, its name, the value as text).

    Parameters
    ----------
    values : mapping
        Profile key → fraction to show (reach, or share left unreached).
    shares : mapping
        The mix: which profiles are present, and their share in the labels.
    minimum : float, optional
        Draws a dashed line at this fraction (the planner's minimum reach).
    """
    keys = present_profiles(shares, scheme, drempel)
    frame = pd.DataFrame([{"profiel": f"{scheme.profile(k).naam} ({pct(shares[k])})",
                           "kleur": scheme.profile(k).kleur, "waarde": 100 * values[k],
                           "label": pct(values[k])} for k in keys])
    order = list(frame["profiel"]) if len(frame) else []
    base = alt.Chart(frame).encode(
        y=alt.Y("profiel:N", sort=order, title=None),
        x=alt.X("waarde:Q", title=x_title, scale=alt.Scale(domain=[0, 116]),
                axis=alt.Axis(values=[0, 25, 50, 75, 100])))
    bars = base.mark_bar().encode(
        color=alt.Color("kleur:N", scale=None, legend=None),
        tooltip=[alt.Tooltip("profiel:N", title="Profiel"),
                 alt.Tooltip("label:N", title="Schatting")])
    text = base.mark_text(align="left", dx=3, fontSize=FONT_SIZE).encode(text="label:N")
    layers = [bars, text]
    if minimum is not None:
        layers.append(alt.Chart(pd.DataFrame({"x": [100 * minimum]})).mark_rule(
            color="black", strokeDash=[5, 4], strokeWidth=2).encode(x="x:Q"))
    chart = alt.layer(*layers).properties(height=max(height_per_bar * len(keys), 60))
    return styled(chart, label_limit=300)


def tradeoff_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Long form of :func:`citisens_core.strategy.tradeoff` for :func:`tradeoff_chart`."""
    series = {"bereik": "Alle huishoudens", "laagste_bereik": "Slechtst bereikte profiel"}
    rows = []
    for _, row in table.iterrows():
        for column, name in series.items():
            rows.append({"aantal": int(row["aantal_kanalen"]), "reeks": name,
                         "waarde": 100 * float(row[column]), "label": pct(row[column]),
                         "kanalen": str(row["kanalen"])})
    return pd.DataFrame(rows)


def tradeoff_chart(long: pd.DataFrame, minimum: float, chosen: int | None = None
                   ) -> alt.LayerChart:
    """Best reach against the number of channels, with the minimum and the chosen plan.

    Two labelled lines (all households; the weakest present profile), a dashed line
    at the minimum reach and a grey band at the chosen number of channels.
    """
    series = list(dict.fromkeys(long["reeks"]))
    colour = alt.Color("reeks:N", title=None, sort=series,
                       scale=alt.Scale(domain=series, range=[SERIES_COLOURS[0],
                                                                SERIES_COLOURS[3]]))
    base = alt.Chart(long).encode(
        x=alt.X("aantal:O", title="Aantal kanalen", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("waarde:Q", title="Bereikt (%)", scale=alt.Scale(domain=[0, 105])),
        color=colour)
    lines = base.mark_line(point=alt.OverlayMarkDef(size=70), strokeWidth=3).encode(
        strokeDash=alt.StrokeDash("reeks:N", sort=series,
                                  scale=alt.Scale(domain=series, range=[[1, 0], [6, 4]])),
        tooltip=[alt.Tooltip("aantal:O", title="Aantal kanalen"),
                 alt.Tooltip("reeks:N", title="Lijn"), alt.Tooltip("label:N", title="Bereikt"),
                 alt.Tooltip("kanalen:N", title="Kanalen")])
    # labels above the upper line, below the lower one, so they never overlap
    labels = [base.transform_filter(alt.datum.reeks == name).mark_text(
        dy=-12 if i == 0 else 16, fontSize=FONT_SIZE - 2).encode(text="label:N")
        for i, name in enumerate(series)]
    layers: list[alt.Chart] = []
    if chosen is not None:
        layers.append(alt.Chart(pd.DataFrame({"aantal": [chosen]})).mark_rule(
            color="#bbbbbb", strokeWidth=26, opacity=0.45).encode(x="aantal:O"))
    layers += [lines, *labels, alt.Chart(pd.DataFrame({"y": [100 * minimum]})).mark_rule(
        color="black", strokeDash=[5, 4]).encode(y="y:Q")]
    chart = alt.layer(*layers).properties(height=320)
    return styled(chart, direction="horizontal", symbolStrokeWidth=3)


# --- the map extract ---------------------------------------------------------------------


def selection_bounds(table: gpd.GeoDataFrame, codes: Sequence[str]
                     ) -> tuple[float, float, float, float]:
    """Bounding box of the chosen areas (the whole level when none has geometry)."""
    geoms = table.loc[table["code"].astype(str).isin(list(codes)), "geometry"].dropna()
    chosen = gpd.GeoSeries(geoms, crs=table.crs)
    return tuple(chosen.total_bounds if len(chosen) else table.total_bounds)  # type: ignore


def extract_map(dataset: AreaSet, level: str, codes: Sequence[str], model: Any,
                scheme: Scheme) -> tuple[MapLayer, dict]:
    """The level coloured by the most common profile, and a view zoomed to the chosen areas."""
    table = dataset.levels[level]
    view = fit_view(_padded(selection_bounds(table, codes) if codes else
                            tuple(table.total_bounds), 0.6),
                    width_px=MAP_EXTRACT_WIDTH, height_px=MAP_EXTRACT_HEIGHT)
    return _dominant_layer(dataset, level, model, scheme), view


def _padded(bounds: Sequence[float], fraction: float) -> tuple[float, float, float, float]:
    """Bounds grown by `fraction` of their size on every side (at least ~300 m)."""
    minx, miny, maxx, maxy = bounds
    dx = max((maxx - minx) * fraction, 0.004)
    dy = max((maxy - miny) * fraction, 0.003)
    return (minx - dx, miny - dy, maxx + dx, maxy + dy)


def _dominant_layer(dataset: AreaSet, level: str, model: Any, scheme: Scheme) -> MapLayer:
    """The whole level coloured by the most common profile: the Kaart page's opening
    layer, so the memo (and the server's warm-up) serve both pages."""
    return map_layer(dataset, level, "", MODE_DOMINANT, None, model, scheme)
