"""An area file on disk → :class:`~citisens_core.report.content.ReportData`.

The one place where the report meets the area pipeline outside the app (the
CLI). It reads only the chosen areas' gemeenten, like ``advise``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from citisens_core.estimate import combine_mix, estimate_areas
from citisens_core.geodata import read_areas
from citisens_core.report.content import ReportData
from citisens_core.report.context import credit_line, gemeente_borders, read_water
from citisens_core.scheme import Scheme

#: Parent levels whose figures an area borrows when it lacks its own.
PARENTS = {"buurt": ("wijk", "gemeente"), "wijk": ("gemeente",), "pc4": ("wijk", "gemeente"),
           "pc6": ("wijk", "gemeente")}


def level_of(code: str) -> str | None:
    """The area level a CBS code belongs to (None: let the reader choose)."""
    prefixes = {"BU": "buurt", "WK": "wijk", "GM": "gemeente"}
    if code[:2] in prefixes:
        return prefixes[code[:2]]
    if code.isdigit() and len(code) == 4:
        return "pc4"
    if len(code) == 6 and code[:4].isdigit() and code[4:].isalpha():
        return "pc6"
    return None


def is_fictional(path: Path) -> bool:
    """True for the generated demo gemeente (its metadata table says ``fictief = JA``)."""
    import pyogrio

    try:
        layers = [str(n) for n, _ in pyogrio.list_layers(path)]
        if "metadata" not in layers:
            return False
        meta = pyogrio.read_dataframe(path, layer="metadata", read_geometry=False)
    except Exception:
        return False
    rows = dict(zip(meta.iloc[:, 0].astype(str), meta.iloc[:, 1].astype(str), strict=False))
    return rows.get("fictief", "").upper() == "JA"


def report_data_from_file(path: Path, level: str | None, codes: list[str], model: Any,
                          scheme: Scheme) -> ReportData:
    """Read the gemeenten of the chosen areas and estimate their level.

    Raises
    ------
    citisens_core.geodata.AreaFileError
        When the file cannot be read or lacks the level.
    """
    path = Path(path)
    areas = read_areas(path, level=level)
    level = str(areas.attrs.get("niveau") or level)
    chosen = areas["code"].astype(str).isin(set(codes))
    gemeenten = set(areas.loc[chosen, "gemeentecode"].dropna().astype(str))
    if gemeenten:
        areas = areas[chosen | areas["gemeentecode"].astype(str).isin(gemeenten)]
    parents = []
    gemeente_table = None
    for parent in PARENTS.get(level, ()):
        try:
            table = read_areas(path, level=parent)
        except Exception:
            continue
        if parent == "gemeente":
            gemeente_table = table
        parents.append(pd.DataFrame(table.drop(columns="geometry")))
    parent_table = pd.concat(parents, ignore_index=True) if parents else None
    est = estimate_areas(pd.DataFrame(areas.drop(columns="geometry")), model=model,
                         parents=parent_table)
    keys = list(model.profile_keys) if model is not None else list(scheme.keys)
    national = pd.Series({p.key: p.aandeel for p in scheme.profielen}).reindex(keys).fillna(0.0)

    def gemeente_mix(code: str) -> pd.Series | None:
        rows = est[(areas["gemeentecode"].astype(str) == code).to_numpy()
                   & est["heeft_schatting"].to_numpy()]
        return None if rows.empty else combine_mix(rows, None, keys)

    fictional = is_fictional(path)
    year = areas.attrs.get("jaar")
    in_scope = None if gemeente_table is None else gemeente_table[
        gemeente_table["code"].astype(str).isin(gemeenten)]
    return ReportData(
        level=level, areas=areas.reset_index(drop=True), estimates=est.reset_index(drop=True),
        profile_keys=keys, national=national, gemeente_mix=gemeente_mix, source=path.name,
        credit=credit_line(year, fictional), fictional=fictional,
        year=int(year) if year else None, release=areas.attrs.get("uitgave"),
        model_source=getattr(model, "source", "") or "standaardmodel",
        water=read_water(path), borders=gemeente_borders(areas, in_scope))
