"""The map without sight or mouse: a text summary and a table of the areas on the map.

The table lists every area the map shows (name, code, most common profile and
whether it is clearly the most common, the chosen colouring's value with its
interval). It can be filtered and sorted with ordinary form controls, and a
row chosen with the keyboard selects the area exactly as a click on the map
does (:func:`atlas_ui.layout.select`, so the same side panel opens).

The text builders are pure functions of the estimates, tested without a
browser; only :func:`apply_table_choice` and :func:`map_in_text` draw.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import streamlit as st

from atlas_ui.format import LEVEL_PLURAL, figure_label, figure_value, interval, number, pct
from atlas_ui.layout import select, selected_code
from atlas_ui.maps import MODE_FIGURE, MODE_PROFILE
from atlas_ui.state import area_key
from citisens_core.atlas import model_fingerprint
from citisens_core.demographics import SHARE_COLUMNS
from citisens_core.dutch import join_dutch
from citisens_core.scheme import Scheme

# area state: a new data set starts with a fresh table
TABLE_KEY = area_key("tabel")
STATE_KEY = area_key("tabel_staat")
FILTER_KEY = area_key("tabel_filter")
SORT_KEY = area_key("tabel_sortering")
#: Anchor of the table's heading, the target of the skip link above the map.
ANCHOR = "kaart-als-tabel"

COL_NAME = "Naam"
COL_CODE = "Code"
COL_PROFILE = "Meest voorkomend profiel"
COL_CLEAR = "Duidelijk de grootste?"
COL_INTERVAL = "90 %-interval"
COL_CONFIDENCE = "Betrouwbaarheid"
NO_ESTIMATE = "geen schatting"
CLEAR = "ja"
SORT_NAME = "naam (A–Z)"
SORT_CODE = "code"
SORT_VALUE_HIGH = "waarde, hoog naar laag"
SORT_VALUE_LOW = "waarde, laag naar hoog"
SORT_PROFILE = "meest voorkomend profiel"
SORTS = (SORT_NAME, SORT_CODE, SORT_VALUE_HIGH, SORT_VALUE_LOW, SORT_PROFILE)


# --- doubt about the most common profile -------------------------------------------------


def clear_winner(est: pd.DataFrame) -> np.ndarray:
    """Per area whether its most common profile is clearly the most common.

    The one place that decides doubt for the table and the summary. An
    estimate that carries its own flag (``dominant_duidelijk``) is trusted;
    otherwise the most common profile counts as clear only when its 90 %
    interval lies wholly above the second profile's interval.

    Returns
    -------
    numpy.ndarray of bool
        False for areas without an estimate.
    """
    has = est["heeft_schatting"].to_numpy(dtype=bool)
    if "dominant_duidelijk" in est:
        return est["dominant_duidelijk"].fillna(False).to_numpy(dtype=bool) & has
    first_low = per_area(est, est["dominant_profiel"], "_laag")
    second_high = per_area(est, est["tweede_profiel"], "_hoog")
    return has & (first_low > second_high)


def per_area(est: pd.DataFrame, keys: pd.Series, suffix: str = "") -> np.ndarray:
    """Per area the value of column ``key + suffix`` for that area's own profile key.

    Vectorised per profile (at most eight), so a national table of 13,000
    buurten stays fast; NaN where the key names no column.
    """
    keys = keys.fillna("").astype(str).to_numpy(dtype=str)  # no estimate: no key
    out = np.full(len(est), np.nan)
    for key in np.unique(keys):
        column = f"{key}{suffix}"
        if column in est:
            rows = keys == key
            out[rows] = est[column].to_numpy(dtype=float)[rows]
    return out


# --- the table ---------------------------------------------------------------------------


def value_column(mode: str, param: str | None, scheme: Scheme) -> str:
    """The header of the chosen colouring's value column."""
    if mode == MODE_PROFILE:
        return f"Aandeel {scheme.profile(param).naam} (%)"
    if mode == MODE_FIGURE:
        unit = " (%)" if param in SHARE_COLUMNS else ""
        return f"{figure_label(param)}{unit}"
    return "Aandeel meest voorkomend profiel (%)"


def area_rows(table: pd.DataFrame, est: pd.DataFrame, mode: str, param: str | None,
              scheme: Scheme) -> pd.DataFrame:
    """One row per area on the map, in map order.

    Parameters
    ----------
    table : pandas.DataFrame
        The mapped areas (canonical area table rows).
    est : pandas.DataFrame
        Their estimates, row for row.
    mode, param : str
        The map's colouring (see :data:`atlas_ui.maps.MODES`).
    scheme : Scheme

    Returns
    -------
    pandas.DataFrame
        Text columns for reading and one numeric value column (shares in
        percent) so that sorting on it sorts by size.
    """
    names = scheme.names()
    has = est["heeft_schatting"].to_numpy(dtype=bool)
    dominant = est["dominant_profiel"].astype(str).to_numpy()
    second = est["tweede_profiel"].astype(str).to_numpy()
    clear = clear_winner(est)
    values, intervals = _values(table, est, mode, param)
    return pd.DataFrame({
        COL_NAME: table["naam"].astype(str).to_numpy(),
        COL_CODE: table["code"].astype(str).to_numpy(),
        COL_PROFILE: [names.get(d, d) if h else NO_ESTIMATE for d, h in zip(dominant, has,
                                                                         strict=True)],
        value_column(mode, param, scheme): values,
        COL_INTERVAL: intervals,
        COL_CLEAR: [("–" if not h else CLEAR + chance if c
                     else f"nee{chance}, {names.get(s, s)} bijna even groot")
                    for h, c, s, chance in zip(has, clear, second, _chances(est), strict=True)],
        COL_CONFIDENCE: [str(b) if h else "–" for b, h in zip(est["betrouwbaarheid"], has,
                                                              strict=True)],
    })


def _chances(est: pd.DataFrame) -> list[str]:
    """" (kans 93 %)": the estimated chance that the most common profile really is the
    largest, where the estimates carry it (``dominant_kans``); else nothing."""
    if "dominant_kans" not in est:
        return [""] * len(est)
    return [f" (kans {pct(k)})" if np.isfinite(k) else ""
            for k in est["dominant_kans"].to_numpy(dtype=float)]


def _values(table, est, mode, param) -> tuple[np.ndarray, list[str]]:
    """The coloured value per area (percent for shares) and its interval as text."""
    has = est["heeft_schatting"].to_numpy(dtype=bool)
    if mode == MODE_FIGURE:
        raw = pd.to_numeric(table[param], errors="coerce").to_numpy(dtype=float)
        scale = 100.0 if param in SHARE_COLUMNS else 1.0
        return raw * scale, ["CBS-telling" if np.isfinite(v) else "–" for v in raw]
    keys = (pd.Series(param, index=est.index) if mode == MODE_PROFILE
            else est["dominant_profiel"])
    values = np.where(has, 100 * per_area(est, keys), np.nan)
    low, high = per_area(est, keys, "_laag"), per_area(est, keys, "_hoog")
    intervals = [interval(lo, hi) if h else "–" for lo, hi, h in zip(low, high, has, strict=True)]
    return values, intervals


def filter_rows(rows: pd.DataFrame, query: str) -> pd.DataFrame:
    """Rows whose name or code contains `query` (case-insensitive, plain text)."""
    query = query.strip().lower()
    if not query:
        return rows
    hit = (rows[COL_NAME].str.lower().str.contains(query, regex=False)
           | rows[COL_CODE].str.lower().str.contains(query, regex=False))
    return rows[hit]


def value_name(rows: pd.DataFrame) -> str:
    """The name of the value column of :func:`area_rows` (it follows the colouring)."""
    fixed = {COL_NAME, COL_CODE, COL_PROFILE, COL_CLEAR, COL_INTERVAL, COL_CONFIDENCE}
    return next(c for c in rows.columns if c not in fixed)


def sort_rows(rows: pd.DataFrame, how: str) -> pd.DataFrame:
    """Rows in the order chosen with the sort control (areas without a value last)."""
    value = value_name(rows)
    if how == SORT_CODE:
        return rows.sort_values(COL_CODE, kind="stable")
    if how in (SORT_VALUE_HIGH, SORT_VALUE_LOW):
        return rows.sort_values(value, ascending=how == SORT_VALUE_LOW, na_position="last",
                                kind="stable")
    if how == SORT_PROFILE:
        return rows.sort_values([COL_PROFILE, value], ascending=[True, False], kind="stable")
    return rows.sort_values(COL_NAME, key=lambda s: s.str.lower(), kind="stable")


# --- the summary -------------------------------------------------------------------------


def map_summary(table: pd.DataFrame, est: pd.DataFrame, mode: str, param: str | None,
                level: str, scheme: Scheme) -> str:
    """A few plain Dutch sentences that say what the map shows.

    E.g. "In 35 van de 64 buurten is Zelfbewuste Aanpakkers naar schatting het
    meest voorkomende profiel, …". Plain text (names from files are not
    Markdown); show it with ``st.text`` or escaped.
    """
    plural = LEVEL_PLURAL.get(level, level)
    has = est["heeft_schatting"].to_numpy(dtype=bool)
    n = len(est)
    if mode == MODE_FIGURE:
        sentences = [_range_sentence(table, param, plural)]
        return " ".join(s for s in sentences if s)
    usable = int(has.sum())
    if usable == 0:
        return f"De kaart toont {n} {plural}; voor geen ervan is een schatting."
    if mode == MODE_PROFILE:
        sentences = [_share_sentence(table, est, param, plural, scheme)]
    else:
        sentences = _dominant_sentences(est, n, plural, scheme)
    if usable < n:
        sentences.append(f"Voor {n - usable} {plural if n - usable != 1 else 'gebied'} is geen "
                         "schatting (geen huishoudens of geen eigen cijfers).")
    return " ".join(sentences)


def _dominant_sentences(est, n, plural, scheme) -> list[str]:
    names = scheme.names()
    has = est["heeft_schatting"].to_numpy(dtype=bool)
    counts = est.loc[has, "dominant_profiel"].astype(str).value_counts()
    listed = counts if len(counts) <= 4 else counts.iloc[:3]
    first = listed.index[0]
    parts = [f"In {listed.iloc[0]} van de {n} {plural} is {names.get(first, first)} naar "
             "schatting het meest voorkomende profiel"]
    parts += [f"in {c} {names.get(k, k)}" for k, c in listed.iloc[1:].items()]
    if len(counts) > len(listed):
        parts.append(f"in {int(counts.iloc[3:].sum())} een van {len(counts) - 3} andere "
                     "profielen")
    sentences = [join_dutch(parts) + "."]
    unclear = int((has & ~clear_winner(est)).sum())
    if unclear:
        sentences.append(f"In {unclear} van de {int(has.sum())} {plural} is dat niet duidelijk: "
                         "het tweede profiel kan even groot zijn.")
    return sentences


def _share_sentence(table, est, key, plural, scheme) -> str:
    has = est["heeft_schatting"].to_numpy(dtype=bool)
    shares = est[key].to_numpy(dtype=float)[has]
    names = table["naam"].astype(str).to_numpy()[has]
    low, high = int(np.argmin(shares)), int(np.argmax(shares))
    return (f"Aandeel {scheme.profile(key).naam} per {_singular(plural)}: naar schatting van "
            f"{pct(shares[low])} ({names[low]}) tot {pct(shares[high])} ({names[high]}); "
            f"in de helft van de {plural} {pct(np.median(shares))} of meer.")


def _range_sentence(table, column, plural) -> str:
    values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)
    known = np.isfinite(values)
    label = figure_label(column)
    if not known.any():
        return f"{label}: CBS geeft dit cijfer voor geen van de {len(values)} {plural}."
    names = table["naam"].astype(str).to_numpy()[known]
    shown = values[known]
    low, high = int(np.argmin(shown)), int(np.argmax(shown))
    text = (f"{label} (CBS) per {_singular(plural)}: van {figure_value(column, shown[low])} "
            f"({names[low]}) tot {figure_value(column, shown[high])} ({names[high]}); in de "
            f"helft van de {plural} {figure_value(column, np.median(shown))} of meer.")
    if (~known).any():
        text += f" Voor {number((~known).sum())} {plural} geeft CBS dit cijfer niet."
    return text


def _singular(plural: str) -> str:
    return {"gemeenten": "gemeente", "wijken": "wijk", "buurten": "buurt"}.get(plural, "gebied")


def map_text(dataset, level: str, gemeente: str, mode: str, param: str | None, model,
             scheme: Scheme) -> tuple[pd.DataFrame, str]:
    """The table rows and the summary of one map view, computed once per data set and view.

    The same areas as :func:`atlas_ui.maps.map_layer` draws (`gemeente` ``""``: all).
    Shared read-only between sessions: callers filter and sort copies.
    """
    def compute() -> tuple[pd.DataFrame, str]:
        inside = dataset.in_gemeente(level, gemeente)
        table = dataset.levels[level][inside]
        est = dataset.estimates(level, model)[inside.to_numpy()]
        return (area_rows(table, est, mode, param, scheme),
                map_summary(table, est, mode, param, level, scheme))

    key = ("kaart-als-tabel", level, gemeente, mode, param, model_fingerprint(model))
    return dataset.memo(key, compute)


# --- drawing -----------------------------------------------------------------------------


def apply_table_choice() -> None:
    """A row newly chosen in the table selects its area, exactly like a map click.

    Runs at the top of the page, before the map and panel are drawn. Only a
    change of the table's own choice counts, so a later click on the map or a
    search is not undone by the row that is still ticked; unticking a row
    changes nothing (the map's ✕ clears a selection).
    """
    state = st.session_state.get(STATE_KEY)
    if not state:
        return
    event = st.session_state.get(state["key"]) or {}
    rows = (event.get("selection") or {}).get("rows") or []
    if not rows or rows[0] >= len(state["codes"]):
        return
    code = state["codes"][rows[0]]
    if code != state["chosen"]:
        state["chosen"] = code
        select(code)


def table_widget_key(codes: list[str]) -> str:
    """The table widget's key: a new widget when its rows change or when the selection
    came from elsewhere (map, search), so that the ticked row is always the selected
    area; the same widget otherwise, so keyboard focus stays in the table."""
    chosen = selected_code()
    state = st.session_state.get(STATE_KEY)
    generation = 0
    if state:
        fresh = chosen != state["chosen"] or codes != state["codes"]
        generation = state["generation"] + int(fresh)
    digest = hashlib.sha1("|".join(codes).encode()).hexdigest()[:10]
    key = f"{TABLE_KEY}:{digest}:{generation}"
    st.session_state[STATE_KEY] = {"key": key, "codes": codes, "generation": generation,
                                   "chosen": chosen}
    return key


def map_in_text(rows: pd.DataFrame, summary: str, level: str) -> None:
    """The heading, the summary, filter and sort controls and the selectable table.

    Parameters
    ----------
    rows : pandas.DataFrame
        From :func:`area_rows`.
    summary : str
        From :func:`map_summary` (also the map's own text alternative).
    level : str
    """
    plural = LEVEL_PLURAL.get(level, level)
    st.header("De kaart als tabel", anchor=ANCHOR)
    st.text(summary)
    left, right = st.columns([1.3, 1])
    query = left.text_input("Zoek in de tabel (naam of code)", key=FILTER_KEY)
    how = right.selectbox("Sorteer de tabel op", SORTS, key=SORT_KEY)
    shown = sort_rows(filter_rows(rows, query), how)
    if shown.empty:
        st.info(f"Geen {plural} in de tabel met ‘{query}’ in naam of code.")
        return
    codes = shown[COL_CODE].tolist()
    chosen = selected_code()
    value = value_name(shown)
    st.dataframe(
        shown, key=table_widget_key(codes), on_select="rerun", selection_mode="single-row",
        selection_default=({"selection": {"rows": [codes.index(chosen)]}}
                           if chosen in codes else None),
        hide_index=True, width="stretch", height=min(38 + 35 * len(shown), 420),
        placeholder="–", alt=f"Tabel van de {len(shown)} {plural} op de kaart",
        column_config={value: _value_config(value)})
    st.caption("Kies een rij (met de muis, of met de pijltjestoetsen en Shift+Spatie) om het "
               "gebied te selecteren, net als met een klik op de kaart. "
               f"{len(shown)} van de {len(rows)} {plural}.")


def _value_config(label: str):
    """Percentages as whole numbers, other figures in the reader's own notation."""
    if label.endswith("(%)"):
        return st.column_config.NumberColumn(label, format="%.0f %%")
    return st.column_config.NumberColumn(label, format="localized")
