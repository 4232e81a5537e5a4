"""Werkmappen in the app: open from a link, keep the view, save notes and files.

The only glue between the pages and :mod:`citisens_core.store`. The dashboard
calls :func:`open_from_link` before the page and :func:`keep_view` after it;
the pages call small hooks (:func:`keep_area_file`, :func:`keep_survey`,
:func:`notes_section`). Without a database everything still works on the
session alone, as before.

The URL carries the view as query parameters (:data:`URL_PARAMS`) and the
page as its path, so a copied link opens the same view in another browser.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import streamlit as st

from atlas_ui.data import MODEL_KEY, UploadError, load_upload, scheme, set_dataset
from atlas_ui.format import sentence
from atlas_ui.layout import SELECTED_KEY, select, set_kept
from atlas_ui.maps import MODE_DOMINANT, MODE_FIGURE, MODE_PROFILE
from atlas_ui.state import KEPT_KEY, area_key, session_key
from citisens_core.store import (
    RESIDENT_ROLES,
    ROLE_AREAS,
    ROLE_SURVEY,
    Note,
    Store,
    StoreUnavailable,
    WerkmapFileError,
    WerkmapInfo,
    WerkmapNotFound,
    codes_key,
)

log = logging.getLogger("atlas_ui")

PAGE_WERKMAP = "pages/werkmap.py"
WERKMAP_KEY = session_key("werkmap")          # the open werkmap (WerkmapInfo) or absent
SAVED_KEY = session_key("werkmap_saved")      # the view as last saved, to save only changes
LINK_DONE_KEY = session_key("link_done")      # the link of this session was read
FILES_KEY = session_key("werkmap_files")      # role -> (name, bytes, herkomst), this session
MESSAGE_KEY = session_key("werkmap_message")  # (kind, text) shown after a rerun
LINK_PROBLEM_KEY = session_key("link_problem")  # why the link's werkmap did not open
NOTICE_KEY = session_key("werkmap_notice")    # a warning from a hook on another page
TIMEZONE = ZoneInfo("Europe/Amsterdam")

#: Query parameters of a link: (parameter, session key). The page is the URL's path.
URL_PARAMS: tuple[tuple[str, str], ...] = (
    ("niveau", area_key("level")),
    ("gemeente", area_key("gemeente")),
    ("kleur", area_key("mode")),
    ("profiel", area_key("mode_profile")),
    ("cijfer", area_key("mode_figure")),
    ("gebied", SELECTED_KEY),
)
MODE_KEY = area_key("mode")
#: The colouring in a link, in short words rather than the menu's labels.
COLOURINGS = {"meest": MODE_DOMINANT, "profiel": MODE_PROFILE, "cijfer": MODE_FIGURE}
#: What a werkmap keeps of the session: the link's view plus selections and choices.
STATE_KEYS: tuple[str, ...] = (
    *(key for _, key in URL_PARAMS),
    *(area_key(name) for name in ("an_level", "an_codes", "cmp_level", "cmp_codes", "st_level",
                                  "st_codes", "st_thema", "st_fase", "st_trede")),
)
UNAVAILABLE = ("De database voor werkmappen is nu niet bereikbaar, dus er wordt niets bewaard. "
               "De atlas werkt gewoon verder met de gegevens van deze sessie (of de "
               "demogemeente); probeer het later opnieuw of vraag de beheerder.")
RETRY_SECONDS = 30
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def literal(text: str) -> str:
    """A name from a user or a file, shown literally where Streamlit reads Markdown."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


# --- the database ------------------------------------------------------------------------

@st.cache_resource
def _store() -> Store:
    return Store()


_last_failure = [0.0]


def store() -> Store | None:
    """The werkmap store, or None while the database is unreachable (retried after 30 s)."""
    if time.monotonic() - _last_failure[0] < RETRY_SECONDS:
        return None
    try:
        found = _store()
        found.migrate()
        return found
    except (StoreUnavailable, OSError, ValueError):
        log.exception("werkmap database unavailable")
        _last_failure[0] = time.monotonic()
        return None


def current() -> WerkmapInfo | None:
    """The werkmap open in this session, if any."""
    return st.session_state.get(WERKMAP_KEY)


def say(kind: str, text: str) -> None:
    """A message that stays visible after the rerun that caused it."""
    st.session_state[MESSAGE_KEY] = (kind, text)


def show_message() -> None:
    """The message left by :func:`say` (plain text: names in it are not read as Markdown)."""
    kind, text = st.session_state.pop(MESSAGE_KEY, (None, None))
    text = literal(text or "")
    if kind == "error":
        st.error(text, icon="⚠️")
    elif kind == "warning":
        st.warning(text, icon="⚠️")
    elif kind == "success":
        st.success(text)


def when(moment: datetime) -> str:
    """A stored time as Dutch readers expect it (local time, day-month-year)."""
    return moment.astimezone(TIMEZONE).strftime("%d-%m-%Y %H:%M")


# --- view <-> session <-> link ------------------------------------------------------------

def view_state() -> dict[str, Any]:
    """The session's view and choices that a werkmap keeps (JSON values only)."""
    kept = st.session_state.get(KEPT_KEY, {})
    state = {}
    for key in STATE_KEYS:
        value = st.session_state[key] if key in st.session_state else kept.get(key)
        if isinstance(value, str | int | float | bool) or (
                isinstance(value, list) and all(isinstance(v, str | int) for v in value)):
            state[key] = value
    return state


def apply_state(state: dict[str, Any]) -> None:
    """Put kept choices back before the widgets are drawn (they validate them)."""
    for key in STATE_KEYS:
        if key in state:
            set_kept(key, state[key])
    if state.get(SELECTED_KEY):
        select(str(state[SELECTED_KEY]))


def link_params(state: dict[str, Any], werkmap_id: str | None) -> dict[str, str]:
    """The query parameters of a link to this view."""
    params = {} if werkmap_id is None else {"werkmap": werkmap_id}
    mode_words = {label: word for word, label in COLOURINGS.items()}
    for param, key in URL_PARAMS:
        value = state.get(key)
        if value in (None, "", []):
            continue
        if key == MODE_KEY:
            value = mode_words.get(value)
        if param == "profiel" and state.get(MODE_KEY) != MODE_PROFILE:
            continue
        if param == "cijfer" and state.get(MODE_KEY) != MODE_FIGURE:
            continue
        if value is not None:
            params[param] = str(value)
    return params


def state_from_link(params: dict[str, str]) -> dict[str, Any]:
    """The view a link asks for (unknown values are dropped later by the widgets)."""
    state: dict[str, Any] = {}
    for param, key in URL_PARAMS:
        if params.get(param):
            value = params[param]
            state[key] = COLOURINGS.get(value) if key == MODE_KEY else value
    return {k: v for k, v in state.items() if v is not None}


def open_from_link() -> None:
    """On a session's first run: open the werkmap of the link and show its view."""
    if st.session_state.get(LINK_DONE_KEY):
        return
    st.session_state[LINK_DONE_KEY] = True
    params = st.query_params.to_dict()
    if params.get("werkmap") and not open_werkmap(params["werkmap"], quiet=True):
        # shown in the sidebar on whatever page the link opens
        st.session_state[LINK_PROBLEM_KEY] = st.session_state.pop(MESSAGE_KEY, (None, None))[1]
    apply_state(state_from_link(params))


def keep_view() -> None:
    """After a run: put the view in the URL, and save it in the open werkmap if changed."""
    state = view_state()
    werkmap = current()
    params = link_params(state, werkmap.id if werkmap else None)
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
    if werkmap is None or st.session_state.get(SAVED_KEY) == state:
        return
    found = store()
    if found is None:
        return
    try:
        found.save_state(werkmap.id, state)
        st.session_state[SAVED_KEY] = state
    except WerkmapNotFound:
        close("warning", "Deze werkmap bestaat niet meer (verwijderd). Uw keuzes blijven in "
                         "deze sessie, maar worden niet meer bewaard.")
    except StoreUnavailable:
        log.exception("saving the view failed")


def share_link(werkmap: WerkmapInfo) -> str:
    """The link to the open werkmap at the current page and view."""
    base = (st.context.url or "").split("?")[0]
    query = "&".join(f"{k}={v}" for k, v in link_params(view_state(), werkmap.id).items())
    return f"{base}?{query}"


# --- opening, creating, closing ----------------------------------------------------------

@st.cache_resource(max_entries=2, show_spinner="Model maken op de enquête van de werkmap …")
def _model_from_survey(sha256: str, name: str, _data: bytes):
    from citisens_core.model import fit_engagement_model
    from citisens_core.survey import parse_survey

    survey = parse_survey(_data, source=name)
    return fit_engagement_model(survey, scheme(), diagnostics=True,
                                source=f"eigen enquête {name}")


def open_werkmap(werkmap_id: str, quiet: bool = False) -> bool:
    """Open a werkmap in this session: its data, model, choices. False with a message."""
    found = store()
    if found is None:
        say("error", UNAVAILABLE)
        return False
    try:
        werkmap = found.get(werkmap_id.strip())
        area_file = found.file(werkmap.id, ROLE_AREAS)
        survey_file = found.file(werkmap.id, ROLE_SURVEY)
    except WerkmapNotFound:
        say("error", "Deze werkmap is niet gevonden. Controleer of de link volledig is "
                     "gekopieerd; misschien is de werkmap verwijderd.")
        return False
    except StoreUnavailable:
        say("error", UNAVAILABLE)
        return False
    problems = []
    dataset = None
    if area_file is not None:
        info, content = area_file
        try:
            dataset = load_upload(info.naam, content, info.herkomst.get("gemeente"))
        except UploadError as exc:
            problems.append(f"{sentence(str(exc))} De demogemeente wordt getoond.")
    set_dataset(dataset)
    st.session_state[MODEL_KEY] = None
    if survey_file is not None:
        info, content = survey_file
        try:
            st.session_state[MODEL_KEY] = _model_from_survey(info.sha256, info.naam, content)
        except ValueError as exc:  # SurveyError is a ValueError
            problems.append(f"De enquête {info.naam} kon niet opnieuw worden gebruikt "
                            f"({sentence(str(exc))}) Het standaardmodel wordt gebruikt.")
    files = {}
    for role, stored in ((ROLE_AREAS, area_file), (ROLE_SURVEY, survey_file)):
        if stored is not None:
            files[role] = (stored[0].naam, stored[1], stored[0].herkomst)
    try:
        for role in RESIDENT_ROLES if werkmap.bewaar_inwonersdata else ():
            stored = found.file(werkmap.id, role)
            if stored is not None:
                files[role] = (stored[0].naam, stored[1], stored[0].herkomst)
    except (StoreUnavailable, WerkmapNotFound):
        problems.append("De consultatie- en panelgegevens van de werkmap konden niet worden "
                        "gelezen.")
    for role in RESIDENT_ROLES:  # the Consultatie and Panel pages read the werkmap's anew
        st.session_state.pop(session_key(f"{role}_upload"), None)
    st.session_state[FILES_KEY] = files
    st.session_state[WERKMAP_KEY] = werkmap
    apply_state(werkmap.toestand)
    st.session_state[SAVED_KEY] = view_state()
    if problems:
        say("warning", " ".join(problems))
    elif not quiet:
        say("success", f"Werkmap ‘{werkmap.naam}’ is geopend.")
    return True


def create_werkmap(naam: str) -> WerkmapInfo | None:
    """A new werkmap holding this session's data file, survey and choices."""
    found = store()
    if found is None:
        say("error", UNAVAILABLE)
        return None
    try:
        werkmap = found.create(naam, view_state())
        for role, (name, content, herkomst) in st.session_state.get(FILES_KEY, {}).items():
            if role not in RESIDENT_ROLES:  # resident data only after the explicit choice
                found.put_file(werkmap.id, role, name, content, herkomst)
        werkmap = found.get(werkmap.id)
    except StoreUnavailable:
        say("error", UNAVAILABLE)
        return None
    st.session_state[WERKMAP_KEY] = werkmap
    st.session_state[SAVED_KEY] = view_state()
    return werkmap


def close(kind: str | None = None, text: str | None = None) -> None:
    """Stop saving to the werkmap in this session (the data shown stays)."""
    st.session_state.pop(WERKMAP_KEY, None)
    st.session_state.pop(SAVED_KEY, None)
    if kind and text:
        say(kind, text)


def refresh() -> WerkmapInfo | None:
    """Re-read the open werkmap (files, name) after a change."""
    werkmap, found = current(), store()
    if werkmap is None or found is None:
        return werkmap
    try:
        st.session_state[WERKMAP_KEY] = found.get(werkmap.id)
    except WerkmapNotFound:
        close("warning", "Deze werkmap bestaat niet meer.")
    except StoreUnavailable:
        pass
    return current()


# --- hooks for the pages -----------------------------------------------------------------

def _keep_file(role: str, name: str, content: bytes | None, herkomst: dict | None) -> None:
    files = st.session_state.setdefault(FILES_KEY, {})
    if content is None:
        files.pop(role, None)
    else:
        files[role] = (name, content, herkomst or {})
    werkmap, found = current(), store()
    if werkmap is None:
        return
    if found is None:
        st.session_state[NOTICE_KEY] = UNAVAILABLE
        return
    try:
        if content is None:
            found.remove_file(werkmap.id, role)
        else:
            found.put_file(werkmap.id, role, name, content, herkomst)
        refresh()
    except (StoreUnavailable, WerkmapNotFound):
        st.session_state[NOTICE_KEY] = UNAVAILABLE


def keep_area_file(name: str, content: bytes | None, herkomst: dict | None = None) -> None:
    """The area file now shown (None: back to the demo); kept in the open werkmap."""
    _keep_file(ROLE_AREAS, name, content, herkomst)


def cannot_keep_area_file(what: str) -> None:
    """Data the werkmap cannot keep yet: say so plainly when a werkmap is open."""
    werkmap = current()
    if werkmap is not None:
        st.session_state[NOTICE_KEY] = (
            f"{what} worden (nog) niet in de werkmap ‘{werkmap.naam}’ bewaard. Wie de werkmap "
            "opent, ziet het gebiedsbestand dat er eerder in stond.")


def keep_survey(name: str, content: bytes | None) -> None:
    """The survey the model was refitted on (None: the default model again)."""
    _keep_file(ROLE_SURVEY, name, content, None)


def where_files_go() -> str:
    """One sentence for upload fields: does this file stay in the session or get kept?"""
    werkmap = current()
    if werkmap is None:
        return "Het bestand blijft alleen in deze sessie; het wordt nergens bewaard."
    return (f"Het bestand wordt bewaard in de werkmap ‘{literal(werkmap.naam)}’, zodat u en wie de "
            "link heeft er later mee verder kunnen.")


def sidebar_status() -> None:
    """One line in the sidebar: which werkmap this is, or how to keep the work."""
    werkmap = current()
    with st.sidebar:
        st.markdown("**Werkmap**")
        problem = st.session_state.get(LINK_PROBLEM_KEY)
        if problem and werkmap is None:
            st.error(literal(problem), icon="⚠️")
        notice = st.session_state.pop(NOTICE_KEY, None)
        if notice:
            st.warning(literal(notice), icon="⚠️")
        if werkmap is None:
            st.caption("Niets wordt bewaard. Maak een werkmap om verder te gaan na het "
                       "herladen of om een link te delen.")
            st.page_link(PAGE_WERKMAP, label="Werkmap maken of openen",
                         icon=":material/folder_shared:")
        else:
            st.caption(f"{literal(werkmap.naam)} — wordt bewaard.")
            st.page_link(PAGE_WERKMAP, label="Link, export en beheer",
                         icon=":material/folder_shared:")


# --- notes ---------------------------------------------------------------------------------

def notes_section(level: str, codes: list[str], session_fallback) -> str:
    """Local knowledge for an area or selection: saved notes in a werkmap, else the session.

    Parameters
    ----------
    level, codes
        The area or selection the notes belong to.
    session_fallback : callable
        Draws the session-only notes field and returns its text (no werkmap open).

    Returns
    -------
    str
        The notes' text, for the downloads.
    """
    werkmap, found = current(), None
    if werkmap is not None:
        found = store()
    if werkmap is None or found is None:
        text = session_fallback()
        st.caption("Deze notitie blijft alleen in deze sessie. Met een werkmap (in de zijbalk) "
                   "wordt ze bewaard en kunnen collega's meelezen.")
        return text
    gebied = codes_key(codes)
    show_message()
    try:
        notes = found.notes(werkmap.id, level, gebied)
    except (StoreUnavailable, WerkmapNotFound):
        st.warning(UNAVAILABLE, icon="⚠️")
        return session_fallback()
    for note in notes:
        _note_form(found, werkmap, note)
    with st.form(area_key(f"note_new_{gebied}"), clear_on_submit=True):
        text = st.text_area("Nieuwe notitie", height=100, placeholder=(
            "Wat u zelf weet over dit gebied: bewonersgroepen, lopende projecten, eerdere "
            "participatie."))
        if st.form_submit_button("Notitie toevoegen") and text.strip():
            try:
                found.add_note(werkmap.id, level, gebied, text.strip())
                say("success", "De notitie is bewaard in de werkmap.")
            except (StoreUnavailable, WerkmapNotFound):
                say("error", UNAVAILABLE + " Uw tekst: " + text.strip())
            st.rerun()
    return "\n\n".join(n.tekst for n in notes)


def _note_form(found: Store, werkmap: WerkmapInfo, note: Note) -> None:
    # the version is part of the key: a newer saved version shows as a fresh form
    with st.form(area_key(f"note_{note.id}_{note.versie}"), border=True):
        text = st.text_area(f"Notitie {note.id}", value=note.tekst, height=100,
                            label_visibility="collapsed")
        st.caption(f"Versie {note.versie} · bewerkt op {when(note.bewerkt_op)}")
        if not st.form_submit_button("Opslaan"):
            return
    try:
        saved = found.edit_note(werkmap.id, note.id, note.versie, text.strip())
    except (StoreUnavailable, WerkmapNotFound):
        say("error", UNAVAILABLE + " Uw tekst: " + text.strip())
        st.rerun()
    if saved.conflict:
        say("warning", "Iemand anders heeft deze notitie intussen ook bewerkt. Niets is "
                       "overschreven: uw tekst staat nu als aparte notitie onder de andere.")
    else:
        say("success", f"Opgeslagen (versie {saved.note.versie}).")
    st.rerun()


# --- export, import, delete ----------------------------------------------------------------

def export_bytes(werkmap: WerkmapInfo) -> bytes:
    found = store()
    if found is None:
        raise StoreUnavailable("database not reachable")
    return found.export_bundle(werkmap.id)


def import_werkmap(name: str, data: bytes) -> None:
    """Import an exported werkmap as a new one and open it; a Dutch message either way."""
    found = store()
    if found is None:
        say("error", UNAVAILABLE)
        return
    try:
        werkmap = found.import_bundle(data, name)
    except WerkmapFileError as exc:
        say("error", f"{sentence(str(exc))} Er is niets veranderd.")
        return
    except StoreUnavailable:
        say("error", UNAVAILABLE)
        return
    if open_werkmap(werkmap.id, quiet=True):
        say("success", f"Werkmap ‘{werkmap.naam}’ is geïmporteerd en geopend. Dit is een "
                       "nieuwe werkmap met een eigen link.")


def delete_current() -> None:
    werkmap, found = current(), store()
    if werkmap is None:
        return
    if found is None:
        say("error", UNAVAILABLE)
        return
    try:
        found.delete(werkmap.id)
    except WerkmapNotFound:
        pass
    except StoreUnavailable:
        say("error", UNAVAILABLE)
        return
    close("success", f"Werkmap ‘{werkmap.naam}’ is verwijderd, met alle notities en bestanden "
                     "die erin stonden.")


def set_keep_resident_data(keep: bool) -> None:
    """The user's choice: keep consultation and panel data (those of this session too)."""
    werkmap, found = current(), store()
    if werkmap is None or found is None:
        say("error", UNAVAILABLE)
        return
    try:
        found.keep_resident_data(werkmap.id, keep)
        if keep:
            for role, (name, content, herkomst) in st.session_state.get(FILES_KEY, {}).items():
                if role in RESIDENT_ROLES:
                    found.put_file(werkmap.id, role, name, content, herkomst)
        st.session_state[WERKMAP_KEY] = found.get(werkmap.id)
    except (StoreUnavailable, WerkmapNotFound):
        say("error", UNAVAILABLE)


def where_resident_data_goes() -> str:
    """One sentence for resident-data uploads: kept in memory only, or in the werkmap."""
    werkmap = current()
    if werkmap is None or not werkmap.bewaar_inwonersdata:
        return "Het bestand blijft in het geheugen van deze sessie en wordt nergens opgeslagen."
    return (f"U koos ervoor inwonersgegevens te bewaren in de werkmap ‘{literal(werkmap.naam)}’ "
            f"({where_kept()}); dit bestand wordt daar dus ook bewaard.")


def kept_resident_file(role: str) -> tuple[str, bytes] | None:
    """Consultation or panel data of this session or of the open werkmap, if any."""
    entry = st.session_state.get(FILES_KEY, {}).get(role)
    return None if entry is None else (entry[0], entry[1])


def keep_resident_file(role: str, name: str, content: bytes) -> None:
    """A consultation or panel upload: in memory for the session; in the werkmap only
    when the user chose to keep resident data there."""
    st.session_state.setdefault(FILES_KEY, {})[role] = (name, content, {})
    werkmap = current()
    if werkmap is None or not werkmap.bewaar_inwonersdata:
        return
    found = store()
    try:
        if found is None:
            raise StoreUnavailable("database not reachable")
        found.put_file(werkmap.id, role, name, content)
        refresh()
    except (StoreUnavailable, WerkmapNotFound):
        st.session_state[NOTICE_KEY] = UNAVAILABLE


def where_kept() -> str:
    """Where the database is, in words (for the statement on resident data)."""
    found = store()
    if found is None:
        return "de database van deze atlas"
    if found.engine.dialect.name == "sqlite":
        return "een databasebestand (SQLite) op de server van deze atlas"
    return "de PostgreSQL-database van deze atlas"
