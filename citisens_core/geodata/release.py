"""Which CBS release a table comes from, and the source line every map and report carries.

CBS publishes the wijk- en buurtkaart of a year in releases: v1 in the autumn
with about 42 demographic columns, v2 and v3 later with income, WOZ value and
tenure filled in (before that they hold ``-99995``). Postcode figures lag the
kaart by about a year. Attribution texts are CBS's own (CC BY 4.0).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from citisens_core.demographics import DEMOGRAPHIC_COLUMNS

__all__ = ["release_notes", "release_of", "source_line"]

#: Attribution CBS asks for, per kind of data.
ATTRIBUTION_KAART = "© Kadaster / CBS"
ATTRIBUTION_POSTCODE = "© CBS, © ESRI Nederland"

_RELEASE = re.compile(r"(?:^|[_\W])v(\d)(?:$|[_\W])", re.IGNORECASE)


def release_of(names: Iterable[str]) -> str | None:
    """CBS's release ("v1", "v2", "v3") from file or layer names.

    Examples
    --------
    >>> release_of(["buurten", "wijkenbuurten_2024_v1"])
    'v1'
    """
    for name in names:
        match = _RELEASE.search(str(name))
        if match:
            return f"v{match.group(1)}"
    return None


def source_line(jaar: int | None, versie: str | None, *, postcode: bool = False) -> str:
    """The attribution under a map or in a report, with year and release.

    Examples
    --------
    >>> source_line(2024, "v1")
    '© Kadaster / CBS, 2024 (versie v1)'
    """
    owner = ATTRIBUTION_POSTCODE if postcode else ATTRIBUTION_KAART
    year = str(jaar) if jaar else "jaar onbekend"
    release = f" (versie {versie})" if versie else ""
    return f"{owner}, {year}{release}"


def release_notes(attrs: Mapping[str, object]) -> list[str]:
    """Dutch sentences on what this release lacks, and that a later one will have it.

    Parameters
    ----------
    attrs : mapping
        ``attrs`` of a canonical area table (``versie``, ``ontbrekend``).

    Returns
    -------
    list of str
        Empty when nothing is pending.
    """
    missing = attrs.get("ontbrekend") or {}
    pending = [c for c, why in dict(missing).items() if why == "nog niet gepubliceerd"]
    if not pending:
        return []
    labels = [DEMOGRAPHIC_COLUMNS.get(c, c).lower() for c in pending]
    names = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} en {labels[-1]}"
    verb = "is" if len(labels) == 1 else "zijn"
    versie = attrs.get("versie")
    which = f"Dit is versie {versie}" if versie else "Dit is een vroege uitgave"
    return [
        f"{which} van de CBS-cijfers: {names} {verb} nog niet gepubliceerd (dat is iets "
        "anders dan geheim of onbewoond). CBS vult ze aan in een latere versie van hetzelfde "
        "jaar; haal die op zodra hij er is."
    ]
