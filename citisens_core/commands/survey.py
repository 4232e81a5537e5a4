"""``survey``: draw the synthetic national reference survey."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "Draw a synthetic national reference survey and write it as CSV."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n", type=int, default=16_000, help="respondents (default 16000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--scheme", type=Path, help="profile scheme YAML (default: built in)")
    parser.add_argument("--out", type=Path, required=True, help="output CSV")


def run(args: argparse.Namespace) -> int:
    from citisens_core.cli import CliError
    from citisens_core.fictional.survey import generate_survey
    from citisens_core.scheme import load_scheme

    if args.n < 1:
        raise CliError("--n must be at least 1")
    survey = generate_survey(args.n, args.seed, load_scheme(args.scheme))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    survey.to_csv(args.out, index=False)
    print(f"{len(survey)} respondents written to {args.out}")
    return 0
