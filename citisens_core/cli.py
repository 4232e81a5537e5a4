"""Command line: ``python -m citisens_core <command> …``.

Each command lives in its own module under :mod:`citisens_core.commands` and
exposes ``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int``.
Errors reach the user as one clear line and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = ("survey", "fit", "estimate", "download", "advise", "bereik", "panel", "rapport")


class CliError(Exception):
    """An error the user can fix; printed as one line."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m citisens_core",
        description="Citisens engagement atlas: profiles per gemeente, wijk and buurt.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"citisens_core.commands.{name}")
        except ModuleNotFoundError:
            continue  # a command still being built
        command = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        command.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("afgebroken", file=sys.stderr)
        return 130
    except Exception as exc:  # the one place that turns any failure into one line
        print(f"error: {_one_line(exc, args)}", file=sys.stderr)
        return 1


#: Libraries whose own (English) messages are replaced by a Dutch sentence.
_LIBRARIES = ("shapely", "pyogrio", "pyproj", "pandas", "numpy", "sqlite3", "zipfile")


def _one_line(exc: Exception, args: argparse.Namespace) -> str:
    """Our own errors as they are; a failure deep in a library in Dutch, naming the file."""
    from pathlib import Path

    from citisens_core.failures import explain

    library = type(exc).__module__.split(".")[0] in _LIBRARIES
    source = getattr(args, "areas", None) or getattr(args, "survey", None)
    if (library or isinstance(exc, MemoryError | RecursionError | UnicodeError)) and source:
        return explain(exc, Path(str(source)).name)
    return " ".join(str(exc).split()) or type(exc).__name__
