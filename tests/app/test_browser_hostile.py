"""In a real browser: the first click on a fresh map counts, and a crafted file calls no host.

The first test opens the map 20 times in fresh pages and clicks it as soon as
it is drawn, without pointing at it first: every click must open the side
panel of the buurt under it (run it with the test suite beside it to load the
machine; before the fix in kaart.js it missed 2 to 6 clicks in 12-20). It clicks
inside the buurt with the most room, not at the map's centre: the centre lies
within 2 px of a border, so a sub-pixel layout shift could select the neighbour
(the click then counted, for the neighbour, and the test took it for a miss). The second uploads a file whose area names carry Markdown images,
HTML and tooltip fields, opens every view of them and records every request
the browser makes: none may leave the app's own host.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlparse

import pytest

from atlas_ui.data import DEMO_PATH
from citisens_core.geodata import read_areas

from .test_browser import MAP_DRAWN, TIMEOUT_MS, VIEWPORT, goto_page, roomy_buurt, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIRST_CLICKS = 20
OUTSIDE = "outside.example"


def open_fresh_map(browser, app_url):
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(app_url)
    page.wait_for_selector(MAP_DRAWN, timeout=TIMEOUT_MS)
    wait_idle(page)
    return page


def test_the_first_click_on_a_fresh_map_selects_its_area_20_times(app_url, browser):
    expected, dx, dy = roomy_buurt()
    missed = []
    for attempt in range(FIRST_CLICKS):
        page = open_fresh_map(browser, app_url)
        box = page.locator(MAP_DRAWN).first.bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dy)
        try:
            page.get_by_role("heading", name=expected).first.wait_for(timeout=TIMEOUT_MS)
        except Exception:  # playwright's TimeoutError: record and go on, report all misses
            missed.append(attempt)
        page.close()
    assert not missed, f"first click ignored in attempts {missed} of {FIRST_CLICKS}"


@pytest.fixture(scope="module")
def crafted_file(tmp_path_factory):
    """The demo buurten with a hostile name on every area, as a GeoJSON upload."""
    buurten = read_areas(DEMO_PATH, level="buurt")
    raw = buurten[["code", "naam", "inwoners", "huishoudens", "geometry"]].rename(columns={
        "code": "buurtcode", "naam": "buurtnaam", "inwoners": "aantal_inwoners",
        "huishoudens": "aantal_huishoudens"})
    raw["buurtnaam"] = [f"**vet{i}** ![x](http://{OUTSIDE}/md{i}.png) "
                        f"<img src='http://{OUTSIDE}/html{i}.png'> {{code}}"
                        for i in range(len(raw))]
    path = tmp_path_factory.mktemp("crafted") / "buurten_2024.geojson"
    raw.to_file(path, driver="GeoJSON")
    return path, raw["buurtnaam"].tolist()


def test_a_crafted_file_makes_the_browser_call_no_other_host(app_url, browser, crafted_file):
    path, _ = crafted_file
    requests: list[str] = []
    page = browser.new_page(viewport=VIEWPORT)
    page.on("request", lambda request: requests.append(request.url))
    page.goto(app_url)
    page.wait_for_selector(MAP_DRAWN, timeout=TIMEOUT_MS)
    wait_idle(page)
    goto_page(page, "Gegevens", "Huidige gegevens")
    page.locator("input[type=file]").first.set_input_files(str(path))
    page.get_by_text("is geladen").first.wait_for(timeout=TIMEOUT_MS)
    wait_idle(page)

    goto_page(page, "Kaart", "buurten_2024.geojson")
    page.wait_for_selector(MAP_DRAWN, timeout=TIMEOUT_MS)
    wait_idle(page)
    box = page.locator(MAP_DRAWN).first.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)  # the tooltip shows the name as text, its {code} unfilled
    tooltip = page.locator(".deck-tooltip").filter(has_text="![x]")
    tooltip.first.wait_for(timeout=TIMEOUT_MS)
    assert "{code}" in tooltip.first.inner_text()
    page.mouse.move(5, VIEWPORT["height"] - 5)
    page.mouse.click(x, y)
    heading = page.get_by_role("heading", name=re.compile(r"\*\*vet\d+\*\* !\[x\]"))
    heading.first.wait_for(timeout=TIMEOUT_MS)  # the literal name, not bold, no image
    wait_idle(page)
    page.get_by_role("button", name="Open gebiedsanalyse").click()
    page.get_by_text("Vier kenmerken").first.wait_for(timeout=TIMEOUT_MS)
    wait_idle(page)
    goto_page(page, "Vergelijken", "Verschillen die ertoe doen")
    goto_page(page, "Strategie", "Strategie")
    page.wait_for_timeout(1000)  # let any image the page might hold start loading

    assert page.locator(f"img[src*='{OUTSIDE}']").count() == 0
    app_host = urlparse(app_url).netloc
    outside = sorted({u for u in requests if urlparse(u).scheme in ("http", "https", "ws", "wss")
                      and urlparse(u).netloc != app_host})
    assert not outside, outside
    page.close()


@pytest.fixture(scope="module")
def national_file(tmp_path_factory, real_cbs_optional):
    """The 2015 buurten of the whole country as one GeoJSON: seconds of reading."""
    if real_cbs_optional is None:
        pytest.skip("../shared/real-cbs is absent: no national file to cancel")
    seen, features = set(), []
    for path in sorted((real_cbs_optional / "buurt-2015").glob("*.geojson")):
        for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
            if feature["properties"].get("BU_CODE") not in seen:
                seen.add(feature["properties"].get("BU_CODE"))
                features.append(feature)
    out = tmp_path_factory.mktemp("national") / "buurten_2015_nederland.geojson"
    out.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                   encoding="utf-8")
    return out


def test_annuleren_stops_a_long_read_and_keeps_the_earlier_data(app_url, browser,
                                                                 national_file):
    page = open_fresh_map(browser, app_url)
    goto_page(page, "Gegevens", "Huidige gegevens")
    page.locator("input[type=file]").first.set_input_files(str(national_file))

    page.get_by_role("button", name="Annuleren").click(timeout=TIMEOUT_MS)

    page.get_by_text("het lezen is afgebroken").first.wait_for(timeout=TIMEOUT_MS)
    wait_idle(page)
    assert page.get_by_text("De vorige gegevens blijven getoond").count()
    assert not page.get_by_text("is geladen").count()
    goto_page(page, "Kaart", "Lindewaarde")  # the demo is still the data on the map
    page.wait_for_selector(MAP_DRAWN, timeout=TIMEOUT_MS)
    page.close()
