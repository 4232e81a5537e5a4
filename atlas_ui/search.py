"""Find areas by name, CBS code or postcode (pure pandas/shapely, no streamlit)."""

from __future__ import annotations

import re

from citisens_core.atlas import AreaSet

_POSTCODE = re.compile(r"^\s*(\d{4})\s*([A-Za-z]{2})?\s*$")
MAX_RESULTS = 25


def normalise_postcode(text: str) -> str | None:
    """``"1011 ab"`` → ``"1011AB"``, ``"1011"`` → ``"1011"``; None if not a postcode."""
    match = _POSTCODE.match(text or "")
    if not match:
        return None
    return match.group(1) + (match.group(2) or "").upper()


def search_areas(dataset: AreaSet, level: str, query: str) -> tuple[list[str], str | None]:
    """Codes of the areas of `level` matching the query, best first, and a note.

    A code matches exactly (case-insensitive); a name matches on a substring,
    names that start with the query first. A postcode finds the area of
    `level` that contains the postcode area's centre (when the data holds
    postcode areas).

    Returns
    -------
    (list of str, str or None)
        Matching codes (at most ``MAX_RESULTS``) and an optional Dutch note.
    """
    query = (query or "").strip()
    if not query:
        return [], None
    table = dataset.levels[level]
    codes = table["code"].astype(str)
    exact = table[codes.str.upper() == query.upper().replace(" ", "")]
    if len(exact):
        return exact["code"].astype(str).tolist(), None
    postcode = normalise_postcode(query)
    if postcode is not None:
        return _by_postcode(dataset, level, postcode)
    names = table["naam"].astype(str)
    lower = names.str.lower()
    q = query.lower()
    hits = table[lower.str.contains(q, regex=False)]
    starts = hits["naam"].astype(str).str.lower().str.startswith(q)
    ordered = list(hits[starts]["code"].astype(str)) + list(hits[~starts]["code"].astype(str))
    return ordered[:MAX_RESULTS], None


def _by_postcode(dataset: AreaSet, level: str, postcode: str) -> tuple[list[str], str | None]:
    pc_levels = [lv for lv in ("pc6", "pc4") if lv in dataset.levels]
    if not pc_levels:
        return [], ("Zoeken op postcode kan alleen als de gegevens postcodegebieden bevatten; "
                    "zoek op naam of code.")
    for pc_level in pc_levels:
        pcs = dataset.levels[pc_level]
        found = pcs[pcs["code"].astype(str).str.upper().str.startswith(postcode)]
        if len(found) == 0:
            continue
        if pc_level == level:
            return found["code"].astype(str).tolist()[:MAX_RESULTS], None
        point = found.geometry.dropna()
        if point.empty:
            continue
        centre = point.iloc[0].representative_point()
        table = dataset.levels[level]
        inside = table[table.geometry.notna() & table.geometry.intersects(centre)]
        if len(inside):
            return inside["code"].astype(str).tolist()[:1], None
    return [], f"Postcode {postcode} komt niet voor in deze gegevens."
