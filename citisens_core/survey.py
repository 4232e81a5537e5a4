"""The reference survey: questionnaire, file format and reader.

A survey is a table with one row per respondent: Likert items for the four
characteristics, a channel preference per scheme channel (``kanaal_<key>``) and
the demographic cell (see :mod:`citisens_core.demographics`). The synthetic
survey drawn by :func:`citisens_core.fictional.survey.generate_survey` has
exactly this format (plus ``ware_profiel``, the generating profile, for
validation), so a user with real data replaces the file and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from citisens_core.demographics import DIMENSIONS
from citisens_core.errors import InputProblems
from citisens_core.scheme import Scheme, load_scheme

TRUE_PROFILE = "ware_profiel"
ID_COLUMN = "respondent"
OPTIONAL_COLUMNS = ("opleiding", "pc4", "gewicht", TRUE_PROFILE)
LIKERT = (1, 5)


@dataclass(frozen=True)
class Item:
    code: str
    kenmerk: str
    tekst: str
    omgekeerd: bool = False


@dataclass(frozen=True)
class Questionnaire:
    items: tuple[Item, ...]
    kanaal_vraag: str
    demografie: dict

    @property
    def item_codes(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.items)


@cache
def load_questionnaire() -> Questionnaire:
    """The reference questionnaire shipped with the package."""
    raw = yaml.safe_load(
        resources.files("citisens_core.data").joinpath("vragenlijst-v1.yaml").read_text("utf-8"))
    items = tuple(Item(**i) for i in raw["items"])
    return Questionnaire(items=items, kanaal_vraag=raw["kanaal_vraag"],
                         demografie=raw["demografie"])


def channel_columns(scheme: Scheme) -> tuple[str, ...]:
    """Survey column names of the channel preference questions."""
    return tuple(f"kanaal_{k}" for k in scheme.kanalen)


def answer_columns(scheme: Scheme) -> tuple[str, ...]:
    """All Likert-scale columns the segmentation uses: items, then channels."""
    return load_questionnaire().item_codes + channel_columns(scheme)


def column_dictionary(scheme: Scheme | None = None) -> pd.DataFrame:
    """The survey's column dictionary: name, meaning and allowed values.

    Returns
    -------
    pandas.DataFrame
        Columns ``kolom``, ``betekenis``, ``waarden``, ``verplicht``.
    """
    scheme = scheme or load_scheme()
    q = load_questionnaire()
    rows = [(ID_COLUMN, "Volgnummer van de respondent", "tekst of getal", "nee")]
    for item in q.items:
        note = " (omgekeerd gescoord)" if item.omgekeerd else ""
        rows.append((item.code, f"{item.tekst}{note}", "1-5 of leeg", "ja"))
    for key, name in scheme.kanalen.items():
        rows.append((f"kanaal_{key}", f"{q.kanaal_vraag} {name}", "1-5 of leeg", "ja"))
    for dim, spec in q.demografie.items():
        required = "ja" if dim in DIMENSIONS else "nee"
        rows.append((dim, spec["vraag"], ", ".join(spec["codes"]), required))
    rows += [("pc4", "Postcode (4 cijfers)", "1000-9999", "nee"),
             ("gewicht", "Weegfactor", "getal > 0", "nee"),
             (TRUE_PROFILE, "Alleen synthetisch: profiel waaruit de respondent is getrokken",
              ", ".join(scheme.keys), "nee")]
    return pd.DataFrame(rows, columns=["kolom", "betekenis", "waarden", "verplicht"])


# --- reading ------------------------------------------------------------------------

class SurveyError(InputProblems):
    """A survey file that cannot be used; `problems` lists every problem found."""


def read_survey(path: str | Path, scheme: Scheme | None = None) -> pd.DataFrame:
    """Read and validate a survey CSV (comma or semicolon; UTF-8 or cp1252).

    Parameters
    ----------
    path : str or Path
    scheme : Scheme, optional

    Returns
    -------
    pandas.DataFrame
        Likert columns as nullable floats (NaN = no answer), demographic
        columns as strings.

    Raises
    ------
    SurveyError
        Listing every problem at once (in Dutch: these reach the app's users):
        missing columns, out-of-range answers, unknown codes, each with
        example row numbers.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problem = f"het bestand kan niet worden gelezen ({exc.strerror})"
        raise SurveyError(path.name, [problem]) from exc
    return parse_survey(raw, source=path.name, scheme=scheme)


def parse_survey(raw: bytes, source: str = "enquête", scheme: Scheme | None = None) -> pd.DataFrame:
    """Validate survey CSV bytes (see :func:`read_survey`)."""
    scheme = scheme or load_scheme()
    text = _decode(raw)
    if not text.strip():
        raise SurveyError(source, ["het bestand is leeg"])
    first_line = text.splitlines()[0]
    sep = ";" if first_line.count(";") > first_line.count(",") else ","
    from io import StringIO

    try:
        frame = pd.read_csv(StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, ValueError) as exc:
        raise SurveyError(source, [f"geen leesbare CSV-tabel ({exc})"]) from exc
    frame.columns = [c.strip().lower() for c in frame.columns]
    problems = _validate(frame, scheme)
    if problems:
        raise SurveyError(source, problems)
    return _typed(frame, scheme)


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _rows(mask: pd.Series) -> str:
    """Example data row numbers (1 = first row under the header)."""
    rows = (np.flatnonzero(mask.to_numpy()) + 1)[:5]
    more = " …" if mask.sum() > 5 else ""
    return ", ".join(str(r) for r in rows) + more


def _validate(frame: pd.DataFrame, scheme: Scheme) -> list[str]:
    problems = []
    if frame.empty:
        problems.append("het bestand heeft een kopregel maar geen respondenten")
    likert = answer_columns(scheme)
    missing = [c for c in (*likert, *DIMENSIONS) if c not in frame.columns]
    if missing:
        problems.append(f"ontbrekende kolommen: {', '.join(missing)}")
    for col in likert:
        if col not in frame:
            continue
        values = frame[col].str.strip()
        numbers = pd.to_numeric(values, errors="coerce")
        bad = (values != "") & ~numbers.isin(range(LIKERT[0], LIKERT[1] + 1))
        if bad.any():
            examples = sorted(set(values[bad]))[:3]
            problems.append(f"kolom {col}: {int(bad.sum())} antwoord(en) buiten 1-5 "
                            f"(bijv. {examples}) in rij {_rows(bad)}")
    for dim, codes in DIMENSIONS.items():
        if dim not in frame:
            continue
        values = frame[dim].str.strip()
        bad = ~values.isin(codes)
        if bad.any():
            examples = sorted(set(values[bad]))[:3]
            problems.append(f"kolom {dim}: {int(bad.sum())} onbekende code(s) {examples} in rij "
                            f"{_rows(bad)}; toegestaan: {', '.join(codes)}")
    if TRUE_PROFILE in frame:
        values = frame[TRUE_PROFILE].str.strip()
        bad = (values != "") & ~values.isin(scheme.keys)
        if bad.any():
            problems.append(f"kolom {TRUE_PROFILE}: onbekende profielen "
                            f"{sorted(set(values[bad]))[:3]} in rij {_rows(bad)}")
    if "gewicht" in frame:
        bad = ~(_weights(frame["gewicht"]) > 0)
        if bad.any():
            problems.append(f"kolom gewicht: {int(bad.sum())} gewicht(en) geen positief getal "
                            f"in rij {_rows(bad)}")
    return problems


def _weights(column: pd.Series) -> pd.Series:
    """Weights as numbers; Dutch spreadsheets write a decimal comma (1,25)."""
    return pd.to_numeric(column.str.strip().str.replace(",", ".", regex=False), errors="coerce")


def _typed(frame: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    out = frame.copy()
    for col in answer_columns(scheme):
        out[col] = pd.to_numeric(out[col].str.strip(), errors="coerce").astype(float)
    for dim in DIMENSIONS:
        out[dim] = out[dim].str.strip()
    if "gewicht" in out:
        out["gewicht"] = _weights(out["gewicht"]).astype(float)
    return out
