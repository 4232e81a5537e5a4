"""The data the app shows: the session's area set and model.

The embedded demo is read once per server (``st.cache_resource``: shared and
read-only); an uploaded or downloaded file lives in the user's session only.
Everything derived from an area set (levels, parents, estimates, selections)
comes from :class:`citisens_core.atlas.AreaSet`, the same object the command
line uses.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from atlas_ui.state import reset_area_state, session_key
from citisens_core.atlas import AreaSet
from citisens_core.failures import explain
from citisens_core.geodata import AreaFileError
from citisens_core.geodata.limits import DEFAULT_LIMITS, check_upload
from citisens_core.geodata.memfile import in_memory, safe_name
from citisens_core.geodata.postcode import TABLE_SUFFIXES, attach_boundaries, read_postcode_table
from citisens_core.scheme import Scheme, load_scheme

REPO = Path(__file__).resolve().parents[1]
DEMO_PATH = REPO / "geodata" / "demo-gemeente.gpkg"
MODEL_CARD = REPO / "docs" / "model-card.md"
#: A national GeoPackage of the wijk- en buurtkaart is about 300 MB unzipped.
MAX_UPLOAD_BYTES = 400 * 1024 * 1024
#: Above this, a file is read for one gemeente only (its rows alone, by a ``where``
#: clause): the whole country in memory per session would crowd out other users.
WHOLE_FILE_BYTES = 100 * 1024 * 1024

DATASET_KEY = session_key("dataset")
MODEL_KEY = session_key("model")


class UploadError(ValueError):
    """An uploaded file that cannot be used; the message is Dutch and names the file."""


def load_file(path: Path, display: str, key: str, gemeente: str | None = None) -> AreaSet:
    """Read an area file from disk (one gemeente when given), with geometry for the map.

    Raises
    ------
    AreaFileError
        When the file is not a usable CBS area file.
    """
    return AreaSet.from_file(path, bron=display, key=key, gemeente=gemeente).for_display()


def is_postcode_table(name: str) -> bool:
    """True for the CSV/XLSX release of CBS postcode statistics (figures without boundaries)."""
    return Path(name).suffix.lower() in TABLE_SUFFIXES


def _in_memory(name: str, data: bytes, read):
    """`read(path, data)` on uploaded bytes held in memory (GDAL's /vsimem/, never on disk),
    after the limits on size and archive contents; every failure becomes an UploadError."""
    safe = safe_name(name)
    limits = replace(DEFAULT_LIMITS, upload_bytes=MAX_UPLOAD_BYTES)
    try:
        check_upload(safe, data, limits)
        with in_memory(safe, data) as path:
            return read(Path(path), data)
    except Exception as exc:  # GDAL, GEOS, pandas ...: one Dutch sentence naming the file
        raise UploadError(explain(exc, safe)) from exc


def load_postcode_figures(name: str, data: bytes) -> gpd.GeoDataFrame:
    """CBS postcode statistics (CSV/XLSX) from uploaded bytes: figures, no boundaries yet.

    Raises
    ------
    UploadError
        Empty, too large, or not the CBS postcode release (Dutch, names the file).
    """
    return _in_memory(name, data, read_postcode_table)


def postcode_dataset(figures: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame,
                     boundary_name: str) -> AreaSet:
    """Postcode figures drawn with the boundaries of another file or download.

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
    return AreaSet.from_tables({level: table}, bron=display, key=f"pc-{digest}").for_display()


def load_upload(name: str, data: bytes, gemeente: str | None = None) -> AreaSet:
    """Read uploaded bytes as an area file, held in memory only (see :func:`_in_memory`).

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
    safe = safe_name(name)
    if len(data) > WHOLE_FILE_BYTES and not gemeente and len(data) <= MAX_UPLOAD_BYTES:
        raise UploadError(f"{safe}: het bestand is {len(data) / 2**20:.0f} MB, zo groot als een "
                          "landelijk bestand. Vul eerst in welke gemeente u wilt zien; dan leest "
                          "de atlas alleen de gebieden van die gemeente.")
    digest = hashlib.sha1(data).hexdigest()[:12] + (f"-{gemeente}" if gemeente else "")
    dataset = _in_memory(name, data, lambda path, _: load_file(path, safe, key=f"upload-{digest}",
                                                               gemeente=gemeente))
    if all(table.geometry.isna().all() for table in dataset.levels.values()):
        raise UploadError(f"{safe}: geen enkel gebied in dit bestand heeft een bruikbare grens, "
                          "dus er is niets op de kaart te tonen. Schattingen zonder kaart maakt "
                          "u met de opdrachtregel (python -m citisens_core estimate).")
    return dataset


@st.cache_resource(show_spinner="Demogemeente laden …")
def demo_dataset() -> AreaSet:
    """The embedded fictional demo gemeente, read once per server."""
    return load_file(DEMO_PATH, DEMO_PATH.name, key="demo")


@st.cache_resource(show_spinner="Model laden (de eerste keer ongeveer 10 seconden) …")
def default_engagement_model():
    """The model fitted on the built-in synthetic reference survey (cached on disk too)."""
    from citisens_core.model import default_model

    return default_model()


@st.cache_resource
def scheme() -> Scheme:
    """The profile scheme."""
    return load_scheme()


def current_dataset() -> AreaSet:
    """The dataset chosen in this session; the demo until the user loads another."""
    dataset = st.session_state.get(DATASET_KEY)
    return dataset if dataset is not None else demo_dataset()


def set_dataset(dataset: AreaSet | None) -> None:
    """Show another data set from now on (None: back to the demo).

    Everything about the areas of the previous one (selection, levels, chosen
    codes, map views, every page's widgets) is reset; see :mod:`atlas_ui.state`.
    """
    st.session_state[DATASET_KEY] = dataset
    reset_area_state()


def current_model():
    """The model of this session: a refitted one after a survey upload, else the default."""
    model = st.session_state.get(MODEL_KEY)
    return model if model is not None else default_engagement_model()


def national_mix(model: Any) -> pd.Series:
    """The national profile shares from the scheme (published figures and assumptions)."""
    s = scheme()
    shares = pd.Series({p.key: p.aandeel for p in s.profielen})
    return shares.reindex(list(model.profile_keys)).fillna(0.0)


def warm_up() -> None:
    """Fill the server-wide caches before the first visitor (called at server start)."""
    import importlib
    import logging
    import pkgutil

    import altair  # noqa: F401  (the charts' library: a second of import time)

    import atlas_ui
    import citisens_core.strategy  # noqa: F401
    from atlas_ui.maps import MODE_DOMINANT, map_layer

    # every helper of the pages (and so matplotlib, SQLAlchemy, ...) imported now, not
    # during a visitor's first run, and before app.py hides the server's lasting
    # objects from the garbage collector
    for module in pkgutil.iter_modules(atlas_ui.__path__):
        importlib.import_module(f".{module.name}", package=atlas_ui.__name__)

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
