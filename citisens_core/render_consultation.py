"""Reach check and panel as text: Markdown notes and the panel factsheet (HTML and PDF).

Every text that came from a user's file (channel names, questions, answers,
the gemeente's own explanation) is escaped, so it is shown as text, never as
Markdown or HTML. Every table goes through the suppressing ``*_table()``
methods, so no group under 10 people shows a number.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date
from importlib import resources

from citisens_core.consultation import GROUP_NOTE, ReachCheck
from citisens_core.dutch import number, pct
from citisens_core.panel import PanelCheck
from citisens_core.privacy import SMALL

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")
FONT_DIR = "data/fonts"


def md(text: object) -> str:
    """Text shown literally in Markdown."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def _cell(value: object, kind: str = "") -> str:
    if value is None:
        return "–"
    if value == SMALL:
        return SMALL
    if kind == "pct":
        return pct(value)
    if kind == "ratio":
        return number(value, 2)
    return md(value) if isinstance(value, str) else number(value)


def _md_table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _profile_rows(table, members: bool = False) -> list[list[str]]:
    return [[md(r["naam"]), _cell(r["aantal"]), _cell(r["aandeel_respondenten"], "pct"),
             _cell(r["aandeel_inwoners"], "pct"), _cell(r["verhouding"], "ratio"),
             (f"{_cell(r['verhouding_laag'], 'ratio')}–{_cell(r['verhouding_hoog'], 'ratio')}"
              if r["verhouding_laag"] is not None else "–"),
             md(r["oordeel"] or "–")] for _, r in table.iterrows()]


PROFILE_HEADERS = ["Profiel", "Aantal", "Aandeel respondenten", "Aandeel huishoudens (schatting)",
                   "Verhouding", "95 %-interval", "Oordeel"]


def _theme_md(table) -> list[str]:
    out = []
    if table.empty:
        return out
    out += ["", "## Resultaten, ongewogen en gewogen", "",
            _md_table(["Vraag", "Antwoord", "Aantal", "Ongewogen", "Gewogen"],
                      [[md(r["vraag"]),
                        md(r["antwoord"]) if isinstance(r["antwoord"], str) else "gemiddelde",
                        _cell(r["aantal"]), _theme_value(r, "ongewogen", "marge"),
                        _theme_value(r, "gewogen", "marge_gewogen")]
                       for _, r in table.iterrows()])]
    return out


def _theme_value(row, value: str, margin: str) -> str:
    if row[value] is None:
        return "–"
    if row["soort"] == "gemiddelde":
        return f"{number(row[value], 2)} ± {number(row[margin], 2)}"
    return f"{pct(row[value])} ± {number(100 * row[margin], 1)} pp"


def reach_to_markdown(check: ReachCheck) -> str:
    """The reach check as a Markdown note (no individual rows, small groups suppressed)."""
    res = check.residents
    w = check.gewichten
    lines = [f"# Bereikcheck: {md(check.respondents.source)}", "",
             f"Vergeleken met de huishoudens van {md(res.naam)}"
             + (" (fictieve demogemeente)" if res.is_demo else "") + f". "
             f"{check.n} respondenten in het gebied"
             + (f", {_cell(check.respondents.buiten)} erbuiten" if check.respondents.buiten
                else "") + ".", "", "## Wie hebben we bereikt", "",
             _md_table(PROFILE_HEADERS, _profile_rows(check.profile_table())), "",
             "## Advies", ""]
    lines += [f"- {md(a['zin'])}" for a in check.advies]
    lines += ["", "## Per kanaal", ""]
    channels = check.channel_table()
    for label, group in channels.groupby("kanaal", sort=False):
        shown = group[group["aantal"].map(lambda v: v == SMALL or v >= 1)]
        parts = [f"{md(r['naam'])} {_cell(r['aantal'])}" for _, r in shown.iterrows()]
        lines.append(f"- **{md(label)}** ({_cell(group['kanaal_aantal'].iloc[0])}): "
                     + "; ".join(parts))
    missed = check.area_table()
    missed = missed[missed["gemist"]]
    lines += ["", "## Buurten zonder respondenten", ""]
    lines += ([f"- {md(r['naam'])} ({md(r['wijknaam'])}): verwacht {number(r['verwacht'])}"
               for _, r in missed.iterrows()] or ["- Geen: uit elke buurt waar respons te "
                                                  "verwachten was, kwam respons."])
    lines += ["", "## Weging", "",
              f"Raking naar de profielmix en de leeftijd van de inwoners; gewichten afgekapt op "
              f"{number(w.cap, 1)} × het gemiddelde ({_cell(w.trimmed)} afgekapt). Effectieve "
              f"steekproefomvang (Kish) {number(w.n_eff)} van {w.n}; design effect "
              f"{number(w.design_effect, 2)}. Grootste afwijking van de gewogen profielmix: "
              f"{number(check.max_gap_pp, 2)} procentpunt."]
    lines += _theme_md(check.theme_table())
    lines += ["", f"_{md(GROUP_NOTE)}_", ""]
    return "\n".join(lines)


def panel_to_markdown(check: PanelCheck) -> str:
    """The panel check as a Markdown note."""
    res = check.residents
    lines = [f"# Panelcheck: {md(check.respondents.source)}", "",
             f"{check.n} panelleden vergeleken met de inwoners van {md(res.naam)}"
             + (" (fictieve demogemeente)" if res.is_demo else "") + ".", "",
             "## Profielen", "", _md_table(PROFILE_HEADERS, _profile_rows(check.profile_table())),
             "", "## Leeftijd", "",
             _md_table(["Leeftijd", "Aantal", "Aandeel leden", "Aandeel volwassen inwoners",
                        "Verhouding"],
                       [[r["leeftijd"], _cell(r["aantal"]), _cell(r["aandeel_leden"], "pct"),
                         _cell(r["aandeel_inwoners"], "pct"), _cell(r["verhouding"], "ratio")]
                        for _, r in check.age_table().iterrows()]),
             "", "## Wijken", "",
             _md_table(["Wijk", "Aantal", "Aandeel leden", "Aandeel huishoudens", "Verhouding"],
                       [[md(r["wijk"]), _cell(r["aantal"]), _cell(r["aandeel_leden"], "pct"),
                         _cell(r["aandeel_inwoners"], "pct"), _cell(r["verhouding"], "ratio")]
                        for _, r in check.wijk_table().iterrows()]),
             "", "## Wervingsplan", ""]
    lines += [f"- {md(s)}" for s in check.recruitment_sentences()]
    lines += _theme_md(check.theme_table())
    lines += ["", f"_{md(GROUP_NOTE)}_", ""]
    return "\n".join(lines)


# --- the factsheet for panel members --------------------------------------------------------

@dataclass(frozen=True)
class Factsheet:
    """What panel members get after a survey: the main results and what the gemeente does."""

    titel: str
    gemeente: str
    deelnemers: str
    resultaten: tuple[str, ...]
    wat_doen: str
    is_demo: bool = False
    datum: str = ""


def factsheet(check: PanelCheck, titel: str, wat_doen: str, datum: date | None = None
              ) -> Factsheet:
    """The factsheet of a panel survey: weighted results in plain Dutch plus the user's text.

    Parameters
    ----------
    check : PanelCheck
    titel : str
        Title of the survey, written by the user.
    wat_doen : str
        What the gemeente will do with the results, or why not yet (the user's words).
    """
    results = []
    for question, rows in check.theme_table().groupby("vraag", sort=False):
        first = rows.iloc[0]
        if first["soort"] == "gemiddelde":
            if first["gewogen"] is None:
                continue
            results.append(f"{question}: gemiddeld {number(first['gewogen'], 1)} "
                           "(op een schaal van 1 tot 5, marge ± "
                           f"{number(first['marge_gewogen'], 1)}).")
            continue
        parts = [f"{r['antwoord']} {pct(r['gewogen'])}" for _, r in rows.iterrows()
                 if r["gewogen"] is not None]
        if parts:
            lead = f"{question} " if str(question).rstrip().endswith("?") else f"{question}: "
            results.append(lead + ", ".join(parts) + ".")
    if not results:
        results.append("Er zijn (nog) geen resultaten die groot genoeg zijn om te tonen.")
    return Factsheet(
        titel=titel.strip() or "Uitkomsten van de panelpeiling", gemeente=check.residents.naam,
        deelnemers=f"{_count_phrase(check.n)} panelleden deden mee",
        resultaten=tuple(results), wat_doen=wat_doen.strip(), is_demo=check.residents.is_demo,
        datum=(datum or date.today()).strftime("%d-%m-%Y"))


def _count_phrase(n: int) -> str:
    return "Minder dan 10" if 0 < n < 10 else number(n)


WEIGHT_NOTE = ("De uitkomsten zijn gewogen: antwoorden van groepen die minder vaak meededen, "
               "tellen iets zwaarder, zodat de uitkomst past bij alle inwoners.")
NOT_YET = "De gemeente laat nog weten wat zij met deze uitkomsten doet, en waarom."


def factsheet_html(sheet: Factsheet) -> str:
    """A self-contained HTML page; every text is escaped."""
    e = html.escape
    demo = "<p class='demo'>Fictieve demogemeente: geen echte inwoners.</p>" if sheet.is_demo \
        else ""
    results = "".join(f"<li>{e(r)}</li>" for r in sheet.resultaten)
    todo = "".join(f"<p>{e(p)}</p>" for p in (sheet.wat_doen or NOT_YET).split("\n") if p.strip())
    return f"""<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><title>{e(sheet.titel)}</title>
<style>body{{font-family:DejaVu Sans,Arial,sans-serif;max-width:42rem;margin:2rem auto;
line-height:1.5;color:#1a1a1a}}h1{{font-size:1.6rem}}h2{{font-size:1.2rem;margin-top:1.6rem}}
.demo{{color:#8a1c00}} .klein{{font-size:.9rem;color:#444}}</style></head>
<body><h1>{e(sheet.titel)}</h1>
<p>{e(sheet.gemeente)} · {e(sheet.datum)} · {e(sheet.deelnemers)}</p>{demo}
<h2>De belangrijkste uitkomsten</h2><ul>{results}</ul>
<h2>Wat doet de gemeente ermee?</h2>{todo}
<p class="klein">{e(WEIGHT_NOTE)} Groepen van minder dan 10 mensen tonen we niet.</p>
</body></html>
"""


def factsheet_pdf(sheet: Factsheet) -> bytes:
    """The factsheet as an A4 PDF (fpdf2 with the bundled DejaVu font, so ë and € print)."""
    from fpdf import FPDF

    fonts = resources.files("citisens_core") / FONT_DIR
    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    with resources.as_file(fonts / "DejaVuSans.ttf") as regular, \
            resources.as_file(fonts / "DejaVuSans-Bold.ttf") as bold:
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_title(sheet.titel)
    pdf.set_lang("nl")
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def para(text: str, size: float = 11, style: str = "", gap: float = 2) -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(width, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    para(sheet.titel, 18, "B", 3)
    para(f"{sheet.gemeente} · {sheet.datum} · {sheet.deelnemers}", 10)
    if sheet.is_demo:
        para("Fictieve demogemeente: geen echte inwoners.", 10)
    para("De belangrijkste uitkomsten", 13, "B")
    for result in sheet.resultaten:
        para(f"• {result}")
    para("Wat doet de gemeente ermee?", 13, "B")
    for paragraph in (sheet.wat_doen or NOT_YET).split("\n"):
        if paragraph.strip():
            para(paragraph)
    para(f"{WEIGHT_NOTE} Groepen van minder dan 10 mensen tonen we niet.", 9)
    return bytes(pdf.output())
