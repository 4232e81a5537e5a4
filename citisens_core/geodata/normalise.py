"""The shared last step of every reader: CBS columns as published → the canonical area table.

Every reader (:mod:`.read` for area files, :mod:`.postcode` for the postcode
statistics release, :mod:`.pdok` through the files it writes) describes what it
found in a :class:`Layer` and hands its raw rows to :func:`normalise`. This
module knows nothing about files; it imports only the rule table in
:mod:`.columns`, so the readers depend on it and never on each other.

Normalising means: hidden values to NaN, water and special areas out,
canonical codes and shares, polygons repaired, duplicates merged, EPSG:4326.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import citisens_core.geodata.checks as checks
from citisens_core.demographics import DEMOGRAPHIC_COLUMNS, ID_COLUMNS
from citisens_core.geodata.columns import (
    COLUMN_RULES,
    DETAIL_ORDER,
    GENERATIONS,
    HELPER_RULES,
    LEVEL_RULES,
    NOT_YET_PUBLISHED,
    SHARE_GROUPS,
    WATER_COLUMNS,
    YEAR_COLUMNS,
    detect_generation,
    postcode_level,
)
from citisens_core.geodata.release import release_of

__all__ = [
    "RD_NEW",
    "SENTINEL_THRESHOLD",
    "WGS84",
    "AreaFileError",
    "Layer",
    "classify",
    "dedupe",
    "expected_message",
    "geometry_warning",
    "level_column",
    "missing_reason",
    "normalise",
    "normalise_areas",
    "numeric",
    "polygon_parts",
    "short_reason",
]

#: CBS marks hidden, secret or not-yet-published values with large negative numbers.
SENTINEL_THRESHOLD = -99990

RD_NEW = "EPSG:28992"
WGS84 = "EPSG:4326"
_YEAR = re.compile(r"(?<!\d)(19[89]\d|20[0-9]\d)(?!\d)")


class AreaFileError(ValueError):
    """A file that cannot be read as a CBS area file; the message is Dutch and names the file."""


@dataclass
class Layer:
    """One readable table of a source, with what its columns tell about it.

    Attributes
    ----------
    path : str
        Where a reader can find the rows again ("" for data in memory).
    layer : str or None
        Layer name inside `path`.
    name : str
        Name for messages.
    fields : list of str
        Column names as published.
    generation, level, code_column : str or None
        Filled in by :func:`classify`.
    crs : object
        Declared CRS, when known.
    hints : list of str
        Names that may carry the year or level (layer, file and folder names).
    """

    path: str
    layer: str | None
    name: str
    fields: list[str]
    generation: str | None = None
    level: str | None = None
    code_column: str | None = None
    crs: object = None
    hints: list[str] = field(default_factory=list)


def short_reason(exc: BaseException) -> str:
    """The first line of an exception's message (or its type), for a user's message."""
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


# --- what a layer is ----------------------------------------------------------------------


def classify(layer: Layer, sample: Callable[[str], Iterable[object]] | None = None) -> None:
    """Fill in generation, level and code column of `layer` from its columns.

    Parameters
    ----------
    layer : Layer
        Changed in place.
    sample : callable, optional
        ``sample(column)`` gives a few values of a column; it tells PC4 from
        PC6 (their column names are not reliable). Without it, the hints decide.
    """
    layer.generation = detect_generation(layer.fields)
    if layer.generation is None:
        return
    present = set(layer.fields)
    for level in DETAIL_ORDER:
        for col in LEVEL_RULES[level].code.get(layer.generation, ()):
            if col in present:
                if level in ("pc4", "pc6"):
                    level = _postcode_level(layer, col, sample) or level
                layer.level, layer.code_column = level, col
                return


def _postcode_level(
    layer: Layer, column: str, sample: Callable[[str], Iterable[object]] | None
) -> str | None:
    found = postcode_level(sample(column)) if sample is not None else None
    if found:
        return found
    joined = " ".join(layer.hints).lower()
    return "pc6" if "pc6" in joined else "pc4" if "pc4" in joined else None


def level_column(layer: Layer, level: str, kind: str = "code") -> str | None:
    """The column of `layer` holding the codes (`kind` "code") or names ("naam") of `level`."""
    rule = LEVEL_RULES[level]
    names = (rule.code if kind == "code" else rule.name).get(layer.generation or "", ())
    return next((c for c in names if c in layer.fields), None)


def expected_message(display: str, level: str | None, layers: Sequence[Layer]) -> str:
    """Dutch message: which code columns were expected and which columns were found."""
    found = sorted({lay.level for lay in layers if lay.level})
    if level is not None:
        rule = LEVEL_RULES[level]
        msg = f"{display}: geen kolom met {level}codes gevonden; verwacht {rule.expected()}"
        if found:
            plural = ", ".join(LEVEL_RULES[f].plural for f in found)
            msg += f" (het bestand bevat {plural})"
        return msg
    expected = "; ".join(
        f"voor {LEVEL_RULES[lv].plural} {LEVEL_RULES[lv].expected()}"
        for lv in ("buurt", "wijk", "gemeente", "pc4")
    )
    columns = list(dict.fromkeys(c for lay in layers for c in lay.fields))  # file order
    if not columns:
        return f"{display}: het bestand bevat geen gebieden (geen kolommen, geen rijen)"
    shown = ", ".join(columns[:15]) + (f" en {len(columns) - 15} meer" if len(columns) > 15
                                       else "")
    return (
        f"{display}: geen kolom met gebiedscodes gevonden; verwacht {expected} "
        f"(gevonden kolommen: {shown})"
    )

# --- rows → canonical table ----------------------------------------------------------


def numeric(series: pd.Series) -> pd.Series:
    """Floats (decimal commas read) with CBS sentinels (<= -99990) and non-numbers as NaN."""
    values, _ = checks.parse_numbers(series)
    return values.mask(values <= SENTINEL_THRESHOLD)


def _not_yet_published(frame: pd.DataFrame, columns: Iterable[str]) -> bool:
    """True when most given values of the columns are CBS's "later release" code."""
    values = pd.concat([pd.to_numeric(frame[c], errors="coerce") for c in columns])
    pending = int((values == NOT_YET_PUBLISHED).sum())
    return pending > 0 and pending >= int((values > SENTINEL_THRESHOLD).sum())


def _clean_figures(frame: pd.DataFrame, generation: str,
                   codes: pd.Series) -> tuple[pd.DataFrame, list[str]]:
    """The source columns of the figures as floats: decimal commas read, impossible values
    (infinite, negative, percentages over 100) missing; warnings name column and rows."""
    out = frame.copy()
    notes: list[str] = []
    done: set[str] = set()
    for rule in (*HELPER_RULES, *COLUMN_RULES):
        source = rule.pick(frame.columns, generation)
        for column in source.columns if source else ():
            if column in done:
                continue
            done.add(column)
            values, comma = checks.parse_numbers(frame[column])
            problems = checks.impossible(values, source.kind)
            for mask in problems.values():
                values = values.mask(mask)
            out[column] = values
            notes += checks.figure_warnings(column, codes, comma, problems)
    return out, notes


def _demographics(frame: pd.DataFrame, generation: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """The canonical demographic columns from the rule table, and why whole columns are empty.

    The second value maps a canonical column to ``"nog niet gepubliceerd"`` (the
    release does not have it yet: CBS's ``-99995``) or ``"niet in het bestand"``.
    """
    out = pd.DataFrame(index=frame.index)
    why: dict[str, str] = {}
    rules = (*HELPER_RULES, *COLUMN_RULES)
    # values and percentages first: shares divide by them
    deferred = []
    for rule in rules:
        source = rule.pick(frame.columns, generation)
        if source is None:
            out[rule.canonical] = np.nan
            why[rule.canonical] = "niet in het bestand"
            continue
        if _not_yet_published(frame, source.columns):
            why[rule.canonical] = "nog niet gepubliceerd"
        if source.kind == "share":
            deferred.append((rule.canonical, source))
        else:
            total = sum(numeric(frame[c]) for c in source.columns)
            out[rule.canonical] = total / 100.0 if source.kind == "percentage" else total
    for canonical, source in deferred:
        counts = sum(numeric(frame[c]) for c in source.columns)
        denominator = out[source.denominator].where(out[source.denominator] > 0)
        out[canonical] = counts / denominator
    for col in out.columns:
        if col.startswith("aandeel_"):
            # counts are rounded to multiples of 5 independently: a part can exceed the total
            out[col] = out[col].clip(0.0, 1.0)
    for group in SHARE_GROUPS:
        empty = out[list(group)].fillna(0.0).sum(axis=1).eq(0.0)
        out.loc[empty, list(group)] = np.nan
    why = {c: reason for c, reason in why.items() if c in DEMOGRAPHIC_COLUMNS}
    return out[list(DEMOGRAPHIC_COLUMNS)].astype("float64"), why


def missing_reason(
    row: pd.Series, column: str, ontbrekend: Mapping[str, str] | None = None
) -> str | None:
    """Why an area's figure is missing, in Dutch; None when it is there.

    Parameters
    ----------
    row : pandas.Series
        One area of a canonical table.
    column : str
        A canonical demographic column.
    ontbrekend : mapping, optional
        ``attrs["ontbrekend"]`` of the table the row comes from: which columns
        the release does not have yet, or at all.

    Returns
    -------
    str or None
        ``"nog niet gepubliceerd"`` (CBS fills it in a later release),
        ``"niet in het bestand"``, ``"niemand woont hier"`` or ``"geheim"``
        (CBS hides it: too few inhabitants or homes).
    """
    value = row.get(column)
    if value is not None and not pd.isna(value):
        return None
    reason = (ontbrekend or {}).get(column)
    if reason:
        return reason
    inwoners = row.get("inwoners")
    if inwoners is not None and not pd.isna(inwoners) and float(inwoners) == 0:
        return "niemand woont hier"
    return "geheim"


def _pad_code(value: object, prefix: str, digits: int) -> object:
    """Code with prefix ("BU03440101" from "3440101" or 3440101); missing stays None."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    if text.endswith(".0"):
        text = text[:-2]
    if not text:
        return None
    if prefix and text.isdigit():
        return f"{prefix}{int(text):0{digits}d}"
    return text.upper() if prefix else text


def _codes(frame: pd.DataFrame, column: str | None, level: str) -> pd.Series:
    rule = LEVEL_RULES[level]
    if column is None or column not in frame:
        return pd.Series([None] * len(frame), index=frame.index, dtype="object")
    if level in ("pc4", "pc6"):
        return _postcodes(frame[column])
    return frame[column].map(lambda v: _pad_code(v, rule.prefix, rule.digits))


def _postcodes(values: pd.Series) -> pd.Series:
    """Postcodes without spaces, upper case ("1011 ab" → "1011AB", 1011.0 → "1011").

    Vectorised: a national PC6 table has 460,000 of them.
    """
    missing = values.isna()
    text = values.astype(str).str.strip().str.replace(" ", "", regex=False).str.upper()
    text = text.str.removesuffix(".0")
    return text.astype(object).where(~missing & text.ne(""), None)


def _text(frame: pd.DataFrame, column: str | None) -> pd.Series:
    if column is None or column not in frame:
        return pd.Series([None] * len(frame), index=frame.index, dtype="object")
    return frame[column].map(lambda v: None if pd.isna(v) else str(v).strip())


def _identity(frame: pd.DataFrame, layer: Layer, level: str) -> pd.DataFrame:
    """code, naam, niveau and parent codes; parents derived from the code when absent."""
    ids = pd.DataFrame(index=frame.index)
    ids["code"] = _codes(frame, layer.code_column, level)
    if level in ("pc4", "pc6"):
        ids["naam"] = ids["code"]
    else:
        ids["naam"] = _text(frame, level_column(layer, level, "naam"))
    ids["niveau"] = level
    gm = _codes(frame, level_column(layer, "gemeente", "code"), "gemeente")
    if level in ("buurt", "wijk"):
        derived = ids["code"].map(lambda c: f"GM{c[2:6]}" if isinstance(c, str) else None)
        gm = gm.where(gm.notna(), derived)
    ids["gemeentecode"] = gm
    ids["gemeentenaam"] = _text(frame, level_column(layer, "gemeente", "naam"))
    if level == "buurt":
        wk = _codes(frame, level_column(layer, "wijk", "code"), "wijk")
        derived = ids["code"].map(lambda c: f"WK{c[2:8]}" if isinstance(c, str) else None)
        ids["wijkcode"] = wk.where(wk.notna(), derived)
    else:
        ids["wijkcode"] = None
    ids["jaar"] = _years(frame, layer)
    return ids


def _years(frame: pd.DataFrame, layer: Layer) -> pd.Series:
    """Year per row from a year column, else from the layer or file name."""
    for col in YEAR_COLUMNS:
        if col in frame:
            found = frame[col].astype(str).str.extract(_YEAR, expand=False)
            years = pd.to_numeric(found, errors="coerce").astype("Int64")
            if years.notna().any():
                return years
    hint = next((m.group(1) for h in layer.hints if (m := _YEAR.search(h))), None)
    value = pd.NA if hint is None else int(hint)
    return pd.Series([value] * len(frame), index=frame.index, dtype="Int64")


def _drop_special(frame: pd.DataFrame, codes: pd.Series, level: str) -> pd.Series:
    """Mask of rows to keep: no water, no fictitious water buurten, no Buitenland."""
    keep = pd.Series(True, index=frame.index)
    for col in WATER_COLUMNS:
        if col in frame:
            keep &= frame[col].astype(str).str.strip().str.upper().ne("JA")
    if level == "buurt":
        keep &= ~codes.astype(str).str.endswith(("9997", "9998"))
    keep &= codes.astype(str).ne("GM0998") | (level != "gemeente")
    keep &= codes.notna()
    return keep


def _guess_crs(geoms: gpd.GeoSeries, declared: object) -> tuple[object, str | None]:
    """The CRS to assume, and a warning when we had to guess."""
    if geoms.notna().sum() == 0:
        return declared or WGS84, None
    xmin, ymin, xmax, ymax = geoms.total_bounds
    looks_rd = bool(xmin >= -7000 and xmax <= 300000 and ymin >= 289000 and ymax <= 629000)
    looks_lonlat = bool(xmin >= -180 and xmax <= 180 and ymin >= -90 and ymax <= 90)
    if declared is None:
        if looks_rd:
            return RD_NEW, "geen coördinatenstelsel opgegeven; RD New (EPSG:28992) aangenomen"
        if looks_lonlat:
            return WGS84, "geen coördinatenstelsel opgegeven; WGS84 (EPSG:4326) aangenomen"
        return None, None
    crs = gpd.GeoSeries(crs=declared).crs
    if crs is not None and crs.is_geographic and looks_rd and not looks_lonlat:
        # GeoJSON is always reported as WGS84, even when it holds RD coordinates
        return RD_NEW, "coördinaten zijn RD New (EPSG:28992) hoewel WGS84 is opgegeven"
    return crs, None


def _repair(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """Polygonal geometry only: invalid rings made valid, points and lines become None."""
    values = np.asarray(geoms.values, dtype=object)
    missing = shapely.is_missing(values) | shapely.is_empty(values)
    types = shapely.get_type_id(values)
    polygonal = np.isin(types, (3, 6))  # Polygon, MultiPolygon
    suspect = ~missing & ~(polygonal & shapely.is_valid(values))
    out = values.copy()
    out[missing] = None
    for i in np.flatnonzero(suspect):
        out[i] = polygon_parts(shapely.make_valid(values[i]))
    return gpd.GeoSeries(out, index=geoms.index, crs=geoms.crs)


def polygon_parts(geom: shapely.Geometry) -> shapely.Geometry | None:
    """The polygons of `geom` as one (Multi)Polygon; None when it has no area."""
    parts = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) in (3, 6)]
    polys = [q for p in parts for q in shapely.get_parts(p) if not q.is_empty and q.area > 0]
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def dedupe(table: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per code: the one with the largest geometry (files clipped at region borders)."""
    if not table["code"].duplicated().any():
        return table
    area = shapely.area(np.asarray(table.geometry.values, dtype=object))
    order = np.argsort(-np.nan_to_num(area, nan=-1.0), kind="stable")
    ranked = table.iloc[order]
    return ranked[~ranked["code"].duplicated()].sort_index()


def geometry_warning(table: gpd.GeoDataFrame, level: str) -> list[str]:
    """A Dutch note on the areas of `table` that cannot be drawn (empty when all can)."""
    n = int(table.geometry.isna().sum() + table.geometry.is_empty.sum())
    if not n:
        return []
    if n == 1:
        return [f"1 {level} heeft geen bruikbare grens en staat niet op de kaart"]
    return [
        f"{n} {LEVEL_RULES[level].plural} hebben geen bruikbare grens en staan niet op de kaart"
    ]


def normalise_areas(
    frame: pd.DataFrame,
    *,
    bron: str,
    level: str | None = None,
    jaar: int | None = None,
) -> gpd.GeoDataFrame:
    """Turn a frame with CBS columns (any generation) into the canonical area table.

    Use this for data that did not come from a file, such as PDOK pages.

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        CBS columns as published, optionally with geometry and a CRS.
    bron : str
        Source name for messages and ``attrs["bron"]``.
    level : str, optional
        One of ``LEVELS``; detected from the columns when omitted.
    jaar : int, optional
        Year of the data when the frame has no year column.

    Returns
    -------
    geopandas.GeoDataFrame
        The canonical table in EPSG:4326 with metadata in ``attrs``.

    Raises
    ------
    AreaFileError
        If no code column for the level is found.
    """
    gdf = frame if isinstance(frame, gpd.GeoDataFrame) else gpd.GeoDataFrame(frame)
    layer = Layer("", None, bron, [str(c) for c in gdf.columns], hints=[bron, str(jaar or "")])
    layer.crs = gdf.crs
    classify(layer, lambda col: gdf[col].head(50))
    if level is not None and layer.level != level:
        code = level_column(layer, level, "code") if layer.generation else None
        if code is None:
            raise AreaFileError(expected_message(bron, level, [layer]))
        layer.level, layer.code_column = level, code
    if layer.level is None:
        raise AreaFileError(expected_message(bron, level, [layer]))
    return normalise(gdf, layer, bron)


def normalise(
    raw: gpd.GeoDataFrame, layer: Layer, display: str, *, with_geometry: bool = True
) -> gpd.GeoDataFrame:
    """The canonical area table from the raw rows of a classified `layer`.

    Parameters
    ----------
    raw : geopandas.GeoDataFrame
        Rows as published (CBS column names of ``layer.generation``).
    layer : Layer
        Classified with :func:`classify` (level and code column known).
    display : str
        Source name for ``attrs["bron"]``.
    with_geometry : bool
        False for sources that carry no boundaries (a statistics table) or
        whose boundaries are judged later (several files merged): no note on
        areas without a boundary is added.

    Returns
    -------
    geopandas.GeoDataFrame
        ``ID_COLUMNS`` + ``DEMOGRAPHIC_COLUMNS`` + geometry in EPSG:4326;
        ``attrs``: ``bron``, ``generatie``, ``niveau``, ``jaar``, ``versie``
        (CBS release, "v1"… or None), ``ontbrekend`` (column → why it is empty
        throughout: "nog niet gepubliceerd" or "niet in het bestand"),
        ``waarschuwingen``.
    """
    level = layer.level or "buurt"
    generation = layer.generation or GENERATIONS[0]
    warnings: list[str] = []
    raw = raw.reset_index(drop=True)
    ids = _identity(raw, layer, level)
    keep = _drop_special(raw, ids["code"], level)
    raw, ids = raw[keep], ids[keep]
    rule = LEVEL_RULES[level]
    wrong = checks.bad_codes(ids["code"], rule.prefix, rule.digits)
    if wrong.any():
        warnings.append(f"{int(wrong.sum())} rijen overgeslagen: hun code is geen "
                        f"{level}code ({rule.prefix} met {rule.digits} cijfers): "
                        f"{checks.row_list(ids['code'][wrong])}")
        raw, ids = raw[~wrong], ids[~wrong]
    raw, notes = _clean_figures(raw, generation, ids["code"])
    warnings += notes
    warnings += checks.duplicate_warning(ids["code"])
    figures, why_missing = _demographics(raw, generation)
    table = pd.concat([ids, figures], axis=1)

    geoms = raw.geometry if "geometry" in raw else gpd.GeoSeries([None] * len(raw))
    crs, note = _guess_crs(geoms, raw.crs if hasattr(raw, "crs") else None)
    if note:
        warnings.append(note)
    geoms = _repair(gpd.GeoSeries(np.asarray(geoms.values), index=raw.index, crs=crs))
    out = gpd.GeoDataFrame(table, geometry=geoms, crs=crs)
    out = dedupe(out)
    if out.crs is not None and not out.crs.equals(gpd.GeoSeries(crs=WGS84).crs):
        out = out.to_crs(WGS84)
    elif out.crs is None:
        warnings.append("onbekend coördinatenstelsel; de kaart kan verschoven zijn")
        out = out.set_crs(WGS84, allow_override=True)
    out = out.reset_index(drop=True)
    out["jaar"] = out["jaar"].astype("Int64")
    out = out[[*ID_COLUMNS, *DEMOGRAPHIC_COLUMNS, "geometry"]]
    if with_geometry:
        warnings += geometry_warning(out, level)
    years = out["jaar"].dropna().unique()
    out.attrs = {
        "bron": display,
        "generatie": generation,
        "niveau": level,
        "jaar": int(years[0]) if len(years) == 1 else None,
        "versie": release_of(layer.hints),
        "ontbrekend": why_missing,
        "waarschuwingen": warnings,
    }
    return out
