"""In a real browser: CBS postcode figures (a PC4 CSV) uploaded, given boundaries, on the map.

Runs like ``test_browser.py`` (its own Streamlit server, Debian's Chromium via
Playwright). The files are written here from CBS's documented headers.
"""

from __future__ import annotations

import pytest

from .test_browser import MAP_DRAWN, TIMEOUT_MS, VIEWPORT, goto_page, wait_idle
from .test_pages import pc4_boundaries, pc4_release_csv

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_pc4_csv_upload_shows_a_map(app_url, browser, tmp_path):
    figures = tmp_path / "pc4_2023_v1.csv"
    figures.write_bytes(pc4_release_csv())
    shapes = tmp_path / "pc4-grenzen.geojson"
    shapes.write_bytes(pc4_boundaries())

    page = browser.new_page(viewport=VIEWPORT)
    page.goto(app_url)
    page.wait_for_selector(MAP_DRAWN, timeout=TIMEOUT_MS)
    goto_page(page, "Gegevens", "Huidige gegevens")

    # a CSV is accepted (no "text/csv files are not allowed")
    page.locator("input[type=file]").first.set_input_files(str(figures))
    page.get_by_text("cijfers van 3 postcodegebieden gelezen").first.wait_for(timeout=TIMEOUT_MS)
    wait_idle(page)
    assert page.get_by_text("not allowed").count() == 0
    page.get_by_text("Grenzen voor de postcodecijfers").first.wait_for(timeout=TIMEOUT_MS)
    page.locator("input[type=file]").nth(1).set_input_files(str(shapes))
    page.get_by_text("Postcodecijfers op de kaart").first.wait_for(timeout=TIMEOUT_MS)
    wait_idle(page)

    goto_page(page, "Kaart", "pc4_2023_v1.csv")
    page.wait_for_selector(MAP_DRAWN, timeout=TIMEOUT_MS)
    assert page.get_by_text("© CBS, © ESRI Nederland, 2023 (versie v1)").first.is_visible()
    assert page.locator("[aria-label=Legenda]").first.is_visible()
    page.wait_for_timeout(1500)  # let deck.gl draw the polygons
    page.screenshot(path=str(tmp_path / "pc4-kaart.png"))
    page.screenshot(path="/tmp/i10/pc4-kaart.png")
    page.close()
