"""Speed and map payload of the CBS area readers, on real national data.

Reads the 23 regional files of the 2015 wijk- en buurtkaart (most of the
Netherlands, from ../shared/real-cbs), simplifies them for display and measures
the GeoJSON the map would receive. Also measures the embedded demo gemeente if
geodata/demo-gemeente.gpkg exists. Timings are medians over several runs because
this machine is shared and noisy. Prints the figures and writes
docs/benchmarks/geodata.md. Run:

    python benchmarks/bench_geodata.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import geopandas as gpd
import shapely

from citisens_core.geodata import read_areas, read_many, simplify_for_display, to_geojson_payload

REPO = Path(__file__).resolve().parents[1]
REAL = REPO / ".." / "shared" / "real-cbs"
DEMO = REPO / "geodata" / "demo-gemeente.gpkg"
OUT = REPO / "docs" / "benchmarks" / "geodata.md"

READ_TARGET_S = 10.0
PAYLOAD_TARGET_MB = 8.0
PROPERTIES = ["code", "naam", "gemeentenaam", "inwoners", "aandeel_65_plus"]


def median_time(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    """Median wall time of `runs` calls, and the last result."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def payload_size(gdf: gpd.GeoDataFrame) -> int:
    """Bytes of the GeoJSON the map receives (json.dumps of the flat FeatureCollection)."""
    columns = [p for p in PROPERTIES if p in gdf.columns]
    return len(json.dumps(to_geojson_payload(gdf, columns)).encode("utf-8"))


def vertices(gdf: gpd.GeoDataFrame) -> int:
    return int(shapely.get_num_coordinates(gdf.geometry.dropna().to_numpy()).sum())


def measure(name: str, read: Callable[[], gpd.GeoDataFrame], runs: int) -> dict:
    read_s, table = median_time(read, runs)
    simplify_s, simple = median_time(lambda: simplify_for_display(table), runs)
    return {
        "name": name,
        "areas": len(table),
        "level": table.attrs["niveau"],
        "read_s": read_s,
        "simplify_s": simplify_s,
        "vertices_before": vertices(table),
        "vertices_after": vertices(simple),
        "payload_mb": payload_size(simple) / 1e6,
        "payload_raw_mb": payload_size(table) / 1e6,
        "warnings": simple.attrs.get("waarschuwingen", []),
    }


def report(rows: list[dict], runs: int) -> str:
    lines = [
        "# Benchmark: CBS area readers",
        "",
        f"Measured {date.today().isoformat()} on {platform.machine()}, "
        f"Python {platform.python_version()}, median of {runs} runs. "
        "Produced by `python benchmarks/bench_geodata.py`.",
        "",
        f"Targets: national buurten read in < {READ_TARGET_S:.0f} s, "
        f"map payload < {PAYLOAD_TARGET_MB:.0f} MB.",
        "",
        "| data | level | areas | read (s) | simplify (s) | vertices before → after "
        "| payload (MB) | payload unsimplified (MB) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['name']} | {r['level']} | {r['areas']:,} | {r['read_s']:.2f} "
            f"| {r['simplify_s']:.2f} | {r['vertices_before']:,} → {r['vertices_after']:,} "
            f"| {r['payload_mb']:.2f} | {r['payload_raw_mb']:.2f} |"
        )
    lines += ["", "Properties in the payload: " + ", ".join(f"`{p}`" for p in PROPERTIES) + "."]
    national = next((r for r in rows if r["name"].startswith("national")), None)
    if national:
        ok_read = national["read_s"] < READ_TARGET_S
        ok_payload = national["payload_mb"] < PAYLOAD_TARGET_MB
        lines += [
            "",
            f"- Read target {'met' if ok_read else 'MISSED'}: {national['read_s']:.2f} s.",
            f"- Payload target {'met' if ok_payload else 'MISSED'}: "
            f"{national['payload_mb']:.2f} MB.",
            "- The 2015 regional files were already generalised by their publisher, so "
            "simplification removes few vertices there; on CBS's own (ungeneralised) "
            "boundaries it removes most of them.",
        ]
        for warning in national["warnings"]:
            lines.append(f"- Warning shown to the user: “{warning}”.")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = []
    files = sorted((REAL / "buurt-2015").glob("*.geojson"))
    if files:
        rows.append(
            measure(
                f"national buurten 2015 ({len(files)} files)", lambda: read_many(files), args.runs
            )
        )
    else:
        print(f"skipped national buurten: {REAL / 'buurt-2015'} not found")
    if DEMO.exists():
        rows.append(measure("demo gemeente (buurten)", lambda: read_areas(DEMO), args.runs))
    else:
        print(f"skipped demo gemeente: {DEMO} not found")
    if not rows:
        print("nothing to measure")
        return 1
    text = report(rows, args.runs)
    print(text)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"written to {OUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
