"""Exports of estimates and selections: CSV, GeoPackage and JSON, for the CLI and the app.

Everything is built in memory and returned as bytes or text; the caller
decides where it goes (a file the user named, a download button). Nothing is
written to a temporary folder.
"""

from __future__ import annotations

import io
import json
from typing import Any, Literal

import geopandas as gpd
import pandas as pd
import pyogrio

from citisens_core.plaintext import csv_safe

__all__ = ["estimates_csv", "estimates_geopackage", "join_estimates", "to_json"]

#: ``nl``: semicolon and decimal comma in UTF-8 with BOM, as Dutch spreadsheets
#: open it; ``plain``: comma and decimal point, for scripts.
CsvDialect = Literal["nl", "plain"]


def estimates_csv(estimates: pd.DataFrame, dialect: CsvDialect = "nl") -> bytes:
    """Estimates (one row per area) as CSV bytes.

    Parameters
    ----------
    estimates : pandas.DataFrame
        Output of :func:`citisens_core.estimate.estimate_areas`.
    dialect : {"nl", "plain"}
    """
    estimates = csv_safe(estimates)  # a name from a file cannot become a spreadsheet formula
    if dialect == "nl":
        return estimates.to_csv(index=False, sep=";", decimal=",").encode("utf-8-sig")
    return estimates.to_csv(index=False).encode("utf-8")


def join_estimates(areas: gpd.GeoDataFrame, estimates: pd.DataFrame) -> gpd.GeoDataFrame:
    """The areas (figures and geometry) with their estimates, one row per area."""
    extra = [c for c in estimates.columns if c not in areas.columns or c == "code"]
    joined = areas.merge(estimates[extra], on="code", how="left")
    return gpd.GeoDataFrame(joined, geometry="geometry", crs=areas.crs)


def estimates_geopackage(areas: gpd.GeoDataFrame, estimates: pd.DataFrame,
                         layer: str = "schattingen") -> bytes:
    """Areas with their estimates as the bytes of a GeoPackage (one layer).

    Booleans are stored as 0/1 so that every GIS reads them.
    """
    frame = join_estimates(areas, estimates)
    for column in frame.columns:
        if frame[column].dtype == bool:
            frame[column] = frame[column].astype(int)
    buffer = io.BytesIO()
    pyogrio.write_dataframe(frame, buffer, driver="GPKG", layer=layer)
    return buffer.getvalue()


def to_json(payload: Any) -> str:
    """Plain data as readable UTF-8 JSON (NaN becomes null, as JSON has no NaN)."""
    return json.dumps(_clean(payload), ensure_ascii=False, indent=2) + "\n"


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, float) and value != value:  # NaN
        return None
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return _clean(value.item())
    return value
