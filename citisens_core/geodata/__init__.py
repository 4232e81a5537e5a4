"""CBS area files → the canonical area table (see :mod:`citisens_core.demographics`).

Readers per source format live in :mod:`.read` (wijk- en buurtkaart, PDOK
exports) and :mod:`.postcode` (statistics per postcode and the postcode → buurt
crosswalk); :mod:`.columns` holds the table of CBS column names per schema
generation; :mod:`.simplify` prepares geometry for the map.
"""

from citisens_core.geodata.postcode import postcode_to_buurt, read_crosswalk, read_postcode_stats
from citisens_core.geodata.read import AreaFileError, normalise_areas, read_areas, read_many
from citisens_core.geodata.simplify import simplify_for_display, to_geojson_payload

__all__ = [
    "AreaFileError",
    "normalise_areas",
    "postcode_to_buurt",
    "read_areas",
    "read_crosswalk",
    "read_many",
    "read_postcode_stats",
    "simplify_for_display",
    "to_geojson_payload",
]
