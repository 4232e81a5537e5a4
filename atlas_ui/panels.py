"""Blocks shown on several pages: an area's mix against references, key figures, notes."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from atlas_ui.charts import mix_chart, mix_frame, mix_lines, mix_summary
from atlas_ui.data import national_mix, scheme
from atlas_ui.format import (
    GROUP_REMINDER,
    KEY_FIGURES,
    LEVEL_NAMES,
    figure_label,
    figure_value,
    interval,
    literal,
    literal_table,
    pct,
)
from atlas_ui.state import area_key, session_key
from citisens_core.atlas import AreaSet
from citisens_core.geodata.normalise import missing_reason

#: The labels as citisens_core.estimate assigns them (see its ``_confidence``).
CONFIDENCE_TEXT = {
    "hoog": "hoog — alle kenmerken uit eigen cijfers van het gebied (gepubliceerd of afgeleid)",
    "redelijk": "redelijk — een klein gebied, of een kenmerk geleend van wijk of gemeente",
    "laag": "laag — een kenmerk van het land ingevuld, of weinig eigen cijfers",
    "zeer laag": "zeer laag — geen eigen cijfers; dit is vooral het landelijke beeld",
}
NOTES_KEY = session_key("notes")


def own_series(row: pd.Series, keys: list[str]) -> pd.DataFrame:
    """An estimate row as a frame (profile key → aandeel, laag, hoog)."""
    return pd.DataFrame({"aandeel": [row[k] for k in keys],
                         "laag": [row[f"{k}_laag"] for k in keys],
                         "hoog": [row[f"{k}_hoog"] for k in keys]}, index=keys)


def reference_series(dataset: AreaSet, gemeentecode: str, model: Any,
                     label_area: str, area: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The area's mix with its gemeente's and the national mix, for :func:`mix_chart`."""
    keys = list(model.profile_keys)
    series = {label_area: area}
    gm = dataset.gemeente_mix(gemeentecode, model) if gemeentecode else None
    if gm is not None:
        series["Gemeente"] = pd.DataFrame({"aandeel": gm.reindex(keys).to_numpy()}, index=keys)
    nl = national_mix(model)
    series["Nederland"] = pd.DataFrame({"aandeel": nl.to_numpy()}, index=keys)
    return series


def confidence_line(label: str, reason: str | None = None) -> None:
    """The confidence of an estimate in words (not only colour), with its reason."""
    text = CONFIDENCE_TEXT.get(str(label), str(label))
    if reason and isinstance(reason, str):
        text = f"{label!s} — {reason}"
    st.markdown(f"**Betrouwbaarheid:** {html.escape(text)}")


def missing_of(dataset: AreaSet, level: str) -> Mapping[str, str]:
    """Which figures a level's table lacks throughout, and why (for :func:`key_figures_table`)."""
    return dataset.levels[level].attrs.get("ontbrekend", {})


def key_figures_table(rows: dict[str, pd.Series],
                      ontbrekend: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Key CBS figures of one or more areas as a table of formatted Dutch text.

    With `ontbrekend` (the table's ``attrs["ontbrekend"]``) a missing figure
    says why: not yet published, secret, nobody lives here, not in the file.
    """
    def shown(row: pd.Series, column: str) -> str:
        reason = missing_reason(row, column, ontbrekend) if ontbrekend is not None else None
        return f"– ({reason})" if reason else figure_value(column, row.get(column))

    data = {name: [shown(row, c) for c in KEY_FIGURES] for name, row in rows.items()}
    return pd.DataFrame(data, index=[figure_label(c) for c in KEY_FIGURES])


def area_panel(dataset: AreaSet, code: str, model: Any) -> bool:
    """The side panel of the map for one area. Returns True when the analysis was asked."""
    row = dataset.area(code)
    est = dataset.estimate_row(code, model)
    if row is None or est is None:
        st.info("Het gekozen gebied staat niet in deze gegevens.")
        return False
    sch = scheme()
    keys = list(model.profile_keys)
    level = str(row["niveau"])
    st.header(literal(row["naam"]))
    st.caption(f"{LEVEL_NAMES.get(level, level)} {literal(code)}"
               + (f" · gemeente {literal(row['gemeentenaam'])}" if row.get("gemeentenaam") else ""))
    if not bool(est["heeft_schatting"]):
        st.warning("Voor dit gebied is geen schatting: volgens CBS wonen hier geen "
                   "huishoudens (bijvoorbeeld een bedrijventerrein of alleen instellingen).")
        st.table(literal_table(key_figures_table({str(row["naam"]): row},
                                                missing_of(dataset, level))))
        return False
    names = sch.names()
    dom, second = est["dominant_profiel"], est["tweede_profiel"]
    st.markdown(
        f"Vaakst: **{html.escape(names[dom])}** {pct(est[dom])} "
        f"(90 %-interval {interval(est[f'{dom}_laag'], est[f'{dom}_hoog'])}), daarna "
        f"**{html.escape(names[second])}** {pct(est[second])} "
        f"({interval(est[f'{second}_laag'], est[f'{second}_hoog'])}).")
    if not bool(est.get("dominant_duidelijk", True)):
        st.markdown(f"**Geen duidelijk meest voorkomend profiel:** de kans dat "
                    f"{html.escape(names[dom])} hier echt vaker voorkomt dan "
                    f"{html.escape(names[second])} is {pct(est['dominant_kans'])} "
                    "(duidelijk vanaf 80 %).")
    series = reference_series(dataset, str(row.get("gemeentecode") or ""), model, "Dit gebied",
                              own_series(est, keys))
    long = mix_frame(series, sch)
    st.altair_chart(mix_chart(long, sch, height=430), width="stretch", alt=mix_summary(long))
    st.caption("Zwarte streep: 90 %-interval van de schatting. Nederland: landelijke aandelen "
               "(deels aanname, zie Profielen).")
    with st.expander("De cijfers van deze grafiek"):
        st.markdown("\n".join(f"- {html.escape(line)}" for line in mix_lines(long, sch)))
    confidence_line(est["betrouwbaarheid"], est.get("betrouwbaarheid_reden"))
    st.caption(f"Bronnen: {literal(est['bronnen'])}")
    with st.expander("Kerncijfers (CBS)"):
        st.table(literal_table(key_figures_table({str(row["naam"]): row},
                                                missing_of(dataset, level))))
    st.caption(GROUP_REMINDER)
    return st.button("Open gebiedsanalyse", key=area_key("open_analysis"), type="primary",
                     width="stretch")


def notes_for(key: str) -> str:
    """The user's own local knowledge for an area or selection (kept for the session)."""
    return st.session_state.setdefault(NOTES_KEY, {}).get(key, "")


def notes_field(key: str, label: str = "Eigen gebiedskennis") -> str:
    """A notes field whose text is kept in the session per area (or selection)."""
    current = notes_for(key)
    text = st.text_area(
        label, value=current, height=140,
        help="Wat u zelf weet over dit gebied: bewonersgroepen, lopende projecten, "
             "eerdere participatie. Blijft bewaard zolang de sessie loopt en komt mee in de "
             "downloads.",
        key=session_key(f"notes_widget::{key}"), label_visibility="collapsed")
    st.session_state[NOTES_KEY][key] = text
    return text
