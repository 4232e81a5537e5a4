"""``fit``: fit the engagement model on a reference survey and save it."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "Fit the segmentation and the demographic link on a survey CSV and save the model."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("survey", type=Path, help="survey CSV (see the survey column dictionary)")
    parser.add_argument("--out", type=Path, required=True, help="model file to write (.joblib)")
    parser.add_argument("--scheme", type=Path, help="profile scheme YAML (default: built in)")
    parser.add_argument("--bootstrap", type=int, default=40,
                        help="bootstrap replicates of the demographic link (default 40)")
    parser.add_argument("--diagnostics", action="store_true",
                        help="also compare numbers of profiles (silhouette, BIC per k); this "
                             "refits the segmentation for every k and takes a minute or more")
    parser.add_argument("--no-diagnostics", action="store_false", dest="diagnostics",
                        help="the default; kept so existing scripts keep working")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")


def run(args: argparse.Namespace) -> int:
    from citisens_core.cli import CliError
    from citisens_core.model import ModelError, fit_engagement_model, save_model
    from citisens_core.scheme import SchemeError, load_scheme
    from citisens_core.survey import SurveyError, read_survey

    if args.bootstrap < 0:
        raise CliError(f"--bootstrap must be 0 or more, got {args.bootstrap}")
    try:
        scheme = load_scheme(args.scheme)
    except SchemeError as exc:
        raise CliError(f"scheme {exc.source}: " + "; ".join(exc.problems)) from exc
    try:
        survey = read_survey(args.survey, scheme)
    except SurveyError as exc:
        raise CliError(f"survey {exc.source}: " + "; ".join(exc.problems)) from exc
    try:
        model = fit_engagement_model(
            survey, scheme, n_bootstrap=args.bootstrap, diagnostics=args.diagnostics,
            random_state=args.seed, source=f"enquête {args.survey.name}",
            progress=lambda fraction, message: print(f"[{fraction:4.0%}] {message}", flush=True))
    except (ModelError, ValueError) as exc:
        raise CliError(f"survey {args.survey.name}: {exc}") from exc
    if model.diagnostics is not None:
        print("\nAantal profielen (k): diagnostiek")
        print(model.diagnostics.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print("\n" + _validation_text(model.validation, model.short_form.items))
    try:
        path = save_model(model, args.out)
    except OSError as exc:
        raise CliError(f"cannot write {args.out} ({exc.strerror})") from exc
    print(f"model saved to {path}")
    return 0


def _validation_text(validation: dict, items: tuple[str, ...]) -> str:
    ari = validation.get("ari")
    lines = [
        f"respondents:            {validation['n_respondents']}",
        "ARI vs ware_profiel:    " + ("n/a (no ware_profiel column)" if ari is None
                                      else f"{ari:.3f}"),
        f"short form agreement:   {validation['short_form_agreement']:.1%} "
        f"with {len(items)} items ({', '.join(items)})",
        f"fit time:               {validation['fit_seconds']:.1f} s",
    ]
    return "\n".join(lines)
