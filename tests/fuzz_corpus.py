"""A corpus of broken and hostile area files, generated (nothing stored), for the fuzz tests.

Each entry is ``(kind, file name, bytes)``. The kinds are what a hostile or
unlucky user could feed the CLI and the app's upload: damaged containers,
archive bombs, wrong contents, impossible geometry and figures, text meant to
become Markdown, HTML or SQL.
"""

from __future__ import annotations

import io
import json
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import geopandas as gpd
import shapely

from citisens_core.geodata import read_areas

DEMO = Path(__file__).resolve().parents[1] / "geodata" / "demo-gemeente.gpkg"


def _buurten(n: int = 6) -> gpd.GeoDataFrame:
    """A few real-looking buurten in 2021 shapefile style (BU_CODE, AANT_INW ...)."""
    table = read_areas(DEMO, level="buurt").head(n)
    return gpd.GeoDataFrame({
        "BU_CODE": table["code"].to_numpy(), "BU_NAAM": table["naam"].to_numpy(),
        "GM_CODE": table["gemeentecode"].to_numpy(),
        "AANT_INW": [1200, 850, 400, 990, 60, 15][:n],
        "AANTAL_HH": [560, 400, 170, 420, 30, 8][:n],
        "P_HUURWON": [40, 55, 20, 35, 10, 0][:n],
    }, geometry=table.geometry.to_numpy(), crs=table.crs)


def _geojson(frame: gpd.GeoDataFrame) -> bytes:
    return frame.to_json().encode("utf-8")


def _features(features: list[dict]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": features}).encode("utf-8")


def _feature(props: dict, coords: list | None) -> dict:
    geometry = None if coords is None else {"type": "Polygon", "coordinates": [coords]}
    return {"type": "Feature", "properties": props, "geometry": geometry}


SQUARE = [[5.0, 52.0], [5.01, 52.0], [5.01, 52.01], [5.0, 52.01], [5.0, 52.0]]


def _written(frame: gpd.GeoDataFrame, suffix: str, driver: str) -> dict[str, bytes]:
    """The files a driver writes for `frame` (a shapefile has several), by suffix."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"buurt_2021{suffix}"
        frame.to_file(path, driver=driver)
        return {p.suffix: p.read_bytes() for p in Path(tmp).iterdir()}


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _zip_bomb(unpacked: int) -> bytes:
    """A zip of a few MB whose one member unpacks to `unpacked` bytes of spaces."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive, \
            archive.open("buurten.geojson", "w", force_zip64=True) as member:
        chunk = b" " * (16 * 1024 * 1024)
        for _ in range(unpacked // len(chunk) + 1):
            member.write(chunk)
    return buffer.getvalue()


def _shapefile_zip(drop: str | None) -> bytes:
    parts = _written(_buurten(), ".shp", "ESRI Shapefile")
    return _zip({f"buurt_2021{s}": b for s, b in parts.items() if s != drop})


def _gpkg() -> bytes:
    return _written(_buurten(), ".gpkg", "GPKG")[".gpkg"]


def _plain_sqlite() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.gpkg"
        with sqlite3.connect(path) as db:
            db.execute("create table buurten (BU_CODE text)")
            db.execute("insert into buurten values ('BU03440101')")
        return path.read_bytes()


def _named(name: str) -> bytes:
    frame = _buurten()
    frame.loc[frame.index[0], "BU_NAAM"] = name
    return _geojson(frame)


def _figures(column: str, values: list) -> bytes:
    frame = _buurten()
    frame[column] = values + [None] * (len(frame) - len(values))
    return _geojson(frame)


def _deep_json(depth: int) -> bytes:
    return b'{"type": "FeatureCollection", "features": ' + b"[" * depth + b"]" * depth + b"}"


def _gml(body: str) -> bytes:
    return body.encode("utf-8")


#: The corpus: kind → (file name, bytes producer). Producers run lazily.
CORPUS: dict[str, tuple[str, Callable[[], bytes]]] = {
    "leeg bestand": ("leeg.gpkg", lambda: b""),
    "willekeurige bytes als GeoPackage": ("ruis.gpkg", lambda: bytes(range(256)) * 64),
    "willekeurige bytes als GeoJSON": ("ruis.geojson", lambda: bytes(range(256)) * 8),
    "afgebroken GeoPackage": ("half.gpkg", lambda: _gpkg()[: len(_gpkg()) // 2]),
    "afgebroken zip": ("half.zip", lambda: _zip({"b.gpkg": _gpkg()})[:3000]),
    "zip zonder kaartbestand": ("leesmij.zip", lambda: _zip({"leesmij.txt": b"hallo"})),
    "zip met 300 bestanden": ("veel.zip", lambda: _zip({f"d{i}.txt": b"x" for i in range(300)})),
    "zipbom (1,1 GB uitgepakt)": ("bom.zip", lambda: _zip_bomb(1100 * 1024 * 1024)),
    "zip in zip": ("nest.zip", lambda: _zip({"binnen.zip": _zip({"b.gpkg": _gpkg()})})),
    "zip met pad naar boven": ("pad.zip", lambda: _zip({"../../buiten.geojson":
                                                        _geojson(_buurten())})),
    "geen JSON": ("kapot.geojson", lambda: b"{{{ dit is geen json"),
    "JSON maar geen GeoJSON": ("lijst.json", lambda: b"[1, 2, 3]"),
    "diep geneste JSON": ("diep.geojson", lambda: _deep_json(100_000)),
    "TopoJSON": ("topo.json", lambda: b'{"type": "Topology", "objects": {}, "arcs": []}'),
    "nul gebieden": ("leeg.geojson", lambda: _features([])),
    "geen codekolom": ("geencode.geojson", lambda: _features(
        [_feature({"naam": "A", "inwoners": 5}, SQUARE)])),
    "alleen lege grenzen": ("geengrens.geojson", lambda: _features(
        [_feature({"BU_CODE": "BU03440101", "AANT_INW": 5}, None)])),
    "coördinaten 1e300": ("groot.geojson", lambda: _features(
        [_feature({"BU_CODE": "BU03440101", "BU_NAAM": "A", "AANT_INW": 5},
                  [[1e300, 1e300], [-1e300, 1e300], [0, 0], [1e300, 1e300]]),
         _feature({"BU_CODE": "BU03440102", "BU_NAAM": "B", "AANT_INW": 5}, SQUARE)])),
    "zichzelf snijdende grens": ("strik.geojson", lambda: _features(
        [_feature({"BU_CODE": "BU03440101", "BU_NAAM": "A", "AANT_INW": 5},
                  [[5, 52], [5.01, 52.01], [5.01, 52], [5, 52.01], [5, 52]])])),
    "punten in plaats van vlakken": ("punten.geojson", lambda: _geojson(
        _buurten().set_geometry(_buurten().geometry.centroid))),
    "lijnen in plaats van vlakken": ("lijnen.geojson", lambda: _geojson(
        _buurten().set_geometry(_buurten().geometry.boundary))),
    "gemengde geometrie": ("gemengd.geojson", lambda: _features(
        [_feature({"BU_CODE": "BU03440101", "BU_NAAM": "A", "AANT_INW": 5}, SQUARE),
         {"type": "Feature", "properties": {"BU_CODE": "BU03440102", "BU_NAAM": "B"},
          "geometry": {"type": "Point", "coordinates": [5, 52]}}])),
    "RD-coördinaten als WGS84": ("rd.geojson", lambda: _geojson(
        _buurten().to_crs(28992).set_crs(4326, allow_override=True))),
    "onbekende coördinaten": ("ver.geojson", lambda: _geojson(
        _buurten().to_crs(3857).set_crs(None, allow_override=True))),
    "naam met Markdown en beeld": ("md.geojson", lambda: _named(
        "**vet** ![x](http://127.0.0.1:9/x.png)")),
    "naam met HTML": ("html.geojson", lambda: _named("<img src=http://127.0.0.1:9/y.png>")),
    "naam met tooltipveld": ("veld.geojson", lambda: _named("{code} {naam}")),
    "naam met SQL": ("sql.geojson", lambda: _named("x'); DROP TABLE buurten; --")),
    "naam ontbreekt": ("zondernaam.geojson", lambda: _named(None)),
    "naam van 1 MB": ("lang.geojson", lambda: _named("A" * 1_000_000)),
    "stuurtekens in naam": ("stuur.geojson", lambda: _named("a\x00b\x1bc\u202ed")),
    "decimale komma's als tekst": ("komma.geojson", lambda: _figures(
        "AANT_INW", ["12,5", "1.234,5", "7,0"])),
    "oneindig als cijfer": ("oneindig.geojson", lambda: _figures("AANT_INW", ["Infinity"])),
    "negatieve cijfers": ("negatief.geojson", lambda: _figures("AANT_INW", [-5, -1])),
    "aandeel boven 100 %": ("procent.geojson", lambda: _figures("P_HUURWON", [150, 101])),
    "tekst in cijferkolom": ("tekst.geojson", lambda: _figures("AANT_INW", ["veel", "??"])),
    "20 rijen met één code": ("dubbel.geojson", lambda: _geojson(gpd.GeoDataFrame(
        {"BU_CODE": ["BU03440101"] * 20, "BU_NAAM": [f"n{i}" for i in range(20)],
         "AANT_INW": range(20)}, geometry=[shapely.box(5, 52, 5.01, 52.01)] * 20, crs=4326))),
    "codes met verkeerd voorvoegsel": ("voorvoegsel.geojson", lambda: _figures(
        "BU_CODE", ["WK034401", "GM0344", "XX"])),
    "gemeentecode met SQL": ("injectie.geojson", lambda: _figures(
        "GM_CODE", ["GM0310' OR '1'='1"])),
    "alles water": ("water.geojson", lambda: _figures("WATER", ["JA"] * 6)),
    "shapefile zonder .dbf": ("zonderdbf.zip", lambda: _shapefile_zip(".dbf")),
    "shapefile zonder .shx": ("zondershx.zip", lambda: _shapefile_zip(".shx")),
    "shapefile zonder .prj": ("zonderprj.zip", lambda: _shapefile_zip(".prj")),
    "gewone SQLite als GeoPackage": ("sqlite.gpkg", _plain_sqlite),
    "CSV met .gpkg-naam": ("csv.gpkg", lambda: b"BU_CODE;AANT_INW\nBU03440101;5\n"),
    "kapotte GML": ("kapot.gml", lambda: _gml("<gml:FeatureCollection><gml:featureMember>")),
    "GML met externe entiteit": ("xxe.gml", lambda: _gml(
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "http://127.0.0.1:9/x">]>'
        '<FeatureCollection xmlns:gml="http://www.opengis.net/gml">&e;</FeatureCollection>')),
    "cp1252-tekens": ("cp1252.geojson", lambda: _geojson(_buurten()).replace(
        b'"BU_NAAM": "', b'"BU_NAAM": "S\xfadwest ', 1)),
}


def corpus() -> Iterator[tuple[str, str, bytes]]:
    """(kind, file name, bytes) for every entry, generated now."""
    for kind, (name, make) in CORPUS.items():
        yield kind, name, make()
