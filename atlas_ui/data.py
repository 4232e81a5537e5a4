"""The data the app shows: area tables per level, their estimates, the model.

One :class:`Dataset` holds every level read from one file, with display
geometry. The embedded demo is loaded once per server (``st.cache_resource``:
shared and read-only, no copy per rerun); an uploaded or downloaded file lives
in the user's session only. Estimates and map payloads are memoised on the
dataset per level and model, so switching pages or colours does not recompute.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from citisens_core.demographics import LEVELS
from citisens_core.estimate import combine_mix, estimate_areas
from citisens_core.geodata import AreaFileError, read_areas, simplify_for_display
from citisens_core.geodata.postcode import TABLE_SUFFIXES, attach_boundaries, read_postcode_table
from citisens_core.geodata.release import release_notes, source_line
from citisens_core.geodata.rollup import complete_levels
from citisens_core.scheme import Scheme, load_scheme

REPO = Path(__file__).resolve().parents[1]
DEMO_PATH = REPO / "geodata" / "demo-gemeente.gpkg"
MODEL_CARD = REPO / "docs" / "model-card.md"
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
DEMO_ATTRIBUTION = "Fictieve demogemeente — gegenereerde gegevens"

DATASET_KEY = "atlas_dataset"
MODEL_KEY = "atlas_model"


class UploadError(ValueError):
    """An uploaded file that cannot be used; the message is Dutch and names the file."""


@dataclass
class Dataset:
    """All levels of one area file, ready for the pages.

    Attributes
    ----------
    key : str
        Unique id (``"demo"`` or a content hash) used in widget keys and caches.
    bron : str
        File name shown to the user.
    is_demo : bool
    levels : dict of str to geopandas.GeoDataFrame
        Canonical area tables with display geometry, in ``LEVELS`` order.
    jaar : int or None
    waarschuwingen : list of str
        Dutch warnings from reading.
    versie : str or None
        CBS release ("v1", "v2", "v3") when the file names it.
    """

    key: str
    bron: str
    is_demo: bool
    levels: dict[str, gpd.GeoDataFrame]
    jaar: int | None = None
    waarschuwingen: list[str] = field(default_factory=list)
    versie: str | None = None
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # --- description -------------------------------------------------------------
    @property
    def gemeenten(self) -> list[str]:
        """Names of the gemeenten in the file (sorted)."""
        return sorted(self.gemeente_names().values())

    def gemeente_names(self) -> dict[str, str]:
        """Gemeentecode → name of the gemeenten in the file, largest population first."""
        def compute() -> dict[str, str]:
            table = self.levels[self.most_detailed]
            rows = table.dropna(subset=["gemeentecode"])
            size = rows.groupby("gemeentecode")["inwoners"].sum().sort_values(ascending=False)
            names = rows.groupby("gemeentecode")["gemeentenaam"].first()
            return {str(c): str(names.get(c) or c) for c in size.index if str(c)}
        return self.memo(("gemeenten",), compute)

    def in_gemeente(self, level: str, gemeentecode: str | None) -> pd.Series:
        """Mask of the areas of `level` in one gemeente (all areas for None or when the
        level does not record its gemeente, as postcode files may not)."""
        table = self.levels[level]
        if not gemeentecode:
            return pd.Series(True, index=table.index)
        inside = table["gemeentecode"].astype(str) == gemeentecode
        return inside if inside.any() else pd.Series(True, index=table.index)

    @property
    def most_detailed(self) -> str:
        """The most detailed area level (buurt before pc4, as the map default)."""
        for level in ("buurt", "wijk", "pc4", "pc6", "gemeente"):
            if level in self.levels:
                return level
        return next(iter(self.levels))

    @property
    def title(self) -> str:
        """What the user is looking at, in Dutch."""
        names = self.gemeenten
        where = names[0] if len(names) == 1 else f"{len(names)} gemeenten"
        if self.is_demo:
            return f"{where} · fictieve demogemeente"
        return f"{where} — {self.bron}"

    @property
    def attribution(self) -> str:
        """The attribution line shown under every map."""
        if self.is_demo:
            return DEMO_ATTRIBUTION
        postcode_only = not set(self.levels) - {"pc4", "pc6"}
        return source_line(self.jaar, self.versie, postcode=postcode_only)

    # --- lookups -----------------------------------------------------------------
    def level_of(self, code: str) -> str | None:
        """The level holding an area code, or None."""
        index = self.memo(("index",), self._code_index)
        return index.get(str(code))

    def _code_index(self) -> dict[str, str]:
        return {str(c): level for level, table in self.levels.items() for c in table["code"]}

    def area(self, code: str) -> pd.Series | None:
        """The canonical row of an area (any level), or None."""
        level = self.level_of(code)
        if level is None:
            return None
        table = self.levels[level]
        return table[table["code"] == code].iloc[0]

    def names(self, level: str) -> dict[str, str]:
        """Code → name of the areas of one level, in table order."""
        table = self.levels[level]
        return dict(zip(table["code"].astype(str), table["naam"].astype(str), strict=True))

    # --- estimates ---------------------------------------------------------------
    def memo(self, key: Any, compute):
        """Compute once per dataset and key (payloads, estimates); thread-safe to share."""
        if key not in self._memo:
            value = compute()
            with self._lock:
                self._memo.setdefault(key, value)
        return self._memo[key]

    def estimates(self, level: str, model: Any) -> pd.DataFrame:
        """Profile mix per area of one level (see ``estimate_areas``), memoised per model."""
        return self.memo(("est", level, id(model)),
                              lambda: self._estimate(level, model))

    def _estimate(self, level: str, model: Any) -> pd.DataFrame:
        parent_levels = {"buurt": ("wijk", "gemeente"), "wijk": ("gemeente",),
                         "pc4": ("wijk", "gemeente"), "pc6": ("wijk", "gemeente")}
        parents = [self.levels[p] for p in parent_levels.get(level, ()) if p in self.levels]
        parent_table = (pd.DataFrame(pd.concat([p.drop(columns="geometry") for p in parents],
                                               ignore_index=True))
                        if parents else None)
        table = pd.DataFrame(self.levels[level].drop(columns="geometry"))
        return estimate_areas(table, model=model, parents=parent_table)

    def estimate_row(self, code: str, model: Any) -> pd.Series | None:
        """The estimate of one area (any level), or None."""
        level = self.level_of(code)
        if level is None:
            return None
        est = self.estimates(level, model)
        rows = est[est["code"] == code]
        return rows.iloc[0] if len(rows) else None

    def gemeente_mix(self, gemeentecode: str, model: Any) -> pd.Series | None:
        """The gemeente's mix: its own row, else its areas combined by households."""
        if "gemeente" in self.levels:
            row = self.estimate_row(gemeentecode, model)
            if row is not None:
                return row[list(model.profile_keys)].astype(float)
        level = self.most_detailed
        est = self.estimates(level, model)
        table = self.levels[level]
        codes = table.loc[table["gemeentecode"] == gemeentecode, "code"].tolist()
        usable = est[est["code"].isin(codes) & est["heeft_schatting"]]
        if usable.empty:
            return None
        return combine_mix(usable, None, list(model.profile_keys))


def _read_all_levels(path: Path, display: str, gemeente: str | None = None
                     ) -> dict[str, gpd.GeoDataFrame]:
    """Read every level present in a file (of one gemeente when given: only its rows are
    read); wijken and gemeenten are rolled up from the buurten where the file lacks them."""
    first = read_areas(path, gemeente=gemeente)  # AreaFileError: Dutch, names the file
    tables = {str(first.attrs.get("niveau") or first["niveau"].iloc[0]): first}
    for level in LEVELS:
        if level in tables:
            continue
        try:
            tables[level] = read_areas(path, level=level, gemeente=gemeente)
        except AreaFileError:
            continue  # the file has no such level
    return complete_levels(tables)


def _dataset(tables: dict[str, gpd.GeoDataFrame], display: str, key: str,
             is_demo: bool = False) -> Dataset:
    """A Dataset from canonical tables: display geometry, warnings, year and release."""
    warnings: list[str] = []
    levels: dict[str, gpd.GeoDataFrame] = {}
    for level in LEVELS:
        if level not in tables:
            continue
        table = tables[level]
        warnings.extend(table.attrs.get("waarschuwingen", []))
        shown = simplify_for_display(table, level)
        warnings.extend(w for w in shown.attrs.get("waarschuwingen", []) if w not in warnings)
        levels[level] = shown.reset_index(drop=True)
    rolled = [LEVEL_WORDS[lv] for lv, t in tables.items() if t.attrs.get("samengesteld_uit")]
    if rolled:
        warnings.append(f"het bestand bevat alleen buurten; de {' en '.join(rolled)} zijn daaruit "
                        "samengesteld (aantallen opgeteld, aandelen gewogen)")
    first = next(iter(tables.values()))
    warnings = release_notes(first.attrs) + warnings  # first: the map shows only a few
    years = [t.attrs.get("jaar") for t in tables.values() if t.attrs.get("jaar")]
    jaar = int(years[0]) if years else None
    return Dataset(key=key, bron=display, is_demo=is_demo, levels=levels, jaar=jaar,
                   waarschuwingen=list(dict.fromkeys(warnings)), versie=first.attrs.get("versie"))


LEVEL_WORDS = {"wijk": "wijken", "gemeente": "gemeenten"}


def load_file(path: Path, display: str, key: str, is_demo: bool = False,
              gemeente: str | None = None) -> Dataset:
    """Read an area file from disk into a :class:`Dataset` (one gemeente when given).

    Raises
    ------
    AreaFileError
        When the file is not a usable CBS area file.
    """
    return _dataset(_read_all_levels(Path(path), display, gemeente), display, key, is_demo)


def is_postcode_table(name: str) -> bool:
    """True for the CSV/XLSX release of CBS postcode statistics (figures without boundaries)."""
    return Path(name).suffix.lower() in TABLE_SUFFIXES


def _saved(name: str, data: bytes, read):
    """`read(path)` on uploaded bytes in a temporary folder removed right after."""
    safe = Path(name).name or "upload"
    if not data:
        raise UploadError(f"{safe}: het bestand is leeg.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadError(f"{safe}: het bestand is {len(data) / 2**20:.0f} MB; "
                          f"de grens is {MAX_UPLOAD_BYTES // 2**20} MB.")
    with tempfile.TemporaryDirectory(prefix="atlas-upload-") as tmp:
        path = Path(tmp) / safe
        path.write_bytes(data)
        try:
            return read(path)
        except AreaFileError as exc:
            raise UploadError(_with_name(str(exc), safe)) from exc
        except (OSError, ValueError) as exc:
            raise UploadError(f"{safe}: dit bestand kan niet als CBS-bestand worden "
                              f"gelezen ({type(exc).__name__}).") from exc


def load_postcode_figures(name: str, data: bytes) -> gpd.GeoDataFrame:
    """CBS postcode statistics (CSV/XLSX) from uploaded bytes: figures, no boundaries yet.

    Raises
    ------
    UploadError
        Empty, too large, or not the CBS postcode release (Dutch, names the file).
    """
    return _saved(name, data, read_postcode_table)


def postcode_dataset(figures: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame,
                     boundary_name: str) -> Dataset:
    """A Dataset of postcode figures drawn with the boundaries of another file or download.

    Raises
    ------
    UploadError
        When no postcode of the figures has a boundary there (Dutch message).
    """
    try:
        table = attach_boundaries(figures, boundaries, bron=boundary_name)
    except AreaFileError as exc:
        raise UploadError(str(exc)) from exc
    level = table.attrs["niveau"]
    digest = hashlib.sha1(pd.util.hash_pandas_object(table["code"]).values).hexdigest()[:12]
    display = f"{figures.attrs.get('bron', 'postcodecijfers')} met grenzen uit {boundary_name}"
    return _dataset({level: table}, display, key=f"pc-{digest}")


def load_upload(name: str, data: bytes, gemeente: str | None = None) -> Dataset:
    """Read uploaded bytes as an area file, via a temporary folder removed right after.

    Parameters
    ----------
    name : str
        The uploaded file's name (its suffix tells the format).
    data : bytes
    gemeente : str, optional
        Read only this gemeente (code or name) of a large file.

    Raises
    ------
    UploadError
        Empty, too large, or not a CBS area file (Dutch message naming the file).
    """
    safe = Path(name).name or "upload"
    digest = hashlib.sha1(data).hexdigest()[:12] + (f"-{gemeente}" if gemeente else "")
    dataset = _saved(name, data, lambda path: load_file(path, safe, key=f"upload-{digest}",
                                                        gemeente=gemeente))
    if all(table.geometry.isna().all() for table in dataset.levels.values()):
        raise UploadError(f"{safe}: geen enkel gebied in dit bestand heeft een bruikbare grens, "
                          "dus er is niets op de kaart te tonen. Schattingen zonder kaart maakt "
                          "u met de opdrachtregel (python -m citisens_core estimate).")
    return dataset


def _with_name(message: str, name: str) -> str:
    return message if name in message else f"{name}: {message}"


@st.cache_resource(show_spinner="Demogemeente laden …")
def demo_dataset() -> Dataset:
    """The embedded fictional demo gemeente, read once per server."""
    return load_file(DEMO_PATH, DEMO_PATH.name, key="demo", is_demo=True)


@st.cache_resource(show_spinner="Model laden (de eerste keer ongeveer 10 seconden) …")
def default_engagement_model():
    """The model fitted on the built-in synthetic reference survey (cached on disk too)."""
    from citisens_core.model import default_model

    return default_model()


@st.cache_resource
def scheme() -> Scheme:
    """The profile scheme."""
    return load_scheme()


def current_dataset() -> Dataset:
    """The dataset chosen in this session; the demo until the user loads another."""
    dataset = st.session_state.get(DATASET_KEY)
    return dataset if dataset is not None else demo_dataset()


def set_dataset(dataset: Dataset | None) -> None:
    """Show another dataset from now on (None: back to the demo); clears the selection."""
    st.session_state[DATASET_KEY] = dataset
    area_keys = ("atlas_selected", "atlas_level", "atlas_gemeente", "atlas_an_level",
                 "atlas_an_codes",
                 "atlas_cmp_level", "atlas_cmp_codes", "atlas_search_done")
    kept = st.session_state.get("atlas_kept", {})
    for key in area_keys:
        st.session_state.pop(key, None)
        kept.pop(key, None)


def current_model():
    """The model of this session: a refitted one after a survey upload, else the default."""
    model = st.session_state.get(MODEL_KEY)
    return model if model is not None else default_engagement_model()


def national_mix(model: Any) -> pd.Series:
    """The national profile shares from the scheme (published figures and assumptions)."""
    s = scheme()
    shares = pd.Series({p.key: p.aandeel for p in s.profielen})
    return shares.reindex(list(model.profile_keys)).fillna(0.0)


def selection_mix(est: pd.DataFrame, codes: list[str], keys: list[str]) -> pd.DataFrame:
    """Household-weighted mix of several areas with a conservative interval.

    The interval is the household-weighted mean of the areas' bounds, i.e. it
    assumes their errors move together (they share the model), which is wider
    than assuming independence.

    Returns
    -------
    pandas.DataFrame
        Index profile keys; columns ``aandeel``, ``laag``, ``hoog``.
    """
    rows = est[est["code"].isin(codes)]
    mix = combine_mix(rows, None, keys)
    weight = rows["huishoudens"].where(rows["huishoudens"] > 0).fillna(1.0).to_numpy()
    weight = weight / weight.sum()
    low = np.array([(rows[f"{k}_laag"].to_numpy() * weight).sum() for k in keys])
    high = np.array([(rows[f"{k}_hoog"].to_numpy() * weight).sum() for k in keys])
    out = pd.DataFrame({"aandeel": mix.to_numpy(), "laag": np.minimum(low, mix.to_numpy()),
                        "hoog": np.maximum(high, mix.to_numpy())}, index=keys)
    return out


def warm_up() -> None:
    """Fill the server-wide caches before the first visitor (called at server start)."""
    import logging

    import altair  # noqa: F401  (the charts' library: a second of import time)

    import citisens_core.strategy  # noqa: F401
    from atlas_ui.maps import MODE_DOMINANT, map_layer

    # cache_resource outside a script run warns that there is no session: expected
    # here, and only here, so the logger is quiet for the warm-up alone
    logger = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        dataset = demo_dataset()
        # the view the Kaart page opens on: most detailed level, whole gemeente, dominant
        map_layer(dataset, dataset.most_detailed, "", MODE_DOMINANT, None,
                  default_engagement_model(), scheme())
    finally:
        logger.setLevel(level)
