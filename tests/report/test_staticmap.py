"""Static map images: real PNG and SVG files with title, legend, scale and credit."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import geopandas as gpd
import pytest
from PIL import Image
from shapely.geometry import box

from citisens_core.atlas import DEMO_ATTRIBUTION
from citisens_core.geodata.release import source_line
from citisens_core.report.context import gemeente_borders, label_points, read_water
from citisens_core.report.staticmap import MapSpec, nice_length, render_map, scale_label

from .test_report import DEMO


@pytest.fixture(scope="module")
def squares() -> gpd.GeoDataFrame:
    """Two gemeenten of two buurten each, about 1 km wide, near Utrecht."""
    cells = []
    for i in range(4):
        x = 5.10 + 0.015 * i
        cells.append({"code": f"BU0000000{i}", "naam": f"Buurt {'ABCD'[i]}",
                      "gemeentecode": "GM0001" if i < 2 else "GM0002",
                      "geometry": box(x, 52.08, x + 0.015, 52.09)})
    return gpd.GeoDataFrame(cells, crs="EPSG:4326")


def spec(squares, **kw) -> MapSpec:
    base = dict(areas=squares, colours={"BU00000000": "#1b9e77", "BU00000001": "#d95f02"},
                legend=[("#1b9e77", "Stadse Nomaden"), ("#d95f02", "Zorgzame Senioren"),
                        ("#7570b3", "Niet op de kaart")],
                legend_title="Meest voorkomend profiel", title="Twee gemeenten",
                credit=source_line(2024, None), highlight=("BU00000001",),
                doubt=frozenset({"BU00000000"}), borders=gemeente_borders(squares),
                labels=label_points(squares))
    return MapSpec(**{**base, **kw})


def svg_texts(data: bytes) -> str:
    root = ET.fromstring(data)
    return " ".join("".join(el.itertext()) for el in root.iter() if el.tag.endswith("text"))


def test_png_is_an_image_of_the_asked_size(squares):
    png = render_map(spec(squares), "png", size=(6.0, 4.0), dpi=100)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (600, 400)
    # the map is in colour: both profile colours are drawn
    colours = {c for _, c in image.convert("RGB").getcolors(600 * 400)}
    assert (0x1B, 0x9E, 0x77) in colours and (0xD9, 0x5F, 0x02) in colours


def test_svg_carries_title_legend_scale_north_and_credit_as_text(squares):
    text = svg_texts(render_map(spec(squares), "svg"))
    for expected in ("Twee gemeenten", "Meest voorkomend profiel", "Stadse Nomaden",
                     "© Kadaster / CBS, 2024", "N", "gemeentegrens", "gekozen gebied",
                     "onzeker", "Buurt B"):
        assert expected in text, expected
    assert "Niet op de kaart" not in text  # legend lists only colours on the map
    assert re.search(r"\d+ (m|km)", text)


def test_fictional_map_says_so(squares):
    text = svg_texts(render_map(spec(squares, credit=DEMO_ATTRIBUTION, fictional=True),
                                "svg"))
    assert "FICTIEF" in text and DEMO_ATTRIBUTION in text


def test_demo_water_is_read_from_the_file_itself():
    water = read_water(DEMO)
    assert water is not None and len(water) >= 1
    assert water.crs.to_epsg() == 4326
    assert read_water(DEMO.with_suffix(".missing")) is None


@pytest.mark.parametrize("span, length, label", [
    (9_000, 1_000, "1 km"), (2_600, 500, "500 m"), (40_000, 5_000, "5 km"),
    (1_200, 200, "200 m"), (14_000, 2_000, "2 km")])
def test_scale_bar_has_a_round_length(span, length, label):
    assert nice_length(span) == length
    assert scale_label(length) == label


def test_bad_format_is_refused(squares):
    with pytest.raises(ValueError, match="fmt must be 'png' or 'svg'"):
        render_map(spec(squares), "jpg")
