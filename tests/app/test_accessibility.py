"""WCAG 2.1 AA in a real browser: axe-core on every page and state, and the map by keyboard.

axe-core (pinned in ``tests/app/axe/package.json``, installed by
``scripts/test.sh`` with ``npm ci``) is injected by Playwright into each page
and state the tests reach; any serious or critical violation of the WCAG 2.0 /
2.1 A and AA rules fails the test, as do a page language other than Dutch and a
heading outline that skips a level. A keyboard-only visitor selects a buurt
through the map's table and must see the side panel a click on the map gives.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from .test_browser import CANVAS, TIMEOUT_MS, VIEWPORT, roomy_buurt

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PlaywrightTimeout = pytest.importorskip("playwright.sync_api").TimeoutError

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
#: Enough Tab presses to cross any page of the app; a trap shows as never arriving.
MAX_TABS = 60

SETTLED = """() => {
  const status = document.querySelector('[data-testid=stStatusWidget]');
  const running = status && status.innerText.toLowerCase().includes('running');
  return !running && !document.querySelector('[data-stale=true]')
    && document.querySelector('[data-testid=stMain] h1') !== null;
}"""
OUTLINE = """() => [...document.querySelectorAll('[data-testid=stMain] :is(h1,h2,h3,h4,h5,h6)')]
  .map(h => [Number(h.tagName[1]), h.innerText.trim().slice(0, 60)])"""
ACTIVE = """() => { const a = document.activeElement;
  return {tag: a.tagName, label: a.getAttribute('aria-label') || a.innerText.slice(0, 60),
          grid: !!a.closest('[data-testid=stDataFrame]'),
          outline: getComputedStyle(a).outlineStyle,
          outlineWidth: parseFloat(getComputedStyle(a).outlineWidth)}; }"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        pytest.skip(f"axe-core not installed at {AXE} (npm ci --prefix tests/app/axe)")
    return AXE.read_text(encoding="utf-8")


def settle(page) -> None:
    """Wait until Streamlit has finished its run and replaced every stale element."""
    page.wait_for_function(SETTLED, timeout=TIMEOUT_MS)


def outline(page) -> list:
    """The page's heading outline once a run has drawn its h1 (a page may rerun while axe
    works, leaving the DOM between two runs for a moment); what is there after the wait
    otherwise, so a page without an h1 still fails."""
    settle(page)
    try:
        found = page.wait_for_function(
            f"() => {{ const o = ({OUTLINE})(); return o.length && o[0][0] === 1 ? o : null; }}",
            timeout=TIMEOUT_MS)
        return found.json_value()
    except PlaywrightTimeout:
        return page.evaluate(OUTLINE)


def audit(page, axe_source: str, state: str, problems: list[str]) -> None:
    """Run axe-core on the page as it is; note every blocking violation, the language
    and the heading outline under the name of the state."""
    settle(page)
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: "
        "['violations']})", WCAG_TAGS)
    for violation in result["violations"]:
        if violation["impact"] in BLOCKING:
            targets = "; ".join(" ".join(n["target"])[-80:] for n in violation["nodes"][:3])
            problems.append(f"{state}: {violation['impact']} {violation['id']} "
                            f"({len(violation['nodes'])}x: {targets})")
    lang = page.evaluate("() => document.documentElement.lang")
    if lang != "nl":
        problems.append(f"{state}: page language is {lang!r}, not 'nl'")
    levels = outline(page)
    if not levels or levels[0][0] != 1 or sum(lv == 1 for lv, _ in levels) != 1:
        problems.append(f"{state}: the outline must start with one h1: {levels}")
    for (before, _), (level, text) in itertools.pairwise(levels):
        if level > before + 1:
            problems.append(f"{state}: heading '{text}' (h{level}) skips a level after "
                            f"h{before}")


def tab_until(page, wanted, what: str) -> dict:
    """Press Tab until `wanted(active element)` holds; fails if it never does (a trap)."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        active = page.evaluate(ACTIVE)
        if wanted(active):
            return active
    raise AssertionError(f"{what} not reached with {MAX_TABS} presses of Tab")


def side_panel(page, name: str) -> str:
    """The text of the column that holds the selected area's panel."""
    heading = page.get_by_role("heading", name=name, exact=True)
    heading.first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("button", name="Open gebiedsanalyse").wait_for(timeout=TIMEOUT_MS)
    settle(page)
    return page.locator("[data-testid=stColumn]").filter(has=heading).last.inner_text()


def open_kaart(browser, app_url):
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(app_url)
    page.wait_for_selector(CANVAS, timeout=TIMEOUT_MS)
    page.get_by_text("De kaart als tabel").first.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    return page


def click_map_at(page, name: str, dx: float, dy: float) -> None:
    """Click the map `dx`, `dy` pixels from its centre until buurt `name` there is selected
    (deck.gl draws its polygons a moment after the canvas appears; a click before that
    selects nothing)."""
    box = page.locator(CANVAS).first.bounding_box()
    heading = page.get_by_role("heading", name=name, exact=True).first
    for _ in range(20):
        page.mouse.click(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dy)
        try:
            heading.wait_for(timeout=3000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"a click on the map did not select {name}")


def choose(page, label: str, option: str) -> None:
    page.get_by_label(label).first.click()
    page.get_by_role("option", name=option, exact=True).click()


def goto_page(page, title: str) -> None:
    page.get_by_role("link", name=title).first.click()
    page.get_by_role("heading", level=1).first.wait_for(timeout=TIMEOUT_MS)
    settle(page)


def test_keyboard_selects_a_buurt_through_the_table_like_a_map_click(app_url, browser,
                                                                     axe_source):
    """Keyboard only: skip link, filter, table row; the panel equals the map click's."""
    name, dx, dy = roomy_buurt()
    problems: list[str] = []
    page = open_kaart(browser, app_url)
    audit(page, axe_source, "Kaart", problems)

    page.evaluate("() => document.activeElement && document.activeElement.blur()")  # from the top
    link = tab_until(page, lambda a: a["tag"] == "A" and "kaart als tabel" in a["label"],
                     "the skip link to the table")
    assert link["outline"] != "none" and link["outlineWidth"] >= 2, "focus must be visible"
    # no trap in the map: Tab goes past it, on to the table's filter
    page.keyboard.press("Enter")
    tab_until(page, lambda a: a["label"].startswith("Zoek in de tabel"), "the table filter")
    page.keyboard.type(name)
    page.keyboard.press("Enter")
    page.get_by_text("1 van de 64 buurten").first.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    # the data grid draws itself (and its focusable canvas) a moment after the run
    page.wait_for_selector("[data-testid=stDataFrame] canvas[tabindex='0']",
                           timeout=TIMEOUT_MS)
    page.get_by_label("Zoek in de tabel").first.focus()  # where the rerun left the focus
    tab_until(page, lambda a: a["grid"] and a["tag"] == "CANVAS", "the table")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Shift+Space")
    by_keyboard = side_panel(page, name)
    assert "Betrouwbaarheid" in by_keyboard and name in by_keyboard
    audit(page, axe_source, "Kaart, buurt gekozen in de tabel", problems)
    # and no trap in the table either: Tab leaves it
    tab_until(page, lambda a: not a["grid"], "the way out of the table")
    page.close()

    page = open_kaart(browser, app_url)
    click_map_at(page, name, dx, dy)
    by_click = side_panel(page, name)
    page.close()
    assert by_keyboard == by_click
    assert not problems, "\n".join(problems)


def test_axe_finds_no_serious_violation_on_any_page_or_state(app_url, browser, axe_source,
                                                             tmp_path):
    name, _, _ = roomy_buurt()
    problems: list[str] = []
    page = open_kaart(browser, app_url)
    for mode, option, marker in [
            ("Kleur de kaart naar", "Aandeel van één profiel", "Aandeel Kritische Vernieuwers"),
            ("Kleur de kaart naar", "CBS-cijfer", "Aantal inwoners"),
            ("Kleur de kaart naar", "Meest voorkomend profiel", "meest voorkomende profiel")]:
        choose(page, mode, option)
        page.get_by_text(marker).first.wait_for(timeout=TIMEOUT_MS)
        audit(page, axe_source, f"Kaart, kleur: {option}", problems)

    page.get_by_label("Zoek een gebied").fill(name)
    page.get_by_label("Zoek een gebied").press("Enter")
    side_panel(page, name)
    page.get_by_text("De cijfers van deze grafiek").first.click()  # open the chart's table
    audit(page, axe_source, "Kaart, buurt gekozen", problems)

    for title in ("Gebiedsanalyse", "Vergelijken", "Strategie", "Consultatie", "Panel",
                  "Profielen", "Werkmap", "Gegevens"):
        goto_page(page, title)
        audit(page, axe_source, title, problems)

    broken = tmp_path / "kapot.geojson"
    broken.write_text("dit is geen kaart", encoding="utf-8")
    page.locator("input[type=file]").first.set_input_files(str(broken))
    page.get_by_text("De vorige gegevens blijven getoond").first.wait_for(timeout=TIMEOUT_MS)
    audit(page, axe_source, "Gegevens, foutmelding bij upload", problems)

    survey = tmp_path / "enquete.csv"
    survey.write_text("vraag;antwoord\n1;2\n", encoding="utf-8")
    page.get_by_role("tab", name="Referentie-enquête").click()
    page.locator("input[type=file]").nth(1).set_input_files(str(survey))
    page.get_by_text("kan niet worden gebruikt").first.wait_for(timeout=TIMEOUT_MS)
    audit(page, axe_source, "Gegevens, foutmelding bij enquête", problems)
    page.close()
    assert not problems, "\n".join(problems)
