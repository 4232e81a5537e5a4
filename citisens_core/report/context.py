"""What makes a map recognisable, taken from the CBS data itself: water, gemeente borders
and area names. Nothing here goes to an outside host, so it works offline.

CBS ships water as rows of the area file flagged ``water = "JA"`` (or ``WATER``,
``H2O``); the area reader drops them from the area table, so they are read here
separately, as geometry only.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio

#: Columns that flag water rows, per schema generation (see ``../shared`` domain notes).
WATER_FLAGS = ("water", "WATER", "H2O", "h2o")
WGS84 = "EPSG:4326"


def read_water(path: str | Path) -> gpd.GeoSeries | None:
    """The water polygons of a CBS area file (its ``water = "JA"`` rows), in WGS84.

    Reads the most detailed layer that flags water. Returns None when the file
    has no water flag or no water rows (e.g. the 2015 GeoJSON files), or cannot
    be read: water is context on a map, never a reason to fail.
    """
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
    except Exception:
        return None
    # buurten before wijken before gemeenten: the finest water outline
    order = sorted(layers, key=lambda n: (0 if "buurt" in n.lower() else
                                          1 if "wijk" in n.lower() else 2))
    for layer in order:
        try:
            info = pyogrio.read_info(path, layer=layer)
        except Exception:
            continue
        flag = next((c for c in WATER_FLAGS if c in list(info["fields"])), None)
        if flag is None:
            continue
        try:
            frame = pyogrio.read_dataframe(path, layer=layer, columns=[flag])
        except Exception:
            continue
        wet = frame[frame[flag].astype(str).str.strip().str.upper() == "JA"]
        wet = wet[wet.geometry.notna() & ~wet.geometry.is_empty]
        if len(wet):
            if wet.crs is None:
                wet = wet.set_crs("EPSG:28992")
            return wet.geometry.to_crs(WGS84).reset_index(drop=True)
    return None


def gemeente_borders(table: gpd.GeoDataFrame,
                     gemeenten: gpd.GeoDataFrame | None = None) -> gpd.GeoSeries:
    """The outline of each gemeente: the gemeente level when the file has it, else the
    areas dissolved by ``gemeentecode``."""
    if gemeenten is not None and len(gemeenten) and gemeenten.geometry.notna().any():
        return gemeenten.geometry.dropna().boundary.reset_index(drop=True)
    usable = table[table.geometry.notna() & table["gemeentecode"].notna()]
    if usable.empty:
        return gpd.GeoSeries([], crs=table.crs)
    dissolved = usable[["gemeentecode", "geometry"]].dissolve(by="gemeentecode")
    return dissolved.geometry.boundary.reset_index(drop=True)


def label_points(table: gpd.GeoDataFrame, codes: list[str] | None = None) -> gpd.GeoDataFrame:
    """One label point per area (inside the area, also for odd shapes), with its name.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``code``, ``naam``, ``grootte`` (area in m², to put big areas first)
        and point geometry.
    """
    rows = table[table.geometry.notna() & ~table.geometry.is_empty]
    if codes is not None:
        rows = rows[rows["code"].astype(str).isin(set(codes))]
    points = rows.geometry.representative_point()
    return gpd.GeoDataFrame(
        {"code": rows["code"].astype(str).to_numpy(), "naam": rows["naam"].astype(str).to_numpy(),
         "grootte": rows.geometry.to_crs("EPSG:28992").area.to_numpy()},
        geometry=points.to_numpy(), crs=table.crs).sort_values(
        "grootte", ascending=False).reset_index(drop=True)
