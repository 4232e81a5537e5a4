"""Honesty of the estimate on real CBS files: validity of the leanings and masking coverage.

Two checks on the real files in ../shared/real-cbs (skipped, with a message,
when that folder is absent):

* **Validity**: on the 2015 buurten, Spearman's ρ between each profile's
  estimated share and each area figure, against the direction the profile
  scheme expects (``neigingen``). A "+" or "-" is contradicted when ρ has the
  other sign beyond 0.1; a "0" (about the same everywhere) when |ρ| > 0.4; any
  |ρ| > 0.95 is a near-restatement of one figure.
* **Masking**: hide one figure group (age, household, urbanity, tenure) for
  whole gemeenten (20 % of them) or for single areas (10 %), re-estimate and
  count how often the 90 % interval contains the full-data estimate, per
  profile and per group. Target: ≥ 88 % overall, ≥ 80 % per profile and group.

Prints the tables and writes docs/benchmarks/honesty.md and the section
"Op echte CBS-gegevens" of docs/model-card.md. Run:

    python benchmarks/bench_honesty.py
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from citisens_core.dutch import number
from citisens_core.estimate import estimate_areas
from citisens_core.geodata import read_areas
from citisens_core.model import default_model
from citisens_core.scheme import LEANING_FIGURES, load_scheme

REPO = Path(__file__).resolve().parents[1]
REAL = REPO.parent / "shared" / "real-cbs"
CARD = REPO / "docs" / "model-card.md"
SECTION = ("<!-- echte-gegevens:begin -->", "<!-- echte-gegevens:end -->")
GROUPS = {
    "leeftijd": ["aandeel_0_15", "aandeel_15_25", "aandeel_25_45", "aandeel_45_65",
                 "aandeel_65_plus"],
    "huishouden": ["aandeel_eenpersoons", "aandeel_zonder_kinderen", "aandeel_met_kinderen"],
    "stedelijkheid": ["stedelijkheid", "adressendichtheid"],
    "woning": ["aandeel_koop", "aandeel_huur", "aandeel_huur_corporatie"],
    "inkomen": ["aandeel_laag_inkomen", "aandeel_hoog_inkomen"],
}
TARGET_OVERALL, TARGET_PART = 0.88, 0.80
FLAT_LIMIT, SIGN_LIMIT, RESTATEMENT = 0.4, 0.1, 0.95
FIGURE_LABELS = {
    "aandeel_15_25": "15-25 jr", "aandeel_25_45": "25-45 jr", "aandeel_45_65": "45-65 jr",
    "aandeel_65_plus": "65+", "aandeel_eenpersoons": "eenpersoons",
    "aandeel_zonder_kinderen": "zonder kind.", "aandeel_met_kinderen": "met kind.",
    "adressendichtheid": "stedelijk", "aandeel_huur": "huur",
    "aandeel_hoog_inkomen": "hoog inkomen",
}


def buurten_2015() -> pd.DataFrame:
    frames = [pd.DataFrame(read_areas(f, level="buurt").drop(columns="geometry"))
              for f in sorted((REAL / "buurt-2015").glob("*.geojson"))]
    return pd.concat(frames, ignore_index=True).drop_duplicates("code").reset_index(drop=True)


def pc4_2022() -> pd.DataFrame:
    table = read_areas(REAL / "pc4-2022-v1-statistiek.csv")
    return pd.DataFrame(table.drop(columns="geometry")).reset_index(drop=True)


# --- validity ---------------------------------------------------------------------------

def validity(areas: pd.DataFrame, model, scheme) -> pd.DataFrame:
    """One row per profile and figure: expected direction, ρ and the verdict."""
    est = estimate_areas(areas, model)
    usable = est["heeft_schatting"].to_numpy() & (areas["huishoudens"].fillna(0) >= 50).to_numpy()
    rows = []
    for profile in scheme.profielen:
        for figure in LEANING_FIGURES:
            values = areas.loc[usable, figure]
            expected = profile.neigingen.get(figure, "")
            if values.notna().sum() < 30:
                rows.append((profile.key, figure, expected, np.nan, "niet te toetsen"))
                continue
            ok = values.notna()
            rho = spearmanr(est.loc[usable, profile.key][ok], values[ok]).statistic
            rows.append((profile.key, figure, expected, rho, _verdict(expected, rho)))
    return pd.DataFrame(rows, columns=["profiel", "kenmerk", "verwacht", "rho", "oordeel"])


def _verdict(expected: str, rho: float) -> str:
    if abs(rho) > RESTATEMENT:
        return "herhaling van één kenmerk"
    if (expected == "+" and rho < -SIGN_LIMIT) or (expected == "-" and rho > SIGN_LIMIT) \
            or (expected == "0" and abs(rho) > FLAT_LIMIT):
        return "TEGENSTRIJDIG"
    return "klopt" if expected else ""


# --- masking ----------------------------------------------------------------------------

def masking(areas: pd.DataFrame, model, keys: list[str], name: str, seed: int = 0
            ) -> pd.DataFrame:
    """Coverage rows: file, mode, group, profile, share of masked areas covered."""
    rng = np.random.default_rng(seed)
    full = estimate_areas(areas, model)
    inhabited = full["heeft_schatting"].to_numpy()
    rows = []
    for group, columns in GROUPS.items():
        present = [c for c in columns if c in areas and areas[c].notna().mean() > 0.5]
        if not present:
            continue
        gemeenten = areas["gemeentecode"].dropna().unique()
        modes = {"enkel gebied": rng.random(len(areas)) < 0.10}
        if len(gemeenten) > 5:
            chosen = rng.choice(gemeenten, size=max(1, len(gemeenten) // 5), replace=False)
            modes["hele gemeente"] = areas["gemeentecode"].isin(chosen).to_numpy()
        for mode, mask in modes.items():
            hidden = areas.copy()
            hidden.loc[mask, columns] = np.nan
            est = estimate_areas(hidden, model)
            rows_mask = mask & inhabited
            for key in keys:
                truth = full.loc[rows_mask, key]
                inside = (truth >= est.loc[rows_mask, f"{key}_laag"] - 1e-9) & \
                         (truth <= est.loc[rows_mask, f"{key}_hoog"] + 1e-9)
                width = (est.loc[rows_mask, f"{key}_hoog"] - est.loc[rows_mask, f"{key}_laag"])
                rows.append((name, mode, group, key, float(inside.mean()), int(rows_mask.sum()),
                             float(width.median())))
            if group == "stedelijkheid":
                redelijk = est.loc[rows_mask, "betrouwbaarheid"].isin(["hoog", "redelijk"]).sum()
                rows.append((name, mode, group, "_redelijk_of_hoog", float(redelijk),
                             int(rows_mask.sum()), np.nan))
    return pd.DataFrame(rows, columns=["bestand", "wijze", "groep", "profiel", "dekking", "n",
                                       "breedte"])


# --- report -----------------------------------------------------------------------------

def pct(value: float) -> str:
    return number(value * 100, 0) + " %"


def validity_table(table: pd.DataFrame, scheme) -> str:
    names = scheme.names()
    figures = [f for f in LEANING_FIGURES if table.loc[table["kenmerk"] == f, "rho"].notna().any()]
    untested = [f for f in LEANING_FIGURES if f not in figures]
    head = "| profiel | " + " | ".join(FIGURE_LABELS[f] for f in figures) + " |\n"
    head += "|---|" + "---|" * len(figures) + "\n"
    lines = []
    for key in scheme.keys:
        cells = []
        for f in figures:
            row = table[(table["profiel"] == key) & (table["kenmerk"] == f)].iloc[0]
            mark = {"TEGENSTRIJDIG": " ✗",
                    "herhaling van één kenmerk": " ≈"}.get(row["oordeel"], "")
            expected = f" ({row['verwacht']})" if row["verwacht"] else ""
            cells.append(f"{number(row['rho'], 2)}{expected}{mark}")
        lines.append(f"| {names[key]} | " + " | ".join(cells) + " |")
    bad = table[table["oordeel"].isin(["TEGENSTRIJDIG", "herhaling van één kenmerk"])]
    listed = "; ".join(f"{names[r.profiel]} × {FIGURE_LABELS[r.kenmerk]} (verwacht "
                       f"{r.verwacht or 'niets'}, ρ {number(r.rho, 2)})"
                       for r in bad.itertuples())
    verdict = ("Geen enkele richting is in tegenspraak met het profielschema en geen profiel "
               "herhaalt één kenmerk (|ρ| > 0,95)." if bad.empty else
               f"In tegenspraak of herhaling (✗ / ≈): {listed}.")
    tenure_bound = bad[(bad["kenmerk"] == "adressendichtheid") & (bad["verwacht"] == "0")]
    if len(tenure_bound) and table.loc[table["kenmerk"] == "aandeel_huur", "rho"].notna().any():
        verdict += (" Zo'n profiel woont volgens het schema 'overal', maar is ook aan koop of "
                    "huur gebonden; waar een bestand koop/huur heeft, volgt het de echte "
                    "samenhang tussen huur en stedelijkheid. Die twee neigingen in het schema "
                    "gaan op echte gegevens niet samen.")
    missing = ", ".join(FIGURE_LABELS[f] for f in untested)
    return (head + "\n".join(lines) + "\n\n" + verdict + "\n\n"
            f"Niet te toetsen op dit bestand (ontbreekt per gebied): {missing}. "
            "Voor deze kenmerken rust de koppeling alleen op de aannames in het profielschema.")


def masking_table(table: pd.DataFrame, scheme) -> tuple[str, dict]:
    names = scheme.names()
    cov = table[table["profiel"] != "_redelijk_of_hoog"]
    overall = float(np.average(cov["dekking"], weights=cov["n"]))
    by_group = cov.groupby(["bestand", "wijze", "groep"]).apply(
        lambda g: np.average(g["dekking"], weights=g["n"]), include_groups=False)
    by_profile = cov.groupby("profiel").apply(
        lambda g: np.average(g["dekking"], weights=g["n"]), include_groups=False)
    lines = ["| bestand | verborgen | groep | gebieden | dekking | laagste profiel "
             "| mediane intervalbreedte |", "|---|---|---|---|---|---|---|"]
    for (bestand, wijze, groep), value in by_group.items():
        part = cov[(cov["bestand"] == bestand) & (cov["wijze"] == wijze) & (cov["groep"] == groep)]
        worst = part.loc[part["dekking"].idxmin()]
        lines.append(f"| {bestand} | {wijze} | {groep} | {int(part['n'].iloc[0])} | {pct(value)} "
                     f"| {names[worst['profiel']]} {pct(worst['dekking'])} "
                     f"| {number(part['breedte'].median() * 100, 0)} procentpunt |")
    profile_line = "; ".join(f"{names[k]} {pct(by_profile[k])}" for k in scheme.keys)
    ok = overall >= TARGET_OVERALL and by_group.min() >= TARGET_PART \
        and by_profile.min() >= TARGET_PART
    redelijk = table[(table["profiel"] == "_redelijk_of_hoog")]
    text = ("\n".join(lines) + "\n\n"
            f"Per profiel: {profile_line}.\n\n"
            f"Totaal: **{pct(overall)}** (doel ≥ 88 %, per profiel en groep ≥ 80 %): "
            f"{'gehaald' if ok else 'NIET gehaald'}. Laagste groep {pct(by_group.min())}, "
            f"laagste profiel {pct(by_profile.min())}. Gebieden met verborgen stedelijkheid "
            f"die toch 'redelijk' of 'hoog' heten: {int(redelijk['dekking'].sum())}.\n\n"
            "De intervallen zijn breed waar een bestand kenmerken helemaal mist: de buurten "
            "van 2015 hebben geen koop/huur en geen inkomen, het PC4-bestand van 2022 geen "
            "inkomen. Die kenmerken komen dan van het land, met de echte spreiding tussen "
            "gebieden (`citisens_core/data/spreiding.yaml`), en de dekking is daardoor hoog.")
    return text, {"overall": overall, "min_group": float(by_group.min()),
                  "min_profile": float(by_profile.min()), "ok": ok}


def write(validity_md: str, masking_md: str) -> None:
    today = date.today().isoformat()
    body = (f"## Op echte CBS-gegevens\n\n*Gemeten op {today} met "
            "`python benchmarks/bench_honesty.py`.*\n\n"
            "### Klopt de richting? (Spearman ρ)\n\n"
            "Per profiel de rangcorrelatie tussen het geschatte aandeel en een gebiedskenmerk "
            "(gebieden met ten minste 50 huishoudens), met tussen haakjes de richting die het "
            "profielschema verwacht (+, −, 0 = overal ongeveer gelijk). ✗ = in tegenspraak, "
            "≈ = |ρ| > 0,95: het profiel herhaalt dan één kenmerk.\n\n"
            + validity_md + "\n\n"
            "### Zijn de intervallen eerlijk? (maskeren)\n\n"
            "Een kenmerkgroep wordt verborgen voor hele gemeenten (20 %) of losse gebieden "
            "(10 %); daarna wordt opnieuw geschat. Dekking = hoe vaak het 90%-interval de "
            "schatting met alle cijfers bevat.\n\n" + masking_md + "\n")
    card = CARD.read_text(encoding="utf-8")
    begin, end = SECTION
    if begin in card:
        card = card[:card.index(begin) + len(begin)] + "\n" + body + card[card.index(end):]
    else:
        card = card.rstrip() + f"\n\n{begin}\n{body}{end}\n"
    CARD.write_text(card, encoding="utf-8")
    bench = REPO / "docs" / "benchmarks" / "honesty.md"
    bench.write_text(f"# Honesty benchmark ({today})\n\nProduced by "
                     "`python benchmarks/bench_honesty.py` on the real files in "
                     "../shared/real-cbs.\n\n" + body.split("\n", 2)[2], encoding="utf-8")


def main() -> None:
    if not (REAL / "buurt-2015").is_dir():
        print(f"skipped: the real CBS files are not in {REAL}")
        return
    scheme, model = load_scheme(), default_model()
    keys = list(model.profile_keys)
    buurten, pc4 = buurten_2015(), pc4_2022()
    validity_md = ""
    for title, table in (("Buurten 2015 (wijk- en buurtkaart)", buurten),
                         ("PC4-gebieden 2022 (met koop/huur)", pc4)):
        validity_md += f"**{title}**\n\n" + validity_table(validity(table, model, scheme),
                                                             scheme) + "\n\n"
    print(validity_md)
    masked = pd.concat([masking(buurten, model, keys, "buurten 2015"),
                        masking(pc4, model, keys, "PC4 2022")])
    masking_md, _ = masking_table(masked, scheme)
    print("\n" + masking_md)
    write(validity_md, masking_md)
    print("\nwritten: docs/model-card.md (section 'Op echte CBS-gegevens'), "
          "docs/benchmarks/honesty.md")


if __name__ == "__main__":
    main()
