"""The Strategie page on the demo gemeente (AppTest), and the page's helpers.

The page is run on its own (``pages/strategie.py``); the area choice is put in
the session before the run, as the Kaart page or an earlier visit would.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module

from atlas_ui.advice import SHARED_MESSAGE, file_stem
from atlas_ui.state import area_key, session_key
from citisens_core.atlas import selection_name

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "strategie.py")
MOLENWIJK, BLOEMENBUURT, DE_HESSEL = "BU99010206", "BU99010204", "BU99010807"


def run_page(codes: list[str] | None = None, **state) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=90)
    if codes is not None:
        at.session_state[area_key("st_codes")] = codes
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def texts(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


def unescape(text: str) -> str:
    """Markdown shown literally is backslash-escaped; the user sees it without."""
    return re.sub(r"\\(.)", r"\1", text)


def ranked(at: AppTest) -> list[tuple[str, str]]:
    """(name, reason) of every ranked card on the page: channels first, then instruments."""
    blocks = texts(at)
    out = []
    for i, block in enumerate(blocks):
        match = re.match(r"^\*\*\d+\. (.+?)\*\* — naar schatting", block)
        if match:
            out.append((unescape(match.group(1)), unescape(blocks[i + 1])))
    return out


def top_channel(at: AppTest) -> tuple[str, str]:
    return ranked(at)[0]


def test_without_an_area_the_page_asks_for_one_and_shows_the_map():
    at = run_page()
    assert any("Kies hierboven een of meer gebieden" in i.value for i in at.info)
    assert at.multiselect(key=area_key("st_codes")).value == []


def test_ranked_channels_and_instruments_come_with_reasons():
    at = run_page([MOLENWIJK])
    assert [h.value for h in at.header] == ["Advies voor Molenwijk"]
    cards = ranked(at)
    assert len(cards) == 10  # top five channels and top five instruments
    for name, reason in cards:
        assert "naar schatting" in reason, (name, reason)
        assert reason.startswith("In Molenwijk woont naar schatting"), reason
        assert not re.search(r"[{}]", reason)
    # the estimate is shown as one: confidence, completeness and the group reminder
    page_text = " ".join(texts(at)) + " ".join(c.value for c in at.caption)
    assert "Betrouwbaarheid:" in page_text and "90 %-interval" in page_text
    assert "nooit een label voor een persoon" in page_text


def test_two_buurten_with_different_mixes_get_different_top_channels():
    molen = ranked(run_page([MOLENWIJK]))[:3]
    hessel_name, hessel_reason = top_channel(run_page([DE_HESSEL]))
    assert molen[0][0] != hessel_name
    # each reason names a profile for which that channel is its own best: the street
    # for the Honkvaste Buurtbewoners who make up most of Molenwijk
    assert any(name.startswith("Op straat") and "Honkvaste Buurtbewoners" in reason
               for name, reason in molen)
    assert "Zelfbewuste Aanpakkers" in hessel_reason or "Gevestigde Beïnvloeders" in hessel_reason


def test_ondermijning_shows_the_shared_message_note():
    at = run_page([MOLENWIJK])
    assert SHARED_MESSAGE not in [i.value for i in at.info]
    at.selectbox(key=area_key("st_thema")).set_value("ondermijning").run()
    assert not at.exception
    assert SHARED_MESSAGE in [i.value for i in at.info]
    assert any("Ondermijning melden" in t for t in texts(at))
    # the choice survives a rerun
    at.run()
    assert at.selectbox(key=area_key("st_thema")).value == "ondermijning"
    assert SHARED_MESSAGE in [i.value for i in at.info]


def test_planner_says_whether_the_minimum_is_met():
    at = run_page([MOLENWIJK])
    assert any("Elk aanwezig profiel wordt voor minstens 50 % bereikt" in s.value
               for s in at.success)
    at.slider(key=area_key("st_plan_n")).set_value(1)
    at.slider(key=area_key("st_plan_min")).set_value(90)
    at.run()
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert any("Met 1 kanaal" in w and "haalt geen enkele combinatie 90 %" in w for w in warnings)


def test_planner_with_a_budget_keeps_the_effort_within_it():
    at = run_page([DE_HESSEL], **{area_key("st_plan_mode"): "Inspanning (budget)",
                                     area_key("st_plan_budget"): 4})
    plan = next(m.value for m in [*at.success, *at.warning] if m.value.startswith("Met "))
    effort = float(re.search(r"inspanning van ([\d.]+)", plan).group(1))
    assert effort <= 4


def unreached_total(at: AppTest) -> int:
    line = next(t for t in texts(at) if t.startswith("Met deze keuze blijft"))
    return int(re.search(r"\*\*(\d+) %\*\*", line).group(1))


def test_who_we_miss_shrinks_when_a_channel_is_added_and_names_what_helps():
    at = run_page([MOLENWIJK])
    channels = at.multiselect(key=area_key("st_mis_kanalen"))
    assert len(channels.value) == 3  # the engine's default mix
    channels.set_value(["website"]).run()  # one channel misses most Honkvaste Buurtbewoners
    before = unreached_total(at)
    assert any("blijft met deze aanpak naar schatting" in unescape(t) for t in texts(at))
    at.multiselect(key=area_key("st_mis_kanalen")).set_value(["website", "straat", "brief"]).run()
    assert unreached_total(at) < before
    at.multiselect(key=area_key("st_mis_kanalen")).set_value([])
    at.multiselect(key=area_key("st_mis_instrumenten")).set_value([]).run()
    assert any("Kies minstens één kanaal of instrument" in i.value for i in at.info)


def test_a_selection_on_the_map_becomes_the_area():
    at = run_page(**{area_key("selected"): DE_HESSEL})
    assert [h.value for h in at.header] == ["Advies voor De Hessel"]


@pytest.fixture
def media(monkeypatch) -> list:
    """Every in-memory media store AppTest creates, to read download contents back."""
    stores = []
    base = app_test_module.MemoryMediaFileStorage

    class Recording(base):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            stores.append(self)

    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", Recording)
    return stores


def download(at: AppTest, media: list, key: str) -> bytes:
    button = at.get("download_button")
    url = next(b.proto.url for b in button if b.proto.id.endswith(key) or key in b.proto.id)
    return media[-1].get_file(url.rsplit("/", 1)[-1]).content


def test_downloads_hold_the_advice_for_the_area(media):
    at = run_page([MOLENWIJK, BLOEMENBUURT])
    note = download(at, media, area_key("st_dl_md")).decode("utf-8")
    assert note.startswith("# Participatieadvies: Molenwijk en Bloemenbuurt")
    assert "## Kanalen" in note and "## Wie missen we" in note and "## Campagneplan" in note
    assert "naar schatting" in note
    assert f"]({file_stem('Molenwijk en Bloemenbuurt')}-kaart.png)" in note
    page = download(at, media, area_key("st_dl_html")).decode("utf-8")
    assert "<title>Participatieadvies: Molenwijk en Bloemenbuurt</title>" in page
    assert 'src="data:image/png;base64,' in page
    png = download(at, media, area_key("st_dl_png"))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


def test_an_unexpected_error_shows_a_dutch_message_not_a_traceback():
    at = AppTest.from_file(PAGE, default_timeout=90)
    at.session_state[session_key("dataset")] = "geen dataset"  # a broken session
    at.run()
    assert not at.exception
    assert any("Er ging iets mis" in e.value for e in at.error)


REAL = (Path(__file__).resolve().parents[2] / ".." / "shared" / "real-cbs" / "buurt-2015"
        / "gooi_en_vechtstreek.geojson")


def test_real_cbs_buurten_get_differentiated_advice():
    if not REAL.exists():
        pytest.skip(f"real CBS sample not found at {REAL}")
    from atlas_ui.data import DATASET_KEY, load_file

    dataset = load_file(REAL, REAL.name, key="real-gooi")
    # Blaricum: the village centre and the newer Bijvanck differ in who lives there
    centre = run_page(["BU03760000"], **{DATASET_KEY: dataset})
    bijvanck = run_page(["BU03760001"], **{DATASET_KEY: dataset})
    assert top_channel(centre)[0] != top_channel(bijvanck)[0]
    assert any("© Kadaster / CBS" in m.value for m in centre.markdown)


# --- helpers -------------------------------------------------------------------------------


@pytest.mark.parametrize(("names", "expected"), [
    (["Molenwijk"], "Molenwijk"),
    (["Molenwijk", "De Hessel"], "Molenwijk en De Hessel"),
    (["A", "B", "C"], "A, B en C"),
    (["A", "B", "C", "D", "E"], "A, B en 3 andere gebieden"),
])
def test_selection_names_read_as_dutch(names, expected):
    assert selection_name(names) == expected


@pytest.mark.parametrize(("name", "stem"), [
    ("Molenwijk", "participatieadvies-molenwijk"),
    ("'t Veld en Ruïnepark", "participatieadvies-t-veld-en-ruinepark"),
    ("../../etc/passwd", "participatieadvies-etc-passwd"),
    ("***", "participatieadvies"),
])
def test_download_names_are_safe(name, stem):
    assert file_stem(name) == stem


def test_reach_is_shown_in_whole_percents_with_its_interval():
    at = run_page([MOLENWIJK])
    headers = [t for t in texts(at) if re.match(r"^\*\*\d+\. .+?\*\* — naar schatting", t)]
    assert headers
    for header in headers:
        match = re.search(r"naar schatting (\d+) % \(90 %-interval (\d+)–(\d+) %\)", header)
        assert match, header
        value, low, high = map(int, match.groups())
        assert low <= value <= high
