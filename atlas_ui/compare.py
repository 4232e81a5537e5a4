"""Which differences between areas matter (pure pandas, no streamlit)."""

from __future__ import annotations

from itertools import combinations

import pandas as pd

#: A difference matters when shares differ by at least this much (percentage points / 100)
#: and the 90 % intervals do not overlap.
MIN_DIFFERENCE = 0.05


def notable_differences(rows: pd.DataFrame, keys: list[str], names: dict[str, str],
                        labels: dict[str, str]) -> pd.DataFrame:
    """Pairs of areas whose share of a profile differs clearly.

    Parameters
    ----------
    rows : pandas.DataFrame
        Estimates (``estimate_areas`` output) of the areas compared.
    keys : list of str
        Profile keys.
    names : dict
        Profile key → Dutch name.
    labels : dict
        Area code → label.

    Returns
    -------
    pandas.DataFrame
        Columns ``profiel``, ``key``, ``hoger``, ``lager`` (area codes),
        ``verschil`` (fraction), largest first; empty when nothing stands out.
    """
    found = []
    records = rows.set_index("code")
    for key in keys:
        for a, b in combinations(records.index, 2):
            ra, rb = records.loc[a], records.loc[b]
            high, low = (a, b) if ra[key] >= rb[key] else (b, a)
            rh, rl = records.loc[high], records.loc[low]
            diff = float(rh[key] - rl[key])
            separate = float(rh[f"{key}_laag"]) > float(rl[f"{key}_hoog"])
            if diff >= MIN_DIFFERENCE and separate:
                found.append({"profiel": names.get(key, key), "key": key, "hoger": high,
                              "lager": low, "verschil": diff,
                              "tekst": f"{names.get(key, key)}: {labels.get(high, high)} "
                                       f"{round(rh[key] * 100)} % tegen "
                                       f"{labels.get(low, low)} {round(rl[key] * 100)} %"})
    columns = ["profiel", "key", "hoger", "lager", "verschil", "tekst"]
    frame = pd.DataFrame(found, columns=columns)
    return frame.sort_values("verschil", ascending=False, ignore_index=True)


def notable_cells(rows: pd.DataFrame, differences: pd.DataFrame) -> set[tuple[str, str]]:
    """(profile key, area code) cells to highlight: the higher side of each notable pair."""
    return {(r.key, r.hoger) for r in differences.itertuples()} | {
        (r.key, r.lager) for r in differences.itertuples()}
