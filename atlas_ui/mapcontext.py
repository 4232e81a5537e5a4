"""What makes the in-browser map recognisable: water, gemeente borders and names from
the CBS file itself, and the PDOK BRT-Achtergrondkaart when the user switches it on.

Water, borders and names work offline. The base map is off by default: with it
off the page makes no request to an outside host (our privacy rule), and the
CBS layers already show where one is. Switched on, the browser fetches tiles of
the BRT-Achtergrondkaart from PDOK.

:func:`map_context` builds plain data; ``kaart.js`` draws it (role "context",
sent once per view like the geometry). Names carry the zooms at which they are
readable: the wijk names at the overview, the buurt names once zoomed in.
"""

from __future__ import annotations

import hashlib
import json

import geopandas as gpd
import streamlit as st

from atlas_ui.layout import keep, remember
from atlas_ui.maps import fit_view
from atlas_ui.state import KEPT_KEY, session_key
from citisens_core.atlas import AreaSet
from citisens_core.report.context import gemeente_borders, label_points
from citisens_core.report.staticmap import WATER_COLOUR

BASEMAP_KEY = session_key("achtergrondkaart")
#: PDOK's WMTS of the BRT-Achtergrondkaart (Kadaster, CC BY 4.0), Web Mercator tiles.
PDOK_BRT_TILES = ("https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/"
                  "EPSG:3857/{z}/{x}/{y}.png")
BASEMAP_CREDIT = "Achtergrond: BRT-Achtergrondkaart, © Kadaster (PDOK)"
#: Up to this many areas every name shows at every zoom.
FIXED_LABELS = 25
#: Zoom levels beyond the overview from which the names of many areas fit.
ZOOM_FOR_NAMES = 1.0
#: More names than this are not sent (a national view): only the larger areas' names.
MAX_NAMES = 4000
#: Border simplification in degrees (~30 m): borders are context, not the data.
BORDER_TOLERANCE = 0.0003


def basemap_toggle() -> bool:
    """The switch for the PDOK base map; one setting for the whole session."""
    remember(BASEMAP_KEY, False)
    on = st.toggle(
        "Achtergrondkaart (PDOK)", key=BASEMAP_KEY,
        help="Toont straten en plaatsen van de BRT-Achtergrondkaart van het Kadaster. Uw "
             "browser haalt die dan op bij PDOK (service.pdok.nl). Uit: de kaart doet geen "
             "enkel verzoek naar buiten; water, gemeentegrenzen en namen komen dan uit de "
             "CBS-gegevens zelf.")
    keep(BASEMAP_KEY)
    return on


def basemap_on() -> bool:
    """The switch's last setting, for maps on pages that do not draw the switch."""
    return bool(st.session_state.get(KEPT_KEY, {}).get(BASEMAP_KEY, False))


def basemap_url(on: bool) -> str | None:
    """The tile URL template for ``kaart.js`` when the base map is on."""
    return PDOK_BRT_TILES if on else None


def map_context(dataset: AreaSet, level: str, gemeente: str) -> dict:
    """Water, borders and names of one map view, as ``kaart.js`` reads them (memoised)."""
    def compute() -> dict:
        inside = dataset.in_gemeente(level, gemeente)
        table = dataset.levels[level][inside]
        overview = fit_view(tuple(table.total_bounds))["zoom"]
        context = {"rol": "context", "waterkleur": [*_rgb(WATER_COLOUR), 255],
                   "water": _geojson(dataset.water), "grenzen": _borders(dataset, table),
                   "namen": _names(dataset, level, gemeente, table, overview)}
        digest = hashlib.blake2b(json.dumps(context, sort_keys=True).encode(), digest_size=12)
        return {**context, "id": digest.hexdigest()}

    return dataset.memo(("kaartcontext", level, gemeente), compute)


def _names(dataset: AreaSet, level: str, gemeente: str, table: gpd.GeoDataFrame,
           overview: float) -> list[dict]:
    many = len(table) > FIXED_LABELS
    out = []
    if len(table) <= MAX_NAMES:
        out.append(_name_layer(f"namen-{level}", label_points(table), size=13,
                               zooms=(overview + ZOOM_FOR_NAMES, 99) if many else (0, 99)))
    if many and level in ("buurt", "pc4", "pc6") and "wijk" in dataset.levels:
        wijken = dataset.levels["wijk"][dataset.in_gemeente("wijk", gemeente)]
        if len(wijken) <= MAX_NAMES:
            out.append(_name_layer("namen-wijk", label_points(wijken), size=15, bold=True,
                                   zooms=(0, overview + ZOOM_FOR_NAMES)))
    return [layer for layer in out if layer["punten"]]


def _name_layer(layer_id: str, points: gpd.GeoDataFrame, size: int, zooms: tuple,
                bold: bool = False) -> dict:
    rows = [[round(p.geometry.x, 6), round(p.geometry.y, 6), p.naam]
            for p in points.itertuples(index=False)]
    # the names carry ë, ï, é and the like, beyond deck.gl's default ASCII atlas
    characters = "".join(sorted({ch for row in rows for ch in row[2]}))
    return {"id": layer_id, "punten": rows, "grootte": size, "vet": bold, "tekens": characters,
            "van": round(zooms[0], 2), "tot": round(zooms[1], 2)}


def _borders(dataset: AreaSet, table: gpd.GeoDataFrame) -> dict | None:
    gemeenten = dataset.levels.get("gemeente")
    if gemeenten is not None and "gemeentecode" in table:
        shown = set(table["gemeentecode"].dropna().astype(str))
        gemeenten = gemeenten[gemeenten["code"].astype(str).isin(shown)]
    borders = gemeente_borders(table, gemeenten)
    return _geojson(borders.simplify(BORDER_TOLERANCE)) if len(borders) else None


def _geojson(series: gpd.GeoSeries | None) -> dict | None:
    if series is None or not len(series):
        return None
    return json.loads(series.to_crs("EPSG:4326").to_json(to_wgs84=False))


def _rgb(colour: str) -> list[int]:
    return [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
