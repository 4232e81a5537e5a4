"""Werkmappen under AppTest: a link's view, saving choices, resident data, deletion,
and an unreachable database (the app keeps working on the demo).

AppTest runs only the first run of a session through ``dashboard.py``; later runs
execute the page alone (it resets Streamlit's pages-folder flag on every run), so
the dashboard's hooks are checked on first runs and the page's own effects after.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from atlas_ui import werkmap as wm
from atlas_ui.maps import MODE_FIGURE
from citisens_core.store import Store, WerkmapNotFound

from .conftest import REPO
from .mapdata import map_elements

TIMEOUT = 90


@pytest.fixture
def database(monkeypatch, tmp_path):
    """An empty SQLite werkmap database in a temporary data folder, used by the app."""
    monkeypatch.setenv("ATLAS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ATLAS_DATABASE_URL", raising=False)
    wm._store.clear()
    wm._last_failure[0] = 0.0
    store = Store()
    yield store
    store.dispose()
    wm._store.clear()


def app(**params: str) -> AppTest:
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    return at


def run(at: AppTest, page: str | None = None) -> AppTest:
    (at.switch_page(page) if page else at).run()
    assert not at.exception, at.exception
    return at


def test_a_link_opens_the_werkmap_at_the_view_it_names(database):
    made = database.create("Workshop", {"atlas:st_thema": "wonen"})
    at = run(app(werkmap=made.id, niveau="wijk", kleur="cijfer", cijfer="woz",
                 gebied="WK990101"))
    assert at.radio(key="atlas:level").value == "wijk"
    assert at.selectbox(key="atlas:mode").value == MODE_FIGURE
    assert at.selectbox(key="atlas:mode_figure").value == "woz"
    assert "Centrum" in [h.value for h in at.header]  # the side panel of WK990101
    assert any("Workshop — wordt bewaard" in c.value for c in at.sidebar.caption)
    assert at.query_params["werkmap"] == made.id
    assert at.query_params["gebied"] == "WK990101"


def test_the_links_view_is_saved_in_the_werkmap(database):
    made = database.create("Keuzes", {"atlas:level": "buurt"})
    at = run(app(werkmap=made.id, niveau="wijk"))
    assert at.radio(key="atlas:level").value == "wijk"
    assert database.get(made.id).toestand["atlas:level"] == "wijk"


def test_a_new_werkmap_keeps_the_current_view_and_gives_a_link(database):
    at = run(app(niveau="wijk"))
    run(at, "pages/werkmap.py")
    at.text_input[0].input("Wijkaanpak Noord")
    at.button[0].click()
    run(at)
    assert any("is gemaakt" in s.value for s in at.success)
    werkmap_id = at.session_state[wm.WERKMAP_KEY].id
    assert database.get(werkmap_id).toestand["atlas:level"] == "wijk"
    assert werkmap_id in at.code[0].value


def test_resident_data_is_kept_only_after_ticking_the_statement(database):
    made = database.create("Consultatie")
    at = run(run(app(werkmap=made.id)), "pages/werkmap.py")
    box = at.checkbox(key=f"atlas_wm_keep_{made.id}")
    assert not box.value and not database.get(made.id).bewaar_inwonersdata
    box.check()
    run(at)
    assert database.get(made.id).bewaar_inwonersdata
    assert any("SQLite" in i.value and "gewist" in i.value for i in at.info)


def test_deleting_from_the_page_removes_every_row(database):
    made = database.create("Weg")
    database.add_note(made.id, "buurt", "BU99010101", "notitie")
    at = run(run(app(werkmap=made.id)), "pages/werkmap.py")
    at.checkbox(key="atlas_wm_sure").check()
    run(at)
    next(b for b in at.button if b.label == "Werkmap verwijderen").click()
    run(at)
    with pytest.raises(WerkmapNotFound):
        database.get(made.id)
    assert database.row_counts() == dict.fromkeys(database.row_counts(), 0)
    assert wm.WERKMAP_KEY not in at.session_state


def test_an_unreachable_database_leaves_the_demo_working(monkeypatch, tmp_path):
    monkeypatch.setenv("ATLAS_DATABASE_URL", "postgresql://atlas@127.0.0.1:9/atlas")
    wm._store.clear()
    wm._last_failure[0] = 0.0
    try:
        at = run(app(werkmap="a" * 24))
        assert len(map_elements(at)[0]["gebieden"]) > 10, "the demo map is still shown"
        assert any("niet bereikbaar" in e.value for e in at.sidebar.error)
        run(at, "pages/werkmap.py")
        assert any("niet bereikbaar" in e.value for e in at.error)
        assert "demogemeente" in at.error[0].value
    finally:
        wm._store.clear()
        wm._last_failure[0] = 0.0


def test_consultation_data_is_kept_only_by_choice_and_opens_with_the_link(database):
    from citisens_core.fictional.consultation import demo_consultation, to_csv_bytes

    csv = to_csv_bytes(demo_consultation())
    made = database.create("Consultatie bewaren")
    at = run(run(app(werkmap=made.id)), "pages/consultatie.py")
    at.get("file_uploader")[0].set_value(("reacties.csv", csv, "text/csv"))
    run(at)
    assert database.file(made.id, "consultatie") is None  # not chosen: memory only

    run(at, "pages/werkmap.py")
    at.checkbox(key=f"atlas_wm_keep_{made.id}").check()
    run(at)
    assert database.file(made.id, "consultatie")[1] == csv  # this session's upload, kept now

    colleague = run(run(app(werkmap=made.id)), "pages/consultatie.py")
    assert colleague.session_state["atlas_consultatie_upload"].responses.source == "reacties.csv"

    run(at, "pages/werkmap.py")
    at.checkbox(key=f"atlas_wm_keep_{made.id}").uncheck()
    run(at)
    assert database.file(made.id, "consultatie") is None  # unticking erases it
