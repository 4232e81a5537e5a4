"""``advise``: participation advice for one or more areas of an area file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from citisens_core.commands._context import (
    add_area_arguments,
    add_context_arguments,
    checked_context,
    chosen_areas,
    chosen_model,
)

HELP = "Advise channels and participation instruments for areas, with reasons (JSON or Markdown)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_area_arguments(parser, "area code, e.g. BU03440101; repeat for a selection")
    add_context_arguments(parser)
    parser.add_argument("--format", choices=("json", "md"), default="json",
                        help="output format (default json)")
    parser.add_argument("--out", type=Path, help="write to this file instead of stdout")


def run(args: argparse.Namespace) -> int:
    from citisens_core.atlas import SelectionError
    from citisens_core.cli import CliError
    from citisens_core.export import to_json
    from citisens_core.strategy import advice_to_markdown, advise

    scheme, rules = checked_context(args)
    codes, areas = chosen_areas(args)
    model = chosen_model(args)
    try:
        selection = areas.selection(codes, model)
    except SelectionError as exc:
        raise CliError(str(exc)) from exc
    if selection is None:
        raise CliError(f"no estimate for {', '.join(codes)}: CBS counts no households there")
    advice = advise(selection.shares, thema=args.thema, fase=args.fase, trede=args.trede,
                    scheme=scheme, rules=rules, area_name=selection.naam,
                    huishoudens=selection.huishoudens,
                    betrouwbaarheid=selection.betrouwbaarheid,
                    interval={k: (r.laag, r.hoog) for k, r in selection.mix.iterrows()})
    if args.format == "json":
        text = to_json(advice.to_dict() | {"codes": codes, "selectie": selection.to_dict()})
    else:
        text = advice_to_markdown(advice)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        print(f"advies voor {advice.gebied} geschreven naar {args.out}")
    else:
        sys.stdout.write(text)
    return 0

