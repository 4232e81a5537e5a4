"""``advise``: participation advice for one or more areas of an area file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from citisens_core.commands._context import add_context_arguments, checked_context

HELP = "Advise channels and participation instruments for areas, with reasons (JSON or Markdown)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("areas", type=Path, metavar="AREAS_FILE",
                        help="CBS area file (gpkg, shp, GeoJSON, GML)")
    parser.add_argument("--code", action="append", required=True,
                        help="area code, e.g. BU03440101; repeat for a selection")
    add_context_arguments(parser)
    parser.add_argument("--format", choices=("json", "md"), default="json",
                        help="output format (default json)")
    parser.add_argument("--out", type=Path, help="write to this file instead of stdout")
    parser.add_argument("--model", type=Path,
                        help="fitted model file (default: the built-in reference model)")


def run(args: argparse.Namespace) -> int:
    from citisens_core.atlas import AreaSet, SelectionError, normalise_code
    from citisens_core.cli import CliError
    from citisens_core.export import to_json
    from citisens_core.strategy import advice_to_markdown, advise

    scheme, rules = checked_context(args)
    if not args.areas.exists():
        raise CliError(f"area file not found: {args.areas}")

    codes = list(dict.fromkeys(normalise_code(c) for c in args.code))
    levels = {_level_of(c) for c in codes}
    if len(levels) > 1:
        raise CliError(f"--code mixes levels ({', '.join(sorted(map(str, levels)))}); "
                       "give areas of one level")
    level = levels.pop()
    areas = AreaSet.from_file(args.areas, levels=[level] if level else None)
    unknown = [c for c in codes if areas.level_of(c) is None]
    if unknown:
        known = sorted(c for lv in areas.levels for c in areas.names(lv))
        raise CliError(f"unknown --code {', '.join(unknown)} in {args.areas}; "
                       f"the file has {len(known)} codes, e.g. {', '.join(known[:8])}")
    model = _model(args.model)
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


def _model(path: Path | None):
    from citisens_core.model import default_model, load_model

    return load_model(path) if path else default_model()


def _level_of(code: str) -> str | None:
    """The area level a CBS code belongs to (None: let the reader choose)."""
    prefixes = {"BU": "buurt", "WK": "wijk", "GM": "gemeente"}
    if code[:2] in prefixes:
        return prefixes[code[:2]]
    if code.isdigit() and len(code) == 4:
        return "pc4"
    if len(code) == 6 and code[:4].isdigit() and code[4:].isalpha():
        return "pc6"
    return None
