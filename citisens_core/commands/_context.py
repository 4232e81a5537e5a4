"""What ``advise`` and ``rapport`` share: the areas, the model and the advice context."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_area_arguments(parser: argparse.ArgumentParser, code_help: str) -> None:
    """The area file, ``--code`` (repeatable) and ``--model``."""
    parser.add_argument("areas", type=Path, metavar="AREAS_FILE",
                        help="CBS area file (gpkg, shp, GeoJSON, GML)")
    parser.add_argument("--code", action="append", required=True, help=code_help)
    parser.add_argument("--model", type=Path,
                        help="fitted model file (default: the built-in reference model)")


def chosen_model(args: argparse.Namespace):
    """The ``--model`` file's model, else the built-in reference model."""
    from citisens_core.model import default_model, load_model

    return load_model(args.model) if args.model else default_model()


def add_context_arguments(parser: argparse.ArgumentParser) -> None:
    """``--thema``, ``--fase`` and ``--trede`` with the defaults the app opens on."""
    parser.add_argument("--thema", default="algemeen", help="theme (default algemeen)")
    parser.add_argument("--fase", default="ideeen_ophalen", help="phase (default ideeen_ophalen)")
    parser.add_argument("--trede", default="raadplegen",
                        help="participation ladder step (default raadplegen)")


def checked_context(args: argparse.Namespace):
    """The scheme and rule tables, after checking the context options against them.

    Raises
    ------
    citisens_core.cli.CliError
        For a theme, phase or step the tables do not know (naming the allowed ones).
    """
    from citisens_core.cli import CliError
    from citisens_core.scheme import load_scheme
    from citisens_core.strategy import load_rules

    scheme, rules = load_scheme(), load_rules()
    for value, allowed, option in ((args.thema, rules.themas, "--thema"),
                                   (args.fase, rules.fasen, "--fase"),
                                   (args.trede, scheme.ladder, "--trede")):
        if value not in allowed:
            raise CliError(f"unknown {option} {value!r}; allowed: {', '.join(allowed)}")
    return scheme, rules


def level_of_code(code: str) -> str | None:
    """The area level a CBS code belongs to (None: let the reader choose)."""
    prefixes = {"BU": "buurt", "WK": "wijk", "GM": "gemeente"}
    if code[:2] in prefixes:
        return prefixes[code[:2]]
    if code.isdigit() and len(code) == 4:
        return "pc4"
    if len(code) == 6 and code[:4].isdigit() and code[4:].isalpha():
        return "pc6"
    return None


def chosen_areas(args: argparse.Namespace):
    """The ``--code`` areas (normalised, in order) and the area set that holds them.

    Reads only their level and its parents. Raises
    :class:`citisens_core.cli.CliError` for a missing file, codes of several levels or
    unknown codes.
    """
    from citisens_core.atlas import AreaSet, normalise_code
    from citisens_core.cli import CliError

    if not args.areas.exists():
        raise CliError(f"area file not found: {args.areas}")

    codes = list(dict.fromkeys(normalise_code(c) for c in args.code))
    levels = {level_of_code(c) for c in codes}
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
    return codes, areas
