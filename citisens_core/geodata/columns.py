"""What CBS calls each canonical column, per schema generation, as a table of rules.

CBS has renamed the columns of the wijk- en buurtkaart several times. Instead of
``if``-chains in the reader, every canonical column is one :class:`ColumnRule`
listing its source columns per *generation* and how to turn them into the
canonical value (the style of datasette's ``filters.py``: each entry gives a
machine effect and a human sentence). The reader looks the rules up; tests are
driven by the same table.

Generations
-----------
``kwb_tot_2021``
    Wijk- en buurtkaart up to 2021: short upper-case names (``BU_CODE``,
    ``AANT_INW``, ``P_00_14_JR``, ``STED``, ``WOZ``).
``kwb_2011_wfs``
    PDOK WFS of the early years (2011): lower-case snake_case, origin as
    ``percentage_westerse_allochtonen``.
``kwb_vanaf_2022``
    Wijk- en buurtkaart from 2022: lower-case snake_case (``buurtcode``,
    ``aantal_inwoners``, ``percentage_personen_0_tot_15_jaar``).
``pdok_camelcase``
    PDOK OGC API / WFS GeoJSON: camelCase (``aantalInwoners``,
    ``percentagePersonen0Tot15Jaar``, ``stedelijkheidAdressenPerKm2``).
``postcode_vanaf_2020``
    CBS statistics per postcode from 2020: counts (``aantal_inwoners_0_tot_15_jaar``).
``postcode_tot_2019``
    CBS statistics per postcode up to 2019: upper-case counts (``INW_014``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import islice
from types import MappingProxyType
from typing import Literal

from citisens_core.demographics import DEMOGRAPHIC_COLUMNS

UPPER = "kwb_tot_2021"
SNAKE2011 = "kwb_2011_wfs"
SNAKE = "kwb_vanaf_2022"
CAMEL = "pdok_camelcase"
PC_SNAKE = "postcode_vanaf_2020"
PC_UPPER = "postcode_tot_2019"

#: All generations, in the order used to break ties in detection.
GENERATIONS: tuple[str, ...] = (SNAKE, CAMEL, UPPER, SNAKE2011, PC_SNAKE, PC_UPPER)

#: Dutch descriptions of the generations, for messages and the UI.
GENERATION_LABELS: MappingProxyType[str, str] = MappingProxyType(
    {
        UPPER: "wijk- en buurtkaart t/m 2021 (korte kolomnamen in hoofdletters)",
        SNAKE2011: "PDOK WFS wijken en buurten 2011 (kleine letters)",
        SNAKE: "wijk- en buurtkaart vanaf 2022 (kleine letters)",
        CAMEL: "PDOK wijken en buurten (camelCase)",
        PC_SNAKE: "CBS statistiek per postcode vanaf 2020 (aantallen)",
        PC_UPPER: "CBS statistiek per postcode t/m 2019 (aantallen, hoofdletters)",
        "postcode_csv": "CBS statistiek per postcode, Excel/CSV-uitgave",
    }
)

Kind = Literal["percentage", "value", "share"]


@dataclass(frozen=True)
class Source:
    """One way to compute a canonical column from source columns.

    Attributes
    ----------
    columns : tuple of str
        Source columns; all must be present. Several are summed (for example
        one-parent plus two-parent households = households with children).
    kind : {"percentage", "value", "share"}
        ``percentage``: CBS percentage, divided by 100 into a fraction;
        ``value``: taken as is (counts, classes, averages);
        ``share``: a count divided by the canonical column `denominator`.
    denominator : str, optional
        Canonical column to divide by when `kind` is ``share``.
    """

    columns: tuple[str, ...]
    kind: Kind = "value"
    denominator: str | None = None

    def describe(self) -> str:
        """A Dutch sentence saying what this source does."""
        names = " + ".join(self.columns)
        if self.kind == "percentage":
            return f"{names} (percentage, gedeeld door 100)"
        if self.kind == "share":
            return f"{names} gedeeld door {self.denominator}"
        return f"{names} (overgenomen)"


def pct(name: str) -> Source:
    """A CBS percentage column."""
    return Source((name,), "percentage")


def val(name: str) -> Source:
    """A column taken as is."""
    return Source((name,), "value")


def share(*names: str, of: str) -> Source:
    """Counts (summed) divided by the canonical column `of`."""
    return Source(tuple(names), "share", of)


def camel(snake_name: str) -> str:
    """PDOK's camelCase spelling of a snake_case CBS column name.

    Examples
    --------
    >>> camel("percentage_personen_0_tot_15_jaar")
    'percentagePersonen0Tot15Jaar'
    """
    head, *rest = snake_name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@dataclass(frozen=True)
class ColumnRule:
    """One canonical column and where each generation keeps it.

    Attributes
    ----------
    canonical : str
        Name in the canonical area table (a key of ``DEMOGRAPHIC_COLUMNS``).
    sources : mapping of generation to tuple of Source
        Alternatives per generation; the first whose columns are all present wins.
    """

    canonical: str
    sources: Mapping[str, tuple[Source, ...]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The Dutch label of the canonical column."""
        return DEMOGRAPHIC_COLUMNS[self.canonical]

    def describe(self, generation: str) -> str:
        """Human sentence: where this column comes from in `generation`."""
        options = self.sources.get(generation, ())
        if not options:
            return f"{self.label}: niet beschikbaar in {GENERATION_LABELS[generation]}"
        return f"{self.label}: " + " of ".join(s.describe() for s in options)

    def pick(self, available: Iterable[str], generation: str) -> Source | None:
        """The first source of `generation` whose columns are all in `available`."""
        present = set(available)
        for source in self.sources.get(generation, ()):
            if all(c in present for c in source.columns):
                return source
        return None


def _kwb(
    upper: tuple[Source, ...] = (),
    snake: tuple[Source, ...] = (),
    snake2011: tuple[Source, ...] | None = None,
    postcode: tuple[Source, ...] = (),
    postcode_upper: tuple[Source, ...] = (),
) -> dict[str, tuple[Source, ...]]:
    """Sources per generation; camelCase derived from snake_case, 2011 defaults to snake."""
    camel_sources = tuple(
        Source(tuple(camel(c) for c in s.columns), s.kind, s.denominator) for s in snake
    )
    return {
        UPPER: upper,
        SNAKE: snake,
        SNAKE2011: snake if snake2011 is None else snake2011,
        CAMEL: camel_sources,
        PC_SNAKE: postcode,
        PC_UPPER: postcode_upper,
    }


#: The rule table: one entry per canonical demographic column.
COLUMN_RULES: tuple[ColumnRule, ...] = (
    ColumnRule(
        "inwoners",
        _kwb(
            upper=(val("AANT_INW"),),
            snake=(val("aantal_inwoners"),),
            postcode=(val("aantal_inwoners"),),
            postcode_upper=(val("INWONER"),),
        ),
    ),
    ColumnRule(
        "huishoudens",
        _kwb(
            upper=(val("AANTAL_HH"),),
            # 2024 layers may call them particuliere huishoudens
            snake=(val("aantal_huishoudens"), val("aantal_particuliere_huishoudens")),
            postcode=(val("aantal_part_huishoudens"), val("aantal_huishoudens")),
            postcode_upper=(val("AANTAL_HH"),),
        ),
    ),
    *(
        ColumnRule(
            canonical,
            _kwb(
                upper=(pct(upper),),
                snake=(pct(f"percentage_personen_{snake}"),),
                postcode=(share(f"aantal_inwoners_{snake}", of="inwoners"),),
                postcode_upper=(share(pc_upper, of="inwoners"),),
            ),
        )
        for canonical, upper, snake, pc_upper in (
            ("aandeel_0_15", "P_00_14_JR", "0_tot_15_jaar", "INW_014"),
            ("aandeel_15_25", "P_15_24_JR", "15_tot_25_jaar", "INW_1524"),
            ("aandeel_25_45", "P_25_44_JR", "25_tot_45_jaar", "INW_2544"),
            ("aandeel_45_65", "P_45_64_JR", "45_tot_65_jaar", "INW_4564"),
            ("aandeel_65_plus", "P_65_EO_JR", "65_jaar_en_ouder", "INW_65PL"),
        )
    ),
    ColumnRule(
        "aandeel_eenpersoons",
        _kwb(
            upper=(pct("P_EENP_HH"),),
            snake=(pct("percentage_eenpersoonshuishoudens"),),
            postcode=(share("aantal_eenpersoonshuishoudens", of="huishoudens"),),
            postcode_upper=(share("TOTHH_EENP", of="huishoudens"),),
        ),
    ),
    ColumnRule(
        "aandeel_zonder_kinderen",
        _kwb(
            upper=(pct("P_HH_Z_K"),),
            snake=(pct("percentage_huishoudens_zonder_kinderen"),),
            postcode=(share("aantal_meerpersoonshuishoudens_zonder_kind", of="huishoudens"),),
            postcode_upper=(share("TOTHH_MPZK", of="huishoudens"),),
        ),
    ),
    ColumnRule(
        "aandeel_met_kinderen",
        _kwb(
            upper=(pct("P_HH_M_K"),),
            snake=(pct("percentage_huishoudens_met_kinderen"),),
            postcode=(
                share(
                    "aantal_eenouderhuishoudens", "aantal_tweeouderhuishoudens", of="huishoudens"
                ),
            ),
            postcode_upper=(share("HH_EENOUD", "HH_TWEEOUD", of="huishoudens"),),
        ),
    ),
    ColumnRule(
        "gem_huishoudgrootte",
        _kwb(
            upper=(val("GEM_HH_GR"),),
            snake=(val("gemiddelde_huishoudsgrootte"), val("gemiddelde_huishoudensgrootte")),
            postcode=(val("gemiddelde_huishoudensgrootte"), val("gemiddelde_huishoudsgrootte")),
            postcode_upper=(val("GEM_HH_GR"),),
        ),
    ),
    ColumnRule(
        "stedelijkheid",
        _kwb(
            upper=(val("STED"),),
            snake=(val("stedelijkheid_adressen_per_km2"),),
            postcode=(val("stedelijkheid"),),
            postcode_upper=(val("STED"),),
        ),
    ),
    ColumnRule(
        "adressendichtheid",
        _kwb(
            upper=(val("OAD"),),
            snake=(val("omgevingsadressendichtheid"),),
            postcode=(val("omgevingsadressendichtheid"),),
            postcode_upper=(val("OAD"),),
        ),
    ),
    ColumnRule(
        "aandeel_koop",
        _kwb(
            upper=(pct("P_KOOPWON"),),
            snake=(pct("percentage_koopwoningen"),),
            postcode=(pct("percentage_koopwoningen"),),
            postcode_upper=(pct("P_KOOPWON"),),
        ),
    ),
    ColumnRule(
        "aandeel_huur",
        _kwb(
            upper=(pct("P_HUURWON"),),
            snake=(pct("percentage_huurwoningen"),),
            postcode=(pct("percentage_huurwoningen"),),
            postcode_upper=(pct("P_HUURWON"),),
        ),
    ),
    ColumnRule(
        "aandeel_huur_corporatie",
        _kwb(
            upper=(pct("P_HUURCORP"),),
            snake=(pct("perc_huurwoningen_in_bezit_woningcorporaties"),),
            postcode=(share("aantal_huurwoningen_in_bezit_woningcorporaties", of="_woningen"),),
            postcode_upper=(share("WON_HCORP", of="_woningen"),),
        ),
    ),
    ColumnRule(
        "woz",
        _kwb(
            upper=(val("WOZ"),),
            snake=(val("gemiddelde_woningwaarde"),),
            postcode=(val("gemiddelde_woz_waarde_woning"),),
            postcode_upper=(val("WOZWONING"),),
        ),
    ),
    ColumnRule(
        "inkomen_per_inwoner",
        _kwb(
            upper=(val("INK_INW"), val("INK_INW2")),
            snake=(val("gemiddeld_inkomen_per_inwoner"),),
        ),
    ),
    ColumnRule(
        "aandeel_laag_inkomen",
        _kwb(
            upper=(pct("P_LINK_HH"),),
            snake=(
                pct("percentage_huishoudens_met_laag_inkomen"),
                pct("percentage_huishoudens_met_laagste_inkomen"),  # 2024 spelling
            ),
            postcode=(pct("percentage_laag_inkomen_huishouden"),),
            postcode_upper=(pct("P_LINK_HH"),),
        ),
    ),
    ColumnRule(
        "aandeel_hoog_inkomen",
        _kwb(
            upper=(pct("P_HINK_HH"),),
            snake=(pct("percentage_huishoudens_met_hoog_inkomen"),),
            postcode=(pct("percentage_hoog_inkomen_huishouden"),),
            postcode_upper=(pct("P_HINK_HH"),),
        ),
    ),
    # men and women: inhabitants when a release leaves AANT_INW empty (see derive)
    ColumnRule(
        "mannen",
        _kwb(upper=(val("AANT_MAN"),), snake=(val("mannen"),),
             postcode=(val("aantal_mannen"),), postcode_upper=(val("MAN"),)),
    ),
    ColumnRule(
        "vrouwen",
        _kwb(upper=(val("AANT_VROUW"),), snake=(val("vrouwen"),),
             postcode=(val("aantal_vrouwen"),), postcode_upper=(val("VROUW"),)),
    ),
)

#: Helper denominators that are not canonical columns (read, used, then dropped).
HELPER_RULES: tuple[ColumnRule, ...] = (
    ColumnRule(
        "_woningen",
        {
            PC_SNAKE: (val("aantal_woningen"),),
            PC_UPPER: (val("WONING"),),
        },
    ),
)

#: Shares that together cover a whole population; all zero means "nobody lives
#: here" (CBS prints 0 for every percentage of an empty buurt), not a real mix.
SHARE_GROUPS: tuple[tuple[str, ...], ...] = (
    ("aandeel_0_15", "aandeel_15_25", "aandeel_25_45", "aandeel_45_65", "aandeel_65_plus"),
    ("aandeel_eenpersoons", "aandeel_zonder_kinderen", "aandeel_met_kinderen"),
    ("aandeel_koop", "aandeel_huur"),
)

RULES_BY_NAME: MappingProxyType[str, ColumnRule] = MappingProxyType(
    {r.canonical: r for r in COLUMN_RULES}
)

# --- identity columns per level -----------------------------------------------------


@dataclass(frozen=True)
class LevelRule:
    """The code and name columns of one level, per generation.

    Attributes
    ----------
    level : str
        One of ``LEVELS``.
    plural : str
        Dutch plural for messages ("buurten").
    code : mapping of generation to tuple of str
        Code column candidates.
    name : mapping of generation to tuple of str
        Name column candidates.
    prefix : str
        Code prefix (``BU``), empty for postcodes.
    digits : int
        Number of digits after the prefix.
    """

    level: str
    plural: str
    code: Mapping[str, tuple[str, ...]]
    name: Mapping[str, tuple[str, ...]]
    prefix: str = ""
    digits: int = 0

    def expected(self) -> str:
        """Dutch enumeration of accepted code column names ("BU_CODE of buurtcode")."""
        names: list[str] = []
        for gen in (UPPER, SNAKE, SNAKE2011, CAMEL, PC_UPPER, PC_SNAKE):
            for n in self.code.get(gen, ()):
                if n not in names:
                    names.append(n)
        return " of ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)


def _ids(upper: str, snake: str) -> dict[str, tuple[str, ...]]:
    return {UPPER: (upper,), SNAKE: (snake,), SNAKE2011: (snake,), CAMEL: (snake,)}


LEVEL_RULES: MappingProxyType[str, LevelRule] = MappingProxyType(
    {
        "buurt": LevelRule(
            "buurt",
            "buurten",
            _ids("BU_CODE", "buurtcode"),
            _ids("BU_NAAM", "buurtnaam"),
            "BU",
            8,
        ),
        "wijk": LevelRule(
            "wijk", "wijken", _ids("WK_CODE", "wijkcode"), _ids("WK_NAAM", "wijknaam"), "WK", 6
        ),
        "gemeente": LevelRule(
            "gemeente",
            "gemeenten",
            _ids("GM_CODE", "gemeentecode"),
            _ids("GM_NAAM", "gemeentenaam"),
            "GM",
            4,
        ),
        "pc4": LevelRule(
            "pc4",
            "postcodegebieden",
            {PC_SNAKE: ("postcode", "postcode4", "pc4"), PC_UPPER: ("PC4", "POSTCODE")},
            {},
        ),
        "pc6": LevelRule(
            "pc6",
            "postcodes",
            {PC_SNAKE: ("postcode", "postcode6", "pc6"), PC_UPPER: ("PC6", "POSTCODE")},
            {},
        ),
    }
)

#: Levels from most to least detailed: the default choice among layers.
DETAIL_ORDER: tuple[str, ...] = ("buurt", "pc6", "wijk", "pc4", "gemeente")

#: Water flag columns; rows with value "JA" are water ("B": border buurt, kept).
#: Shapefiles from 2022 name it ``H2O``.
WATER_COLUMNS: tuple[str, ...] = ("WATER", "water", "H2O")

#: CBS's missing-value codes (any value <= -99990 is missing; these say why).
NOT_YET_PUBLISHED = -99995  # comes in a later release of the same year
SECRET = -99997  # secret or not present

#: Year column candidates (value or a jrstatcode such as "2023GM0014").
YEAR_COLUMNS: tuple[str, ...] = ("jaar", "JAAR", "jrstatcode", "jaarstatcode", "JRSTATCODE")

#: Columns that only one generation has: they settle ties in detection.
GENERATION_MARKERS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        SNAKE2011: (
            "percentage_westerse_allochtonen",
            "percentage_niet_westerse_allochtonen",
            "percentage_overige_niet_westerse_alloctonen",
        ),
        SNAKE: ("jrstatcode", "jaarstatcode", "indelingswijziging_wijken_en_buurten"),
        CAMEL: ("aantalInwoners", "gemeentenaam"),
    }
)


def detect_generation(fields: Iterable[str]) -> str | None:
    """The schema generation whose column names best match `fields`.

    Parameters
    ----------
    fields : iterable of str
        Column names of the file.

    Returns
    -------
    str or None
        A member of ``GENERATIONS``; None when no known column is present.
    """
    present = set(fields)
    best, best_score = None, 0
    for gen in GENERATIONS:
        names: set[str] = set()
        for rule in (*COLUMN_RULES, *HELPER_RULES):
            for source in rule.sources.get(gen, ()):
                names.update(source.columns)
        for lrule in LEVEL_RULES.values():
            names.update(lrule.code.get(gen, ()))
        score = 2 * len(names & present) + 3 * len(set(GENERATION_MARKERS.get(gen, ())) & present)
        if score > best_score:
            best, best_score = gen, score
    return best


_PC6 = re.compile(r"^\d{4}\s?[A-Za-z]{2}$")
_PC4 = re.compile(r"^\d{4}$")


def postcode_level(values: Iterable[object]) -> str | None:
    """``pc4`` or ``pc6`` from sample postcode values, None if neither fits."""
    texts = (str(v).strip() for v in values if v is not None)
    sample = list(islice((t for t in texts if t), 50))  # a sample: never the whole column
    if not sample:
        return None
    if all(_PC6.match(v) for v in sample):
        return "pc6"
    if all(_PC4.match(v.split(".")[0]) for v in sample):
        return "pc4"
    return None
