"""Wijken and gemeenten built from buurten: checked against the wijken CBS itself published."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from citisens_core.geodata import normalise_areas, read_areas
from citisens_core.geodata.rollup import complete_levels, roll_up, urbanity_class


def buurten() -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {
            "buurtcode": ["BU03440101", "BU03440102", "BU03440201"],
            "gemeentecode": ["GM0344"] * 3,
            "gemeentenaam": ["Utrecht"] * 3,
            "aantal_inwoners": [1000, 3000, 500],
            "aantal_huishoudens": [500, 1000, -99997],
            "percentage_personen_0_tot_15_jaar": [10, 20, 30],
            "percentage_huurwoningen": [80, 40, 50],
            "omgevingsadressendichtheid": [3000, 1000, 200],
        },
        geometry=[box(5.10, 52.0, 5.11, 52.01), box(5.11, 52.0, 5.12, 52.01),
                  box(5.12, 52.0, 5.13, 52.01)],
        crs="EPSG:4326",
    )
    return normalise_areas(frame, bron="test", jaar=2024)


def test_counts_are_summed_and_shares_weighted() -> None:
    wijken = roll_up(buurten(), "wijk").set_index("code")
    assert list(wijken.index) == ["WK034401", "WK034402"]
    assert wijken.loc["WK034401", "inwoners"] == 4000
    # 0-15 weighted by inhabitants: (1000 * .10 + 3000 * .20) / 4000
    assert wijken.loc["WK034401", "aandeel_0_15"] == pytest.approx(0.175)
    # tenure weighted by households: (500 * .8 + 1000 * .4) / 1500
    assert wijken.loc["WK034401", "aandeel_huur"] == pytest.approx(0.8 * 1 / 3 + 0.4 * 2 / 3)
    # a secret household count leaves the household-weighted shares unknown, not zero
    assert np.isnan(wijken.loc["WK034402", "aandeel_huur"])
    assert np.isnan(wijken.loc["WK034402", "huishoudens"])
    assert wijken.loc["WK034401", "gemeentecode"] == "GM0344"
    assert wijken.loc["WK034401", "geometry"].area == pytest.approx(0.0002)


def test_gemeente_and_urbanity_class() -> None:
    gemeente = roll_up(buurten(), "gemeente").iloc[0]
    assert gemeente["code"] == "GM0344" and gemeente["naam"] == "Utrecht"
    assert gemeente["inwoners"] == 4500
    density = (1000 * 3000 + 3000 * 1000 + 500 * 200) / 4500
    assert gemeente["adressendichtheid"] == pytest.approx(density)
    assert gemeente["stedelijkheid"] == 3  # 1,356 addresses per km²: 1,000-1,500


@pytest.mark.parametrize(
    ("density", "klasse"), [(2500, 1), (2499, 2), (1500, 2), (1000, 3), (999, 4), (499, 5), (0, 5)]
)
def test_cbs_urbanity_boundaries(density: float, klasse: int) -> None:
    assert urbanity_class(pd.Series([float(density)])).iloc[0] == klasse


def test_only_missing_levels_are_added() -> None:
    table = buurten()
    levels = complete_levels({"buurt": table})
    assert set(levels) == {"buurt", "wijk", "gemeente"}
    assert levels["wijk"].attrs["samengesteld_uit"] == "buurt"
    own = roll_up(table, "wijk")
    assert complete_levels({"buurt": table, "wijk": own})["wijk"] is own


def test_real_2015_wijken_match_cbs(real_cbs) -> None:
    """Gooi en Vechtstreek: wijken rolled up from the buurten vs. the wijken CBS published."""
    buurt = read_areas(real_cbs / "buurt-2015" / "gooi_en_vechtstreek.geojson")
    published = read_areas(real_cbs / "wijk-2015-gooi-en-vechtstreek.geojson").set_index("code")
    rolled = roll_up(buurt, "wijk").set_index("code")
    common = rolled.index.intersection(published.index)
    assert len(common) >= 30
    # counts are rounded per area by CBS: sums agree within a few percent
    ratio = rolled.loc[common, "inwoners"] / published.loc[common, "inwoners"]
    assert ratio.between(0.97, 1.03).mean() > 0.9
    diff = (rolled.loc[common, "aandeel_65_plus"] - published.loc[common, "aandeel_65_plus"]).abs()
    assert diff.median() < 0.01
