"""Presentation mode and printing, in a real browser (Chromium via Playwright).

A presenter picks two buurten, starts the presentation, steps with the arrow keys
and the buttons; the sidebar is gone while presenting. Printing a page gives the
whole page without the sidebar. Saves ``docs/screenshots/presentatie.png`` when
``UPDATE_SCREENSHOTS=1``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from urllib.parse import urlsplit

import pytest

from .conftest import REPO
from .test_browser import CANVAS, TIMEOUT_MS, VIEWPORT, goto_page, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]
README_SHOTS = REPO / "docs" / "screenshots"
AREAS = ("Kerkbuurt", "Havenkwartier")


def pick(page, label: str, names) -> None:
    """Choose options in a Streamlit multiselect by typing their names."""
    box = page.get_by_label(label).first
    for name in names:
        box.click()
        page.keyboard.type(name)
        page.get_by_role("option", name=re.compile(name)).first.click()
        wait_idle(page)
    page.keyboard.press("Escape")


def slide_title(page) -> str:
    return page.locator(".atlas-slide-title").first.inner_text()


def test_presentation_steps_through_two_areas(app_url, browser, tmp_path):
    shots = README_SHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(app_url)
    page.wait_for_selector(CANVAS, timeout=TIMEOUT_MS)
    wait_idle(page)
    goto_page(page, "Presentatie", "Start presentatie")
    pick(page, "Gebieden, in de volgorde van de presentatie", AREAS)
    page.get_by_role("button", name="Start presentatie").click()
    page.locator(".atlas-slide-title", has_text=AREAS[0]).wait_for(timeout=TIMEOUT_MS)
    wait_idle(page)

    # a clean view: no sidebar, the map image and one message in large type
    assert not page.locator("[data-testid=stSidebar]").first.is_visible()
    page.locator("[data-testid=stImage] img").first.wait_for(timeout=TIMEOUT_MS)
    message = page.locator(".atlas-slide-message").first
    assert AREAS[0] in message.inner_text()
    assert float(message.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 30
    assert "gebied 1 van 2" in page.locator(".atlas-slide-sub").first.inner_text()
    page.screenshot(path=str(shots / "presentatie.png"))

    page.mouse.click(5, VIEWPORT["height"] // 2)  # focus the page, not a widget
    page.keyboard.press("ArrowRight")
    page.locator(".atlas-slide-title", has_text=AREAS[1]).wait_for(timeout=TIMEOUT_MS)
    wait_idle(page)
    assert "gebied 2 van 2" in page.locator(".atlas-slide-sub").first.inner_text()

    page.get_by_role("button", name="Vorige").click()
    page.locator(".atlas-slide-title", has_text=AREAS[0]).wait_for(timeout=TIMEOUT_MS)
    wait_idle(page)

    page.get_by_role("button", name="Stoppen").click()
    page.get_by_role("button", name="Start presentatie").wait_for(timeout=TIMEOUT_MS)
    assert page.locator("[data-testid=stSidebar]").first.is_visible()
    page.close()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_printing_a_page_leaves_out_the_sidebar_and_keeps_the_whole_page(app_url, browser,
                                                                         tmp_path):
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(app_url)
    page.wait_for_selector(CANVAS, timeout=TIMEOUT_MS)
    wait_idle(page)
    goto_page(page, "Gebiedsanalyse", "Gebiedsanalyse")
    pick(page, "Gebied of gebieden", AREAS[:1])
    page.get_by_text("Eigen gebiedskennis").first.wait_for(timeout=TIMEOUT_MS)
    wait_idle(page)
    page.wait_for_timeout(1500)  # charts finish drawing
    pdf = tmp_path / "afdruk.pdf"
    pdf.write_bytes(page.pdf(format="A4", print_background=True))
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    pages = text.count("\f")
    assert pages >= 2, "printing showed only the first screen of the page"
    assert "Vier kenmerken" in text and "Eigen gebiedskennis" in text  # top and bottom
    assert "Niveaus:" not in text  # the sidebar's data summary
    assert "Download analyse" not in text  # buttons are not printed
    page.close()


def outside_host(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and parts.hostname not in ("127.0.0.1", "localhost")


def test_map_asks_no_outside_host_until_the_base_map_is_switched_on(app_url, browser):
    page = browser.new_page(viewport=VIEWPORT)
    outside = []
    page.on("request", lambda r: outside.append(r.url) if outside_host(r.url) else None)
    page.goto(app_url)
    page.wait_for_selector(CANVAS, timeout=TIMEOUT_MS)
    wait_idle(page)
    # the CBS context is drawn: the map holds water, gemeente borders and wijk names
    page.wait_for_function("() => window.__atlasKaart && window.__atlasKaart.context"
                           " && window.__atlasKaart.context.size > 0", timeout=TIMEOUT_MS)
    context = page.evaluate("() => { const c = [...window.__atlasKaart.context.values()][0];"
                            " return {water: !!c.water, grenzen: !!c.grenzen,"
                            " namen: c.namen.map(n => n.id)}; }")
    assert context == {"water": True, "grenzen": True, "namen": ["namen-buurt", "namen-wijk"]}
    assert outside == [], outside

    # switched on, the browser asks PDOK for tiles (offline here: asking is what counts)
    with page.expect_request(lambda r: r.url.startswith(
            "https://service.pdok.nl/brt/achtergrondkaart/"), timeout=TIMEOUT_MS):
        page.get_by_text("Achtergrondkaart (PDOK)").first.click()
    page.get_by_text("BRT-Achtergrondkaart, © Kadaster").first.wait_for(timeout=TIMEOUT_MS)
    page.close()
