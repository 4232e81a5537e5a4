"""The advice as a one-page Dutch note, in Markdown and in HTML.

Both renderers walk the same list of blocks (:func:`note_blocks`), so the two
downloads always say the same thing. HTML escapes every text with
:func:`html.escape`, Markdown with :func:`~citisens_core.plaintext.markdown_literal`;
area names come from user files and are never trusted.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass

from citisens_core.dutch import fmt_count, fmt_pct, interval, pct
from citisens_core.plaintext import markdown_literal
from citisens_core.strategy.engine import DREMPEL, Advice
from citisens_core.strategy.planner import Plan

DISCLAIMER = (
    "Dit advies rust op een schatting van de profielmix: kansen voor groepen huishoudens, "
    "geen label voor personen. Gebruik het naast de eigen kennis van het gebied."
)


@dataclass(frozen=True)
class Block:
    """One element of the note: kind is "h1", "h2", "p", "em", "ul", "table" or "img"."""

    kind: str
    text: str = ""
    items: tuple[str, ...] = ()
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


def note_blocks(advice: Advice, plan: Plan | None = None, top: int = 5,
                map_caption: str | None = None) -> list[Block]:
    """The note's content, independent of the output format.

    Parameters
    ----------
    advice : Advice
    plan : Plan, optional
        A campaign plan to include.
    top : int
        Channels and instruments listed.
    map_caption : str, optional
        When given, an image block with this caption is placed after the title.
    """
    names = advice.profielnamen
    meta = (f"Thema: {advice.thema_naam} · Fase: {advice.fase_naam} · "
            f"Trede: {advice.trede}")
    facts = []
    if advice.huishoudens is not None:
        facts.append(f"Naar schatting {fmt_count(advice.huishoudens)} huishoudens.")
    if advice.betrouwbaarheid:
        facts.append(f"Betrouwbaarheid van de schatting: {advice.betrouwbaarheid}.")
    blocks = [Block("h1", f"Participatieadvies: {advice.gebied}"), Block("p", meta)]
    if map_caption is not None:
        blocks.append(Block("img", map_caption))
    if facts:
        blocks.append(Block("p", " ".join(facts)))
    blocks.append(Block("em", DISCLAIMER))
    if advice.gedeelde_boodschap:
        blocks.append(Block("p", "Bij dit thema verschillen de profielen nauwelijks: één "
                                 "gedeelde basisboodschap werkt; kies de kanalen op bereik."))
    order = sorted(advice.mix, key=lambda k: (-advice.mix[k], k))
    bounds = advice.mix_interval
    if bounds:
        mix_table = Block("table", header=("Profiel", "Aandeel huishoudens", "90 %-interval"),
                          rows=tuple((names[k], pct(advice.mix[k]), interval(*bounds[k]))
                                     for k in order if k in bounds))
    else:
        mix_table = Block("table", header=("Profiel", "Aandeel huishoudens"),
                          rows=tuple((names[k], fmt_pct(advice.mix[k])) for k in order))
    blocks += [Block("h2", "Wie wonen er (naar schatting)"), mix_table]
    blocks += [Block("h2", "Kanalen"),
               Block("table", header=("#", "Kanaal", "Bereik", "Waarom"),
                     rows=tuple((str(n), r.naam, fmt_pct(r.bereik), r.reden)
                                for n, r in enumerate(advice.kanalen[:top], 1)))]
    blocks += [Block("h2", "Instrumenten"),
               Block("table", header=("#", "Instrument", "Deelname", "Geschiktheid", "Waarom"),
                     rows=tuple((str(n), r.naam, fmt_pct(r.bereik),
                                 fmt_pct(r.geschiktheid or 0.0), r.reden)
                                for n, r in enumerate(advice.instrumenten[:top], 1)))]
    blocks += _missed_blocks(advice)
    if plan is not None:
        blocks += [Block("h2", "Campagneplan"), Block("p", plan.toelichting)]
    blocks += [Block("h2", "Toon"), Block("ul", items=advice.toon)]
    blocks += [Block("h2", "Thema en fase"),
               Block("ul", items=(*advice.thema_notities, advice.fase_notitie))]
    shown = {r.bron for r in (*advice.kanalen[:top], *advice.instrumenten[:top])}
    blocks += [Block("h2", "Bronnen en aannames"),
               Block("ul", items=tuple(sorted(shown | set(advice.bronnen))))]
    return blocks


def _missed_blocks(advice: Advice) -> list[Block]:
    detail = advice.gemist_detail
    channel_names = [advice.kanaalnamen.get(k, k) for k in detail.kanalen]
    instrument_names = [r.naam for r in advice.instrumenten if r.key in detail.instrumenten]
    text = (f"Met de {len(channel_names)} kanalen die samen het meeste bereiken "
            f"({'; '.join(channel_names)}) en de {len(instrument_names)} best passende "
            f"instrumenten ({'; '.join(instrument_names)}) blijft naar schatting "
            f"{fmt_pct(detail.totaal)} van de huishoudens onbereikt")
    if detail.huishoudens is not None:
        text += f" (ongeveer {fmt_count(detail.huishoudens)} huishoudens)"
    rows = tuple((advice.profielnamen[k], fmt_pct(advice.mix[k]), fmt_pct(advice.gemist[k]),
                  advice.kanaalnamen.get(detail.aanvulling[k], detail.aanvulling[k])
                  if k in detail.aanvulling else "—")
                 for k in advice.present(DREMPEL))
    return [Block("h2", "Wie missen we"), Block("p", text + "."),
            Block("table", header=("Profiel", "Aandeel", "Onbereikt", "Zou helpen"), rows=rows),
            Block("ul", items=detail.zinnen)]


# --- Markdown -----------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    """One line of Markdown shown as written: names from files cannot add HTML, links or images."""
    return markdown_literal(text)


def advice_to_markdown(advice: Advice, plan: Plan | None = None, top: int = 5,
                       map_path: str | None = None) -> str:
    """The advice as a one-page Dutch note in Markdown.

    Parameters
    ----------
    advice : Advice
    plan : Plan, optional
    top : int
        Channels and instruments listed.
    map_path : str, optional
        Path or URL of a map image to reference.

    Returns
    -------
    str
    """
    lines: list[str] = []
    for block in note_blocks(advice, plan, top, None if map_path is None else "Kaart"):
        if block.kind == "h1":
            lines += [f"# {_md_cell(block.text)}", ""]
        elif block.kind == "h2":
            lines += [f"## {_md_cell(block.text)}", ""]
        elif block.kind == "p":
            lines += [_md_cell(block.text), ""]
        elif block.kind == "em":
            lines += [f"*{_md_cell(block.text)}*", ""]
        elif block.kind == "img":
            lines += [f"![{_md_cell(block.text)}]({map_path})", ""]
        elif block.kind == "ul" and block.items:
            lines += [f"- {_md_cell(item)}" for item in block.items] + [""]
        elif block.kind == "table":
            lines += [*_md_table(block.header, block.rows), ""]
    return "\n".join(lines).rstrip() + "\n"


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(_md_cell(h) for h in header) + " |",
           "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return out


# --- HTML ---------------------------------------------------------------------------------

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
    "color:#222;line-height:1.45}table{border-collapse:collapse;width:100%;margin:.5rem 0}"
    "th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}"
    "th{background:#f3f3f3}em{color:#555}img{max-width:100%}"
)


def advice_to_html(advice: Advice, plan: Plan | None = None, top: int = 5,
                   map_png: bytes | None = None) -> str:
    """The advice as a self-contained one-page Dutch note in HTML.

    Every text is escaped with :func:`html.escape`.

    Parameters
    ----------
    advice : Advice
    plan : Plan, optional
    top : int
        Channels and instruments listed.
    map_png : bytes, optional
        A PNG map extract, embedded as a data URI.

    Returns
    -------
    str
    """
    e = html.escape
    body: list[str] = []
    for block in note_blocks(advice, plan, top, None if map_png is None else "Kaart"):
        if block.kind in ("h1", "h2", "p"):
            body.append(f"<{block.kind}>{e(block.text)}</{block.kind}>")
        elif block.kind == "em":
            body.append(f"<p><em>{e(block.text)}</em></p>")
        elif block.kind == "img" and map_png is not None:
            data = base64.b64encode(map_png).decode("ascii")
            body.append(f'<img src="data:image/png;base64,{data}" alt="{e(block.text)}">')
        elif block.kind == "ul" and block.items:
            body.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in block.items) + "</ul>")
        elif block.kind == "table":
            head = "".join(f"<th>{e(h)}</th>" for h in block.header)
            rows = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>"
                           for row in block.rows)
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    return (f'<!DOCTYPE html>\n<html lang="nl">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{e('Participatieadvies: ' + advice.gebied)}</title>\n"
            f"<style>{_STYLE}</style>\n</head>\n<body>\n" + "\n".join(body)
            + "\n</body>\n</html>\n")
