"""The shared vocabulary between survey, CBS area tables and the model.

Two things live here, because every other module speaks in their terms:

* the **demographic cell**: the five household characteristics that CBS
  publishes per area as marginals and that the survey asks, each with a fixed
  list of categories;
* the **canonical area table**: the column names that every area reader
  (`citisens_core.geodata`) produces and the estimator consumes.

Categories are chosen to match what CBS publishes per buurt, so that an area's
marginals can be read straight from its kerncijfers:

=================  ==========================================  ================================
dimension          categories                                  CBS source per area
=================  ==========================================  ================================
``leeftijd``       18-24, 25-44, 45-64, 65+ (household head)   person shares 15-25 … 65+
``huishouden``     alleenstaand, zonder_kinderen, met_kinderen P_EENP_HH, P_HH_Z_K, P_HH_M_K
``stedelijkheid``  1 … 5 (1 = zeer sterk stedelijk)            STED (a class, not a density)
``woning``         koop, huur                                  percentage_koopwoningen / huur
``inkomen``        laag (lowest 40 %), midden, hoog (top 20 %) percentage_huishoudens_met_laag…
=================  ==========================================  ================================
"""

from __future__ import annotations

from itertools import product
from types import MappingProxyType

import numpy as np
import pandas as pd

#: Categories per dimension, in a fixed order. The order defines the cell index.
DIMENSIONS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        "leeftijd": ("18-24", "25-44", "45-64", "65+"),
        "huishouden": ("alleenstaand", "zonder_kinderen", "met_kinderen"),
        "stedelijkheid": ("1", "2", "3", "4", "5"),
        "woning": ("koop", "huur"),
        "inkomen": ("laag", "midden", "hoog"),
    }
)

#: Dutch labels for the UI and reports.
DIMENSION_LABELS: MappingProxyType[str, str] = MappingProxyType(
    {
        "leeftijd": "Leeftijd hoofdbewoner",
        "huishouden": "Type huishouden",
        "stedelijkheid": "Stedelijkheid (1 = zeer sterk stedelijk)",
        "woning": "Eigendom woning",
        "inkomen": "Inkomen huishouden",
    }
)

#: National reference marginals of Dutch households, used when an area and all
#: its parents lack a figure. Sources: CBS StatLine 2023 (households by type and
#: age of the reference person; urbanity of addresses; tenure); income bands are
#: by CBS definition 40 / 40 / 20 (lowest 40 %, highest 20 % nationally).
NATIONAL_MARGINALS: MappingProxyType[str, tuple[float, ...]] = MappingProxyType(
    {
        "leeftijd": (0.06, 0.32, 0.33, 0.29),
        "huishouden": (0.39, 0.32, 0.29),
        "stedelijkheid": (0.25, 0.25, 0.17, 0.18, 0.15),
        "woning": (0.58, 0.42),
        "inkomen": (0.40, 0.40, 0.20),
    }
)

CELL_SHAPE: tuple[int, ...] = tuple(len(c) for c in DIMENSIONS.values())
N_CELLS: int = int(np.prod(CELL_SHAPE))

# --- canonical area table -------------------------------------------------------------

#: Identity columns of the canonical area table (strings unless noted).
ID_COLUMNS: tuple[str, ...] = (
    "code",  # BU03440101, WK034401, GM0344, 1011 (PC4) or 1011AB (PC6)
    "naam",
    "niveau",  # one of LEVELS
    "gemeentecode",
    "gemeentenaam",
    "wijkcode",  # empty for gemeenten and wijken themselves
    "jaar",  # int or missing
)

LEVELS: tuple[str, ...] = ("gemeente", "wijk", "buurt", "pc4", "pc6")

#: Canonical demographic columns, all floats, NaN where CBS hides a value.
#: Shares are fractions 0..1 (CBS publishes percentages; readers divide by 100).
DEMOGRAPHIC_COLUMNS: MappingProxyType[str, str] = MappingProxyType(
    {
        "inwoners": "Aantal inwoners",
        "huishoudens": "Aantal huishoudens",
        "aandeel_0_15": "Inwoners 0-15 jaar",
        "aandeel_15_25": "Inwoners 15-25 jaar",
        "aandeel_25_45": "Inwoners 25-45 jaar",
        "aandeel_45_65": "Inwoners 45-65 jaar",
        "aandeel_65_plus": "Inwoners 65 jaar en ouder",
        "aandeel_eenpersoons": "Eenpersoonshuishoudens",
        "aandeel_zonder_kinderen": "Huishoudens zonder kinderen",
        "aandeel_met_kinderen": "Huishoudens met kinderen",
        "gem_huishoudgrootte": "Gemiddelde huishoudgrootte",
        "stedelijkheid": "Stedelijkheid (klasse 1-5)",
        "adressendichtheid": "Omgevingsadressendichtheid (per km²)",
        "aandeel_koop": "Koopwoningen",
        "aandeel_huur": "Huurwoningen",
        "aandeel_huur_corporatie": "Huurwoningen van corporaties",
        "woz": "Gemiddelde WOZ-waarde (x € 1.000)",
        "inkomen_per_inwoner": "Gemiddeld inkomen per inwoner (x € 1.000)",
        "aandeel_laag_inkomen": "Huishoudens met laag inkomen",
        "aandeel_hoog_inkomen": "Huishoudens met hoog inkomen",
        "mannen": "Aantal mannen",
        "vrouwen": "Aantal vrouwen",
    }
)

#: Columns that are fractions (shown as percentages in the UI).
SHARE_COLUMNS: tuple[str, ...] = tuple(c for c in DEMOGRAPHIC_COLUMNS if c.startswith("aandeel_"))


def cell_index() -> pd.MultiIndex:
    """All demographic cells as a MultiIndex, in the canonical (C) order.

    Returns
    -------
    pandas.MultiIndex
        One entry per cell; level names are the dimension names.
    """
    return pd.MultiIndex.from_tuples(list(product(*DIMENSIONS.values())), names=list(DIMENSIONS))


def cell_codes(frame: pd.DataFrame) -> np.ndarray:
    """Flat cell number (0 … N_CELLS-1) of each row with the five dimension columns.

    Parameters
    ----------
    frame : pandas.DataFrame
        Has one column per dimension holding category labels (as strings).

    Returns
    -------
    numpy.ndarray of int
        The flat index into an array of shape `CELL_SHAPE`, C order.

    Raises
    ------
    ValueError
        If a column is missing or holds a label that is not a known category.
    """
    positions = []
    for dim, categories in DIMENSIONS.items():
        if dim not in frame:
            raise ValueError(f"column {dim!r} is missing; expected one of {categories}")
        values = frame[dim].astype(str)
        known = values.isin(categories)
        if not known.all():
            bad = sorted(set(values[~known]))[:5]
            raise ValueError(f"column {dim!r} has unknown categories {bad}; expected {categories}")
        positions.append(pd.Categorical(values, categories=categories).codes.astype(np.int64))
    return np.ravel_multi_index(positions, CELL_SHAPE)
