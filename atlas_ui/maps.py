"""The choropleth: colours per area, the map in the browser, the legend beside it.

The colours of the map and of the legend come from the same
:class:`Colouring`, so they always match.

The map transport. A national map has about 11,000 areas and 230,000
vertices, so the geometry travels to the browser once per data set and the
colourings, texts and selection travel as small updates:

* :class:`MapGeometry` holds the areas of one map as flat arrays (GeoArrow
  layout from ``shapely.to_ragged_array``: float32 coordinates and offsets)
  plus the fixed per-area properties (code, name, inhabitants, most common
  profiles). :func:`draw_map` sends it as Arrow in an element of its own that
  does not change between reruns, so Streamlit's message cache replaces it by
  its hash (the browser reports which it holds) and it crosses the wire once.
* :class:`MapLayer` adds per area a fill colour (RGBA) and the tooltip's value
  text, a few bytes per area: that is what a recolouring or a click sends.
* ``kaart.js`` (a ``st.components.v2`` component) draws both with deck.gl
  9.4 (``static/deckgl``, served by Streamlit's static file serving, cached by
  the browser) and reports a click as the trigger ``klik``.

To add to the map: a per-area property is a column of ``MapLayer.properties``
(or of the fixed properties) and can be used in the tooltip as ``{column}``;
colour (incl. alpha, e.g. paleness for doubt) is the ``r, g, b, a`` columns.
"""

from __future__ import annotations

import hashlib
import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely
import streamlit as st

from atlas_ui.classify import (
    FILL_ALPHA,
    NO_DATA_HEX,
    NO_DATA_LABEL,
    PALE_ALPHA,
    UNCLEAR_HEX,
    UNCLEAR_LABEL,
    LegendEntry,
    class_breaks,
    classify,
    doubt_legend,
    fill_alphas,
    hex_to_rgba,
    sequential_colours,
    sequential_legend,
)
from atlas_ui.format import figure_label, figure_value, number, pct
from citisens_core.atlas import model_fingerprint
from citisens_core.demographics import SHARE_COLUMNS
from citisens_core.scheme import Scheme

LAYER_ID = "gebieden"
MODE_DOMINANT = "Meest voorkomend profiel"
MODE_PROFILE = "Aandeel van één profiel"
MODE_FIGURE = "CBS-cijfer"
MODES = (MODE_DOMINANT, MODE_PROFILE, MODE_FIGURE)
MAP_HEIGHT = 600

#: Tooltip per area; ``{field}`` is a column of the layer's or the fixed properties,
#: substituted as text (escaped in the browser).
TOOLTIP_HTML = (
    "<b>{naam}</b> <span style='opacity:.8'>({code})</span><br/>"
    "Inwoners: {inwoners_tekst}<br/>{waarde_label}: {waarde_tekst}<br/>"
    "<span style='opacity:.8'>Vaakst: {top_tekst}</span>"
)
#: The tooltip never takes a click meant for the area under it.
TOOLTIP_STYLE = {"backgroundColor": "#1b1b1b", "color": "white", "fontSize": "15px",
                 "pointerEvents": "none", "maxWidth": "26rem"}
#: deck.gl's own bundle (MIT), served from static/ by Streamlit and cached by the browser.
DECK_URL = "./app/static/deckgl/deck.gl-9.4.0.min.js"
#: Outline between areas: white, thin.
AREA_LINE = {"kleur": [255, 255, 255, 220], "breedte": 0.7}

_kaart = st.components.v2.component(
    "citisens_kaart", js=(Path(__file__).with_name("kaart.js")).read_text(encoding="utf-8"),
    isolate_styles=False)


@dataclass(frozen=True)
class Colouring:
    """Per area the fill colour and a text value; plus the legend that explains them."""

    title: str
    colours: list[str]
    values_text: list[str]
    legend: list[LegendEntry]
    #: Fill opacity per area (paler where the confidence is low); None: all opaque.
    alphas: list[int] | None = None


def _texts(values: np.ndarray, fmt: Callable[[float], str]) -> np.ndarray:
    """``fmt`` of every finite value, NO_DATA_LABEL elsewhere; formats each distinct value once."""
    values = np.asarray(values, dtype=float)
    out = np.full(len(values), NO_DATA_LABEL, dtype=object)
    finite = np.isfinite(values)
    unique, inverse = np.unique(values[finite], return_inverse=True)
    out[finite] = np.array([fmt(v) for v in unique], dtype=object)[inverse]
    return out


def _shares_of(est: pd.DataFrame, keys: np.ndarray, suffix: str = "") -> np.ndarray:
    """Per row the share (or ``_laag``/``_hoog`` bound) of the profile named in `keys`."""
    columns = [c for c in pd.unique(keys[pd.notna(keys)])]
    shares = np.full(len(est), np.nan)
    for key in columns:
        rows = keys == key
        shares[rows] = est[f"{key}{suffix}"].to_numpy(dtype=float)[rows]
    return shares


def _interval_texts(est: pd.DataFrame, keys: np.ndarray) -> np.ndarray:
    """Per row "24 % (18–30 %)": the share of the profile in `keys` with its 90 % interval."""
    share = _texts(_shares_of(est, keys), pct)
    low = _texts(_shares_of(est, keys, "_laag") * 100, number)
    high = _texts(_shares_of(est, keys, "_hoog") * 100, number)
    return share + " (" + low + "–" + high + " %)"


def colour_dominant(est: pd.DataFrame, scheme: Scheme) -> Colouring:
    """Categorical colours by the most common profile, grey where it is not clear.

    "Not clear": the probability that the first share exceeds the second is
    below 0.8 (``dominant_duidelijk``, see citisens_core.estimate).
    """
    names = scheme.names()
    kleur = {p.key: p.kleur for p in scheme.profielen}
    has = est["heeft_schatting"].to_numpy(dtype=bool)
    clear = (est["dominant_duidelijk"].fillna(False).to_numpy(dtype=bool)
             if "dominant_duidelijk" in est else np.ones(len(est), dtype=bool))
    dominant = np.where(has, est["dominant_profiel"].astype(object).to_numpy(), None)
    colours = pd.Series(dominant, dtype=object).map(kleur).fillna(NO_DATA_HEX).to_numpy()
    colours = np.where(has & ~clear, UNCLEAR_HEX, colours).tolist()
    label = pd.Series(dominant, dtype=object).map(names).fillna("").to_numpy()
    doubt = np.where(clear, "", " — niet duidelijk meer dan het tweede profiel")
    texts = np.where(has, label + " " + _interval_texts(est, dominant) + doubt,
                     NO_DATA_LABEL).tolist()
    legend = [LegendEntry(p.kleur, p.naam, int(((dominant == p.key) & clear).sum()))
              for p in scheme.profielen]
    legend = [e for e in legend if e.count] or legend
    if (has & ~clear).any():
        legend.append(LegendEntry(UNCLEAR_HEX, UNCLEAR_LABEL, int((has & ~clear).sum())))
    if (~has).any():
        legend.append(LegendEntry(NO_DATA_HEX, NO_DATA_LABEL, int((~has).sum()), no_data=True))
    return _with_doubt(Colouring("Meest voorkomend profiel", colours, texts, legend), est)


def colour_profile(est: pd.DataFrame, key: str, scheme: Scheme) -> Colouring:
    """Sequential classes (quantiles) of one profile's estimated share."""
    values = est[key].to_numpy(dtype=float).copy()
    has = est["heeft_schatting"].to_numpy(dtype=bool)
    values[~has] = np.nan
    colouring = _sequential(values, f"Aandeel {scheme.profile(key).naam}",
                            lambda v: pct(v, 1), lambda v: pct(v))
    keys = np.where(has, key, None)
    texts = np.where(has, _interval_texts(est, keys), NO_DATA_LABEL).tolist()
    return _with_doubt(Colouring(colouring.title, colouring.colours, texts, colouring.legend),
                       est)


def _with_doubt(colouring: Colouring, est: pd.DataFrame) -> Colouring:
    """Paler fills for low-confidence areas, and the legend line that says so."""
    if "betrouwbaarheid" not in est:
        return colouring
    alphas = fill_alphas(est["betrouwbaarheid"])
    pale = doubt_legend(alphas, est["heeft_schatting"].to_numpy(dtype=bool))
    no_data = [e for e in colouring.legend if e.no_data]  # stays last
    legend = [e for e in colouring.legend if not e.no_data] + pale + no_data
    return Colouring(colouring.title, colouring.colours, colouring.values_text, legend, alphas)


def colour_figure(table: pd.DataFrame, column: str) -> Colouring:
    """Sequential classes (quantiles) of a CBS figure."""
    values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)
    digits = 0 if column in SHARE_COLUMNS or column in ("inwoners", "huishoudens") else 1
    fmt = (lambda v: pct(v, 1)) if column in SHARE_COLUMNS else (lambda v: number(v, digits))
    return _sequential(values, figure_label(column), fmt, lambda v: figure_value(column, v))


def _sequential(values: np.ndarray, title: str, edge_fmt, value_fmt) -> Colouring:
    edges = class_breaks(values)
    classes = classify(values, edges)
    palette = np.array([*sequential_colours(max(len(edges) - 1, 0)), NO_DATA_HEX], dtype=object)
    colours = palette[np.where(classes >= 0, classes, len(palette) - 1)].tolist()
    texts = _texts(values, value_fmt).tolist()
    return Colouring(title, colours, texts, sequential_legend(values, edges, classes, edge_fmt))


def top_profiles_text(est: pd.DataFrame, scheme: Scheme, n: int = 2) -> list[str]:
    """Per area "Naam 24 % · Naam 18 %" of its most common profiles."""
    names = scheme.names()
    has = est["heeft_schatting"].to_numpy(dtype=bool)
    parts = []
    for column in ("dominant_profiel", "tweede_profiel")[:n]:
        keys = np.where(has, est[column].astype(object).to_numpy(), None)
        label = pd.Series(keys, dtype=object).map(names).fillna("").to_numpy()
        parts.append(label + " " + _interval_texts(est, keys))
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + " · " + part
    return np.where(has, joined, NO_DATA_LABEL).tolist()


# --- the transport -----------------------------------------------------------------------


@dataclass(frozen=True)
class MapGeometry:
    """The areas of one map as flat arrays, with their fixed properties.

    Attributes
    ----------
    id : str
        Content hash: the browser keeps geometries by it.
    arrays : dict of str to pyarrow.Table
        ``xy`` (float32 lon, lat pairs), ``ringen``, ``delen``, ``gebieden``
        (int32 start offsets of rings, polygon parts and areas).
    properties : pandas.DataFrame
        One row per area in drawing order; ``code`` first.
    bounds : tuple of float
        (minx, miny, maxx, maxy) of all areas.
    """

    id: str
    arrays: dict[str, pa.Table]
    properties: pd.DataFrame
    bounds: tuple[float, float, float, float]

    @property
    def codes(self) -> list[str]:
        return self.properties["code"].tolist()

    def with_properties(self, extra: pd.DataFrame) -> MapGeometry:
        """The same geometry with more fixed properties (rows in drawing order)."""
        properties = pd.concat([self.properties, extra.reset_index(drop=True)], axis=1)
        digest = hashlib.blake2b(self.id.encode(), digest_size=12)
        digest.update(pd.util.hash_pandas_object(properties, index=False).to_numpy().tobytes())
        return MapGeometry(digest.hexdigest(), self.arrays, properties, self.bounds)


def pack_geometry(table: gpd.GeoDataFrame) -> MapGeometry:
    """Areas with polygon geometry (WGS84) as flat arrays; others are left out.

    Fixed properties: ``code``, ``naam`` and ``inwoners_tekst``.
    """
    geoms = table.geometry.to_numpy()
    parts, index = shapely.get_parts(geoms, return_index=True)
    polygonal = shapely.get_type_id(parts) == 3
    parts, index = parts[polygonal], index[polygonal]
    drawn = np.unique(index)
    # renumber the areas 0..n-1 in table order so the parts gather per area
    multi = shapely.multipolygons(parts, indices=np.searchsorted(drawn, index))
    _, coords, (rings, polygon_parts, areas) = shapely.to_ragged_array(multi)
    rows = table.iloc[drawn]
    properties = pd.DataFrame({
        "code": rows["code"].astype(str).to_numpy(),
        "naam": rows["naam"].astype(str).to_numpy(),
        "inwoners_tekst": _texts(pd.to_numeric(rows["inwoners"], errors="coerce")
                                 .to_numpy(dtype=float), number)})
    xy = coords.astype(np.float32).ravel()
    digest = hashlib.blake2b(xy.tobytes(), digest_size=12)
    digest.update(pd.util.hash_pandas_object(properties, index=False).to_numpy().tobytes())
    arrays = {"xy": pa.table({"xy": xy}),
              "ringen": pa.table({"start": rings.astype(np.int32)}),
              "delen": pa.table({"start": polygon_parts.astype(np.int32)}),
              "gebieden": pa.table({"start": areas.astype(np.int32)})}
    bounds = tuple(float(v) for v in shapely.total_bounds(multi)) if len(multi) else \
        (math.nan,) * 4
    return MapGeometry(digest.hexdigest(), arrays, properties, bounds)


@dataclass(frozen=True)
class MapLayer:
    """One colouring of a map: per area (in the geometry's order) colour and texts.

    Attributes
    ----------
    geometry : MapGeometry
    colouring : Colouring
        What the legend shows.
    properties : pandas.DataFrame
        ``r, g, b, a`` (uint8) and ``waarde_tekst``; more columns may be added
        and used in the tooltip.
    """

    geometry: MapGeometry
    colouring: Colouring
    properties: pd.DataFrame


def _rgba(colours: Sequence[str], alpha: int = FILL_ALPHA) -> pd.DataFrame:
    """Hex colours → uint8 columns r, g, b, a (each distinct colour converted once)."""
    unique, inverse = np.unique(np.asarray(colours, dtype=object).astype(str),
                                return_inverse=True)
    table = np.array([hex_to_rgba(c, alpha) for c in unique], dtype=np.uint8).reshape(-1, 4)
    rgba = table[inverse]
    return pd.DataFrame(rgba, columns=["r", "g", "b", "a"])


def layer_of(geometry: MapGeometry, table: pd.DataFrame, colouring: Colouring) -> MapLayer:
    """The colouring of `table`'s rows, in the order the geometry draws them."""
    order = pd.Index(table["code"].astype(str)).get_indexer(geometry.properties["code"])
    if (order < 0).any():
        raise ValueError("map geometry holds areas the table does not")
    properties = _rgba(np.asarray(colouring.colours, dtype=object)[order])
    if colouring.alphas is not None:  # paler where the confidence is low
        properties["a"] = np.asarray(colouring.alphas, dtype=np.uint8)[order]
    properties["waarde_tekst"] = pd.Categorical(
        np.asarray(colouring.values_text, dtype=object)[order])
    return MapLayer(geometry, colouring, properties)


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
              scheme: Scheme) -> MapLayer:
    """One map view (level, gemeente, colouring), computed once per dataset and view.

    The geometry is packed once per level and gemeente, its fixed texts once
    per model; only the colouring is built per view.

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
    def view_rows():
        inside = dataset.in_gemeente(level, gemeente)
        return dataset.levels[level][inside], dataset.estimates(level, model)[inside.to_numpy()]

    def geometry() -> MapGeometry:
        table, est = view_rows()
        shapes = dataset.memo(("geometrie", level, gemeente), lambda: pack_geometry(table))
        order = pd.Index(est["code"].astype(str)).get_indexer(shapes.properties["code"])
        top = np.asarray(top_profiles_text(est, scheme), dtype=object)[order]
        return shapes.with_properties(pd.DataFrame({"top_tekst": top}))

    def compute() -> MapLayer:
        table, est = view_rows()
        if mode == MODE_PROFILE:
            colouring = colour_profile(est, param, scheme)
        elif mode == MODE_FIGURE:
            colouring = colour_figure(table, param)
        else:
            colouring = colour_dominant(est, scheme)
        shapes = dataset.memo(("geometrie", level, gemeente, id(model)), geometry)
        return layer_of(shapes, table, colouring)

    key = ("payload", level, gemeente, mode, param, model_fingerprint(model))
    return dataset.memo(key, compute)


def draw_map(layer: MapLayer, view: dict, selected: Sequence[str] = (), *, key: str,
             height: int = MAP_HEIGHT, on_click: Callable[[], None] | None = None,
             description: str | None = None, context: dict | None = None,
             basemap: str | None = None) -> None:
    """Draw the map: the geometry (sent once, see the module docstring), then the layer.

    Parameters
    ----------
    layer : MapLayer
    view : dict
        From :func:`fit_view`; the map moves to it only when it changes, so
        the user's own zoom and pan survive reruns.
    selected : sequence of str
        Codes of areas drawn with a thick black outline.
    key : str
        Widget key; in `on_click`, :func:`clicked_code` (key) is the clicked
        area's code, or None for a click beside the areas.
    height : int
        Pixels.
    on_click : callable, optional
        Called (as a Streamlit callback, before the rerun) after a click.
    description : str, optional
        The map's text alternative for screen readers (e.g. a summary of what it
        shows); by default its colouring.
    context : dict, optional
        Water, borders and names (:func:`atlas_ui.mapcontext.map_context`), sent once.
    basemap : str, optional
        Tile URL template of a base map the user switched on (none by default).
    """
    geometry = layer.geometry
    _kaart(key=f"{key}_geometrie", data={"rol": "geometrie", "id": geometry.id,
                                          **geometry.arrays, "eigenschappen": geometry.properties})
    if context is not None:
        _kaart(key=f"{key}_context", data=context)
    colours = layer.properties[["r", "g", "b", "a"]].to_numpy()
    tooltip = TOOLTIP_HTML.replace("{waarde_label}", html.escape(layer.colouring.title))
    _kaart(key=key, data={
        "rol": "kaart", "geometrie": geometry.id, "kleuren": layer.properties,
        "versie": hashlib.blake2b(colours.tobytes(), digest_size=8).hexdigest(),
        "selectie": [str(c) for c in selected], "view": view, "laag": LAYER_ID,
        "tooltip": tooltip, "tooltip_stijl": TOOLTIP_STYLE, "lijn": AREA_LINE,
        "hoogte": height, "deck_url": DECK_URL,
        "context": context["id"] if context else None, "achtergrond": basemap,
        "beschrijving": description or f"Kaart: {layer.colouring.title.lower()} per gebied",
    }, on_klik_change=on_click or _no_callback)


def _no_callback() -> None:
    """A click is still reported (clicked_code) when the page reads it after the rerun."""


def clicked_code(key: str) -> str | None:
    """The code of the area just clicked on the map `key` (None: beside the areas)."""
    state = st.session_state.get(key)
    code = state.get("klik") if state else None
    return None if code is None else str(code)


def legend_html(title: str, entries: list[LegendEntry]) -> str:
    """The legend as HTML: a swatch plus a text label and count per entry (all escaped)."""
    rows = []
    for entry in entries:
        background = (f"repeating-linear-gradient(45deg,{NO_DATA_HEX} 0 4px,#ffffff 4px 7px)"
                      if entry.no_data else html.escape(entry.colour))
        if entry.pale:  # a full and a pale half: paleness means low confidence
            background = (f"linear-gradient(90deg,rgba(127,127,127,1) 50%,"
                          f"rgba(127,127,127,{PALE_ALPHA / 255:.2f}) 50%)")
        rows.append(
            "<div role='listitem' style='display:flex;align-items:center;gap:.5em;margin:.2em 0;"
            "font-size:1.0rem'>"
            f"<span style='flex:none;width:1.4em;height:1.1em;background:{background};"
            "border:1px solid #555;display:inline-block'></span>"
            f"<span>{html.escape(entry.label)} "
            f"<span style='color:#555'>({entry.count})</span></span></div>"
        )
    # only list items inside the list (ARIA): the title stands above it
    return (f"<div><div style='font-weight:600;margin-bottom:.3em'>{html.escape(title)}</div>"
            f"<div role='list' aria-label='Legenda'>{''.join(rows)}</div></div>")
