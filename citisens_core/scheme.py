"""The profile scheme: the eight profiles and their catalogues, loaded from YAML.

The scheme is data, not code: a later generation of profiles (renamed, more or
fewer) is a new YAML file, loaded with :func:`load_scheme` without code changes.
Validation reports every problem at once, each naming the file, the profile and
the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from citisens_core.demographics import DIMENSIONS
from citisens_core.errors import InputProblems

DEFAULT_SCHEME = "profielen-v1.yaml"
#: Area figures a leaning may name (canonical columns; adressendichtheid: more urban
#: is higher, unlike the urbanity class where 1 is the most urban).
LEANING_FIGURES = ("aandeel_15_25", "aandeel_25_45", "aandeel_45_65", "aandeel_65_plus",
                   "aandeel_eenpersoons", "aandeel_zonder_kinderen", "aandeel_met_kinderen",
                   "adressendichtheid", "aandeel_huur", "aandeel_hoog_inkomen")
DIRECTIONS = ("+", "-", "0")
CHARACTERISTICS = ("betrokkenheid", "vertrouwen", "meedenken", "online")
_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


class SchemeError(InputProblems):
    """A scheme file that cannot be used; the message lists every problem."""


@dataclass(frozen=True)
class Characteristic:
    key: str
    naam: str
    laag: str
    hoog: str


@dataclass(frozen=True)
class Profile:
    """One engagement profile. Mappings are read-only."""

    key: str
    naam: str
    kleur: str
    aandeel: float
    aandeel_bron: str
    kenmerken: MappingProxyType[str, float]
    kenmerken_bron: str
    kanalen: MappingProxyType[str, int]
    instrumenten: MappingProxyType[str, int]
    kanalen_bron: str
    ladder: tuple[str, ...]
    demografie: MappingProxyType[str, MappingProxyType[str, float]]
    portret: str
    #: Expected direction of the profile's share against area figures ("+", "-",
    #: "0" = about the same everywhere); figures without a claim are absent.
    neigingen: MappingProxyType[str, str] = dataclass_field(
        default_factory=lambda: MappingProxyType({}))
    neigingen_bron: str = "aanname"

    def __reduce__(self):
        # MappingProxyType cannot be pickled: travel as plain dicts (for joblib caches).
        return (_rebuild, (Profile, _plain(self.__dict__)))

    @property
    def is_assumption(self) -> bool:
        """True when the national share is an assumption, not a published figure."""
        return "aanname" in self.aandeel_bron.lower()


@dataclass(frozen=True)
class Scheme:
    """A validated profile scheme."""

    id: str
    naam: str
    bron: str
    source: str
    kenmerken: tuple[Characteristic, ...]
    kanalen: MappingProxyType[str, str]
    instrumenten: MappingProxyType[str, str]
    ladder: tuple[str, ...]
    profielen: tuple[Profile, ...]

    def __reduce__(self):
        return (_rebuild, (Scheme, _plain(self.__dict__)))

    @property
    def keys(self) -> tuple[str, ...]:
        """Profile keys in scheme order (the column order of every profile table)."""
        return tuple(p.key for p in self.profielen)

    @property
    def shares(self) -> tuple[float, ...]:
        """National shares in scheme order."""
        return tuple(p.aandeel for p in self.profielen)

    def profile(self, key: str) -> Profile:
        """The profile with this key.

        Raises
        ------
        KeyError
            If no profile has that key.
        """
        for p in self.profielen:
            if p.key == key:
                return p
        raise KeyError(f"scheme {self.id!r} has no profile {key!r}; known: {', '.join(self.keys)}")

    def names(self) -> dict[str, str]:
        """Profile key → Dutch name."""
        return {p.key: p.naam for p in self.profielen}


def _plain(value: Any) -> Any:
    """Read-only mappings → dicts, recursively (for pickling)."""
    if isinstance(value, MappingProxyType | dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _frozen(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    return value


def _rebuild(cls: type, state: dict) -> Any:
    return cls(**{k: _frozen(v) for k, v in state.items()})


def load_scheme(path: str | Path | None = None) -> Scheme:
    """Load and validate a profile scheme.

    Parameters
    ----------
    path : str or Path, optional
        A scheme YAML file. Default: the scheme shipped with the package.

    Returns
    -------
    Scheme

    Raises
    ------
    SchemeError
        Listing every problem found, each naming the profile and the field.
    """
    if path is None:
        return _default_scheme()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SchemeError(str(path), [f"cannot read file ({exc.strerror})"]) from exc
    return parse_scheme(text, source=str(path))


@cache
def _default_scheme() -> Scheme:
    text = resources.files("citisens_core.data").joinpath(DEFAULT_SCHEME).read_text("utf-8")
    return parse_scheme(text, source=DEFAULT_SCHEME)


def parse_scheme(text: str, source: str = "<tekst>") -> Scheme:
    """Parse and validate scheme YAML text (see :func:`load_scheme`)."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SchemeError(source, [f"not valid YAML ({exc})"]) from exc
    if not isinstance(raw, dict):
        raise SchemeError(source, ["top level must be a mapping with 'profielen'"])
    problems: list[str] = []
    scheme = _build(raw, problems)
    if problems:
        raise SchemeError(source, problems)
    return Scheme(source=source, **scheme)


def _build(raw: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    for field in ("id", "naam", "kenmerken", "kanalen", "instrumenten", "ladder", "profielen"):
        if field not in raw:
            problems.append(f"missing top-level field {field!r}")
    if problems:
        return {}
    kenmerken = raw["kenmerken"] or {}
    missing = [c for c in CHARACTERISTICS if c not in kenmerken]
    if missing:
        problems.append(f"kenmerken: missing {missing}")
    characteristics = tuple(
        Characteristic(key=k, naam=str(v.get("naam", k)), laag=str(v.get("laag", "")),
                       hoog=str(v.get("hoog", "")))
        for k, v in kenmerken.items() if isinstance(v, dict)
    )
    kanalen = _str_mapping(raw["kanalen"], "kanalen", problems)
    instrumenten = _str_mapping(raw["instrumenten"], "instrumenten", problems)
    ladder = tuple(str(s) for s in raw["ladder"] or ())
    context = {"kanalen": kanalen, "instrumenten": instrumenten, "ladder": ladder}
    parsed = [_profile(i, p, context, problems) for i, p in enumerate(raw["profielen"] or [])]
    profiles = [p for p in parsed if p is not None]
    keys = [p.key for p in profiles]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        problems.append(f"profielen: duplicate keys {duplicates}")
    if len(profiles) < 2:
        problems.append("profielen: a scheme needs at least two profiles")
    total = sum(p.aandeel for p in profiles)
    if profiles and len(profiles) == len(parsed) and abs(total - 1) > 0.005:
        problems.append(f"profielen: national shares (aandeel) add up to {total:.3f}, not 1")
    return {
        "id": str(raw["id"]),
        "naam": str(raw["naam"]),
        "bron": str(raw.get("bron", "")),
        "kenmerken": characteristics,
        "kanalen": kanalen,
        "instrumenten": instrumenten,
        "ladder": ladder,
        "profielen": tuple(profiles),
    }


def _str_mapping(value: Any, field: str, problems: list[str]) -> MappingProxyType[str, str]:
    if not isinstance(value, dict) or not value:
        problems.append(f"{field}: must be a non-empty mapping of key to Dutch name")
        return MappingProxyType({})
    bad = [k for k in value if not _KEY.match(str(k))]
    if bad:
        problems.append(f"{field}: keys must be lower-case snake_case, got {bad}")
    return MappingProxyType({str(k): str(v) for k, v in value.items()})


def _profile(index: int, raw: Any, context: dict, problems: list[str]) -> Profile | None:
    if not isinstance(raw, dict):
        problems.append(f"profielen[{index}]: must be a mapping")
        return None
    where = f"profiel {raw.get('key', f'#{index + 1}')!s}"
    before = len(problems)

    def need(field: str) -> Any:
        if field not in raw or raw[field] in (None, ""):
            problems.append(f"{where}: field {field!r} is missing")
        return raw.get(field)

    key, naam, kleur, aandeel, portret = (need(f) for f in
                                          ("key", "naam", "kleur", "aandeel", "portret"))
    kenmerken, kanalen, instrumenten, ladder, demografie = (
        need(f) for f in ("kenmerken", "kanalen", "instrumenten", "ladder", "demografie"))
    if len(problems) > before:
        return None
    if not _KEY.match(str(key)):
        problems.append(f"{where}: field 'key' must be lower-case snake_case, got {key!r}")
    if not _HEX.match(str(kleur)):
        problems.append(f"{where}: field 'kleur' must be a colour like '#1f5c99', got {kleur!r}")
    if not isinstance(aandeel, int | float) or not 0 < aandeel < 1:
        problems.append(f"{where}: field 'aandeel' must be a fraction between 0 and 1, "
                        f"got {aandeel!r}")
        aandeel = 0.0
    scores = _scores(kenmerken, CHARACTERISTICS, 1, 5, f"{where}: field 'kenmerken'", problems)
    channel = _scores(kanalen, tuple(context["kanalen"]), 1, 5, f"{where}: field 'kanalen'",
                      problems)
    instrument = _scores(instrumenten, tuple(context["instrumenten"]), 1, 5,
                         f"{where}: field 'instrumenten'", problems)
    unknown_steps = [s for s in ladder or [] if s not in context["ladder"]]
    if unknown_steps:
        problems.append(f"{where}: field 'ladder' has unknown steps {unknown_steps}; "
                        f"expected some of {list(context['ladder'])}")
    leanings = {}
    for dim, categories in DIMENSIONS.items():
        leanings[dim] = _scores((demografie or {}).get(dim), categories, -5, 5,
                                f"{where}: field 'demografie.{dim}'", problems)
    neigingen = raw.get("neigingen") or {}
    directions = neigingen.get("richting") or {} if isinstance(neigingen, dict) else {}
    for figure, direction in directions.items():
        if figure not in LEANING_FIGURES:
            problems.append(f"{where}: field 'neigingen.richting' names unknown figure "
                            f"{figure!r}; expected some of {list(LEANING_FIGURES)}")
        if str(direction) not in DIRECTIONS:
            problems.append(f"{where}: field 'neigingen.richting.{figure}' must be one of "
                            f"{list(DIRECTIONS)}, got {direction!r}")
    return Profile(
        key=str(key), naam=str(naam), kleur=str(kleur).upper(), aandeel=float(aandeel),
        aandeel_bron=str(raw.get("aandeel_bron", "aanname")),
        kenmerken=scores, kenmerken_bron=str(raw.get("kenmerken_bron", "aanname")),
        kanalen=channel, instrumenten=instrument,
        kanalen_bron=str(raw.get("kanalen_bron", "aanname")),
        ladder=tuple(str(s) for s in ladder or ()),
        demografie=MappingProxyType(leanings),
        portret=" ".join(str(portret).split()),
        neigingen=MappingProxyType({str(k): str(v) for k, v in directions.items()}),
        neigingen_bron=str(neigingen.get("bron", "aanname")) if isinstance(neigingen, dict)
        else "aanname",
    )


def _scores(value: Any, keys: tuple[str, ...], low: float, high: float, where: str,
            problems: list[str]) -> MappingProxyType:
    """Validate a mapping key → number that must name exactly `keys`, each in [low, high]."""
    if not isinstance(value, dict):
        problems.append(f"{where} must be a mapping with {list(keys)}")
        return MappingProxyType({})
    value = {str(k): v for k, v in value.items()}
    missing = [k for k in keys if k not in value]
    extra = [k for k in value if k not in keys]
    if missing:
        problems.append(f"{where} is missing {missing}")
    if extra:
        problems.append(f"{where} has unknown keys {extra}")
    for k, v in value.items():
        if k in keys and (not isinstance(v, int | float) or not low <= v <= high):
            problems.append(f"{where}.{k} must be a number from {low} to {high}, got {v!r}")
    return MappingProxyType({k: float(value[k]) for k in keys if k in value
                             and isinstance(value[k], int | float)})
