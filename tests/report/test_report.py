"""The area report as a user receives it: a PDF read back with poppler.

The PDF is rendered with ``pdftoppm`` (it must be a valid, drawable document)
and its text read with ``pdftotext``: the area's name, an interval, the
attribution and the group-not-person reminder must be on the page, and the
page count must keep its promise (two pages for one area; a cover plus one page
per area for several).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from citisens_core.cli import main
from citisens_core.dutch import GROUP_REMINDER
from citisens_core.geodata import read_areas

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "geodata" / "demo-gemeente.gpkg"
REAL_CBS = REPO.parent / "shared" / "real-cbs"

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                reason="poppler-utils (pdftotext, pdftoppm) not installed")


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    return " ".join(out.split())  # lines wrap anywhere: compare on single spaces


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True,
                          text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def render_pages(path: Path, tmp_path: Path) -> list[Path]:
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "page")],
                   check=True)
    return sorted(tmp_path.glob("page-*.png"))


def demo_buurten() -> dict[str, str]:
    table = read_areas(DEMO, level="buurt")
    return dict(zip(table["code"], table["naam"], strict=True))


def test_one_buurt_gives_two_pages_with_name_interval_credit_and_reminder(tmp_path, capsys):
    names = demo_buurten()
    code = "BU99010101"
    out = tmp_path / "rapport.pdf"
    notes = tmp_path / "notities.txt"
    notes.write_text("Buurthuis De Linde sluit in maart; <b>niet</b> *vet*.", encoding="utf-8")
    assert main(["rapport", str(DEMO), "--code", code, "--out", str(out),
                 "--notities", str(notes)]) == 0
    assert "geschreven naar" in capsys.readouterr().out
    assert pdf_pages(out) <= 2
    pages = render_pages(out, tmp_path)
    assert len(pages) == pdf_pages(out)
    assert all(p.stat().st_size > 5_000 for p in pages)  # drawn pages, not blank
    text = pdf_text(out)
    assert f"Gebiedsrapport: {names[code]}" in text
    assert re.search(r"\d+–\d+ %", text), "no 90 % interval in the report"
    assert "90 %-interval" in text
    assert "Fictieve demogemeente" in text
    assert GROUP_REMINDER in text
    # the user's notes are printed as written: markup is text, not formatting
    assert "<b>niet</b> *vet*" in text
    assert "Kanalen met het meeste bereik" in text
    assert "Vier kenmerken" in text
    assert "Bronnen en gegevens" in text and "jaar 2024" in text


def test_three_buurten_give_a_cover_and_one_page_each(tmp_path):
    names = demo_buurten()
    codes = ["BU99010101", "BU99010102", "BU99010103"]
    out = tmp_path / "rapport.pdf"
    args = ["rapport", str(DEMO), "--out", str(out)]
    for code in codes:
        args += ["--code", code]
    assert main(args) == 0
    assert pdf_pages(out) == 1 + len(codes)
    text = pdf_text(out)
    for code in codes:
        assert names[code] in text
    pages = subprocess.run(["pdftotext", "-layout", str(out), "-"], check=True,
                           capture_output=True, text=True).stdout.split("\f")
    # each area page opens with the area's name
    for page, code in zip(pages[1:], codes, strict=False):
        assert page.strip().startswith(names[code])


def test_real_cbs_file_is_credited_to_kadaster_and_cbs(tmp_path):
    path = REAL_CBS / "buurt-2015" / "gooi_en_vechtstreek.geojson"
    if not path.exists():
        pytest.skip(f"real CBS sample not found at {path}")
    table = read_areas(path, level="buurt")
    row = table[table["huishoudens"] > 500].iloc[0]
    out = tmp_path / "rapport.pdf"
    assert main(["rapport", str(path), "--code", str(row["code"]), "--out", str(out)]) == 0
    text = pdf_text(out)
    assert "© Kadaster / CBS, 2015" in text
    assert str(row["naam"]) in text
    assert "fictief" not in text.lower()
    assert pdf_pages(out) <= 2


@pytest.mark.parametrize("args, message", [
    (["--code", "BU99019999"], "unknown --code BU99019999"),
    (["--code", "BU99010101", "--code", "WK990101"], "mixes levels"),
    (["--code", "BU99010101", "--thema", "vuurwerkk"], "unknown --thema"),
])
def test_bad_input_is_one_clear_line(tmp_path, capsys, args, message):
    out = tmp_path / "rapport.pdf"
    assert main(["rapport", str(DEMO), "--out", str(out), *args]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists()


def test_out_must_be_a_pdf(tmp_path, capsys):
    assert main(["rapport", str(DEMO), "--code", "BU99010101",
                 "--out", str(tmp_path / "rapport.docx")]) == 1
    assert "--out must end in .pdf" in capsys.readouterr().err


def test_a_loaded_consultation_adds_its_reach_check(tmp_path):
    """The reach check of the demo consultation, as the Consultatie page has it, is printed
    with the small-group rule intact."""
    from citisens_core.atlas import AreaSet
    from citisens_core.consultation import reach_check
    from citisens_core.fictional.consultation import demo_consultation, to_csv_bytes
    from citisens_core.model import default_model
    from citisens_core.report.content import build_report, reach_from_check
    from citisens_core.report.pdf import report_pdf
    from citisens_core.report.source import report_data
    from citisens_core.residents import build_residents
    from citisens_core.respondents import assign_profiles, read_responses
    from citisens_core.scheme import load_scheme
    from citisens_core.strategy import load_rules
    from citisens_core.survey import answer_columns

    scheme, model = load_scheme(), default_model()
    areas = AreaSet.from_file(DEMO)
    responses = read_responses(to_csv_bytes(demo_consultation()), "consultatie.csv",
                               answer_columns(scheme))
    placed = assign_profiles(responses, build_residents(areas, model), model)
    reach = reach_from_check(reach_check(placed, scheme=scheme), responses.source)
    assert len(reach.rows) == len(scheme.keys)
    report = build_report(report_data(areas, "buurt", model, scheme), ["BU99010101"], scheme,
                          load_rules(), reach={"BU99010101": reach})
    out = tmp_path / "rapport.pdf"
    out.write_bytes(report_pdf(report, scheme))
    text = pdf_text(out)
    assert "Bereikcheck van de consultatie" in text
    assert "consultatie.csv" in text and "Verhouding" in text
    assert pdf_pages(out) <= 2
