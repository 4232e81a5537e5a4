"""``estimate``: the profile mix of every area in a CBS area file."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HELP = "Estimate the profile mix per area of a CBS area file and write CSV or GeoPackage."
OUTPUT_SUFFIXES = (".csv", ".gpkg")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("areas", type=Path, metavar="AREAS_FILE",
                        help="CBS area file (GeoPackage, zip, shapefile, GeoJSON, GML)")
    parser.add_argument("--model", type=Path,
                        help="fitted model (.joblib); default: fitted on the built-in survey")
    parser.add_argument("--niveau", choices=("gemeente", "wijk", "buurt", "pc4", "pc6"),
                        help="level to read when the file has several (default: most detailed)")
    parser.add_argument("--gemeente", help="only this gemeente (code such as GM0344, or name)")
    parser.add_argument("--out", type=Path, required=True, help="output file (.csv or .gpkg)")


def _step(message: str) -> None:
    print(f"… {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from citisens_core.atlas import AreaSet
    from citisens_core.cli import CliError
    from citisens_core.export import estimates_csv, estimates_geopackage

    if args.out.suffix.lower() not in OUTPUT_SUFFIXES:
        raise CliError(f"--out must end in .csv or .gpkg, got {args.out.name!r}")
    if not args.areas.exists():
        raise CliError(f"{args.areas}: file not found")
    started = time.perf_counter()
    _step(f"reading {args.areas.name}")
    areas = AreaSet.from_file(args.areas, levels=[args.niveau] if args.niveau else None,
                              gemeente=args.gemeente)
    for warning in areas.waarschuwingen:
        print(f"waarschuwing: {warning}", file=sys.stderr)
    level = args.niveau or areas.most_detailed
    _step("loading the model" if args.model else "loading the model (fitted once, then cached)")
    model = _model(args.model)
    _step(f"estimating {len(areas.levels[level])} areas ({level})")
    estimates = areas.estimates(level, model)
    if args.out.suffix.lower() == ".csv":
        data = estimates_csv(estimates, dialect="plain")
    else:
        data = estimates_geopackage(areas.levels[level], estimates)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    seconds = time.perf_counter() - started
    print(f"{len(estimates)} areas estimated in {seconds:.1f} s, written to {args.out}")
    return 0


def _model(path: Path | None):
    from citisens_core.model import default_model, load_model

    return load_model(path) if path else default_model()
