"""Every page under Streamlit's AppTest, plus the pure helpers behind the map and analysis.

The default model is fitted once per session (``warm_model`` in conftest) and
cached on disk by the core, so each AppTest run only reads and estimates the
small demo gemeente.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from atlas_ui.classify import NO_DATA_HEX, class_breaks, classify
from atlas_ui.compare import notable_differences
from atlas_ui.data import DEMO_PATH, load_file
from atlas_ui.layout import SELECTED_KEY
from atlas_ui.maps import LAYER_ID, TOOLTIP_HTML, colour_dominant, colour_profile, fit_view
from atlas_ui.report import analysis_markdown
from atlas_ui.search import normalise_postcode, search_areas
from atlas_ui.state import AREA_PREFIX, area_key, session_key
from citisens_core.geodata import read_areas
from citisens_core.scheme import load_scheme

from .conftest import REPO
from .mapdata import map_elements

TIMEOUT = 90
PAGES = ["pages/kaart.py", "pages/gebiedsanalyse.py", "pages/vergelijken.py",
         "pages/strategie.py", "pages/profielen.py", "pages/gegevens.py"]


@pytest.fixture(scope="module")
def demo_buurten():
    return read_areas(DEMO_PATH, level="buurt")


@pytest.fixture(scope="module")
def demo(warm_model):
    return load_file(DEMO_PATH, DEMO_PATH.name, key="demo-test")


def new_app() -> AppTest:
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def kaart(at: AppTest) -> dict:
    """The Kaart page's map as the browser receives it."""
    return map_elements(at)[0]


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [t.value for t in at.title] + [h.value for h in at.header]
    parts += [s.value for s in at.subheader]
    return "\n".join(parts)


def click(at: AppTest, code: str) -> AppTest:
    """A click on an area selects it (the map's callback; the browser test clicks for real)."""
    at.session_state[SELECTED_KEY] = code
    at.run()
    assert not at.exception, at.exception
    return at


# --- the map page ------------------------------------------------------------------------

def test_opens_on_the_demo_buurt_map_without_clicks(demo_buurten):
    at = new_app()
    assert "fictieve demogemeente" in at.title[0].value
    spec = kaart(at)
    assert set(spec["gebieden"]["code"]) == set(demo_buurten["code"])
    assert spec["laag"] == LAYER_ID
    # no basemap (works offline): deck.gl from this server, no tiles from anywhere
    assert spec["deck_url"].startswith("./app/static/")
    assert "Fictieve demogemeente — gegenereerde gegevens" in texts(at)
    assert "nooit een label voor een persoon" in texts(at)
    assert not at.error


def test_map_colours_match_the_legend():
    at = new_app()
    areas = kaart(at)["gebieden"]
    fills = set(zip(areas["r"], areas["g"], areas["b"], strict=True))
    legend = next(m.value for m in at.markdown if "Legenda" in m.value)
    for rgb in fills:
        assert "#{:02x}{:02x}{:02x}".format(*rgb) in legend.lower()


def test_click_on_a_buurt_shows_its_panel(demo_buurten):
    row = demo_buurten.iloc[5]
    at = click(new_app(), row["code"])
    assert row["naam"] in [h.value for h in at.header]
    body = texts(at)
    assert "Betrouwbaarheid" in body and "Bronnen" in body and "90 %-interval" in body
    # the selection survives a rerun caused by another widget
    at.selectbox(key=area_key("mode")).set_value("Aandeel van één profiel").run()
    assert row["naam"] in [h.value for h in at.header]
    assert kaart(at)["selectie"] == [row["code"]]


def test_a_selection_never_outlives_its_level(demo_buurten):
    row = demo_buurten.iloc[5]
    at = click(new_app(), row["code"])
    assert row["naam"] in [h.value for h in at.header]
    at.radio(key=area_key("level")).set_value("wijk").run()
    assert not at.exception
    assert row["naam"] not in [h.value for h in at.header]
    assert at.session_state[area_key("selected")] is None
    assert "Klik op een gebied op de kaart" in texts(at)


def test_loading_another_data_set_resets_every_pages_area_state():
    def script():
        import streamlit as st

        from atlas_ui.data import set_dataset
        from atlas_ui.layout import set_kept
        from atlas_ui.state import area_key, session_key

        if st.button("laad", key="laad"):
            set_dataset(None)
        else:
            st.session_state[area_key("st_codes")] = ["BU99010101"]
            st.session_state[area_key("views")] = {"x": 1}
            st.session_state[session_key("notes")] = {"BU99010101": "eigen kennis"}
            set_kept(area_key("cmp_codes"), ["BU99010102"])

    at = AppTest.from_function(script, default_timeout=TIMEOUT)
    at.run()
    at.button(key="laad").click().run()
    assert not at.exception
    assert area_key("st_codes") not in at.session_state
    assert area_key("views") not in at.session_state
    kept = at.session_state[session_key("kept")]
    assert not any(k.startswith(AREA_PREFIX) for k in kept)
    # what the user wrote is not area state of one file: it stays
    assert at.session_state[session_key("notes")] == {"BU99010101": "eigen kennis"}


def test_panel_button_opens_the_area_analysis(demo_buurten):
    row = demo_buurten.iloc[2]
    at = click(new_app(), row["code"])
    at.button(key=area_key("open_analysis")).click().run()
    assert not at.exception
    assert at.header[0].value == row["naam"]
    body = texts(at)
    assert "Vier kenmerken" in body and "Eigen gebiedskennis" in body
    assert "Profielen die hier tellen" in body


def test_search_by_name_selects_and_zooms(demo_buurten):
    row = demo_buurten.iloc[10]
    at = new_app()
    before = kaart(at)["view"]
    at.text_input(key=area_key("search")).set_value(row["naam"]).run()
    if area_key("search_pick") in at.session_state:  # several names matched: pick ours
        at.selectbox(key=area_key("search_pick")).set_value(row["code"]).run()
    assert row["naam"] in [h.value for h in at.header]
    after = kaart(at)["view"]
    assert after["zoom"] > before["zoom"]


def map_messages(at: AppTest) -> dict[str, bytes]:
    """The map's two elements as serialised for the browser: "geometrie" and "kaart"."""
    return {json.loads(e.proto.mixed.json or e.proto.json)["rol"]: e.proto.SerializeToString()
            for e in at.get("bidi_component") if e.proto.component_name == "citisens_kaart"}


def test_map_payload_is_compact_and_geometry_travels_once():
    at = new_app()
    first = map_messages(at)
    # the demo's 64 buurten: polygons once (float32 Arrow), colours and texts apart
    assert len(first["geometrie"]) < 30_000
    # of which kaart.js itself, which every map element carries, is about 11 KB
    assert len(first["kaart"]) < 20_000

    at.selectbox(key=area_key("mode")).set_value("CBS-cijfer").run()

    second = map_messages(at)
    # unchanged bytes: Streamlit's message cache sends the browser only their hash
    assert second["geometrie"] == first["geometrie"]
    assert second["context"] == first["context"]  # water, borders, names: once too
    assert second["kaart"] != first["kaart"] and len(second["kaart"]) < 20_000


@pytest.mark.parametrize("mode", ["Aandeel van één profiel", "CBS-cijfer"])
def test_colour_modes_draw_classes(mode):
    at = new_app()
    at.selectbox(key=area_key("mode")).set_value(mode).run()
    assert not at.exception and not at.error
    legend = next(m.value for m in at.markdown if "Legenda" in m.value)
    assert legend.count("–") >= 2  # class ranges "a – b"


@pytest.mark.parametrize("level", ["wijk", "gemeente", "pc4"])
def test_level_switch(level, demo):
    at = new_app()
    at.radio(key=area_key("level")).set_value(level).run()
    assert not at.exception and not at.error
    assert len(kaart(at)["gebieden"]) == len(demo.levels[level])


# --- the other pages ---------------------------------------------------------------------

@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_without_errors(page):
    at = new_app()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title


def test_compare_highlights_clear_differences(demo):
    at = new_app()
    at.switch_page("pages/vergelijken.py").run()
    est = demo.estimates("buurt", __import__("citisens_core.model").model.default_model())
    kvb = est.sort_values("kritische_vernieuwers")["code"]
    at.multiselect(key=area_key("cmp_codes")).set_value([kvb.iloc[0], kvb.iloc[-1]]).run()
    assert not at.exception and not at.error
    assert "Verschillen die ertoe doen" in texts(at)
    assert at.dataframe, "comparison table missing"


def test_profiles_page_marks_assumptions():
    at = new_app()
    at.switch_page("pages/profielen.py").run()
    body = texts(at)
    for profile in load_scheme().profielen:
        assert profile.naam in body
    assert body.count("**aanname**") == sum(p.is_assumption for p in load_scheme().profielen)


def test_bad_upload_shows_dutch_error_and_keeps_previous_data():
    at = new_app()
    at.switch_page("pages/gegevens.py").run()
    at.file_uploader(key=session_key("upload")).set_value(
        ("kapot.geojson", b'{"type": "FeatureCollection", "features": [', "application/json"))
    at.run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert errors and "kapot.geojson" in errors[0] and "vorige gegevens" in errors[0]
    at.switch_page("pages/kaart.py").run()
    assert "fictieve demogemeente" in at.title[0].value


def test_empty_upload_is_refused():
    at = new_app()
    at.switch_page("pages/gegevens.py").run()
    at.file_uploader(key=session_key("upload")).set_value(("leeg.gpkg", b"", "application/octet-stream"))
    at.run()
    assert any("leeg.gpkg" in e.value and "leeg" in e.value for e in at.error)


def test_real_cbs_upload_shows_its_map(real_cbs):
    path = real_cbs / "buurt-2015" / "gooi_en_vechtstreek.geojson"
    at = new_app()
    at.switch_page("pages/gegevens.py").run()
    at.file_uploader(key=session_key("upload")).set_value((path.name, path.read_bytes(),
                                                    "application/geo+json"))
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    at.switch_page("pages/kaart.py").run()
    assert r"gooi\_en\_vechtstreek.geojson" in at.title[0].value  # file name shown as text
    assert "© Kadaster / CBS" in texts(at)
    assert kaart(at)["gebieden"]["naam"].nunique() > 100


def test_first_release_with_few_figures_is_mapped_and_flagged(tmp_path):
    import geopandas as gpd

    from atlas_ui.classify import NO_DATA_HEX

    path = tmp_path / "wijkenbuurten_2024_v1.gpkg"
    for layer in ("gemeenten", "wijken", "buurten"):
        frame = gpd.read_file(DEMO_PATH, layer=layer)
        figures = [c for c in frame.select_dtypes("number").columns if c != "aantal_inwoners"]
        frame[figures] = -99995
        frame.to_file(path, layer=layer)
    at = new_app()
    at.switch_page("pages/gegevens.py").run()
    at.file_uploader(key=session_key("upload")).set_value((path.name, path.read_bytes(),
                                                    "application/geopackage+sqlite3"))
    at.run()
    at.switch_page("pages/kaart.py").run()
    assert not at.exception
    assert any("voorlopige CBS-uitgave" in w.value for w in at.warning)
    areas = kaart(at)["gebieden"]
    colours = {"#{:02x}{:02x}{:02x}".format(*rgb)
               for rgb in zip(areas["r"], areas["g"], areas["b"], strict=True)}
    assert colours != {NO_DATA_HEX.lower()}, "estimates without own figures must still show"


# --- helpers behind the pages --------------------------------------------------------------

def test_class_breaks_cover_all_values_and_skip_nan():
    values = np.array([0.1, 0.2, 0.2, 0.3, 0.5, 0.9, np.nan])
    edges = class_breaks(values, 4)
    classes = classify(values, edges)
    assert edges[0] == 0.1 and edges[-1] == 0.9
    assert classes[-1] == -1 and (classes[:-1] >= 0).all()
    assert (np.diff(classes[:-1]) >= 0).all()
    assert class_breaks(np.array([np.nan])).size == 0
    assert (classify(np.array([0.4, 0.4]), class_breaks(np.array([0.4, 0.4]))) == 0).all()


def test_areas_without_households_are_no_data(demo):
    from citisens_core.model import default_model

    est = demo.estimates("buurt", default_model()).copy()
    est.loc[est.index[0], "heeft_schatting"] = False  # as estimate_areas marks 0 households
    colouring = colour_dominant(est, load_scheme())
    assert colouring.colours[0] == NO_DATA_HEX
    assert colouring.legend[-1].no_data and colouring.legend[-1].label == "geen gegevens"
    sequential = colour_profile(est, "zorgzame_senioren", load_scheme())
    assert sequential.colours[0] == NO_DATA_HEX
    assert set(sequential.colours) <= {e.colour for e in sequential.legend}


def test_tooltip_template_holds_no_data_text():
    # Streamlit HTML-escapes every substituted {field}; the template itself is static.
    assert "{naam}" in TOOLTIP_HTML and "&" not in TOOLTIP_HTML


def test_fit_view_zooms_in_on_small_areas():
    town = fit_view((5.0, 52.0, 5.2, 52.1))
    street = fit_view((5.10, 52.05, 5.101, 52.0505))
    assert street["zoom"] > town["zoom"]
    assert 5.0 < town["longitude"] < 5.2


def test_search_by_code_name_and_postcode(demo):
    buurt = demo.levels["buurt"].iloc[3]
    assert search_areas(demo, "buurt", buurt["code"].lower())[0] == [buurt["code"]]
    assert buurt["code"] in search_areas(demo, "buurt", buurt["naam"][:4])[0]
    pc6 = demo.levels["pc6"].iloc[0]["code"]
    assert normalise_postcode(f"{pc6[:4]} {pc6[4:].lower()}") == pc6
    found, note = search_areas(demo, "buurt", f"{pc6[:4]} {pc6[4:]}")
    assert len(found) == 1 and note is None
    point = demo.levels["pc6"].iloc[0].geometry.representative_point()
    buurten = demo.levels["buurt"]
    assert buurten[buurten["code"] == found[0]].geometry.iloc[0].intersects(point)
    assert search_areas(demo, "buurt", "0000 ZZ")[1].startswith("Postcode")


def test_selection_mix_weights_by_households_and_keeps_interval(demo):
    from citisens_core.model import default_model

    model = default_model()
    keys = list(model.profile_keys)
    est = demo.estimates("buurt", model)
    codes = list(est["code"].iloc[:3])
    mix = demo.selection(codes, model).mix
    assert mix["aandeel"].sum() == pytest.approx(1.0)
    assert (mix["laag"] <= mix["aandeel"]).all() and (mix["aandeel"] <= mix["hoog"]).all()
    big = est.iloc[:3]["huishoudens"].idxmax()
    key = keys[0]
    assert min(est.loc[est.index[:3], key]) <= mix.loc[key, "aandeel"] <= \
        max(est.loc[est.index[:3], key])
    assert big in est.index


def test_notable_differences_need_separate_intervals():
    keys = ["a", "b"]
    rows = pd.DataFrame({
        "code": ["X", "Y"],
        "a": [0.30, 0.20], "a_laag": [0.27, 0.17], "a_hoog": [0.33, 0.23],  # clear
        "b": [0.30, 0.24], "b_laag": [0.20, 0.15], "b_hoog": [0.40, 0.33],  # overlapping
    })
    diffs = notable_differences(rows, keys, {"a": "A", "b": "B"}, {"X": "Noord", "Y": "Zuid"})
    assert list(diffs["key"]) == ["a"]
    assert diffs.iloc[0]["hoger"] == "X" and "Noord 30 % tegen Zuid 20 %" in diffs.iloc[0]["tekst"]


def test_analysis_markdown_includes_own_notes():
    scheme = load_scheme()
    keys = list(scheme.keys)
    mix = pd.DataFrame({"aandeel": np.full(8, 0.125), "laag": 0.1, "hoog": 0.15}, index=keys)
    text = analysis_markdown("Marktkwartier", mix, {"Nederland": pd.Series(scheme.shares,
                                                                              index=keys)},
                             scheme, confidence="hoog", sources="eigen cijfers",
                             completeness=1.0, notes="Actieve bewonersgroep <script>",
                             attribution="Fictieve demogemeente — gegenereerde gegevens")
    assert "Actieve bewonersgroep" in text and "Marktkwartier" in text
    assert "nooit een label voor een persoon" in text
    assert "<script>" not in text and r"\<script\>" in text  # shown as text, never run


def test_pdok_failure_shows_dutch_error_and_keeps_data(monkeypatch):
    import citisens_core.geodata.pdok as pdok

    def offline(*args, **kwargs):
        raise pdok.DownloadError("geen verbinding met api.pdok.nl; controleer de internetverbinding")

    monkeypatch.setattr(pdok, "download_gemeenten", offline)
    at = new_app()
    at.switch_page("pages/gegevens.py").run()
    form_input = next(t for t in at.text_input if t.label.startswith("Gemeentecode"))
    form_input.set_value("GM0344")
    next(b for b in at.button if b.label == "Ophalen bij PDOK").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert errors and "PDOK" in errors[0] and "vorige gegevens" in errors[0]
    assert "fictieve demogemeente" in texts(at)


def test_bad_survey_lists_its_problems():
    at = new_app()
    at.switch_page("pages/gegevens.py").run()
    at.file_uploader(key=session_key("survey")).set_value(
        ("enquete.csv", b"respondent;leeftijd\n1;honderd\n", "text/csv"))
    at.run()
    assert not at.exception
    assert any("enquete.csv" in e.value for e in at.error)
    assert any(m.value.startswith("- ") for m in at.markdown), "problems are not listed"


def test_estimate_downloads_are_readable(demo, tmp_path):
    import geopandas as gpd

    from citisens_core.export import estimates_csv, estimates_geopackage
    from citisens_core.model import default_model

    est = demo.estimates("buurt", default_model())
    csv = estimates_csv(est).decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("code;naam;niveau")
    assert len(csv.splitlines()) == len(est) + 1
    path = tmp_path / "export.gpkg"
    path.write_bytes(estimates_geopackage(demo.levels["buurt"], est, "schattingen_buurt"))
    back = gpd.read_file(path)
    assert len(back) == len(est)
    assert {"dominant_profiel", "betrouwbaarheid", "kritische_vernieuwers_laag"} <= set(back.columns)


def test_valid_survey_refits_the_model_for_this_session():
    from citisens_core.fictional.survey import generate_survey

    csv = generate_survey(600, seed=5).to_csv(index=False).encode()
    at = new_app()
    at.switch_page("pages/gegevens.py").run()
    at.file_uploader(key=session_key("survey")).set_value(("eigen.csv", csv, "text/csv"))
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("eigen.csv" in m.value for m in at.success)
    assert "Het model is nu gemaakt op: **eigen enquête eigen.csv** (600 respondenten)" in texts(at)
    at.switch_page("pages/kaart.py").run()  # the map is estimated with the new model
    assert not at.exception and not at.error


def test_k_selection_chart_on_request():
    at = new_app()
    at.switch_page("pages/gegevens.py").run()
    next(b for b in at.button if b.label.startswith("Bereken de k-keuze")).click().run()
    assert not at.exception and not at.error
    assert any("Aanbevolen aantal profielen" in m.value for m in at.markdown)
    assert any("Modelkaart" in e.label for e in at.expander) or \
        any("modelkaart" in c.value for c in at.caption)


def test_notes_survive_page_switches_and_multi_selection_works(demo):
    codes = list(demo.levels["buurt"]["code"].iloc[:3])
    at = new_app()
    at.switch_page("pages/gebiedsanalyse.py").run()
    at.multiselect(key=area_key("an_codes")).set_value(codes).run()
    assert not at.exception and not at.error
    assert at.header[0].value == "Selectie van 3 buurten"
    at.text_area[0].input("Hier loopt een buurtinitiatief voor groen.").run()
    at.switch_page("pages/profielen.py").run()
    at.switch_page("pages/gebiedsanalyse.py").run()
    assert at.multiselect(key=area_key("an_codes")).value == codes
    assert at.text_area[0].value == "Hier loopt een buurtinitiatief voor groen."
    notes = at.session_state[session_key("notes")]
    assert "Hier loopt een buurtinitiatief voor groen." in notes.values()


def test_upload_limits_and_zipped_files(monkeypatch, tmp_path):
    import zipfile

    import atlas_ui.data as data

    monkeypatch.setattr(data, "MAX_UPLOAD_BYTES", 1000)
    with pytest.raises(data.UploadError, match=r"groot\.gpkg: het bestand is .* de grens"):
        data.load_upload("groot.gpkg", b"x" * 2000)
    monkeypatch.undo()
    with pytest.raises(data.UploadError, match=r"notities\.geojson"):
        data.load_upload("notities.geojson", b'{"type": "FeatureCollection", "features": []}')
    archive = tmp_path / "wijkenbuurten.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(DEMO_PATH, "wijkenbuurten_2024.gpkg")
    dataset = data.load_upload(archive.name, archive.read_bytes())
    assert {"gemeente", "wijk", "buurt"} <= set(dataset.levels)
    assert not dataset.fictief and dataset.attribution.startswith("© Kadaster / CBS")


def test_unexpected_errors_show_a_dutch_message_not_a_traceback(monkeypatch):
    import atlas_ui.data as data

    def broken(self, level, model):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(data.AreaSet, "estimates", broken)
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    assert any("Er ging iets mis" in e.value for e in at.error)
    assert "simulated bug" not in "\n".join(e.value for e in at.error)
    at.switch_page("pages/profielen.py").run()  # the rest of the app keeps working
    assert not at.exception and not at.error


def test_app_entry_warms_the_caches_before_the_first_visitor():
    """`streamlit run app.py` serves dashboard.py and fills the caches at server start."""
    import asyncio
    import runpy

    from atlas_ui.data import default_engagement_model, demo_dataset
    from citisens_core.atlas import model_fingerprint

    entry = runpy.run_path(str(REPO / "app.py"))
    assert Path(entry["app"]._script_path).name == "dashboard.py"
    demo_dataset.clear()

    async def start():
        async with entry["warm_caches"](entry["app"]):
            pass

    asyncio.run(start())
    dataset = demo_dataset()  # served from the cache the warm-up filled
    assert dataset.fictief
    model = model_fingerprint(default_engagement_model())
    assert ("estimates", dataset.most_detailed, model) in dataset._memo
    assert ("payload", dataset.most_detailed, "", "Meest voorkomend profiel", None,
            model) in dataset._memo


def test_user_can_give_the_year_of_an_upload_without_one(tmp_path):
    import geopandas as gpd

    path = tmp_path / "buurten.geojson"
    frame = read_areas(DEMO_PATH, level="buurt").head(5)
    gpd.GeoDataFrame({"BU_CODE": frame["code"], "BU_NAAM": frame["naam"],
                      "AANT_INW": frame["inwoners"]}, geometry=frame.geometry,
                     crs=frame.crs).to_file(path)
    at = AppTest.from_file(str(REPO / "pages" / "gegevens.py"), default_timeout=TIMEOUT)
    from atlas_ui.data import DATASET_KEY, load_file
    at.session_state[DATASET_KEY] = load_file(path, path.name, key="zonder-jaar")
    at.run()
    assert any("jaar onbekend" in m.value for m in at.markdown)

    at.number_input[0].set_value(2019).run()

    assert not at.exception
    assert any("© Kadaster / CBS, 2019" in m.value for m in at.markdown)


def test_upload_without_any_boundary_is_refused_and_data_kept(tmp_path):
    import geopandas as gpd

    from atlas_ui.data import UploadError, load_upload

    frame = read_areas(DEMO_PATH, level="buurt").head(5)
    path = tmp_path / "zonder-grenzen.gpkg"
    gpd.GeoDataFrame({"buurtcode": frame["code"], "buurtnaam": frame["naam"],
                      "aantal_inwoners": frame["inwoners"]},
                     geometry=gpd.GeoSeries([None] * 5, crs=28992)).to_file(path)
    with pytest.raises(UploadError, match="geen enkel gebied in dit bestand heeft een bruikbare"):
        load_upload(path.name, path.read_bytes())


def test_blank_search_says_nothing():
    at = new_app()
    at.text_input(key=area_key("search")).set_value("   ").run()
    assert not at.exception
    assert not any("gevonden" in i.value for i in at.info)


def test_a_file_with_several_gemeenten_maps_the_chosen_one(real_cbs):
    from atlas_ui.data import DATASET_KEY

    path = real_cbs / "buurt-2015" / "gooi_en_vechtstreek.geojson"
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=TIMEOUT)
    at.session_state[DATASET_KEY] = load_file(path, path.name, key="gooi-test")
    at.run()
    choice = at.selectbox(key=area_key("gemeente"))
    assert choice.value == ""  # a region opens on all its gemeenten
    assert len({c[2:6] for c in codes(at)}) > 5

    choice.set_value("GM0402").run()  # Hilversum

    assert not at.exception
    assert {c[:6] for c in codes(at)} == {"BU0402"}
    assert "Hilversum" in choice.format_func("GM0402")


def test_the_demo_has_no_gemeente_choice():
    at = new_app()
    assert not [s for s in at.selectbox if s.key == area_key("gemeente")]


def codes(at: AppTest) -> set[str]:
    return set(kaart(at)["gebieden"]["code"])


def test_search_outside_the_mapped_gemeente_switches_to_it(real_cbs):
    from atlas_ui.data import DATASET_KEY

    path = real_cbs / "buurt-2015" / "gooi_en_vechtstreek.geojson"
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=TIMEOUT)
    at.session_state[DATASET_KEY] = load_file(path, path.name, key="gooi-search")
    at.run()
    at.selectbox(key=area_key("gemeente")).set_value("GM0402").run()  # Hilversum

    at.text_input(key=area_key("search")).set_value("BU03760001").run()  # Bijvanck, Blaricum

    assert not at.exception
    assert at.selectbox(key=area_key("gemeente")).value == "GM0376"
    assert {c[:6] for c in codes(at)} == {"BU0376"}


# --- postcode figures and roll-up ----------------------------------------------------------

def pc4_release_csv() -> bytes:
    """A small CBS PC4 release (display headers, units row) for three postcodes."""
    import csv
    import io

    from tests.geodata.test_postcode import release_rows

    text = io.StringIO()
    csv.writer(text).writerows(release_rows())
    return text.getvalue().encode("utf-8-sig")


def pc4_boundaries() -> bytes:
    import geopandas as gpd
    import shapely

    shapes = gpd.GeoDataFrame(
        {"postcode": ["3511", "3512", "3513"]},
        geometry=[shapely.box(5.10 + i / 100, 52.09, 5.11 + i / 100, 52.10) for i in range(3)],
        crs="EPSG:4326")
    return shapes.to_json().encode("utf-8")


def test_postcode_csv_upload_gets_boundaries_and_a_map():
    at = new_app()
    at.switch_page("pages/gegevens.py").run()
    at.file_uploader(key="atlas_upload").set_value(("pc4_2023_v1.csv", pc4_release_csv(),
                                                    "text/csv"))
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("cijfers van 3 postcodegebieden" in s.value and "2023, versie v1" in s.value
               for s in at.success)
    at.file_uploader(key="atlas_pc_boundaries").set_value(
        ("pc4-grenzen.geojson", pc4_boundaries(), "application/geo+json"))
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    at.switch_page("pages/kaart.py").run()
    assert not at.exception
    shown = texts(at)
    assert "© CBS, © ESRI Nederland, 2023 (versie v1)" in shown
    assert "nog niet gepubliceerd" in shown  # the WOZ value comes in a later release
    assert codes(at) == {"3511", "3512", "3513"}
    # an area's key figures say why one is missing: not yet published is not secret
    click(at, "3511")
    figures = at.table[0].value
    assert "nog niet gepubliceerd" in figures.loc["Gemiddelde WOZ-waarde (x € 1.000)"].iloc[0]
    click(at, "3513")
    figures = at.table[0].value
    assert figures.loc["Aantal inwoners"].iloc[0] == "– (geheim)"


def test_buurt_only_file_gets_wijken_and_gemeenten(tmp_path):
    import geopandas as gpd

    path = tmp_path / "buurten_2024_v2.gpkg"
    gpd.read_file(DEMO_PATH, layer="buurten").to_file(path, layer="buurten")
    dataset = load_file(path, path.name, key="rollup-test")
    assert {"buurt", "wijk", "gemeente"} <= set(dataset.levels)
    assert dataset.levels["gemeente"]["inwoners"].iloc[0] == pytest.approx(
        dataset.levels["buurt"]["inwoners"].sum())
    assert any("samengesteld" in w for w in dataset.waarschuwingen)
    assert dataset.attribution.endswith("2024 (versie v2)") or "versie v2" in dataset.attribution


def test_pdok_download_says_which_postcode_year_it_used(monkeypatch, tmp_path):
    """Against the strict stand-in for PDOK: kaart 2025, postcode figures only up to 2024."""
    import citisens_core.geodata.pdok as pdok
    from tests.geodata.pdok_server import PdokStub, layout_services

    services, _ = layout_services(2025)
    monkeypatch.setenv("CITISENS_CACHE", str(tmp_path / "cache"))
    with PdokStub(services, page_size=10) as server:
        monkeypatch.setattr(pdok, "DEFAULT_BASE_URL", server.url("wb{jaar}"))
        monkeypatch.setattr(pdok, "DEFAULT_PC4_BASE_URL", server.url("pc4"))
        at = new_app()
        at.switch_page("pages/gegevens.py").run()
        next(t for t in at.text_input if t.label.startswith("Gemeentecode")).set_value("GM9001")
        next(n for n in at.number_input if n.label.startswith("Jaar")).set_value(2025)
        next(b for b in at.button if b.label == "Ophalen bij PDOK").click().run()
        assert server.refused == []
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Postcodecijfers van 2024" in s.value for s in at.success)
    assert "© Kadaster / CBS, 2025" in texts(at)


def test_a_national_size_file_is_read_for_one_gemeente(monkeypatch, real_cbs):
    import atlas_ui.data as data

    path = real_cbs / "buurt-2015" / "gooi_en_vechtstreek.geojson"
    monkeypatch.setattr(data, "WHOLE_FILE_BYTES", 1000)
    with pytest.raises(data.UploadError, match="Vul eerst in welke gemeente u wilt zien"):
        data.load_upload(path.name, path.read_bytes())
    dataset = data.load_upload(path.name, path.read_bytes(), gemeente="Hilversum")
    assert set(dataset.levels["buurt"]["gemeentecode"]) == {"GM0402"}
    assert len(dataset.levels["buurt"]) == 42
    # the file has buurten only: wijken and the gemeente are rolled up from them
    assert set(dataset.levels["gemeente"]["code"]) == {"GM0402"}


def test_national_file_opens_on_gemeenten_and_a_click_descends(real_cbs):
    from atlas_ui.data import DATASET_KEY
    from citisens_core.atlas import AreaSet

    regions = [real_cbs / "buurt-2015" / f"{name}.geojson"
               for name in ("zuidoost-brabant", "brabant-noord")]
    buurten = pd.concat([read_areas(path, level="buurt") for path in regions])
    buurten = gpd.GeoDataFrame(buurten.drop_duplicates("code"), crs=4326)
    dataset = AreaSet.from_tables({"buurt": buurten}, bron="brabant.geojson",
                                  key="brabant-test").for_display()
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=TIMEOUT)
    at.session_state[DATASET_KEY] = dataset  # as after an upload: no earlier choices
    at.switch_page("pages/kaart.py").run()
    assert not at.exception, at.exception
    areas = kaart(at)["gebieden"]
    assert at.radio(key=area_key("level")).value == "gemeente"
    gemeenten = dataset.levels["gemeente"]
    drawable = gemeenten[gemeenten.geometry.notna()]
    assert set(areas["code"]) == set(drawable["code"]) and len(areas) > 15  # no filter
    assert "© Kadaster / CBS" in texts(at)

    gemeente = buurten["gemeentecode"].value_counts().index[0]
    click(at, gemeente)
    at.button(key=area_key("zoom_buurt")).click().run()
    assert not at.exception, at.exception
    assert at.radio(key=area_key("level")).value == "buurt"
    shown = kaart(at)["gebieden"]["code"]
    inside = buurten[(buurten["gemeentecode"] == gemeente) & buurten.geometry.notna()]
    assert set(shown) == set(inside["code"])
