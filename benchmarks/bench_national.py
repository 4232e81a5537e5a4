"""National scale without a browser: every PC6 of the country read and estimated, PC4, `fit`.

* **PC6, whole country**: a synthetic table of about 460,000 postcodes in the
  CBS postcode layout (the real PC4 release's header and units rows, with
  ``Postcode-6``; counts split from the real PC4 figures, rounded to 5 and
  hidden as ``-99997`` below 5, as CBS does). Read with
  :func:`citisens_core.geodata.postcode.read_postcode_table`, estimated with
  intervals (:func:`citisens_core.estimate.estimate_areas`), then summed up to
  buurten through a synthetic postcode → buurt link
  (:func:`citisens_core.estimate.aggregate_mix`). Each run is a fresh process,
  so the peak memory (``ru_maxrss``) is that run's alone.
* **PC4**: the real PC4 release (``../shared/real-cbs/pc4-2022-v1-statistiek.csv``),
  read and estimated.
* **fit**: ``python -m citisens_core fit`` on 16,000 synthetic respondents with
  default options, timed from outside (process start to exit).

Prints medians and writes docs/benchmarks/national.md. Run:

    python benchmarks/bench_national.py [--runs 3] [--rows 460000]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
PC4_RELEASE = REPO / ".." / "shared" / "real-cbs" / "pc4-2022-v1-statistiek.csv"
OUT = REPO / "docs" / "benchmarks" / "national.md"
SECRET = -99997
TARGETS = {"pc6_read": 15.0, "pc6_estimate": 30.0, "pc6_peak_gb": 2.5, "pc6_aggregate": 1.0,
           "pc4": 2.0, "fit": 10.0}


# --- synthetic national PC6 table -----------------------------------------------------------

def synthetic_pc6(folder: Path, rows: int, seed: int = 12) -> tuple[Path, Path]:
    """A PC6 release of about `rows` postcodes, and a postcode → buurt link for them."""
    with PC4_RELEASE.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    header, units, data = lines[0], lines[1], [r for r in lines[2:] if r and r[0].strip()]
    header = ["Postcode-6", *header[1:]]
    values = np.array([[float(v) if v.strip() else np.nan for v in r[1:len(header)]]
                       for r in data])
    percent = np.array([u.strip() in ("%", "categorie", "adressen/km2") or "1 000" in u
                        or h.strip().lower() == "huishoudgrootte"
                        for h, u in zip(header[1:], units[1:], strict=False)])
    rng = np.random.default_rng(seed)
    households = np.nan_to_num(np.clip(values[:, 14], 0, None)) + 1
    share = households / households.sum() * rows
    for _ in range(10):  # a PC4 holds at most 26 × 26 PC6: the rest goes to the others
        share = np.minimum(share, 676) * rows / np.minimum(share, 676).sum()
    per_pc4 = np.clip(np.round(share), 1, 676).astype(int)
    parent = np.repeat(np.arange(len(data)), per_pc4)
    # each PC6 takes a random part of its PC4's counts
    weight = rng.gamma(2.0, size=len(parent))
    weight /= np.bincount(parent, weight)[parent]
    counts = np.where(values[parent] > 0, values[parent] * weight[:, None], values[parent])
    counts = np.where(percent[None, :] | (counts <= 0), values[parent], np.round(counts / 5) * 5)
    counts = np.where(~percent[None, :] & (counts >= 0) & (counts < 5), SECRET, counts)
    letters = np.array([chr(65 + i // 26) + chr(65 + i % 26) for i in range(26 * 26)])
    rank = np.arange(len(parent)) - np.repeat(np.cumsum(per_pc4) - per_pc4, per_pc4)
    codes = np.char.add(np.array([r[0].strip() for r in data])[parent],
                        letters[rank % len(letters)])
    out = folder / "pc6-2022-v1-synthetisch.csv"
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerow(units)
        frame = pd.DataFrame(counts)
        frame.insert(0, "postcode", codes)
        frame.to_csv(handle, header=False, index=False, float_format="%g")
    # ~42 postcodes per buurt as in the country; every tenth split over two buurten
    buurt = np.char.add("BU", np.char.zfill((np.arange(len(codes)) // 42).astype(str), 8))
    link = folder / "pc6-buurt.csv"
    split = np.arange(len(codes)) % 10 == 0
    pd.concat([
        pd.DataFrame({"postcode": codes, "buurtcode": buurt, "gewicht": np.where(split, 0.5, 1)}),
        pd.DataFrame({"postcode": codes[split], "buurtcode": np.roll(buurt, -42)[split],
                      "gewicht": 0.5}),
    ]).to_csv(link, index=False)
    return out, link


# --- one measured run in a fresh process -----------------------------------------------------

def child_pc6(csv_path: Path, link_path: Path) -> dict:
    from citisens_core.estimate import aggregate_mix, estimate_areas
    from citisens_core.geodata.postcode import read_postcode_table
    from citisens_core.model import default_model

    model = default_model()
    start = time.perf_counter()
    table = read_postcode_table(csv_path)
    read = time.perf_counter() - start
    start = time.perf_counter()
    estimates = estimate_areas(table, model)
    estimate = time.perf_counter() - start
    link = pd.read_csv(link_path, dtype={"postcode": str, "buurtcode": str})
    start = time.perf_counter()
    buurten = aggregate_mix(estimates, link, "buurtcode", list(model.profile_keys))
    aggregate = time.perf_counter() - start
    return {"rows": len(table), "estimated": int(estimates["heeft_schatting"].sum()),
            "buurten": len(buurten), "read": read, "estimate": estimate, "aggregate": aggregate,
            "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}


def child_pc4() -> dict:
    from citisens_core.estimate import estimate_areas
    from citisens_core.geodata.postcode import read_postcode_table
    from citisens_core.model import default_model

    model = default_model()
    start = time.perf_counter()
    table = read_postcode_table(PC4_RELEASE)
    estimate_areas(table, model)
    return {"rows": len(table), "seconds": time.perf_counter() - start}


def in_child(*args: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", *args], cwd=REPO,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def fit_seconds(survey: Path, folder: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "citisens_core", "fit", str(survey),
                    "--out", str(folder / "model.joblib")], cwd=REPO, check=True,
                   capture_output=True)
    return time.perf_counter() - start


# --- report ------------------------------------------------------------------------------------

def dutch(count: int) -> str:
    return f"{count:,}".replace(",", ".")


def row(name: str, values: list[float], unit: str, target: float, fmt: str = "{:.2f}") -> str:
    med = statistics.median(values)
    spread = f"{fmt.format(min(values))}–{fmt.format(max(values))}"
    verdict = "gehaald" if med <= target else "niet gehaald"
    return (f"| {name} | {fmt.format(med)} {unit} | {spread} | ≤ {fmt.format(target)} {unit} "
            f"| {verdict} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=460_000)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *paths = args.child
        result = child_pc6(Path(paths[0]), Path(paths[1])) if kind == "pc6" else child_pc4()
        print(json.dumps(result))
        return
    if not PC4_RELEASE.exists():
        sys.exit(f"overgeslagen: {PC4_RELEASE} ontbreekt (de echte PC4-release geeft de indeling)")
    from citisens_core.model import default_model

    default_model()  # fitted once and cached on disk: no run pays for it
    with tempfile.TemporaryDirectory(prefix="bench-national-") as tmp:
        folder = Path(tmp)
        pc6, link = synthetic_pc6(folder, args.rows)
        survey = folder / "enquete.csv"
        subprocess.run([sys.executable, "-m", "citisens_core", "survey", "--n", "16000",
                        "--out", str(survey)], cwd=REPO, check=True, capture_output=True)
        runs = {"pc6": [], "pc4": [], "fit": []}
        for i in range(args.runs):
            runs["pc6"].append(in_child("pc6", str(pc6), str(link)))
            runs["pc4"].append(in_child("pc4"))
            runs["fit"].append(fit_seconds(survey, folder))
            print(f"run {i + 1}: {runs['pc6'][-1]} pc4 {runs['pc4'][-1]} "
                  f"fit {runs['fit'][-1]:.1f} s", flush=True)
    pc6_runs = runs["pc6"]
    first = pc6_runs[0]
    rows = [
        row(f"PC6 lezen ({first['rows']:,} postcodes)".replace(",", "."),
            [r["read"] for r in pc6_runs], "s", TARGETS["pc6_read"]),
        row(f"PC6 schatten met intervallen ({first['estimated']:,} met huishoudens)"
            .replace(",", "."), [r["estimate"] for r in pc6_runs], "s", TARGETS["pc6_estimate"]),
        row("PC6 piekgeheugen (lezen + schatten + optellen, hele proces)",
            [r["peak_gb"] for r in pc6_runs], "GB", TARGETS["pc6_peak_gb"]),
        row(f"PC6 → buurten optellen ({first['buurten']:,} buurten)".replace(",", "."),
            [r["aggregate"] for r in pc6_runs], "s", TARGETS["pc6_aggregate"], "{:.3f}"),
        row(f"PC4 lezen + schatten ({dutch(runs['pc4'][0]['rows'])} postcodes, echte release)",
            [r["seconds"] for r in runs["pc4"]], "s", TARGETS["pc4"]),
        row("`python -m citisens_core fit` op 16.000 respondenten (standaardopties, "
            "hele proces)", runs["fit"], "s", TARGETS["fit"]),
    ]
    table = ("| meting | mediaan | spreiding | doel | |\n|---|---|---|---|---|\n"
             + "\n".join(rows))
    load = f"{os.getloadavg()[0]:.0f}"
    text = (f"# Landelijke schaal zonder browser ({date.today().isoformat()})\n\n"
            f"`python benchmarks/bench_national.py --runs {args.runs}` on a shared 2-core "
            f"machine (load average {load} at the end of the run; on a busy machine the "
            "seconds grow several times, read the spread). PC6 is a synthetic "
            f"table of {first['rows']:,} postcodes in the CBS layout (the real PC4 release's "
            "header and units, counts split from its figures, rounded to 5, `-99997` below 5); "
            "each run is a fresh process, so the peak memory is that run's alone. The buurt "
            "sum uses a synthetic link (about 42 postcodes per buurt, every tenth postcode "
            "split over two buurten). `fit` is timed from process start to exit.\n\n"
            + table + "\n")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(table)
    print(f"\nwritten: {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
