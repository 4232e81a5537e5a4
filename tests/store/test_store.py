"""The werkmap store on SQLite and PostgreSQL: what a workshop keeps survives, and goes."""

from __future__ import annotations

import threading
import time

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from citisens_core.store import (
    RESIDENT_ROLES,
    ROLE_AREAS,
    ROLE_SURVEY,
    Store,
    StoreUnavailable,
    WerkmapNotFound,
    codes_key,
    default_url,
)
from citisens_core.store.models import Base

TABLES = {"werkmap", "werkmap_bestand", "notitie", "notitie_versie"}


def test_first_use_runs_the_migrations_and_they_match_the_models(store):
    store.create("Eerste gebruik")
    names = set(inspect(store.engine).get_table_names())
    assert TABLES | {"alembic_version"} <= names
    with store.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_a_werkmap_and_its_view_survive_a_new_connection(store_url):
    first = Store(store_url)
    made = first.create("  Wijkaanpak   Noord ")
    view = {"atlas_level": "wijk", "atlas_mode": "Aandeel van één profiel",
            "atlas_st_codes": ["WK990101", "WK990102"], "atlas_st_thema": "wonen"}
    first.save_state(made.id, view)
    first.put_file(made.id, ROLE_AREAS, "/tmp/../gebieden.gpkg", b"GPKG bytes",
                   herkomst={"pdok": {"codes": ["GM0344"], "jaar": 2024}})
    first.dispose()

    again = Store(store_url)  # another process, tomorrow
    opened = again.get(made.id)
    assert opened.naam == "Wijkaanpak Noord"
    assert opened.toestand == view
    info, content = again.file(made.id, ROLE_AREAS)
    assert (info.naam, content, info.herkomst["pdok"]["jaar"]) == ("gebieden.gpkg",
                                                                   b"GPKG bytes", 2024)
    assert opened.bewerkt_op.tzinfo is not None
    again.dispose()


def test_ids_cannot_be_guessed_and_near_misses_find_nothing(store):
    made = store.create("Geheim")
    assert len(made.id) >= 24  # 144 random bits
    ids = {store.create(f"w{i}").id for i in range(50)}
    assert len(ids) == 50
    near = made.id[:-1] + ("A" if made.id[-1] != "A" else "B")
    for wrong in (near, made.id[:10], "", "' OR 1=1 --", made.id + "x"):
        with pytest.raises(WerkmapNotFound):
            store.get(wrong)
    assert not any(hasattr(store, name) for name in ("list", "all", "werkmappen"))


def test_notes_keep_every_version_with_its_time(store):
    werkmap = store.create("Notities")
    gebied = codes_key(["BU99010102", "BU99010101"])
    assert gebied == "BU99010101+BU99010102"
    note = store.add_note(werkmap.id, "buurt", gebied, "Actieve bewonersgroep")
    saved = store.edit_note(werkmap.id, note.id, note.versie, "Actieve bewonersgroep; moskee")
    assert not saved.conflict and saved.note.versie == 2
    assert saved.note.bewerkt_op >= note.bewerkt_op
    history = store.note_history(werkmap.id, note.id)
    assert [(h.versie, h.tekst) for h in history] == [
        (1, "Actieve bewonersgroep"), (2, "Actieve bewonersgroep; moskee")]
    assert [n.tekst for n in store.notes(werkmap.id, "buurt", gebied)] == [
        "Actieve bewonersgroep; moskee"]
    assert store.notes(werkmap.id, "buurt", "BU99010101") == []


def test_two_editors_at_once_lose_neither_note(store_url):
    alice, bob = Store(store_url), Store(store_url)  # two app servers on one database
    werkmap = alice.create("Samen")
    note = alice.add_note(werkmap.id, "wijk", "WK990101", "Basis")
    read_by_bob = bob.notes(werkmap.id, "wijk", "WK990101")[0]

    first = alice.edit_note(werkmap.id, note.id, note.versie, "Alice: buurthuis sluit")
    second = bob.edit_note(werkmap.id, read_by_bob.id, read_by_bob.versie, "Bob: nieuwe school")

    assert not first.conflict and second.conflict
    texts = [n.tekst for n in alice.notes(werkmap.id, "wijk", "WK990101")]
    assert texts == ["Alice: buurthuis sluit", "Bob: nieuwe school"]
    alice.dispose()
    bob.dispose()


def test_simultaneous_saves_from_threads_all_survive(store_url):
    writers = 4
    stores = [Store(store_url) for _ in range(writers)]
    werkmap = stores[0].create("Drukte")
    note = stores[0].add_note(werkmap.id, "buurt", "BU99010101", "Basis")
    for s in stores:
        s.migrate()
    barrier = threading.Barrier(writers)
    results, errors = [], []

    def save(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results.append(stores[i].edit_note(werkmap.id, note.id, note.versie, f"schrijver {i}"))
        except Exception as exc:  # collected so the test names it
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sum(not r.conflict for r in results) == 1
    texts = sorted(n.tekst for n in stores[0].notes(werkmap.id))
    assert texts == [f"schrijver {i}" for i in range(writers)]
    for s in stores:
        s.dispose()


def test_resident_data_is_kept_only_by_choice_and_dropped_when_unchosen(store):
    werkmap = store.create("Consultatie")
    with pytest.raises(ValueError, match="does not keep resident data"):
        store.put_file(werkmap.id, "consultatie", "antwoorden.csv", b"a;b\n1;2\n")
    store.keep_resident_data(werkmap.id, True)
    for role in RESIDENT_ROLES:
        store.put_file(werkmap.id, role, f"{role}.csv", b"x;y\n")
    store.put_file(werkmap.id, ROLE_SURVEY, "enquete.csv", b"survey")
    assert set(store.get(werkmap.id).bestanden) == {*RESIDENT_ROLES, ROLE_SURVEY}
    info = store.keep_resident_data(werkmap.id, False)
    assert set(info.bestanden) == {ROLE_SURVEY}
    assert store.file(werkmap.id, "consultatie") is None


def _rows_of(store: Store, werkmap_id: str) -> dict[str, int]:
    queries = {
        "werkmap": "SELECT count(*) FROM werkmap WHERE id = :id",
        "werkmap_bestand": "SELECT count(*) FROM werkmap_bestand WHERE werkmap_id = :id",
        "notitie": "SELECT count(*) FROM notitie WHERE werkmap_id = :id",
        "notitie_versie": "SELECT count(*) FROM notitie_versie v WHERE NOT EXISTS "
                          "(SELECT 1 FROM notitie n WHERE n.id = v.notitie_id)",
    }
    with store.engine.connect() as connection:
        return {table: connection.execute(text(sql), {"id": werkmap_id}).scalar_one()
                for table, sql in queries.items()}


def _full_werkmap(store: Store, naam: str) -> str:
    werkmap = store.create(naam, {"atlas_level": "buurt"})
    store.keep_resident_data(werkmap.id, True)
    store.put_file(werkmap.id, ROLE_AREAS, "gebieden.gpkg", b"g" * 1000)
    store.put_file(werkmap.id, ROLE_SURVEY, "enquete.csv", b"s" * 100)
    store.put_file(werkmap.id, "panel", "panel.csv", b"p" * 100)
    for code in ("BU1", "BU2"):
        note = store.add_note(werkmap.id, "buurt", code, "eerste")
        store.edit_note(werkmap.id, note.id, 1, "tweede")
    return werkmap.id


def test_deleting_a_werkmap_leaves_no_rows_behind(store):
    kept = _full_werkmap(store, "Blijft")
    before = store.row_counts()
    gone = _full_werkmap(store, "Weg")
    store.delete(gone)
    assert _rows_of(store, gone) == dict.fromkeys(TABLES, 0)
    assert store.row_counts() == before  # exactly the other werkmap's rows remain
    assert store.get(kept).naam == "Blijft"
    with pytest.raises(WerkmapNotFound):
        store.get(gone)


def test_the_database_itself_cascades_a_delete(store):
    """Also when a werkmap row is deleted with plain SQL (an administrator cleaning up)."""
    gone = _full_werkmap(store, "Weg met SQL")
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM werkmap WHERE id = :id"), {"id": gone})
    assert _rows_of(store, gone) == dict.fromkeys(TABLES, 0)
    assert store.row_counts() == dict.fromkeys(TABLES, 0)


def test_an_unreachable_database_says_so_quickly():
    store = Store("postgresql://atlas@127.0.0.1:9/nergens", connect_timeout=2)
    start = time.monotonic()
    with pytest.raises(StoreUnavailable, match="not reachable"):
        store.create("Nergens")
    assert time.monotonic() - start < 15


def test_default_database_is_sqlite_in_the_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("ATLAS_DATABASE_URL", raising=False)
    monkeypatch.setenv("ATLAS_DATA_DIR", str(tmp_path / "atlas-data"))
    assert default_url() == f"sqlite:///{tmp_path / 'atlas-data' / 'werkmappen.sqlite'}"
    store = Store()
    store.create("Eerste")
    assert (tmp_path / "atlas-data" / "werkmappen.sqlite").is_file()
    store.dispose()
    monkeypatch.setenv("ATLAS_DATABASE_URL", "postgresql://u@db.example/atlas")
    assert default_url() == "postgresql://u@db.example/atlas"
    assert Store().engine.dialect.driver == "psycopg"
