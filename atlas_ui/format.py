"""Dutch number formatting for the UI (no streamlit needed, easy to test)."""

from __future__ import annotations

import math

from citisens_core.demographics import DEMOGRAPHIC_COLUMNS, SHARE_COLUMNS

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

GROUP_REMINDER = (
    "Profielen zijn schattingen voor groepen huishoudens, nooit een label voor een persoon."
)


def _is_missing(value: object) -> bool:
    try:
        return value is None or math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def number(value: object, digits: int = 0) -> str:
    """A number in Dutch notation: ``12.345`` or ``2,3``; an en dash when missing.

    Parameters
    ----------
    value : object
        Anything convertible to float.
    digits : int
        Decimals to show.

    Returns
    -------
    str
    """
    if _is_missing(value):
        return "–"
    text = f"{float(value):,.{digits}f}"  # type: ignore[arg-type]
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def pct(share: object, digits: int = 0) -> str:
    """A fraction 0..1 as a Dutch percentage, e.g. ``0.123`` → ``"12 %"``."""
    if _is_missing(share):
        return "–"
    return f"{number(float(share) * 100, digits)} %"  # type: ignore[arg-type]


def interval(low: object, high: object) -> str:
    """A 90 % interval of two fractions, e.g. ``"9–15 %"``."""
    if _is_missing(low) or _is_missing(high):
        return "–"
    return f"{number(float(low) * 100)}–{number(float(high) * 100)} %"  # type: ignore[arg-type]


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


def sentence(text: str) -> str:
    """End a message with a full stop, so that the next sentence reads right after it."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."
