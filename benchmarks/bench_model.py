"""Validity and speed of the whole chain: survey → fit → marginals → estimate.

Prints its figures and writes them to docs/model-card.md (which the app and the
README show) and docs/benchmarks/model.md. Timings are medians over several
runs because this machine is shared and noisy. Run:

    python benchmarks/bench_model.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from citisens_core.dutch import number
from citisens_core.estimate import estimate_areas
from citisens_core.fictional.survey import generate_survey
from citisens_core.geodata import read_areas
from citisens_core.model import fit_engagement_model
from citisens_core.scheme import load_scheme
from citisens_core.survey import TRUE_PROFILE, answer_columns

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "geodata" / "demo-gemeente.gpkg"
TRUTH = REPO / "geodata" / "demo-waarheid.csv"
TARGETS = {"ari": 0.80, "mae_pp": 3.0, "coverage": 0.85, "short_form": 0.85,
           "fit_s": 10.0, "estimate_s": 5.0}


def median_time(func, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def segmentation_figures(runs: int) -> dict:
    scheme = load_scheme()
    survey = generate_survey(16_000, seed=1, scheme=scheme)
    fit_s, model = median_time(lambda: fit_engagement_model(survey, scheme), runs)
    answers = survey[list(answer_columns(scheme))]
    ari = adjusted_rand_score(survey[TRUE_PROFILE], model.segmenter.predict(answers))
    holdout = generate_survey(4_000, seed=99, scheme=scheme)
    ari_holdout = adjusted_rand_score(
        holdout[TRUE_PROFILE], model.segmenter.predict(holdout[list(answer_columns(scheme))]))
    return {"model": model, "fit_s": fit_s, "ari": ari, "ari_holdout": ari_holdout,
            "short_form": model.short_form.agreement,
            "short_form_items": len(model.short_form.items)}


def demo_figures(model, runs: int) -> dict:
    buurten = read_areas(DEMO, level="buurt")
    parents = pd.concat([read_areas(DEMO, level="wijk"), read_areas(DEMO, level="gemeente")])
    estimates = estimate_areas(buurten, model, parents=parents).set_index("code")
    truth = pd.read_csv(TRUTH, dtype={"code": str})
    truth = truth[truth["niveau"] == "buurt"].set_index("code")
    keys = list(model.profile_keys)
    inhabitants = buurten.set_index("code")["inwoners"]
    large = inhabitants[inhabitants >= 500].index.intersection(truth.index)
    error = (estimates.loc[large, keys] - truth.loc[large, keys]).abs() * 100
    inside = [((truth.loc[large, k] >= estimates.loc[large, f"{k}_laag"])
               & (truth.loc[large, k] <= estimates.loc[large, f"{k}_hoog"])) for k in keys]
    dominant_right = (estimates.loc[large, "dominant_profiel"]
                      == truth.loc[large, keys].idxmax(axis=1)).mean()
    many = pd.concat([buurten] * int(np.ceil(15_000 / len(buurten))), ignore_index=True)[:15_000]
    estimate_s, _ = median_time(lambda: estimate_areas(many, model), max(runs, 3))
    return {"n_buurten": len(large), "mae_pp": float(error.to_numpy().mean()),
            "max_pp": float(error.to_numpy().max()),
            "coverage": float(np.mean(np.concatenate([i.to_numpy() for i in inside]))),
            "dominant_right": float(dominant_right), "estimate_s": estimate_s}


def verdict(name: str, value: float) -> str:
    target = TARGETS[name]
    ok = value <= target if name.endswith(("_s", "_pp")) else value >= target
    return "gehaald" if ok else "NIET gehaald"


def nl(value: float, spec: str) -> str:
    """A number as Dutch readers write it (the model card is shown in the Dutch app)."""
    return number(value, int(spec.strip(".f")))


def write_reports(fig: dict) -> str:
    rows = [
        ("Segmentatie: adjusted Rand index t.o.v. ware profielen", nl(fig["ari"], ".3f"),
         f"≥ {nl(TARGETS['ari'], '.2f')}", verdict("ari", fig["ari"])),
        ("Idem, op een nieuwe steekproef (4.000)", nl(fig["ari_holdout"], ".3f"),
         f"≥ {nl(TARGETS['ari'], '.2f')}", verdict("ari", fig["ari_holdout"])),
        (f"Korte profielcheck ({fig['short_form_items']} vragen): overeenstemming",
         nl(fig["short_form"] * 100, ".1f") + " %",
         f"≥ {TARGETS['short_form']:.0%}".replace("%", " %"),
         verdict("short_form", fig["short_form"])),
        (f"Buurtschatting: gemiddelde absolute fout ({fig['n_buurten']} buurten ≥ 500 inw.)",
         nl(fig["mae_pp"], ".2f") + " procentpunt", f"≤ {nl(TARGETS['mae_pp'], '.0f')}",
         verdict("mae_pp", fig["mae_pp"])),
        ("Buurtschatting: grootste fout", nl(fig["max_pp"], ".1f") + " procentpunt", "", ""),
        ("Dekking van de 90%-intervallen", nl(fig["coverage"] * 100, ".1f") + " %",
         f"≥ {TARGETS['coverage']:.0%}".replace("%", " %"), verdict("coverage", fig["coverage"])),
        ("Dominant profiel juist", nl(fig["dominant_right"] * 100, ".0f") + " %", "", ""),
        ("Tijd: model fitten op 16.000 respondenten (mediaan)", nl(fig["fit_s"], ".1f") + " s",
         f"< {TARGETS['fit_s']:.0f} s", verdict("fit_s", fig["fit_s"])),
        ("Tijd: 15.000 gebieden schatten met intervallen (mediaan)",
         nl(fig["estimate_s"], ".2f") + " s",
         f"< {TARGETS['estimate_s']:.0f} s", verdict("estimate_s", fig["estimate_s"])),
    ]
    table = "| maat | waarde | doel | |\n|---|---|---|---|\n" + "\n".join(
        f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows)
    body = MODEL_CARD.format(date=date.today().isoformat(), table=table,
                             real_data=real_data_section())
    (REPO / "docs").mkdir(exist_ok=True)
    (REPO / "docs" / "model-card.md").write_text(body, encoding="utf-8")
    bench = REPO / "docs" / "benchmarks"
    bench.mkdir(parents=True, exist_ok=True)
    (bench / "model.md").write_text(
        f"# Model benchmark ({date.today().isoformat()})\n\n"
        "Produced by `python benchmarks/bench_model.py` on the 2-core development machine.\n\n"
        + table + "\n", encoding="utf-8")
    return table


REAL_DATA = ("<!-- echte-gegevens:begin -->", "<!-- echte-gegevens:end -->")


def real_data_section() -> str:
    """The card's section written by bench_honesty.py, kept as it is."""
    card = REPO / "docs" / "model-card.md"
    text = card.read_text(encoding="utf-8") if card.exists() else ""
    begin, end = REAL_DATA
    if begin not in text:
        return f"{begin}\n(run `python benchmarks/bench_honesty.py`)\n{end}"
    return text[text.index(begin):text.index(end) + len(end)]


MODEL_CARD = """# Modelkaart: Citisens-betrokkenheidsprofielen per gebied

*Gemeten op {date} met `python benchmarks/bench_model.py`.*

## Waarvoor
Een **schatting** van de mix van acht betrokkenheidsprofielen per gemeente, wijk,
buurt of postcodegebied, als startpunt voor het gesprek over communicatie en
participatie. Een profiel beschrijft een groep huishoudens, **nooit een persoon**.
Gebruik de kaart naast de eigen gebiedskennis van de gemeente, niet in plaats daarvan.

## Hoe
1. **Enquête → profielen.** Gestandaardiseerde antwoorden op 16 stellingen over
   betrokkenheid, vertrouwen, meedenken/meedoen en online/persoonlijk, plus 12
   kanaalvoorkeuren, worden geclusterd; de clusters krijgen hun naam door ze te
   koppelen aan de profielbeschrijvingen in het profielschema.
2. **Kenmerken → profielen.** Uit de enquête: de kans op elk profiel per
   combinatie van leeftijd hoofdbewoner, type huishouden, stedelijkheid,
   koop/huur en inkomen (multinomiale logistische regressie).
3. **Gebied → profielmix.** CBS publiceert per gebied alleen totalen per kenmerk.
   De combinaties worden gereconstrueerd met iteratieve proportionele fitting
   (vertrekpunt: de landelijke verdeling uit de enquête) en gemengd met de kansen
   uit stap 2. Ontbreekt een kenmerk, dan komt het van de wijk, de gemeente of
   het land, en daalt de betrouwbaarheid.
4. **Onzekerheid.** Het 90%-interval combineert het opnieuw schatten op
   bootstrap-steekproeven van de enquête, het toeval van een klein aantal
   huishoudens en de spreiding van geleende kenmerken.

## Gegevens
- Referentie-enquête: **synthetisch** (16.000 respondenten, seed 1), getrokken
  uit het profielschema. Vervang deze door een echte enquête via de pagina
  Gegevens; het formaat staat in `docs/survey-format.md`.
- Gebiedscijfers: CBS Kerncijfers wijken en buurten (© Kadaster / CBS, CC BY 4.0).
- Landelijke aandelen: vijf gepubliceerd (energieparticipatie.nl, 2019), drie
  zijn aannames (13 / 13 / 11 %).

## Validatie op de fictieve demogemeente
De demogemeente is gegenereerd uit hetzelfde model, zodat de ware mix per buurt
bekend is. De cijfers hieronder tonen dus hoe goed de keten zichzelf terugvindt;
ze zeggen niets over de juistheid van de aannames over echte Nederlanders.

{table}

{real_data}

## Grenzen
- Het effect van segmentatiemodellen op daadwerkelijke participatie is niet
  bewezen (Verwey-Jonker, 2020); huishoudsegmentaties kloppen op adresniveau
  ongeveer 60% van de tijd.
- Bij sommige thema's (zoals het melden van ondermijning) verschillen profielen
  nauwelijks; één gedeelde boodschap werkt daar.
- De koppeling tussen kenmerken en profielen, de kanaalvoorkeuren van drie
  profielen en de samenhang tussen kenmerken zijn aannames, vermeld in het
  profielschema.
- Wat CBS zelf definieert (stedelijkheid uit de omgevingsadressendichtheid,
  inwoners uit mannen + vrouwen, …) wordt afgeleid en telt als eigen cijfer
  (`citisens_core/data/afleidingen.yaml`, met bronnen). Een geleend kenmerk krijgt
  de echte spreiding tussen gebieden mee; stedelijkheid van het land heet nooit
  "redelijk".
- Of het meest voorkomende profiel duidelijk is: de kans dat het grootste aandeel
  echt groter is dan het tweede, uit de intervallen; onder 0,8 heet het gebied
  "geen duidelijk meest voorkomend profiel".
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    seg = segmentation_figures(args.runs)
    demo = demo_figures(seg.pop("model"), args.runs)
    table = write_reports({**seg, **demo})
    print(table)
    print("\nwritten: docs/model-card.md, docs/benchmarks/model.md")


if __name__ == "__main__":
    main()
