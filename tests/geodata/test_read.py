"""Reading CBS area files into the canonical area table: real files and tiny synthetic ones."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from citisens_core.demographics import DEMOGRAPHIC_COLUMNS, ID_COLUMNS, LEVELS, SHARE_COLUMNS
from citisens_core.geodata import AreaFileError, normalise_areas, read_areas, read_many
from citisens_core.geodata.columns import (
    CAMEL,
    COLUMN_RULES,
    GENERATIONS,
    LEVEL_RULES,
    SNAKE,
    UPPER,
    camel,
    detect_generation,
)

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "real-cbs"
needs_real = pytest.mark.skipif(
    not REAL.exists(), reason=f"real CBS samples not found at {REAL} (see shared/real-cbs)"
)
REAL_AREA_FILES = {
    "buurt-2015/gooi_en_vechtstreek.geojson": ("buurt", UPPER),
    "wijk-2015-gooi-en-vechtstreek.geojson": ("wijk", UPPER),
    "gemeente-2015-gooi-en-vechtstreek.geojson": ("gemeente", UPPER),
    "gemeenten-2023-pdok-wfs.geojson": ("gemeente", CAMEL),
    "gemeenten-2011-pdok-wfs.gml": ("gemeente", "kwb_2011_wfs"),
}


def assert_canonical(table: gpd.GeoDataFrame, level: str) -> None:
    """What every consumer of the area table relies on."""
    assert list(table.columns) == [*ID_COLUMNS, *DEMOGRAPHIC_COLUMNS, "geometry"]
    assert table.crs.to_epsg() == 4326
    assert (table["niveau"] == level).all()
    assert table["code"].is_unique
    prefix = LEVEL_RULES[level].prefix
    assert table["code"].str.fullmatch(rf"{prefix}\d{{{LEVEL_RULES[level].digits}}}").all()
    for col in DEMOGRAPHIC_COLUMNS:
        assert table[col].dtype == np.float64, col
        assert not (table[col] <= -99990).any(), f"{col} still holds a CBS sentinel"
    for col in SHARE_COLUMNS:
        values = table[col].dropna()
        assert values.between(0, 1).all(), col
    geoms = table.geometry.dropna()
    assert geoms.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert geoms.is_valid.all()
    if len(geoms):
        xmin, ymin, xmax, ymax = geoms.total_bounds
        assert 3 < xmin < xmax < 7.5 and 50.5 < ymin < ymax < 53.8
    for key in ("bron", "generatie", "niveau", "jaar", "waarschuwingen"):
        assert key in table.attrs


# --- the rule table -------------------------------------------------------------------


def test_rule_table_covers_every_canonical_column():
    assert [r.canonical for r in COLUMN_RULES] == list(DEMOGRAPHIC_COLUMNS)


@pytest.mark.parametrize(
    ("snake", "expected"),
    [
        ("percentage_personen_0_tot_15_jaar", "percentagePersonen0Tot15Jaar"),
        ("stedelijkheid_adressen_per_km2", "stedelijkheidAdressenPerKm2"),
        ("aantal_inwoners", "aantalInwoners"),
        ("gemiddelde_huishoudsgrootte", "gemiddeldeHuishoudsgrootte"),
    ],
)
def test_camel_case_matches_pdok_spelling(snake, expected):
    assert camel(snake) == expected


@pytest.mark.parametrize(
    ("fields", "generation"),
    [
        (["BU_CODE", "AANT_INW", "P_00_14_JR", "STED"], UPPER),
        (["buurtcode", "aantal_inwoners", "percentage_personen_0_tot_15_jaar"], SNAKE),
        (["gemeentecode", "aantalInwoners", "percentagePersonen0Tot15Jaar"], CAMEL),
        (["gemeentecode", "aantal_inwoners", "percentage_westerse_allochtonen"], "kwb_2011_wfs"),
        (["postcode", "aantal_inwoners", "aantal_inwoners_0_tot_15_jaar"], "postcode_vanaf_2020"),
        (["PC4", "INWONER", "INW_014", "TOTHH_EENP"], "postcode_tot_2019"),
        (["naam", "hoogte"], None),
    ],
)
def test_generation_detection(fields, generation):
    assert detect_generation(fields) == generation


def test_every_generation_describes_its_columns_in_dutch():
    for rule in COLUMN_RULES:
        for gen in GENERATIONS:
            sentence = rule.describe(gen)
            assert sentence.startswith(rule.label)


# --- real files -----------------------------------------------------------------------


@needs_real
@pytest.mark.parametrize("name", sorted(REAL_AREA_FILES))
def test_real_file_reads_into_canonical_table(name):
    level, generation = REAL_AREA_FILES[name]
    table = read_areas(REAL / name)
    assert_canonical(table, level)
    assert table.attrs["generatie"] == generation
    assert table.attrs["niveau"] == level
    assert table["inwoners"].notna().mean() > 0.9


@needs_real
def test_pdok_2023_keeps_diacritics_and_leaves_out_buitenland():
    table = read_areas(REAL / "gemeenten-2023-pdok-wfs.geojson")
    assert "Súdwest-Fryslân" in set(table["naam"])
    assert "'s-Hertogenbosch" in set(table["naam"])
    assert "GM0998" not in set(table["code"])
    assert len(table) == 342
    assert table.attrs["jaar"] == 2023
    groningen = table.set_index("code").loc["GM0014"]
    assert groningen["aandeel_0_15"] == pytest.approx(0.12)
    assert groningen["stedelijkheid"] == 1.0


@needs_real
def test_gml_2011_is_reprojected_from_rd():
    table = read_areas(REAL / "gemeenten-2011-pdok-wfs.gml")
    assert set(table["code"]) == {"GM0363", "GM0415", "GM0852"}
    amsterdam = table.set_index("code").loc["GM0363"]
    assert amsterdam["inwoners"] == 779810
    centroid = amsterdam.geometry.centroid
    assert 4.7 < centroid.x < 5.1 and 52.2 < centroid.y < 52.5
    assert table.attrs["jaar"] == 2011


@needs_real
def test_buurt_2015_sentinels_and_parents():
    path = REAL / "buurt-2015" / "drenthe.geojson"
    table = read_areas(path).set_index("code")
    raw = gpd.read_file(path).drop_duplicates("BU_CODE").set_index("BU_CODE")
    hidden = raw.index[raw["GEM_HH_GR"] <= -99990]
    assert len(hidden) > 0
    assert table.loc[table.index.intersection(hidden), "gem_huishoudgrootte"].isna().all()
    assert table.loc[raw.index[raw["STED"] <= -99990], "stedelijkheid"].isna().all()
    assert (table["wijkcode"] == "WK" + table.index.str[2:8]).all()
    assert (table["gemeentecode"] == "GM" + table.index.str[2:6]).all()


@needs_real
def test_empty_buurt_has_no_age_mix():
    files = sorted((REAL / "buurt-2015").glob("*.geojson"))[:4]
    table = read_many(files)
    ages = ["aandeel_0_15", "aandeel_15_25", "aandeel_25_45", "aandeel_45_65", "aandeel_65_plus"]
    sums = table[ages].sum(axis=1, min_count=1).dropna()
    assert sums.between(0.9, 1.1).mean() > 0.97  # rounded percentages, never all zero
    assert not sums.eq(0).any()


@needs_real
def test_degenerate_geometries_keep_figures_and_are_counted():
    files = sorted((REAL / "buurt-2015").glob("*.geojson"))
    total = 0
    for path in files:
        table = read_areas(path)
        missing = int(table.geometry.isna().sum())
        total += missing
        if missing:
            assert f"{missing} buurten hebben geen bruikbare grens" in " ".join(
                table.attrs["waarschuwingen"]
            ) or f"{missing} buurt heeft geen bruikbare grens" in " ".join(
                table.attrs["waarschuwingen"]
            )
            assert table.loc[table.geometry.isna(), "inwoners"].notna().any()
    assert total == 113


@needs_real
def test_read_many_national_2015_buurten_dedupes():
    files = sorted((REAL / "buurt-2015").glob("*.geojson"))
    assert len(files) == 23
    table = read_many(files)
    assert len(table) == 10989
    assert_canonical(table, "buurt")
    assert table["gemeentecode"].nunique() == 374
    # the clipped copy in a neighbouring region's file loses against the full buurt
    assert table.geometry.isna().sum() < 113
    assert any("geen bruikbare grens" in w for w in table.attrs["waarschuwingen"])


@needs_real
def test_gemeente_filter_on_real_file_by_name():
    table = read_areas(REAL / "buurt-2015" / "gooi_en_vechtstreek.geojson", gemeente="hilversum")
    assert set(table["gemeentecode"]) == {"GM0402"}
    assert len(table) > 10


# --- synthetic files ------------------------------------------------------------------

GEMEENTEN = {"GM0344": "Utrecht", "GM0363": "Amsterdam"}


def _square(x: float, y: float, size: float = 1000.0) -> shapely.Polygon:
    return shapely.box(x, y, x + size, y + size)


def _buurten_2024() -> gpd.GeoDataFrame:
    """A tiny 2024-style buurten layer in RD New: 2 gemeenten, water rows, sentinels."""
    rows = []
    for g, (gm, name) in enumerate(GEMEENTEN.items()):
        for w in range(2):
            for b in range(2):
                code = f"BU{gm[2:]}{w:02d}{b:02d}"
                x0 = 130000 + g * 10000 + w * 2000 + b * 1000
                rows.append(
                    {
                        "buurtcode": code,
                        "buurtnaam": f"Buurt {w}{b}",
                        "wijkcode": f"WK{gm[2:]}{w:02d}",
                        "gemeentecode": gm,
                        "gemeentenaam": name,
                        "water": "NEE",
                        "aantal_inwoners": 1000 + 100 * b,
                        "aantal_huishoudens": 500,
                        "percentage_personen_0_tot_15_jaar": 15,
                        "percentage_personen_65_jaar_en_ouder": -99997 if b else 20,
                        "percentage_eenpersoonshuishoudens": 40,
                        "percentage_huishoudens_zonder_kinderen": 30,
                        "percentage_huishoudens_met_kinderen": 30,
                        "stedelijkheid_adressen_per_km2": 2,
                        "percentage_koopwoningen": -99999999 if w else 55,
                        "gemiddelde_woningwaarde": 350,
                        "geometry": _square(x0, 455000),
                    }
                )
    water = dict(rows[0], buurtcode="BU03440199", water="JA", geometry=_square(130000, 470000))
    fictitious = dict(rows[0], buurtcode="BU03449997", geometry=_square(131000, 470000))
    return gpd.GeoDataFrame([*rows, water, fictitious], crs="EPSG:28992")


def _levels_2024() -> dict[str, gpd.GeoDataFrame]:
    buurten = _buurten_2024()
    land = buurten[buurten["water"] == "NEE"]
    wijken = land.dissolve("wijkcode", as_index=False, aggfunc="first").drop(
        columns=["buurtcode", "buurtnaam"]
    )
    gemeenten = land.dissolve("gemeentecode", as_index=False, aggfunc="first").drop(
        columns=["buurtcode", "buurtnaam", "wijkcode"]
    )
    water_rows = gemeenten.assign(water="JA", geometry=gemeenten.geometry.translate(0, 20000))
    gemeenten = pd.concat([gemeenten, water_rows], ignore_index=True)
    return {"gemeenten": gemeenten, "wijken": wijken, "buurten": buurten}


def _write_gpkg(path: Path, layer_names: dict[str, str] | None = None) -> Path:
    names = layer_names or {}
    for layer, frame in _levels_2024().items():
        pyogrio.write_dataframe(frame, path, layer=names.get(layer, layer))
    return path


@pytest.fixture
def gpkg(tmp_path: Path) -> Path:
    return _write_gpkg(tmp_path / "wijkenbuurten_2024_v1.gpkg")


def test_gpkg_default_is_most_detailed_layer(gpkg):
    table = read_areas(gpkg)
    assert_canonical(table, "buurt")
    assert len(table) == 8  # water and fictitious 9997 buurten left out
    assert table.attrs["generatie"] == SNAKE
    assert table.attrs["jaar"] == 2024
    first = table.set_index("code").loc["BU03440000"]
    assert first["aandeel_0_15"] == pytest.approx(0.15)
    assert first["aandeel_koop"] == pytest.approx(0.55)
    assert first["woz"] == 350
    hidden = table.set_index("code").loc["BU03440101"]
    assert np.isnan(hidden["aandeel_65_plus"]) and np.isnan(hidden["aandeel_koop"])
    assert np.isnan(table["inkomen_per_inwoner"]).all()


@pytest.mark.parametrize(("level", "n"), [("gemeente", 2), ("wijk", 4), ("buurt", 8)])
def test_gpkg_layer_by_level(gpkg, level, n):
    table = read_areas(gpkg, level=level)
    assert_canonical(table, level)
    assert len(table) == n
    if level == "gemeente":  # the land row, not the water row
        assert table.to_crs(28992).geometry.centroid.y.max() < 470000
        assert (table["gemeentecode"] == table["code"]).all()
    if level != "buurt":
        assert table["wijkcode"].isna().all()


@pytest.mark.parametrize(
    "names",
    [
        {"gemeenten": "gemeenten2025", "wijken": "wijken2025", "buurten": "buurten2025"},
        {
            "gemeenten": "cbs_gemeenten_2021",
            "wijken": "cbs_wijken_2021",
            "buurten": "cbs_buurten_2021",
        },
    ],
)
def test_year_suffixed_layer_names(tmp_path, names):
    path = _write_gpkg(tmp_path / "kaart.gpkg", names)
    table = read_areas(path, level="wijk")
    assert len(table) == 4
    assert table.attrs["jaar"] == int(names["wijken"][-4:])


def test_zipped_gpkg_as_cbs_ships_it(tmp_path, gpkg):
    archive = tmp_path / "WijkBuurtkaart_2024_v1.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(gpkg, f"WijkBuurtkaart_2024_v1/{gpkg.name}")
    table = read_areas(archive, level="gemeente")
    assert_canonical(table, "gemeente")
    assert set(table["naam"]) == set(GEMEENTEN.values())


def _upper_case_shapefile(folder: Path) -> Path:
    """A pre-2022 style buurt shapefile in cp1252 without .cpg, as old CBS downloads are."""
    frame = gpd.GeoDataFrame(
        {
            "BU_CODE": ["BU07960101", "BU19000201", "BU19000202"],
            "BU_NAAM": ["Binnenstad", "’t Hoekje", "Café-buurt"],
            "WK_CODE": ["WK079601", "WK190002", "WK190002"],
            "GM_CODE": ["GM0796", "GM1900", "GM1900"],
            "GM_NAAM": ["'s-Hertogenbosch", "Súdwest-Fryslân", "Súdwest-Fryslân"],
            "WATER": ["NEE", "NEE", "JA"],
            "AANT_INW": [5000, -99999999, 10],
            "P_00_14_JR": [12, 20, -99997],
            "P_HH_M_K": [25, -99995, 0],
            "STED": [1, 5, 5],
            "WOZ": [310, -99997, 0],
        },
        geometry=[_square(149000, 411000), _square(170000, 560000), _square(171000, 560000)],
        crs="EPSG:28992",
    )
    path = folder / "buurt_2019_v3.shp"
    pyogrio.write_dataframe(frame, path, encoding="cp1252")
    path.with_suffix(".cpg").unlink()
    return path


def test_cp1252_shapefile_upper_case(tmp_path):
    table = read_areas(_upper_case_shapefile(tmp_path))
    assert_canonical(table, "buurt")
    assert table.attrs["generatie"] == UPPER
    assert table.attrs["jaar"] == 2019
    by_code = table.set_index("code")
    assert by_code.loc["BU07960101", "gemeentenaam"] == "'s-Hertogenbosch"
    assert by_code.loc["BU19000201", "naam"] == "’t Hoekje"
    assert by_code.loc["BU19000201", "gemeentenaam"] == "Súdwest-Fryslân"
    assert "BU19000202" not in by_code.index  # WATER == "JA"
    assert np.isnan(by_code.loc["BU19000201", "inwoners"])
    assert np.isnan(by_code.loc["BU19000201", "aandeel_met_kinderen"])
    assert by_code.loc["BU07960101", "aandeel_0_15"] == pytest.approx(0.12)


def test_zip_with_shapefiles_picks_level(tmp_path):
    shp = _upper_case_shapefile(tmp_path)
    archive = tmp_path / "buurt_2019.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in tmp_path.glob("buurt_2019_v3.*"):
            zf.write(part, part.name)
    assert len(read_areas(archive)) == 2
    with pytest.raises(AreaFileError, match="geen kolom met gemeentecodes"):
        read_areas(archive, level="gemeente")
    del shp


def test_gemeente_filter_reads_only_that_gemeente(gpkg, monkeypatch):
    calls = []
    original = pyogrio.read_dataframe

    def spy(*args, **kwargs):
        frame = original(*args, **kwargs)
        calls.append((kwargs, len(frame)))
        return frame

    monkeypatch.setattr(pyogrio, "read_dataframe", spy)
    table = read_areas(gpkg, gemeente="0363")
    assert set(table["gemeentecode"]) == {"GM0363"}
    geometry_reads = [(kw, n) for kw, n in calls if kw.get("read_geometry", True)]
    assert geometry_reads and all(kw.get("where") for kw, _ in geometry_reads)
    assert all(n == 4 for _, n in geometry_reads)  # 4 buurten of GM0363, nothing else


@pytest.mark.parametrize("gemeente", ["GM0344", "344", "utrecht", "UTRECHT"])
def test_gemeente_given_as_code_or_name(gpkg, gemeente):
    table = read_areas(gpkg, level="wijk", gemeente=gemeente)
    assert set(table["code"]) == {"WK034400", "WK034401"}


def test_unknown_gemeente_suggests_a_name(gpkg):
    with pytest.raises(AreaFileError, match=r"'Utrect' komt niet voor.*Utrecht"):
        read_areas(gpkg, gemeente="Utrect")
    with pytest.raises(AreaFileError, match="GM0999 komt niet voor"):
        read_areas(gpkg, gemeente="GM0999")


def test_rd_coordinates_without_crs_are_recognised(tmp_path):
    frame = _buurten_2024().set_crs(None, allow_override=True)
    path = tmp_path / "buurten.geojson"
    with pytest.warns(UserWarning, match="crs"):
        frame.to_file(path)
    table = read_areas(path)
    assert_canonical(table, "buurt")
    assert any("28992" in w for w in table.attrs["waarschuwingen"])


def test_invalid_ring_is_repaired_and_points_lose_their_geometry(tmp_path):
    bowtie = shapely.Polygon(
        [(130000, 455000), (131000, 456000), (131000, 455000), (130000, 456000)]
    )
    frame = _buurten_2024().iloc[:3].copy()
    frame["geometry"] = [bowtie, shapely.Point(130000, 455000), frame.geometry.iloc[2]]
    path = tmp_path / "buurten.gpkg"
    pyogrio.write_dataframe(frame, path, layer="buurten")
    table = read_areas(path)
    assert table.geometry.iloc[0].geom_type in ("Polygon", "MultiPolygon")
    assert table.geometry.iloc[0].is_valid and table.geometry.iloc[0].area > 0
    assert table.geometry.iloc[1] is None and table["inwoners"].iloc[1] == 1100
    assert (
        "1 buurt heeft geen bruikbare grens en staat niet op de kaart"
        in table.attrs["waarschuwingen"]
    )


def test_duplicated_codes_keep_the_largest_geometry():
    frame = _buurten_2024().iloc[:2].copy()
    clipped = frame.iloc[[0]].assign(geometry=_square(130000, 455000, 10))
    frame = pd.concat([clipped, frame], ignore_index=True)
    table = normalise_areas(frame, bron="test")
    assert len(table) == 2
    assert table.to_crs(28992).geometry.area.min() > 900_000


# --- errors ---------------------------------------------------------------------------


def test_non_cbs_file_names_what_is_missing(tmp_path):
    path = tmp_path / "bestand.geojson"
    gpd.GeoDataFrame({"naam": ["x"]}, geometry=[_square(0, 0)], crs=4326).to_file(path)
    with pytest.raises(AreaFileError, match=r"bestand\.geojson: geen kolom met gebiedscodes"):
        read_areas(path)
    with pytest.raises(AreaFileError, match="geen kolom met buurtcodes gevonden; verwacht BU_CODE"):
        read_areas(path, level="buurt")


def test_level_not_in_file(gpkg, tmp_path):
    gemeenten = tmp_path / "gemeenten.geojson"
    _levels_2024()["gemeenten"].to_file(gemeenten)
    with pytest.raises(AreaFileError, match=r"geen kolom met buurtcodes.*bevat gemeenten"):
        read_areas(gemeenten, level="buurt")
    with pytest.raises(AreaFileError, match="onbekend niveau 'straat'"):
        read_areas(gpkg, level="straat")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "het bestand is leeg"),
        (b"this is not a geopackage at all", "dit is geen leesbaar kaartbestand"),
    ],
)
def test_empty_and_corrupt_files(tmp_path, content, message):
    path = tmp_path / "kapot.gpkg"
    path.write_bytes(content)
    with pytest.raises(AreaFileError, match=rf"kapot\.gpkg: {message}") as info:
        read_areas(path)
    assert str(tmp_path) not in str(info.value)  # no temporary paths in what users see


def test_file_without_rows(tmp_path):
    path = tmp_path / "leeg.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(AreaFileError, match=r"leeg\.geojson: het bestand bevat geen gebieden"):
        read_areas(path)


def test_the_real_pc4_statistics_spreadsheet_reads_as_areas(real_cbs):
    areas = read_areas(real_cbs / "pc4-2022-v1-statistiek.csv")
    assert areas.attrs["niveau"] == "pc4" and len(areas) == 4053
    assert areas["code"].str.fullmatch(r"\d{4}").all()


def test_zip_without_geo_file(tmp_path):
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("lees_mij.txt", "geen kaart")
    with pytest.raises(
        AreaFileError, match=r"download\.zip: het zip-bestand bevat geen kaartbestand"
    ):
        read_areas(archive)


def test_missing_file():
    with pytest.raises(AreaFileError, match="bestand niet gevonden"):
        read_areas("bestaat-niet.gpkg")


def test_levels_in_rules_are_the_canonical_levels():
    assert set(LEVEL_RULES) == set(LEVELS)


def test_year_is_taken_from_the_folder_when_the_file_has_none(real_cbs):
    from citisens_core.geodata import read_areas

    areas = read_areas(real_cbs / "buurt-2015" / "gooi_en_vechtstreek.geojson")
    assert areas.attrs["jaar"] == 2015
