"""``bereik``: the reach check of a consultation against the residents of an area file."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = ("Reach check: who answered a consultation against who lives in the area, per profile, "
        "channel and buurt, with weights and advice (JSON or Markdown).")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("areas", type=Path, metavar="AREAS_FILE",
                        help="CBS area file with buurten and postcode areas (gpkg, …)")
    parser.add_argument("responses", type=Path, metavar="RESPONSES",
                        help="consultation responses, CSV or XLSX: postcode, kanaal, …")
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
    parser.add_argument("--afkappen", type=float, default=5.0,
                        help="cap weights at this multiple of the mean (default 5)")


def run(args: argparse.Namespace) -> int:
    from citisens_core.commands._respondents import load_inputs, write_output
    from citisens_core.consultation import reach_check
    from citisens_core.render_consultation import reach_to_markdown

    resp = load_inputs(args, require_channel=True)
    check = reach_check(resp, cap=args.afkappen)
    write_output(args, check.to_dict(), lambda: reach_to_markdown(check),
                 f"bereikcheck van {check.n} respondenten")
    return 0
