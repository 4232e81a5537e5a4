"""The reach check (bereikcheck): who answered a consultation, who we missed, and weights.

Given a consultation's respondents with profile probabilities
(:mod:`citisens_core.respondents`) and the residents of the area
(:mod:`citisens_core.residents`):

* per profile, the share among respondents against the estimated share among
  households, and the representation ratio with a 95 % interval;
* per channel, which profiles it reached; per buurt, who is missing;
* raking weights to the residents' profile mix and age, trimmed, with Kish's
  effective sample size, and theme results weighted and unweighted with their
  margins of error;
* advice in plain Dutch: which profiles are under-represented and which channels
  and instruments from the rule tables would reach them.

Every table that counts people goes through :func:`citisens_core.privacy.suppress`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from citisens_core.dutch import fmt_pct, number
from citisens_core.privacy import count_text, is_small, suppress
from citisens_core.residents import AGE_BANDS, Residents
from citisens_core.respondents import PROFILE_SOURCE_CHECK, Respondents
from citisens_core.scheme import Scheme, load_scheme
from citisens_core.weighting import DEFAULT_CAP, Weights, trimmed_rake

#: z for the 95 % intervals of ratios and margins of error.
Z95 = 1.959964
#: z of the estimates' 90 % intervals (estimate_areas), to recover their spread.
Z90 = 1.644854
#: Theme columns with at most this many distinct answers are summarised per answer.
MAX_CATEGORIES = 12
#: A buurt counts as missed when it has no respondents while at least this many were expected.
MISSED_EXPECTED = 3.0
OVER, UNDER, IN_LINE = "oververtegenwoordigd", "ondervertegenwoordigd", "in verhouding"


# --- representation ---------------------------------------------------------------------

def representation(resp: Respondents, weights: np.ndarray | None = None) -> pd.DataFrame:
    """Per profile: respondents' share against residents' share, and their ratio.

    The respondents' share is the mean of their profile probabilities; its
    standard error the standard deviation of those probabilities over √n (with
    weights: Kish's effective n). The residents' share carries the estimate's
    own uncertainty (its 90 % interval, read on the log scale). Both combine on
    the log scale into a 95 % interval of the ratio.

    Returns
    -------
    pandas.DataFrame
        Index profile keys; ``naam``, ``aantal`` (expected number of respondents
        of the profile, the sum of probabilities), ``verwacht`` (the number if
        they answered in proportion), ``aandeel_respondenten``,
        ``aandeel_inwoners``, ``inwoners_laag``, ``inwoners_hoog``,
        ``verhouding``, ``verhouding_laag``, ``verhouding_hoog``, ``oordeel``.
    """
    residents = resp.residents
    keys = resp.keys
    p = resp.probabilities
    n = len(p)
    w = np.ones(n) if weights is None else np.asarray(weights, float)
    n_eff = w.sum() ** 2 / (w * w).sum() if n else 0.0
    share = (w @ p) / w.sum() if n else np.zeros(len(keys))
    sd = np.sqrt(((p - share) ** 2 * w[:, None]).sum(axis=0) / w.sum()) if n else share
    floor = 0.5 / max(n, 1)
    resp_share = np.maximum(share, floor)
    se_log_resp = sd / np.sqrt(max(n_eff, 1.0)) / resp_share
    mix = residents.mix.reindex(keys)
    pop = mix["aandeel"].to_numpy(float)
    se_log_pop = (np.log(mix["hoog"].to_numpy(float)) - np.log(mix["laag"].to_numpy(float))) \
        / (2 * Z90)
    ratio = resp_share / pop
    spread = Z95 * np.sqrt(se_log_resp ** 2 + se_log_pop ** 2)
    low, high = ratio * np.exp(-spread), ratio * np.exp(spread)
    verdict = np.where(low > 1, OVER, np.where(high < 1, UNDER, IN_LINE))
    names = load_scheme().names() if set(keys) <= set(load_scheme().keys) else {}
    return pd.DataFrame({
        "naam": [names.get(k, k) for k in keys],
        "aantal": p.sum(axis=0),
        "verwacht": pop * n,
        "aandeel_respondenten": share,
        "aandeel_inwoners": pop,
        "inwoners_laag": mix["laag"].to_numpy(float),
        "inwoners_hoog": mix["hoog"].to_numpy(float),
        "verhouding": ratio, "verhouding_laag": low, "verhouding_hoog": high,
        "oordeel": verdict,
    }, index=pd.Index(keys, name="profiel"))


REPRESENTATION_DERIVED = ("aandeel_respondenten", "verhouding", "verhouding_laag",
                          "verhouding_hoog", "oordeel", "aandeel_gewogen")


def by_channel(resp: Respondents) -> pd.DataFrame:
    """Which profiles each channel reached: one row per (channel, profile).

    Returns
    -------
    pandas.DataFrame
        ``kanaal``, ``kanaal_aantal`` (respondents via the channel), ``profiel``,
        ``naam``, ``aantal`` (expected respondents of the profile via the channel),
        ``aandeel`` (share of the channel's respondents), ``aandeel_inwoners``.
    """
    frame = resp.frame
    keys = resp.keys
    names = load_scheme().names()
    channel = frame["kanaal"].fillna("Onbekend")
    rows = []
    for label, group in frame.groupby(channel, sort=False):
        p = group[keys].to_numpy(float)
        counts = p.sum(axis=0)
        for j, key in enumerate(keys):
            rows.append({"kanaal": str(label), "kanaal_aantal": len(group), "profiel": key,
                         "naam": names.get(key, key), "aantal": counts[j],
                         "aandeel": counts[j] / len(group),
                         "aandeel_inwoners": float(resp.residents.mix.at[key, "aandeel"])})
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    order = table.groupby("kanaal")["kanaal_aantal"].first().sort_values(ascending=False).index
    table["kanaal"] = pd.Categorical(table["kanaal"], categories=list(order), ordered=True)
    return table.sort_values(["kanaal", "profiel"], key=lambda s: s if s.name == "kanaal"
                             else s.map({k: i for i, k in enumerate(keys)})
                             ).reset_index(drop=True).astype({"kanaal": str})


def by_area(resp: Respondents) -> pd.DataFrame:
    """Respondents per buurt (or PC4) against what a proportional response would give.

    Returns
    -------
    pandas.DataFrame
        One row per area: ``code``, ``naam``, ``wijkcode``, ``wijknaam``,
        ``huishoudens``, ``aantal`` (respondents), ``verwacht`` (respondents if
        every household answered equally often), ``verhouding``, ``gemist``
        (True: nobody answered where at least :data:`MISSED_EXPECTED` were
        expected). Sorted with the missed areas first, most expected first.
    """
    areas = resp.residents.gebieden[["code", "naam", "wijkcode", "wijknaam", "huishoudens"]].copy()
    placed = resp.frame["buurtcode"].dropna()
    counts = placed.value_counts()
    areas["aantal"] = areas["code"].map(counts).fillna(0).astype(float)
    total = areas["huishoudens"].sum()
    areas["verwacht"] = (areas["huishoudens"] / total * len(placed)) if total > 0 else 0.0
    areas["verhouding"] = areas["aantal"] / areas["verwacht"].where(areas["verwacht"] > 0)
    areas["gemist"] = (areas["aantal"] == 0) & (areas["verwacht"] >= MISSED_EXPECTED)
    return areas.sort_values(["gemist", "verhouding", "verwacht"],
                             ascending=[False, True, False]).reset_index(drop=True)


# --- weights ------------------------------------------------------------------------------

def weigh(resp: Respondents, cap: float = DEFAULT_CAP, use_age: bool = True) -> Weights:
    """Rake the respondents to the residents' profile mix and, where known, age.

    Respondents without an age band are left out of the age margin only.
    """
    memberships = [resp.probabilities]
    targets = [resp.residents.shares / resp.residents.shares.sum()]
    ages = resp.residents.leeftijd
    band = resp.frame["leeftijd"]
    if use_age and ages is not None and band.notna().sum() >= 2:
        onehot = np.stack([(band == b).to_numpy(float) for b in AGE_BANDS], axis=1)
        present = onehot.sum(axis=0) > 0
        # an age band with no respondent cannot be weighted up: drop it from the target
        target = ages.reindex(list(AGE_BANDS)).to_numpy(float) * present
        if target.sum() > 0:
            memberships.append(onehot)
            targets.append(target / target.sum())
    return trimmed_rake(memberships, targets, cap=cap)


def weighted_mix(resp: Respondents, weights: Weights) -> pd.Series:
    """The weighted profile mix of the respondents."""
    mix = weights.w @ resp.probabilities / weights.w.sum()
    return pd.Series(mix, index=resp.keys)


# --- theme results ------------------------------------------------------------------------

def theme_results(resp: Respondents, weights: Weights) -> pd.DataFrame:
    """Theme answers unweighted and weighted, each with its 95 % margin of error.

    Numeric columns (every answer a number) are summarised by their mean; other
    columns with at most :data:`MAX_CATEGORIES` different answers per answer
    (share of those who answered). Columns with more (open answers) are left
    out: free text can identify people and is never shown.

    Returns
    -------
    pandas.DataFrame
        ``vraag``, ``antwoord`` (None for a mean), ``soort`` (gemiddelde or
        aandeel), ``aantal`` (people giving this answer; for a mean: who answered),
        ``ongewogen``, ``marge``, ``gewogen``, ``marge_gewogen``, ``n_beantwoord``.
    """
    rows = []
    w_all = weights.w
    for question in resp.themes:
        values = resp.frame[question]
        answered = values.notna().to_numpy()
        if answered.sum() == 0:
            continue
        w = w_all[answered]
        n = int(answered.sum())
        n_eff = w.sum() ** 2 / (w * w).sum()
        numeric = pd.to_numeric(values[answered].str.replace(",", "."), errors="coerce")
        if numeric.notna().all():
            x = numeric.to_numpy(float)
            mean, wmean = x.mean(), (w @ x) / w.sum()
            sd = x.std(ddof=1) if n > 1 else 0.0
            wsd = np.sqrt((w * (x - wmean) ** 2).sum() / w.sum())
            rows.append({"vraag": question, "antwoord": None, "soort": "gemiddelde", "aantal": n,
                         "ongewogen": mean, "marge": Z95 * sd / np.sqrt(n),
                         "gewogen": wmean, "marge_gewogen": Z95 * wsd / np.sqrt(n_eff),
                         "n_beantwoord": n})
            continue
        answers = values[answered].astype(str)
        if answers.nunique() > MAX_CATEGORIES:
            continue
        for answer, count in answers.value_counts().items():
            hit = (answers == answer).to_numpy(float)
            p, pw = hit.mean(), (w @ hit) / w.sum()
            rows.append({"vraag": question, "antwoord": str(answer), "soort": "aandeel",
                         "aantal": int(count), "ongewogen": p,
                         "marge": Z95 * np.sqrt(p * (1 - p) / n),
                         "gewogen": pw, "marge_gewogen": Z95 * np.sqrt(pw * (1 - pw) / n_eff),
                         "n_beantwoord": n})
    columns = ["vraag", "antwoord", "soort", "aantal", "ongewogen", "marge", "gewogen",
               "marge_gewogen", "n_beantwoord"]
    return pd.DataFrame(rows, columns=columns)


THEME_DERIVED = ("ongewogen", "marge", "gewogen", "marge_gewogen")


# --- advice -------------------------------------------------------------------------------

def profile_routes(key: str, scheme: Scheme | None = None, top: int = 2
                   ) -> tuple[list[str], list[str]]:
    """The channels and instruments from the rule tables that reach a profile best."""
    from citisens_core.strategy import channel_reach, instrument_reach

    scheme = scheme or load_scheme()
    channels = channel_reach(scheme)[key].sort_values(ascending=False, kind="stable")
    instruments = instrument_reach(scheme=scheme)[key].sort_values(ascending=False, kind="stable")
    return ([scheme.kanalen[c] for c in channels.index[:top]],
            [scheme.instrumenten[i] for i in instruments.index[:top]])


def routes_text(names: list[str]) -> str:
    """Channel or instrument names for a sentence: ‘A’ of ‘B’ (names may contain "en")."""
    return " of ".join(f"‘{n}’" for n in names)


def _ratio_text(row: pd.Series) -> str:
    return (f"verhouding {number(row['verhouding'], 2)}, 95 %-interval "
            f"{number(row['verhouding_laag'], 2)}–{number(row['verhouding_hoog'], 2)}")


def advice(rep: pd.DataFrame, channels: pd.DataFrame, scheme: Scheme | None = None,
           wie: str = "respondenten") -> list[dict[str, Any]]:
    """Plain-Dutch advice per profile that is over- or under-represented.

    Returns
    -------
    list of dict
        ``profiel``, ``oordeel``, ``zin`` (the sentence), ``kanalen`` and
        ``instrumenten`` (for under-represented profiles: what would reach them),
        ``via`` (the channel of this consultation that brought most of them).
    """
    scheme = scheme or load_scheme()
    out = []
    for key, row in rep.iterrows():
        if row["oordeel"] == IN_LINE:
            continue
        small = is_small(row["aantal"])
        via = _main_channel(channels, key)
        if row["oordeel"] == UNDER:
            kanalen, instrumenten = profile_routes(str(key), scheme)
            figures = (f"minder dan 10 {wie}, waar er naar verwachting "
                       f"{number(row['verwacht'])} zouden zijn" if small else
                       f"{fmt_pct(row['aandeel_respondenten'])} van de {wie} tegen naar schatting "
                       f"{fmt_pct(row['aandeel_inwoners'])} van de huishoudens "
                       f"({_ratio_text(row)})")
            text = (f"{row['naam']} zijn ondervertegenwoordigd: {figures}. Zij zijn naar "
                    f"verwachting het best te bereiken via {routes_text(kanalen)}; als "
                    f"werkvorm passen {routes_text(instrumenten)}.")
            if via and not small:
                text += f" In deze ronde kwamen de meesten van hen via ‘{via}’."
        else:
            kanalen, instrumenten = [], []
            text = (f"{row['naam']} zijn oververtegenwoordigd: "
                    f"{fmt_pct(row['aandeel_respondenten'])} van de {wie} tegen naar schatting "
                    f"{fmt_pct(row['aandeel_inwoners'])} van de huishoudens ({_ratio_text(row)})"
                    + (f", vooral via ‘{via}’" if via else "")
                    + ". Weeg de resultaten, zodat hun stem niet zwaarder telt dan hun aandeel.")
        out.append({"profiel": str(key), "naam": row["naam"], "oordeel": row["oordeel"],
                    "zin": text, "kanalen": kanalen, "instrumenten": instrumenten, "via": via})
    if not out:
        out.append({"profiel": None, "naam": None, "oordeel": IN_LINE,
                    "zin": f"Geen profiel is aantoonbaar onder- of oververtegenwoordigd onder de "
                           f"{wie}: alle intervallen van de verhouding bevatten 1.",
                    "kanalen": [], "instrumenten": [], "via": None})
    return out


def _main_channel(channels: pd.DataFrame, key: str) -> str | None:
    """The channel that brought the most respondents of a profile (never a group < 10)."""
    if channels.empty or "kanaal" not in channels:
        return None
    rows = channels[(channels["profiel"] == key) & ~channels["aantal"].map(is_small)]
    rows = rows[rows["aantal"] >= 0.5]
    if rows.empty:
        return None
    return str(rows.sort_values("aantal", ascending=False).iloc[0]["kanaal"])


# --- the whole check ----------------------------------------------------------------------

@dataclass(frozen=True)
class ReachCheck:
    """Everything the Consultatie page, the ``bereik`` command and the downloads show."""

    respondents: Respondents
    profielen: pd.DataFrame
    kanalen: pd.DataFrame
    gebieden: pd.DataFrame
    gewichten: Weights
    gewogen_mix: pd.Series
    thema: pd.DataFrame
    advies: list[dict[str, Any]]

    @property
    def residents(self) -> Residents:
        return self.respondents.residents

    @property
    def n(self) -> int:
        return len(self.respondents)

    @property
    def ondervertegenwoordigd(self) -> list[str]:
        return [str(k) for k in self.profielen.index[self.profielen["oordeel"] == UNDER]]

    @property
    def oververtegenwoordigd(self) -> list[str]:
        return [str(k) for k in self.profielen.index[self.profielen["oordeel"] == OVER]]

    @property
    def max_gap_pp(self) -> float:
        """Largest gap between the weighted profile mix and the residents' mix, in pp."""
        return float(100 * np.abs(self.gewogen_mix.to_numpy()
                                  - self.residents.shares / self.residents.shares.sum()).max())

    # -- safe tables: every one goes through privacy.suppress
    def profile_table(self) -> pd.DataFrame:
        table = self.profielen.assign(aandeel_gewogen=self.gewogen_mix)
        return suppress(table, "aantal", REPRESENTATION_DERIVED)

    def channel_table(self) -> pd.DataFrame:
        return suppress(suppress(self.kanalen, "aantal", ("aandeel",)), "kanaal_aantal")

    def area_table(self) -> pd.DataFrame:
        return suppress(self.gebieden, "aantal", ("verhouding",))

    def theme_table(self) -> pd.DataFrame:
        return suppress(self.thema, "aantal", THEME_DERIVED)

    def to_dict(self) -> dict[str, Any]:
        """The ``bereik`` command's JSON (small groups suppressed)."""
        prof = self.profile_table()
        profielen = {
            str(k): {"naam": r["naam"], "aantal_respondenten": r["aantal"],
                     "aandeel_respondenten": _r(r["aandeel_respondenten"]),
                     "aandeel_inwoners": _r(r["aandeel_inwoners"]),
                     "aandeel_inwoners_laag": _r(r["inwoners_laag"]),
                     "aandeel_inwoners_hoog": _r(r["inwoners_hoog"]),
                     "verhouding": _r(r["verhouding"]),
                     "verhouding_laag": _r(r["verhouding_laag"]),
                     "verhouding_hoog": _r(r["verhouding_hoog"]),
                     "oordeel": r["oordeel"],
                     "aandeel_gewogen": _r(r["aandeel_gewogen"])}
            for k, r in prof.iterrows()}
        channels = self.channel_table()
        kanalen = []
        for label, group in channels.groupby("kanaal", sort=False):
            kanalen.append({"kanaal": str(label), "aantal": group["kanaal_aantal"].iloc[0],
                            "profielen": {str(r["profiel"]): {"aantal": r["aantal"],
                                                              "aandeel": _r(r["aandeel"])}
                                          for _, r in group.iterrows()}})
        areas = self.area_table()
        w = self.gewichten
        return {
            "gebied": self.residents.naam,
            "bron": self.respondents.source,
            "respondenten": count_text(self.n),
            "buiten_gebied": count_text(self.respondents.buiten),
            "met_profielcheck": count_text(
                int((self.respondents.frame["bron_profiel"] == PROFILE_SOURCE_CHECK).sum())),
            "profielen": profielen,
            "kanalen": kanalen,
            "ondervertegenwoordigd": self.ondervertegenwoordigd,
            "oververtegenwoordigd": self.oververtegenwoordigd,
            "advies": [a["zin"] for a in self.advies],
            "advies_per_profiel": [{k: v for k, v in a.items() if k != "zin"} | {"zin": a["zin"]}
                                   for a in self.advies if a["profiel"]],
            "gebieden_gemist": [{"code": r["code"], "naam": r["naam"], "wijk": r["wijknaam"],
                                 "verwacht": round(float(r["verwacht"]), 1)}
                                for _, r in areas[areas["gemist"]].iterrows()],
            "gebieden": [{"code": r["code"], "naam": r["naam"], "aantal": r["aantal"],
                          "verwacht": round(float(r["verwacht"]), 1),
                          "verhouding": _r(r["verhouding"])} for _, r in areas.iterrows()],
            "weging": {"methode": "raking naar profielmix en leeftijd (iteratieve schaling), "
                                  f"gewichten afgekapt op {number(w.cap, 1)} × het gemiddelde",
                       "effectieve_steekproef": round(w.n_eff, 1),
                       "design_effect": round(w.design_effect, 3),
                       "afgekapt": count_text(w.trimmed),
                       "grootste_afwijking_pp": round(self.max_gap_pp, 2)},
            "thema": [{k: (_r(v) if isinstance(v, float) else v) for k, v in r.items()}
                      for r in self.theme_table().to_dict("records")],
            "betrouwbaarheid_inwoners": self.residents.betrouwbaarheid,
            "let_op": GROUP_NOTE,
        }


GROUP_NOTE = ("Profielen zijn kansen voor groepen huishoudens, nooit een label voor een persoon; "
              "groepen van minder dan 10 mensen staan er als \"< 10\".")


def _r(value: object, digits: int = 4) -> object:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return None
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return int(value)  # counts stay whole numbers
    if isinstance(value, float | np.floating):
        return round(float(value), digits)
    return value


def reach_check(resp: Respondents, cap: float = DEFAULT_CAP,
                scheme: Scheme | None = None) -> ReachCheck:
    """Run the whole reach check on placed respondents.

    Raises
    ------
    ValueError
        When no respondent lives in the area.
    """
    if len(resp) == 0:
        raise ValueError("geen enkele respondent woont in het gebied van het gebiedsbestand")
    rep = representation(resp)
    channels = by_channel(resp)
    weights = weigh(resp, cap=cap)
    return ReachCheck(respondents=resp, profielen=rep, kanalen=channels, gebieden=by_area(resp),
                      gewichten=weights, gewogen_mix=weighted_mix(resp, weights),
                      thema=theme_results(resp, weights), advies=advice(rep, channels, scheme))
