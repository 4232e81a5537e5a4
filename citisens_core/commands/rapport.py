"""``rapport``: the area report as PDF for one or more areas of an area file."""

from __future__ import annotations

import argparse
from pathlib import Path

from citisens_core.commands._context import (
    add_area_arguments,
    add_context_arguments,
    checked_context,
    chosen_areas,
    chosen_model,
)

HELP = ("Write an area report (PDF, A4) for one or more areas: map, mix with intervals, "
        "characteristics, portraits, advice and sources.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_area_arguments(parser, "area code, e.g. BU03440101; repeat for several areas")
    parser.add_argument("--out", type=Path, required=True, help="PDF file to write")
    add_context_arguments(parser)
    parser.add_argument("--notities", type=Path,
                        help="UTF-8 text file with your own knowledge of the area(s), printed "
                             "as written")


def run(args: argparse.Namespace) -> int:
    from citisens_core.cli import CliError

    scheme, rules = checked_context(args)
    if args.out.suffix.lower() != ".pdf":
        raise CliError(f"--out must end in .pdf, got {args.out.name}")
    notes = ""
    if args.notities is not None:
        try:
            notes = args.notities.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"cannot read --notities {args.notities}: {exc}") from exc

    from citisens_core.report.content import build_report
    from citisens_core.report.pdf import page_limit, report_pdf
    from citisens_core.report.source import report_data

    codes, areas = chosen_areas(args)
    level = areas.level_of(codes[0])
    model = chosen_model(args)
    key = codes[0] if len(codes) == 1 else "selectie"
    try:
        report = build_report(report_data(areas, level, model, scheme), codes, scheme, rules,
                              thema=args.thema, fase=args.fase, trede=args.trede,
                              notes={key: notes})
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    pdf = report_pdf(report, scheme)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(pdf)
    print(f"rapport voor {report.titel} geschreven naar {args.out} "
          f"(hoogstens {page_limit(report)} pagina's)")
    return 0
