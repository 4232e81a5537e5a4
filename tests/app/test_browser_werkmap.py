"""Werkmappen in a real browser: a note survives a reload, a link opens the same view
in another browser, and an exported werkmap imports into a fresh session.

Starts its own ``streamlit run app.py`` with an empty SQLite werkmap database in a
temporary data folder, and drives Debian's Chromium with Playwright.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from .conftest import serve_app
from .test_browser import CANVAS, TIMEOUT_MS, VIEWPORT, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIJK_CODE, WIJK_NAME = "WK990104", "De Vliethoven"
NOTE = "Bewonersvereniging De Vliet is actief; het buurthuis sluit in maart."


@pytest.fixture(scope="module")
def werkmap_app(tmp_path_factory):
    data = tmp_path_factory.mktemp("atlas-data")
    yield from serve_app(ATLAS_DATA_DIR=str(data), ATLAS_DATABASE_URL="")


def open_page(context, url: str, marker: str):
    page = context.new_page()
    page.goto(url)
    page.get_by_text(marker, exact=False).first.wait_for(timeout=TIMEOUT_MS)
    wait_idle(page)
    return page


def nav(page, title: str, marker: str) -> None:
    page.get_by_role("link", name=title, exact=True).first.click()
    page.get_by_text(marker, exact=False).first.wait_for(timeout=TIMEOUT_MS)
    wait_idle(page)


def wait_for_note(page, text: str) -> None:
    """Wait until a note field holds `text` (the page may still be redrawing)."""
    page.wait_for_function(
        "t => [...document.querySelectorAll('textarea')].some(a => a.value === t)",
        arg=text, timeout=TIMEOUT_MS)


def test_note_reload_link_and_import(werkmap_app, browser, tmp_path):
    first = browser.new_context(viewport=VIEWPORT)
    # a deep link as the server's very first request still gets the whole dashboard
    page = open_page(first, f"{werkmap_app}/werkmap", "Naam van de nieuwe werkmap")
    assert page.get_by_text("Niets wordt bewaard").first.is_visible()
    page.get_by_label("Naam van de nieuwe werkmap").fill("Workshop Vliethoven")
    page.get_by_role("button", name="Werkmap maken").click()
    page.get_by_text("is gemaakt").first.wait_for(timeout=TIMEOUT_MS)
    wait_idle(page)

    # on the map: wijken, coloured by one profile's share, one wijk chosen by search
    nav(page, "Kaart", "Kleur de kaart naar")
    page.wait_for_selector(CANVAS, timeout=TIMEOUT_MS)
    page.get_by_text("Wijk", exact=True).first.click()
    wait_idle(page)
    page.get_by_label("Kleur de kaart naar").first.click()
    page.get_by_role("option", name="Aandeel van één profiel").click()
    page.get_by_text("Aandeel Kritische Vernieuwers").first.wait_for(timeout=TIMEOUT_MS)
    wait_idle(page)
    page.get_by_label("Zoek een gebied").fill(WIJK_NAME)
    page.get_by_label("Zoek een gebied").press("Enter")
    page.get_by_role("button", name="Open gebiedsanalyse").wait_for(timeout=TIMEOUT_MS)
    page.wait_for_url(lambda url: f"gebied={WIJK_CODE}" in url, timeout=TIMEOUT_MS)
    wait_idle(page)
    map_link = page.url
    query = parse_qs(urlsplit(map_link).query)
    assert query["niveau"] == ["wijk"] and query["kleur"] == ["profiel"]
    assert query["gebied"] == [WIJK_CODE] and len(query["werkmap"][0]) >= 24

    # write a note in the analysis, reload, and it is still there with its time
    page.get_by_role("button", name="Open gebiedsanalyse").click()
    page.get_by_text("Eigen gebiedskennis").first.wait_for(timeout=TIMEOUT_MS)
    wait_idle(page)
    page.get_by_label("Nieuwe notitie").fill(NOTE)
    page.get_by_role("button", name="Notitie toevoegen").click()
    page.get_by_text("De notitie is bewaard").first.wait_for(timeout=TIMEOUT_MS)
    wait_idle(page)
    page.reload()
    page.get_by_text("Eigen gebiedskennis").first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("bewerkt op").first.wait_for(timeout=TIMEOUT_MS)
    wait_idle(page)
    wait_for_note(page, NOTE)
    assert page.get_by_text("Versie 1 · bewerkt op").first.is_visible()
    analysis_link = page.url

    # a colleague opens the copied links in another browser: same area, colouring, note
    colleague = browser.new_context(viewport=VIEWPORT)
    other = open_page(colleague, map_link, "Kleur de kaart naar")
    other.get_by_text("Aandeel Kritische Vernieuwers").first.wait_for(timeout=TIMEOUT_MS)
    other.get_by_role("heading", name=WIJK_NAME).first.wait_for(timeout=TIMEOUT_MS)
    assert other.get_by_role("radio", name="Wijk").first.is_checked()
    assert other.get_by_text("Workshop Vliethoven — wordt bewaard").first.is_visible()
    other.screenshot(path=str(tmp_path / "link-kaart.png"))
    other = open_page(colleague, analysis_link, "Eigen gebiedskennis")
    other.get_by_text("bewerkt op").first.wait_for(timeout=TIMEOUT_MS)
    wait_idle(other)
    assert other.get_by_role("heading", name=WIJK_NAME).first.is_visible()
    wait_for_note(other, NOTE)
    colleague.close()

    # export the werkmap as one file ...
    nav(page, "Werkmap", "Link naar deze werkmap")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download werkmap").click()
    exported = tmp_path / download.value.suggested_filename
    download.value.save_as(exported)
    assert exported.name == "workshop-vliethoven.werkmap.zip"
    first.close()

    # ... and import it in a fresh browser, without the link
    fresh = browser.new_context(viewport=VIEWPORT)
    other = open_page(fresh, werkmap_app + "/werkmap", "Werkmap importeren")
    other.locator("input[type=file]").first.set_input_files(str(exported))
    other.get_by_text("is geïmporteerd en geopend").first.wait_for(timeout=TIMEOUT_MS)
    other.wait_for_url(lambda url: "werkmap=" in url, timeout=TIMEOUT_MS)
    wait_idle(other)
    imported_id = parse_qs(urlsplit(other.url).query)["werkmap"][0]
    assert imported_id != query["werkmap"][0]
    nav(other, "Gebiedsanalyse", "Eigen gebiedskennis")
    other.get_by_text("bewerkt op").first.wait_for(timeout=TIMEOUT_MS)
    wait_idle(other)
    wait_for_note(other, NOTE)
    other.screenshot(path=str(tmp_path / "geimporteerd.png"), full_page=True)
    fresh.close()


def test_a_foreign_file_and_a_wrong_link_get_a_dutch_message(werkmap_app, browser, tmp_path):
    context = browser.new_context(viewport=VIEWPORT)
    page = open_page(context, f"{werkmap_app}/?werkmap=bestaatnietbestaatniet1234",
                     "Kleur de kaart naar")
    page.get_by_text("Deze werkmap is niet gevonden").first.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_selector(CANVAS, timeout=TIMEOUT_MS)  # the demo map still works
    foreign = tmp_path / "kaart.zip"
    foreign.write_bytes(b"PK\x05\x06" + b"\x00" * 18)  # an empty zip
    nav(page, "Werkmap", "Werkmap importeren")
    page.locator("input[type=file]").first.set_input_files(str(foreign))
    page.get_by_text("kaart.zip: dit zip-bestand is geen werkmap").first.wait_for(
        timeout=TIMEOUT_MS)
    context.close()
