"""The strategy rule tables: loading and validation.

The tables live in ``citisens_core/data/regels/`` as YAML, one per concern:

``kanalen.yaml``
    how a channel affinity (from the profile scheme) becomes a chance of reaching a
    household, and each channel's effort and reason sentence;
``instrumenten.yaml``
    the phases, instrument fit per phase and ladder step, the participation chance;
``themas.yaml``
    per theme: national notes, per-profile notes and relevance, shared-message flag;
``toon.yaml``
    tone advice, general and conditional on the scheme's characteristics.

The affinities themselves stay in the scheme; the rules only reference its keys,
and validation checks that every key exists. Like :mod:`citisens_core.scheme`,
validation collects every problem and reports them at once, each naming the file,
the entry and the field.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import yaml

from citisens_core.dutch import fmt_pct
from citisens_core.errors import InputProblems
from citisens_core.scheme import Scheme, load_scheme

RULE_FILES = ("kanalen.yaml", "instrumenten.yaml", "themas.yaml", "toon.yaml")
RULES_PACKAGE_DIR = "regels"

#: Placeholders each kind of sentence may use.
AREA_FIELDS = frozenset({"gebied", "profiel", "aandeel", "bereik", "totaal"})
INSTRUMENT_FIELDS = AREA_FIELDS | {"fase", "trede"}
CURVE_FIELDS = frozenset({"affiniteit", "bereik"})
FIT_FIELDS = frozenset({"fase", "trede"})
THEME_FIELDS = frozenset({"gebied"})
THEME_PROFILE_FIELDS = frozenset({"gebied", "profiel", "aandeel"})
MISS_FIELDS = frozenset({"profiel", "aandeel", "bereik"})
FILL_FIELDS = frozenset({"profiel", "aandeel", "gemist", "kanaal", "na"})
TONE_FIELDS = frozenset({"gebied", "aandeel", "profielen"})


class RulesError(InputProblems):
    """Rule tables that cannot be used; the message lists every problem."""


@dataclass(frozen=True)
class Sentence:
    """A plain rule: a Dutch sentence template and its source."""

    key: str
    zin: str
    bron: str


@dataclass(frozen=True)
class ReachCurve:
    """Affinity (1-5) → probability, interpolated linearly between the points."""

    affiniteit: tuple[float, ...]
    kans: tuple[float, ...]
    zin: str
    bron: str

    def __call__(self, affinity: Any) -> np.ndarray:
        """The probability for each affinity (array-like)."""
        return np.interp(np.asarray(affinity, dtype=float), self.affiniteit, self.kans)

    def describe(self) -> tuple[str, ...]:
        """The rule's sentence for each affinity 1 … 5, with the real probabilities."""
        return tuple(self.zin.format(affiniteit=a, bereik=fmt_pct(float(self(a))))
                     for a in range(1, 6))


@dataclass(frozen=True)
class ChannelRule:
    key: str
    inspanning: float
    zin: str
    bron: str


@dataclass(frozen=True)
class Phase:
    key: str
    naam: str
    zin: str
    bron: str


@dataclass(frozen=True)
class InstrumentRule:
    key: str
    fasen: MappingProxyType[str, float]
    treden: MappingProxyType[str, float]
    zin: str
    bron: str


@dataclass(frozen=True)
class ProfileNote:
    profiel: str
    relevantie: float
    zin: str
    bron: str


@dataclass(frozen=True)
class Theme:
    key: str
    naam: str
    gedeelde_boodschap: bool
    notities: tuple[Sentence, ...]
    profielen: MappingProxyType[str, ProfileNote]
    instrumenten: MappingProxyType[str, float]
    instrumenten_bron: str

    def relevance(self, profile: str) -> float:
        """Multiplier on a profile's participation for this theme (1 when not stated)."""
        note = self.profielen.get(profile)
        return note.relevantie if note else 1.0


@dataclass(frozen=True)
class ToneRule:
    key: str
    kenmerk: str
    onder: float | None
    boven: float | None
    min_aandeel: float
    zin: str
    bron: str

    def applies_to(self, score: float) -> bool:
        """True when a profile with this characteristic score falls under the rule."""
        if self.onder is not None and score < self.onder:
            return True
        return self.boven is not None and score > self.boven


@dataclass(frozen=True)
class Threshold:
    """A sentence used when a figure crosses thresholds (missed or fill-in notes)."""

    zin: str
    bron: str
    max_bereik: float = 1.0
    min_aandeel: float = 0.0


@dataclass(frozen=True)
class Rules:
    """Validated strategy rules, tied to the scheme they were checked against."""

    source: str
    scheme_id: str
    bereik: ReachCurve
    kanalen: MappingProxyType[str, ChannelRule]
    mist: Threshold
    aanvulling: Threshold
    fasen: MappingProxyType[str, Phase]
    deelname: ReachCurve
    ladder_bonus: float
    geschiktheid: MappingProxyType[int, str]
    geschiktheid_bron: str
    instrumenten: MappingProxyType[str, InstrumentRule]
    themas: MappingProxyType[str, Theme]
    toon_algemeen: tuple[Sentence, ...]
    toon_regels: tuple[ToneRule, ...]

    def theme(self, key: str) -> Theme:
        """The theme with this key; KeyError naming the allowed keys."""
        return _known(self.themas, key, "thema")

    def phase(self, key: str) -> Phase:
        """The phase with this key; KeyError naming the allowed keys."""
        return _known(self.fasen, key, "fase")


def _known(table: Mapping[str, Any], key: str, what: str) -> Any:
    if key not in table:
        raise KeyError(f"unknown {what} {key!r}; allowed: {', '.join(table)}")
    return table[key]


# --- loading ------------------------------------------------------------------------------


def load_rules(directory: str | Path | None = None, scheme: Scheme | None = None) -> Rules:
    """Load and validate the rule tables.

    Parameters
    ----------
    directory : str or Path, optional
        A folder holding the four YAML files (``kanalen.yaml``, ``instrumenten.yaml``,
        ``themas.yaml``, ``toon.yaml``). Default: the tables shipped with the package.
    scheme : Scheme, optional
        The scheme whose keys the rules must reference. Default: the built-in scheme.

    Returns
    -------
    Rules

    Raises
    ------
    RulesError
        Listing every problem found, each naming the file, the entry and the field.
    """
    if directory is None and scheme is None:
        return _default_rules()
    if directory is None:
        return parse_rules(_package_texts(), scheme=scheme, source=f"data/{RULES_PACKAGE_DIR}")
    directory = Path(directory)
    texts, problems = {}, []
    for name in RULE_FILES:
        try:
            texts[name] = (directory / name).read_text(encoding="utf-8")
        except OSError as exc:
            problems.append(f"{name}: cannot read file ({exc.strerror})")
    if problems:
        raise RulesError(str(directory), problems)
    return parse_rules(texts, scheme=scheme, source=str(directory))


@cache
def _default_rules() -> Rules:
    return parse_rules(_package_texts(), scheme=load_scheme(), source=f"data/{RULES_PACKAGE_DIR}")


def _package_texts() -> dict[str, str]:
    folder = resources.files("citisens_core.data").joinpath(RULES_PACKAGE_DIR)
    return {name: folder.joinpath(name).read_text("utf-8") for name in RULE_FILES}


def parse_rules(tables: Mapping[str, str], scheme: Scheme | None = None,
                source: str = "<tekst>") -> Rules:
    """Parse and validate rule tables given as YAML texts (see :func:`load_rules`).

    Parameters
    ----------
    tables : mapping of str to str
        File name (one of ``RULE_FILES``) → YAML text.
    scheme : Scheme, optional
        Default: the built-in scheme.
    source : str
        Named at the start of the error message.

    Returns
    -------
    Rules
    """
    scheme = scheme or load_scheme()
    problems: list[str] = []
    raw: dict[str, dict] = {}
    for name in RULE_FILES:
        if name not in tables:
            problems.append(f"{name}: file is missing")
            continue
        try:
            loaded = yaml.safe_load(tables[name])
        except yaml.YAMLError as exc:
            problems.append(f"{name}: not valid YAML ({exc})")
            continue
        if not isinstance(loaded, dict):
            problems.append(f"{name}: top level must be a mapping")
            continue
        raw[name] = loaded
    if problems:
        raise RulesError(source, problems)
    check = _Checker(scheme, problems)
    channels = _channels(raw["kanalen.yaml"], check)
    instruments = _instruments(raw["instrumenten.yaml"], check)
    themes = _themes(raw["themas.yaml"], check)
    tone = _tone(raw["toon.yaml"], check)
    if problems:
        raise RulesError(source, problems)
    return Rules(source=source, scheme_id=scheme.id, **channels, **instruments,
                 themas=themes, **tone)


# --- validation helpers ---------------------------------------------------------------------


class _Checker:
    """Collects problems; each helper names file, entry and field."""

    def __init__(self, scheme: Scheme, problems: list[str]):
        self.scheme = scheme
        self.problems = problems

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def mapping(self, value: Any, where: str, field: str) -> dict:
        if not isinstance(value, dict):
            self.add(where, f"field {field!r} must be a mapping, got {type(value).__name__}")
            return {}
        return value

    def text(self, entry: dict, where: str, field: str) -> str:
        value = entry.get(field)
        if not isinstance(value, str) or not value.strip():
            self.add(where, f"field {field!r} is missing or empty")
            return ""
        return " ".join(value.split())

    def template(self, entry: dict, where: str, allowed: frozenset[str],
                 field: str = "zin") -> str:
        text = self.text(entry, where, field)
        if text:
            self.check_template(text, where, field, allowed)
        return text

    def check_template(self, text: str, where: str, field: str, allowed: frozenset[str]) -> None:
        try:
            names = [name for _, name, spec, conv in string.Formatter().parse(text)
                     if name is not None]
            specs = [(spec, conv) for _, name, spec, conv in string.Formatter().parse(text)
                     if name is not None and (spec or conv)]
        except ValueError as exc:
            self.add(where, f"field {field!r} is not a valid sentence template ({exc})")
            return
        unknown = sorted({n for n in names if n not in allowed})
        if unknown:
            self.add(where, f"field {field!r} uses unknown placeholders {unknown}; "
                            f"allowed: {sorted(allowed)}")
        if specs:
            self.add(where, f"field {field!r} may not use format specs or conversions")

    def number(self, entry: dict, where: str, field: str, low: float, high: float,
               default: float | None = None) -> float:
        value = entry.get(field, default)
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not low <= value <= high:
            self.add(where, f"field {field!r} must be a number from {low} to {high}, "
                            f"got {value!r}")
            return float(low)
        return float(value)

    def scores(self, value: Any, where: str, field: str, keys: tuple[str, ...]
               ) -> MappingProxyType[str, float]:
        """A mapping that must name exactly `keys`, each scored 1..5."""
        value = {str(k): v for k, v in self.mapping(value, where, field).items()}
        missing = [k for k in keys if k not in value]
        extra = [k for k in value if k not in keys]
        if missing:
            self.add(where, f"field {field!r} is missing {missing}")
        if extra:
            self.add(where, f"field {field!r} has unknown keys {extra}; expected {list(keys)}")
        for k in keys:
            if k in value:
                v = value[k]
                if isinstance(v, bool) or not isinstance(v, int | float) or not 1 <= v <= 5:
                    self.add(where, f"field '{field}.{k}' must be a score from 1 to 5, got {v!r}")
        return MappingProxyType({k: float(value[k]) for k in keys if k in value
                                 and isinstance(value[k], int | float)})

    def curve(self, entry: Any, where: str) -> ReachCurve:
        entry = self.mapping(entry, where, "kans")
        points = self.mapping(entry.get("kans"), where, "kans")
        pairs = []
        for k, v in points.items():
            if isinstance(k, bool) or not isinstance(k, int | float) or not 1 <= k <= 5:
                self.add(where, f"field 'kans' keys must be affinities 1 to 5, got {k!r}")
            elif isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
                self.add(where, f"field 'kans.{k}' must be a probability from 0 to 1, got {v!r}")
            else:
                pairs.append((float(k), float(v)))
        pairs.sort()
        if len(pairs) < 2:
            self.add(where, "field 'kans' needs at least two points")
        if any(b[1] < a[1] for a, b in pairwise(pairs)):
            self.add(where, "field 'kans' must not fall as the affinity rises")
        zin = self.template(entry, where, CURVE_FIELDS)
        bron = self.text(entry, where, "bron")
        return ReachCurve(tuple(p[0] for p in pairs), tuple(p[1] for p in pairs), zin, bron)

    def coverage(self, entries: dict, known: Mapping[str, str], where: str, what: str) -> None:
        missing = [k for k in known if k not in entries]
        unknown = [k for k in entries if k not in known]
        if missing:
            self.add(where, f"no rule for {what} {missing} of scheme {self.scheme.id!r}")
        if unknown:
            self.add(where, f"unknown {what} {unknown}; the scheme has {list(known)}")


def _channels(raw: dict, check: _Checker) -> dict[str, Any]:
    f = "kanalen.yaml"
    curve = check.curve(raw.get("bereik"), f"{f}: bereik")
    entries = check.mapping(raw.get("kanalen"), f, "kanalen")
    check.coverage(entries, check.scheme.kanalen, f"{f}: kanalen", "kanalen")
    rules = {}
    for key, entry in entries.items():
        where = f"{f}: kanaal {key}"
        entry = check.mapping(entry, where, key)
        rules[str(key)] = ChannelRule(
            key=str(key), inspanning=check.number(entry, where, "inspanning", 1, 5),
            zin=check.template(entry, where, AREA_FIELDS), bron=check.text(entry, where, "bron"))
    return {"bereik": curve, "kanalen": MappingProxyType(rules),
            "mist": _threshold(raw.get("mist"), f"{f}: mist", MISS_FIELDS, check),
            "aanvulling": _threshold(raw.get("aanvulling"), f"{f}: aanvulling", FILL_FIELDS,
                                     check)}


def _threshold(raw: Any, where: str, allowed: frozenset[str], check: _Checker) -> Threshold:
    entry = check.mapping(raw, where, where.rsplit(" ", 1)[-1])
    return Threshold(zin=check.template(entry, where, allowed),
                     bron=check.text(entry, where, "bron"),
                     max_bereik=check.number(entry, where, "max_bereik", 0, 1, default=1.0),
                     min_aandeel=check.number(entry, where, "min_aandeel", 0, 1, default=0.0))


def _instruments(raw: dict, check: _Checker) -> dict[str, Any]:
    f = "instrumenten.yaml"
    phases = {}
    for key, entry in check.mapping(raw.get("fasen"), f, "fasen").items():
        where = f"{f}: fase {key}"
        entry = check.mapping(entry, where, key)
        phases[str(key)] = Phase(key=str(key), naam=check.text(entry, where, "naam"),
                                 zin=check.template(entry, where, THEME_FIELDS),
                                 bron=check.text(entry, where, "bron"))
    if not phases:
        check.add(f, "field 'fasen' must name at least one phase")
    participation = check.mapping(raw.get("deelname"), f"{f}: deelname", "deelname")
    curve = check.curve(participation, f"{f}: deelname")
    bonus = check.number(participation, f"{f}: deelname", "ladder_bonus", 1, 2, default=1.0)
    fit = check.mapping(raw.get("geschiktheid"), f"{f}: geschiktheid", "geschiktheid")
    sentences = check.mapping(fit.get("zinnen"), f"{f}: geschiktheid", "zinnen")
    levels = {}
    for level in range(1, 6):
        where = f"{f}: geschiktheid.zinnen.{level}"
        if level not in sentences:
            check.add(where, "sentence is missing (levels 1 to 5 are needed)")
            continue
        levels[level] = check.template({"zin": sentences[level]}, where, FIT_FIELDS)
    fit_source = check.text(fit, f"{f}: geschiktheid", "bron")
    steps = check.scheme.ladder
    rules = {}
    entries = check.mapping(raw.get("instrumenten"), f, "instrumenten")
    check.coverage(entries, check.scheme.instrumenten, f"{f}: instrumenten", "instrumenten")
    for key, entry in entries.items():
        where = f"{f}: instrument {key}"
        entry = check.mapping(entry, where, key)
        rules[str(key)] = InstrumentRule(
            key=str(key), fasen=check.scores(entry.get("fasen"), where, "fasen", tuple(phases)),
            treden=check.scores(entry.get("treden"), where, "treden", steps),
            zin=check.template(entry, where, INSTRUMENT_FIELDS),
            bron=check.text(entry, where, "bron"))
    return {"fasen": MappingProxyType(phases), "deelname": curve, "ladder_bonus": bonus,
            "geschiktheid": MappingProxyType(levels), "geschiktheid_bron": fit_source,
            "instrumenten": MappingProxyType(rules)}


def _themes(raw: dict, check: _Checker) -> MappingProxyType[str, Theme]:
    f = "themas.yaml"
    themes = {}
    for key, entry in check.mapping(raw.get("themas"), f, "themas").items():
        where = f"{f}: thema {key}"
        entry = check.mapping(entry, where, key)
        shared = entry.get("gedeelde_boodschap", False)
        if not isinstance(shared, bool):
            check.add(where, f"field 'gedeelde_boodschap' must be true or false, got {shared!r}")
        notes = []
        for i, note in enumerate(entry.get("notities") or []):
            nwhere = f"{where}: notities[{i}]"
            note = check.mapping(note, nwhere, "notities")
            notes.append(Sentence(key=f"{key}.{i}", zin=check.template(note, nwhere, THEME_FIELDS),
                                  bron=check.text(note, nwhere, "bron")))
        profiles = {}
        for pkey, note in check.mapping(entry.get("profielen") or {}, where, "profielen").items():
            pwhere = f"{where}: profiel {pkey}"
            if pkey not in check.scheme.keys:
                check.add(pwhere, f"unknown profile key {pkey!r}; "
                                  f"the scheme has {list(check.scheme.keys)}")
            note = check.mapping(note, pwhere, pkey)
            profiles[str(pkey)] = ProfileNote(
                profiel=str(pkey), relevantie=check.number(note, pwhere, "relevantie", 0.5, 1.5),
                zin=check.template(note, pwhere, THEME_PROFILE_FIELDS),
                bron=check.text(note, pwhere, "bron"))
        multipliers = {}
        raw_multipliers = check.mapping(entry.get("instrumenten") or {}, where, "instrumenten")
        for ikey in raw_multipliers:
            if ikey not in check.scheme.instrumenten:
                check.add(where, f"field 'instrumenten' has unknown instrument {ikey!r}; "
                                 f"the scheme has {list(check.scheme.instrumenten)}")
            factor = raw_multipliers[ikey]
            if isinstance(factor, bool) or not isinstance(factor, int | float) \
                    or not 0.5 <= factor <= 1.5:
                check.add(where, f"field 'instrumenten.{ikey}' must be a number from 0.5 to 1.5, "
                                 f"got {factor!r}")
                continue
            multipliers[str(ikey)] = float(factor)
        multiplier_source = ""
        if multipliers:
            multiplier_source = check.text(entry, where, "instrumenten_bron")
        themes[str(key)] = Theme(
            key=str(key), naam=check.text(entry, where, "naam"), gedeelde_boodschap=shared is True,
            notities=tuple(notes), profielen=MappingProxyType(profiles),
            instrumenten=MappingProxyType(multipliers), instrumenten_bron=multiplier_source)
    if "algemeen" not in themes:
        check.add(f, "thema 'algemeen' is missing (it is the default)")
    return MappingProxyType(themes)


def _tone(raw: dict, check: _Checker) -> dict[str, Any]:
    f = "toon.yaml"
    general = []
    for i, entry in enumerate(raw.get("algemeen") or []):
        where = f"{f}: algemeen[{i}]"
        entry = check.mapping(entry, where, "algemeen")
        general.append(Sentence(key=str(entry.get("key", i)),
                                zin=check.template(entry, where, frozenset()),
                                bron=check.text(entry, where, "bron")))
    rules = []
    characteristics = [c.key for c in check.scheme.kenmerken]
    for i, entry in enumerate(raw.get("regels") or []):
        entry = check.mapping(entry, f"{f}: regels[{i}]", "regels")
        where = f"{f}: regel {entry.get('key', i)}"
        kenmerk = entry.get("kenmerk")
        if kenmerk not in characteristics:
            check.add(where, f"field 'kenmerk' must be one of {characteristics}, got {kenmerk!r}")
        if entry.get("onder") is None and entry.get("boven") is None:
            check.add(where, "needs field 'onder' or 'boven'")
        onder = check.number(entry, where, "onder", 1, 5) if "onder" in entry else None
        boven = check.number(entry, where, "boven", 1, 5) if "boven" in entry else None
        rules.append(ToneRule(
            key=str(entry.get("key", i)), kenmerk=str(kenmerk), onder=onder, boven=boven,
            min_aandeel=check.number(entry, where, "min_aandeel", 0, 1),
            zin=check.template(entry, where, TONE_FIELDS), bron=check.text(entry, where, "bron")))
    return {"toon_algemeen": tuple(general), "toon_regels": tuple(rules)}
