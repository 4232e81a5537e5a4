"""The werkmap store: create, open, save and delete werkmappen in a real database.

SQLite in the user's data folder by default, PostgreSQL (or any database
SQLAlchemy knows) when ``ATLAS_DATABASE_URL`` names one. The schema is brought
up to date by the Alembic migrations on first use. Werkmap ids are 144 random
bits from :mod:`secrets`; there is deliberately no way to list werkmappen, so
only someone given the id (the link) can open one.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, selectinload, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from citisens_core.store.bundle import read_bundle, write_bundle
from citisens_core.store.models import (
    RESIDENT_ROLES,
    ROLES,
    Bestand,
    Notitie,
    NotitieVersie,
    Werkmap,
    now,
)

URL_VARIABLE = "ATLAS_DATABASE_URL"
DATA_DIR_VARIABLE = "ATLAS_DATA_DIR"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"

MAX_NAME = 200
_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{20,64}")


class StoreUnavailable(RuntimeError):
    """The database cannot be reached (or refused the connection)."""


class WerkmapNotFound(LookupError):
    """No werkmap with this id (never created, deleted, or a mistyped link)."""


@dataclass(frozen=True)
class FileInfo:
    """A stored file without its bytes."""

    rol: str
    naam: str
    grootte: int
    sha256: str
    herkomst: dict
    opgeslagen_op: datetime


@dataclass(frozen=True)
class WerkmapInfo:
    """A werkmap as read from the store (detached: safe to keep in a session)."""

    id: str
    naam: str
    aangemaakt_op: datetime
    bewerkt_op: datetime
    toestand: dict
    bewaar_inwonersdata: bool
    bestanden: dict[str, FileInfo] = field(default_factory=dict)


@dataclass(frozen=True)
class Note:
    """One note on an area, at its current version."""

    id: int
    niveau: str
    gebied: str
    tekst: str
    versie: int
    bewerkt_op: datetime


@dataclass(frozen=True)
class NoteSave:
    """The outcome of saving a note.

    ``conflict`` is True when someone else saved the note after it was read:
    the text was then kept as a new note beside theirs instead of replacing it.
    """

    note: Note
    conflict: bool


def data_dir() -> Path:
    """The folder for the default SQLite database.

    ``ATLAS_DATA_DIR`` if set, else ``$XDG_DATA_HOME/citisens-atlas`` (by default
    ``~/.local/share/citisens-atlas``).
    """
    if os.environ.get(DATA_DIR_VARIABLE):
        return Path(os.environ[DATA_DIR_VARIABLE]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "citisens-atlas"


def default_url() -> str:
    """``ATLAS_DATABASE_URL`` if set, else the SQLite file in :func:`data_dir`."""
    url = os.environ.get(URL_VARIABLE, "").strip()
    return url or f"sqlite:///{data_dir() / 'werkmappen.sqlite'}"


def codes_key(codes: list[str] | tuple[str, ...]) -> str:
    """The key of one area or a selection: the codes sorted and joined with '+'."""
    return "+".join(sorted(str(c) for c in codes))


def new_id() -> str:
    """An unguessable werkmap id (144 random bits, URL-safe)."""
    return secrets.token_urlsafe(18)


def _engine(url: str, connect_timeout: int) -> Engine:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")  # the driver we pin
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")  # ON DELETE CASCADE needs it
            cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
            cursor.close()
            # SQLAlchemy emits BEGIN itself (below), not the sqlite3 module
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin_immediate(connection):
            # take the write lock at the start: two writers then wait for each other
            # (busy timeout) instead of one failing when it upgrades a read lock
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        return engine
    args = {"connect_timeout": connect_timeout} if parsed.get_backend_name() == "postgresql" \
        else {}
    return create_engine(parsed, connect_args=args, pool_pre_ping=True)


class Store:
    """Werkmappen in one database.

    Parameters
    ----------
    url : str, optional
        A SQLAlchemy URL; default :func:`default_url`. ``postgresql://`` uses psycopg 3.
    connect_timeout : int
        Seconds to wait for a PostgreSQL server before :class:`StoreUnavailable`.
    """

    def __init__(self, url: str | None = None, connect_timeout: int = 5):
        self.url = url or default_url()
        self.engine = _engine(self.url, connect_timeout)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._migrated = False
        self._lock = threading.Lock()

    # --- plumbing ----------------------------------------------------------------------
    def migrate(self) -> None:
        """Bring the schema to the newest migration (done once, on first use)."""
        with self._lock:
            if self._migrated:
                return
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            try:
                with self.engine.begin() as connection:
                    config.attributes["connection"] = connection
                    command.upgrade(config, "head")
            except (OperationalError, DBAPIError) as exc:
                raise StoreUnavailable(f"database not reachable: {exc.orig!r}") from exc
            self._migrated = True

    @contextmanager
    def _session(self) -> Iterator[Session]:
        self.migrate()
        try:
            with self._sessions.begin() as session:
                yield session
        except OperationalError as exc:
            raise StoreUnavailable(f"database not reachable: {exc.orig!r}") from exc

    def _werkmap(self, session: Session, werkmap_id: str) -> Werkmap:
        found = (session.get(Werkmap, werkmap_id)
                 if isinstance(werkmap_id, str) and _ID_PATTERN.fullmatch(werkmap_id) else None)
        if found is None:
            raise WerkmapNotFound(f"no werkmap with id {werkmap_id!r}")
        return found

    def dispose(self) -> None:
        """Close the connection pool."""
        self.engine.dispose()

    # --- werkmappen --------------------------------------------------------------------
    def create(self, naam: str, toestand: dict | None = None) -> WerkmapInfo:
        """A new, empty werkmap with a fresh unguessable id."""
        with self._session() as session:
            werkmap = Werkmap(id=new_id(), naam=_name(naam), toestand=dict(toestand or {}),
                              bewaar_inwonersdata=False)
            session.add(werkmap)
            session.flush()
            return _info(werkmap)

    def get(self, werkmap_id: str) -> WerkmapInfo:
        """The werkmap with this id; raises :class:`WerkmapNotFound`."""
        with self._session() as session:
            return _info(self._werkmap(session, werkmap_id))

    def rename(self, werkmap_id: str, naam: str) -> WerkmapInfo:
        with self._session() as session:
            werkmap = self._werkmap(session, werkmap_id)
            werkmap.naam = _name(naam)
            session.flush()
            return _info(werkmap)

    def save_state(self, werkmap_id: str, toestand: dict) -> None:
        """Replace the werkmap's view and choices (a JSON-able dict)."""
        with self._session() as session:
            self._werkmap(session, werkmap_id).toestand = dict(toestand)

    def delete(self, werkmap_id: str) -> None:
        """Delete the werkmap and everything it holds (files, notes, note versions)."""
        with self._session() as session:
            session.delete(self._werkmap(session, werkmap_id))

    # --- files -------------------------------------------------------------------------
    def put_file(self, werkmap_id: str, rol: str, naam: str, inhoud: bytes,
                 herkomst: dict | None = None) -> FileInfo:
        """Keep a file in the werkmap, replacing the earlier file of the same role.

        Raises
        ------
        ValueError
            Unknown role, or resident data while the werkmap does not keep it.
        """
        if rol not in ROLES:
            raise ValueError(f"unknown file role {rol!r}; expected one of {ROLES}")
        with self._session() as session:
            werkmap = self._werkmap(session, werkmap_id)
            if rol in RESIDENT_ROLES and not werkmap.bewaar_inwonersdata:
                raise ValueError(f"werkmap {werkmap_id!r} does not keep resident data; "
                                 "call keep_resident_data(..., True) first")
            stored = next((b for b in werkmap.bestanden if b.rol == rol), None)
            if stored is None:
                stored = Bestand(rol=rol)
                werkmap.bestanden.append(stored)
            stored.naam = Path(naam).name[:255] or rol
            stored.inhoud = bytes(inhoud)
            stored.sha256 = hashlib.sha256(inhoud).hexdigest()
            stored.herkomst = dict(herkomst or {})
            stored.opgeslagen_op = now()
            werkmap.bewerkt_op = now()
            session.flush()
            return _file_info(stored)

    def file(self, werkmap_id: str, rol: str) -> tuple[FileInfo, bytes] | None:
        """A stored file with its bytes, or None."""
        with self._session() as session:
            self._werkmap(session, werkmap_id)
            stored = session.scalar(select(Bestand).where(Bestand.werkmap_id == werkmap_id,
                                                          Bestand.rol == rol))
            return None if stored is None else (_file_info(stored), bytes(stored.inhoud))

    def remove_file(self, werkmap_id: str, rol: str) -> None:
        with self._session() as session:
            werkmap = self._werkmap(session, werkmap_id)
            werkmap.bestanden[:] = [b for b in werkmap.bestanden if b.rol != rol]

    def keep_resident_data(self, werkmap_id: str, keep: bool) -> WerkmapInfo:
        """Switch keeping resident data on or off; off deletes what was kept."""
        with self._session() as session:
            werkmap = self._werkmap(session, werkmap_id)
            werkmap.bewaar_inwonersdata = bool(keep)
            if not keep:
                werkmap.bestanden[:] = [b for b in werkmap.bestanden
                                        if b.rol not in RESIDENT_ROLES]
            session.flush()
            return _info(werkmap)

    # --- notes -------------------------------------------------------------------------
    def notes(self, werkmap_id: str, niveau: str | None = None,
              gebied: str | None = None) -> list[Note]:
        """The notes of a werkmap, optionally of one area; oldest first."""
        with self._session() as session:
            self._werkmap(session, werkmap_id)
            query = select(Notitie).where(Notitie.werkmap_id == werkmap_id)
            if niveau is not None:
                query = query.where(Notitie.niveau == niveau)
            if gebied is not None:
                query = query.where(Notitie.gebied == gebied)
            return [_note(n) for n in session.scalars(query.order_by(Notitie.id))]

    def add_note(self, werkmap_id: str, niveau: str, gebied: str, tekst: str) -> Note:
        """A new note on an area (version 1)."""
        with self._session() as session:
            werkmap = self._werkmap(session, werkmap_id)
            note = _new_note(session, werkmap, niveau, gebied, tekst)
            session.flush()
            return _note(note)

    def edit_note(self, werkmap_id: str, note_id: int, base_version: int,
                  tekst: str) -> NoteSave:
        """Save a new text for a note that was read at `base_version`.

        When someone else saved the note after that (or deleted it), nothing is
        overwritten: the text becomes a new note on the same area and the result
        says ``conflict=True``.
        """
        try:
            with self._session() as session:
                werkmap = self._werkmap(session, werkmap_id)
                note = session.get(Notitie, note_id)
                if note is None or note.werkmap_id != werkmap_id:
                    raise WerkmapNotFound(f"no note {note_id} in werkmap {werkmap_id!r}")
                if note.versie != base_version:
                    raise StaleDataError("note changed since it was read")
                if note.tekst == tekst:
                    return NoteSave(_note(note), conflict=False)
                note.tekst = tekst
                note.versie = base_version + 1
                note.bewerkt_op = now()
                werkmap.bewerkt_op = note.bewerkt_op
                session.flush()  # UPDATE ... WHERE versie = base_version
                note.versies.append(NotitieVersie(versie=note.versie, tekst=tekst,
                                                  bewerkt_op=note.bewerkt_op))
                session.flush()
                return NoteSave(_note(note), conflict=False)
        except StaleDataError:
            pass
        with self._session() as session:
            werkmap = self._werkmap(session, werkmap_id)
            old = session.get(Notitie, note_id)
            niveau, gebied = (old.niveau, old.gebied) if old is not None else (None, None)
            if niveau is None:
                raise WerkmapNotFound(f"no note {note_id} in werkmap {werkmap_id!r}")
            note = _new_note(session, werkmap, niveau, gebied, tekst)
            session.flush()
            return NoteSave(_note(note), conflict=True)

    def note_history(self, werkmap_id: str, note_id: int) -> list[Note]:
        """Every saved version of a note, oldest first."""
        with self._session() as session:
            self._werkmap(session, werkmap_id)
            note = session.get(Notitie, note_id)
            if note is None or note.werkmap_id != werkmap_id:
                raise WerkmapNotFound(f"no note {note_id} in werkmap {werkmap_id!r}")
            return [Note(note.id, note.niveau, note.gebied, v.tekst, v.versie, v.bewerkt_op)
                    for v in note.versies]

    def delete_note(self, werkmap_id: str, note_id: int) -> None:
        with self._session() as session:
            self._werkmap(session, werkmap_id)
            note = session.get(Notitie, note_id)
            if note is not None and note.werkmap_id == werkmap_id:
                session.delete(note)

    # --- for tests and the deletion check ---------------------------------------------
    def row_counts(self) -> dict[str, int]:
        """Rows per werkmap table (all werkmappen together)."""
        with self._session() as session:
            return {model.__tablename__: session.scalar(select(func.count()).select_from(model))
                    for model in (Werkmap, Bestand, Notitie, NotitieVersie)}

    # --- export and import (the file format is in citisens_core.store.bundle) ---------
    def export_bundle(self, werkmap_id: str) -> bytes:
        """The werkmap as one file (zip) to hand over without a server."""
        with self._session() as session:
            self._werkmap(session, werkmap_id)
            # everything in three queries instead of one per note
            werkmap = session.scalars(
                select(Werkmap).where(Werkmap.id == werkmap_id)
                .options(selectinload(Werkmap.bestanden),
                         selectinload(Werkmap.notities).selectinload(Notitie.versies))
            ).one()
            return write_bundle(werkmap)

    def import_bundle(self, data: bytes, filename: str = "werkmap.zip") -> WerkmapInfo:
        """A new werkmap (with a new id) from an exported file.

        Raises
        ------
        citisens_core.store.bundle.WerkmapFileError
            Not a werkmap file, damaged, too large or from a newer version (Dutch message).
        """
        werkmap = read_bundle(data, filename)
        werkmap.id = new_id()
        with self._session() as session:
            session.add(werkmap)
            session.flush()
            return _info(werkmap)


# --- helpers ---------------------------------------------------------------------------

def _name(naam: str) -> str:
    cleaned = " ".join(str(naam).split())[:MAX_NAME]
    return cleaned or "Naamloze werkmap"


def _new_note(session: Session, werkmap: Werkmap, niveau: str, gebied: str,
              tekst: str) -> Notitie:
    moment = now()
    # added by id, not appended to werkmap.notities, which would load every note first
    note = Notitie(werkmap_id=werkmap.id, niveau=niveau, gebied=gebied, tekst=tekst, versie=1,
                   aangemaakt_op=moment, bewerkt_op=moment,
                   versies=[NotitieVersie(versie=1, tekst=tekst, bewerkt_op=moment)])
    session.add(note)
    werkmap.bewerkt_op = moment
    return note


def _note(note: Notitie) -> Note:
    return Note(note.id, note.niveau, note.gebied, note.tekst, note.versie, note.bewerkt_op)


def _file_info(stored: Bestand) -> FileInfo:
    return FileInfo(stored.rol, stored.naam, len(stored.inhoud), stored.sha256,
                    dict(stored.herkomst or {}), stored.opgeslagen_op)


def _info(werkmap: Werkmap) -> WerkmapInfo:
    return WerkmapInfo(werkmap.id, werkmap.naam, werkmap.aangemaakt_op, werkmap.bewerkt_op,
                       dict(werkmap.toestand or {}), bool(werkmap.bewaar_inwonersdata),
                       {b.rol: _file_info(b) for b in werkmap.bestanden})
