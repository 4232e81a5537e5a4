"""The app's session-state keys and their lifetime.

Two kinds of keys, told apart by their prefix so that nobody keeps a list:

- :func:`area_key` — state about the areas shown (level, gemeente, selection,
  colouring, chosen codes, map views, the widgets of every page). It is reset
  whenever the user loads another data set: a buurt code means nothing in the
  next file.
- :func:`session_key` — state of the session itself (the data set and model
  loaded, upload and survey widgets, messages, the user's own notes). It stays.

A test checks that every page builds its keys through these two functions.
"""

from __future__ import annotations

import streamlit as st

AREA_PREFIX = "atlas:"
SESSION_PREFIX = "atlas_"


def area_key(name: str) -> str:
    """A key whose value belongs to the current data set (reset when it changes)."""
    return AREA_PREFIX + name


def session_key(name: str) -> str:
    """A key whose value lasts the whole session."""
    return SESSION_PREFIX + name


#: Widget values kept across pages (see atlas_ui.layout.remember).
KEPT_KEY = session_key("kept")


def reset_area_state() -> None:
    """Forget everything that belongs to the previous data set, on every page."""
    for key in [k for k in st.session_state if str(k).startswith(AREA_PREFIX)]:
        del st.session_state[key]
    kept = st.session_state.get(KEPT_KEY)
    if isinstance(kept, dict):
        for key in [k for k in kept if str(k).startswith(AREA_PREFIX)]:
            del kept[key]
