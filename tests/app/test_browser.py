"""The app in a real browser: first map, a click on a buurt, every page, a real CBS upload.

Starts ``streamlit run app.py`` and drives Debian's Chromium with Playwright
(flags in ``../shared/DESIGN.md``). Saves the README screenshots to
``docs/screenshots/`` and prints the measured timings.
"""

from __future__ import annotations

import math
import os
import time

import pytest
import shapely

from atlas_ui.data import DEMO_PATH
from atlas_ui.maps import fit_view
from citisens_core.geodata import read_areas

from .conftest import REPO

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: The README's screenshots are refreshed only on request, so a test run leaves the
#: tree clean: ``UPDATE_SCREENSHOTS=1 python -m pytest tests/app/test_browser.py``.
README_SHOTS = REPO / "docs" / "screenshots"
VIEWPORT = {"width": 1600, "height": 1000}
CANVAS = ".atlas-kaart canvas"
#: The map has drawn its polygons (kaart.js marks the colouring it drew).
MAP_DRAWN = ".atlas-kaart[data-geladen] canvas"
TIMEOUT_MS = 60_000


def wait_idle(page) -> None:
    """Wait until Streamlit has finished the current run (no "running" indicator)."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=stStatusWidget]')"
        " || !document.querySelector('[data-testid=stStatusWidget]').innerText"
        ".toLowerCase().includes('running')", timeout=TIMEOUT_MS)
    page.wait_for_timeout(400)


def hover_until_tooltip(page, x: float, y: float, name: str) -> None:
    """Point at the map until its tooltip names the area: the map is drawn and pickable."""
    tooltip = page.locator(".deck-tooltip").filter(has_text=name)
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    step = 0
    while not tooltip.count():
        assert time.monotonic() < deadline, f"no tooltip for {name} on the map"
        step += 1
        page.mouse.move(x + step % 3, y)  # deck.gl picks on pointer moves
        page.wait_for_timeout(250)


def timed(label: str, timings: dict, action) -> None:
    start = time.perf_counter()
    action()
    timings[label] = time.perf_counter() - start


def pixel_offset(view: dict, lon: float, lat: float) -> tuple[float, float]:
    """Where (lon, lat) is drawn relative to the map's centre, in CSS pixels (deck.gl's
    Web Mercator: a 512-pixel world at zoom 0)."""
    scale = 512 * 2 ** view["zoom"] / (2 * math.pi)

    def project(lon_: float, lat_: float) -> tuple[float, float]:
        return (scale * math.radians(lon_),
                -scale * math.log(math.tan(math.pi / 4 + math.radians(lat_) / 2)))

    (x0, y0), (x, y) = project(view["longitude"], view["latitude"]), project(lon, lat)
    return x - x0, y - y0


def roomy_buurt() -> tuple[str, float, float]:
    """The demo buurt with the most room around a point of it: its name and that point's
    offset from the map's centre in pixels. A click there selects this buurt whatever
    sub-pixel shifts the layout makes (the map's centre lies within 2 px of a border)."""
    buurten = read_areas(DEMO_PATH, level="buurt")
    view = fit_view(tuple(buurten.total_bounds))
    best = (0.0, "", 0.0, 0.0)
    circles = shapely.maximum_inscribed_circle(buurten.geometry.values)
    for name, radius in zip(buurten["naam"], circles, strict=True):
        (cx, cy), edge = radius.coords
        dx, dy = pixel_offset(view, cx, cy)
        ex, ey = pixel_offset(view, *edge)
        room = math.hypot(dx - ex, dy - ey)
        if room > best[0]:
            best = (room, str(name), dx, dy)
    assert best[0] > 20, "no demo buurt has 20 px of room around a point"
    return best[1], best[2], best[3]


def goto_page(page, title: str, marker: str) -> None:
    page.get_by_role("link", name=title).first.click()
    page.get_by_text(marker, exact=False).first.wait_for(timeout=TIMEOUT_MS)
    wait_idle(page)


def test_map_click_pages_and_screenshots(app_url, browser, real_cbs_optional, tmp_path):
    shots = README_SHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    page = browser.new_page(viewport=VIEWPORT)
    start = time.perf_counter()
    page.goto(app_url)
    page.wait_for_selector(MAP_DRAWN, timeout=TIMEOUT_MS)
    timings["eerste kaart (s)"] = time.perf_counter() - start
    page.get_by_text("Fictieve demogemeente — gegenereerde gegevens").first.wait_for()
    wait_idle(page)

    # click inside the buurt with the most room: its name must be in the side panel
    expected, dx, dy = roomy_buurt()
    box = page.locator(CANVAS).first.bounding_box()
    x, y = box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dy
    hover_until_tooltip(page, x, y, expected)
    page.mouse.move(5, VIEWPORT["height"] - 5)  # the tooltip goes away before the click
    page.locator(".deck-tooltip").filter(has_text=expected).wait_for(state="hidden")
    timed("klik op buurt → zijpaneel (s)", timings, lambda: (
        page.mouse.click(x, y),
        page.get_by_role("heading", name=expected).first.wait_for(timeout=TIMEOUT_MS)))
    wait_idle(page)
    assert page.get_by_text("Betrouwbaarheid").first.is_visible()
    page.mouse.move(5, VIEWPORT["height"] - 5)  # no tooltip over the screenshot
    page.wait_for_timeout(800)
    page.screenshot(path=str(shots / "kaart.png"))

    # recolour: the legend changes without reloading data
    def recolour():
        page.get_by_label("Kleur de kaart naar").first.click()
        page.get_by_role("option", name="Aandeel van één profiel").click()
        page.get_by_text("Aandeel Kritische Vernieuwers").first.wait_for(timeout=TIMEOUT_MS)
    timed("kleur wisselen (s)", timings, recolour)
    wait_idle(page)

    timed("naar gebiedsanalyse (s)", timings, lambda: (
        page.get_by_role("button", name="Open gebiedsanalyse").click(),
        page.get_by_text("Vier kenmerken").first.wait_for(timeout=TIMEOUT_MS)))
    wait_idle(page)
    assert page.get_by_role("heading", name=expected).first.is_visible()
    page.wait_for_timeout(800)
    page.screenshot(path=str(shots / "gebiedsanalyse.png"), full_page=True)

    timed("naar vergelijken (s)", timings,
          lambda: goto_page(page, "Vergelijken", "Verschillen die ertoe doen"))
    page.screenshot(path=str(shots / "vergelijken.png"), full_page=True)
    timed("naar profielen (s)", timings,
          lambda: goto_page(page, "Profielen", "De acht betrokkenheidsprofielen"))
    page.screenshot(path=str(shots / "profielen.png"), full_page=True)
    timed("naar gegevens (s)", timings, lambda: goto_page(page, "Gegevens", "Huidige gegevens"))
    page.screenshot(path=str(shots / "gegevens.png"), full_page=True)

    if real_cbs_optional is not None:
        path = real_cbs_optional / "buurt-2015" / "gooi_en_vechtstreek.geojson"

        def upload():
            page.locator("input[type=file]").first.set_input_files(str(path))
            page.get_by_text("is geladen").first.wait_for(timeout=TIMEOUT_MS)
        timed("echte CBS-upload (s)", timings, upload)
        wait_idle(page)
        goto_page(page, "Kaart", "gooi_en_vechtstreek.geojson")
        page.wait_for_selector(MAP_DRAWN, timeout=TIMEOUT_MS)
        assert page.get_by_text("© Kadaster / CBS").first.is_visible()
        assert page.locator("[aria-label=Legenda]").first.is_visible()
        page.screenshot(path=str(tmp_path / "echte-cbs.png"))

    second = browser.new_page(viewport=VIEWPORT)
    start = time.perf_counter()
    second.goto(app_url)
    second.wait_for_selector(MAP_DRAWN, timeout=TIMEOUT_MS)
    timings["eerste kaart, volgende bezoeker (s)"] = time.perf_counter() - start
    second.close()

    # timings are printed, not asserted: speed targets live in benchmarks/bench_app.py,
    # and a shared, busy machine makes seconds in a test a coin toss
    print("\nGemeten in Chromium (headless, swiftshader):")
    for label, seconds in timings.items():
        print(f"  {label:34s} {seconds:6.2f}")
