"""Downloads of an area analysis (CSV and Markdown); estimates go through citisens_core.export."""

from __future__ import annotations

from datetime import date

import pandas as pd

from atlas_ui.format import GROUP_REMINDER, interval, pct
from citisens_core.plaintext import csv_safe, markdown_literal, one_line
from citisens_core.scheme import Scheme


def analysis_table(mix: pd.DataFrame, references: dict[str, pd.Series],
                   scheme: Scheme) -> pd.DataFrame:
    """The profile mix of an analysis as a table in percentages, one row per profile.

    Parameters
    ----------
    mix : pandas.DataFrame
        Index profile keys; ``aandeel``, ``laag``, ``hoog`` (fractions).
    references : dict of str to pandas.Series
        Reference mixes (e.g. ``"Gemeente"``, ``"Nederland"``) by profile key.
    """
    names = scheme.names()
    out = pd.DataFrame({
        "profiel": [names.get(k, k) for k in mix.index],
        "aandeel_pct": (mix["aandeel"] * 100).round(1).to_numpy(),
        "interval90_laag_pct": (mix["laag"] * 100).round(1).to_numpy(),
        "interval90_hoog_pct": (mix["hoog"] * 100).round(1).to_numpy(),
    })
    for name, ref in references.items():
        out[f"{name.lower()}_pct"] = (ref.reindex(mix.index).to_numpy() * 100).round(1)
    return out


def analysis_csv(table: pd.DataFrame, title: str, notes: str) -> bytes:
    """CSV (semicolon, decimal comma, as Dutch spreadsheet users expect) with notes on top."""
    header = [f"# Gebiedsanalyse: {one_line(title)}", f"# {GROUP_REMINDER}"]
    if notes.strip():
        header += [f"# Eigen gebiedskennis: {one_line(line)}"
                   for line in notes.strip().splitlines()]
    body = csv_safe(table).to_csv(index=False, sep=";", decimal=",")
    return ("\n".join(header) + "\n" + body).encode("utf-8-sig")


def analysis_markdown(title: str, mix: pd.DataFrame, references: dict[str, pd.Series],
                      scheme: Scheme, *, confidence: str, sources: str, completeness: float,
                      notes: str, attribution: str, figures: pd.DataFrame | None = None) -> str:
    """A readable Markdown report of one analysis, including the user's notes.

    Names from files and the user's notes are escaped, so that a Markdown
    viewer shows them as text instead of running them (no images, links or HTML).
    """
    names = scheme.names()
    ref_names = [_md(r) for r in references]
    references = dict(zip(ref_names, references.values(), strict=True))
    title = _md(title)
    notes = "\n\n".join(_md(line) for line in notes.strip().splitlines() if line.strip())
    lines = [f"# Gebiedsanalyse: {title}", "", f"_{date.today():%d-%m-%Y} · {attribution}_", "",
             f"> {GROUP_REMINDER}", "", "## Samenstelling", "",
             "| Profiel | Aandeel | 90 %-interval | " + " | ".join(ref_names) + " |",
             "|---|---|---|" + "---|" * len(ref_names)]
    for key, row in mix.sort_values("aandeel", ascending=False).iterrows():
        refs = " | ".join(pct(references[r].get(key)) for r in ref_names)
        lines.append(f"| {names.get(key, key)} | {pct(row['aandeel'])} | "
                     f"{interval(row['laag'], row['hoog'])} | {refs} |")
    lines += ["", f"Betrouwbaarheid: **{confidence}** · volledigheid van de cijfers: "
              f"{pct(completeness)}", "", f"Bronnen: {sources}", ""]
    if figures is not None and not figures.empty:
        lines += ["## Kerncijfers (CBS)", "", *markdown_table(figures), ""]
    lines += ["## Eigen gebiedskennis", "", notes.strip() or "_(nog niets ingevuld)_", ""]
    return "\n".join(lines)


def markdown_table(frame: pd.DataFrame) -> list[str]:
    """A small DataFrame (index = row labels) as Markdown table lines."""
    columns = [_md(c) for c in frame.columns]
    lines = ["| | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    for label, row in frame.iterrows():
        lines.append(f"| {_md(label)} | " + " | ".join(_md(v) for v in row) + " |")
    return lines


def _md(value: object) -> str:
    """Text for Markdown shown as written: no HTML, links, images or table bars."""
    return markdown_literal(value)
