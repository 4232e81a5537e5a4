"""Every generation of the wijk- en buurtkaart 2011-2025, read from small files written here.

Each layout is written from the column names CBS documents for it (see
``shared/domain/cbs-data.md``): four buurten, one of them water, in two
gemeenten. The tests check what a user would see: the right areas, the right
figures, the year and release, and why a figure is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from citisens_core.geodata import read_areas
from citisens_core.geodata.normalise import missing_reason

# Four buurten in RD New near Utrecht: two in GM0344, a water buurt, one in GM0345.
ROWS = [
    # code, wijk, gemeente, naam, water, inwoners, % 0-15, % huur, inkomen, x
    ("BU03440101", "WK034401", "GM0344", "Binnenstad", "NEE", 1200, 10, 60, 31.5, 0),
    ("BU03440102", "WK034401", "GM0344", "Oudwijk", "NEE", 800, 20, 30, 35.0, 1),
    ("BU03440199", "WK034401", "GM0344", "Vaartsche Rijn (water)", "JA", 0, 0, 0, 0, 2),
    ("BU03450101", "WK034501", "GM0345", "Súdwest-Centrum", "NEE", 500, 15, 40, 28.0, 3),
]


@dataclass(frozen=True)
class Layout:
    """How one generation names things."""

    year: int
    code: str
    wijk: str
    gemeente: str
    naam: str
    water: str | None
    inwoners: str
    young: str
    huur: str
    inkomen: str
    year_column: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


UPPER = dict(code="BU_CODE", wijk="WK_CODE", gemeente="GM_CODE", naam="BU_NAAM",
             inwoners="AANT_INW", young="P_00_14_JR", huur="P_HUURWON", inkomen="INK_INW")
SNAKE = dict(code="buurtcode", wijk="wijkcode", gemeente="gemeentecode", naam="buurtnaam",
             inwoners="aantal_inwoners", young="percentage_personen_0_tot_15_jaar",
             huur="percentage_huurwoningen", inkomen="gemiddeld_inkomen_per_inwoner")
CAMEL = dict(code="buurtcode", wijk="wijkcode", gemeente="gemeentecode", naam="buurtnaam",
             inwoners="aantalInwoners", young="percentagePersonen0Tot15Jaar",
             huur="percentageHuurwoningen", inkomen="gemiddeldInkomenPerInwoner")

LAYOUTS = {
    # 2011 PDOK WFS: lower case, origin as allochtonen
    "2011-wfs-gml": Layout(2011, water="water", year_column="jaar",
                           extra={"percentage_westerse_allochtonen": 5}, **SNAKE),
    "2015-shp": Layout(2015, water="WATER", **UPPER),
    "2021-shp": Layout(2021, water="WATER", year_column="JRSTATCODE", **UPPER),
    # 2022+: shapefile short names, water as H2O
    "2022-shp": Layout(2022, water="H2O", year_column="JRSTATCODE",
                       extra={"IND_WBI": 1, "DEK_PERC": 1, "P_NL_ALL": 70}, **UPPER),
    "2023-gpkg-v1": Layout(2023, water="water", year_column="jrstatcode",
                           extra={"indelingswijziging_wijken_en_buurten": 1}, **SNAKE),
    # 2024 renamed the household columns
    "2024-gpkg-v2": Layout(2024, water="water", year_column="jrstatcode",
                           extra={"aantal_particuliere_huishoudens": 400,
                                  "gemiddelde_huishoudensgrootte": 2.1}, **SNAKE),
    "2025-gpkg-v1": Layout(2025, water="water", year_column="jrstatcode", **SNAKE),
    "2024-ogcapi-geojson": Layout(2024, water="water", year_column="jaar", **SNAKE),
    "2023-wfs-geojson": Layout(2023, water="water", **CAMEL),
}

#: File name and GDAL driver per layout (the release is in the name, as CBS names it).
FILES = {
    "2011-wfs-gml": ("wijkenbuurten_2011.gml", "GML"),
    "2015-shp": ("buurt_2015.shp", "ESRI Shapefile"),
    "2021-shp": ("buurt_2021_v3.shp", "ESRI Shapefile"),
    "2022-shp": ("buurt_2022_v2.shp", "ESRI Shapefile"),
    "2023-gpkg-v1": ("wijkenbuurten_2023_v1.gpkg", "GPKG"),
    "2024-gpkg-v2": ("wijkenbuurten_2024_v2.gpkg", "GPKG"),
    "2025-gpkg-v1": ("wijkenbuurten_2025_v1.gpkg", "GPKG"),
    "2024-ogcapi-geojson": ("buurten-2024.geojson", "GeoJSON"),
    "2023-wfs-geojson": ("wijkenbuurten-2023-wfs.geojson", "GeoJSON"),
}


def frame(layout: Layout, *, first_release: bool = False) -> gpd.GeoDataFrame:
    """The four buurten as `layout` names them (first release: income not yet published)."""
    records = []
    for code, wijk, gm, naam, water, inw, young, huur, ink, _x in ROWS:
        rec = {layout.code: code, layout.wijk: wijk, layout.gemeente: gm, layout.naam: naam,
               layout.inwoners: inw, layout.young: young, layout.huur: huur,
               layout.inkomen: -99995 if first_release else ink}
        if layout.water:
            rec[layout.water] = water
        if layout.year_column:
            rec[layout.year_column] = (f"{layout.year}{code}" if "stat" in layout.year_column.lower()
                                       else layout.year)
        rec.update(layout.extra)
        records.append(rec)
    if not first_release:
        records[1][layout.inkomen] = -99997  # secret for one buurt
    geoms = [box(136000 + 1000 * r[-1], 455000, 136900 + 1000 * r[-1], 455900) for r in ROWS]
    return gpd.GeoDataFrame(records, geometry=geoms, crs="EPSG:28992")


def write(name: str, folder: Path) -> Path:
    layout = LAYOUTS[name]
    filename, driver = FILES[name]
    gdf = frame(layout, first_release=name.endswith("v1"))
    path = folder / filename
    if driver == "GPKG":  # the three levels as layers (2025 names them with the year)
        suffix = "2025" if layout.year == 2025 else ""
        gdf.to_file(path, layer=f"buurten{suffix}", driver=driver)
        wijk = gdf.dissolve(layout.wijk, as_index=False)[[layout.wijk, layout.gemeente,
                                                           "geometry"]]
        wijk.to_file(path, layer=f"wijken{suffix}", driver=driver)
    elif name.endswith("geojson") or driver == "GML":
        gdf.to_crs("EPSG:4326").to_file(path, driver=driver)
    else:
        gdf.to_file(path, driver=driver, encoding="cp1252")
    return path


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_buurt_file_of_every_generation(name: str, tmp_path: Path) -> None:
    layout = LAYOUTS[name]
    table = read_areas(write(name, tmp_path))
    # water is left out, land buurten are all there with their figures
    assert table["code"].tolist() == ["BU03440101", "BU03440102", "BU03450101"]
    assert table["inwoners"].tolist() == [1200, 800, 500]
    assert table["aandeel_0_15"].round(2).tolist() == [0.10, 0.20, 0.15]
    assert table["aandeel_huur"].round(2).tolist() == [0.60, 0.30, 0.40]
    assert table["naam"].iloc[2] == "Súdwest-Centrum"
    assert table.attrs["niveau"] == "buurt"
    assert table.attrs["jaar"] == layout.year
    assert table.geometry.notna().all()


@pytest.mark.parametrize("name", ["2015-shp", "2022-shp", "2024-gpkg-v2", "2025-gpkg-v1"])
def test_one_gemeente_of_a_large_file(name: str, tmp_path: Path) -> None:
    table = read_areas(write(name, tmp_path), gemeente="GM0345")
    assert table["code"].tolist() == ["BU03450101"]


def test_release_and_figures_not_yet_published(tmp_path: Path) -> None:
    first = read_areas(write("2023-gpkg-v1", tmp_path))
    assert first.attrs["versie"] == "v1"
    assert first.attrs["ontbrekend"]["inkomen_per_inwoner"] == "nog niet gepubliceerd"
    assert first["inkomen_per_inwoner"].isna().all()
    row = first.iloc[0]
    assert missing_reason(row, "inkomen_per_inwoner", first.attrs["ontbrekend"]) == "nog niet gepubliceerd"


def test_secret_is_not_unpublished_nor_empty(tmp_path: Path) -> None:
    table = read_areas(write("2024-gpkg-v2", tmp_path))
    assert table.attrs["versie"] == "v2"
    assert "inkomen_per_inwoner" not in table.attrs["ontbrekend"]
    by_code = table.set_index("code", drop=False)
    why = table.attrs["ontbrekend"]
    assert by_code.loc["BU03440101", "inkomen_per_inwoner"] == 31.5
    assert missing_reason(by_code.loc["BU03440101"], "inkomen_per_inwoner", why) is None
    assert missing_reason(by_code.loc["BU03440102"], "inkomen_per_inwoner", why) == "geheim"
    # the 2024 household names are read
    assert (table["huishoudens"] == 400).all()
    assert (table["gem_huishoudgrootte"] == 2.1).all()
    # a figure this layout does not carry at all
    assert missing_reason(by_code.loc["BU03440101"], "woz", why) == "niet in het bestand"


def test_nobody_lives_here_is_its_own_reason() -> None:
    table = pd.DataFrame({"inwoners": [0.0], "woz": [float("nan")]})
    assert missing_reason(table.iloc[0], "woz", {}) == "niemand woont hier"


def test_2025_layer_names_with_year(tmp_path: Path) -> None:
    path = write("2025-gpkg-v1", tmp_path)
    assert read_areas(path, level="wijk")["code"].tolist() == ["WK034401", "WK034501"]


@pytest.mark.parametrize("name", ["2015-shp", "2022-shp", "2024-gpkg-v2", "2025-gpkg-v1",
                                  "2023-wfs-geojson"])
def test_cli_estimates_every_generation(name: str, tmp_path: Path) -> None:
    from citisens_core.cli import main

    out = tmp_path / "schattingen.csv"
    assert main(["estimate", str(write(name, tmp_path)), "--out", str(out)]) == 0
    estimates = pd.read_csv(out)
    assert estimates["code"].tolist() == ["BU03440101", "BU03440102", "BU03450101"]
    assert (estimates["niveau"] == "buurt").all()
