"""Reading consultation responses and panel members, and giving each a profile.

One row per person: ``postcode`` (PC6 or PC4) is required everywhere; a
consultation also requires ``kanaal`` (the channel the response came through),
a panel may give ``kanaal`` as the recruitment channel. Optional: ``leeftijd``
(age band or age in years), ``geslacht``, the short profile check's items
(named as in ``docs/survey-format.md``) and, in any further columns, theme
answers. Common variants of the headers are accepted (see :data:`HEADERS`).

Each person gets profile probabilities: from the short profile check where all
its items are answered, otherwise the estimated mix of their postcode's buurt.
Nothing here writes to disk.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from citisens_core.errors import InputProblems
from citisens_core.residents import AGE_BANDS, Residents

#: Canonical column → accepted header variants (compared lower-case, accents and
#: separators removed).
HEADERS: dict[str, tuple[str, ...]] = {
    "postcode": ("postcode", "postcode6", "postcode4", "pc6", "pc4", "pc", "zip", "postal code",
                 "postcode respondent", "postcode woonadres"),
    "kanaal": ("kanaal", "channel", "bron", "via", "kanaal respons", "wervingskanaal",
               "werving", "herkomst", "responskanaal", "medium"),
    "leeftijd": ("leeftijd", "leeftijdsgroep", "leeftijdsklasse", "leeftijdscategorie", "age",
                 "leeftijd jaren"),
    "geslacht": ("geslacht", "gender", "sekse"),
}
PROFILE_SOURCE_CHECK = "profielcheck"
PROFILE_SOURCE_POSTCODE = "postcode"
MAX_ROWS = 200_000
MAX_BYTES = 50 * 1024 * 1024
MAX_PROBLEMS = 12
_PC6 = re.compile(r"^([1-9][0-9]{3})([A-Z]{2})$")
_PC4 = re.compile(r"^[1-9][0-9]{3}$")
_BAND = re.compile(r"^(\d{2})\s*(?:-|–|tot|t/m)\s*(\d{2})(?:\s*jaar)?$")
_PLUS = re.compile(r"^(\d{2})\s*(?:\+|jaar en ouder|en ouder|\+ jaar)$")


class ResponsesError(InputProblems):
    """A responses or members file that cannot be used; names rows, columns and values."""


@dataclass(frozen=True)
class Responses:
    """A parsed responses or members file.

    Attributes
    ----------
    frame : pandas.DataFrame
        ``rij`` (row number in the file), ``postcode`` (``1234AB`` or ``1234``),
        ``kanaal`` (text or NA), ``leeftijd`` (an :data:`AGE_BANDS` value or NA),
        ``geslacht`` (text or NA), the profile-check items present (floats, NaN
        = not answered) and the theme columns as read.
    items : tuple of str
        Profile-check item columns present in the file.
    themes : tuple of str
        Theme answer columns (every other column), in file order.
    source : str
        The file name.
    """

    frame: pd.DataFrame
    items: tuple[str, ...]
    themes: tuple[str, ...]
    source: str

    def __len__(self) -> int:
        return len(self.frame)


def _norm(text: object) -> str:
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[\s_\-./()]+", " ", text.lower()).strip()


def _table(data: bytes, name: str) -> pd.DataFrame:
    """The file as a table of strings (CSV with , or ; in UTF-8 or cp1252, or XLSX)."""
    if not data or not data.strip():
        raise ResponsesError(name, ["het bestand is leeg"])
    if len(data) > MAX_BYTES:
        raise ResponsesError(name, [f"het bestand is {len(data) / 2**20:.0f} MB; de grens is "
                                    f"{MAX_BYTES // 2**20} MB"])
    if data[:4] == b"PK\x03\x04" or Path(name).suffix.lower() in (".xlsx", ".xlsm"):
        try:
            table = pd.read_excel(io.BytesIO(data), dtype=str, nrows=MAX_ROWS + 1)
        except ImportError as exc:
            raise ResponsesError(name, ["Excel lezen vraagt het pakket openpyxl; sla het blad "
                                        "op als CSV"]) from exc
        except Exception as exc:
            raise ResponsesError(name, [f"geen leesbaar Excel-bestand ({type(exc).__name__})"]
                                 ) from exc
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
        first = text.split("\n", 1)[0]
        sep = ";" if first.count(";") > first.count(",") else ","
        try:
            table = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                                nrows=MAX_ROWS + 1)
        except Exception as exc:
            raise ResponsesError(name, [f"geen leesbaar CSV-bestand ({type(exc).__name__}: "
                                        f"{str(exc)[:120]})"]) from exc
    if len(table) > MAX_ROWS:
        raise ResponsesError(name, [f"meer dan {MAX_ROWS:,} rijen".replace(",", ".")])
    table.columns = [str(c).strip() for c in table.columns]
    return table.fillna("").astype(str).apply(lambda s: s.str.strip())


def _canonical_columns(columns: list[str], item_names: set[str]) -> dict[str, str]:
    """File column → canonical name for the known columns."""
    found: dict[str, str] = {}
    for column in columns:
        key = _norm(column)
        if column in item_names or key.replace(" ", "_") in item_names:
            found[column] = key.replace(" ", "_")
            continue
        for canonical, variants in HEADERS.items():
            compact = {v.replace(" ", "") for v in variants}
            if canonical not in found.values() and key.replace(" ", "") in compact:
                found[column] = canonical
                break
    return found


def parse_postcode(value: str) -> str | None:
    """``"1234 ab"`` → ``"1234AB"``, ``"1234"`` → ``"1234"``; None when not a postcode."""
    text = re.sub(r"\s+", "", str(value)).upper().removesuffix(".0")
    if _PC6.match(text) or _PC4.match(text):
        return text
    return None


def parse_age(value: str) -> str | None:
    """An age band of :data:`AGE_BANDS` from a band (``"25-44"``, ``"65+"``) or an age.

    Returns None for an empty value; raises ValueError for anything else.
    """
    text = str(value).strip().lower().replace(",", ".")
    if not text:
        return None
    if text in AGE_BANDS:
        return text
    band = _BAND.match(text)
    if band:
        low, high = int(band.group(1)), int(band.group(2))
        for label in AGE_BANDS:
            start = int(label[:2])
            end = 200 if label.endswith("+") else int(label[3:])
            if start <= low and high <= end:
                return label
        raise ValueError("valt niet binnen één leeftijdsgroep (18-24, 25-44, 45-64, 65+)")
    plus = _PLUS.match(text)
    if plus and int(plus.group(1)) >= 65:
        return "65+"
    try:
        age = float(text)
    except ValueError:
        raise ValueError("is geen leeftijd of leeftijdsgroep (18-24, 25-44, 45-64, 65+)"
                         ) from None
    if not 18 <= age < 120:
        raise ValueError("ligt buiten 18-119 jaar")
    return next(b for b in reversed(AGE_BANDS) if age >= int(b[:2]))


def read_responses(data: bytes, name: str, item_names: tuple[str, ...],
                   require_channel: bool = True) -> Responses:
    """Read a consultation responses file or a panel members file.

    Parameters
    ----------
    data : bytes
        CSV (comma or semicolon, UTF-8 or cp1252) or XLSX.
    name : str
        The file name, used in every message.
    item_names : tuple of str
        All profile-check item names the model knows (answer columns).
    require_channel : bool
        True for a consultation (``kanaal`` required), False for a panel.

    Returns
    -------
    Responses

    Raises
    ------
    ResponsesError
        Listing every problem found (up to :data:`MAX_PROBLEMS`), each naming the
        row, the column and the value, in Dutch.
    """
    name = Path(name).name or "bestand"
    table = _table(data, name)
    mapping = _canonical_columns(list(table.columns), set(item_names))
    required = ["postcode"] + (["kanaal"] if require_channel else [])
    missing = [c for c in required if c not in mapping.values()]
    if missing:
        seen = ", ".join(list(table.columns)[:8]) or "geen"
        raise ResponsesError(name, [
            f"kolom {c!r} ontbreekt (verplicht; ook goed: "
            f"{', '.join(repr(v) for v in HEADERS[c][1:4])}); gevonden kolommen: {seen}"
            for c in missing])
    if table.empty:
        raise ResponsesError(name, ["het bestand heeft kopregels maar geen rijen met antwoorden"])
    by_canonical = {v: k for k, v in mapping.items()}
    problems: list[str] = []
    rows = pd.Series(np.arange(len(table)) + 2, index=table.index)  # row 1 holds the headers

    def problem(i, column: str, value: str, what: str) -> None:
        problems.append(f"rij {rows[i]}, kolom {column!r}: {value[:40]!r} {what}")

    out = pd.DataFrame({"rij": rows})
    col = by_canonical["postcode"]
    postcodes = table[col].map(parse_postcode)
    for i in table.index[postcodes.isna()][:MAX_PROBLEMS]:
        value = table.at[i, col]
        problem(i, col, value, "is leeg (verplicht)" if not value else
                "is geen postcode (verwacht 1234AB of 1234)")
    out["postcode"] = postcodes
    if "kanaal" in by_canonical:
        col = by_canonical["kanaal"]
        channel = table[col].map(lambda v: re.sub(r"\s+", " ", v).strip())
        if require_channel:
            for i in table.index[channel.eq("")][:MAX_PROBLEMS]:
                problem(i, col, "", "is leeg (verplicht: via welk kanaal kwam deze reactie?)")
        out["kanaal"] = channel.map(_channel_label).where(channel.ne(""), None)
    else:
        out["kanaal"] = None
    out["leeftijd"] = None
    if "leeftijd" in by_canonical:
        col = by_canonical["leeftijd"]
        ages = []
        for i, value in table[col].items():
            try:
                ages.append(parse_age(value))
            except ValueError as exc:
                ages.append(None)
                problem(i, col, value, str(exc))
        out["leeftijd"] = ages
    out["geslacht"] = (table[by_canonical["geslacht"]].where(lambda s: s.ne(""), None)
                       if "geslacht" in by_canonical else None)
    items = tuple(c for c in item_names if c in mapping.values())
    for item in items:
        col = by_canonical[item]
        values = pd.to_numeric(table[col].str.replace(",", "."), errors="coerce")
        bad = (table[col].ne("") & (values.isna() | ~values.isin([1, 2, 3, 4, 5])))
        for i in table.index[bad][:MAX_PROBLEMS]:
            problem(i, col, table.at[i, col], "is geen antwoord 1-5 (of leeg)")
        out[item] = values.where(~bad)
    themes = tuple(c for c in table.columns if c not in mapping and c)
    for column in themes:
        out[column] = table[column].where(table[column].ne(""), None)
    if problems:
        extra = len(problems) - MAX_PROBLEMS
        shown = problems[:MAX_PROBLEMS] + ([f"en nog {extra} problemen"] if extra > 0 else [])
        raise ResponsesError(name, shown)
    return Responses(frame=out.reset_index(drop=True), items=items, themes=themes, source=name)


def _channel_label(value: str) -> str:
    """One spelling per channel: "online ENQUETE " and "Online enquête" count together."""
    text = value.strip()
    return text[:1].upper() + text[1:].lower() if text else text


# --- profiles ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Respondents:
    """Responses placed in the area, each with profile probabilities.

    Attributes
    ----------
    frame : pandas.DataFrame
        The responses inside the area: the :class:`Responses` columns plus
        ``bron_profiel`` (profielcheck or postcode), ``buurtcode`` (the area of
        the detailed level holding most of the postcode; NA for a PC4 spread
        over several) and one probability column per profile key.
    residents : Residents
    buiten : int
        Responses whose postcode lies outside the area (left out).
    source : str
    items : tuple of str
    themes : tuple of str
    """

    frame: pd.DataFrame
    residents: Residents
    buiten: int
    source: str
    items: tuple[str, ...]
    themes: tuple[str, ...]

    @property
    def keys(self) -> list[str]:
        return list(self.residents.profile_keys)

    @property
    def probabilities(self) -> np.ndarray:
        """Shape (n, K): P(profile) per respondent, rows sum to 1."""
        return self.frame[self.keys].to_numpy(float)

    def __len__(self) -> int:
        return len(self.frame)


def assign_profiles(responses: Responses, residents: Residents, model) -> Respondents:
    """Place responses in the area and give each profile probabilities.

    A person who answered all of the model's short profile-check items gets the
    check's probabilities; anyone else the estimated mix of the households in
    their postcode's area (PC4 postcodes: the areas it overlaps, by weight).

    Parameters
    ----------
    responses : Responses
    residents : Residents
    model : EngagementModel

    Returns
    -------
    Respondents
    """
    keys = list(residents.profile_keys)
    frame = responses.frame
    links = residents.locate(frame["postcode"])
    inside = np.isin(np.arange(len(frame)), links["respondent"].unique())
    areas = residents.gebieden.set_index("code")
    area_mix = areas[keys]
    weighted = links.join(area_mix, on="code")
    postcode_mix = (weighted[keys].mul(weighted["gewicht"], axis=0)
                    .groupby(weighted["respondent"]).sum())
    main_area = (links.sort_values("gewicht", ascending=False).drop_duplicates("respondent")
                 .set_index("respondent"))
    out = frame.loc[inside].copy()
    probs = postcode_mix.reindex(out.index).to_numpy(float)
    probs = probs / probs.sum(axis=1, keepdims=True)
    source = np.full(len(out), PROFILE_SOURCE_POSTCODE, dtype=object)
    for items, predict in _profile_checks(model):
        if not set(items) <= set(responses.items):
            continue
        todo = (source == PROFILE_SOURCE_POSTCODE) & out[list(items)].notna().all(axis=1).to_numpy()
        if todo.any():
            raw, classes = predict(out.loc[todo, list(items)])
            check = np.zeros((int(todo.sum()), len(keys)))
            for j, cls in enumerate(classes):
                if cls in keys:
                    check[:, keys.index(cls)] = raw[:, j]
            probs[todo] = check / check.sum(axis=1, keepdims=True)
            source[todo] = PROFILE_SOURCE_CHECK
    out["bron_profiel"] = source
    main = main_area.reindex(out.index)
    out["buurtcode"] = main["code"].where(main["gewicht"] >= 0.5)
    for j, key in enumerate(keys):
        out[key] = probs[:, j]
    return Respondents(frame=out.reset_index(drop=True), residents=residents,
                       buiten=int((~inside).sum()), source=responses.source,
                       items=responses.items, themes=responses.themes)


def _profile_checks(model):
    """The ways to read a profile from answers, most accurate first.

    The full questionnaire (the segmentation itself) where every answer column
    is filled in; otherwise the short profile check (its few items, a linear
    discriminant classifier that agrees with the full model for about 88 % of
    respondents on the reference survey).
    """
    segmenter, form = model.segmenter, model.short_form
    full = tuple(str(c) for c in getattr(segmenter, "feature_names_in_", ()))

    def by_segmenter(answers: pd.DataFrame):
        return segmenter.predict_proba(answers), [str(c) for c in segmenter.classes_]

    def by_short_form(answers: pd.DataFrame):
        return (form.classifier.predict_proba(answers.to_numpy(float)),
                [str(c) for c in form.classifier.classes_])

    checks = [(full, by_segmenter)] if full else []
    return [*checks, (tuple(form.items), by_short_form)]
