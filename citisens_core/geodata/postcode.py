"""CBS statistics per postcode (PC4/PC6) and the link from postcodes to buurten.

Two sources are read:

* the statistics per postcode, as GeoPackage (``cbs_pc4_2022_v1.gpkg``; handled
  by :func:`citisens_core.geodata.read.read_areas` through the rule table) or as
  the Excel/CSV release with Dutch display headers, a units row, duplicate
  header names and newlines inside headers;
* CBS's crosswalk "Buurt, wijk en gemeente bij postcode en huisnummer"
  (semicolon CSV, codes without their ``BU``/``WK``/``GM`` prefix).

Postcode statistics are counts; they become the canonical shares with the
same rules as the GeoPackage (age counts / inwoners, household types /
households, one-parent + two-parent = with children).
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from citisens_core.geodata.columns import PC_SNAKE, postcode_level
from citisens_core.geodata.normalise import RD_NEW, AreaFileError, Layer, normalise, short_reason

__all__ = [
    "TABLE_SUFFIXES",
    "attach_boundaries",
    "postcode_to_buurt",
    "read_crosswalk",
    "read_postcode_table",
]

#: Tables without geometry in which CBS publishes statistics per postcode.
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xls")


# --- the Excel/CSV release ---------------------------------------------------------------


@dataclass(frozen=True)
class HeaderRule:
    """How one display header of the CSV release maps to a GeoPackage column name.

    Attributes
    ----------
    header : str
        Display header, normalised (lower case, single spaces); "" for the
        unnamed trailing columns.
    target : str
        Column name in the GeoPackage release (so the rule table applies).
    occurrence : int, optional
        Which of several equal headers (``Totaal`` appears three times:
        inwoners, huishoudens, woningen), counting from 0.
    unit : str, optional
        The units row value that must match (decides count vs percentage and
        names the unnamed columns).
    """

    header: str
    target: str
    occurrence: int | None = None
    unit: str | None = None


CSV_HEADER_RULES: tuple[HeaderRule, ...] = (
    HeaderRule("postcode-4", "postcode"),
    HeaderRule("postcode-6", "postcode"),
    HeaderRule("postcode", "postcode"),
    HeaderRule("totaal", "aantal_inwoners", occurrence=0),
    HeaderRule("totaal", "aantal_part_huishoudens", occurrence=1),
    HeaderRule("totaal", "aantal_woningen", occurrence=2),
    HeaderRule("man", "aantal_mannen"),
    HeaderRule("vrouw", "aantal_vrouwen"),
    HeaderRule("tot 15 jaar", "aantal_inwoners_0_tot_15_jaar"),
    HeaderRule("15 tot 25 jaar", "aantal_inwoners_15_tot_25_jaar"),
    HeaderRule("25 tot 45 jaar", "aantal_inwoners_25_tot_45_jaar"),
    HeaderRule("45 tot 65 jaar", "aantal_inwoners_45_tot_65_jaar"),
    HeaderRule("65 jaar en ouder", "aantal_inwoners_65_jaar_en_ouder"),
    HeaderRule("eenpersoons", "aantal_eenpersoonshuishoudens"),
    HeaderRule("meerpersoons zonder kinderen", "aantal_meerpersoonshuishoudens_zonder_kind"),
    HeaderRule("eenouder", "aantal_eenouderhuishoudens"),
    HeaderRule("tweeouder", "aantal_tweeouderhuishoudens"),
    HeaderRule("huishoudgrootte", "gemiddelde_huishoudensgrootte"),
    HeaderRule("meergezins", "aantal_meergezinswoningen", unit="x1"),
    HeaderRule("meergezins", "percentage_meergezinswoning", unit="%"),
    HeaderRule("koopwoning", "percentage_koopwoningen", unit="%"),
    HeaderRule("huurwoning", "percentage_huurwoningen", unit="%"),
    HeaderRule("huurcoporatie", "aantal_huurwoningen_in_bezit_woningcorporaties", unit="x1"),
    HeaderRule("huurcorporatie", "aantal_huurwoningen_in_bezit_woningcorporaties", unit="x1"),
    HeaderRule("niet bewoond", "aantal_niet_bewoonde_woningen"),
    HeaderRule("woz-waarde woning", "gemiddelde_woz_waarde_woning"),
    HeaderRule("", "omgevingsadressendichtheid", unit="adressen/km2"),
    HeaderRule("", "stedelijkheid", unit="categorie"),
    HeaderRule("omgevingsadressendichtheid", "omgevingsadressendichtheid"),
    HeaderRule("stedelijkheid", "stedelijkheid"),
)

_UNIT_VALUES = re.compile(r"^(code|x ?1.*|%|x 1 000.*|adressen/km2|categorie|)$", re.IGNORECASE)


def _norm_header(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\ufeff", "")).strip().lower()


def _target_names(headers: list[str], units: list[str] | None) -> list[str]:
    """GeoPackage-style names for the CSV columns; unknown columns keep a slug."""
    seen: dict[str, int] = {}
    names = []
    for i, raw in enumerate(headers):
        header = _norm_header(raw)
        occurrence = seen.get(header, 0)
        seen[header] = occurrence + 1
        unit = _norm_header(units[i]) if units and i < len(units) else None
        target = None
        for rule in CSV_HEADER_RULES:
            if rule.header != header:
                continue
            if rule.occurrence is not None and rule.occurrence != occurrence:
                continue
            if rule.unit is not None and unit is not None and rule.unit != unit:
                continue
            if rule.unit is not None and unit is None and rule.header == "":
                continue
            target = rule.target
            break
        slug = re.sub(r"[^a-z0-9]+", "_", header).strip("_") or f"kolom_{i}"
        names.append(target if target and target not in names else f"_{slug}_{i}")
    return names


#: Records read one by one before the body: title lines, the header and the units row.
HEAD_RECORDS = 32


def _csv_text(path: Path, raw: bytes | None = None) -> tuple[str, str]:
    """Text of a CSV (UTF-8 with or without BOM, else cp1252) and its delimiter (; or ,)."""
    raw = path.read_bytes() if raw is None else raw
    if not raw.strip():
        raise AreaFileError(f"{path.name}: het bestand is leeg")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    first = text.split("\n", 1)[0]
    return text, ";" if first.count(";") > first.count(",") else ","


def _csv_rows(path: Path, raw: bytes | None = None) -> list[list[str]]:
    """Rows of a CSV, cell by cell (the slow route, for files pandas cannot parse)."""
    text, delimiter = _csv_text(path, raw)
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if any(row)]


def _csv_frame(path: Path, display: str, raw: bytes | None = None) -> pd.DataFrame:
    """The CSV release as a frame with GeoPackage column names, its body parsed by pandas.

    The title lines, header and units row are read record by record (headers
    hold newlines and repeat names); the body, hundreds of thousands of
    postcodes, goes to pandas' C parser, which also makes the figures numbers.
    """
    text, delimiter = _csv_text(path, raw)
    reader = csv.reader(_lines(text), delimiter=delimiter)
    head, line_after = [], []
    for row in reader:
        if any(row):
            head.append(row)
            line_after.append(reader.line_num)
        if len(head) == HEAD_RECORDS:
            break
    start, headers, units = _layout(head, display)
    names = _checked_names(headers, units, display)
    body_record = start + (2 if units else 1)
    if body_record >= len(head):
        return _release_frame(head, display)
    body = text.split("\n", line_after[body_record - 1])[-1]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pd.errors.ParserWarning)  # extra cells dropped
            frame = pd.read_csv(io.StringIO(body), sep=delimiter, header=None, names=names,
                                index_col=False, dtype={"postcode": str},
                                keep_default_na=False, na_values=[""], engine="c")
    except (pd.errors.ParserError, ValueError):
        return _release_frame(_csv_rows(path, raw), display)
    frame["postcode"] = frame["postcode"].fillna("").str.strip()
    frame = frame[frame["postcode"].ne("")]
    empty = [c for c in frame.columns if c.startswith("_") and _blank(frame[c])]
    return frame.drop(columns=empty).reset_index(drop=True)


def _blank(column: pd.Series) -> bool:
    if column.notna().any() and not pd.api.types.is_numeric_dtype(column):
        return bool(column.fillna("").astype(str).str.strip().eq("").all())
    return not column.notna().any()


def _lines(text: str) -> Iterator[str]:
    """The lines of `text` one at a time (the header needs a few, not a copy of them all)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end


def _excel_rows(path: Path, raw: bytes | None = None) -> list[list[str]]:
    display = path.name
    raw = path.read_bytes() if raw is None else raw
    try:
        sheet = pd.read_excel(io.BytesIO(raw), header=None, dtype=str)
    except ImportError as exc:
        raise AreaFileError(
            f"{display}: Excel lezen vraagt het pakket openpyxl; sla het blad op als CSV"
        ) from exc
    except Exception as exc:
        reason = short_reason(exc)
        raise AreaFileError(f"{display}: Excel-bestand niet leesbaar ({reason})") from exc
    return sheet.fillna("").astype(str).values.tolist()


_POSTCODE_HEADERS = {"postcode-4", "postcode-6", "postcode", "pc4", "pc6"}


def _is_header(row: list[str]) -> bool:
    return any(_norm_header(cell) in _POSTCODE_HEADERS for cell in row)


def _layout(rows: list[list[str]], display: str) -> tuple[int, list[str], list[str] | None]:
    """Where the header is among the first rows, the header, and the units row if any."""
    # CBS's workbooks open with a few lines of title and source above the header
    start = next((i for i, row in enumerate(rows[:30]) if _is_header(row)), 0)
    if len(rows) - start < 2:
        raise AreaFileError(f"{display}: geen gegevensregels gevonden")
    headers = rows[start]
    has_units = all(_UNIT_VALUES.match(_norm_header(u)) for u in rows[start + 1])
    return start, headers, rows[start + 1] if has_units else None


def _checked_names(headers: list[str], units: list[str] | None, display: str) -> list[str]:
    names = _target_names(headers, units)
    if "postcode" not in names:
        raise AreaFileError(
            f"{display}: geen kolom met postcodes gevonden; verwacht Postcode-4, Postcode-6 "
            f"of postcode (gevonden: {', '.join(h for h in headers[:6] if h)})"
        )
    return names


def _release_frame(rows: list[list[str]], display: str) -> pd.DataFrame:
    """The CSV/Excel release as a frame with GeoPackage column names (cell by cell)."""
    start, headers, units = _layout(rows, display)
    names = _checked_names(headers, units, display)
    data = rows[start + (2 if units else 1):]
    width = len(names)
    data = [(row + [""] * width)[:width] for row in data]
    frame = pd.DataFrame(data, columns=names, dtype=str)
    frame = frame[frame["postcode"].str.strip().ne("")]
    # drop unnamed trailing columns that hold nothing
    empty = [c for c in frame.columns if c.startswith("_") and frame[c].str.strip().eq("").all()]
    return frame.drop(columns=empty).reset_index(drop=True)


def read_postcode_table(path: str | Path, data: bytes | None = None) -> gpd.GeoDataFrame:
    """Read the CSV/XLSX release of CBS statistics per postcode into the canonical table.

    Parameters
    ----------
    path : str or pathlib.Path
        CSV (UTF-8 with or without BOM, or cp1252; comma or semicolon) or XLSX
        with Dutch display headers and optionally a units row.
    data : bytes, optional
        The file's bytes (an upload held in memory); `path` then only names it.

    Returns
    -------
    geopandas.GeoDataFrame
        The canonical table with ``niveau`` ``pc4`` or ``pc6``, shares computed
        from the counts, geometry None (join it with a postcode boundary file).

    Raises
    ------
    AreaFileError
        If the file is missing, empty, unreadable or has no postcode column.
    """
    path = Path(path)
    display = path.name
    if data is None and not path.exists():
        raise AreaFileError(f"{display}: bestand niet gevonden")
    raw = path.read_bytes() if data is None else data
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xls"):
        frame = _release_frame(_excel_rows(path, raw), display)
    else:
        frame = _csv_frame(path, display, raw)
    level = postcode_level(frame["postcode"]) or "pc4"
    layer = Layer("", None, display, list(frame.columns), PC_SNAKE, level, "postcode")
    layer.hints = [path.stem]
    gdf = gpd.GeoDataFrame(frame, geometry=[None] * len(frame), crs="EPSG:4326")
    table = normalise(gdf, layer, display, with_geometry=False)
    table.attrs["generatie"] = "postcode_csv"
    return table


def attach_boundaries(
    figures: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame, *, bron: str = ""
) -> gpd.GeoDataFrame:
    """Postcode figures (a CSV/XLSX release) with the geometry of a postcode boundary table.

    Parameters
    ----------
    figures : geopandas.GeoDataFrame
        Canonical postcode table, typically without geometry.
    boundaries : geopandas.GeoDataFrame
        Canonical table of the same level with geometry (a CBS postcode
        GeoPackage, or the ``pc4`` layer of a PDOK download). Its gemeente
        codes and names are kept; its figures are not used.
    bron : str
        Name of the boundary source, for the warning.

    Returns
    -------
    geopandas.GeoDataFrame
        The postcodes present in both, with the figures of `figures`; ``attrs``
        of `figures` plus a Dutch warning naming how many postcodes of the
        figures have no boundary (they are not on the map).

    Raises
    ------
    AreaFileError
        When the levels differ or no postcode of the figures has a boundary.
    """
    level = figures.attrs.get("niveau") or str(figures["niveau"].iloc[0])
    other = boundaries.attrs.get("niveau") or (
        str(boundaries["niveau"].iloc[0]) if len(boundaries) else None
    )
    name = bron or boundaries.attrs.get("bron", "grenzenbestand")
    if other != level:
        raise AreaFileError(
            f"{name}: bevat {other or 'geen'}-gebieden, de cijfers gaan over {level}; "
            f"kies een grenzenbestand met {level}-gebieden"
        )
    shapes = boundaries.dropna(subset=["code"]).drop_duplicates("code").set_index("code")
    has_shape = figures["code"].isin(shapes.index) & figures["code"].map(
        shapes.geometry.notna()
    ).fillna(False).astype(bool)
    if not has_shape.any():
        raise AreaFileError(
            f"{name}: geen enkele postcode uit de cijfers heeft hier een grens "
            f"(bijvoorbeeld {', '.join(figures['code'].head(3))})"
        )
    joined = figures[has_shape].copy()
    for column in ("gemeentecode", "gemeentenaam", "wijkcode"):
        joined[column] = joined["code"].map(shapes[column]).where(
            joined[column].isna(), joined[column]
        )
    geometry = joined["code"].map(shapes.geometry).to_numpy()
    out = gpd.GeoDataFrame(joined.drop(columns="geometry"), geometry=list(geometry),
                           crs=boundaries.crs).reset_index(drop=True)
    out = out[list(figures.columns)]
    out.attrs = {**figures.attrs, "grenzen": name}
    left_out = int((~has_shape).sum())
    warnings = list(figures.attrs.get("waarschuwingen", []))
    if left_out:
        warnings.append(
            f"{left_out} van de {len(figures)} postcodegebieden uit de cijfers liggen niet "
            f"in {name} en staan niet op de kaart"
        )
    out.attrs["waarschuwingen"] = warnings
    return out


# --- postcode → buurt ----------------------------------------------------------------------

CROSSWALK_COLUMNS = ("postcode", "huisnummer", "buurtcode", "wijkcode", "gemeentecode")
_CROSSWALK_PATTERNS = {
    "postcode": re.compile(r"^(pc6|postcode(6)?)$", re.IGNORECASE),
    "huisnummer": re.compile(r"^huisnummer$", re.IGNORECASE),
    "buurtcode": re.compile(r"^(buurt|buurtcode)(\d{4})?$", re.IGNORECASE),
    "wijkcode": re.compile(r"^(wijk|wijkcode)(\d{4})?$", re.IGNORECASE),
    "gemeentecode": re.compile(r"^(gemeente|gemeentecode)(\d{4})?$", re.IGNORECASE),
}
_PREFIX = {"buurtcode": ("BU", 8), "wijkcode": ("WK", 6), "gemeentecode": ("GM", 4)}


def _prefixed(values: pd.Series, prefix: str, digits: int) -> pd.Series:
    """CBS codes with prefix: "3440101" → "BU03440101"; prefixed codes stay."""
    text = values.astype(str).str.strip().str.upper()
    bare = text.str.fullmatch(r"\d+")
    padded = prefix + text.where(bare, "0").str.zfill(digits)
    return text.where(~bare, padded).where(values.notna() & text.ne(""))


def read_crosswalk(path: str | Path) -> pd.DataFrame:
    """Read CBS's "Buurt, wijk en gemeente bij postcode en huisnummer" CSV.

    Parameters
    ----------
    path : str or pathlib.Path
        Semicolon CSV with header ``PC6;Huisnummer;Buurt2023;Wijk2023;Gemeente2023``
        (year suffix optional), codes without prefix, UTF-8 or cp1252.

    Returns
    -------
    pandas.DataFrame
        Columns ``postcode`` (PC6 without space), ``huisnummer``, ``buurtcode``,
        ``wijkcode``, ``gemeentecode`` (with ``BU``/``WK``/``GM`` prefixes);
        ``attrs["jaar"]`` is the year from the header when present.

    Raises
    ------
    AreaFileError
        If the file is empty or lacks the postcode or buurt column.
    """
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        raise AreaFileError(f"{path.name}: bestand niet gevonden of leeg")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            raw = pd.read_csv(path, sep=None, engine="python", dtype=str, encoding=encoding)
            break
        except UnicodeDecodeError:
            continue
        except Exception as exc:
            reason = short_reason(exc)
            raise AreaFileError(f"{path.name}: koppeltabel niet leesbaar ({reason})") from exc
    found: dict[str, str] = {}
    for column in raw.columns:
        for target, pattern in _CROSSWALK_PATTERNS.items():
            if target not in found and pattern.match(str(column).strip()):
                found[target] = column
    missing = [t for t in ("postcode", "buurtcode") if t not in found]
    if missing:
        raise AreaFileError(
            f"{path.name}: geen kolom {' en '.join(missing)} in de koppeltabel; verwacht "
            f"PC6;Huisnummer;BuurtJJJJ;WijkJJJJ;GemeenteJJJJ (gevonden: {', '.join(raw.columns)})"
        )
    out = pd.DataFrame(index=raw.index)
    out["postcode"] = raw[found["postcode"]].str.replace(" ", "").str.upper()
    out["huisnummer"] = raw[found["huisnummer"]] if "huisnummer" in found else None
    for target, (prefix, digits) in _PREFIX.items():
        out[target] = _prefixed(raw[found[target]], prefix, digits) if target in found else None
    # wijk and gemeente follow from the buurt code when the file leaves them out
    out["wijkcode"] = out["wijkcode"].fillna("WK" + out["buurtcode"].str[2:8])
    out["gemeentecode"] = out["gemeentecode"].fillna("GM" + out["buurtcode"].str[2:6])
    year = re.search(r"(\d{4})$", str(found["buurtcode"]))
    out.attrs["jaar"] = int(year.group(1)) if year else None
    return out[list(CROSSWALK_COLUMNS)]


def _postcode_ids(postcodes: object) -> pd.Series:
    """Normalised postcode strings from a list, Series or (Geo)DataFrame."""
    if isinstance(postcodes, pd.DataFrame):
        column = "code" if "code" in postcodes else "postcode"
        if column not in postcodes:
            raise ValueError("postcodes: expected a column 'code' or 'postcode'")
        values = postcodes[column]
    else:
        values = pd.Series(list(postcodes) if isinstance(postcodes, Iterable) else [postcodes])
    return values.astype(str).str.replace(" ", "").str.upper().str.removesuffix(".0")


def _from_crosswalk(ids: pd.Series, crosswalk: pd.DataFrame) -> pd.DataFrame:
    """Address-weighted buurt shares per postcode (PC6 exact, PC4 by prefix)."""
    wanted = pd.Index(ids.unique())
    key = crosswalk["postcode"]
    table = crosswalk.assign(key=key.str[:4]) if (ids.str.len() == 4).all() else None
    if table is None:
        table = crosswalk.assign(key=key)
    table = table[table["key"].isin(wanted)]
    counts = (
        table.groupby(["key", "buurtcode", "wijkcode", "gemeentecode"], dropna=False)
        .size()
        .rename("n")
        .reset_index()
    )
    counts["gewicht"] = counts["n"] / counts.groupby("key")["n"].transform("sum")
    return counts.rename(columns={"key": "postcode"}).drop(columns="n")


def _spatial(postcodes: gpd.GeoDataFrame, buurten: gpd.GeoDataFrame, method: str) -> pd.DataFrame:
    """Largest-overlap (or area-share) link in RD New; centroid fallback for points."""
    pc = postcodes.assign(postcode=_postcode_ids(postcodes).values)[["postcode", "geometry"]]
    pc = pc[pc.geometry.notna()].to_crs(RD_NEW).reset_index(drop=True)
    bu = buurten[["code", "wijkcode", "gemeentecode", "geometry"]]
    bu = bu[bu.geometry.notna()].to_crs(RD_NEW).reset_index(drop=True)
    left, right = bu.sindex.query(pc.geometry.values, predicate="intersects")
    pairs = pd.DataFrame({"pc": left, "bu": right})
    pairs["area"] = shapely.area(
        shapely.intersection(pc.geometry.values[left], bu.geometry.values[right])
    )
    pairs = pairs[pairs["area"] > 0]
    if method == "largest":
        pairs = pairs.sort_values("area", ascending=False).drop_duplicates("pc")
        pairs["gewicht"] = 1.0
    else:
        pairs["gewicht"] = pairs["area"] / pairs.groupby("pc")["area"].transform("sum")
    # points, lines or slivers outside every buurt: the buurt holding a point on the area
    rest = np.setdiff1d(np.arange(len(pc)), pairs["pc"].to_numpy())
    if len(rest):
        points = shapely.point_on_surface(pc.geometry.values[rest])
        p_idx, b_idx = bu.sindex.query(points, predicate="within")
        fallback = pd.DataFrame({"pc": rest[p_idx], "bu": b_idx, "gewicht": 1.0})
        pairs = pd.concat([pairs, fallback.drop_duplicates("pc")], ignore_index=True)
    out = pd.DataFrame(
        {
            "postcode": pc["postcode"].to_numpy()[pairs["pc"].to_numpy()],
            "buurtcode": bu["code"].to_numpy()[pairs["bu"].to_numpy()],
            "wijkcode": bu["wijkcode"].to_numpy()[pairs["bu"].to_numpy()],
            "gemeentecode": bu["gemeentecode"].to_numpy()[pairs["bu"].to_numpy()],
            "gewicht": pairs["gewicht"].to_numpy(dtype="float64"),
        }
    )
    return out


def postcode_to_buurt(
    postcodes: Iterable[str] | pd.DataFrame,
    buurten: gpd.GeoDataFrame | None = None,
    crosswalk: str | Path | pd.DataFrame | None = None,
    method: str = "largest",
) -> pd.DataFrame:
    """Link postcodes (PC4 or PC6) to buurten, with a weight per link.

    Parameters
    ----------
    postcodes : iterable of str or (Geo)DataFrame
        Postcodes ("1011AB", "1011 ab" or "1011"), or a table with a ``code``
        or ``postcode`` column; for the spatial join a GeoDataFrame with geometry.
    buurten : geopandas.GeoDataFrame, optional
        Canonical buurt table; used for a spatial join when `crosswalk` is None.
    crosswalk : path or pandas.DataFrame, optional
        CBS's postcode/huisnummer crosswalk (see :func:`read_crosswalk`); when
        given, the weight is the share of the postcode's addresses in each buurt.
    method : {"largest", "area"}
        Spatial join only: one buurt per postcode by largest overlap (weight 1),
        or every overlapping buurt weighted by its share of the overlap area.

    Returns
    -------
    pandas.DataFrame
        Columns ``postcode``, ``buurtcode``, ``wijkcode``, ``gemeentecode``,
        ``gewicht``; weights of one postcode sum to 1. Postcodes that link to
        nothing are absent and listed in ``attrs["niet_gevonden"]``.

    Raises
    ------
    ValueError
        If neither a crosswalk nor buurten with geometry are given, or
        `method` is unknown.
    """
    if method not in ("largest", "area"):
        raise ValueError(f"method: expected 'largest' or 'area', got {method!r}")
    ids = _postcode_ids(postcodes)
    if crosswalk is not None:
        table = crosswalk if isinstance(crosswalk, pd.DataFrame) else read_crosswalk(crosswalk)
        out = _from_crosswalk(ids, table)
    elif buurten is not None and isinstance(postcodes, gpd.GeoDataFrame):
        out = _spatial(postcodes, buurten, method)
    else:
        raise ValueError(
            "postcode_to_buurt: give a crosswalk, or postcodes as a GeoDataFrame with geometry "
            "together with buurten"
        )
    out = out.sort_values(["postcode", "gewicht"], ascending=[True, False]).reset_index(drop=True)
    out.attrs["niet_gevonden"] = sorted(set(ids) - set(out["postcode"]))
    return out[["postcode", "buurtcode", "wijkcode", "gemeentecode", "gewicht"]]
