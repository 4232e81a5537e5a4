"""One area pipeline: an area file's levels, parent map, estimates and selections.

This is the one place where the command line and the app meet. Both read a
file into an :class:`AreaSet` and ask it for estimates (per level and model)
and for a :class:`Selection` (one or more areas with their combined mix,
interval, confidence and name); neither rebuilds that chain.

::

    area file ─▶ AreaSet.from_file ─▶ levels (canonical tables), parent map
                                   ─▶ estimates(level, model)    (bounded memo)
                                   ─▶ selection(codes, model)    → Selection

Estimates are memoised per level and *model fingerprint* (a hash of what the
model computes with), never per ``id(model)``: a refitted model can neither
grow the memo without bound nor receive another model's numbers.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd

from citisens_core.demographics import LEVELS
from citisens_core.dutch import join_dutch
from citisens_core.estimate import CONFIDENCE_LABELS, combine_mix, estimate_areas

__all__ = [
    "PARENT_LEVELS",
    "AreaSet",
    "Selection",
    "SelectionError",
    "model_fingerprint",
    "normalise_code",
    "selection_name",
    "weakest_confidence",
]

#: The levels an area borrows missing figures from, nearest first. Postcode areas
#: carry the wijk and gemeente they lie in, so they borrow like buurten do.
PARENT_LEVELS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "buurt": ("wijk", "gemeente"), "wijk": ("gemeente",),
    "pc4": ("wijk", "gemeente"), "pc6": ("wijk", "gemeente"), "gemeente": ()})
#: Most detailed first: the level a map opens on (buurt before postcode areas).
DETAIL_ORDER = ("buurt", "wijk", "pc4", "pc6", "gemeente")
#: Derived results kept per area set (estimates per level and model, map payloads …).
MEMO_SIZE = 48
#: Confidence labels that describe an estimate, most confident first.
ESTIMATE_CONFIDENCE = tuple(c for c in CONFIDENCE_LABELS if c != "geen huishoudens")
DEMO_ATTRIBUTION = "Fictieve demogemeente — gegenereerde gegevens"
ROLLED_UP_WORDS = {"wijk": "wijken", "gemeente": "gemeenten"}

T = TypeVar("T")


class SelectionError(ValueError):
    """Codes that do not make a selection (unknown, or of several levels)."""


# --- model fingerprint --------------------------------------------------------------------

_FINGERPRINTS: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
_FINGERPRINT_LOCK = threading.Lock()


def model_fingerprint(model: Any) -> str:
    """A hash of everything an estimate depends on in `model`.

    Two models with the same fingerprint give identical estimates. Computed
    once per model object (kept in a weak map: it goes when the model goes,
    so a reused ``id`` can never inherit it).
    """
    try:
        with _FINGERPRINT_LOCK:
            known = _FINGERPRINTS.get(model)
    except TypeError:  # an object without weak references: hash it every time
        known, cacheable = None, False
    else:
        cacheable = True
    if known is not None:
        return known
    digest = hashlib.sha256()
    digest.update("\x1f".join(map(str, model.profile_keys)).encode())
    for array in (model.cell_seed, model.link_probabilities, model.bootstrap_probabilities):
        values = np.ascontiguousarray(np.asarray(array, dtype=np.float64))
        digest.update(str(values.shape).encode())
        digest.update(values.tobytes())
    fingerprint = digest.hexdigest()[:20]
    if cacheable:
        with _FINGERPRINT_LOCK:
            _FINGERPRINTS[model] = fingerprint
    return fingerprint


class _BoundedMemo:
    """A thread-safe least-recently-used memo with a fixed number of entries."""

    def __init__(self, size: int = MEMO_SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def __getstate__(self) -> dict:
        """Pickled with its entries, without the lock (a worker process sends results back)."""
        with self._lock:
            return {"size": self.size, "_entries": OrderedDict(self._entries)}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _lock=threading.Lock())

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = compute()  # outside the lock: other keys stay available meanwhile
        with self._lock:
            value = self._entries.setdefault(key, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value


# --- selections -----------------------------------------------------------------------------

def normalise_code(code: object) -> str:
    """An area code as the tables hold it: trimmed, upper case, without spaces."""
    return str(code).strip().upper().replace(" ", "")


def selection_name(names: Sequence[str]) -> str:
    """The name of one or more areas: "A", "A en B", "A, B en 3 andere gebieden"."""
    names = [str(n) for n in names]
    if len(names) <= 3:
        return join_dutch(names)
    return f"{names[0]}, {names[1]} en {len(names) - 2} andere gebieden"


def weakest_confidence(labels: Iterable[str]) -> str:
    """The weakest of several confidence labels ("zeer laag" when none is known)."""
    ranks = [ESTIMATE_CONFIDENCE.index(x) for x in labels if x in ESTIMATE_CONFIDENCE]
    return ESTIMATE_CONFIDENCE[max(ranks)] if ranks else "zeer laag"


@dataclass(frozen=True)
class Selection:
    """One or more areas of one level with their combined, household-weighted estimate.

    Attributes
    ----------
    level : str
    codes : tuple of str
        The chosen areas that have an estimate (they make up the mix), in the
        order they were chosen.
    skipped : tuple of str
        Chosen areas without an estimate (CBS counts no households there).
    naam : str
        Dutch name of the area or selection.
    mix : pandas.DataFrame
        Index profile keys (model order); columns ``aandeel``, ``laag``, ``hoog``
        (90 % interval). The interval of several areas is the household-weighted
        mean of their bounds: their errors share the model and move together.
    huishoudens : float or None
        Households in the selection (None when unknown).
    betrouwbaarheid : str
        The weakest confidence among the areas.
    volledigheid : float
        Household-weighted share of the figures that are the areas' own.
    bronnen : str
        Where borrowed figures came from (Dutch).
    """

    level: str
    codes: tuple[str, ...]
    skipped: tuple[str, ...]
    naam: str
    mix: pd.DataFrame
    huishoudens: float | None
    betrouwbaarheid: str
    volledigheid: float
    bronnen: str

    @property
    def shares(self) -> dict[str, float]:
        """Profile key → estimated share."""
        return {str(k): float(v) for k, v in self.mix["aandeel"].items()}

    @property
    def ranked(self) -> list[str]:
        """Profile keys, largest share first; ties keep the model's (scheme) order."""
        order = np.argsort(-self.mix["aandeel"].to_numpy(), kind="stable")
        return [str(self.mix.index[i]) for i in order]

    @property
    def dominant(self) -> str:
        """The most common profile (see :attr:`ranked` for ties)."""
        return self.ranked[0]

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: the areas, the mix with its interval, confidence and sources."""
        return {
            "niveau": self.level, "codes": list(self.codes), "overgeslagen": list(self.skipped),
            "naam": self.naam, "huishoudens": self.huishoudens,
            "betrouwbaarheid": self.betrouwbaarheid, "volledigheid": self.volledigheid,
            "bronnen": self.bronnen,
            "mix": {str(k): {"aandeel": float(r["aandeel"]), "laag": float(r["laag"]),
                             "hoog": float(r["hoog"])} for k, r in self.mix.iterrows()},
        }


def household_weights(rows: pd.DataFrame) -> np.ndarray:
    """Weights of areas in a combined mix: households, 1 where the count is unknown."""
    return rows["huishoudens"].where(rows["huishoudens"] > 0).fillna(1.0).to_numpy(dtype=float)


def combine_interval(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Household-weighted mix of estimate rows with the weighted mean of their bounds."""
    mix = combine_mix(rows, None, keys).to_numpy()
    weight = household_weights(rows)
    weight = weight / weight.sum()
    low = rows[[f"{k}_laag" for k in keys]].to_numpy(dtype=float).T @ weight
    high = rows[[f"{k}_hoog" for k in keys]].to_numpy(dtype=float).T @ weight
    return pd.DataFrame({"aandeel": mix, "laag": np.minimum(low, mix),
                         "hoog": np.maximum(high, mix)}, index=keys)


# --- the area set ---------------------------------------------------------------------------

@dataclass(eq=False)
class AreaSet:
    """Every level read from one area file, and what is derived from them.

    Attributes
    ----------
    levels : mapping of str to geopandas.GeoDataFrame
        Canonical area tables (see :mod:`citisens_core.demographics`) in
        ``LEVELS`` order.
    bron : str
        The file's name as shown to the user.
    key : str
        A content id (a hash of the file), used for caches, links and werkmappen.
    jaar : int or None
        The data's year, for the attribution.
    fictief : bool
        True for generated data (the demo gemeente): every view says so.
    waarschuwingen : tuple of str
        Dutch warnings from reading.
    versie : str or None
        CBS release ("v1", "v2", "v3") when the file names it.
    water : geopandas.GeoSeries or None
        The file's water (its ``water = "JA"`` rows, which the levels leave out), for
        maps people recognise.
    """

    levels: Mapping[str, gpd.GeoDataFrame]
    bron: str
    key: str
    jaar: int | None = None
    fictief: bool = False
    waarschuwingen: tuple[str, ...] = ()
    versie: str | None = None
    water: gpd.GeoSeries | None = None
    _memo: _BoundedMemo = field(default_factory=_BoundedMemo, repr=False)

    # --- building ---------------------------------------------------------------------------
    @classmethod
    def from_file(cls, path: str | Path, *, levels: Sequence[str] | None = None,
                  gemeente: str | None = None, bron: str | None = None,
                  key: str | None = None) -> AreaSet:
        """Read the levels of an area file.

        Parameters
        ----------
        path : str or pathlib.Path
            Any file :func:`citisens_core.geodata.read_areas` reads.
        levels : sequence of str, optional
            The levels wanted, each with its parent levels; default every level
            present. The first must be present (its absence raises).
        gemeente : str, optional
            Read only this gemeente (code or name).
        bron : str, optional
            The name shown to the user; default the file name.
        key : str, optional
            The content id; default a hash of the file.

        Raises
        ------
        citisens_core.geodata.AreaFileError
            When the file (or the first wanted level) is not usable.
        """
        from citisens_core.geodata.read import read_levels
        from citisens_core.report.context import read_water

        path = Path(path)
        wanted = _with_parents(levels) if levels else [None, *LEVELS]
        tables = read_levels(path, wanted, gemeente=gemeente)
        areas = cls.from_tables(tables, bron=bron or path.name, key=key or _file_key(path),
                                fictief=_is_fictional(path))
        areas.water = read_water(path)
        return areas

    @classmethod
    def from_tables(cls, tables: Mapping[str, gpd.GeoDataFrame], *, bron: str, key: str,
                    fictief: bool = False) -> AreaSet:
        """Canonical tables of one source as an area set.

        Wijken and gemeenten a file lacks are rolled up from its buurten (counts
        summed, shares weighted), so that every buurt has parents to borrow from;
        the warnings say so, and say what a first release still lacks.
        """
        from citisens_core.geodata.release import release_notes
        from citisens_core.geodata.rollup import complete_levels

        tables = complete_levels(dict(tables))
        ordered = {lv: tables[lv].reset_index(drop=True) for lv in LEVELS if lv in tables}
        first = next(iter(tables.values()))
        warnings = release_notes(first.attrs)  # first: a map shows only a few
        warnings += [w for t in ordered.values() for w in t.attrs.get("waarschuwingen", [])]
        rolled = [ROLLED_UP_WORDS[lv] for lv, t in ordered.items()
                  if t.attrs.get("samengesteld_uit")]
        if rolled:
            warnings.append(f"het bestand bevat alleen buurten; de {' en '.join(rolled)} zijn "
                            "daaruit samengesteld (aantallen opgeteld, aandelen gewogen)")
        years = [t.attrs.get("jaar") for t in ordered.values() if t.attrs.get("jaar")]
        return cls(levels=ordered, bron=bron, key=key, jaar=int(years[0]) if years else None,
                   fictief=fictief, waarschuwingen=tuple(dict.fromkeys(warnings)),
                   versie=first.attrs.get("versie"))

    def for_display(self) -> AreaSet:
        """The same areas with geometry simplified for a map (gap-free, WGS84)."""
        from citisens_core.geodata import simplify_for_display

        shown, warnings = {}, list(self.waarschuwingen)
        for level, table in self.levels.items():
            simple = simplify_for_display(table, level)
            warnings += [w for w in simple.attrs.get("waarschuwingen", []) if w not in warnings]
            shown[level] = simple.reset_index(drop=True)
        return replace(self, levels=shown, waarschuwingen=tuple(warnings),
                       _memo=_BoundedMemo(self._memo.size))

    # --- description ------------------------------------------------------------------------
    @property
    def most_detailed(self) -> str:
        """The most detailed level (buurt before postcode areas, as a map opens)."""
        return next((lv for lv in DETAIL_ORDER if lv in self.levels), next(iter(self.levels)))

    def gemeente_names(self) -> dict[str, str]:
        """Gemeentecode → name of the gemeenten in the file, largest population first."""
        def compute() -> dict[str, str]:
            rows = self.levels[self.most_detailed].dropna(subset=["gemeentecode"])
            size = rows.groupby("gemeentecode")["inwoners"].sum().sort_values(ascending=False)
            names = rows.groupby("gemeentecode")["gemeentenaam"].first()
            return {str(c): str(names.get(c) or c) for c in size.index if str(c)}
        return self.memo(("gemeenten",), compute)

    @property
    def title(self) -> str:
        """What the data is, in Dutch ("Lindewaarde (fictief) · fictieve demogemeente")."""
        names = sorted(self.gemeente_names().values())
        if not names and not self.fictief:  # postcode figures need not name their gemeente
            return self.bron
        where = names[0] if len(names) == 1 else f"{len(names)} gemeenten"
        return f"{where} · fictieve demogemeente" if self.fictief else f"{where} — {self.bron}"

    @property
    def attribution(self) -> str:
        """The credit line every map and report carries, with year and release."""
        from citisens_core.geodata.release import source_line

        if self.fictief:
            return DEMO_ATTRIBUTION
        postcode_only = not set(self.levels) - {"pc4", "pc6"}
        return source_line(self.jaar, self.versie, postcode=postcode_only)

    # --- lookups ----------------------------------------------------------------------------
    def level_of(self, code: str) -> str | None:
        """The level holding an area code, or None."""
        index = self.memo(("index",), lambda: {
            str(c): level for level, table in self.levels.items() for c in table["code"]})
        return index.get(normalise_code(code))

    def area(self, code: str) -> pd.Series | None:
        """The canonical row of an area (any level), or None."""
        code = normalise_code(code)
        level = self.level_of(code)
        if level is None:
            return None
        table = self.levels[level]
        return table[table["code"] == code].iloc[0]

    def names(self, level: str) -> dict[str, str]:
        """Code → name of the areas of one level, in table order."""
        table = self.levels[level]
        return dict(zip(table["code"].astype(str), table["naam"].fillna("").astype(str),
                        strict=True))

    def in_gemeente(self, level: str, gemeentecode: str | None) -> pd.Series:
        """Mask of the areas of `level` in one gemeente (all areas for None, or when
        the level does not record its gemeente, as postcode files may not)."""
        table = self.levels[level]
        if not gemeentecode:
            return pd.Series(True, index=table.index)
        inside = table["gemeentecode"].astype(str) == gemeentecode
        return inside if inside.any() else pd.Series(True, index=table.index)

    def parents(self, level: str) -> pd.DataFrame | None:
        """Canonical rows (no geometry) of the levels `level` borrows from, or None."""
        frames = [pd.DataFrame(self.levels[p].drop(columns="geometry"))
                  for p in PARENT_LEVELS.get(level, ()) if p in self.levels]
        return pd.concat(frames, ignore_index=True) if frames else None

    # --- estimates --------------------------------------------------------------------------
    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """Compute once per key and keep it among the last ``MEMO_SIZE`` results.

        For anything derived from these areas (estimates, map payloads). Keys
        that depend on a model must hold :func:`model_fingerprint`, not ``id``.
        """
        return self._memo.get(key, compute)

    def estimates(self, level: str, model: Any) -> pd.DataFrame:
        """Profile mix per area of one level (see :func:`~citisens_core.estimate.estimate_areas`).

        Missing figures are borrowed from the parent levels in the same file
        (:data:`PARENT_LEVELS`), else from siblings, else nationally.
        """
        table = pd.DataFrame(self.levels[level].drop(columns="geometry"))
        return self.memo(("estimates", level, model_fingerprint(model)),
                         lambda: estimate_areas(table, model=model, parents=self.parents(level)))

    def estimate_row(self, code: str, model: Any) -> pd.Series | None:
        """The estimate of one area (any level), or None."""
        code = normalise_code(code)
        level = self.level_of(code)
        if level is None:
            return None
        est = self.estimates(level, model)
        rows = est[est["code"] == code]
        return rows.iloc[0] if len(rows) else None

    def selection(self, codes: Iterable[str], model: Any) -> Selection | None:
        """One or more areas of one level combined into one estimate.

        Returns
        -------
        Selection or None
            None when no chosen area has an estimate (no households anywhere).

        Raises
        ------
        SelectionError
            When a code is unknown or the codes belong to several levels.
        """
        codes = list(dict.fromkeys(normalise_code(c) for c in codes))
        if not codes:
            raise SelectionError("no area codes given")
        unknown = [c for c in codes if self.level_of(c) is None]
        if unknown:
            raise SelectionError(f"unknown area code(s) {', '.join(unknown)} in {self.bron}")
        levels = sorted({self.level_of(c) for c in codes})
        if len(levels) > 1:
            raise SelectionError(f"the codes mix levels ({', '.join(levels)}); "
                                 "choose areas of one level")
        level = levels[0]
        est = self.estimates(level, model)
        order = {c: i for i, c in enumerate(codes)}
        rows = est[est["code"].isin(codes)].sort_values("code", key=lambda s: s.map(order))
        usable = rows[rows["heeft_schatting"]]
        if usable.empty:
            return None
        names = self.names(level)
        chosen = [str(c) for c in usable["code"]]
        households = float(usable["huishoudens"].sum())
        weight = household_weights(usable)
        return Selection(
            level=level, codes=tuple(chosen),
            skipped=tuple(str(c) for c in rows.loc[~rows["heeft_schatting"], "code"]),
            naam=selection_name([names.get(c) or c for c in chosen]),
            mix=combine_interval(usable, list(model.profile_keys)),
            huishoudens=households if households > 0 else None,
            betrouwbaarheid=weakest_confidence(usable["betrouwbaarheid"]),
            volledigheid=float((usable["volledigheid"] * weight).sum() / weight.sum()),
            bronnen="; ".join(dict.fromkeys(str(b) for b in usable["bronnen"])))

    def gemeente_mix(self, gemeentecode: str, model: Any) -> pd.Series | None:
        """A gemeente's mix: its own row, else its most detailed areas combined."""
        if "gemeente" in self.levels:
            row = self.estimate_row(gemeentecode, model)
            if row is not None and bool(row["heeft_schatting"]):
                return row[list(model.profile_keys)].astype(float)
        level = self.most_detailed
        table = self.levels[level]
        codes = table.loc[table["gemeentecode"] == gemeentecode, "code"].tolist()
        est = self.estimates(level, model)
        usable = est[est["code"].isin(codes) & est["heeft_schatting"]]
        return None if usable.empty else combine_mix(usable, None, list(model.profile_keys))


def _with_parents(levels: Sequence[str]) -> list[str]:
    out: list[str] = []
    for level in levels:
        for lv in (level, *PARENT_LEVELS.get(level, ())):
            if lv not in out:
                out.append(lv)
    return out


def _file_key(path: Path) -> str:
    """A short content hash of a file (or of a folder's files, for a shapefile set)."""
    digest = hashlib.sha1()
    files = sorted(p for p in path.parent.glob(f"{path.stem}.*")) if path.suffix == ".shp" \
        else [path]
    for file in files:
        with file.open("rb") as handle:
            for block in iter(lambda h=handle: h.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:12]


def _is_fictional(path: Path) -> bool:
    """True for a file the project generated: its ``metadata`` table says ``fictief: JA``."""
    if path.suffix.lower() != ".gpkg":
        return False
    import pyogrio

    try:
        if "metadata" not in {str(name) for name, _ in pyogrio.list_layers(path)}:
            return False
        meta = pyogrio.read_dataframe(path, layer="metadata", read_geometry=False)
    except Exception:
        return False
    if not {"sleutel", "waarde"} <= set(meta.columns):
        return False
    values = dict(zip(meta["sleutel"].astype(str), meta["waarde"].astype(str), strict=True))
    return values.get("fictief", "").upper() == "JA"
