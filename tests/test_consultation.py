"""Reach check and panel on the synthetic demo consultation and panel (planted bias)."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pandas as pd
import pytest

from citisens_core.atlas import AreaSet
from citisens_core.cli import main
from citisens_core.consultation import IN_LINE, OVER, UNDER, reach_check
from citisens_core.fictional.consultation import (
    CONSULTATION_BIAS,
    PANEL_BIAS,
    demo_consultation,
    demo_panel,
    to_csv_bytes,
)
from citisens_core.model import default_model
from citisens_core.panel import panel_check
from citisens_core.privacy import SMALL
from citisens_core.render_consultation import (
    factsheet,
    factsheet_html,
    factsheet_pdf,
    panel_to_markdown,
    reach_to_markdown,
)
from citisens_core.residents import build_residents
from citisens_core.respondents import ResponsesError, assign_profiles, read_responses
from citisens_core.survey import answer_columns

from .conftest import REPO

DEMO = REPO / "geodata" / "demo-gemeente.gpkg"


@pytest.fixture(scope="module")
def model():
    return default_model()


@pytest.fixture(scope="module")
def items(scheme):
    return answer_columns(scheme)


@pytest.fixture(scope="module")
def residents(model):
    return build_residents(AreaSet.from_file(DEMO), model)


@pytest.fixture(scope="module")
def check(residents, model, items):
    responses = read_responses(to_csv_bytes(demo_consultation()), "demo.csv", items)
    return reach_check(assign_profiles(responses, residents, model))


@pytest.fixture(scope="module")
def pcheck(residents, model, items):
    members = read_responses(to_csv_bytes(demo_panel()), "panel.csv", items,
                             require_channel=False)
    return panel_check(assign_profiles(members, residents, model))


# --- done when: the planted bias is recovered --------------------------------------------

def test_planted_consultation_bias_is_recovered_and_nothing_else(check):
    rep = check.profielen
    for key, factor in CONSULTATION_BIAS.items():
        expected = OVER if factor > 1 else UNDER
        assert rep.at[key, "oordeel"] == expected, rep.loc[key]
    others = [k for k in rep.index if k not in CONSULTATION_BIAS]
    for key in others:
        assert rep.at[key, "verhouding_laag"] < 1 < rep.at[key, "verhouding_hoog"], rep.loc[key]
    assert set(check.ondervertegenwoordigd) == {k for k, f in CONSULTATION_BIAS.items() if f < 1}


def test_planted_panel_bias_is_recovered(pcheck):
    rep = pcheck.profielen
    assert rep.at["stadse_nomaden", "oordeel"] == UNDER
    assert rep.at["gevestigde_beinvloeders", "oordeel"] == OVER
    for key in (k for k in rep.index if k not in PANEL_BIAS):
        assert rep.at[key, "oordeel"] == IN_LINE, rep.loc[key]
    plan = pcheck.werving
    assert plan["extra"].idxmax() == "stadse_nomaden"
    assert plan.at["gevestigde_beinvloeders", "extra"] == 0  # the binding profile
    # after the plan the panel has the target mix
    after = plan["aantal"] + plan["extra"]
    assert np.abs(after / after.sum() - plan["doel_aandeel"]).max() < 0.005


def test_channels_show_where_the_planted_profiles_came_from(check):
    table = check.kanalen
    def top(channel):
        rows = table[table["kanaal"] == channel]
        return rows.sort_values("aantal").iloc[-1]["profiel"]
    assert top("Bijeenkomst") == "gevestigde_beinvloeders"
    assert top("Straat") == "honkvaste_buurtbewoners"
    advice = {a["profiel"]: a for a in check.advies}
    assert "sociale media" in advice["stadse_nomaden"]["zin"].lower()
    assert "straat" in advice["honkvaste_buurtbewoners"]["zin"].lower()


# --- done when: weights bring the mix within 2 pp -----------------------------------------

def test_weights_bring_the_profile_mix_within_two_points(check, pcheck):
    assert check.max_gap_pp < 2.0
    assert pcheck.max_gap_pp if hasattr(pcheck, "max_gap_pp") else True
    gap = 100 * np.abs(pcheck.gewogen_mix.to_numpy() - pcheck.residents.shares).max()
    assert gap < 2.0
    w = check.gewichten
    assert w.w.max() <= w.cap * (1 + 1e-6)
    assert 0 < w.n_eff < w.n
    unweighted = 100 * np.abs(check.profielen["aandeel_respondenten"]
                              - check.profielen["aandeel_inwoners"]).max()
    assert unweighted > 5  # the weights had real work to do


def test_weighting_moves_theme_results_towards_the_residents(check):
    green = check.thema[check.thema["soort"] == "gemiddelde"].iloc[0]
    # Gevestigde Beïnvloeders (over-represented) care least for green: weighting raises it
    assert green["gewogen"] > green["ongewogen"]
    assert green["marge_gewogen"] > green["marge"]  # fewer effective respondents


# --- small groups -------------------------------------------------------------------------

def _numbers_below_ten(values):
    return [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)
            and 0 < v < 10 and float(v).is_integer()]


def test_every_count_in_the_json_is_suppressed(check, pcheck):
    for payload in (check.to_dict(), pcheck.to_dict()):
        text = json.dumps(payload, ensure_ascii=False)
        assert SMALL in text
        for channel in payload.get("kanalen", []):
            for entry in channel["profielen"].values():
                if entry["aantal"] == SMALL:
                    assert entry["aandeel"] is None
                else:
                    assert entry["aantal"] == 0 or entry["aantal"] >= 10
        counts = [p.get("aantal_respondenten", p.get("aantal_leden"))
                  for p in payload["profielen"].values()]
        assert not _numbers_below_ten(counts)


def test_small_channel_is_suppressed_everywhere(residents, model, items):
    frame = demo_consultation().copy()
    frame.loc[frame.index[:4], "kanaal"] = "Buurtbus"  # a channel with 4 people
    responses = read_responses(to_csv_bytes(frame), "klein.csv", items)
    small = reach_check(assign_profiles(responses, residents, model))
    bus = next(c for c in small.to_dict()["kanalen"] if c["kanaal"] == "Buurtbus")
    assert bus["aantal"] == SMALL
    assert all((v["aantal"] in (SMALL, 0) and v["aandeel"] is None) or v["aantal"] == 0
               for v in bus["profielen"].values())
    note = reach_to_markdown(small)
    assert "**Buurtbus** (< 10)" in note
    assert not re.search(r"Buurtbus\*\* \([1-9]\)", note)


def test_markdown_and_factsheet_hold_no_small_numbers_and_escape_file_text(pcheck):
    note = panel_to_markdown(pcheck)
    assert "Wervingsplan" in note and "Stadse Nomaden" in note
    sheet = factsheet(pcheck, "Afval <b>peiling</b>", "We gaan *vaker* ophalen.\nVanaf mei.")
    page = factsheet_html(sheet)
    assert "&lt;b&gt;peiling&lt;/b&gt;" in page and "<b>peiling" not in page
    assert "Fictieve demogemeente" in page
    pdf = factsheet_pdf(sheet)
    assert pdf[:5] == b"%PDF-" and len(pdf) > 5000


# --- reading files ------------------------------------------------------------------------

def test_header_variants_and_xlsx_are_read(items):
    frame = pd.DataFrame({"Postcode 6": ["3691 ab", "3692"], "Via": ["straat", "Straat "],
                          "Leeftijdsgroep": ["25 - 44", "67"], "Vraag 1": ["ja", "nee"]})
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    responses = read_responses(buffer.getvalue(), "antwoorden.xlsx", items)
    assert responses.frame["postcode"].tolist() == ["3691AB", "3692"]
    assert responses.frame["kanaal"].tolist() == ["Straat", "Straat"]
    assert responses.frame["leeftijd"].tolist() == ["25-44", "65+"]
    assert responses.themes == ("Vraag 1",)


@pytest.mark.parametrize("csv, message", [
    ("postcode;kanaal\n3691AB;straat\nABCDEF;straat\n",
     r"rij 3, kolom 'postcode': 'ABCDEF' is geen postcode"),
    ("postcode;kanaal\n3691AB;\n", r"rij 2, kolom 'kanaal': '' is leeg"),
    ("postcode;kanaal;leeftijd\n3691AB;straat;12\n", r"rij 2, kolom 'leeftijd': '12' ligt buiten"),
    ("postcode;kanaal;kanaal_straat\n3691AB;straat;7\n",
     r"rij 2, kolom 'kanaal_straat': '7' is geen antwoord 1-5"),
    ("pc;leeftijd\n3691AB;30\n", r"kolom 'kanaal' ontbreekt"),
    ("", "leeg"),
])
def test_bad_files_name_row_column_and_value(items, csv, message):
    with pytest.raises(ResponsesError, match=message):
        read_responses(csv.encode(), "reacties.csv", items)


# --- command line -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bereik")
    consultation = folder / "consultatie.csv"
    consultation.write_bytes(to_csv_bytes(demo_consultation()))
    panel = folder / "panel.csv"
    panel.write_bytes(to_csv_bytes(demo_panel()))
    return consultation, panel


def test_cli_bereik_json(files, capsys):
    assert main(["bereik", str(DEMO), str(files[0]), "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    for entry in payload["profielen"].values():
        assert {"aandeel_respondenten", "aandeel_inwoners", "verhouding", "verhouding_laag",
                "verhouding_hoog"} <= set(entry)
    assert set(payload["ondervertegenwoordigd"]) == {"honkvaste_buurtbewoners", "stadse_nomaden"}
    assert payload["kanalen"] and payload["advies"]
    assert payload["weging"]["grootste_afwijking_pp"] < 2
    assert "postcode" not in json.dumps(payload["gebieden"])  # no individual rows, no PC6


def test_cli_panel_md(files, capsys):
    assert main(["panel", str(DEMO), str(files[1]), "--format", "md"]) == 0
    out = capsys.readouterr().out
    assert "## Wervingsplan" in out and "Werf" in out


def test_cli_panel_json_has_werving(files, capsys):
    assert main(["panel", str(DEMO), str(files[1])]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["werving"]["stadse_nomaden"]["extra"] > 0
    assert payload["werving"]["stadse_nomaden"]["kanalen"]


def test_cli_bad_file_is_one_dutch_line(tmp_path, capsys):
    bad = tmp_path / "fout.csv"
    bad.write_text("postcode;kanaal\nXYZ;straat\n")
    assert main(["bereik", str(DEMO), str(bad)]) == 1
    err = capsys.readouterr().err
    assert "rij 2, kolom 'postcode'" in err and "Traceback" not in err


def test_a_crosswalk_places_postcodes_by_address(model, tmp_path, capsys):
    """A wijk- en buurtkaart has no postcode areas; CBS's crosswalk places the postcodes."""
    from citisens_core.fictional.demo import build_demo

    crosswalk = build_demo().postcode_buurt
    path = tmp_path / "pc6hnr.csv"
    crosswalk.to_csv(path, sep=";", index=False)
    buurten_only = tmp_path / "buurten.gpkg"
    import pyogrio

    pyogrio.write_dataframe(pyogrio.read_dataframe(DEMO, layer="buurten"), buurten_only,
                            layer="buurten", driver="GPKG")
    responses = tmp_path / "reacties.csv"
    responses.write_bytes(to_csv_bytes(demo_consultation()))
    assert main(["bereik", str(buurten_only), str(responses)]) == 1
    assert "postcode" in capsys.readouterr().err
    assert main(["bereik", str(buurten_only), str(responses), "--koppeltabel", str(path)]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["respondenten"] == "900"
    assert set(payload["ondervertegenwoordigd"]) == {"honkvaste_buurtbewoners", "stadse_nomaden"}
