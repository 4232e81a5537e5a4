"""Sessions whose visitor has gone are shut down when their time is up (atlas_ui.sessions).

Runs against the installed Streamlit's own session manager and storage, so an
upgrade that moves what the reaper relies on fails here instead of leaking memory.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from streamlit.runtime.memory_session_storage import MemorySessionStorage
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.runtime.session_manager import SessionInfo
from streamlit.runtime.websocket_session_manager import WebsocketSessionManager

from atlas_ui.sessions import limit_malloc_arenas, reap_expired_sessions, release_freed_memory

TTL = 0.3


@dataclass
class GoneSession:
    """Stands in for an AppSession: what the reaper touches is its id and shutdown()."""

    id: str
    fails: bool = False
    shut_down: bool = False

    def shutdown(self) -> None:
        self.shut_down = True
        if self.fails:
            raise RuntimeError("broken session")


def manager_with(*sessions: GoneSession) -> WebsocketSessionManager:
    manager = WebsocketSessionManager(MemorySessionStorage(ttl_seconds=TTL),
                                      MemoryUploadedFileManager("/_stcore/upload_file"),
                                      ScriptCache(), None)
    for session in sessions:  # as disconnect_session stores them for a reconnect
        manager._session_storage.save(SessionInfo(client=None, session=session))
    return manager


def test_a_disconnected_session_stays_for_a_reconnect_until_its_time_is_up():
    session = GoneSession("a")
    manager = manager_with(session)

    assert reap_expired_sessions(manager) == 0
    assert not session.shut_down
    assert manager.get_session_info("a") is not None  # a network blip loses nothing


def test_an_expired_session_is_shut_down_and_no_longer_held():
    sessions = [GoneSession("a"), GoneSession("b")]
    manager = manager_with(*sessions)
    time.sleep(TTL + 0.2)

    assert reap_expired_sessions(manager) == 2

    assert all(s.shut_down for s in sessions)
    assert len(manager._session_storage._cache._data) == 0  # nothing refers to them
    assert reap_expired_sessions(manager) == 0


def test_one_broken_session_does_not_keep_the_others():
    broken, fine = GoneSession("a", fails=True), GoneSession("b")
    manager = manager_with(broken, fine)
    time.sleep(TTL + 0.2)

    assert reap_expired_sessions(manager) == 2
    assert fine.shut_down


def test_releasing_memory_is_safe_to_call():
    release_freed_memory()  # glibc's malloc_trim here; elsewhere a garbage collection only


def test_the_malloc_arena_cap_is_taken_on_glibc():
    import platform

    taken = limit_malloc_arenas(8)  # glibc's own default here: harmless for the test process
    assert taken is (platform.libc_ver()[0] == "glibc")
