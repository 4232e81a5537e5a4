"""The area report as an A4 PDF, written with fpdf2.

One area: at most two pages. Several areas: a cover (the selection as a whole)
plus one page per area. Every text from a file or from the user is written as
plain text (fpdf2's markdown is off), in DejaVu Sans, which has every Dutch
character. When the content does not fit, the writer tries again with less
detail (shorter portraits, fewer reasons), so the page promise always holds.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from fpdf import FPDF
from fpdf.fonts import FontFace

from citisens_core.dutch import interval, number, pct
from citisens_core.report.content import (
    CONFIDENCE_TEXT,
    AreaSection,
    Report,
    characteristic_sentence,
    households_text,
    key_message,
)
from citisens_core.report.fonts import font_files
from citisens_core.scheme import Scheme

FONT = "DejaVu"
MARGIN = 14.0
GREY = (90, 90, 90)
NOTE_FILL = (255, 246, 214)
HEAD_FILL = (226, 234, 244)
ROW_FILL = (246, 246, 246)
#: From full detail to the most compact; the writer uses the first that fits.
DETAIL_LEVELS = (
    {"map": 140, "portrait_sentences": 0, "reasons": 3, "top": 3, "tone": 3},
    {"map": 130, "portrait_sentences": 2, "reasons": 3, "top": 3, "tone": 2},
    {"map": 120, "portrait_sentences": 1, "reasons": 0, "top": 3, "tone": 0},
    {"map": 105, "portrait_sentences": 0, "reasons": 0, "top": 2, "tone": 0,
     "no_portraits": True},
)


class _Document(FPDF):
    """A4 portrait with the report's footer on every page."""

    def __init__(self, report: Report) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.report = report
        for style, path in font_files().items():
            self.add_font(FONT, style, str(path))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=20)
        self.set_title(f"Gebiedsrapport: {report.titel}")
        self.set_lang("nl")
        self.set_creator("Citisens atlas")
        self.alias_nb_pages()

    def multi_cell(self, *args, **kwargs):
        """Left-aligned by default: justified text reads badly in narrow columns."""
        kwargs.setdefault("align", "L")
        return super().multi_cell(*args, **kwargs)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*GREY)
        self.cell(0, 4, self.report.credit, new_x="LMARGIN", new_y="NEXT")
        self.cell(0, 4, f"{self.report.reminder}   Pagina {self.page_no()} van {{nb}}")
        self.set_text_color(0, 0, 0)


def report_pdf(report: Report, scheme: Scheme) -> bytes:
    """Write the report as PDF bytes, as detailed as the page limit allows.

    Parameters
    ----------
    report : Report
    scheme : Scheme
        For the key message's profile names.

    Returns
    -------
    bytes
    """
    limit = page_limit(report)
    pdf = b""
    for detail in DETAIL_LEVELS:
        doc = _write(report, scheme, detail)
        pdf = bytes(doc.output())
        if doc.page_no() <= limit:
            break
    return pdf


def page_limit(report: Report) -> int:
    """Two pages for one area; a cover plus one page per area for several."""
    return 2 if report.selection is None else 1 + len(report.sections)


def _write(report: Report, scheme: Scheme, detail: dict) -> _Document:
    doc = _Document(report)
    if report.selection is None:
        _single(doc, report, report.sections[0], scheme, detail)
    else:
        _cover(doc, report, report.selection, scheme, detail)
        for section in report.sections:
            _area_page(doc, section, scheme, detail)
    return doc


# --- one area: two pages -------------------------------------------------------------------


def _single(doc: _Document, report: Report, s: AreaSection, scheme: Scheme,
            detail: dict) -> None:
    doc.add_page()
    _title(doc, f"Gebiedsrapport: {s.naam}", _subtitle(report, s))
    _reminder(doc)
    _map(doc, s, width=detail["map"])
    _facts(doc, s, scheme)
    _mix_table(doc, s, scheme)
    _characteristics(doc, s, scheme)
    doc.add_page()
    _portraits(doc, s, detail)
    _notes(doc, s)
    _advice(doc, s, detail)
    _reach(doc, s)
    _sources(doc, report, [s])


# --- several areas: a cover and one page each ----------------------------------------------


def _cover(doc: _Document, report: Report, s: AreaSection, scheme: Scheme,
           detail: dict) -> None:
    doc.add_page()
    _title(doc, f"Gebiedsrapport: {report.titel}", _subtitle(report, s))
    _reminder(doc)
    _map(doc, s, width=detail["map"] - 15)
    _h2(doc, "De gebieden")
    rows = []
    for area in report.sections:
        first, second = area.top[:2]
        names = scheme.names()
        rows.append((area.naam, number(area.huishoudens),
                     f"{names[first]} {pct(area.mix.loc[first, 'aandeel'])}"
                     + ("" if area.duidelijk else " (onzeker)"),
                     f"{names[second]} {pct(area.mix.loc[second, 'aandeel'])}",
                     area.betrouwbaarheid))
    _table(doc, ("Gebied", "Huishoudens", "Meest voorkomend", "Daarna", "Betrouwbaarheid"),
           rows, (40, 26, 48, 42, 26))
    for line in report.context:
        _small(doc, line)
    _h2(doc, "Samen (gewogen naar huishoudens)")
    _paragraph(doc, key_message(s, scheme))
    _advice_lines(doc, s, detail)
    _reach(doc, s)
    _sources(doc, report, [s], short=True)


def _area_page(doc: _Document, s: AreaSection, scheme: Scheme, detail: dict) -> None:
    doc.add_page()
    _title(doc, s.naam, f"{s.soort.capitalize()} {', '.join(s.codes)} · {households_text(s)}",
           size=15)
    top = doc.get_y()
    if s.map_png:
        doc.image(io.BytesIO(s.map_png), x=MARGIN, y=top, w=100)
    doc.set_xy(MARGIN + 104, top)
    doc.set_font(FONT, "", 9)
    text = (f"{key_message(s, scheme)}\n\nBetrouwbaarheid: "
            f"{CONFIDENCE_TEXT.get(s.betrouwbaarheid, s.betrouwbaarheid)}.\n"
            f"Volledigheid van de cijfers: {pct(s.volledigheid)} eigen cijfers.")
    doc.multi_cell(w=doc.epw - 104, h=4.3, text=text, new_x="LMARGIN", new_y="NEXT")
    doc.set_y(max(doc.get_y(), top + (60 if s.map_png else 0)) + 2)
    _mix_table(doc, s, scheme, compact=True)
    _characteristics(doc, s, scheme, compact=True)
    _portraits(doc, s, {**detail, "portrait_sentences": detail["portrait_sentences"] or 1},
               heading="Profielen die hier tellen")
    _advice_lines(doc, s, detail)
    _notes(doc, s)
    _reach(doc, s)


# --- building blocks -----------------------------------------------------------------------


def _subtitle(report: Report, s: AreaSection) -> str:
    return (f"{s.soort.capitalize()} · {households_text(s)} · {report.datum:%d-%m-%Y} · "
            "Citisens atlas")


def _title(doc: _Document, text: str, sub: str, size: float = 18) -> None:
    doc.set_font(FONT, "B", size)
    doc.multi_cell(0, size * 0.45, text, new_x="LMARGIN", new_y="NEXT")
    doc.set_font(FONT, "", 9)
    doc.set_text_color(*GREY)
    doc.multi_cell(0, 4.5, sub, new_x="LMARGIN", new_y="NEXT")
    doc.set_text_color(0, 0, 0)
    doc.ln(2)


def _reminder(doc: _Document) -> None:
    doc.set_font(FONT, "I", 9)
    doc.set_fill_color(*NOTE_FILL)
    doc.multi_cell(0, 4.6, f"{doc.report.reminder} Een gebiedsrapport scherpt de eigen kennis "
                           "van het gebied aan, het vervangt die niet.", fill=True,
                   padding=1.5, new_x="LMARGIN", new_y="NEXT")
    doc.ln(2)


def _h2(doc: _Document, text: str) -> None:
    doc.ln(1.5)
    doc.set_font(FONT, "B", 11.5)
    doc.cell(0, 6.5, text, new_x="LMARGIN", new_y="NEXT")
    doc.set_font(FONT, "", 9)


def _paragraph(doc: _Document, text: str, size: float = 9) -> None:
    doc.set_font(FONT, "", size)
    doc.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
    doc.ln(1)


def _small(doc: _Document, text: str) -> None:
    doc.set_font(FONT, "", 8)
    doc.set_text_color(*GREY)
    doc.multi_cell(0, 3.8, text, new_x="LMARGIN", new_y="NEXT")
    doc.set_text_color(0, 0, 0)


def _map(doc: _Document, s: AreaSection, width: float) -> None:
    if not s.map_png:
        return
    doc.image(io.BytesIO(s.map_png), x=MARGIN + (doc.epw - width) / 2, w=width)
    doc.ln(1)


def _facts(doc: _Document, s: AreaSection, scheme: Scheme) -> None:
    _paragraph(doc, key_message(s, scheme), size=10)
    _small(doc, f"Betrouwbaarheid van de schatting: "
                f"{CONFIDENCE_TEXT.get(s.betrouwbaarheid, s.betrouwbaarheid)}. Volledigheid: "
                f"{pct(s.volledigheid)} van de kenmerken uit eigen cijfers van het gebied.")


def _table(doc: _Document, header: Sequence[str], rows: Sequence[Sequence[str]],
           widths: Sequence[float], size: float = 8.5, line_height: float = 4.6) -> None:
    doc.set_font(FONT, "", size)
    doc.set_fill_color(*ROW_FILL)
    with doc.table(col_widths=tuple(widths), width=sum(widths), align="LEFT",
                   text_align="LEFT", line_height=line_height, padding=(0.6, 1.2),
                   headings_style=FontFace(emphasis="BOLD", fill_color=HEAD_FILL),
                   borders_layout="HORIZONTAL_LINES", cell_fill_mode="ROWS",
                   cell_fill_color=ROW_FILL, markdown=False) as table:
        table.row(tuple(header))
        for row in rows:
            table.row(tuple(str(c) for c in row))
    doc.ln(1.5)


def _mix_table(doc: _Document, s: AreaSection, scheme: Scheme, compact: bool = False) -> None:
    _h2(doc, "Samenstelling (schatting met 90 %-interval)")
    refs = list(s.references)
    rows = []
    for key in s.top:
        row = s.mix.loc[key]
        rows.append((scheme.profile(key).naam, pct(row["aandeel"]),
                     interval(row["laag"], row["hoog"]),
                     *[pct(s.references[r].get(key)) for r in refs]))
    widths = (62, 22, 34, *[26] * len(refs))
    _table(doc, ("Profiel", "Aandeel", "90 %-interval", *refs), rows, widths,
           size=8 if compact else 8.5, line_height=4.0 if compact else 4.6)
    clear = ("Het meest voorkomende profiel is duidelijk: zijn interval ligt boven dat van "
             "het tweede." if s.duidelijk else
             "Let op: de intervallen van de twee grootste profielen overlappen; welk profiel "
             "het meest voorkomt is niet duidelijk (op de kaart gearceerd).")
    _small(doc, clear + f" Bronnen van de schatting: {s.bronnen}.")


def _characteristics(doc: _Document, s: AreaSection, scheme: Scheme,
                     compact: bool = False) -> None:
    _h2(doc, "Vier kenmerken (Nederland = 100)")
    own = s.kenmerken[s.kenmerken["gebied"] == "gebied"]
    gemeente = s.kenmerken[s.kenmerken["gebied"] == "Gemeente"].set_index("kenmerk")["index"]
    rows = []
    for characteristic, (_, row) in zip(scheme.kenmerken, own.iterrows(), strict=True):
        words = characteristic_sentence(row["index"], characteristic.laag, characteristic.hoog)
        rows.append((characteristic.naam, number(row["index"]),
                     number(gemeente.get(characteristic.naam)), words))
    _table(doc, ("Kenmerk", "Hier", "Gemeente", "Wat dat zegt"), rows, (54, 14, 20, 94),
           size=8 if compact else 8.5, line_height=4.0 if compact else 4.6)


def _sentences(text: str, n: int) -> str:
    """The first `n` sentences of a portrait (0: all)."""
    if n <= 0:
        return text
    parts = [p.strip() for p in text.replace("\n", " ").split(". ") if p.strip()]
    short = ". ".join(parts[:n])
    return short if short.endswith(".") else short + "."


def _portraits(doc: _Document, s: AreaSection, detail: dict,
               heading: str = "Profielen die hier tellen (aandeel 10 % of meer)") -> None:
    if detail.get("no_portraits"):
        return
    _h2(doc, heading)
    if not s.portretten:
        _paragraph(doc, "Geen enkel profiel komt hier boven de 10 %; de mix is erg gespreid.")
    for _key, naam, share, portrait in s.portretten:
        doc.set_font(FONT, "B", 9)
        doc.multi_cell(0, 4.6, f"{naam} — {share}", new_x="LMARGIN", new_y="NEXT")
        _paragraph(doc, _sentences(portrait, detail["portrait_sentences"]), size=8.5)


def _notes(doc: _Document, s: AreaSection) -> None:
    if not s.notities.strip():
        return
    _h2(doc, "Eigen gebiedskennis")
    _paragraph(doc, s.notities.strip())


def _advice(doc: _Document, s: AreaSection, detail: dict) -> None:
    a = s.advies
    _h2(doc, f"Advies: thema {a.thema_naam.lower()}, fase {a.fase_naam}, trede {a.trede}")
    top = detail["top"]
    show = detail["reasons"] > 0
    for title, recs, verb in (("Kanalen met het meeste bereik", a.kanalen, "bereikt"),
                              ("Best passende instrumenten", a.instrumenten, "doet mee")):
        doc.set_font(FONT, "B", 9.5)
        doc.cell(0, 5.5, title, new_x="LMARGIN", new_y="NEXT")
        for rank, rec in enumerate(recs[:top], 1):
            doc.set_font(FONT, "B", 8.5)
            doc.multi_cell(0, 4.4, f"{rank}. {rec.naam} — naar schatting {pct(rec.bereik)} van "
                                   f"de huishoudens {verb}", new_x="LMARGIN", new_y="NEXT")
            if show:
                doc.set_font(FONT, "", 8.2)
                doc.multi_cell(0, 4.0, rec.reden, new_x="LMARGIN", new_y="NEXT")
                doc.ln(0.6)
    if detail["tone"]:
        doc.set_font(FONT, "B", 9.5)
        doc.cell(0, 5.5, "Toon", new_x="LMARGIN", new_y="NEXT")
        for line in a.toon[:detail["tone"]]:
            doc.set_font(FONT, "", 8.2)
            doc.multi_cell(0, 4.0, f"• {line}", new_x="LMARGIN", new_y="NEXT")


def _advice_lines(doc: _Document, s: AreaSection, detail: dict) -> None:
    """The advice in two lines: the top channels and instruments with their reach."""
    a = s.advies
    top = detail["top"]
    _h2(doc, f"Advies ({a.thema_naam.lower()}, {a.fase_naam}, trede {a.trede})")
    channels = "; ".join(f"{r.naam} ({pct(r.bereik)})" for r in a.kanalen[:top])
    instruments = "; ".join(f"{r.naam} ({pct(r.bereik)})" for r in a.instrumenten[:top])
    _paragraph(doc, f"Kanalen met het meeste bereik: {channels}.\n"
                    f"Best passende instrumenten (geschatte deelname): {instruments}.",
               size=8.5)
    if a.kanalen and detail["reasons"]:
        _small(doc, f"Waarom {a.kanalen[0].naam.lower()}: {a.kanalen[0].reden}")


def _reach(doc: _Document, s: AreaSection) -> None:
    if s.bereik is None:
        return
    _h2(doc, "Bereikcheck van de consultatie")
    if s.bereik.summary:
        _paragraph(doc, s.bereik.summary, size=8.5)
    width = doc.epw / max(len(s.bereik.header), 1)
    _table(doc, s.bereik.header, s.bereik.rows, [width] * len(s.bereik.header), size=8)


def _sources(doc: _Document, report: Report, sections: Sequence[AreaSection],
             short: bool = False) -> None:
    _h2(doc, "Bronnen en gegevens")
    year = report.year if report.year else "onbekend"
    release = report.release or "niet vermeld in het bestand"
    lines = [f"Gebiedsgegevens: {report.source}; jaar {year}; uitgave {release}. "
             f"{report.credit}."]
    if not short:
        lines += [f"Model: {report.model_source or 'standaardmodel'}.",
                  f"Profielschema: {report.scheme_source}",
                  "Schattingen: iteratieve aanpassing van de CBS-kenmerken per gebied aan een "
                  "referentie-enquête; het 90 %-interval komt uit herhaald schatten op "
                  "steekproeven (bootstrap) van die enquête."]
        advice_sources = sorted({r.bron for s in sections for r in
                                 (*s.advies.kanalen[:3], *s.advies.instrumenten[:3])})
        if advice_sources:
            lines.append("Advies: " + "; ".join(advice_sources) + ".")
    for line in lines:
        _small(doc, line)
    doc.ln(1)
    doc.set_font(FONT, "B", 8.5)
    doc.multi_cell(0, 4.2, report.reminder, new_x="LMARGIN", new_y="NEXT")
