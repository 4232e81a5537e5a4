"""Numbers and lists as Dutch readers write them: 12.345, 2,3 %, "a, b en c".

One place for every Dutch text the project produces (UI, advice notes, model
card), so that a percentage reads the same everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

#: The reminder every estimate carries (app, notes, report, presentation).
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


def fmt_pct(value: float) -> str:
    """A fraction as a percentage for a sentence: 0.3 → "30 %", 0.035 → "3,5 %".

    Whole percentages from 10 % up, one decimal below, "minder dan 0,1 %" for
    tiny shares and "onbekend" when missing.
    """
    if _is_missing(value):
        return "onbekend"
    share = 100 * float(value)
    if share == 0:
        return "0 %"
    if 0 < share < 0.05:
        return "minder dan 0,1 %"
    return f"{number(share, 0 if abs(share) >= 9.95 else 1)} %"


def fmt_count(value: float) -> str:
    """A count with Dutch thousands separators: 12345 → "12.345"."""
    return number(value)


def join_dutch(items: Sequence[str]) -> str:
    """["a", "b", "c"] → "a, b en c"."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " en " + items[-1]


def sentence(text: str) -> str:
    """End a message with a full stop, so that the next sentence reads right after it."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."
