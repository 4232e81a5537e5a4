"""Names from a crafted file are shown as text on every page, in tooltips and in downloads."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from atlas_ui.data import DATASET_KEY, DEMO_PATH, load_file
from atlas_ui.report import analysis_markdown
from atlas_ui.state import area_key
from citisens_core.export import estimates_csv
from citisens_core.geodata import read_areas
from citisens_core.plaintext import markdown_literal

from .conftest import REPO

#: What a hostile file could put in a name: Markdown, HTML, Streamlit directives,
#: LaTeX, a tooltip field and a spreadsheet formula.
CRAFTED = [
    "**vet** ![x](http://127.0.0.1:9/md.png)",
    "<img src='http://127.0.0.1:9/html.png'> [klik](javascript:alert(1))",
    "{code} :red[rood] $x^2$ :material/home:",
    "=HYPERLINK(\"http://127.0.0.1:9/\")",
]
RAW_MARKERS = ("**vet**", "![x]", "<img", "[klik]", ":red[", "$x^2$", ":material/")
PAGES = ["pages/kaart.py", "pages/gebiedsanalyse.py", "pages/vergelijken.py",
         "pages/strategie.py", "pages/gegevens.py"]


@pytest.fixture(scope="module")
def crafted(tmp_path_factory, warm_model):
    """The demo gemeente with crafted names on its largest buurten, read by the real reader."""
    buurten = read_areas(DEMO_PATH, level="buurt")
    biggest = buurten.sort_values("inwoners", ascending=False).index[: len(CRAFTED)]
    raw = buurten[["code", "naam", "inwoners", "huishoudens", "geometry"]].copy()
    raw = raw.rename(columns={"code": "buurtcode", "naam": "buurtnaam",
                              "inwoners": "aantal_inwoners", "huishoudens": "aantal_huishoudens"})
    raw.loc[biggest, "buurtnaam"] = CRAFTED
    path = tmp_path_factory.mktemp("crafted") / "buurten.geojson"
    raw.to_file(path, driver="GeoJSON")
    dataset = load_file(path, "![kaart](http://127.0.0.1:9/f.png).geojson", key="crafted")
    codes = list(dataset.levels["buurt"].set_index("naam").loc[CRAFTED, "code"])
    return dataset, codes


def live_syntax(markdown: str) -> list[str]:
    """The crafted markers still active in Markdown (a backslash-escaped character is text)."""
    unescaped = re.sub(r"\\.", "", markdown)
    return [m for m in RAW_MARKERS if m in unescaped]


def markdown_bodies(at: AppTest) -> list[str]:
    """Every text Streamlit renders as Markdown on the page."""
    bodies = [e.value for kind in ("markdown", "caption", "title", "header", "subheader",
                                   "info", "warning", "error", "success")
              for e in getattr(at, kind)]
    for table in at.table:
        frame = table.value
        bodies += [str(c) for c in frame.columns] + [str(i) for i in frame.index]
        bodies += [str(v) for v in frame.to_numpy().ravel()]
    return bodies


@pytest.mark.parametrize("page", PAGES)
def test_crafted_names_are_never_markdown(page, crafted):
    dataset, codes = crafted
    at = AppTest.from_file(str(REPO / page), default_timeout=90)
    at.session_state[DATASET_KEY] = dataset
    at.session_state[area_key("selected")] = codes[0]
    at.session_state[area_key("an_codes")] = codes[:1]
    at.session_state[area_key("cmp_codes")] = codes[:3]
    at.run()
    assert not at.exception, at.exception
    assert not [e.value for e in at.error if "Er ging iets mis" in e.value]
    bodies = markdown_bodies(at)
    # a backslash-escaped character is shown as itself: drop those, look for live syntax
    leaks = [b for b in bodies if live_syntax(b)]
    assert not leaks, leaks
    escaped = markdown_literal(CRAFTED[0])
    if page != "pages/gegevens.py":
        assert any(escaped in b for b in bodies), "the crafted name is not shown at all"


def test_tooltip_fills_each_field_once_and_escaped():
    """Pin what the map relies on: kaart.js fills the template in one pass (a value holding
    "{code}" is not filled again) and escapes every value as HTML."""
    source = (REPO / "atlas_ui" / "kaart.js").read_text(encoding="utf-8")
    assert re.search(r"data\.tooltip\.replace\(/\\\{\(\\w\+\)\\\}/g, \(_, name\) => escape\(",
                     source), "tooltip fill changed: check that values are escaped, filled once"


def test_downloads_keep_crafted_names_as_text(crafted, warm_model):
    import pandas as pd

    from atlas_ui.data import scheme

    dataset, _ = crafted
    est = dataset.estimates("buurt", warm_model)
    keys = list(warm_model.profile_keys)
    mix = pd.DataFrame({"aandeel": [1 / len(keys)] * len(keys), "laag": 0.0, "hoog": 0.5},
                       index=keys)
    text = analysis_markdown(CRAFTED[0], mix, {}, scheme(), confidence="laag", sources="x",
                             completeness=0.5, notes=CRAFTED[1], attribution="© Kadaster / CBS")
    assert not live_syntax(text)
    assert markdown_literal(CRAFTED[0]) in text
    named = est.merge(dataset.levels["buurt"][["code", "naam"]], on="code")
    csv = estimates_csv(named).decode("utf-8-sig")
    assert "\n=HYPERLINK" not in csv and ";=HYPERLINK" not in csv
    assert "'=HYPERLINK" in csv
