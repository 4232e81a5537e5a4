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
    from citisens_core.cli import CliError
    from citisens_core.estimate import estimate_areas
    from citisens_core.geodata import read_areas

    if args.out.suffix.lower() not in OUTPUT_SUFFIXES:
        raise CliError(f"--out must end in .csv or .gpkg, got {args.out.name!r}")
    if not args.areas.exists():
        raise CliError(f"{args.areas}: file not found")
    started = time.perf_counter()
    _step(f"reading {args.areas.name}")
    areas = read_areas(args.areas, level=args.niveau, gemeente=args.gemeente)
    for warning in areas.attrs.get("waarschuwingen", []):
        print(f"waarschuwing: {warning}", file=sys.stderr)
    parents = _parents(args.areas, areas, args.gemeente)
    _step("loading the model" if args.model else "loading the model (fitted once, then cached)")
    model = _model(args.model)
    _step(f"estimating {len(areas)} areas")
    estimates = estimate_areas(areas, model, parents=parents)
    _write(estimates, areas, args.out)
    seconds = time.perf_counter() - started
    print(f"{len(estimates)} areas estimated in {seconds:.1f} s, written to {args.out}")
    return 0


def _model(path: Path | None):
    from citisens_core.model import default_model, load_model

    return load_model(path) if path else default_model()


def _parents(path: Path, areas, gemeente: str | None):
    """Wijk and gemeente rows of the same file, to borrow missing figures from."""
    import pandas as pd

    from citisens_core.geodata import AreaFileError, read_areas

    level = areas.attrs.get("niveau", "")
    wanted = {"buurt": ("wijk", "gemeente"), "wijk": ("gemeente",)}.get(level, ())
    frames = []
    for parent_level in wanted:
        try:
            frames.append(read_areas(path, level=parent_level, gemeente=gemeente))
        except AreaFileError:
            continue  # a single-level file: siblings stand in for parents
    return pd.concat(frames, ignore_index=True) if frames else None


def _write(estimates, areas, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".csv":
        estimates.to_csv(out, index=False)
        return
    import geopandas as gpd

    frame = gpd.GeoDataFrame(estimates, geometry=areas.geometry.to_numpy(), crs=areas.crs)
    frame.to_file(out, layer="schattingen", driver="GPKG")
