"""Layers that make the in-browser map recognisable: water, gemeente borders, names and,
when the user switches it on, the PDOK BRT-Achtergrondkaart.

Water, borders and names come from the CBS file itself, so they work offline.
The base map is off by default: with it off the page makes no request to an
outside host (our privacy rule), and the CBS layers already show where one is.
Switched on, the browser fetches one image of the BRT-Achtergrondkaart from
PDOK's WMS for the mapped gemeente.

These functions only build :class:`pydeck.Layer` objects; :func:`atlas_ui.maps.build_deck`
draws them below (base map, water) and above (borders, names) the choropleth.
"""

from __future__ import annotations

import math
from urllib.parse import urlencode

import geopandas as gpd
import pydeck as pdk
import streamlit as st

from atlas_ui.data import Dataset
from atlas_ui.maps import fit_view
from citisens_core.report.context import gemeente_borders, label_points
from citisens_core.report.staticmap import WATER_COLOUR

BASEMAP_KEY = "atlas_basemap"
#: PDOK's WMS of the BRT-Achtergrondkaart (Kadaster, CC BY 4.0), layer "standaard".
PDOK_BRT_WMS = "https://service.pdok.nl/brt/achtergrondkaart/wms/v2_0"
BASEMAP_CREDIT = "Achtergrond: BRT-Achtergrondkaart, © Kadaster (PDOK)"
#: Up to this many areas every name is shown; beyond it only when zoomed in.
FIXED_LABELS = 25
#: Zoom levels beyond the gemeente overview from which the names of many areas fit.
ZOOM_FOR_NAMES = 1.0


def basemap_toggle() -> bool:
    """The switch for the PDOK base map; its state is shared by every map of the session."""
    return st.toggle(
        "Achtergrondkaart (PDOK)", key=BASEMAP_KEY, value=st.session_state.get(BASEMAP_KEY, False),
        help="Toont straten en plaatsen van de BRT-Achtergrondkaart van het Kadaster. Uw "
             "browser haalt die dan op bij PDOK (service.pdok.nl). Uit: de kaart doet geen "
             "enkel verzoek naar buiten; water, gemeentegrenzen en namen komen dan uit de "
             "CBS-gegevens zelf.")


def basemap_layer(bounds: tuple[float, float, float, float], pixels: int = 2048) -> pdk.Layer:
    """One BRT-Achtergrondkaart image (WMS GetMap in Web Mercator) covering `bounds`.

    A single image instead of tiles: pydeck's JSON cannot express the tile layer's
    image sub-layer, and one 2048-pixel image is sharp at the zooms a gemeente needs.
    """
    minx, miny, maxx, maxy = _padded(bounds)
    x0, y0 = _mercator(minx, miny)
    x1, y1 = _mercator(maxx, maxy)
    ratio = (y1 - y0) / max(x1 - x0, 1.0)
    width = pixels if ratio <= 1 else max(int(pixels / ratio), 256)
    height = max(int(width * ratio), 256)
    query = urlencode({"SERVICE": "WMS", "VERSION": "1.3.0", "REQUEST": "GetMap",
                       "LAYERS": "standaard", "STYLES": "", "CRS": "EPSG:3857",
                       "BBOX": f"{x0:.1f},{y0:.1f},{x1:.1f},{y1:.1f}", "WIDTH": width,
                       "HEIGHT": height, "FORMAT": "image/png"})
    return pdk.Layer("BitmapLayer", id="achtergrond", image=_literal(f"{PDOK_BRT_WMS}?{query}"),
                     bounds=[minx, miny, maxx, maxy], pickable=False)


def water_layer(dataset: Dataset) -> pdk.Layer | None:
    """The file's water (CBS ``water = "JA"`` rows), light blue, below the areas."""
    if dataset.water is None or not len(dataset.water):
        return None
    data = dataset.memo(("water-geojson",), lambda: _geojson(dataset.water))
    rgb = [int(WATER_COLOUR[i:i + 2], 16) for i in (1, 3, 5)]
    return pdk.Layer("GeoJsonLayer", id="water", data=data, pickable=False, stroked=False,
                     filled=True, get_fill_color=[*rgb, 255])


def border_layer(dataset: Dataset) -> pdk.Layer | None:
    """Gemeente borders as dark lines above the areas."""
    def compute() -> dict | None:
        level = dataset.most_detailed
        borders = gemeente_borders(dataset.levels[level], dataset.levels.get("gemeente"))
        return _geojson(borders) if len(borders) else None

    data = dataset.memo(("borders-geojson",), compute)
    if data is None:
        return None
    return pdk.Layer("GeoJsonLayer", id="gemeentegrenzen", data=data, pickable=False,
                     stroked=True, filled=False, get_line_color=[40, 40, 40, 230],
                     line_width_min_pixels=2.2)


def label_layers(dataset: Dataset, level: str, gemeente: str, view: dict | None = None,
                 overview_zoom: float | None = None) -> list[pdk.Layer]:
    """Names where they can be read.

    Up to ``FIXED_LABELS`` mapped areas: every name. More (the buurten of a town):
    at the overview the wijk names only; once the map is zoomed to a part of the
    gemeente (a search, a selection) the names of the areas in view. The choice is
    made when the page draws: deck.gl cannot switch layers by zoom from pydeck's JSON.
    """
    inside = dataset.in_gemeente(level, gemeente)
    points = dataset.memo(("label-points", level, gemeente),
                          lambda: label_points(dataset.levels[level][inside]))
    zoomed = (view is not None and overview_zoom is not None
              and view["zoom"] >= overview_zoom + ZOOM_FOR_NAMES)
    layers = []
    if len(points) <= FIXED_LABELS or zoomed:
        shown = points if len(points) <= FIXED_LABELS else _in_view(points, view)
        layers.append(_text_layer(shown, f"namen-{level}", size=13))
    if level in ("buurt", "pc4", "pc6") and "wijk" in dataset.levels and not zoomed:
        wijk_inside = dataset.in_gemeente("wijk", gemeente)
        wijken = dataset.memo(("label-points", "wijk", gemeente),
                              lambda: label_points(dataset.levels["wijk"][wijk_inside]))
        if len(wijken) <= FIXED_LABELS * 2:
            layers.append(_text_layer(wijken, "namen-wijk", size=15, bold=True))
    return [layer for layer in layers if layer is not None]


def _in_view(points: gpd.GeoDataFrame, view: dict | None, width_px: int = 900,
             height_px: int = 650) -> gpd.GeoDataFrame:
    """The label points inside a view (deck.gl: zoom 0 shows 360° in 512 pixels)."""
    if view is None:
        return points
    degrees = 360 / (512 * 2 ** view["zoom"])
    dx = width_px / 2 * degrees
    dy = height_px / 2 * degrees * math.cos(math.radians(view["latitude"]))
    x, y = points.geometry.x, points.geometry.y
    keep = (x.between(view["longitude"] - dx, view["longitude"] + dx)
            & y.between(view["latitude"] - dy, view["latitude"] + dy))
    return points[keep]


def _text_layer(points: gpd.GeoDataFrame, layer_id: str, size: int, bold: bool = False
                ) -> pdk.Layer | None:
    if points.empty:
        return None
    data = [{"naam": row.naam, "positie": [round(row.geometry.x, 6), round(row.geometry.y, 6)]}
            for row in points.itertuples(index=False)]
    # every string prop as a literal: pydeck turns bare strings into expressions
    return pdk.Layer("TextLayer", id=layer_id, data=data, get_position="positie",
                     get_text="naam", get_size=size, get_color=[0, 0, 0, 255],
                     pickable=False, font_weight=700 if bold else 400,
                     font_family=_literal("DejaVu Sans, Source Sans Pro, sans-serif"),
                     font_settings={"sdf": True}, outline_width=3,
                     outline_color=[255, 255, 255, 235],
                     # the names carry ë, ï, é and the like, beyond deck.gl's ASCII atlas
                     character_set=_literal("".join(sorted({ch for row in data
                                                            for ch in row["naam"]}))))


def context_layers(dataset: Dataset, level: str, gemeente: str, basemap: bool,
                   bounds: tuple[float, float, float, float], view: dict | None = None
                   ) -> tuple[list[pdk.Layer], list[pdk.Layer]]:
    """(below, above) the choropleth: base map and water; borders and names.

    `bounds` are the mapped areas' (the base map covers them); `view` is the map's
    current view, which decides which names are readable.
    """
    below = [basemap_layer(bounds)] if basemap else []
    water = water_layer(dataset)
    if water is not None:
        below.append(water)
    above = [layer for layer in (border_layer(dataset),) if layer is not None]
    above += label_layers(dataset, level, gemeente, view, fit_view(bounds)["zoom"])
    return below, above


def _literal(text: str) -> str:
    """A string prop as a literal: pydeck reads bare strings as expressions and strips a
    surrounding pair of double quotes (with every other double quote, so none may stay)."""
    return '"' + text.replace('"', "") + '"'


def _geojson(series: gpd.GeoSeries) -> dict:
    return series.to_crs("EPSG:4326").__geo_interface__


def _mercator(lon: float, lat: float) -> tuple[float, float]:
    radius = 6378137.0
    x = math.radians(lon) * radius
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * radius
    return x, y


def _padded(bounds: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = bounds
    dx, dy = (maxx - minx) * 0.3 + 0.01, (maxy - miny) * 0.3 + 0.01
    return minx - dx, miny - dy, maxx + dx, maxy + dy
