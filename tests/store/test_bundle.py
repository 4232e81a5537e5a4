"""Export and import of a werkmap as one file, and the Dutch messages for bad files."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from citisens_core.store import ROLE_AREAS, WerkmapFileError
from citisens_core.store.bundle import MANIFEST, read_bundle


def _exported(store) -> tuple[str, bytes]:
    werkmap = store.create("Overdracht", {"atlas_level": "wijk", "atlas_selected": "WK990101"})
    store.put_file(werkmap.id, ROLE_AREAS, "gebieden.gpkg", b"\x00GPKG" * 100,
                   herkomst={"upload": True})
    note = store.add_note(werkmap.id, "wijk", "WK990101", "Eerst")
    store.edit_note(werkmap.id, note.id, 1, "Daarna")
    return werkmap.id, store.export_bundle(werkmap.id)


def test_export_then_import_gives_an_equal_werkmap_under_a_new_id(store):
    original, data = _exported(store)
    imported = store.import_bundle(data, "overdracht.werkmap.zip")
    assert imported.id != original
    assert imported.naam == "Overdracht"
    assert imported.toestand == {"atlas_level": "wijk", "atlas_selected": "WK990101"}
    assert store.file(imported.id, ROLE_AREAS)[1] == b"\x00GPKG" * 100
    [note] = store.notes(imported.id, "wijk", "WK990101")
    assert (note.tekst, note.versie) == ("Daarna", 2)
    assert [h.tekst for h in store.note_history(imported.id, note.id)] == ["Eerst", "Daarna"]
    # the imported note can be edited on from its own version
    assert not store.edit_note(imported.id, note.id, 2, "Verder").conflict


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _altered(data: bytes, change) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {i.filename: archive.read(i.filename) for i in archive.infolist()}
    manifest = json.loads(files[MANIFEST])
    change(manifest, files)
    files[MANIFEST] = json.dumps(manifest).encode()
    return _zip(files)


def _flip_file(manifest, files):
    path = manifest["bestanden"][0]["pad"]
    files[path] = files[path][:-1] + b"X"


BAD_FILES = [  # (what, make bytes from a good export, message)
    ("empty", lambda good: b"", "het bestand is leeg"),
    ("a GeoPackage, not a zip", lambda good: b"SQLite format 3\x00" + b"\x00" * 100,
     "geen werkmap van de Citisens atlas \\(het is geen zip-bestand\\)"),
    ("a zip of something else", lambda good: _zip({"kaart.shp": b"..."}), "het mist werkmap.json"),
    ("broken JSON", lambda good: _zip({MANIFEST: b"{niet: json"}), "werkmap.json is beschadigd"),
    ("foreign JSON", lambda good: _zip({MANIFEST: b'{"type": "FeatureCollection"}'}),
     "veld 'formaat'"),
    ("a newer version", lambda good: _altered(good, lambda m, f: m.update(versie=99)),
     "nieuwere versie van de atlas \\(formaatversie 99"),
    ("a damaged file", lambda good: _altered(good, _flip_file),
     "bestand 'gebieden'.*is beschadigd of veranderd"),
    ("a missing file", lambda good: _altered(good, lambda m, f: f.pop(m["bestanden"][0]["pad"])),
     "bestand 'gebieden' ontbreekt"),
    ("a note without text", lambda good: _altered(good, lambda m, f: m["notities"][0].pop("tekst")),
     "veld 'tekst' in notitie 1 ontbreekt"),
    ("resident data not chosen", lambda good: _altered(good, lambda m, f: m["bestanden"][0].update(rol="panel")),
     "bevat inwonersgegevens"),
]


@pytest.mark.parametrize(("what", "make", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_or_foreign_files_get_a_dutch_message_naming_the_file(store, what, make, message):
    _, good = _exported(store)
    before = store.row_counts()
    with pytest.raises(WerkmapFileError, match=message) as caught:
        store.import_bundle(make(good), "van-collega.werkmap.zip")
    assert str(caught.value).startswith("van-collega.werkmap.zip: ")
    assert store.row_counts() == before  # nothing half-imported


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, b'{"formaat": "citisens-werkmap", "versie": 1}')
        archive.writestr("bestanden/gebieden/x", b"\x00" * (300 * 2**20))
    assert len(buffer.getvalue()) < 2 * 2**20
    with pytest.raises(WerkmapFileError, match="uitgepakte bestand is te groot"):
        read_bundle(buffer.getvalue(), "bom.zip")
