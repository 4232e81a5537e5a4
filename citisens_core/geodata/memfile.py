"""Bytes as a file GDAL can open, held in memory only (GDAL's ``/vsimem/`` file system).

An uploaded file must not be copied to disk: a temporary copy is left behind
when the process dies, while the app promises that nothing is kept. GDAL can
read from its own in-memory file system, and every reader here (GeoPackage,
shapefile in a zip, GeoJSON, GML) then works unchanged on a ``/vsimem/`` path.
pyogrio reads such paths but offers no public call to create one, so the file
is written through GDAL's C API (``VSIFOpenL``/``VSIFWriteL``) in the very
library pyogrio has loaded, and removed with pyogrio's own ``vsi_rmtree``.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePosixPath

import pyogrio
import pyogrio._io  # loads the GDAL library pyogrio uses

__all__ = ["VSIMEM", "held_bytes", "in_memory", "is_virtual", "memory_files", "safe_name"]

VSIMEM = "/vsimem/"
#: The bytes behind each memory file of this process, for readers that need them in
#: Python (a zip's directory): no second copy, and gone with the file.
_HELD: dict[str, bytes] = {}


def is_virtual(path: object) -> bool:
    """True for a path in GDAL's virtual file systems (``/vsimem/``, ``/vsizip/`` ...)."""
    return str(path).startswith("/vsi")


def safe_name(name: str) -> str:
    """A file's own name without folders (an upload's name may carry a client's path)."""
    return PurePosixPath(str(name).replace("\\", "/")).name or "upload"


@functools.cache
def _gdal() -> ctypes.CDLL:
    """The GDAL library already loaded into this process by pyogrio."""
    with open("/proc/self/maps", encoding="utf-8") as maps:
        paths = {line.split()[-1] for line in maps if "libgdal" in line and "/" in line}
    if not paths:  # pragma: no cover - pyogrio always links GDAL
        raise OSError("GDAL library of pyogrio not found in this process")
    lib = ctypes.CDLL(sorted(paths)[0])
    lib.VSIFOpenL.restype = ctypes.c_void_p
    lib.VSIFOpenL.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    lib.VSIFWriteL.restype = ctypes.c_size_t
    lib.VSIFWriteL.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_size_t,
                               ctypes.c_void_p]
    lib.VSIFCloseL.restype = ctypes.c_int
    lib.VSIFCloseL.argtypes = [ctypes.c_void_p]
    return lib


def _write(path: str, data: bytes) -> None:
    lib = _gdal()
    handle = lib.VSIFOpenL(path.encode("utf-8"), b"wb")
    if not handle:
        raise OSError(f"cannot create {path} in GDAL's memory file system")
    try:
        written = lib.VSIFWriteL(data, 1, len(data), handle)
    finally:
        lib.VSIFCloseL(handle)
    if written != len(data):
        raise MemoryError(f"only {written} of {len(data)} bytes fitted in {path}")


@contextmanager
def in_memory(name: str, data: bytes) -> Iterator[str]:
    """A ``/vsimem/`` path holding `data` under the file name `name`, removed afterwards.

    Parameters
    ----------
    name : str
        The file's own name; only its last part is used (its suffix tells the format).
    data : bytes

    Yields
    ------
    str
        A path for pyogrio/GDAL, e.g. ``/vsimem/atlas-<uuid>/buurten.gpkg``.
    """
    folder = f"{VSIMEM}atlas-{uuid.uuid4().hex}"
    path = f"{folder}/{safe_name(name)}"
    try:
        _write(path, data)
        _HELD[path] = data
        yield path
    finally:
        _HELD.pop(path, None)
        with contextlib.suppress(Exception):  # nothing was created
            pyogrio.vsi_rmtree(folder)


def held_bytes(path: object) -> bytes | None:
    """The bytes of a memory file made by :func:`in_memory`, or None."""
    return _HELD.get(str(path))


def memory_files() -> list[str]:
    """The files this process holds in GDAL's memory file system (for tests and checks)."""
    try:
        return [p for p in pyogrio.vsi_listtree(VSIMEM) if not p.endswith("/")]
    except Exception:
        return []
