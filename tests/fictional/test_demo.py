"""The committed demo gemeente: schema, geometry, figures, truth, and reproducibility."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from citisens_core.demographics import DEMOGRAPHIC_COLUMNS, ID_COLUMNS
from citisens_core.fictional.demo import (
    DEMO_SEED,
    GEMEENTECODE,
    GPKG_NAME,
    PC4_CODES,
    TRUTH_NAME,
    generate_demo,
)
from citisens_core.fictional.population import SECRET

GEODATA = Path(__file__).resolve().parents[2] / "geodata"
GPKG = GEODATA / GPKG_NAME
TRUTH = GEODATA / TRUTH_NAME
AREA_LAYERS = ("gemeenten", "wijken", "buurten")
ALL_LAYERS = (*AREA_LAYERS, "pc4", "pc6", "postcode_buurt", "metadata")


def _read(path: Path, layer: str) -> pd.DataFrame:
    return pyogrio.read_dataframe(path, layer=layer)


@pytest.fixture(scope="module")
def layers() -> dict[str, pd.DataFrame]:
    assert GPKG.is_file(), f"{GPKG} is missing: run python scripts/make_demo.py"
    return {name: _read(GPKG, name) for name in ALL_LAYERS}


@pytest.fixture(scope="module")
def truth() -> pd.DataFrame:
    return pd.read_csv(TRUTH, dtype={"code": str})


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> dict[str, Path]:
    return generate_demo(tmp_path_factory.mktemp("demo"), seed=DEMO_SEED)


def test_has_the_cbs_layers_and_sizes(layers):
    listed = {name for name, _ in pyogrio.list_layers(GPKG)}
    assert set(ALL_LAYERS) <= listed
    assert 6 <= len(layers["wijken"]) <= 10
    assert 40 <= len(layers["buurten"]) <= 80
    assert 4 <= len(layers["pc4"]) <= 8
    assert len(layers["pc6"]) >= 300
    for name in (*AREA_LAYERS, "pc4", "pc6"):
        assert pyogrio.read_info(GPKG, layer=name)["crs"] == "EPSG:28992", name


def test_committed_files_are_small():
    assert GPKG.stat().st_size + TRUTH.stat().st_size < 5_000_000


def test_columns_follow_the_cbs_2024_schema(layers):
    buurten = layers["buurten"]
    expected = ["buurtcode", "buurtnaam", "wijkcode", "gemeentecode", "gemeentenaam",
                "indelingswijziging_wijken_en_buurten", "water", "meest_voorkomende_postcode",
                "dekkingspercentage", "omgevingsadressendichtheid",
                "stedelijkheid_adressen_per_km2", "bevolkingsdichtheid_inwoners_per_km2",
                "aantal_inwoners", "mannen", "vrouwen"]
    assert list(buurten.columns[:len(expected)]) == expected
    for col in ("percentage_personen_0_tot_15_jaar", "percentage_personen_65_jaar_en_ouder",
                "aantal_huishoudens", "percentage_eenpersoonshuishoudens",
                "percentage_huishoudens_zonder_kinderen", "percentage_huishoudens_met_kinderen",
                "gemiddelde_huishoudsgrootte", "percentage_koopwoningen",
                "percentage_huurwoningen", "perc_huurwoningen_in_bezit_woningcorporaties",
                "gemiddelde_woningwaarde", "gemiddeld_inkomen_per_inwoner",
                "percentage_huishoudens_met_laag_inkomen",
                "percentage_huishoudens_met_hoog_inkomen", "oppervlakte_land_in_ha",
                "jrstatcode", "jaar"):
        for level in AREA_LAYERS:
            assert col in layers[level], (level, col)
    assert {"wijkcode", "wijknaam"} <= set(layers["wijken"].columns)
    for pc in ("pc4", "pc6"):
        for col in ("postcode", "aantal_inwoners", "aantal_inwoners_0_tot_15_jaar",
                    "aantal_inwoners_65_jaar_en_ouder", "aantal_part_huishoudens",
                    "aantal_eenpersoonshuishoudens", "aantal_meerpersoonshuishoudens_zonder_kind",
                    "aantal_eenouderhuishoudens", "aantal_tweeouderhuishoudens",
                    "gemiddelde_huishoudensgrootte", "percentage_koopwoningen",
                    "percentage_huurwoningen", "stedelijkheid"):
            assert col in layers[pc], (pc, col)


def test_codes_names_and_water(layers):
    buurten, wijken = layers["buurten"], layers["wijken"]
    assert buurten["buurtcode"].str.fullmatch(r"BU9901\d{4}").all()
    assert (buurten["buurtcode"].str[2:8] == buurten["wijkcode"].str[2:]).all()
    assert set(buurten["wijkcode"]) == set(wijken["wijkcode"])
    assert buurten["buurtcode"].is_unique and buurten["buurtnaam"].is_unique
    assert (buurten["jrstatcode"] == "2024" + buurten["buurtcode"]).all()
    # a code no real gemeente can have: real ones are GM0003 … GM1999
    assert int(GEMEENTECODE[2:]) > 1999
    names = " ".join(buurten["buurtnaam"])
    assert "ï" in names and "'" in names
    assert (buurten["water"] == "JA").sum() == 1
    lake = buurten[buurten["water"] == "JA"].iloc[0]
    assert lake["aantal_inwoners"] == 0 and lake["oppervlakte_water_in_ha"] > 0
    assert set(layers["gemeenten"]["water"]) == {"NEE", "JA"}


def test_marked_as_fictional(layers):
    for name in (*AREA_LAYERS, "pc4", "pc6"):
        assert (layers[name]["fictief"] == "JA").all(), name
    for name in AREA_LAYERS:
        assert layers[name]["gemeentenaam"].str.contains("(fictief)", regex=False).all()
    meta = layers["metadata"].set_index("sleutel")["waarde"]
    assert meta["fictief"] == "JA" and meta["seed"] == str(DEMO_SEED)
    assert (GEODATA / "README.md").is_file()


def _overlap(frame: pd.DataFrame) -> tuple[float, float]:
    """Total pairwise overlap area and the largest single overlap, m²."""
    geoms = frame.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    areas = shapely.area(shapely.intersection(geoms[left[keep]], geoms[right[keep]]))
    return float(areas.sum()), float(areas.max(initial=0))


@pytest.mark.parametrize("name", ["gemeenten", "wijken", "buurten", "pc4", "pc6"])
def test_polygons_are_valid_and_do_not_overlap(layers, name):
    frame = layers[name]
    assert frame.geometry.is_valid.all()
    assert frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert (frame.geometry.area > 0).all()
    total, largest = _overlap(frame)
    # only rounding noise of the 1 mm coordinate grid along kilometre-long edges
    assert largest < 1.0 and total < 1e-6 * frame.geometry.area.sum()


@pytest.mark.parametrize("name", ["wijken", "buurten", "pc4"])
def test_layers_cover_the_gemeente(layers, name):
    gemeente = shapely.union_all(layers["gemeenten"].geometry.to_numpy())
    cover = shapely.union_all(layers[name].geometry.to_numpy())
    assert cover.symmetric_difference(gemeente).area < 1e-6 * gemeente.area


def test_pc6_tile_the_land_buurten(layers):
    land = layers["buurten"][layers["buurten"]["water"] == "NEE"]
    land_area = shapely.union_all(land.geometry.to_numpy())
    pc6 = shapely.union_all(layers["pc6"].geometry.to_numpy())
    assert pc6.symmetric_difference(land_area).area < 1e-6 * land_area.area


def test_buurten_have_plausible_shapes(layers):
    """Not a grid: areas vary a lot, from compact town buurten to wide countryside."""
    land = layers["buurten"][layers["buurten"]["water"] == "NEE"]
    area_ha = land.geometry.area / 1e4
    assert area_ha.min() < 30 and area_ha.max() > 250
    vertices = shapely.get_num_coordinates(land.geometry.to_numpy())
    assert len(set(vertices)) > 5
    town = land[land["stedelijkheid_adressen_per_km2"].isin([1, 2, 3])]
    country = land[land["stedelijkheid_adressen_per_km2"] == 5]
    assert town.geometry.area.median() < country.geometry.area.median() / 3


def test_inhabitants_are_plausible_and_consistent(layers):
    buurten, wijken, gemeenten = layers["buurten"], layers["wijken"], layers["gemeenten"]
    land = gemeenten[gemeenten["water"] == "NEE"].iloc[0]
    assert 20_000 <= land["aantal_inwoners"] <= 80_000
    assert 1.8 <= land["gemiddelde_huishoudsgrootte"] <= 2.6
    assert land["aantal_inwoners"] % 5 == 0
    # randomly rounded counts add up within the rounding of each part
    per_wijk = buurten.groupby("wijkcode")["aantal_inwoners"].sum()
    n_buurten = buurten.groupby("wijkcode").size()
    diff = (wijken.set_index("wijkcode")["aantal_inwoners"] - per_wijk).abs()
    assert (diff <= 5 * (n_buurten + 1)).all()
    assert abs(wijken["aantal_inwoners"].sum() - land["aantal_inwoners"]) <= 5 * (len(wijken) + 1)
    assert set(buurten["stedelijkheid_adressen_per_km2"]) >= {2, 3, 4, 5}


def test_small_buurten_are_secret_like_cbs(layers):
    buurten = layers["buurten"]
    small = buurten[(buurten["water"] == "NEE") & (buurten["aantal_inwoners"] < 45)]
    assert len(small) >= 2, "the demo must exercise small-area secrecy"
    for col in ("percentage_personen_0_tot_15_jaar", "percentage_eenpersoonshuishoudens",
                "percentage_koopwoningen", "gemiddelde_huishoudsgrootte"):
        assert (small[col] == SECRET).all(), col
    big = buurten[buurten["aantal_inwoners"] >= 100]
    assert (big["percentage_koopwoningen"].between(0, 100)).all()


def test_postcodes_and_crosswalk(layers):
    pc4, pc6, cross = layers["pc4"], layers["pc6"], layers["postcode_buurt"]
    assert set(pc4["postcode"]) <= set(PC4_CODES)
    assert pc6["postcode"].str.fullmatch(r"\d{4}[A-Z]{2}").all()
    assert pc6["postcode"].str[:4].isin(pc4["postcode"]).all()
    assert not pc6["postcode"].str[4:].isin(["SA", "SD", "SS"]).any()
    households = pc6["aantal_part_huishoudens"]
    assert households.between(5, 40).mean() > 0.9
    assert list(cross.columns) == ["PC6", "Huisnummer", "Buurt2024", "Wijk2024", "Gemeente2024"]
    assert set(cross["PC6"]) == set(pc6["postcode"])
    assert set(cross["Buurt2024"]) <= set(layers["buurten"]["buurtcode"].str[2:])
    assert (cross["Gemeente2024"] == GEMEENTECODE[2:]).all()
    assert not cross.duplicated(["PC6", "Huisnummer"]).any()
    # each PC6 lies in one buurt; a PC4 may cross buurt borders, as real ones do
    assert (cross.groupby("PC6")["Buurt2024"].nunique() == 1).all()
    assert (cross.assign(pc4=cross["PC6"].str[:4]).groupby("pc4")["Buurt2024"].nunique()
            > 1).any()
    # the PC6 statistics count the crosswalk's addresses
    n = cross.groupby("PC6").size()
    diff = (pc6.set_index("postcode")["aantal_woningen"] - n.reindex(pc6["postcode"]).to_numpy())
    assert (diff.abs() < 5).all()


def test_truth_table(layers, truth):
    profiles = [c for c in truth.columns if c not in ("code", "niveau", "huishoudens")]
    assert len(profiles) == 8
    assert set(truth["niveau"]) == {"buurt", "wijk", "gemeente", "pc4"}
    np.testing.assert_allclose(truth[profiles].sum(axis=1), 1.0, atol=1e-5)
    buurt = truth[truth["niveau"] == "buurt"].set_index("code")
    land = layers["buurten"][layers["buurten"]["water"] == "NEE"].set_index("buurtcode")
    assert set(buurt.index) == set(land.index)
    assert ((buurt["huishoudens"] - land["aantal_huishoudens"]).abs() < 5).all()
    gemeente = truth[truth["niveau"] == "gemeente"].iloc[0]
    combined = (buurt[profiles].mul(buurt["huishoudens"], axis=0).sum()
                / buurt["huishoudens"].sum())
    np.testing.assert_allclose(combined, gemeente[profiles].astype(float), atol=1e-5)
    assert set(truth.loc[truth["niveau"] == "pc4", "code"]) == set(layers["pc4"]["postcode"])
    # buurten differ: the largest share of some profile is far from its smallest
    assert (buurt[profiles].max() - buurt[profiles].min()).max() > 0.25


def test_regenerating_with_the_seed_gives_identical_tables(layers, truth, regenerated):
    for name in ALL_LAYERS:
        again = _read(regenerated["gpkg"], name)
        committed = layers[name]
        if isinstance(committed, gpd.GeoDataFrame):
            assert shapely.equals_exact(committed.geometry.to_numpy(), again.geometry.to_numpy(),
                                        tolerance=1e-6).all(), name
            committed, again = committed.drop(columns="geometry"), again.drop(columns="geometry")
        pd.testing.assert_frame_equal(pd.DataFrame(committed), pd.DataFrame(again), obj=name)
    again = pd.read_csv(regenerated["waarheid"], dtype={"code": str})
    pd.testing.assert_frame_equal(truth, again)
    assert not list(regenerated["gpkg"].parent.glob("*.partial*"))


def test_read_areas_gives_the_canonical_table():
    try:
        from citisens_core.geodata import read_areas
    except ImportError as exc:
        pytest.skip(f"citisens_core.geodata.read_areas not available yet: {exc}")
    areas = read_areas(GPKG, level="buurt")
    buurten = _read(GPKG, "buurten")
    assert set(ID_COLUMNS) | set(DEMOGRAPHIC_COLUMNS) <= set(areas.columns)
    # the lake (water = JA) is left out of the population table
    assert sorted(areas["code"]) == sorted(buurten.loc[buurten["water"] == "NEE", "buurtcode"])
    assert (areas["niveau"] == "buurt").all()
    shares = areas["aandeel_koop"].dropna()
    assert shares.between(0, 1).all() and len(shares) < len(areas)  # small buurten hidden
    assert re.search("ï", " ".join(areas["naam"]))
