"""Reading one gemeente from a national file versus reading the whole file.

Builds one GeoPackage from the 23 regional files of the real 2015 wijk- en
buurtkaart (most of the Netherlands, from ../shared/real-cbs) with the CBS
layout of 2022+ (snake_case, EPSG:28992), then times ``read_areas`` for the
whole file and for one gemeente (a ``where`` clause: only its rows are read),
and the roll-up of that gemeente's buurten to wijken and the gemeente.
Medians over several runs (the machine is shared). Prints the figures and
writes docs/benchmarks/gemeente-read.md. Run:

    python benchmarks/bench_gemeente_read.py [--runs 3]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd

from citisens_core.geodata import read_areas
from citisens_core.geodata.rollup import roll_up

REPO = Path(__file__).resolve().parents[1]
REAL = REPO / ".." / "shared" / "real-cbs"
OUT = REPO / "docs" / "benchmarks" / "gemeente-read.md"
GEMEENTE = "GM0402"  # Hilversum
SNAKE = {"BU_CODE": "buurtcode", "BU_NAAM": "buurtnaam", "WK_CODE": "wijkcode",
         "GM_CODE": "gemeentecode", "GM_NAAM": "gemeentenaam", "AANT_INW": "aantal_inwoners",
         "AANTAL_HH": "aantal_huishoudens", "P_00_14_JR": "percentage_personen_0_tot_15_jaar",
         "P_65_EO_JR": "percentage_personen_65_jaar_en_ouder", "OAD": "omgevingsadressendichtheid",
         "STED": "stedelijkheid_adressen_per_km2"}


def national_file(folder: Path) -> tuple[Path, int]:
    frames = [gpd.read_file(p) for p in sorted((REAL / "buurt-2015").glob("*.geojson"))]
    table = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)
    table = table[[*SNAKE, "geometry"]].rename(columns=SNAKE)
    table = table.drop_duplicates("buurtcode").to_crs(28992)
    table["water"] = "NEE"
    table["jrstatcode"] = "2015" + table["buurtcode"]
    path = folder / "wijkenbuurten_2015_v3.gpkg"
    table.to_file(path, layer="buurten")
    return path, len(table)


def measure(fn: Callable[[], object], runs: int) -> tuple[float, float, object]:
    """Median seconds, peak MiB (Python allocations, one extra run: tracing slows it) and
    the last result."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times), peak / 2**20, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path, n = national_file(Path(tmp))
        size = path.stat().st_size / 2**20
        whole_s, whole_mb, whole = measure(lambda: read_areas(path), args.runs)
        one_s, one_mb, one = measure(lambda: read_areas(path, gemeente=GEMEENTE), args.runs)
        name_s, _, _ = measure(lambda: read_areas(path, gemeente="Hilversum"), args.runs)
        roll_s, _, _ = measure(lambda: (roll_up(one, "wijk"), roll_up(one, "gemeente")), args.runs)
    rows = [
        ("whole file", f"{len(whole):,} buurten", whole_s, whole_mb),
        (f"one gemeente by code ({GEMEENTE})", f"{len(one)} buurten", one_s, one_mb),
        ("one gemeente by name (Hilversum)", f"{len(one)} buurten", name_s, float("nan")),
        ("roll-up of that gemeente to wijk + gemeente", "", roll_s, float("nan")),
    ]
    lines = [
        "# Reading one gemeente of a national file",
        "",
        f"{date.today():%Y-%m-%d}, Python {platform.python_version()}, {args.runs} runs "
        f"(median). File: the real 2015 buurten of {n:,} areas in one GeoPackage "
        f"({size:.0f} MB, EPSG:28992; CBS's own national file is about 300 MB with full "
        "detail). Memory: peak Python allocations while reading.",
        "",
        "| what | rows | median s | peak MiB |",
        "|---|---|---:|---:|",
        *[f"| {w} | {r} | {s:.2f} | {'' if m != m else f'{m:.1f}'} |" for w, r, s, m in rows],
        "",
        f"Ratio whole / one gemeente: time {whole_s / one_s:.0f}×, memory "
        f"{whole_mb / max(one_mb, 0.1):.0f}×. A name costs a second read of the code and "
        "name columns to find the code.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    OUT.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
