"""``advise``: participation advice for one or more areas of an area file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HELP = "Advise channels and participation instruments for areas, with reasons (JSON or Markdown)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("areas", type=Path, metavar="AREAS_FILE",
                        help="CBS area file (gpkg, shp, GeoJSON, GML)")
    parser.add_argument("--code", action="append", required=True,
                        help="area code, e.g. BU03440101; repeat for a selection")
    parser.add_argument("--thema", default="algemeen", help="theme (default algemeen)")
    parser.add_argument("--fase", default="ideeen_ophalen", help="phase (default ideeen_ophalen)")
    parser.add_argument("--trede", default="raadplegen",
                        help="participation ladder step (default raadplegen)")
    parser.add_argument("--format", choices=("json", "md"), default="json",
                        help="output format (default json)")
    parser.add_argument("--out", type=Path, help="write to this file instead of stdout")
    parser.add_argument("--model", type=Path,
                        help="fitted model file (default: the built-in reference model)")


def run(args: argparse.Namespace) -> int:
    from citisens_core.cli import CliError
    from citisens_core.scheme import load_scheme
    from citisens_core.strategy import advice_to_markdown, advise, load_rules

    scheme, rules = load_scheme(), load_rules()
    _check(args.thema, rules.themas, "--thema", CliError)
    _check(args.fase, rules.fasen, "--fase", CliError)
    _check(args.trede, scheme.ladder, "--trede", CliError)
    if not args.areas.exists():
        raise CliError(f"area file not found: {args.areas}")

    from citisens_core.estimate import combine_mix, estimate_areas
    from citisens_core.geodata import read_areas

    codes = list(dict.fromkeys(c.strip().upper().replace(" ", "") for c in args.code))
    levels = {_level_of(c) for c in codes}
    if len(levels) > 1:
        raise CliError(f"--code mixes levels ({', '.join(sorted(map(str, levels)))}); "
                       "give areas of one level")
    areas = read_areas(args.areas, level=levels.pop())
    known = set(areas["code"].astype(str))
    unknown = [c for c in codes if c not in known]
    if unknown:
        sample = ", ".join(sorted(known)[:8])
        raise CliError(f"unknown --code {', '.join(unknown)} in {args.areas}; "
                       f"the file has {len(known)} codes, e.g. {sample}")
    model = None
    if args.model is not None:
        from citisens_core.model import load_model

        model = load_model(args.model)
    estimates = estimate_areas(_same_gemeente(areas, codes), model=model)
    chosen = estimates[estimates["code"].astype(str).isin(codes)]
    mix = combine_mix(estimates, codes).reindex(list(scheme.keys)).fillna(0.0)
    households = float(chosen["huishoudens"].sum()) if "huishoudens" in chosen else None
    if households is not None and not households > 0:
        households = None
    advice = advise(mix.to_dict(), thema=args.thema, fase=args.fase, trede=args.trede,
                    scheme=scheme, rules=rules, area_name=_area_name(chosen, codes),
                    huishoudens=households, betrouwbaarheid=_confidence(chosen))
    if args.format == "json":
        payload = advice.to_dict() | {"codes": codes}
        text = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    else:
        text = advice_to_markdown(advice)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        print(f"advies voor {advice.gebied} geschreven naar {args.out}")
    else:
        sys.stdout.write(text)
    return 0


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


def _check(value: str, allowed, option: str, error: type[Exception]) -> None:
    if value not in allowed:
        raise error(f"unknown {option} {value!r}; allowed: {', '.join(allowed)}")


def _same_gemeente(areas, codes: list[str]):
    """The chosen areas and every area of their gemeenten.

    The estimator borrows a marginal an area lacks from its siblings, wijk and
    gemeente; areas of other gemeenten add nothing but time.
    """
    chosen = areas["code"].astype(str).isin(set(codes))
    if "gemeentecode" not in areas:
        return areas
    gemeenten = set(areas.loc[chosen, "gemeentecode"].dropna().astype(str))
    return areas[chosen | areas["gemeentecode"].astype(str).isin(gemeenten)]


def _area_name(chosen, codes: list[str]) -> str:
    names = [str(n) for n in chosen.set_index("code").reindex(codes)["naam"].fillna("")]
    names = [n or c for n, c in zip(names, codes, strict=True)]
    if len(names) <= 3:
        from citisens_core.dutch import join_dutch

        return join_dutch(names)
    return f"{names[0]}, {names[1]} en {len(names) - 2} andere gebieden"


def _confidence(chosen) -> str | None:
    """The weakest confidence among the chosen areas."""
    if "betrouwbaarheid" not in chosen:
        return None
    from citisens_core.estimate import CONFIDENCE_LABELS

    present = set(chosen["betrouwbaarheid"]) - {"geen huishoudens"}
    levels = [v for v in reversed(CONFIDENCE_LABELS) if v in present]
    return levels[0] if levels else None
