"""Small-group suppression: every group under 10 people is shown as "< 10".

The one function every output of resident data goes through (tables, charts,
maps, CLI and downloads), so the rule cannot be forgotten in one of them.
A group's count becomes ``"< 10"``; the figures derived from that group (its
share, ratio, mean) become missing, because a share of a known total gives the
count back. Zero stays zero: an empty group discloses no one, and "nobody
answered from this buurt" is exactly what a reach check must be able to say.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

#: Groups with fewer people than this are not shown (AVG; the usual Dutch rule
#: of thumb for published survey results, as in CBS's and gemeenten's practice).
MIN_GROUP = 10
SMALL = "< 10"


def is_small(count: float) -> bool:
    """True for a group of 1-9 people (counts may be fractional expectations)."""
    rounded = round(float(count)) if np.isfinite(count) else 0
    return 0 < rounded < MIN_GROUP


def suppress(table: pd.DataFrame, count: str = "aantal",
             derived: Iterable[str] = ()) -> pd.DataFrame:
    """Replace small groups' counts by ``"< 10"`` and blank their derived figures.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per group; `count` holds the number of people in it.
    count : str
        The count column. Shown rounded to whole people.
    derived : iterable of str
        Columns computed from the group (shares, ratios, means, margins): set to
        None where the group is small.

    Returns
    -------
    pandas.DataFrame
        A copy; the count column is object dtype (ints and ``"< 10"``).
    """
    out = table.copy()
    small = out[count].map(is_small).astype(bool)
    rounded = out[count].map(lambda v: round(float(v)) if np.isfinite(v) else 0)
    out[count] = rounded.astype(object).where(~small, SMALL)
    for column in derived:
        if column in out:
            out[column] = out[column].astype(object).where(~small, None)
    return out


def count_text(count: float) -> str:
    """A count of people for a sentence or label: "< 10" for small groups."""
    if is_small(count):
        return SMALL
    from citisens_core.dutch import number

    return number(round(float(count)) if np.isfinite(count) else 0)
