"""Doubt on the map: the unclear-winner class, paler low-confidence areas, the legend."""

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from atlas_ui.classify import FILL_ALPHA, PALE_ALPHA, UNCLEAR_HEX, UNCLEAR_LABEL
from atlas_ui.maps import colour_dominant, colour_profile, layer_of, legend_html, pack_geometry


def _estimates(scheme) -> pd.DataFrame:
    keys = list(scheme.keys)
    rows = []
    for code, first, clear, confidence in (("A", keys[1], True, "hoog"),
                                           ("B", keys[6], False, "hoog"),
                                           ("C", keys[1], True, "laag")):
        row = {"code": code, "naam": code, "heeft_schatting": True, "dominant_profiel": first,
               "tweede_profiel": keys[0], "dominant_duidelijk": clear,
               "betrouwbaarheid": confidence}
        for k in keys:
            share = 0.3 if k == first else 0.1
            row.update({k: share, f"{k}_laag": share - 0.05, f"{k}_hoog": share + 0.05})
        rows.append(row)
    return pd.DataFrame(rows)


def test_an_unclear_winner_gets_its_own_class_and_legend_line(scheme):
    colouring = colour_dominant(_estimates(scheme), scheme)
    assert colouring.colours[1] == UNCLEAR_HEX
    assert colouring.colours[0] == scheme.profielen[1].kleur
    unclear = [e for e in colouring.legend if e.label == UNCLEAR_LABEL]
    assert unclear and unclear[0].count == 1
    # the legend counts of profile colours leave the unclear area out
    honk = [e for e in colouring.legend if e.label == scheme.profielen[6].naam]
    assert not honk or honk[0].count == 0
    assert "niet duidelijk" in colouring.values_text[1]


def test_low_confidence_is_paler_in_every_colouring_and_the_legend_says_so(scheme):
    est = _estimates(scheme)
    for colouring in (colour_dominant(est, scheme),
                      colour_profile(est, scheme.keys[1], scheme)):
        assert colouring.alphas == [FILL_ALPHA, FILL_ALPHA, PALE_ALPHA]
        pale = [e for e in colouring.legend if e.pale]
        assert pale and pale[0].count == 1 and "betrouwbaarheid laag" in pale[0].label
        assert "betrouwbaarheid laag" in legend_html(colouring.title, colouring.legend)


def test_tooltips_carry_the_interval(scheme):
    est = _estimates(scheme)
    colouring = colour_dominant(est, scheme)
    assert colouring.values_text[0].endswith("30 % (25–35 %)")
    areas = gpd.GeoDataFrame({"code": list("ABC"), "naam": list("ABC"), "inwoners": [1.0] * 3},
                             geometry=[box(i, 0, i + 1, 1) for i in range(3)], crs=4326)
    layer = layer_of(pack_geometry(areas), est, colouring)
    assert layer.properties["a"].tolist() == [FILL_ALPHA, FILL_ALPHA, PALE_ALPHA]
    assert "niet duidelijk" in layer.properties["waarde_tekst"].iloc[1]
