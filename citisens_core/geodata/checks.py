"""Figures and codes a file gets wrong: read what can be read, say what was not, keep the rest.

Silent loss is the worst outcome: a column of ``"12,5"`` that becomes all
missing, twenty rows with one code that become one area, ``Infinity`` taken as
a figure. Each check here returns cleaned values plus Dutch warnings that name
the column and list the rows (area codes), so the user can fix the file.

=====================  =========================================================
what                   what happens
=====================  =========================================================
decimal comma          ``"12,5"`` and ``"1.234,5"`` read as numbers (noted)
not finite             ``Infinity``, ``NaN``: missing, listed
negative               below zero but not a CBS code (<= -99990): missing, listed
percentage over 100    missing, listed
wrong code             a code without the level's prefix and digits: row left
                       out, listed
duplicated code        one row kept (the largest boundary), the others listed
=====================  =========================================================
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["bad_codes", "duplicate_warning", "parse_numbers", "row_list"]

SENTINEL_THRESHOLD = -99990  # CBS codes for hidden values (see normalise.SENTINEL_THRESHOLD)
SHOWN_ROWS = 5
_DECIMAL_COMMA = re.compile(r"^\s*[-+]?(\d{1,3}(\.\d{3})+|\d+),\d+\s*$")
_THOUSANDS_DOTS = re.compile(r"^\s*[-+]?\d{1,3}(\.\d{3})+,")


def row_list(codes: pd.Series) -> str:
    """"BU1, BU2 en 3 meer" for warnings (at most ``SHOWN_ROWS`` codes)."""
    shown = [str(c) for c in codes.head(SHOWN_ROWS)]
    more = len(codes) - len(shown)
    return ", ".join(shown) + (f" en {more} meer" if more > 0 else "")


def parse_numbers(series: pd.Series) -> tuple[pd.Series, int]:
    """Floats from a column, decimal commas included; and how many had a decimal comma."""
    if pd.api.types.is_numeric_dtype(series):
        return series.astype("float64"), 0
    text = series.astype("string")
    comma = text.str.match(_DECIMAL_COMMA).fillna(False).astype(bool)
    if comma.any():
        fixed = text[comma]
        fixed = fixed.where(~fixed.str.match(_THOUSANDS_DOTS).fillna(False).astype(bool),
                            fixed.str.replace(".", "", regex=False))
        text = text.where(~comma, fixed.str.replace(",", ".", regex=False))
    values = pd.to_numeric(text, errors="coerce").astype("float64")
    return values, int(comma.sum())


def impossible(values: pd.Series, kind: str) -> dict[str, pd.Series]:
    """Masks of impossible values by problem (CBS's hidden-value codes are not impossible)."""
    with np.errstate(invalid="ignore"):
        problems = {"niet eindig": pd.Series(np.isinf(values.to_numpy()), index=values.index),
                    "negatief": (values < 0) & (values > SENTINEL_THRESHOLD)}
        if kind == "percentage":
            problems["boven 100 %"] = values > 100
    return {k: v.fillna(False).astype(bool) for k, v in problems.items() if v.any()}


def figure_warnings(column: str, codes: pd.Series, comma: int,
                    problems: dict[str, pd.Series]) -> list[str]:
    """Dutch warnings for one source column."""
    notes = []
    if comma:
        notes.append(f"kolom {column}: {comma} getallen met een decimale komma gelezen")
    for what, mask in problems.items():
        notes.append(f"kolom {column}: onmogelijke waarden ({what}) als ontbrekend behandeld "
                     f"bij {row_list(codes[mask.reindex(codes.index, fill_value=False)])}")
    return notes


def bad_codes(codes: pd.Series, prefix: str, digits: int) -> pd.Series:
    """Mask of codes that are not the level's prefix followed by its number of digits."""
    if not prefix:
        return pd.Series(False, index=codes.index)
    pattern = re.compile(rf"^{re.escape(prefix)}\d{{{digits}}}$")
    return codes.map(lambda c: isinstance(c, str) and not pattern.match(c)).astype(bool)


def duplicate_warning(codes: pd.Series) -> list[str]:
    """A warning naming codes that occur more than once (one row of each is kept)."""
    counts = codes.dropna().value_counts()
    doubled = counts[counts > 1]
    if doubled.empty:
        return []
    listed = row_list(pd.Series([f"{c} ({n}×)" for c, n in doubled.items()]))
    return [f"{int(doubled.sum() - len(doubled))} rijen met een code die al eerder voorkomt "
            f"zijn samengevoegd (de rij met de grootste grens is gehouden): {listed}"]
