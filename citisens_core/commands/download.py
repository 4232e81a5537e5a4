"""``download``: fetch the CBS wijk- en buurtkaart of gemeenten from PDOK into a GeoPackage."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

HELP = "Download gemeenten, wijken, buurten (and PC4 figures) from PDOK into one GeoPackage."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--gemeente",
        action="append",
        required=True,
        metavar="CODE",
        help="gemeente code, e.g. GM0344 or 0344; repeat for more gemeenten",
    )
    parser.add_argument("--jaar", type=int, default=2024, help="year of the map (default 2024)")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument(
        "--base-url", help="OGC API landing page (default: PDOK wijken-en-buurten-<jaar>)"
    )
    parser.add_argument("--pc4-base-url", help="OGC API landing page of the PC4 figures")
    parser.add_argument(
        "--pc4-jaar", type=int, help="year of the PC4 figures (default: the newest PDOK holds)"
    )
    parser.add_argument("--no-pc4", action="store_true", help="skip the PC4 figures")
    parser.add_argument(
        "--cache", type=Path, help="cache directory (default: $CITISENS_CACHE/pdok or ~/.cache)"
    )
    parser.add_argument("--refresh", action="store_true", help="ignore cached answers")
    parser.add_argument("--timeout", type=float, default=30, help="seconds per request")
    parser.add_argument(
        "--deadline", type=float, default=300, help="seconds for the whole download (default 300)"
    )


class _Bar:
    """Progress callback drawing one tqdm bar per stage on stderr."""

    def __init__(self) -> None:
        self._bar = None
        self._stage: str | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if stage != self._stage:
            self.close()
            self._stage = stage
            self._bar = tqdm(desc=stage, total=total or None, unit="gebieden", file=sys.stderr)
        if self._bar is not None:
            if total:
                self._bar.total = total
            self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        self._bar = None


def run(args: argparse.Namespace) -> int:
    import pyogrio

    from citisens_core.cli import CliError
    from citisens_core.geodata.pdok import DownloadError, default_filename, download_gemeenten

    try:
        out = args.out / default_filename(args.gemeente, args.jaar)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    bar = _Bar()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            download_gemeenten(
                args.gemeente,
                args.jaar,
                out,
                base_url=args.base_url,
                cache_dir=args.cache,
                progress=bar,
                timeout=args.timeout,
                deadline=args.deadline,
                pc4=not args.no_pc4,
                pc4_base_url=args.pc4_base_url,
                pc4_jaar=args.pc4_jaar,
                refresh=args.refresh,
            )
    except (DownloadError, ValueError) as exc:
        raise CliError(str(exc)) from exc
    finally:
        bar.close()
    for warning in caught:
        print(f"waarschuwing: {warning.message}", file=sys.stderr)
    counts = {
        name: pyogrio.read_info(out, layer=name)["features"]
        for name, _ in pyogrio.list_layers(out)
        if name != "metadata"
    }
    from citisens_core.geodata.pdok import read_metadata

    print(out)
    print(", ".join(f"{n} {name}" for name, n in counts.items()))
    pc4_jaar = read_metadata(out).get("pc4_jaar")
    if pc4_jaar:
        print(f"postcodecijfers (pc4) van {pc4_jaar}")
    return 0
