"""A failure deep inside a library (GEOS, GDAL, pyproj, pandas, Altair) as one Dutch sentence.

The user sees which file failed and what kind of problem it is; the English
detail and the traceback go to the server's log, never to the page.
"""

from __future__ import annotations

from citisens_core.geodata.normalise import AreaFileError, short_reason

__all__ = ["explain"]


#: What went wrong deep in a library, in words for the user (most specific first).
_LIBRARY_FAILURES: tuple[tuple[str, str], ...] = (
    ("GEOSException", "de grenzen in het bestand zijn niet te verwerken (ongeldige of "
                      "onmogelijke geometrie)"),
    ("DataSourceError", "het bestand kan niet worden geopend; mogelijk is het beschadigd of "
                        "onvolledig"),
    ("DataLayerError", "een laag in het bestand kan niet worden gelezen; mogelijk is het "
                       "beschadigd of onvolledig"),
    ("FieldError", "een kolom in het bestand kan niet worden gelezen"),
    ("GeometryError", "de grenzen in het bestand kunnen niet worden gelezen"),
    ("CRSError", "het coördinatenstelsel van het bestand is onbekend of ongeldig"),
    ("MemoryError", "het bestand is te groot om in het geheugen te verwerken"),
    ("UnicodeError", "tekens in het bestand zijn niet leesbaar"),
    ("RecursionError", "het bestand is te diep genest om te lezen"),
)


def explain(exc: BaseException, display: str) -> str:
    """One Dutch sentence for the user: what went wrong with which file.

    Our own :class:`AreaFileError` already says it; a failure inside GEOS,
    GDAL, pyproj or pandas is named by its kind (its English text stays in the
    server log).
    """
    if isinstance(exc, AreaFileError):
        message = str(exc)
        return message if message.startswith(display) else f"{display}: {message}"
    kinds = {cls.__name__ for cls in type(exc).__mro__}
    for kind, sentence in _LIBRARY_FAILURES:
        if kind in kinds:
            return f"{display}: {sentence}"
    return (f"{display}: dit bestand kan niet als CBS-gebiedsbestand worden verwerkt "
            f"({type(exc).__name__}: {short_reason(exc)[:120]})")
