"""What the ``bereik`` and ``panel`` commands share: reading the two files, writing output."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable


def load_inputs(args: argparse.Namespace, require_channel: bool):
    """Area file + responses/members file → placed respondents with profiles."""
    from citisens_core.atlas import AreaSet
    from citisens_core.cli import CliError
    from citisens_core.residents import build_residents
    from citisens_core.respondents import assign_profiles, read_responses
    from citisens_core.survey import answer_columns

    for path in (args.areas, args.responses):
        if not path.exists():
            raise CliError(f"file not found: {path}")
    if args.model is not None:
        from citisens_core.model import load_model

        model = load_model(args.model)
    else:
        from citisens_core.model import default_model

        model = default_model()
    from citisens_core.scheme import load_scheme

    responses = read_responses(args.responses.read_bytes(), args.responses.name,
                               answer_columns(load_scheme()), require_channel=require_channel)
    areas = AreaSet.from_file(args.areas)
    crosswalk = None
    if getattr(args, "koppeltabel", None) is not None:
        from citisens_core.geodata.postcode import read_crosswalk

        crosswalk = read_crosswalk(args.koppeltabel)
    try:
        residents = build_residents(areas, model, gemeentecodes=args.gemeente,
                                    crosswalk=crosswalk)
    except ValueError as exc:
        raise CliError(f"{args.areas}: {exc}") from exc
    resp = assign_profiles(responses, residents, model)
    if len(resp) == 0:
        raise CliError(f"{args.responses.name}: no postcode lies in the areas of {args.areas.name}"
                       + (f" ({residents.waarschuwingen[0]})" if residents.waarschuwingen else ""))
    return resp


def write_output(args: argparse.Namespace, payload: dict, markdown: Callable[[], str],
                 what: str) -> None:
    text = (json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n"
            if args.format == "json" else markdown())
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        print(f"{what} geschreven naar {args.out}")
    else:
        sys.stdout.write(text)
