"""Werkmappen: what a workshop keeps, in a real database (SQLite or PostgreSQL).

>>> from citisens_core.store import Store
>>> store = Store("sqlite:///:memory:")       # default: ATLAS_DATABASE_URL or the data folder
>>> werkmap = store.create("Wijkaanpak Noord")
>>> note = store.add_note(werkmap.id, "buurt", "BU99010101", "Actieve bewonersgroep")

Pure: never imports streamlit. See :mod:`citisens_core.store.store` for the
API and :mod:`citisens_core.store.bundle` for the export file.
"""

from citisens_core.store.bundle import SUFFIX, WerkmapFileError
from citisens_core.store.models import RESIDENT_ROLES, ROLE_AREAS, ROLE_SURVEY, ROLES
from citisens_core.store.store import (
    DATA_DIR_VARIABLE,
    URL_VARIABLE,
    FileInfo,
    Note,
    NoteSave,
    Store,
    StoreUnavailable,
    WerkmapInfo,
    WerkmapNotFound,
    codes_key,
    data_dir,
    default_url,
)

__all__ = ["DATA_DIR_VARIABLE", "RESIDENT_ROLES", "ROLES", "ROLE_AREAS", "ROLE_SURVEY", "SUFFIX",
           "URL_VARIABLE", "FileInfo", "Note", "NoteSave", "Store", "StoreUnavailable",
           "WerkmapFileError", "WerkmapInfo", "WerkmapNotFound", "codes_key", "data_dir",
           "default_url"]
