"""The reach check in a real browser: upload a consultation file, see who we reached.

Starts ``streamlit run app.py`` (fixture ``app_url``) and drives Debian's
Chromium; goes from Strategie to Consultatie through the link, uploads the
synthetic demo consultation and waits for the reach check and its chart.
"""

from __future__ import annotations

import pytest

from citisens_core.fictional.consultation import demo_consultation, to_csv_bytes

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VIEWPORT = {"width": 1500, "height": 1000}
TIMEOUT_MS = 120_000


def wait_idle(page) -> None:
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=stStatusWidget]')"
        " || !document.querySelector('[data-testid=stStatusWidget]').innerText"
        ".toLowerCase().includes('running')", timeout=TIMEOUT_MS)


def test_upload_a_consultation_and_see_the_reach_check(app_url, browser, tmp_path):
    responses = tmp_path / "reacties-lindewaarde.csv"
    responses.write_bytes(to_csv_bytes(demo_consultation()))
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(app_url)
    page.get_by_role("link", name="Strategie").first.click()
    page.get_by_text("Wie hebben we bereikt?").first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("Wie hebben we bereikt?").first.click()
    page.get_by_text("De bereikcheck vergelijkt").first.wait_for(timeout=TIMEOUT_MS)
    wait_idle(page)

    page.locator("input[type=file]").first.set_input_files(str(responses))
    page.get_by_text("Bereikcheck van reacties-lindewaarde.csv").first.wait_for(
        timeout=TIMEOUT_MS)
    wait_idle(page)
    advice = page.get_by_text("Gevestigde Beïnvloeders zijn oververtegenwoordigd").first
    assert advice.is_visible()
    assert page.get_by_text("Honkvaste Buurtbewoners zijn ondervertegenwoordigd").first.is_visible()
    chart = page.locator("[data-testid=stVegaLiteChart]").first
    chart.wait_for(timeout=TIMEOUT_MS)
    assert chart.bounding_box()["height"] > 100
    page.get_by_text("Per kanaal").first.click()
    page.get_by_text("Effectieve steekproef (gewogen)").first.wait_for(timeout=TIMEOUT_MS)
    page.screenshot(path=str(tmp_path / "consultatie.png"), full_page=True)
    page.close()
