"""CBS area files → the canonical area table (see :mod:`citisens_core.demographics`).

Readers per source format live in :mod:`.read` (wijk- en buurtkaart, PDOK
exports; it hands tables without geometry to :mod:`.postcode`) and
:mod:`.postcode` (the statistics per postcode as CSV/XLSX and the postcode →
buurt crosswalk). Both end in :mod:`.normalise`, the one shared last step;
:mod:`.columns` holds the table of CBS column names per schema generation;
:mod:`.simplify` prepares geometry for the map. Imports run one way:
read → postcode → normalise → columns.
"""

from citisens_core.geodata.normalise import AreaFileError, normalise_areas
from citisens_core.geodata.postcode import postcode_to_buurt, read_crosswalk
from citisens_core.geodata.read import read_areas, read_many, read_postcode_stats
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
