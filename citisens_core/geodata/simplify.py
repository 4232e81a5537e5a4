"""Geometry for the map: simplified per level without gaps or overlaps between neighbours.

CBS boundaries are not generalised (hundreds of MB for the country); pydeck
needs light WGS84 polygons. Simplifying each polygon on its own opens slivers
between neighbours, so the shared edges are simplified once, as a coverage
(``shapely.coverage_simplify``, GEOS 3.12+), in RD New metres. Coordinates are
then rounded to 5 decimals (about 1 m), which keeps shared vertices shared.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from citisens_core.geodata.normalise import RD_NEW, WGS84, polygon_parts

__all__ = ["TOLERANCES", "simplify_for_display", "to_geojson_payload"]

#: Simplification tolerance in metres per level (Visvalingam-Whyatt: about the
#: square root of the area of the triangles removed). Coarser for larger areas.
TOLERANCES: MappingProxyType[str, float] = MappingProxyType(
    {"gemeente": 120.0, "wijk": 40.0, "buurt": 15.0, "pc4": 25.0, "pc6": 4.0}
)

#: Grid of the rounded output coordinates, in degrees (5 decimals).
PRECISION = 1e-5
DIGITS = 5


def _level_of(gdf: gpd.GeoDataFrame, level: str | None) -> str:
    if level:
        return level
    if gdf.attrs.get("niveau") in TOLERANCES:
        return gdf.attrs["niveau"]
    if "niveau" in gdf and len(gdf):
        return str(gdf["niveau"].mode().iloc[0])
    return "buurt"


def _simplify_coverage(geoms: np.ndarray, tolerance: float) -> tuple[np.ndarray, str | None]:
    """Coverage-simplified geometry, cleaning an invalid coverage first; else plain simplify."""
    try:
        simplified = shapely.coverage_simplify(_clean_locally(geoms), tolerance)
    except Exception as exc:  # GEOS errors on broken coverages: fall back, never crash
        note = (
            "grenzen zijn los van elkaar vereenvoudigd; tussen buurgebieden kunnen kleine "
            f"kieren of overlappingen zichtbaar zijn ({type(exc).__name__})"
        )
        return shapely.simplify(geoms, tolerance, preserve_topology=True), note
    # the rare polygon the coverage left invalid is simplified on its own
    broken = ~shapely.is_valid(simplified)
    simplified[broken] = shapely.simplify(geoms[broken], tolerance, preserve_topology=True)
    return simplified, None


def _clean_locally(geoms: np.ndarray) -> np.ndarray:
    """The coverage with its few faulty polygons and their neighbours cleaned.

    Merged regional files overlap or leave gaps at a handful of places;
    cleaning only there (``shapely.coverage_clean``) takes milliseconds where
    cleaning the whole country takes seconds, and leaves the rest untouched.
    """
    faulty = ~shapely.is_empty(shapely.coverage_invalid_edges(geoms))
    if not faulty.any():
        return geoms
    near = np.unique(shapely.STRtree(geoms).query(geoms[faulty], predicate="intersects")[1])
    cleaned = geoms.copy()
    cleaned[near] = shapely.coverage_clean(geoms[near])
    return cleaned


def _round(geoms: np.ndarray) -> np.ndarray:
    """Round to the display grid; a polygon that would collapse keeps its unrounded form.

    Rounding every coordinate is vectorised and keeps shared vertices shared; only
    the few polygons it leaves invalid or empty take the slower path through
    ``shapely.set_precision`` (snapping to the grid) or ``make_valid``.
    """
    rounded = shapely.transform(geoms, lambda xy: np.round(xy, DIGITS))
    polygonal = np.isin(shapely.get_type_id(rounded), (3, 6))
    usable = polygonal & shapely.is_valid(rounded) & ~shapely.is_empty(rounded)
    out = rounded.astype(object)
    for i in np.flatnonzero(~usable):
        out[i] = _round_one(geoms[i])
    return out


def _round_one(geom):
    snapped = shapely.set_precision(geom, PRECISION)
    polygon = polygon_parts(snapped) if snapped is not None and not snapped.is_empty else None
    if polygon is None:
        polygon = geom
    if polygon is not None and not polygon.is_valid:
        # reprojection can leave a tiny self-intersection
        polygon = polygon_parts(shapely.make_valid(polygon))
    return polygon


def simplify_for_display(gdf: gpd.GeoDataFrame, level: str | None = None) -> gpd.GeoDataFrame:
    """Simplify area geometry for the map, keeping neighbours seamless.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Areas of one level (any CRS); rows without geometry are kept as they are.
    level : str, optional
        Level that sets the tolerance (see ``TOLERANCES``); default from
        ``gdf.attrs["niveau"]`` or the ``niveau`` column.

    Returns
    -------
    geopandas.GeoDataFrame
        Same rows and columns, geometry in EPSG:4326 rounded to 5 decimals.
        ``attrs["waarschuwingen"]`` gains a Dutch note if the coverage could not
        be simplified as a whole.
    """
    level = _level_of(gdf, level)
    tolerance = TOLERANCES.get(level, TOLERANCES["buurt"])
    out = gdf.copy()
    out.attrs = {**gdf.attrs, "waarschuwingen": list(gdf.attrs.get("waarschuwingen", []))}
    crs = gdf.crs or WGS84
    geoms = gpd.GeoSeries(gdf.geometry.values, crs=crs)
    present = ~(geoms.isna() | geoms.is_empty).to_numpy()
    if not present.any():
        return out.set_crs(WGS84, allow_override=True) if out.crs is None else out.to_crs(WGS84)
    metric = geoms[present].to_crs(RD_NEW).to_numpy()
    simplified, note = _simplify_coverage(metric, tolerance)
    if note:
        out.attrs["waarschuwingen"].append(note)
    back = gpd.GeoSeries(simplified, crs=RD_NEW).to_crs(WGS84).to_numpy()
    result = np.full(len(gdf), None, dtype=object)
    result[present] = _round(back)
    return out.set_geometry(gpd.GeoSeries(result, index=gdf.index, crs=WGS84))


def to_geojson_payload(gdf: gpd.GeoDataFrame, properties: Sequence[str]) -> dict:
    """A GeoJSON FeatureCollection with flat properties, as pydeck's GeoJsonLayer wants it.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Areas, ideally simplified with :func:`simplify_for_display`.
    properties : sequence of str
        Columns to put in each feature's properties (flat, so tooltips can
        use them); NaN and NA become null.

    Returns
    -------
    dict
        ``{"type": "FeatureCollection", "features": [...]}`` in EPSG:4326; rows
        without geometry are left out.

    Raises
    ------
    KeyError
        If a property column is missing.
    """
    missing = [p for p in properties if p not in gdf.columns]
    if missing:
        raise KeyError(f"to_geojson_payload: columns {missing} not in the table")
    frame = gdf if gdf.crs is None or gdf.crs.equals(WGS84) else gdf.to_crs(WGS84)
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    props = frame[list(properties)].astype(object)
    props = props.where(pd.notna(props), None)
    geometries = [shapely.geometry.mapping(g) for g in frame.geometry.values]
    features = [
        {"type": "Feature", "properties": _plain(row), "geometry": geom}
        for row, geom in zip(props.to_dict("records"), geometries, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def _plain(row: dict) -> dict:
    """JSON-safe property values (numpy scalars to Python)."""
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
