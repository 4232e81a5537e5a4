"""An :class:`~citisens_core.atlas.AreaSet` → the report's input.

The one place where the report meets the area pipeline; the CLI and the app
both call :func:`report_data`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from citisens_core.atlas import AreaSet, model_fingerprint
from citisens_core.report.content import ReportData
from citisens_core.report.context import gemeente_borders
from citisens_core.scheme import Scheme


def report_data(areas: AreaSet, level: str, model: Any, scheme: Scheme) -> ReportData:
    """One level of an area set as the report reads it (memoised on the area set)."""
    def compute() -> ReportData:
        keys = list(model.profile_keys)
        national = pd.Series({p.key: p.aandeel for p in scheme.profielen}).reindex(keys)
        borders = areas.memo(("gemeentegrenzen",), lambda: gemeente_borders(
            areas.levels[areas.most_detailed], areas.levels.get("gemeente")))
        return ReportData(
            level=level, areas=areas.levels[level], estimates=areas.estimates(level, model),
            profile_keys=keys, national=national.fillna(0.0),
            gemeente_mix=lambda code: areas.gemeente_mix(code, model), source=areas.bron,
            credit=areas.attribution, fictional=areas.fictief, year=areas.jaar,
            release=areas.versie,
            model_source=getattr(model, "source", "") or "standaardmodel",
            water=areas.water, borders=borders)

    return areas.memo(("rapportgegevens", level, model_fingerprint(model)), compute)
