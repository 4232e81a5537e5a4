"""Dutch number formatting for advice sentences."""

from __future__ import annotations

import math
from collections.abc import Sequence


def fmt_pct(value: float) -> str:
    """A fraction as a Dutch percentage: 0.3 → "30 %", 0.035 → "3,5 %".

    Parameters
    ----------
    value : float
        A fraction (0.3 for 30 %).

    Returns
    -------
    str
        Whole percentages from 10 % up, one decimal (with a comma) below.
    """
    if value is None or not math.isfinite(value):
        return "onbekend"
    pct = 100 * value
    if pct == 0:
        return "0 %"
    if 0 < pct < 0.05:
        return "minder dan 0,1 %"
    if abs(pct) >= 9.95:
        return f"{pct:.0f} %"
    return f"{pct:.1f}".replace(".", ",") + " %"


def fmt_count(value: float) -> str:
    """A count with Dutch thousands separators: 12345 → "12.345"."""
    return f"{value:,.0f}".replace(",", ".")


def join_dutch(items: Sequence[str]) -> str:
    """["a", "b", "c"] → "a, b en c"."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " en " + items[-1]
