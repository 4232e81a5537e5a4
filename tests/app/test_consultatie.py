"""The Consultatie and Panel pages under AppTest: upload, reach check, suppression, downloads."""

from __future__ import annotations

import io
import re
import zipfile

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from atlas_ui.consultation import (
    area_display,
    channel_display,
    profile_display,
    theme_display,
    zip_tables,
)
from citisens_core.fictional.consultation import demo_consultation, demo_panel, to_csv_bytes
from citisens_core.privacy import SMALL

from .conftest import REPO

TIMEOUT = 180
GUARD = "Er ging iets mis"


@pytest.fixture(scope="module")
def consultation_csv():
    return to_csv_bytes(demo_consultation())


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=TIMEOUT)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [t.value for t in at.title] + [h.value for h in at.header]
    parts += [s.value for s in at.subheader] + [e.value for e in at.error]
    parts += [w.value for w in at.warning] + [i.value for i in at.info]
    return "\n".join(parts)


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.get("file_uploader")[0].set_value((name, data, "text/csv"))
    at.run()
    assert not at.exception, at.exception
    return at


def small_counts(frame: pd.DataFrame, columns) -> list:
    """Counts 1-9 shown as numbers (they must read "< 10")."""
    out = []
    for column in columns:
        for value in frame[column]:
            text = str(value).replace(".", "")
            if re.fullmatch(r"[1-9]", text):
                out.append((column, value))
    return out


def test_strategie_links_to_the_reach_check():
    at = open_page("pages/strategie.py")
    links = [el for el in at.get("page_link")]
    assert any("Wie hebben we bereikt" in el.proto.label for el in links)


def test_upload_shows_the_reach_check_with_the_planted_bias(consultation_csv):
    at = upload(open_page("pages/consultatie.py"), "reacties.csv", consultation_csv)
    page = texts(at)
    assert GUARD not in page
    assert "Bereikcheck van reacties.csv" in page
    assert "Gevestigde Beïnvloeders zijn oververtegenwoordigd" in page
    assert "Honkvaste Buurtbewoners zijn ondervertegenwoordigd" in page
    frames = [df.value for df in at.dataframe]
    profiles = next(f for f in frames if "Aantal respondenten" in f.columns)
    assert profiles.loc["Gevestigde Beïnvloeders", "Oordeel"] == "oververtegenwoordigd"
    channels = next(f for f in frames if "Totaal" in f.columns)
    assert SMALL in channels.to_numpy()  # e.g. few Kritische Vernieuwers on the street
    for frame in frames:
        count_columns = [c for c in frame.columns if c in ("Totaal", "Respondenten", "Aantal")
                         or c.startswith("Aantal") or c in channels.columns]
        assert not small_counts(frame.reset_index(), [c for c in count_columns
                                                      if c in frame.columns]), frame


def test_a_bad_file_names_the_row_and_keeps_the_previous_results(consultation_csv):
    at = upload(open_page("pages/consultatie.py"), "reacties.csv", consultation_csv)
    at = upload(at, "fout.csv", b"postcode;kanaal\n3691AB;straat\nHALLO;straat\n")
    page = texts(at)
    assert "rij 3, kolom 'postcode': 'HALLO' is geen postcode" in page
    assert "U ziet nog steeds de uitkomsten van reacties.csv" in page
    assert "Bereikcheck van reacties.csv" in page


def test_file_text_is_shown_as_text_and_small_channels_suppressed():
    frame = demo_consultation().drop(columns="ware_profiel").copy()
    frame.loc[frame.index[:4], "kanaal"] = "<b>Buurtbus</b> **vet**"
    data = frame.to_csv(index=False, sep=";").encode()
    at = upload(open_page("pages/consultatie.py"), "klein.csv", data)
    assert GUARD not in texts(at)
    channels = next(df.value for df in at.dataframe if "Totaal" in df.value.columns)
    label = next(i for i in channels.index if "buurtbus" in i.lower())
    assert channels.loc[label, "Totaal"] == SMALL
    assert set(channels.loc[label].iloc[1:]) <= {SMALL, "0"}
    markdown = "\n".join(m.value for m in at.markdown)
    assert "<b>Buurtbus" not in markdown and "**vet**" not in markdown


def test_downloads_hold_only_suppressed_aggregates(residents_check=None):
    from citisens_core.atlas import AreaSet
    from citisens_core.consultation import reach_check
    from citisens_core.model import default_model
    from citisens_core.residents import build_residents
    from citisens_core.respondents import assign_profiles, read_responses
    from citisens_core.scheme import load_scheme
    from citisens_core.survey import answer_columns

    model = default_model()
    residents = build_residents(AreaSet.from_file(REPO / "geodata" / "demo-gemeente.gpkg"),
                                model)
    frame = demo_consultation().drop(columns="ware_profiel").copy()
    frame.loc[frame.index[:3], "kanaal"] = "Buurtbus"
    responses = read_responses(frame.to_csv(index=False, sep=";").encode(), "r.csv",
                               answer_columns(load_scheme()))
    check = reach_check(assign_profiles(responses, residents, model))
    data = zip_tables({"profielen": profile_display(check.profile_table()),
                       "kanalen": channel_display(check.channel_table()),
                       "buurten": area_display(check.area_table()),
                       "resultaten": theme_display(check.theme_table())})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        kanalen = pd.read_csv(archive.open("kanalen.csv"), sep=";", dtype=str)
        buurten = pd.read_csv(archive.open("buurten.csv"), sep=";", dtype=str)
        everything = "".join(archive.read(n).decode() for n in names)
    assert kanalen.set_index("Kanaal").loc["Buurtbus", "Totaal"] == SMALL
    assert not small_counts(kanalen, [c for c in kanalen.columns if c != "Kanaal"])
    assert not small_counts(buurten, ["Respondenten"])
    assert not re.search(r"\b\d{4}\s?[A-Z]{2}\b", everything)  # no PC6 in any download


def test_panel_page_plans_recruitment_and_offers_the_factsheet():
    at = upload(open_page("pages/panel.py"), "leden.csv", to_csv_bytes(demo_panel()))
    page = texts(at)
    assert GUARD not in page
    assert "Werf" in page and "Stadse Nomaden" in page
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Factsheet (PDF)" in labels and "Factsheet (HTML)" in labels


def test_the_reach_map_never_shows_a_small_count(consultation_csv):
    import json

    at = upload(open_page("pages/consultatie.py"), "reacties.csv", consultation_csv)
    charts = at.get("deck_gl_json_chart")
    assert charts, "no reach map on the page"
    spec = json.loads(charts[0].proto.json)
    layer = next(lyr for lyr in spec["layers"] if lyr["id"] == "bereik")
    shown = [f["properties"]["respondenten"] for f in layer["data"]["features"]]
    assert SMALL in shown  # the demo has buurten with a handful of respondents
    assert not [s for s in shown if re.fullmatch(r"[1-9]", s)]
    legend = "\n".join(m.value for m in at.markdown)
    assert "minder dan 10 respondenten" in legend
