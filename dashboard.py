"""The dashboard script: page config, navigation and the shared sidebar.

Served by ``app.py`` (``streamlit run app.py``), which warms the caches first.
The pages in ``pages/`` are thin views over :mod:`citisens_core`; shared
widgets live in :mod:`atlas_ui`.
"""

import streamlit as st

from atlas_ui import werkmap
from atlas_ui.layout import (
    PAGE_ANALYSE,
    PAGE_CONSULTATIE,
    PAGE_GEGEVENS,
    PAGE_KAART,
    PAGE_PANEL,
    PAGE_PRESENTATIE,
    PAGE_PROFIELEN,
    PAGE_STRATEGIE,
    PAGE_VERGELIJKEN,
    sidebar,
)

st.set_page_config(page_title="Citisens atlas", page_icon="🗺️", layout="wide")

navigation = st.navigation([
    st.Page(PAGE_KAART, title="Kaart", icon=":material/map:", default=True),
    st.Page(PAGE_ANALYSE, title="Gebiedsanalyse", icon=":material/analytics:"),
    st.Page(PAGE_VERGELIJKEN, title="Vergelijken", icon=":material/compare_arrows:"),
    st.Page(PAGE_STRATEGIE, title="Strategie", icon=":material/campaign:"),
    st.Page(PAGE_CONSULTATIE, title="Consultatie", icon=":material/how_to_vote:"),
    st.Page(PAGE_PANEL, title="Panel", icon=":material/diversity_3:"),
    st.Page(PAGE_PRESENTATIE, title="Presentatie", icon=":material/slideshow:"),
    st.Page(PAGE_PROFIELEN, title="Profielen", icon=":material/groups:"),
    st.Page(PAGE_GEGEVENS, title="Gegevens", icon=":material/database:"),
    st.Page(werkmap.PAGE_WERKMAP, title="Werkmap", icon=":material/folder_shared:"),
])
werkmap.open_from_link()  # a link's werkmap and view, on the session's first run
sidebar()
werkmap.sidebar_status()
navigation.run()
werkmap.keep_view()  # the view into the URL (and into the open werkmap)
