"""Read CBS area files (wijk- en buurtkaart, PDOK, postcode statistics) into the canonical table.

The file access lives here (as in geopandas' ``io/``); the knowledge of what
CBS calls each column lives in :mod:`citisens_core.geodata.columns`, and the
last step that every reader shares in :mod:`citisens_core.geodata.normalise`.

Reading goes in three steps:

1. **open**: list the candidate layers of the file (GeoPackage layers, the geo
   files inside a zip, or the single layer of a shapefile/GeoJSON/GML) and read
   each layer's column list only;
2. **choose**: detect schema generation and level per layer and pick the one
   asked for (default: the most detailed); translate a gemeente filter into a
   ``where`` clause so a national file is read for one gemeente only;
3. **normalise**: :func:`citisens_core.geodata.normalise.normalise`.

Tables without geometry (the CBS postcode statistics as CSV/XLSX) go to
:mod:`citisens_core.geodata.postcode`.
"""

from __future__ import annotations

import difflib
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from citisens_core.geodata.columns import DETAIL_ORDER, LEVEL_RULES, PC_SNAKE, PC_UPPER
from citisens_core.geodata.limits import (
    DEFAULT_LIMITS,
    Limits,
    check_archive,
    check_features,
    screen_geometry,
)
from citisens_core.geodata.memfile import held_bytes, is_virtual
from citisens_core.geodata.normalise import (
    WGS84,
    AreaFileError,
    Layer,
    classify,
    dedupe,
    expected_message,
    geometry_warning,
    level_column,
    normalise,
    short_reason,
)
from citisens_core.geodata.postcode import TABLE_SUFFIXES, read_postcode_table

__all__ = ["read_areas", "read_levels", "read_many", "read_postcode_stats"]

GEO_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json", ".gml", ".fgb")
POSTCODE_GENERATIONS = (PC_SNAKE, PC_UPPER)
# UTF-8 read as Latin-1 ("SÃºdwest"), cp1252 read as Latin-1 (C1 controls), or lost bytes
_MOJIBAKE = re.compile("[ÃÂ][\u0080-\u00bf]|[\u0080-\u009f]|\ufffd")


# --- step 1: open ----------------------------------------------------------------------


def _zip_members(path: Path, display: str, limits: Limits) -> list[str]:
    """Names in a zip, after checking its size and member count (nothing is unpacked)."""
    held = held_bytes(path) if is_virtual(path) else None
    source = io.BytesIO(held) if held is not None else path  # (BytesIO shares the bytes)
    check_archive(source, display, limits)
    with zipfile.ZipFile(source) as archive:
        return archive.namelist()


#: The parts a shapefile cannot be read without, and what each holds.
SHAPEFILE_PARTS = {".shx": "de index van de grenzen",
                   ".dbf": "de tabel met codes, namen en cijfers"}


def _check_shapefile_parts(members: list[str], names: list[str], display: str) -> None:
    """Name the missing part of a shapefile, instead of GDAL's "no columns, no rows"."""
    present = {n.lower() for n in names}
    for member in members:
        stem, suffix = member[:-4], member[-4:].lower()
        if suffix != ".shp":
            continue
        for part, holds in SHAPEFILE_PARTS.items():
            if stem.lower() + part not in present:
                raise AreaFileError(f"{display}: bij {Path(member).name} ontbreekt "
                                    f"{Path(stem).name}{part} ({holds}); zet alle delen van de "
                                    "shapefile samen in de zip")


def _datasets(path: Path, display: str,
              limits: Limits = DEFAULT_LIMITS) -> list[tuple[str, str]]:
    """(pyogrio path, name) of each geo dataset in `path`; zips are looked into."""
    if path.suffix.lower() != ".zip":
        if path.suffix.lower() == ".shp" and not is_virtual(path):
            siblings = [p.name for p in path.parent.glob(path.stem + ".*")]
            _check_shapefile_parts([path.name], siblings, display)
        return [(str(path), path.name)]
    names = _zip_members(path, display, limits)
    members = [
        m for m in names if m.lower().endswith(GEO_SUFFIXES) and not m.startswith("__MACOSX")
    ]
    _check_shapefile_parts(members, names, display)
    if not members:
        raise AreaFileError(
            f"{display}: het zip-bestand bevat geen kaartbestand "
            "(verwacht een GeoPackage, shapefile, GeoJSON of GML)"
        )
    # a GeoPackage holds all levels; prefer it over loose shapefiles
    members.sort(key=lambda m: (not m.lower().endswith(".gpkg"), m))
    where = path if is_virtual(path) else path.resolve()
    return [(f"/vsizip/{where}/{m}", m) for m in members]


def _open_layers(path: Path, display: str, limits: Limits = DEFAULT_LIMITS) -> list[Layer]:
    """All layers of `path` with their columns (no rows are read)."""
    if not is_virtual(path) and not path.exists():
        raise AreaFileError(f"{display}: bestand niet gevonden")
    if not is_virtual(path) and path.is_file() and path.stat().st_size == 0:
        raise AreaFileError(f"{display}: het bestand is leeg")
    layers: list[Layer] = []
    for ds_path, ds_name in _datasets(path, display, limits):
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
                    f"{display}: laag {name!r} is niet leesbaar ({short_reason(exc)})"
                ) from exc
            check_features(display, name, int(info.get("features") or 0), limits)
            layer = Layer(
                ds_path,
                name,
                name,
                [str(f) for f in info["fields"]],
                crs=info.get("crs"),
                # the folder last: CBS releases often sit in a folder named by year
                # (a memory file's folder is a random id, no hint)
                hints=[name, Path(ds_name).stem, path.stem,
                       *([] if is_virtual(path) else [path.parent.name])],
            )
            classify(layer, _sample(ds_path, name))
            layers.append(layer)
    return layers


def _sample(path: str, layer: str | None) -> object:
    """``sample(column)`` for :func:`classify`: the first values of a column of the file."""

    def sample(column: str) -> Iterable[object]:
        try:
            frame = pyogrio.read_dataframe(
                path, layer=layer, columns=[column], read_geometry=False, max_features=50
            )
        except Exception:  # unreadable sample: the names decide
            return []
        return frame.get(column, [])

    return sample


# --- step 2: choose ----------------------------------------------------------------------


def _choose_layer(layers: Sequence[Layer], level: str | None, display: str) -> Layer:
    if level is not None and level not in LEVEL_RULES:
        raise AreaFileError(
            f"{display}: onbekend niveau {level!r}; kies uit {', '.join(LEVEL_RULES)}"
        )
    usable = [lay for lay in layers if lay.level]
    if level is not None:
        usable = [lay for lay in usable if lay.level == level]
    if not usable:
        raise AreaFileError(expected_message(display, level, layers))
    return min(usable, key=lambda lay: DETAIL_ORDER.index(lay.level or "gemeente"))


def _gemeente_code(value: str) -> str | None:
    """GM-code from "GM0344", "gm344" or "0344"; None if `value` is a name."""
    match = re.fullmatch(r"(?:GM)?\s*(\d{1,4})", value.strip(), flags=re.IGNORECASE)
    return f"GM{int(match.group(1)):04d}" if match else None


def _gemeente_where(layer: Layer, gemeente: str, display: str) -> tuple[str, str]:
    """(where clause, GM-code) selecting one gemeente in `layer`."""
    if layer.generation in POSTCODE_GENERATIONS:
        raise AreaFileError(
            f"{display}: een postcodebestand heeft geen gemeentecode; "
            "filteren op gemeente kan hier niet (koppel postcodes via postcode_to_buurt)"
        )
    code = _gemeente_code(str(gemeente)) or _lookup_gemeente_name(layer, str(gemeente), display)
    gm_col = level_column(layer, "gemeente", "code")
    if gm_col:
        return f"{_sql_name(gm_col)} = {_sql_text(code)}", code
    # a buurt or wijk file without a gemeente column: the code prefix says it
    prefix = {"buurt": "BU", "wijk": "WK"}[layer.level or "buurt"]
    return f"{_sql_name(layer.code_column or '')} LIKE {_sql_text(prefix + code[2:] + '%')}", code


# GDAL's OGR SQL has no bound parameters: every value from a file or a user is quoted
# here, the SQL-92 way (a quote inside is doubled), so it can only ever be a value.
def _sql_text(value: str) -> str:
    """A string literal for OGR SQL: ``'GM0310'' OR ''1''=''1'`` stays one value."""
    return "'" + str(value).replace("'", "''") + "'"


def _sql_name(column: str) -> str:
    """A quoted column name for OGR SQL."""
    return '"' + str(column).replace('"', '""') + '"'


def _lookup_gemeente_name(layer: Layer, name: str, display: str) -> str:
    """The GM-code of gemeente `name`, reading only the code and name columns."""
    code_col = level_column(layer, "gemeente", "code")
    name_col = level_column(layer, "gemeente", "naam")
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
    found = str(hit.iloc[0]).strip()
    code = _gemeente_code(found.removeprefix("GM").removeprefix("gm"))
    if code is None:
        raise AreaFileError(f"{display}: gemeente {name!r} heeft in het bestand de ongeldige "
                            f"gemeentecode {found[:40]!r}; verwacht GM gevolgd door vier cijfers")
    return code


# --- reading rows -----------------------------------------------------------------------


def _read_layer(layer: Layer, where: str | None, display: str) -> gpd.GeoDataFrame:
    """Rows of `layer`; rereads as UTF-8 or cp1252 when the default decoding garbles text."""
    kwargs = {"layer": layer.layer, "where": where, "on_invalid": "ignore"}
    frame = None
    for encoding in (None, "utf-8", "cp1252"):
        try:
            candidate = pyogrio.read_dataframe(layer.path, encoding=encoding, **kwargs)
        except UnicodeDecodeError:
            continue
        except Exception as exc:
            reason = short_reason(exc)
            raise AreaFileError(f"{display}: kan de gebieden niet lezen ({reason})") from exc
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
    return _read(Path(path), level, gemeente, with_geometry=True)


def read_levels(
    path: str | Path, levels: Sequence[str | None], gemeente: str | None = None
) -> dict[str, gpd.GeoDataFrame]:
    """Several levels of one file, its layers opened once (a large GeoJSON parses slowly).

    Parameters
    ----------
    path : str or pathlib.Path
        Any file :func:`read_areas` reads.
    levels : sequence of str or None
        The levels wanted; the first must be present (None: the most detailed),
        the others are left out when the file lacks them or the gemeente.
    gemeente : str, optional
        Read only this gemeente, as in :func:`read_areas`.

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
        Canonical table per level found, the first level first.

    Raises
    ------
    AreaFileError
        As :func:`read_areas` does for the first level.
    """
    path = Path(path)
    if path.suffix.lower() in TABLE_SUFFIXES:  # postcode figures: one level, no other
        first = _read(path, levels[0], gemeente, with_geometry=True)
        return {_level_of(first): first}
    layers = _open_layers(path, path.name)
    first = _read(path, levels[0], gemeente, with_geometry=True, layers=layers)
    tables = {_level_of(first): first}
    for level in levels[1:]:
        if level in tables:
            continue
        try:
            tables[level] = _read(path, level, gemeente, with_geometry=True, layers=layers)
        except AreaFileError:
            continue  # the file has no such level (or not this gemeente in it)
    return tables


def _level_of(table: gpd.GeoDataFrame) -> str:
    return str(table.attrs.get("niveau") or table["niveau"].iloc[0])


def _read(
    path: Path, level: str | None, gemeente: str | None, *, with_geometry: bool,
    layers: Sequence[Layer] | None = None,
) -> gpd.GeoDataFrame:
    """Rows of one file, normalised; `with_geometry` as in :func:`normalise`."""
    display = path.name
    if path.suffix.lower() in TABLE_SUFFIXES:  # CBS postcode statistics as a spreadsheet
        table = read_postcode_table(path)
        if level is not None and level != table.attrs["niveau"]:
            raise AreaFileError(
                f"{display}: bevat alleen {LEVEL_RULES[table.attrs['niveau']].plural}, "
                f"geen {LEVEL_RULES[level].plural}"
            )
        if gemeente is not None:
            raise AreaFileError(
                f"{display}: postcodecijfers noemen geen gemeente; filteren op gemeente kan "
                "hier niet (geef ze grenzen van die gemeente, bijvoorbeeld via PDOK)"
            )
        return table
    layer = _choose_layer(layers or _open_layers(path, display), level, display)
    return _read_rows(layer, gemeente, display, with_geometry=with_geometry)


def _read_rows(
    layer: Layer, gemeente: str | None, display: str, *, with_geometry: bool = True
) -> gpd.GeoDataFrame:
    """The normalised rows of one chosen layer (of one gemeente when given)."""
    where, code = (None, None)
    if gemeente is not None:
        where, code = _gemeente_where(layer, str(gemeente), display)
    raw = _read_layer(layer, where, display)
    notes: list[str] = []
    if len(raw) and raw.geometry.notna().any():
        geoms, notes = screen_geometry(raw.geometry.values, display)
        if notes:
            raw = raw.set_geometry(gpd.GeoSeries(geoms, index=raw.index, crs=raw.crs))
    if raw.empty:
        if code:
            raise AreaFileError(f"{display}: gemeente {code} komt niet voor in het bestand")
        raise AreaFileError(f"{display}: het bestand bevat geen gebieden")
    if raw.crs is None and layer.crs:
        raw = raw.set_crs(layer.crs)
    table = normalise(raw, layer, display, with_geometry=with_geometry)
    notes += table.attrs["waarschuwingen"]
    if table.empty:  # every row was water, special or unusable: say why
        reasons = "; ".join(notes) or "alleen water, 'Buitenland' of rijen zonder code"
        raise AreaFileError(f"{display}: geen bruikbare gebieden over ({reasons})")
    table.attrs["waarschuwingen"] = notes
    return table


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
    # each file's note on areas without a boundary would be wrong after merging
    frames = [_read(Path(p), level, None, with_geometry=False) for p in paths]
    if not frames:
        raise AreaFileError("geen bestanden opgegeven")
    combined = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=WGS84)
    combined = dedupe(combined).reset_index(drop=True)
    levels = sorted({f.attrs["niveau"] for f in frames})
    notes = list(dict.fromkeys(w for f in frames for w in f.attrs["waarschuwingen"]))
    notes += geometry_warning(combined, levels[0]) if len(levels) == 1 else []
    if len(levels) > 1:
        notes.append(f"bestanden met verschillende niveaus samengevoegd: {', '.join(levels)}")
    years = combined["jaar"].dropna().unique()
    combined.attrs = {
        "bron": ", ".join(f.attrs["bron"] for f in frames),
        "generatie": ", ".join(sorted({f.attrs["generatie"] for f in frames})),
        "niveau": levels[0] if len(levels) == 1 else ", ".join(levels),
        "jaar": int(years[0]) if len(years) == 1 else None,
        "versie": _common(f.attrs.get("versie") for f in frames),
        # a column counts as missing throughout only when it is so in every file
        "ontbrekend": {
            col: why
            for col, why in frames[0].attrs.get("ontbrekend", {}).items()
            if all(f.attrs.get("ontbrekend", {}).get(col) == why for f in frames)
        },
        "waarschuwingen": notes,
    }
    return combined


def _common(values: Iterable[object]) -> object:
    """The one value all files share, else None."""
    found = set(values)
    return found.pop() if len(found) == 1 else None


def read_postcode_stats(path: str | Path) -> gpd.GeoDataFrame:
    """Read CBS statistics per postcode (PC4 or PC6) into the canonical area table.

    Parameters
    ----------
    path : str or pathlib.Path
        A GeoPackage (``cbs_pc4_2022_v1.gpkg``, also zipped) or the CSV/XLSX
        release with Dutch display headers and a units row.

    Returns
    -------
    geopandas.GeoDataFrame
        The canonical table with ``niveau`` ``pc4`` or ``pc6``; shares are
        computed from the counts. Geometry is None for CSV/XLSX.

    Raises
    ------
    AreaFileError
        If the file has no postcode column, is empty or unreadable, or holds
        other areas than postcodes.
    """
    path = Path(path)
    if not path.exists():
        raise AreaFileError(f"{path.name}: bestand niet gevonden")
    if path.suffix.lower() in TABLE_SUFFIXES:
        return read_postcode_table(path)
    table = read_areas(path)
    if table.attrs["niveau"] not in ("pc4", "pc6"):
        raise AreaFileError(
            f"{path.name}: geen postcodebestand; het bevat {table.attrs['niveau']}gebieden"
        )
    return table
