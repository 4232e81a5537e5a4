"""Memory returned when a visitor has gone: expired sessions shut down, freed pages released.

Streamlit keeps a disconnected session for ``server.disconnectedSessionTTL``
seconds, so that a network blip loses nothing. But in Streamlit 1.67 an expired
session leaves its store only when another session disconnects, and it is
never shut down: its session state (an uploaded national file is hundreds of
MB with its estimates) and its uploaded bytes stay in memory
(streamlit/streamlit#12506). :func:`reap_expired_sessions` drops the expired
ones and shuts each down as Streamlit does for a session closed for good;
:func:`keep_reaping` does that every :data:`REAP_SECONDS` on the server's event
loop, and then hands the freed pages back to the operating system
(``malloc_trim``: glibc keeps freed memory of large pandas and numpy blocks in
its heaps otherwise).

This reaches into the runtime's session manager (private attributes);
``tests/app/test_sessions.py`` pins that contract against the installed
Streamlit, so an upgrade that moves it fails a test rather than leaking.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import functools
import gc
import logging
from typing import Any

log = logging.getLogger(__name__)

#: Seconds between two looks for expired sessions.
REAP_SECONDS = 30.0


def reap_expired_sessions(session_manager: Any) -> int:
    """Remove the expired disconnected sessions from the store and shut them down.

    Parameters
    ----------
    session_manager : streamlit.runtime.websocket_session_manager.WebsocketSessionManager
        The runtime's session manager (``Runtime._session_mgr``).

    Returns
    -------
    int
        The number of sessions shut down.
    """
    storage = getattr(session_manager, "_session_storage", None)
    cache = getattr(storage, "_cache", None)
    if cache is None or not hasattr(cache, "expire"):
        return 0
    with session_manager._storage_lock:  # disconnect/reconnect change the store under it
        expired = cache.expire()
    for _, info in expired:
        try:
            info.session.shutdown()
        except Exception:  # one broken session must not keep the others alive
            log.exception("shutting down an expired session failed")
    return len(expired)


@functools.cache
def _libc() -> ctypes.CDLL | None:
    """The C library, looked up once (``find_library`` runs ``ldconfig``)."""
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        return ctypes.CDLL(name)
    except OSError:
        return None


def release_freed_memory() -> None:
    """Collect what the shut-down sessions left in reference cycles, then give pages freed
    inside the C heap back to the system (glibc only; elsewhere the collection alone)."""
    gc.collect()
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):  # glibc only
        libc.malloc_trim(0)


#: glibc's mallopt parameter for the number of malloc arenas (malloc.h: M_ARENA_MAX).
M_ARENA_MAX = -8
#: Arenas for the whole server. glibc's default is eight per core, one per thread that
#: allocates at once; Streamlit runs every script run on a new thread, and memory freed
#: in those arenas mostly stays with the process (malloc_trim did not return it:
#: benchmarks/bench_soak.py). Two is the common setting for Python web servers.
ARENAS = 2


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas, as ``MALLOC_ARENA_MAX`` in the environment would.

    Takes effect only before threads have made arenas of their own, so call it
    first thing when the server starts. Returns False where it is not glibc.
    """
    libc = _libc()
    if libc is None or not hasattr(libc, "mallopt"):  # not glibc
        return False
    return bool(libc.mallopt(M_ARENA_MAX, arenas))


async def keep_reaping(interval: float = REAP_SECONDS) -> None:
    """Every `interval` seconds: shut down expired sessions, then release freed memory."""
    from streamlit import runtime

    while True:
        await asyncio.sleep(interval)
        if not runtime.exists():
            continue
        try:
            if reap_expired_sessions(runtime.get_instance()._session_mgr):
                await asyncio.to_thread(release_freed_memory)
        except Exception:  # the reaper must outlive any surprise
            log.exception("reaping expired sessions failed")
