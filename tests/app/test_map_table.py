"""The map without sight or mouse: its table, its summary, the text behind the charts.

Pure helpers are tested on the demo gemeente's real estimates; the table's
selection is tested under AppTest against a click on the map.
"""

from __future__ import annotations

import asyncio
import functools

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from atlas_ui.charts import (
    index_figures,
    mix_figures,
    mix_frame,
    mix_lines,
)
from atlas_ui.data import DEMO_PATH, load_file, national_mix
from atlas_ui.document import DocumentMiddleware
from atlas_ui.format import demote_headings
from atlas_ui.layout import SELECTED_KEY
from atlas_ui.map_table import (
    COL_CLEAR,
    COL_CODE,
    COL_NAME,
    COL_PROFILE,
    NO_ESTIMATE,
    SORT_CODE,
    SORT_NAME,
    SORT_VALUE_HIGH,
    STATE_KEY,
    area_rows,
    clear_winner,
    filter_rows,
    map_summary,
    sort_rows,
    value_name,
)
from atlas_ui.maps import MODE_DOMINANT, MODE_FIGURE, MODE_PROFILE
from citisens_core.report.content import characteristic_index
from citisens_core.scheme import load_scheme

from .test_pages import click, kaart, new_app


@pytest.fixture(scope="module")
def demo(warm_model):
    return load_file(DEMO_PATH, DEMO_PATH.name, key="demo-table-test")


@pytest.fixture(scope="module")
def buurten(demo, warm_model):
    return demo.levels["buurt"], demo.estimates("buurt", warm_model)


@pytest.fixture(scope="module")
def sch():
    return load_scheme()


# --- doubt -------------------------------------------------------------------------------

def test_clear_winner_needs_the_interval_above_the_runner_up(buurten):
    _, est = buurten
    est = est.drop(columns=["dominant_duidelijk"], errors="ignore")  # the fallback rule
    clear = clear_winner(est)
    for i, row in est.reset_index(drop=True).iterrows():
        if not row["heeft_schatting"]:
            assert not clear[i]
            continue
        above = row[f"{row['dominant_profiel']}_laag"] > row[f"{row['tweede_profiel']}_hoog"]
        assert clear[i] == above
    assert clear.any() and not clear.all(), "the demo has clear and unclear buurten"


def test_clear_winner_trusts_the_estimates_own_flag(buurten):
    _, est = buurten
    flagged = est.assign(dominant_duidelijk=[i % 2 == 0 for i in range(len(est))])
    expected = flagged["dominant_duidelijk"].to_numpy() & est["heeft_schatting"].to_numpy()
    assert (clear_winner(flagged) == expected).all()


# --- the table ---------------------------------------------------------------------------

@pytest.mark.parametrize("mode, param", [(MODE_DOMINANT, None),
                                         (MODE_PROFILE, "zorgzame_senioren"),
                                         (MODE_FIGURE, "aandeel_65_plus"),
                                         (MODE_FIGURE, "inwoners")])
def test_table_has_one_row_per_mapped_area_with_the_colourings_value(buurten, sch, mode, param):
    table, est = buurten
    rows = area_rows(table, est, mode, param, sch)
    assert list(rows[COL_CODE]) == list(table["code"].astype(str))
    values = rows[value_name(rows)].to_numpy(dtype=float)
    if mode == MODE_PROFILE:
        expected = 100 * est[param].to_numpy(dtype=float)
        assert value_name(rows) == "Aandeel Zorgzame Senioren (%)"
    elif mode == MODE_FIGURE:
        expected = pd.to_numeric(table[param], errors="coerce").to_numpy(dtype=float)
        expected = expected * (100 if param == "aandeel_65_plus" else 1)
    else:
        expected = [100 * r[r["dominant_profiel"]] for _, r in est.iterrows()]
    has = est["heeft_schatting"].to_numpy() if mode != MODE_FIGURE else np.isfinite(expected)
    np.testing.assert_allclose(values[has], np.asarray(expected, dtype=float)[has])
    names = sch.names()
    first = est.iloc[0]
    assert rows[COL_PROFILE].iloc[0] == names[first["dominant_profiel"]]
    unclear = rows.loc[~clear_winner(est) & est["heeft_schatting"].to_numpy(), COL_CLEAR]
    assert unclear.str.startswith("nee (kans ").all() and len(unclear)
    chance = est["dominant_kans"].to_numpy()[~clear_winner(est) & est["heeft_schatting"]]
    assert (chance < 0.8).all()  # the estimates' own rule for an unclear winner
    clear = rows.loc[clear_winner(est), COL_CLEAR]
    assert clear.str.match(r"^ja \(kans \d+ %\)$").all() and len(clear)


def test_areas_without_an_estimate_say_so_in_words(buurten, sch):
    table, est = buurten
    est = est.copy()
    # as the estimator leaves an area where nobody lives: no profile at all
    est.loc[est.index[0], ["heeft_schatting", "dominant_profiel", "tweede_profiel"]] = (
        False, None, None)
    rows = area_rows(table, est, MODE_DOMINANT, None, sch)
    assert rows[COL_PROFILE].iloc[0] == NO_ESTIMATE
    assert np.isnan(rows[value_name(rows)].iloc[0])
    assert "Voor 1 gebied is geen schatting" in map_summary(table, est, MODE_DOMINANT, None,
                                                           "buurt", sch)


def test_filter_and_sort(buurten, sch):
    table, est = buurten
    rows = area_rows(table, est, MODE_DOMINANT, None, sch)
    name = rows[COL_NAME].iloc[7]
    found = filter_rows(rows, name[:5].upper())
    assert name in list(found[COL_NAME]) and len(found) < len(rows)
    assert list(filter_rows(rows, "  ")[COL_CODE]) == list(rows[COL_CODE])
    assert filter_rows(rows, "(.*").empty  # plain text, not a pattern
    by_value = sort_rows(rows, SORT_VALUE_HIGH)[value_name(rows)].to_numpy()
    assert (np.diff(by_value[np.isfinite(by_value)]) <= 0).all()
    assert list(sort_rows(rows, SORT_CODE)[COL_CODE]) == sorted(rows[COL_CODE])
    by_name = list(sort_rows(rows, SORT_NAME)[COL_NAME])
    assert by_name == sorted(by_name, key=str.lower)


# --- the summary -------------------------------------------------------------------------

def test_summary_counts_the_most_common_profiles_and_the_doubt(buurten, sch):
    table, est = buurten
    text = map_summary(table, est, MODE_DOMINANT, None, "buurt", sch)
    counts = est.loc[est["heeft_schatting"], "dominant_profiel"].value_counts()
    top = sch.profile(counts.index[0]).naam
    assert text.startswith(f"In {counts.iloc[0]} van de {len(est)} buurten is {top} naar "
                           "schatting het meest voorkomende profiel")
    unclear = int((~clear_winner(est) & est["heeft_schatting"].to_numpy()).sum())
    assert f"In {unclear} van de {int(est['heeft_schatting'].sum())} buurten is dat niet " \
           "duidelijk" in text


def test_summary_of_a_share_and_of_a_cbs_figure_names_the_extremes(buurten, sch):
    table, est = buurten
    text = map_summary(table, est, MODE_PROFILE, "zorgzame_senioren", "buurt", sch)
    usable = est[est["heeft_schatting"]]
    assert usable.loc[usable["zorgzame_senioren"].idxmax(), "naam"] in text
    assert text.startswith("Aandeel Zorgzame Senioren per buurt: naar schatting van ")
    text = map_summary(table, est, MODE_FIGURE, "inwoners", "buurt", sch)
    assert table.loc[table["inwoners"].idxmax(), "naam"] in text
    assert "(CBS) per buurt: van " in text


# --- selecting through the table is selecting on the map ---------------------------------

def choose_row(at: AppTest, code: str) -> AppTest:
    """Tick the table row of `code` the way Streamlit reports a dataframe selection."""
    state = at.session_state[STATE_KEY]
    at.session_state[state["key"]] = {"selection": {"rows": [state["codes"].index(code)],
                                                    "columns": [], "cells": []}}
    at.run()
    assert not at.exception, at.exception
    return at


def panel(at: AppTest) -> list[str]:
    return ([h.value for h in at.header] + [m.value for m in at.markdown]
            + [c.value for c in at.caption])


def test_a_row_chosen_in_the_table_opens_the_same_panel_as_a_map_click(buurten):
    table, _ = buurten
    code, name = str(table["code"].iloc[12]), str(table["naam"].iloc[12])
    by_table = choose_row(new_app(), code)
    by_click = click(new_app(), code)
    assert by_table.session_state[SELECTED_KEY] == by_click.session_state[SELECTED_KEY] == code
    assert name in [h.value for h in by_table.header]
    assert panel(by_table) == panel(by_click)
    # a later click on the map wins over the row still ticked in the table
    other = str(table["code"].iloc[3])
    click(by_table, other)
    assert by_table.session_state[SELECTED_KEY] == other


def test_the_map_has_a_text_alternative_and_a_skip_link():
    at = new_app()
    description = kaart(at)["beschrijving"]
    assert description.startswith("Kaart. In ") and "meest voorkomende profiel" in description
    assert any("(#kaart-als-tabel)" in m.value for m in at.markdown)
    assert "De kaart als tabel" in [h.value for h in at.header]


# --- text behind the charts, headings, page language -------------------------------------

def test_chart_figures_hold_every_value_of_the_chart(demo, warm_model, sch):
    est = demo.estimates("buurt", warm_model).iloc[0]
    keys = list(warm_model.profile_keys)
    own = pd.DataFrame({"aandeel": [est[k] for k in keys], "laag": [est[f"{k}_laag"] for k in keys],
                        "hoog": [est[f"{k}_hoog"] for k in keys]}, index=keys)
    nl = pd.DataFrame({"aandeel": national_mix(warm_model).to_numpy()}, index=keys)
    long = mix_frame({"Dit gebied": own, "Nederland": nl}, sch)
    figures = mix_figures(long, sch)
    assert list(figures.columns) == ["Dit gebied", "Nederland"]
    assert list(figures.index) == [p.naam for p in sch.profielen]
    first = sch.profielen[0]
    assert figures.loc[first.naam, "Dit gebied"] == (
        f"{100 * est[first.key]:.0f} % ({100 * est[first.key + '_laag']:.0f}–"
        f"{100 * est[first.key + '_hoog']:.0f} %)")
    lines = mix_lines(long, sch)
    assert lines[0] == (f"{first.naam}: Dit gebied {figures.iloc[0, 0]}, Nederland "
                        f"{figures.iloc[0, 1]}") and len(lines) == len(sch.profielen)
    index = characteristic_index({"Dit gebied": own["aandeel"]}, national_mix(warm_model), sch)
    table = index_figures(index)
    assert table.shape == (4, 1) and table.index.name == "Kenmerk (Nederland = 100)"


def test_a_document_inside_a_page_continues_its_heading_outline():
    text = "# Titel\n\ntekst met # hekje\n## Deel\n```\n# geen kop\n```\n###### diep\n"
    assert demote_headings(text, 1) == (
        "## Titel\n\ntekst met # hekje\n### Deel\n```\n# geen kop\n```\n###### diep\n")


def run_asgi(middleware, path: str, body: bytes, content_type: bytes = b"text/html") -> tuple:
    seen: dict = {}

    async def app(scope, receive, send):
        seen["headers"] = dict(scope["headers"])
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", content_type),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "path": path,
             "headers": [(b"accept-encoding", b"gzip"), (b"host", b"x")]}
    asyncio.run(middleware(app)(scope, None, send))
    return seen["headers"], sent


def test_the_html_document_is_served_as_dutch_with_the_map_library_early():
    page = b'<!doctype html><html lang="en"><head><title>x</title></head><body></body></html>'
    middleware = functools.partial(DocumentMiddleware, deck_url="./app/static/deck.js")
    headers, sent = run_asgi(middleware, "/gebiedsanalyse", page)
    body = sent[1]["body"]
    assert body.startswith(b'<!doctype html><html lang="nl"><head><title>x</title><link rel="preload"')
    assert b'data-atlas-deck href="./app/static/deck.js"' in body
    assert dict(sent[0]["headers"])[b"content-length"] == str(len(body)).encode()
    assert b"accept-encoding" not in headers  # read uncompressed, so it can be rewritten
    # assets and other content types pass untouched
    script = b'x = \'<html lang="en"></head>\''
    _, sent = run_asgi(middleware, "/static/js/main.js", script)
    assert sent[1]["body"] == script
    _, sent = run_asgi(middleware, "/data.json", page, b"application/json")
    assert sent[1]["body"] == page
