"""Display simplification: lighter polygons, still a seamless coverage."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from citisens_core.geodata import read_areas, simplify_for_display, to_geojson_payload

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "real-cbs"


def _wiggly_coverage(n_cells: int = 30, seed: int = 3) -> gpd.GeoDataFrame:
    """Voronoi buurten in RD New with dense, wavy but shared edges (a valid coverage)."""
    rng = np.random.default_rng(seed)
    box = shapely.box(130000, 450000, 136000, 456000)
    points = shapely.multipoints(rng.uniform((130000, 450000), (136000, 456000), (n_cells, 2)))
    cells = [c.intersection(box) for c in shapely.get_parts(shapely.voronoi_polygons(points))]
    dense = shapely.segmentize(np.array(cells, dtype=object), 5.0)

    def warp(xy: np.ndarray) -> np.ndarray:
        # the same map for every polygon keeps shared vertices shared
        x, y = xy[:, 0], xy[:, 1]
        return np.column_stack([x + 3 * np.sin(y / 23.0), y + 3 * np.sin(x / 29.0)])

    geoms = shapely.transform(dense, warp)
    return gpd.GeoDataFrame(
        {
            "code": [f"BU0344{i:04d}" for i in range(len(cells))],
            "niveau": "buurt",
            "inwoners": rng.integers(0, 3000, len(cells)).astype(float),
        },
        geometry=geoms,
        crs="EPSG:28992",
    ).to_crs(4326)


def _overlap_area(gdf: gpd.GeoDataFrame) -> float:
    """Sum of pairwise intersection areas between neighbours, in m²."""
    geoms = gdf.to_crs(28992).geometry.dropna().to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = left < right
    return float(shapely.area(shapely.intersection(geoms[left[keep]], geoms[right[keep]])).sum())


def _vertices(gdf: gpd.GeoDataFrame) -> int:
    return int(shapely.get_num_coordinates(gdf.geometry.dropna().to_numpy()).sum())


@pytest.fixture(scope="module")
def coverage() -> gpd.GeoDataFrame:
    return _wiggly_coverage()


def test_simplify_keeps_a_seamless_valid_coverage(coverage):
    # float round trips leave shared vertices a few nm apart: cleaning snaps them
    simple = simplify_for_display(coverage, "buurt")
    assert len(simple) == len(coverage)
    assert simple.geometry.notna().all()
    assert simple.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert simple.is_valid.all()
    assert simple.crs.to_epsg() == 4326
    assert _overlap_area(simple) < 1.0  # m², over 36 km²
    total = coverage.to_crs(28992).area.sum()
    assert simple.to_crs(28992).area.sum() == pytest.approx(total, rel=0.002)  # no gaps
    assert _vertices(simple) < 0.3 * _vertices(coverage)
    assert simple.attrs["waarschuwingen"] == []


def test_coordinates_rounded_to_five_decimals(coverage):
    coords = shapely.get_coordinates(simplify_for_display(coverage, "buurt").geometry.to_numpy())
    assert np.allclose(coords, np.round(coords, 5), atol=1e-9)


def test_gemeente_level_is_coarser_than_buurt(coverage):
    assert _vertices(simplify_for_display(coverage, "gemeente")) < _vertices(
        simplify_for_display(coverage, "buurt")
    )


def test_rows_without_geometry_stay(coverage):
    frame = coverage.copy()
    frame.loc[2, "geometry"] = None
    simple = simplify_for_display(frame, "buurt")
    assert simple.geometry.iloc[2] is None
    assert simple["inwoners"].iloc[2] == frame["inwoners"].iloc[2]


def test_overlapping_coverage_is_cleaned(coverage):
    frame = coverage.copy()
    metric = frame.to_crs(28992)
    frame.loc[0, "geometry"] = metric.geometry.iloc[0].buffer(40).simplify(1)
    frame.loc[0, "geometry"] = gpd.GeoSeries([frame.geometry.iloc[0]], crs=28992).to_crs(4326)[0]
    assert _overlap_area(frame) > 1000
    simple = simplify_for_display(frame, "buurt")
    assert simple.is_valid.all()
    assert _overlap_area(simple) < 1.0


def test_fallback_when_coverage_simplification_fails(coverage, monkeypatch):
    def broken(*args, **kwargs):
        raise shapely.errors.GEOSException("TopologyException")

    monkeypatch.setattr(shapely, "coverage_simplify", broken)
    simple = simplify_for_display(coverage, "buurt")
    assert simple.is_valid.all() and len(simple) == len(coverage)
    assert any("los van elkaar vereenvoudigd" in w for w in simple.attrs["waarschuwingen"])


def test_geojson_payload_is_flat_and_json_safe(coverage):
    frame = coverage.copy()
    frame.loc[1, "inwoners"] = np.nan
    frame.loc[3, "geometry"] = None
    payload = to_geojson_payload(simplify_for_display(frame, "buurt"), ["code", "inwoners"])
    assert payload["type"] == "FeatureCollection"
    assert len(payload["features"]) == len(frame) - 1
    text = json.dumps(payload, allow_nan=False)
    assert '"inwoners": null' in text
    assert set(payload["features"][0]["properties"]) == {"code", "inwoners"}
    with pytest.raises(KeyError, match="not in the table"):
        to_geojson_payload(frame, ["bestaat_niet"])


@pytest.mark.skipif(not REAL.exists(), reason=f"real CBS samples not found at {REAL}")
def test_real_gemeenten_simplify_without_overlaps():
    gemeenten = read_areas(REAL / "gemeente-2015-gooi-en-vechtstreek.geojson")
    simple = simplify_for_display(gemeenten)
    assert len(simple) == len(gemeenten) and simple.is_valid.all()
    assert _overlap_area(simple) < 1000  # m², over ~350 km² of pre-simplified borders
