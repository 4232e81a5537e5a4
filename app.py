"""Citisens atlas: ``streamlit run app.py`` serves the dashboard in ``dashboard.py``.

Before the server accepts its first visitor it loads what every visitor needs
(libraries, the fitted model, the embedded demo gemeente and its estimates), so
that the first map appears as fast for the first visitor as for the next, and
starts the fork server that reads uploads (``citisens_core.worker``). While it
serves, sessions whose visitor has gone for good are shut down and their memory
given back (``atlas_ui/sessions.py``).
Every page is served as Dutch (``lang="nl"``) for assistive technology, with the
map's library (deck.gl) loading from the start (``atlas_ui/document.py``).
"""

import asyncio
import gc
from contextlib import asynccontextmanager

from atlas_ui.sessions import limit_malloc_arenas

limit_malloc_arenas()  # before the server's threads allocate: memory freed is memory returned

import streamlit as st  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from atlas_ui.document import DocumentMiddleware  # noqa: E402
from atlas_ui.maps import DECK_URL  # noqa: E402


@asynccontextmanager
async def warm_caches(_app):
    from streamlit.runtime.pages_manager import PagesManager

    from atlas_ui.data import warm_up
    from atlas_ui.sessions import keep_reaping
    from citisens_core.worker import start_worker_server

    # dashboard.py navigates with st.navigation. Until a first visitor has run it,
    # Streamlit would serve a deep link (/gebiedsanalyse?werkmap=...) as an old-style
    # page from pages/ without the dashboard around it; say so from the start.
    PagesManager.uses_pages_directory = False

    await asyncio.to_thread(warm_up)
    await asyncio.to_thread(start_worker_server)
    # Streamlit runs a full garbage collection after every script run (runner.postScriptGC),
    # holding the interpreter for as long as it takes to walk every object: ~0.4 s per run
    # here with all libraries loaded. What exists now (modules, the model, the demo) lives
    # as long as the server, so it is moved out of the collector's sight; later objects
    # are still collected as before.
    gc.freeze()
    reaper = asyncio.create_task(keep_reaping())  # sessions gone for good give back memory
    yield
    reaper.cancel()


app = st.App("dashboard.py", lifespan=warm_caches,
             middleware=[Middleware(DocumentMiddleware, deck_url=DECK_URL)])
