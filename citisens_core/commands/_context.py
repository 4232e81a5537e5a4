"""The advice context shared by ``advise`` and ``rapport``: theme, phase and ladder step."""

from __future__ import annotations

import argparse


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
