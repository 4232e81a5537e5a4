"""Shared page furniture: the sidebar, the error guard, reminders, the area picker."""

from __future__ import annotations

import functools
import html
import logging
from collections.abc import Callable

import pandas as pd
import streamlit as st

from atlas_ui.data import current_dataset, current_model
from atlas_ui.format import GROUP_REMINDER, LEVEL_NAMES, literal, literal_table
from atlas_ui.state import KEPT_KEY, area_key
from citisens_core.atlas import AreaSet

log = logging.getLogger("atlas_ui")

SELECTED_KEY = area_key("selected")
PAGE_KAART = "pages/kaart.py"
PAGE_ANALYSE = "pages/gebiedsanalyse.py"
PAGE_VERGELIJKEN = "pages/vergelijken.py"
PAGE_PROFIELEN = "pages/profielen.py"
PAGE_STRATEGIE = "pages/strategie.py"
PAGE_GEGEVENS = "pages/gegevens.py"
PAGE_CONSULTATIE = "pages/consultatie.py"
PAGE_PANEL = "pages/panel.py"
PAGE_PRESENTATIE = "pages/presentatie.py"

CSS = """
<style>
  html, body, [class*="css"] { font-size: 17px; }
  .block-container { padding-top: 2.2rem; }
  h1 { font-size: 2.1rem !important; }
  .atlas-attrib { font-size: .95rem; color: #333; margin-top: -.4rem; }
  .atlas-reminder { font-size: .95rem; color: #444; }
  /* tables wrap their cells instead of scrolling sideways in narrow columns: a scroll
     area would need keyboard focus of its own (WCAG 2.1.1) */
  [data-testid="stTable"] th, [data-testid="stTable"] td { white-space: normal !important;
    overflow-wrap: anywhere; padding: .3rem .4rem !important; }
  /* a focus ring that is always visible, also on links and custom controls (WCAG 2.4.7) */
  a:focus-visible, button:focus-visible, input:focus-visible, textarea:focus-visible,
  [tabindex]:focus-visible { outline: 3px solid #1f5c99 !important; outline-offset: 2px; }
</style>
"""
#: Printing any page: no sidebar, toolbar or buttons; the page's full length, not just
#: what fits on the screen (Streamlit's main area scrolls inside a fixed-height box).
PRINT_CSS = """
<style>
@media print {
  @page { size: A4; margin: 12mm; }
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
  [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
  [data-testid="stStatusWidget"], [data-testid="stDownloadButton"],
  [data-testid="stButton"], [data-testid="stElementToolbar"],
  [data-testid="stSidebarNav"] { display: none !important; }
  html, body, .stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"],
  [data-testid="stMainBlockContainer"] {
    position: static !important; overflow: visible !important; height: auto !important;
    min-height: 0 !important; }
  [data-testid="stMain"] { margin-left: 0 !important; }
  [data-testid="stMainBlockContainer"] { max-width: 100% !important;
    padding: 0 !important; }
  html, body, [class*="css"] { font-size: 11pt !important; }
  h1 { font-size: 18pt !important; }
  h1, h2, h3 { break-after: avoid; }
  [data-testid="stVegaLiteChart"], [data-testid="stDeckGlJsonChart"], [data-testid="stTable"],
  [data-testid="stImage"], [data-testid="stVerticalBlockBorderWrapper"] {
    break-inside: avoid; }
}
</style>
"""


def guarded(page: Callable[[], None]) -> Callable[[], None]:
    """Run a page body so an unexpected error shows a Dutch message, not a traceback.

    Streamlit's own control flow (rerun, stop, switch_page) derives from
    BaseException and passes through.
    """

    @functools.wraps(page)
    def wrapper() -> None:
        try:
            page()
        except Exception:  # last line of defence: the app must keep working
            log.exception("page %s failed", page.__name__)
            st.error("Er ging iets mis bij het tonen van deze pagina. Probeer een andere keuze, "
                     "of laad op de pagina Gegevens de demogemeente opnieuw. De rest van de "
                     "app werkt gewoon door.")

    return wrapper


def sidebar() -> None:
    """The shared sidebar: current data, attribution, model and the group reminder."""
    st.markdown(CSS + PRINT_CSS, unsafe_allow_html=True)
    with st.sidebar:
        try:
            dataset = current_dataset()
            model = current_model()
        except Exception:
            log.exception("loading the data for the sidebar failed")
            st.error("De gegevens konden niet worden geladen.")
            return
        st.markdown("**Gegevens**")
        st.markdown(literal(dataset.title))
        levels = ", ".join(LEVEL_NAMES[lv] if lv.startswith("pc") else lv
                           for lv in dataset.levels)
        st.caption(f"Niveaus: {levels}")
        st.caption(dataset.attribution)
        st.markdown("**Model**")
        st.caption(literal(getattr(model, "source", "") or "standaardmodel"))
        st.info(GROUP_REMINDER, icon="ℹ️")


def attribution(dataset: AreaSet) -> None:
    """The attribution line under a map, plus the group reminder."""
    st.markdown(f"<div class='atlas-attrib'>{html.escape(dataset.attribution)} · "
                f"{html.escape(GROUP_REMINDER)}</div>", unsafe_allow_html=True)




def remember(key: str, default: object = None, options: list | None = None) -> None:
    """Restore a widget's value before drawing it.

    Streamlit forgets the state of widgets that were not drawn in the last run
    (another page was shown); the value is kept in a plain session entry by
    :func:`keep` and put back here. Values no longer among `options` fall back
    to `default`.
    """
    store = st.session_state.setdefault(KEPT_KEY, {})
    value = st.session_state[key] if key in st.session_state else store.get(key, default)
    if options is not None:
        if isinstance(value, list):
            value = [v for v in value if v in options]
        elif value not in options:
            value = default
    st.session_state[key] = value


def keep(key: str) -> None:
    """Remember a widget's current value for :func:`remember`."""
    st.session_state.setdefault(KEPT_KEY, {})[key] = st.session_state.get(key)


def set_kept(key: str, value: object) -> None:
    """Set a widget's value from another page (before that widget is drawn)."""
    st.session_state.setdefault(KEPT_KEY, {})[key] = value
    st.session_state[key] = value


def level_choice(dataset: AreaSet, key: str, label: str = "Niveau",
                 default: str | None = None) -> str:
    """A horizontal level switch over the levels present in the data."""
    options = list(dataset.levels)
    default = default if default in options else dataset.most_detailed
    remember(key, default, options)
    level = st.radio(label, options, key=key, horizontal=True,
                     format_func=lambda lv: LEVEL_NAMES[lv])
    keep(key)
    return level


def selected_code() -> str | None:
    """The area selected on the map or by search, if any."""
    return st.session_state.get(SELECTED_KEY)


def select(code: str | None) -> None:
    """Make an area the selected one (shared by map, search and the analysis pages)."""
    st.session_state[SELECTED_KEY] = code


def chart_with_figures(chart, alt: str, figures: pd.DataFrame | None = None,
                       **kwargs: object) -> None:
    """An Altair chart with its text alternative (WCAG 1.1.1).

    `alt` is the chart's accessible name, a sentence for screen readers; the
    `figures` it draws follow in an expander as a real table, for anyone who
    cannot see or read the chart. `kwargs` go to ``st.altair_chart``.
    """
    st.altair_chart(chart, alt=alt, **kwargs)
    if figures is not None:
        with st.expander("De cijfers van deze grafiek"):
            st.table(literal_table(figures))  # series are named after areas from the file
