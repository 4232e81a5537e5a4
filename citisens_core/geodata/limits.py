"""What one area file may cost, checked before the work and named in the Dutch message.

A gemeente's server is shared by many colleagues; one file from anywhere must
not hold it. Each limit is set from the largest real CBS file it must still
let through (sources in ``../shared/domain/cbs-data.md``), with room to spare:

========================  ==============  ============================================
limit                     value           the largest real case
========================  ==============  ============================================
``upload_bytes``          400 MB          the app's upload limit (``server.maxUploadSize``):
                                          a national GeoPackage, unzipped, fits
``unpacked_bytes``        1 GiB           national kaart unzipped: 230-400 MB
``archive_members``       200             a CBS zip: one GeoPackage or one shapefile
                                          (5 parts) per level, plus documentation
``features``              600,000         PC6 for the whole country: ~460,000 codes
``vertices``              40 million      national buurten, not generalised: ~12 M
``coordinate``            1e7             RD New stays within 0-700,000 m; lon/lat
                                          within 180 degrees
``seconds``               300             a national upload read and estimated on a
                                          busy 2-core server: ~90 s
========================  ==============  ============================================
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from citisens_core.dutch import number
from citisens_core.geodata.normalise import AreaFileError

__all__ = ["DEFAULT_LIMITS", "LimitError", "Limits", "check_archive", "check_features",
           "check_upload", "screen_geometry"]

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Upper bounds for one area file (see the module docstring for their sources)."""

    upload_bytes: int = 400 * MB
    unpacked_bytes: int = 1024 * MB
    archive_members: int = 200
    features: int = 600_000
    vertices: int = 40_000_000
    coordinate: float = 1e7
    seconds: float = 300.0


DEFAULT_LIMITS = Limits()


class LimitError(AreaFileError):
    """A file beyond one of the :class:`Limits`; the Dutch message names file, limit and value."""


def _megabytes(n: float) -> str:
    return f"{number(n / MB)} MB"


def check_upload(display: str, data: bytes, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse empty and oversized uploads, and archives beyond the limits, before reading.

    Raises
    ------
    AreaFileError
        An empty file.
    LimitError
        A file or archive beyond `limits`.
    """
    if not data:
        raise AreaFileError(f"{display}: het bestand is leeg")
    if len(data) > limits.upload_bytes:
        raise LimitError(f"{display}: het bestand is {_megabytes(len(data))}; de grens is "
                         f"{_megabytes(limits.upload_bytes)}")
    if zipfile.is_zipfile(io.BytesIO(data)):
        check_archive(io.BytesIO(data), display, limits)


def check_archive(source: Path | io.BytesIO, display: str,
                  limits: Limits = DEFAULT_LIMITS) -> None:
    """Check a zip's member count and unpacked size from its directory, unpacking nothing.

    The sizes a zip declares are what a reader unpacks: Python's ``zipfile`` and
    GDAL's ``/vsizip/`` stop at the declared size (and Python checks the CRC).

    Raises
    ------
    AreaFileError
        Not a readable zip, or encrypted.
    LimitError
        Too many members or too large unpacked.
    """
    try:
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise AreaFileError(f"{display}: geen geldig zip-bestand (beschadigd of onvolledig)"
                            ) from exc
    if len(members) > limits.archive_members:
        raise LimitError(f"{display}: het zip-bestand bevat {number(len(members))} bestanden; "
                         f"de grens is {number(limits.archive_members)}")
    unpacked = sum(m.file_size for m in members)
    if unpacked > limits.unpacked_bytes:
        raise LimitError(f"{display}: het zip-bestand is uitgepakt {_megabytes(unpacked)}; "
                         f"de grens is {_megabytes(limits.unpacked_bytes)}")
    if any(m.flag_bits & 0x1 for m in members):
        raise AreaFileError(f"{display}: het zip-bestand is met een wachtwoord beveiligd")


def check_features(display: str, layer: str, count: int,
                   limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse a layer with more areas than `limits.features` (count from the file's header)."""
    if count > limits.features:
        raise LimitError(f"{display}: laag {layer} bevat {number(count)} gebieden; de grens is "
                         f"{number(limits.features)}")


def screen_geometry(geoms: np.ndarray, display: str,
                    limits: Limits = DEFAULT_LIMITS) -> tuple[np.ndarray, list[str]]:
    """Count vertices against the limit and drop impossible coordinates, before GEOS works.

    Coordinates that are not finite or far beyond any map (1e300 from a broken
    writer) make GEOS fail deep inside simplification; such an area keeps its
    figures but gets no boundary, and a Dutch warning says how many.

    Returns
    -------
    (numpy.ndarray, list of str)
        The geometries (impossible ones as None) and the warnings.

    Raises
    ------
    LimitError
        More vertices than `limits.vertices`.
    """
    values = np.asarray(geoms, dtype=object)
    present = ~shapely.is_missing(values)
    counts = shapely.get_num_coordinates(values)
    total = int(counts.sum())
    if total > limits.vertices:
        raise LimitError(f"{display}: de grenzen tellen {number(total)} hoekpunten; de grens is "
                         f"{number(limits.vertices)}")
    if not present.any():
        return values, []
    bounds = shapely.bounds(values)
    with np.errstate(invalid="ignore"):
        sane = np.isfinite(bounds).all(axis=1) & (np.abs(bounds) <= limits.coordinate).all(axis=1)
    broken = present & ~sane & (counts > 0)
    if not broken.any():
        return values, []
    out = values.copy()
    out[broken] = None
    n = int(broken.sum())
    what = "1 gebied heeft" if n == 1 else f"{number(n)} gebieden hebben"
    return out, [f"{what} onmogelijke coördinaten (oneindig of ver buiten elke kaart) en "
                 "{0} daarom niet op de kaart".format("staat" if n == 1 else "staan")]
