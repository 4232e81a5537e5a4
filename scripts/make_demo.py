"""Regenerate the embedded demo gemeente in ``geodata/`` (fixed seed, deterministic).

Usage: ``python scripts/make_demo.py [--out DIR] [--seed N]``. See ``geodata/README.md``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from citisens_core.fictional.demo import DEMO_SEED, build_demo, describe, write_demo


def main(argv: list[str] | None = None) -> int:
    """Build the demo gemeente, write it and print its headline figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).resolve().parents[1] / "geodata",
                        help="output directory (default: geodata/ in the repository)")
    parser.add_argument("--seed", type=int, default=DEMO_SEED,
                        help=f"random seed (default {DEMO_SEED}, the committed files)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    demo = build_demo(seed=args.seed)
    paths = write_demo(demo, args.out)
    elapsed = time.perf_counter() - start
    for key, value in describe(demo).items():
        print(f"{key:>16}: {value:,.1f}" if isinstance(value, float) else f"{key:>16}: {value:,}")
    for path in paths.values():
        print(f"{path.name:>24}: {path.stat().st_size / 1e6:.2f} MB")
    print(f"{'tijd':>16}: {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
