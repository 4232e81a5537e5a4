"""Read CBS area files (wijk- en buurtkaart, PDOK, postcode statistics) into the canonical table.

The file access lives here (as in geopandas' ``io/``); the knowledge of what
CBS calls each column lives in :mod:`citisens_core.geodata.columns`.

Reading goes in three steps:

1. **open**: list the candidate layers of the file (GeoPackage layers, the geo
   files inside a zip, or the single layer of a shapefile/GeoJSON/GML) and read
   each layer's column list only;
2. **choose**: detect schema generation and level per layer and pick the one
   asked for (default: the most detailed); translate a gemeente filter into a
   ``where`` clause so a national file is read for one gemeente only;
3. **normalise**: hidden values to NaN, water and special areas out, canonical
   codes and shares, polygons repaired, duplicates merged, EPSG:4326.
"""

from __future__ import annotations

import difflib
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from citisens_core.demographics import DEMOGRAPHIC_COLUMNS, ID_COLUMNS
from citisens_core.geodata.columns import (
    COLUMN_RULES,
    DETAIL_ORDER,
    GENERATIONS,
    HELPER_RULES,
    LEVEL_RULES,
    PC_SNAKE,
    PC_UPPER,
    SHARE_GROUPS,
    WATER_COLUMNS,
    YEAR_COLUMNS,
    detect_generation,
    postcode_level,
)

__all__ = ["AreaFileError", "normalise_areas", "read_areas", "read_many"]

#: CBS marks hidden, secret or not-yet-published values with large negative numbers.
SENTINEL_THRESHOLD = -99990

GEO_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json", ".gml", ".fgb")
RD_NEW = "EPSG:28992"
WGS84 = "EPSG:4326"
POSTCODE_GENERATIONS = (PC_SNAKE, PC_UPPER)
_YEAR = re.compile(r"(?<!\d)(19[89]\d|20[0-9]\d)(?!\d)")
# UTF-8 read as Latin-1 ("SÃºdwest"), cp1252 read as Latin-1 (C1 controls), or lost bytes
_MOJIBAKE = re.compile("[ÃÂ][\u0080-\u00bf]|[\u0080-\u009f]|\ufffd")


class AreaFileError(ValueError):
    """A file that cannot be read as a CBS area file; the message is Dutch and names the file."""


@dataclass
class _Layer:
    """One readable table in a file, with what we learned from its columns."""

    path: str
    layer: str | None
    name: str
    fields: list[str]
    generation: str | None = None
    level: str | None = None
    code_column: str | None = None
    crs: str | None = None
    hints: list[str] = field(default_factory=list)


# --- step 1: open ----------------------------------------------------------------------


#: Tables without geometry that CBS publishes per postcode (read by postcode.py).
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xls")


def _datasets(path: Path, display: str) -> list[tuple[str, str]]:
    """(pyogrio path, name) of each geo dataset in `path`; zips are looked into."""
    if path.suffix.lower() != ".zip":
        return [(str(path), path.name)]
    try:
        with zipfile.ZipFile(path) as archive:
            members = [
                m
                for m in archive.namelist()
                if m.lower().endswith(GEO_SUFFIXES) and not m.startswith("__MACOSX")
            ]
    except zipfile.BadZipFile as exc:
        raise AreaFileError(f"{display}: geen geldig zip-bestand ({exc})") from exc
    if not members:
        raise AreaFileError(
            f"{display}: het zip-bestand bevat geen kaartbestand "
            "(verwacht een GeoPackage, shapefile, GeoJSON of GML)"
        )
    # a GeoPackage holds all levels; prefer it over loose shapefiles
    members.sort(key=lambda m: (not m.lower().endswith(".gpkg"), m))
    return [(f"/vsizip/{path.resolve()}/{m}", m) for m in members]


def _open_layers(path: Path, display: str) -> list[_Layer]:
    """All layers of `path` with their columns (no rows are read)."""
    if not path.exists():
        raise AreaFileError(f"{display}: bestand niet gevonden")
    if path.is_file() and path.stat().st_size == 0:
        raise AreaFileError(f"{display}: het bestand is leeg")
    layers: list[_Layer] = []
    for ds_path, ds_name in _datasets(path, display):
        try:
            names = [str(n) for n in pyogrio.list_layers(ds_path)[:, 0]]
        except Exception as exc:  # pyogrio raises DataSourceError and friends
            # GDAL's own text names temporary paths and is English: keep it out
            raise AreaFileError(
                f"{display}: dit is geen leesbaar kaartbestand (verwacht een GeoPackage, "
                "GeoJSON, GML, shapefile of zip daarvan); mogelijk is het beschadigd of onvolledig"
            ) from exc
        for name in names:
            try:
                info = pyogrio.read_info(ds_path, layer=name)
            except Exception as exc:
                raise AreaFileError(
                    f"{display}: laag {name!r} is niet leesbaar ({_short(exc)})"
                ) from exc
            layer = _Layer(
                ds_path,
                name,
                name,
                [str(f) for f in info["fields"]],
                crs=info.get("crs"),
                # the folder last: CBS releases often sit in a folder named by year
                hints=[name, Path(ds_name).stem, path.stem, path.parent.name],
            )
            _classify(layer)
            layers.append(layer)
    return layers


def _short(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__


def _classify(layer: _Layer) -> None:
    """Fill in generation, level and code column from the layer's columns."""
    layer.generation = detect_generation(layer.fields)
    if layer.generation is None:
        return
    present = set(layer.fields)
    for level in DETAIL_ORDER:
        for col in LEVEL_RULES[level].code.get(layer.generation, ()):
            if col in present:
                if level in ("pc4", "pc6"):
                    level = _postcode_level(layer, col) or level
                layer.level, layer.code_column = level, col
                return


def _postcode_level(layer: _Layer, column: str) -> str | None:
    """Tell PC4 from PC6 by the values (names are not reliable)."""
    try:
        sample = pyogrio.read_dataframe(
            layer.path, layer=layer.layer, columns=[column], read_geometry=False, max_features=50
        )
    except Exception:
        sample = pd.DataFrame({column: []})
    found = postcode_level(sample[column]) if column in sample else None
    if found:
        return found
    joined = " ".join(layer.hints).lower()
    return "pc6" if "pc6" in joined else "pc4" if "pc4" in joined else None


# --- step 2: choose ----------------------------------------------------------------------


def _expected_message(display: str, level: str | None, layers: Sequence[_Layer]) -> str:
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


def _choose_layer(layers: Sequence[_Layer], level: str | None, display: str) -> _Layer:
    if level is not None and level not in LEVEL_RULES:
        raise AreaFileError(
            f"{display}: onbekend niveau {level!r}; kies uit {', '.join(LEVEL_RULES)}"
        )
    usable = [lay for lay in layers if lay.level]
    if level is not None:
        usable = [lay for lay in usable if lay.level == level]
    if not usable:
        raise AreaFileError(_expected_message(display, level, layers))
    return min(usable, key=lambda lay: DETAIL_ORDER.index(lay.level or "gemeente"))


def _gemeente_code(value: str) -> str | None:
    """GM-code from "GM0344", "gm344" or "0344"; None if `value` is a name."""
    match = re.fullmatch(r"(?:GM)?\s*(\d{1,4})", value.strip(), flags=re.IGNORECASE)
    return f"GM{int(match.group(1)):04d}" if match else None


def _column(layer: _Layer, level: str, kind: str) -> str | None:
    rule = LEVEL_RULES[level]
    names = (rule.code if kind == "code" else rule.name).get(layer.generation or "", ())
    return next((c for c in names if c in layer.fields), None)


def _gemeente_where(layer: _Layer, gemeente: str, display: str) -> tuple[str, str]:
    """(where clause, GM-code) selecting one gemeente in `layer`."""
    if layer.generation in POSTCODE_GENERATIONS:
        raise AreaFileError(
            f"{display}: een postcodebestand heeft geen gemeentecode; "
            "filteren op gemeente kan hier niet (koppel postcodes via postcode_to_buurt)"
        )
    code = _gemeente_code(str(gemeente)) or _lookup_gemeente_name(layer, str(gemeente), display)
    gm_col = _column(layer, "gemeente", "code")
    if gm_col:
        return f"\"{gm_col}\" = '{code}'", code
    # a buurt or wijk file without a gemeente column: the code prefix says it
    prefix = {"buurt": "BU", "wijk": "WK"}[layer.level or "buurt"]
    return f"\"{layer.code_column}\" LIKE '{prefix}{code[2:]}%'", code


def _lookup_gemeente_name(layer: _Layer, name: str, display: str) -> str:
    """The GM-code of gemeente `name`, reading only the code and name columns."""
    code_col, name_col = _column(layer, "gemeente", "code"), _column(layer, "gemeente", "naam")
    if not (code_col and name_col):
        raise AreaFileError(
            f"{display}: geen kolom met gemeentenamen; geef de gemeente als code (bv. GM0344)"
        )
    table = pyogrio.read_dataframe(
        layer.path, layer=layer.layer, columns=[code_col, name_col], read_geometry=False
    )
    names = table[name_col].astype(str).str.strip()
    hit = table.loc[names.str.casefold() == name.strip().casefold(), code_col]
    if hit.empty:
        close = difflib.get_close_matches(name, sorted(set(names)), n=3)
        hint = f"; bedoelt u {' of '.join(close)}?" if close else ""
        raise AreaFileError(f"{display}: gemeente {name!r} komt niet voor in het bestand{hint}")
    return _gemeente_code(str(hit.iloc[0]).removeprefix("GM")) or str(hit.iloc[0])


# --- reading rows -----------------------------------------------------------------------


def _read_layer(layer: _Layer, where: str | None, display: str) -> gpd.GeoDataFrame:
    """Rows of `layer`; rereads as UTF-8 or cp1252 when the default decoding garbles text."""
    kwargs = {"layer": layer.layer, "where": where, "on_invalid": "ignore"}
    frame = None
    for encoding in (None, "utf-8", "cp1252"):
        try:
            candidate = pyogrio.read_dataframe(layer.path, encoding=encoding, **kwargs)
        except UnicodeDecodeError:
            continue
        except Exception as exc:
            raise AreaFileError(f"{display}: kan de gebieden niet lezen ({_short(exc)})") from exc
        frame = candidate if frame is None else frame
        if not _has_mojibake(candidate):
            frame = candidate
            break
    if frame is None:
        raise AreaFileError(f"{display}: tekens in het bestand zijn niet leesbaar")
    if not isinstance(frame, gpd.GeoDataFrame):
        frame = gpd.GeoDataFrame(frame, geometry=[None] * len(frame), crs=WGS84)
    return frame


def _has_mojibake(frame: pd.DataFrame) -> bool:
    """True when text looks like UTF-8 decoded as Latin-1 or has replacement characters."""
    for col in frame.columns:
        if col == "geometry" or not pd.api.types.is_string_dtype(frame[col]):
            continue
        values = frame[col].dropna().astype(str)
        if values.str.contains(_MOJIBAKE).any():
            return True
    return False


# --- step 3: normalise ------------------------------------------------------------------


def _numeric(series: pd.Series) -> pd.Series:
    """Floats with CBS sentinels (<= -99990) and non-numbers as NaN."""
    values = pd.to_numeric(series, errors="coerce").astype("float64")
    return values.mask(values <= SENTINEL_THRESHOLD)


def _demographics(frame: pd.DataFrame, generation: str) -> pd.DataFrame:
    """The canonical demographic columns from the rule table."""
    out = pd.DataFrame(index=frame.index)
    rules = (*HELPER_RULES, *COLUMN_RULES)
    # values and percentages first: shares divide by them
    deferred = []
    for rule in rules:
        source = rule.pick(frame.columns, generation)
        if source is None:
            out[rule.canonical] = np.nan
        elif source.kind == "share":
            deferred.append((rule.canonical, source))
        else:
            total = sum(_numeric(frame[c]) for c in source.columns)
            out[rule.canonical] = total / 100.0 if source.kind == "percentage" else total
    for canonical, source in deferred:
        counts = sum(_numeric(frame[c]) for c in source.columns)
        denominator = out[source.denominator].where(out[source.denominator] > 0)
        out[canonical] = counts / denominator
    for col in out.columns:
        if col.startswith("aandeel_"):
            # counts are rounded to multiples of 5 independently: a part can exceed the total
            out[col] = out[col].clip(0.0, 1.0)
    for group in SHARE_GROUPS:
        empty = out[list(group)].fillna(0.0).sum(axis=1).eq(0.0)
        out.loc[empty, list(group)] = np.nan
    return out[list(DEMOGRAPHIC_COLUMNS)].astype("float64")


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
        values = frame[column].map(lambda v: _pad_code(v, "", 0))
        return values.map(lambda v: None if v is None else v.replace(" ", "").upper())
    return frame[column].map(lambda v: _pad_code(v, rule.prefix, rule.digits))


def _text(frame: pd.DataFrame, column: str | None) -> pd.Series:
    if column is None or column not in frame:
        return pd.Series([None] * len(frame), index=frame.index, dtype="object")
    return frame[column].map(lambda v: None if pd.isna(v) else str(v).strip())


def _identity(frame: pd.DataFrame, layer: _Layer, level: str) -> pd.DataFrame:
    """code, naam, niveau and parent codes; parents derived from the code when absent."""
    ids = pd.DataFrame(index=frame.index)
    ids["code"] = _codes(frame, layer.code_column, level)
    if level in ("pc4", "pc6"):
        ids["naam"] = ids["code"]
    else:
        ids["naam"] = _text(frame, _column(layer, level, "naam"))
    ids["niveau"] = level
    gm = _codes(frame, _column(layer, "gemeente", "code"), "gemeente")
    if level in ("buurt", "wijk"):
        derived = ids["code"].map(lambda c: f"GM{c[2:6]}" if isinstance(c, str) else None)
        gm = gm.where(gm.notna(), derived)
    ids["gemeentecode"] = gm
    ids["gemeentenaam"] = _text(frame, _column(layer, "gemeente", "naam"))
    if level == "buurt":
        wk = _codes(frame, _column(layer, "wijk", "code"), "wijk")
        derived = ids["code"].map(lambda c: f"WK{c[2:8]}" if isinstance(c, str) else None)
        ids["wijkcode"] = wk.where(wk.notna(), derived)
    else:
        ids["wijkcode"] = None
    ids["jaar"] = _years(frame, layer)
    return ids


def _years(frame: pd.DataFrame, layer: _Layer) -> pd.Series:
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
        out[i] = _polygon_parts(shapely.make_valid(values[i]))
    return gpd.GeoSeries(out, index=geoms.index, crs=geoms.crs)


def _polygon_parts(geom: shapely.Geometry) -> shapely.Geometry | None:
    parts = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) in (3, 6)]
    polys = [q for p in parts for q in shapely.get_parts(p) if not q.is_empty and q.area > 0]
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def _dedupe(table: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per code: the one with the largest geometry (files clipped at region borders)."""
    if not table["code"].duplicated().any():
        return table
    area = shapely.area(np.asarray(table.geometry.values, dtype=object))
    order = np.argsort(-np.nan_to_num(area, nan=-1.0), kind="stable")
    ranked = table.iloc[order]
    return ranked[~ranked["code"].duplicated()].sort_index()


def _unusable_warning(table: gpd.GeoDataFrame, level: str) -> list[str]:
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
    layer = _Layer("", None, bron, [str(c) for c in gdf.columns], hints=[bron, str(jaar or "")])
    layer.crs = gdf.crs
    _classify(layer)
    if level is not None and layer.level != level:
        code = _column(layer, level, "code") if layer.generation else None
        if code is None:
            raise AreaFileError(_expected_message(bron, level, [layer]))
        layer.level, layer.code_column = level, code
    if layer.level is None:
        raise AreaFileError(_expected_message(bron, level, [layer]))
    return _normalise(gdf, layer, bron)


def _normalise(raw: gpd.GeoDataFrame, layer: _Layer, display: str) -> gpd.GeoDataFrame:
    level = layer.level or "buurt"
    generation = layer.generation or GENERATIONS[0]
    warnings: list[str] = []
    raw = raw.reset_index(drop=True)
    ids = _identity(raw, layer, level)
    keep = _drop_special(raw, ids["code"], level)
    raw, ids = raw[keep], ids[keep]
    table = pd.concat([ids, _demographics(raw, generation)], axis=1)

    geoms = raw.geometry if "geometry" in raw else gpd.GeoSeries([None] * len(raw))
    crs, note = _guess_crs(geoms, raw.crs if hasattr(raw, "crs") else None)
    if note:
        warnings.append(note)
    geoms = _repair(gpd.GeoSeries(np.asarray(geoms.values), index=raw.index, crs=crs))
    out = gpd.GeoDataFrame(table, geometry=geoms, crs=crs)
    out = _dedupe(out)
    if out.crs is not None and not out.crs.equals(gpd.GeoSeries(crs=WGS84).crs):
        out = out.to_crs(WGS84)
    elif out.crs is None:
        warnings.append("onbekend coördinatenstelsel; de kaart kan verschoven zijn")
        out = out.set_crs(WGS84, allow_override=True)
    out = out.reset_index(drop=True)
    out["jaar"] = out["jaar"].astype("Int64")
    out = out[[*ID_COLUMNS, *DEMOGRAPHIC_COLUMNS, "geometry"]]
    warnings += _unusable_warning(out, level)
    years = out["jaar"].dropna().unique()
    out.attrs = {
        "bron": display,
        "generatie": generation,
        "niveau": level,
        "jaar": int(years[0]) if len(years) == 1 else None,
        "waarschuwingen": warnings,
    }
    return out


# --- public readers ---------------------------------------------------------------------


def read_areas(
    path: str | Path, level: str | None = None, gemeente: str | None = None
) -> gpd.GeoDataFrame:
    """Read a CBS area file into the canonical area table.

    Parameters
    ----------
    path : str or pathlib.Path
        GeoPackage, zip (as CBS ships them), shapefile, GeoJSON or GML, of any
        schema generation (2011 WFS, up to 2021, from 2022, PDOK camelCase) or
        CBS statistics per postcode (GeoPackage).
    level : {"gemeente", "wijk", "buurt", "pc4", "pc6"}, optional
        Level to read. Default: the most detailed level in the file.
    gemeente : str, optional
        Read only this gemeente, given as code ("GM0344" or "0344") or name
        (case-insensitive). Only the matching rows are read from the file.

    Returns
    -------
    geopandas.GeoDataFrame
        ``ID_COLUMNS`` + ``DEMOGRAPHIC_COLUMNS`` (float64, NaN where absent or
        hidden) + geometry in EPSG:4326 (None where no polygon could be made).
        ``attrs`` holds ``bron``, ``generatie``, ``niveau``, ``jaar`` and
        ``waarschuwingen`` (Dutch sentences for the user).

    Raises
    ------
    AreaFileError
        If the file is missing, empty, unreadable, not a CBS area file, lacks
        the requested level, or does not contain the requested gemeente.
    """
    path = Path(path)
    display = path.name
    if path.suffix.lower() in TABLE_SUFFIXES:  # CBS postcode statistics as a spreadsheet
        from citisens_core.geodata.postcode import read_postcode_stats

        return read_postcode_stats(path)
    layer = _choose_layer(_open_layers(path, display), level, display)
    where, code = (None, None)
    if gemeente is not None:
        where, code = _gemeente_where(layer, str(gemeente), display)
    raw = _read_layer(layer, where, display)
    if raw.empty:
        if code:
            raise AreaFileError(f"{display}: gemeente {code} komt niet voor in het bestand")
        raise AreaFileError(f"{display}: het bestand bevat geen gebieden")
    if raw.crs is None and layer.crs:
        raw = raw.set_crs(layer.crs)
    return _normalise(raw, layer, display)


def read_many(paths: Iterable[str | Path], level: str | None = None) -> gpd.GeoDataFrame:
    """Read several area files (for example one per region) into one deduplicated table.

    Parameters
    ----------
    paths : iterable of str or pathlib.Path
        Files accepted by :func:`read_areas`.
    level : str, optional
        Level to read from each file; default the most detailed of each.

    Returns
    -------
    geopandas.GeoDataFrame
        The canonical table; an area in several files appears once, with its
        largest geometry. ``attrs["bron"]`` lists the file names.

    Raises
    ------
    AreaFileError
        If `paths` is empty, or as :func:`read_areas`.
    """
    frames = [read_areas(p, level=level) for p in paths]
    if not frames:
        raise AreaFileError("geen bestanden opgegeven")
    combined = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=WGS84)
    combined = _dedupe(combined).reset_index(drop=True)
    levels = sorted({f.attrs["niveau"] for f in frames})
    notes = [
        w for f in frames for w in f.attrs["waarschuwingen"] if "geen bruikbare grens" not in w
    ]
    notes = list(dict.fromkeys(notes))
    notes += _unusable_warning(combined, levels[0]) if len(levels) == 1 else []
    if len(levels) > 1:
        notes.append(f"bestanden met verschillende niveaus samengevoegd: {', '.join(levels)}")
    years = combined["jaar"].dropna().unique()
    combined.attrs = {
        "bron": ", ".join(f.attrs["bron"] for f in frames),
        "generatie": ", ".join(sorted({f.attrs["generatie"] for f in frames})),
        "niveau": levels[0] if len(levels) == 1 else ", ".join(levels),
        "jaar": int(years[0]) if len(years) == 1 else None,
        "waarschuwingen": notes,
    }
    return combined
