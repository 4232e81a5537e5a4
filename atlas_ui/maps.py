"""The choropleth: colours per area, the pydeck deck, the legend beside it.

The colours of the map and of the legend come from the same
:class:`Colouring`, so they always match.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk

from atlas_ui.classify import (
    NO_DATA_HEX,
    NO_DATA_LABEL,
    LegendEntry,
    class_breaks,
    classify,
    hex_to_rgba,
    sequential_colours,
    sequential_legend,
)
from atlas_ui.format import figure_label, figure_value, number, pct
from citisens_core.atlas import model_fingerprint
from citisens_core.demographics import SHARE_COLUMNS
from citisens_core.geodata import to_geojson_payload
from citisens_core.scheme import Scheme

LAYER_ID = "gebieden"
MODE_DOMINANT = "Meest voorkomend profiel"
MODE_PROFILE = "Aandeel van één profiel"
MODE_FIGURE = "CBS-cijfer"
MODES = (MODE_DOMINANT, MODE_PROFILE, MODE_FIGURE)
MAP_HEIGHT = 600

TOOLTIP_HTML = (
    "<b>{naam}</b> <span style='opacity:.8'>({code})</span><br/>"
    "Inwoners: {inwoners_tekst}<br/>{waarde_label}: {waarde_tekst}<br/>"
    "<span style='opacity:.8'>Vaakst: {top_tekst}</span>"
)


@dataclass(frozen=True)
class Colouring:
    """Per area the fill colour and a text value; plus the legend that explains them."""

    title: str
    colours: list[str]
    values_text: list[str]
    legend: list[LegendEntry]


def colour_dominant(est: pd.DataFrame, scheme: Scheme) -> Colouring:
    """Categorical colours by the most common profile (the scheme's colours)."""
    names = scheme.names()
    kleur = {p.key: p.kleur for p in scheme.profielen}
    has = est["heeft_schatting"].to_numpy()
    dominant = est["dominant_profiel"].astype(str).to_numpy()
    colours = [kleur.get(d, NO_DATA_HEX) if h else NO_DATA_HEX
               for d, h in zip(dominant, has, strict=True)]
    texts = [f"{names.get(d, d)} ({pct(est[d].iloc[i])})" if h else NO_DATA_LABEL
             for i, (d, h) in enumerate(zip(dominant, has, strict=True))]
    legend = [LegendEntry(p.kleur, p.naam, int(((dominant == p.key) & has).sum()))
              for p in scheme.profielen]
    legend = [e for e in legend if e.count] or legend
    if (~has).any():
        legend.append(LegendEntry(NO_DATA_HEX, NO_DATA_LABEL, int((~has).sum()), no_data=True))
    return Colouring("Meest voorkomend profiel", colours, texts, legend)


def colour_profile(est: pd.DataFrame, key: str, scheme: Scheme) -> Colouring:
    """Sequential classes (quantiles) of one profile's estimated share."""
    values = est[key].to_numpy(dtype=float).copy()
    values[~est["heeft_schatting"].to_numpy()] = np.nan
    return _sequential(values, f"Aandeel {scheme.profile(key).naam}",
                       lambda v: pct(v, 1), lambda v: pct(v))


def colour_figure(table: pd.DataFrame, column: str) -> Colouring:
    """Sequential classes (quantiles) of a CBS figure."""
    values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)
    digits = 0 if column in SHARE_COLUMNS or column in ("inwoners", "huishoudens") else 1
    fmt = (lambda v: pct(v, 1)) if column in SHARE_COLUMNS else (lambda v: number(v, digits))
    return _sequential(values, figure_label(column), fmt, lambda v: figure_value(column, v))


def _sequential(values: np.ndarray, title: str, edge_fmt, value_fmt) -> Colouring:
    edges = class_breaks(values)
    classes = classify(values, edges)
    palette = sequential_colours(max(len(edges) - 1, 0))
    colours = [palette[c] if c >= 0 else NO_DATA_HEX for c in classes]
    texts = [value_fmt(v) if np.isfinite(v) else NO_DATA_LABEL for v in values]
    return Colouring(title, colours, texts, sequential_legend(values, edges, classes, edge_fmt))


def top_profiles_text(est: pd.DataFrame, scheme: Scheme, n: int = 2) -> list[str]:
    """Per area "Naam 24 % · Naam 18 %" of its most common profiles."""
    names = scheme.names()
    out = []
    for _, row in est.iterrows():
        if not row["heeft_schatting"]:
            out.append(NO_DATA_LABEL)
            continue
        keys = [row["dominant_profiel"], row["tweede_profiel"]][:n]
        out.append(" · ".join(f"{names.get(k, k)} {pct(row[k])}" for k in keys))
    return out


def base_payload(table: gpd.GeoDataFrame) -> dict:
    """GeoJSON of a level with the fixed properties (code, naam, inwoners)."""
    frame = table[["code", "naam", "inwoners", "geometry"]].copy()
    frame["inwoners_tekst"] = [number(v) for v in frame["inwoners"]]
    payload = to_geojson_payload(frame, ["code", "naam", "inwoners_tekst"])
    return payload


def coloured_payload(base: dict, table: pd.DataFrame, colouring: Colouring,
                     top_text: list[str]) -> dict:
    """Copy of the base payload with colour and tooltip fields per feature.

    Features are matched on ``code``: areas without geometry are not in the
    payload. Text values are plain; Streamlit HTML-escapes every substituted
    tooltip field itself, so escaping here would show ``&amp;``.
    """
    by_code = {str(c): i for i, c in enumerate(table["code"].astype(str))}
    features = []
    for feature in base["features"]:
        props = feature["properties"]
        i = by_code.get(str(props["code"]))
        if i is None:
            continue
        features.append({
            "type": "Feature",
            "geometry": feature["geometry"],
            "properties": {**props, "kleur": hex_to_rgba(colouring.colours[i]),
                           "waarde_label": colouring.title,
                           "waarde_tekst": colouring.values_text[i],
                           "top_tekst": top_text[i]},
        })
    return {"type": "FeatureCollection", "features": features}


def fit_view(bounds: tuple[float, float, float, float], width_px: int = 600,
             height_px: int = MAP_HEIGHT) -> dict:
    """A view state (lon, lat, zoom) that shows the bounding box (minx, miny, maxx, maxy).

    The map column is about 600 px wide on a 1400 px screen and narrower on a
    projector; a margin of a third of a zoom level keeps the edges in view.
    """
    minx, miny, maxx, maxy = bounds
    if not all(math.isfinite(v) for v in bounds):
        return {"longitude": 5.3, "latitude": 52.1, "zoom": 6.5, "pitch": 0, "bearing": 0}
    lat = (miny + maxy) / 2
    dx = max(maxx - minx, 1e-4)
    dy = max(maxy - miny, 1e-4) / max(math.cos(math.radians(lat)), 0.2)
    # deck.gl's zoom 0 shows the whole world (360 degrees) in 512 pixels
    zoom = min(math.log2(360 * width_px / (512 * dx)), math.log2(360 * height_px / (512 * dy)))
    return {"longitude": round((minx + maxx) / 2, 5), "latitude": round(lat, 5),
            "zoom": round(max(min(zoom - 0.33, 16.0), 5.0), 2), "pitch": 0, "bearing": 0}


def map_layer(dataset, level: str, gemeente: str, mode: str, param: str | None, model,
              scheme: Scheme) -> tuple[Colouring, dict]:
    """Colouring and GeoJSON payload of one map view, computed once per dataset and view.

    Parameters
    ----------
    dataset : citisens_core.atlas.AreaSet
    level : str
    gemeente : str
        Gemeentecode to map, or ``""`` for every gemeente in the file.
    mode : str
        One of ``MODES``; `param` is the profile key or CBS column it needs.
    model : EngagementModel
    scheme : Scheme
    """
    def compute() -> tuple[Colouring, dict]:
        inside = dataset.in_gemeente(level, gemeente)
        table = dataset.levels[level][inside]
        est = dataset.estimates(level, model)[inside.to_numpy()]
        if mode == MODE_PROFILE:
            colouring = colour_profile(est, param, scheme)
        elif mode == MODE_FIGURE:
            colouring = colour_figure(table, param)
        else:
            colouring = colour_dominant(est, scheme)
        base = dataset.memo(("base", level, gemeente), lambda: base_payload(table))
        return colouring, coloured_payload(base, table, colouring, top_profiles_text(est, scheme))

    key = ("payload", level, gemeente, mode, param, model_fingerprint(model))
    return dataset.memo(key, compute)


def build_deck(payload: dict, view: dict, selected: dict | None = None) -> pdk.Deck:
    """The pydeck map: choropleth layer, outline of the selected area, no basemap.

    Parameters
    ----------
    payload : dict
        From :func:`coloured_payload`.
    view : dict
        From :func:`fit_view`; kept unchanged between reruns so the user's own
        zoom and pan survive.
    selected : dict, optional
        The selected area's GeoJSON feature, drawn as a thick outline.
    """
    layers = [pdk.Layer(
        "GeoJsonLayer", id=LAYER_ID, data=payload, pickable=True, stroked=True, filled=True,
        get_fill_color="properties.kleur", get_line_color=[255, 255, 255, 220],
        line_width_min_pixels=0.7, auto_highlight=True, highlight_color=[255, 255, 255, 90],
    )]
    if selected is not None:
        layers.append(pdk.Layer(
            "GeoJsonLayer", id="selectie",
            data={"type": "FeatureCollection", "features": [selected]},
            pickable=False, stroked=True, filled=False, get_line_color=[0, 0, 0, 255],
            line_width_min_pixels=3,
        ))
    return pdk.Deck(
        layers=layers,
        initial_view_state=pdk.ViewState(**view),
        # No basemap, so the map works offline. Leave map_style at pydeck's default
        # sentinel: an explicit None makes Streamlit fetch its CARTO basemap.
        map_provider=None,
        tooltip={"html": TOOLTIP_HTML,
                 "style": {"backgroundColor": "#1b1b1b", "color": "white", "fontSize": "15px"}},
    )


def legend_html(title: str, entries: list[LegendEntry]) -> str:
    """The legend as HTML: a swatch plus a text label and count per entry (all escaped)."""
    rows = []
    for entry in entries:
        background = (f"repeating-linear-gradient(45deg,{NO_DATA_HEX} 0 4px,#ffffff 4px 7px)"
                      if entry.no_data else html.escape(entry.colour))
        rows.append(
            "<div style='display:flex;align-items:center;gap:.5em;margin:.2em 0;"
            "font-size:1.0rem'>"
            f"<span style='flex:none;width:1.4em;height:1.1em;background:{background};"
            "border:1px solid #555;display:inline-block'></span>"
            f"<span>{html.escape(entry.label)} "
            f"<span style='color:#555'>({entry.count})</span></span></div>"
        )
    return (f"<div role='list' aria-label='Legenda'><div style='font-weight:600;"
            f"margin-bottom:.3em'>{html.escape(title)}</div>{''.join(rows)}</div>")
