"""Reach check and panel: recovery of the planted bias, weighting, and speed.

Runs the reach check on the synthetic demo consultation (planted bias, known
true profiles) and on a large consultation made by resampling it, and writes
docs/benchmarks/consultation.md. Timings are medians (the machine is shared):

    python benchmarks/bench_consultation.py [--runs 3] [--large 20000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from citisens_core.atlas import AreaSet  # noqa: E402
from citisens_core.consultation import reach_check  # noqa: E402
from citisens_core.dutch import number  # noqa: E402
from citisens_core.fictional.consultation import (  # noqa: E402
    CONSULTATION_BIAS,
    demo_consultation,
    to_csv_bytes,
)
from citisens_core.model import default_model  # noqa: E402
from citisens_core.residents import build_residents  # noqa: E402
from citisens_core.respondents import assign_profiles, read_responses  # noqa: E402
from citisens_core.scheme import load_scheme  # noqa: E402
from citisens_core.survey import answer_columns  # noqa: E402

DEMO = REPO / "geodata" / "demo-gemeente.gpkg"
OUT = REPO / "docs" / "benchmarks" / "consultation.md"


def median_time(func, runs: int):
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def run_check(data: bytes, residents, model, items):
    responses = read_responses(data, "bench.csv", items)
    return reach_check(assign_profiles(responses, residents, model))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--large", type=int, default=20_000)
    args = parser.parse_args()
    model = default_model()
    items = answer_columns(load_scheme())
    residents = build_residents(AreaSet.from_file(DEMO), model)
    start = time.perf_counter()
    frame = demo_consultation()
    generate_s = time.perf_counter() - start
    data = to_csv_bytes(frame)
    small_s, check = median_time(lambda: run_check(data, residents, model, items), args.runs)
    rng = np.random.default_rng(0)
    big = frame.iloc[rng.integers(0, len(frame), args.large)].reset_index(drop=True)
    big_data = to_csv_bytes(big)
    large_s, _ = median_time(lambda: run_check(big_data, residents, model, items), args.runs)

    rep = check.profielen
    truth = frame["ware_profiel"].value_counts(normalize=True)
    planted = [k for k in rep.index if k in CONSULTATION_BIAS]
    others = [k for k in rep.index if k not in CONSULTATION_BIAS]
    recovered = all(not (rep.at[k, "verhouding_laag"] <= 1 <= rep.at[k, "verhouding_hoog"])
                    for k in planted)
    clean = all(rep.at[k, "verhouding_laag"] <= 1 <= rep.at[k, "verhouding_hoog"] for k in others)
    share_error = 100 * float(np.abs(rep["aandeel_respondenten"]
                                     - truth.reindex(rep.index).fillna(0)).max())
    w = check.gewichten
    rows = [
        ("Geplante scheefheid teruggevonden (intervallen sluiten 1 uit)",
         "ja" if recovered else "nee", "ja"),
        ("Overige profielen: interval bevat 1", "ja" if clean else "nee", "ja"),
        ("Grootste fout aandeel respondenten t.o.v. ware profielen",
         f"{number(share_error, 1)} procentpunt", ""),
        ("Gewogen profielmix: grootste afwijking van de inwoners",
         f"{number(check.max_gap_pp, 2)} procentpunt", "≤ 2"),
        ("Effectieve steekproefomvang (Kish) / design effect",
         f"{number(w.n_eff)} van {w.n} / {number(w.design_effect, 2)}", ""),
        ("Gewichten afgekapt op 5 × gemiddelde", f"{w.trimmed} respondenten", ""),
        ("Tijd: democonsultatie genereren (eerste keer)", f"{number(generate_s, 1)} s", ""),
        (f"Tijd: bereikcheck {len(frame)} respondenten (mediaan)", f"{number(small_s, 2)} s",
         "< 5 s"),
        (f"Tijd: bereikcheck {number(args.large)} respondenten (mediaan)",
         f"{number(large_s, 2)} s", "< 30 s"),
    ]
    lines = [f"# Reach check benchmark ({date.today().isoformat()})", "",
             "Produced by `python benchmarks/bench_consultation.py` on the 2-core development "
             "machine (shared, so timings are medians).", "",
             "| maat | waarde | doel |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    lines += ["", "Per profiel (democonsultatie):", "",
              "| profiel | waar aandeel | gevonden | huishoudens (schatting) | verhouding | "
              "95 %-interval |", "|---|---|---|---|---|---|"]
    for key, row in rep.iterrows():
        lines.append(f"| {row['naam']} | {number(100 * truth.get(key, 0), 1)} % | "
                     f"{number(100 * row['aandeel_respondenten'], 1)} % | "
                     f"{number(100 * row['aandeel_inwoners'], 1)} % | "
                     f"{number(row['verhouding'], 2)} | {number(row['verhouding_laag'], 2)}–"
                     f"{number(row['verhouding_hoog'], 2)} |")
    text = "\n".join(lines) + "\n"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
