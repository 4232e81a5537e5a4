"""``panel``: how representative a resident panel is, and whom to recruit."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = ("Resident panel: representativeness per profile, age band and wijk, and a recruitment "
        "plan to reach the residents' mix (JSON or Markdown).")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("areas", type=Path, metavar="AREAS_FILE",
                        help="CBS area file with buurten and postcode areas (gpkg, …)")
    parser.add_argument("responses", type=Path, metavar="MEMBERS",
                        help="panel members, CSV or XLSX: postcode, optional leeftijd, geslacht, "
                             "kanaal and the profile check")
    parser.add_argument("--format", choices=("json", "md"), default="json",
                        help="output format (default json)")
    parser.add_argument("--out", type=Path, help="write to this file instead of stdout")
    parser.add_argument("--model", type=Path,
                        help="fitted model file (default: the built-in reference model)")
    parser.add_argument("--koppeltabel", type=Path,
                        help="CBS postcode-huisnummer-buurt CSV, to place postcodes in buurten "
                             "(needed for a wijk- en buurtkaart without postcode areas)")
    parser.add_argument("--gemeente", action="append",
                        help="gemeentecode to compare with (default: every gemeente in the file)")
    parser.add_argument("--doelgrootte", type=int,
                        help="desired panel size (default: the smallest that reaches the mix)")


def run(args: argparse.Namespace) -> int:
    from citisens_core.cli import CliError
    from citisens_core.commands._respondents import load_inputs, write_output
    from citisens_core.panel import panel_check
    from citisens_core.render_consultation import panel_to_markdown

    if args.doelgrootte is not None and args.doelgrootte < 1:
        raise CliError(f"--doelgrootte must be a positive number, got {args.doelgrootte}")
    resp = load_inputs(args, require_channel=False)
    check = panel_check(resp, size=args.doelgrootte)
    write_output(args, check.to_dict(), lambda: panel_to_markdown(check),
                 f"panelcheck van {check.n} leden")
    return 0
