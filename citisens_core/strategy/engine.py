"""The advice engine: profile mix × theme × phase × ladder step → reasoned advice.

Everything here works on a plain profile mix (profile key → share of households),
so it is testable without the estimator. The numbers behind the advice come from
two places: the profile scheme (affinities 1-5 per channel and instrument, the
preferred ladder steps, the characteristics) and the rule tables
(:mod:`citisens_core.strategy.rules`: how an affinity becomes a chance of
reaching a household, fit per phase and step, theme notes, tone).

The reach model, an assumption stated in ``kanalen.yaml``: a channel reaches a
household of profile *p* with probability ``curve(affinity)``, independently of
the other channels, so a combination reaches ``1 - Π(1 - p_c)`` of that profile.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from citisens_core.dutch import fmt_pct, join_dutch, pct
from citisens_core.scheme import Scheme, load_scheme
from citisens_core.strategy.rules import Rules, load_rules

#: A profile counts as present in an area from this share of households.
DREMPEL = 0.05
#: The default mix whose missed residents the advice reports.
STANDAARD_KANALEN = 3
STANDAARD_INSTRUMENTEN = 2
#: A present profile counts as missed when at least this share of it stays unreached.
GEMIST_SIGNAAL = 0.5
#: Participation chances are capped: no instrument reaches everyone.
MAX_KANS = 0.95
_ROUND = 12  # decimals compared when ranking, so float noise never reorders ties


# --- results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recommendation:
    """A ranked channel or instrument.

    ``bereik`` is the estimated share of all households reached (channels) or taking
    part (instruments); ``bereik_per_profiel`` the same per profile. ``score`` ranks:
    for a channel it is what it adds to the channels ranked above it (households
    they leave unreached that it reaches); for an instrument it is ``bereik`` times
    ``geschiktheid``, the fit (0-1) for the chosen phase and ladder step.
    """

    key: str
    naam: str
    score: float
    bereik: float
    bereik_per_profiel: MappingProxyType[str, float]
    reden: str
    bron: str
    geschiktheid: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        out = {"key": self.key, "naam": self.naam, "score": round(self.score, 4),
               "bereik": round(self.bereik, 4),
               "bereik_per_profiel": {k: round(v, 4) for k, v in self.bereik_per_profiel.items()},
               "reden": self.reden, "bron": self.bron}
        if self.geschiktheid is not None:
            out["geschiktheid"] = round(self.geschiktheid, 4)
        return out


@dataclass(frozen=True)
class MissedResidents:
    """Who a chosen combination of channels and instruments leaves unreached.

    ``per_profiel`` is the share of each profile's households left unreached (0-1);
    ``totaal`` the share of all households; ``aanvulling`` the channel that would add
    most for each present profile that is largely missed, ``na_aanvulling`` the share
    still unreached after adding it.
    """

    kanalen: tuple[str, ...]
    instrumenten: tuple[str, ...]
    per_profiel: MappingProxyType[str, float]
    totaal: float
    huishoudens: float | None
    aanvulling: MappingProxyType[str, str]
    na_aanvulling: MappingProxyType[str, float]
    zinnen: tuple[str, ...]


@dataclass(frozen=True)
class Advice:
    """The advice for one area (or a selection of areas)."""

    gebied: str
    mix: MappingProxyType[str, float]
    profielnamen: MappingProxyType[str, str]
    thema: str
    thema_naam: str
    fase: str
    fase_naam: str
    trede: str
    kanalen: tuple[Recommendation, ...]
    instrumenten: tuple[Recommendation, ...]
    gemist: MappingProxyType[str, float]
    gemist_detail: MissedResidents
    toon: tuple[str, ...]
    thema_notities: tuple[str, ...]
    fase_notitie: str
    gedeelde_boodschap: bool
    bronnen: tuple[str, ...]
    huishoudens: float | None = None
    betrouwbaarheid: str | None = None
    kanaalnamen: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: Profile key → (laag, hoog): the 90 % interval of each share, when known.
    mix_interval: MappingProxyType[str, tuple[float, float]] = field(
        default_factory=lambda: MappingProxyType({}))

    def present(self, drempel: float = DREMPEL) -> list[str]:
        """Profile keys with at least `drempel` share, largest first (ties by key)."""
        keys = [k for k, v in self.mix.items() if v >= drempel]
        return sorted(keys, key=lambda k: (-round(self.mix[k], _ROUND), k))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the ``advise`` command's output)."""
        detail = self.gemist_detail
        return {
            "gebied": self.gebied,
            "huishoudens": self.huishoudens,
            "betrouwbaarheid": self.betrouwbaarheid,
            "thema": self.thema, "thema_naam": self.thema_naam,
            "fase": self.fase, "fase_naam": self.fase_naam, "trede": self.trede,
            "mix": {k: round(v, 4) for k, v in self.mix.items()},
            "mix_interval": {k: [round(lo, 4), round(hi, 4)]
                             for k, (lo, hi) in self.mix_interval.items()},
            "kanalen": [r.to_dict() for r in self.kanalen],
            "instrumenten": [r.to_dict() for r in self.instrumenten],
            "standaard_mix": {"kanalen": list(detail.kanalen),
                              "instrumenten": list(detail.instrumenten)},
            "gemist_per_profiel": {k: round(v, 4) for k, v in self.gemist.items()},
            "gemist_totaal": round(detail.totaal, 4),
            "gemist_huishoudens": (None if detail.huishoudens is None
                                   else round(detail.huishoudens)),
            "aanvulling": dict(detail.aanvulling),
            "gemist_zinnen": list(detail.zinnen),
            "toon": list(self.toon),
            "thema_notities": list(self.thema_notities),
            "fase_notitie": self.fase_notitie,
            "gedeelde_boodschap": self.gedeelde_boodschap,
            "bronnen": list(self.bronnen),
        }


# --- inputs ---------------------------------------------------------------------------------


def mix_vector(mix: Mapping[str, float] | pd.Series, scheme: Scheme) -> np.ndarray:
    """A profile mix as an array in scheme order, checked and normalised.

    Parameters
    ----------
    mix : mapping or pandas.Series
        Profile key → share of households. Missing profiles count as 0.
    scheme : Scheme

    Returns
    -------
    numpy.ndarray
        Shares in scheme order, summing to 1.

    Raises
    ------
    ValueError
        On unknown profile keys, negative or missing values, or shares that do not
        add up to 1 (within 0.02).
    """
    items = dict(mix.items())
    unknown = sorted(str(k) for k in items if k not in scheme.keys)
    if unknown:
        raise ValueError(f"mix: unknown profile keys {unknown}; the scheme has {list(scheme.keys)}")
    values = np.array([float(items.get(k, 0.0)) for k in scheme.keys])
    bad = [k for k, v in zip(scheme.keys, values, strict=True) if not np.isfinite(v) or v < 0]
    if bad:
        raise ValueError(f"mix: shares must be fractions ≥ 0, got bad values for {bad}")
    total = values.sum()
    if abs(total - 1) > 0.02:
        raise ValueError(f"mix: shares add up to {total:.3f}, not 1")
    return values / total


def mix_from_row(row: Mapping[str, Any] | pd.Series, scheme: Scheme | None = None
                 ) -> dict[str, float]:
    """The profile mix from a row of ``estimate_areas`` (other columns are ignored)."""
    scheme = scheme or load_scheme()
    return {k: float(row[k]) for k in scheme.keys}


def _context(scheme: Scheme | None, rules: Rules | None) -> tuple[Scheme, Rules]:
    scheme = scheme or load_scheme()
    if rules is None:
        rules = load_rules(scheme=None if scheme is load_scheme() else scheme)
    if rules.scheme_id != scheme.id:
        raise ValueError(f"rules were validated against scheme {rules.scheme_id!r}, "
                         f"not {scheme.id!r}")
    return scheme, rules


def _check_choice(value: str, allowed: Iterable[str], what: str) -> None:
    allowed = list(allowed)
    if value not in allowed:
        raise ValueError(f"unknown {what} {value!r}; allowed: {', '.join(allowed)}")


# --- reach matrices -------------------------------------------------------------------------


def channel_reach(scheme: Scheme | None = None, rules: Rules | None = None) -> pd.DataFrame:
    """P(a channel reaches a household of a profile): channels × profiles.

    Parameters
    ----------
    scheme, rules : optional
        Default: the built-in scheme and rule tables.

    Returns
    -------
    pandas.DataFrame
        Index: channel keys (scheme order); columns: profile keys.
    """
    scheme, rules = _context(scheme, rules)
    affinity = np.array([[p.kanalen[c] for p in scheme.profielen] for c in scheme.kanalen])
    return pd.DataFrame(rules.bereik(affinity), index=list(scheme.kanalen),
                        columns=list(scheme.keys))


def instrument_reach(thema: str = "algemeen", trede: str = "raadplegen",
                     scheme: Scheme | None = None, rules: Rules | None = None) -> pd.DataFrame:
    """P(a household of a profile takes part through an instrument): instruments × profiles.

    The participation curve of the affinity, times the ladder bonus where the step is
    one the profile prefers, times the theme's relevance for the profile and its
    multiplier for the instrument; capped at ``MAX_KANS``.
    """
    scheme, rules = _context(scheme, rules)
    _check_choice(trede, scheme.ladder, "trede")
    theme = rules.theme(thema)
    affinity = np.array([[p.instrumenten[i] for p in scheme.profielen]
                         for i in scheme.instrumenten])
    chance = rules.deelname(affinity)
    ladder = np.array([rules.ladder_bonus if trede in p.ladder else 1.0 for p in scheme.profielen])
    relevance = np.array([theme.relevance(k) for k in scheme.keys])
    boost = np.array([theme.instrumenten.get(i, 1.0) for i in scheme.instrumenten])
    chance = np.minimum(chance * ladder * relevance * boost[:, None], MAX_KANS)
    return pd.DataFrame(chance, index=list(scheme.instrumenten), columns=list(scheme.keys))


def instrument_fit(fase: str, trede: str, scheme: Scheme | None = None,
                   rules: Rules | None = None) -> pd.Series:
    """Fit (0-1) of each instrument for a phase and ladder step: (phase/5) × (step/5)."""
    scheme, rules = _context(scheme, rules)
    rules.phase(fase)
    _check_choice(trede, scheme.ladder, "trede")
    return pd.Series({i: rules.instrumenten[i].fasen[fase] / 5 * rules.instrumenten[i].treden[trede]
                      / 5 for i in scheme.instrumenten})


# --- advice ---------------------------------------------------------------------------------


def advise(mix: Mapping[str, float] | pd.Series, thema: str = "algemeen",
           fase: str = "ideeen_ophalen", trede: str = "raadplegen",
           scheme: Scheme | None = None, rules: Rules | None = None,
           area_name: str | None = None, huishoudens: float | None = None,
           betrouwbaarheid: str | None = None,
           interval: Mapping[str, tuple[float, float]] | None = None) -> Advice:
    """Ranked channels and instruments with reasons, missed residents and tone.

    Parameters
    ----------
    mix : mapping or pandas.Series
        Profile key → estimated share of households (summing to 1).
    thema, fase, trede : str
        Theme key (see ``themas.yaml``), phase key (``instrumenten.yaml``) and ladder
        step (the scheme's ``ladder``).
    scheme, rules : optional
        Default: the built-in scheme and rule tables.
    area_name : str, optional
        Used in the sentences ("In Oosterpark woont …"); default "dit gebied".
    huishoudens : float, optional
        Number of households, to turn missed shares into counts.
    betrouwbaarheid : str, optional
        The estimate's confidence ("hoog", "redelijk", "laag"), shown in the note.
    interval : mapping, optional
        Profile key → (laag, hoog), the 90 % interval of each share, shown in the note.

    Returns
    -------
    Advice

    Raises
    ------
    ValueError
        On a bad mix or an unknown theme, phase or step (the message lists the allowed
        values).
    """
    scheme, rules = _context(scheme, rules)
    shares = mix_vector(mix, scheme)
    try:
        theme, phase = rules.theme(thema), rules.phase(fase)
    except KeyError as exc:
        raise ValueError(exc.args[0]) from None
    _check_choice(trede, scheme.ladder, "trede")
    gebied = area_name or "dit gebied"
    names = scheme.names()
    channels = _rank_channels(shares, gebied, scheme, rules)
    instruments = _rank_instruments(shares, gebied, thema, fase, trede, scheme, rules)
    default_channels = tuple(r.key for r in channels[:STANDAARD_KANALEN])
    default_instruments = tuple(r.key for r in instruments[:STANDAARD_INSTRUMENTEN])
    missed = missed_residents(dict(zip(scheme.keys, shares, strict=True)), default_channels,
                              default_instruments, thema=thema, trede=trede, scheme=scheme,
                              rules=rules, huishoudens=huishoudens)
    present = _present(shares, scheme)
    notes = [n.zin.format(gebied=gebied) for n in theme.notities]
    notes += [theme.profielen[k].zin.format(gebied=gebied, profiel=names[k],
                                            aandeel=fmt_pct(shares[scheme.keys.index(k)]))
              for k in present if k in theme.profielen]
    # the general sources; each recommendation carries its own
    sources = {n.bron for n in theme.notities}
    sources |= {theme.profielen[k].bron for k in present if k in theme.profielen}
    sources |= {rules.bereik.bron, rules.deelname.bron, phase.bron}
    return Advice(
        gebied=gebied, mix=MappingProxyType(dict(zip(scheme.keys, shares.tolist(), strict=True))),
        profielnamen=MappingProxyType(names), thema=thema, thema_naam=theme.naam, fase=fase,
        fase_naam=phase.naam, trede=trede, kanalen=channels, instrumenten=instruments,
        gemist=missed.per_profiel, gemist_detail=missed,
        toon=tone_advice(shares, gebied, scheme, rules),
        thema_notities=tuple(notes), fase_notitie=phase.zin.format(gebied=gebied),
        gedeelde_boodschap=theme.gedeelde_boodschap, bronnen=tuple(sorted(sources)),
        huishoudens=huishoudens, betrouwbaarheid=betrouwbaarheid,
        kanaalnamen=MappingProxyType(dict(scheme.kanalen)),
        mix_interval=MappingProxyType({str(k): (float(lo), float(hi))
                                       for k, (lo, hi) in (interval or {}).items()}),
    )


def _present(shares: np.ndarray, scheme: Scheme, drempel: float = DREMPEL) -> list[str]:
    """Present profile keys, largest share first, ties by key."""
    keys = [k for k, s in zip(scheme.keys, shares, strict=True) if s >= drempel]
    return sorted(keys, key=lambda k: (-round(shares[scheme.keys.index(k)], _ROUND), k))


def _ranked(recs: list[Recommendation]) -> tuple[Recommendation, ...]:
    return tuple(sorted(recs, key=lambda r: (-round(r.score, _ROUND), r.key)))


def _reason_fields(shares: np.ndarray, reach: np.ndarray, gebied: str, scheme: Scheme,
                   best: np.ndarray | None = None, unreached: np.ndarray | None = None
                   ) -> dict[str, str]:
    """The sentence fields, about the profile this option serves best here.

    That is a present profile for which the option is among its own best (its
    reach equals the profile's best reach over all options, as in its portrait),
    and among those the one it adds most for; without such a profile, the one it
    adds most for. So social media is never argued with a profile whose
    portrait says "go to them on the street".
    """
    unreached = np.ones_like(shares) if unreached is None else unreached
    contribution = shares * unreached * reach
    own_best = (reach >= best - 1e-9) if best is not None else np.ones(len(shares), dtype=bool)
    served = own_best & (shares >= DREMPEL)
    top = min(range(len(shares)),
              key=lambda i: (not served[i], -round(contribution[i], _ROUND), i))
    # "all profiles together" so that "50 % of them (35 % of all households)" cannot be
    # misread as 50 % of the profile's share being 35 % of everyone
    return {"gebied": gebied, "profiel": scheme.profielen[top].naam,
            "aandeel": _whole(shares[top]), "bereik": _whole(reach[top]),
            "totaal": "over alle profielen samen " + _whole(float(shares @ reach))}


def _whole(value: float) -> str:
    """Reach in whole percents (an estimate's interval is wider than a tenth)."""
    return "minder dan 1 %" if 0 < value < 0.005 else pct(value)


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _rank_channels(shares: np.ndarray, gebied: str, scheme: Scheme,
                   rules: Rules) -> tuple[Recommendation, ...]:
    """Channels in the order that reaches most households, each adding what the others miss.

    Greedy maximum coverage: first the channel with the largest reach, then each
    time the one that reaches most of the households the channels above it
    leave unreached. ``score`` is that addition; ``bereik`` the channel's own reach.
    """
    reach = channel_reach(scheme, rules)
    best = reach.to_numpy().max(axis=0)
    unreached = np.ones(len(shares))
    left = list(scheme.kanalen)
    recs = []
    while left:
        gains = {k: float(shares @ (unreached * reach.loc[k].to_numpy())) for k in left}
        key = min(left, key=lambda k: (-round(gains[k], _ROUND), k))
        row = reach.loc[key].to_numpy()
        rule = rules.kanalen[key]
        reason = _capitalise(rule.zin.format(
            **_reason_fields(shares, row, gebied, scheme, best, unreached)))
        if recs:
            reason += (f" Bovenop de kanalen die hoger staan bereikt het naar schatting nog "
                       f"{_whole(gains[key])} van alle huishoudens.")
        reason += _miss_clause(shares, row, scheme, rules)
        recs.append(Recommendation(key=key, naam=scheme.kanalen[key], score=gains[key],
                                   bereik=float(shares @ row),
                                   bereik_per_profiel=_per_profile(row, scheme), reden=reason,
                                   bron=rule.bron))
        unreached = unreached * (1 - row)
        left.remove(key)
    return tuple(recs)


def _miss_clause(shares: np.ndarray, reach: np.ndarray, scheme: Scheme, rules: Rules) -> str:
    """' Het mist grotendeels …' for the largest present profile this channel barely reaches."""
    rule = rules.mist
    missed = [(float(s), i) for i, s in enumerate(shares)
              if s >= rule.min_aandeel and reach[i] < rule.max_bereik]
    if not missed:
        return ""
    _, i = max(missed, key=lambda t: (round(t[0], _ROUND), -t[1]))
    return " " + rule.zin.format(profiel=scheme.profielen[i].naam, aandeel=_whole(shares[i]),
                                 bereik=_whole(reach[i]))


def _per_profile(row: np.ndarray, scheme: Scheme) -> MappingProxyType[str, float]:
    return MappingProxyType({k: float(v) for k, v in zip(scheme.keys, row, strict=True)})


def _rank_instruments(shares: np.ndarray, gebied: str, thema: str, fase: str, trede: str,
                      scheme: Scheme, rules: Rules) -> tuple[Recommendation, ...]:
    reach = instrument_reach(thema, trede, scheme, rules)
    fit = instrument_fit(fase, trede, scheme, rules)
    phase_name = rules.phase(fase).naam
    recs = []
    for key in scheme.instrumenten:
        row = reach.loc[key].to_numpy()
        rule = rules.instrumenten[key]
        fields = _reason_fields(shares, row, gebied, scheme, reach.to_numpy().max(axis=0)) | {
            "fase": phase_name, "trede": trede}
        level = min(5, max(1, round(math.sqrt(rule.fasen[fase] * rule.treden[trede]))))
        reason = _capitalise(rule.zin.format(**fields)) + " " + \
            rules.geschiktheid[level].format(fase=phase_name, trede=trede)
        total = float(shares @ row)
        recs.append(Recommendation(key=key, naam=scheme.instrumenten[key],
                                   score=total * float(fit[key]), bereik=total,
                                   bereik_per_profiel=_per_profile(row, scheme), reden=reason,
                                   bron=rule.bron, geschiktheid=float(fit[key])))
    return _ranked(recs)


# --- who do we miss -------------------------------------------------------------------------


def missed_residents(mix: Mapping[str, float] | pd.Series, kanalen: Sequence[str],
                     instrumenten: Sequence[str] = (), thema: str = "algemeen",
                     trede: str = "raadplegen", scheme: Scheme | None = None,
                     rules: Rules | None = None, huishoudens: float | None = None,
                     drempel: float = DREMPEL) -> MissedResidents:
    """The share of each profile a combination of channels and instruments leaves unreached.

    Reach is independent per channel and instrument: a household of profile *p* stays
    unreached with probability ``Π(1 - p_c)`` over everything chosen.

    Parameters
    ----------
    mix : mapping or pandas.Series
        Profile key → share of households.
    kanalen, instrumenten : sequence of str
        The chosen channel and instrument keys (either may be empty).
    thema, trede : str
        Theme and ladder step (they change the instruments' participation).
    scheme, rules : optional
    huishoudens : float, optional
        Number of households: adds the estimated count left unreached.
    drempel : float
        Profiles below this share get no fill-in advice.

    Returns
    -------
    MissedResidents

    Raises
    ------
    ValueError
        On an unknown channel or instrument key (naming the allowed keys).
    """
    scheme, rules = _context(scheme, rules)
    shares = mix_vector(mix, scheme)
    for key in kanalen:
        _check_choice(key, scheme.kanalen, "kanaal")
    for key in instrumenten:
        _check_choice(key, scheme.instrumenten, "instrument")
    creach = channel_reach(scheme, rules)
    unreached = np.prod(1 - creach.loc[list(kanalen)].to_numpy(), axis=0)
    if instrumenten:
        ireach = instrument_reach(thema, trede, scheme, rules)
        unreached = unreached * np.prod(1 - ireach.loc[list(instrumenten)].to_numpy(), axis=0)
    names = scheme.names()
    fill, after, sentences = {}, {}, []
    candidates = [c for c in sorted(scheme.kanalen) if c not in kanalen]
    missed_order = sorted(_present(shares, scheme, drempel),
                          key=lambda k: (-round(shares[scheme.keys.index(k)]
                                                * unreached[scheme.keys.index(k)], _ROUND), k))
    for key in missed_order:
        i = scheme.keys.index(key)
        if unreached[i] < GEMIST_SIGNAAL or not candidates:
            continue
        best = max(candidates, key=lambda c: (round(creach.at[c, key], _ROUND),
                                              -candidates.index(c)))
        fill[key] = best
        after[key] = float(unreached[i] * (1 - creach.at[best, key]))
        sentences.append(rules.aanvulling.zin.format(
            profiel=names[key], aandeel=fmt_pct(shares[i]), gemist=fmt_pct(unreached[i]),
            kanaal=scheme.kanalen[best].lower(), na=fmt_pct(after[key])))
    total = float(shares @ unreached)
    return MissedResidents(
        kanalen=tuple(kanalen), instrumenten=tuple(instrumenten),
        per_profiel=_per_profile(unreached, scheme), totaal=total,
        huishoudens=None if huishoudens is None else float(huishoudens) * total,
        aanvulling=MappingProxyType(fill), na_aanvulling=MappingProxyType(after),
        zinnen=tuple(sentences))


# --- tone -----------------------------------------------------------------------------------


def tone_advice(mix: Mapping[str, float] | pd.Series | np.ndarray, gebied: str = "dit gebied",
                scheme: Scheme | None = None, rules: Rules | None = None) -> tuple[str, ...]:
    """Tone sentences: the general ones, then each rule whose profiles weigh enough here."""
    scheme, rules = _context(scheme, rules)
    shares = mix if isinstance(mix, np.ndarray) else mix_vector(mix, scheme)
    out = [s.zin for s in rules.toon_algemeen]
    for rule in rules.toon_regels:
        hit = [i for i, p in enumerate(scheme.profielen)
               if shares[i] > 0 and rule.applies_to(p.kenmerken[rule.kenmerk])]
        total = float(sum(shares[i] for i in hit))
        if hit and total >= rule.min_aandeel:
            hit.sort(key=lambda i: (-round(shares[i], _ROUND), scheme.keys[i]))
            out.append(rule.zin.format(gebied=gebied, aandeel=fmt_pct(total),
                                       profielen=join_dutch([scheme.profielen[i].naam
                                                             for i in hit])))
    return tuple(out)
