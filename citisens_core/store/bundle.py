"""A werkmap as one file: a zip with ``werkmap.json`` and the werkmap's files.

The JSON holds the name, the view and choices, the notes with all their
versions, and a list of the files (area data, survey, resident data when kept)
with their SHA-256, so a damaged or altered file is recognised on import.
Import reads everything from memory, never extracts to disk, and checks sizes
before reading, so a hostile zip cannot fill the disk or the memory.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from citisens_core.store.models import (
    RESIDENT_ROLES,
    ROLES,
    Bestand,
    Notitie,
    NotitieVersie,
    Werkmap,
)

FORMAT = "citisens-werkmap"
VERSION = 1
MANIFEST = "werkmap.json"
SUFFIX = ".werkmap.zip"
MAX_BYTES = 250 * 2**20
MAX_MEMBERS = 32
MAX_MANIFEST_BYTES = 20 * 2**20


class WerkmapFileError(ValueError):
    """A file that is not a usable werkmap; the message is Dutch and names the file."""


def write_bundle(werkmap: Werkmap) -> bytes:
    """The werkmap (with its files and notes) as the bytes of one zip file."""
    files = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for stored in sorted(werkmap.bestanden, key=lambda b: b.rol):
            path = f"bestanden/{stored.rol}/{PurePosixPath(stored.naam).name or stored.rol}"
            archive.writestr(path, bytes(stored.inhoud))
            files.append({"rol": stored.rol, "naam": stored.naam, "pad": path,
                          "sha256": stored.sha256, "herkomst": stored.herkomst or {},
                          "opgeslagen_op": stored.opgeslagen_op.isoformat()})
        manifest = {
            "formaat": FORMAT, "versie": VERSION, "naam": werkmap.naam,
            "aangemaakt_op": werkmap.aangemaakt_op.isoformat(),
            "bewerkt_op": werkmap.bewerkt_op.isoformat(),
            "toestand": werkmap.toestand or {},
            "bewaar_inwonersdata": bool(werkmap.bewaar_inwonersdata),
            "bestanden": files,
            "notities": [{"niveau": n.niveau, "gebied": n.gebied, "tekst": n.tekst,
                          "versie": n.versie, "aangemaakt_op": n.aangemaakt_op.isoformat(),
                          "bewerkt_op": n.bewerkt_op.isoformat(),
                          "versies": [{"versie": v.versie, "tekst": v.tekst,
                                       "bewerkt_op": v.bewerkt_op.isoformat()}
                                      for v in n.versies]}
                         for n in sorted(werkmap.notities, key=lambda n: n.id)],
        }
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    return buffer.getvalue()


def read_bundle(data: bytes, filename: str = "werkmap.zip") -> Werkmap:
    """A new (unsaved) werkmap from the bytes of an exported file; its id is left empty.

    Raises
    ------
    WerkmapFileError
        Not a zip, not a werkmap, from a newer version, too large or damaged.
    """
    name = PurePosixPath(str(filename)).name or "werkmap"
    if not data:
        raise WerkmapFileError(f"{name}: het bestand is leeg.")
    if len(data) > MAX_BYTES:
        raise WerkmapFileError(f"{name}: het bestand is {len(data) / 2**20:.0f} MB; de grens "
                               f"is {MAX_BYTES // 2**20} MB.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise WerkmapFileError(f"{name}: dit is geen werkmap van de Citisens atlas (het is "
                               "geen zip-bestand). Een werkmap exporteert u op de pagina "
                               "Werkmap.") from exc
    with archive:
        members = {info.filename: info for info in archive.infolist()}
        if MANIFEST not in members:
            raise WerkmapFileError(f"{name}: dit zip-bestand is geen werkmap van de Citisens "
                                   f"atlas (het mist {MANIFEST}).")
        if len(members) > MAX_MEMBERS or sum(i.file_size for i in members.values()) > MAX_BYTES:
            raise WerkmapFileError(f"{name}: het uitgepakte bestand is te groot (grens "
                                   f"{MAX_BYTES // 2**20} MB).")
        if members[MANIFEST].file_size > MAX_MANIFEST_BYTES:
            raise WerkmapFileError(f"{name}: {MANIFEST} is te groot.")
        manifest = _manifest(name, archive)
        werkmap = _werkmap(name, manifest)
        for entry in _list(name, manifest, "bestanden"):
            werkmap.bestanden.append(_file(name, archive, members, entry,
                                           werkmap.bewaar_inwonersdata))
    return werkmap


def _manifest(name: str, archive: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, zipfile.BadZipFile, OSError) as exc:
        raise WerkmapFileError(f"{name}: {MANIFEST} is beschadigd en kan niet worden "
                               "gelezen.") from exc
    if not isinstance(manifest, dict) or manifest.get("formaat") != FORMAT:
        raise WerkmapFileError(f"{name}: dit zip-bestand is geen werkmap van de Citisens atlas "
                               f"(veld 'formaat' in {MANIFEST} is niet '{FORMAT}').")
    version = manifest.get("versie")
    if not isinstance(version, int) or version < 1:
        raise WerkmapFileError(f"{name}: veld 'versie' in {MANIFEST} ontbreekt of is geen "
                               "geheel getal.")
    if version > VERSION:
        raise WerkmapFileError(f"{name}: deze werkmap komt uit een nieuwere versie van de "
                               f"atlas (formaatversie {version}; deze atlas leest tot en met "
                               f"{VERSION}). Werk de atlas bij om haar te openen.")
    return manifest


def _werkmap(name: str, manifest: dict) -> Werkmap:
    toestand = manifest.get("toestand", {})
    if not isinstance(toestand, dict):
        raise WerkmapFileError(f"{name}: veld 'toestand' in {MANIFEST} is geen tabel.")
    werkmap = Werkmap(naam=_text(name, manifest, "naam", limit=200) or "Geïmporteerde werkmap",
                      toestand=toestand,
                      bewaar_inwonersdata=bool(manifest.get("bewaar_inwonersdata", False)),
                      aangemaakt_op=_moment(name, manifest, "aangemaakt_op"),
                      bewerkt_op=datetime.now(UTC))
    for i, entry in enumerate(_list(name, manifest, "notities"), start=1):
        where = f"notitie {i}"
        versions = [NotitieVersie(versie=_int(name, v, "versie", where),
                                  tekst=_text(name, v, "tekst", where),
                                  bewerkt_op=_moment(name, v, "bewerkt_op", where))
                    for v in _list(name, entry, "versies", where)]
        note = Notitie(niveau=_text(name, entry, "niveau", where, limit=20),
                       gebied=_text(name, entry, "gebied", where),
                       tekst=_text(name, entry, "tekst", where),
                       versie=_int(name, entry, "versie", where),
                       aangemaakt_op=_moment(name, entry, "aangemaakt_op", where),
                       bewerkt_op=_moment(name, entry, "bewerkt_op", where),
                       versies=versions)
        werkmap.notities.append(note)
    return werkmap


def _file(name: str, archive: zipfile.ZipFile, members: dict, entry: Any,
          keeps_resident_data: bool) -> Bestand:
    rol = _text(name, entry, "rol", "een bestand")
    where = f"bestand '{rol}'"
    if rol not in ROLES:
        raise WerkmapFileError(f"{name}: {where} heeft een onbekende rol.")
    if rol in RESIDENT_ROLES and not keeps_resident_data:
        raise WerkmapFileError(f"{name}: {where} bevat inwonersgegevens, maar de werkmap zegt "
                               "dat ze niet bewaard worden. De werkmap is niet geïmporteerd.")
    path = _text(name, entry, "pad", where)
    if path not in members:
        raise WerkmapFileError(f"{name}: {where} ontbreekt in het zip-bestand ({path}).")
    content = archive.read(path)
    digest = hashlib.sha256(content).hexdigest()
    if digest != entry.get("sha256"):
        raise WerkmapFileError(f"{name}: {where} ({path}) is beschadigd of veranderd "
                               "(controlegetal klopt niet).")
    herkomst = entry.get("herkomst", {})
    return Bestand(rol=rol, naam=PurePosixPath(_text(name, entry, "naam", where)).name[:255],
                   inhoud=content, sha256=digest,
                   herkomst=herkomst if isinstance(herkomst, dict) else {},
                   opgeslagen_op=_moment(name, entry, "opgeslagen_op", where))


# --- field readers with Dutch messages naming the field ---------------------------------

def _list(name: str, record: Any, key: str, where: str = MANIFEST) -> list:
    value = record.get(key, []) if isinstance(record, dict) else None
    if not isinstance(value, list):
        raise WerkmapFileError(f"{name}: veld '{key}' in {where} is geen lijst.")
    return value


def _text(name: str, record: Any, key: str, where: str = MANIFEST,
          limit: int | None = None) -> str:
    value = record.get(key) if isinstance(record, dict) else None
    if not isinstance(value, str):
        raise WerkmapFileError(f"{name}: veld '{key}' in {where} ontbreekt of is geen tekst.")
    return value[:limit] if limit else value


def _int(name: str, record: Any, key: str, where: str) -> int:
    value = record.get(key) if isinstance(record, dict) else None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise WerkmapFileError(f"{name}: veld '{key}' in {where} is geen positief geheel getal.")
    return value


def _moment(name: str, record: Any, key: str, where: str = MANIFEST) -> datetime:
    text = _text(name, record, key, where)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise WerkmapFileError(f"{name}: veld '{key}' in {where} is geen datum en tijd "
                               f"(‘{text[:40]}’).") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
