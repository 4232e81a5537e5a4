"""Dutch labels and figure formatting for the UI (no streamlit needed, easy to test)."""

from __future__ import annotations

import re

import pandas as pd

from citisens_core.demographics import DEMOGRAPHIC_COLUMNS, SHARE_COLUMNS
from citisens_core.dutch import GROUP_REMINDER, interval, number, pct, sentence
from citisens_core.plaintext import markdown_literal as literal

__all__ = ["GROUP_REMINDER", "KEY_FIGURES", "LEVEL_NAMES", "LEVEL_PLURAL", "demote_headings",
           "figure_label", "figure_value", "interval", "literal", "literal_table", "number", "pct",
           "sentence"]

#: Dutch names of the levels, singular and plural.
LEVEL_NAMES: dict[str, str] = {
    "gemeente": "Gemeente",
    "wijk": "Wijk",
    "buurt": "Buurt",
    "pc4": "PC4",
    "pc6": "PC6",
}
LEVEL_PLURAL: dict[str, str] = {
    "gemeente": "gemeenten",
    "wijk": "wijken",
    "buurt": "buurten",
    "pc4": "postcodegebieden (PC4)",
    "pc6": "postcodes (PC6)",
}

#: The CBS figures offered for colouring the map and shown as key figures.
KEY_FIGURES: tuple[str, ...] = (
    "inwoners",
    "huishoudens",
    "aandeel_65_plus",
    "aandeel_met_kinderen",
    "aandeel_eenpersoons",
    "aandeel_huur",
    "aandeel_laag_inkomen",
    "stedelijkheid",
    "woz",
)



def literal_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A table for ``st.table`` (which reads Markdown in every cell) shown as plain text."""
    out = frame.map(literal)
    out.index = [literal(i) for i in frame.index]
    out.columns = [literal(c) for c in frame.columns]
    return out


def figure_label(column: str) -> str:
    """The Dutch label of a canonical CBS column."""
    return DEMOGRAPHIC_COLUMNS.get(column, column)


def figure_value(column: str, value: object) -> str:
    """A CBS figure formatted for its kind: share as %, class as integer, counts with dots."""
    if column in SHARE_COLUMNS:
        return pct(value)
    if column == "gem_huishoudgrootte":
        return number(value, 1)
    if column in ("woz", "inkomen_per_inwoner"):
        return number(value, 1)
    return number(value)


_ATX_HEADING = re.compile(r"^(#{1,6})(?=\s)", re.MULTILINE)
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)


def demote_headings(markdown: str, levels: int) -> str:
    """Markdown with every heading `levels` deeper (``#`` → ``##``), at most ``######``.

    A document shown inside a page (the model card under the page title) then
    continues the page's heading outline instead of starting a second ``h1``.
    Lines inside fenced code blocks are left alone.
    """
    def demote(text: str) -> str:
        return _ATX_HEADING.sub(lambda m: "#" * min(len(m.group(1)) + levels, 6), text)

    out, last = [], 0
    for fence in _FENCE.finditer(markdown):
        out += [demote(markdown[last:fence.start()]), fence.group(0)]
        last = fence.end()
    return "".join([*out, demote(markdown[last:])])
