"""Vergelijken: two to four areas side by side, with the differences that matter."""

import pandas as pd
import streamlit as st

from atlas_ui.charts import (
    index_chart,
    index_figures,
    mix_chart,
    mix_frame,
    mix_summary,
)
from atlas_ui.compare import notable_cells, notable_differences
from atlas_ui.data import current_dataset, current_model, national_mix, scheme
from atlas_ui.format import GROUP_REMINDER, LEVEL_PLURAL, interval, literal, literal_table, pct
from atlas_ui.layout import (
    attribution,
    chart_with_figures,
    guarded,
    keep,
    level_choice,
    remember,
    selected_code,
)
from atlas_ui.panels import key_figures_table, own_series
from atlas_ui.reporting import report_button
from atlas_ui.state import area_key
from citisens_core.report.content import characteristic_index

MAX_AREAS = 4
HIGHLIGHT = "background-color: #fde9b6; font-weight: 700"


def default_codes(est: pd.DataFrame, names: dict) -> list[str]:
    """The selected area plus the areas with the most households, as a starting point."""
    usable = est[est["heeft_schatting"]].sort_values("huishoudens", ascending=False)
    codes = [selected_code()] if selected_code() in names else []
    for code in usable["code"]:
        if len(codes) >= 2:
            break
        if code not in codes:
            codes.append(code)
    return codes


def mix_table(rows: pd.DataFrame, keys, sch, labels, cells):
    data = {labels[c]: [f"{pct(r[k])} ({interval(r[f'{k}_laag'], r[f'{k}_hoog'])})"
                        + (" ◆" if (k, c) in cells else "") for k in keys]
            for c, r in rows.set_index("code").iterrows()}
    frame = pd.DataFrame(data, index=[sch.profile(k).naam for k in keys])
    return frame.style.map(lambda v: HIGHLIGHT if v.endswith("◆") else "")


@guarded
def page():
    dataset = current_dataset()
    model = current_model()
    sch = scheme()
    keys = list(model.profile_keys)
    st.title("Vergelijken")
    st.caption(f"{literal(dataset.title)}. {GROUP_REMINDER}")
    level = level_choice(dataset, key=area_key("cmp_level"))
    names = dataset.names(level)
    est = dataset.estimates(level, model)
    remember(area_key("cmp_codes"), default_codes(est, names), list(names))
    codes = st.multiselect(f"Kies twee tot vier {LEVEL_PLURAL[level]}", list(names),
                           key=area_key("cmp_codes"), max_selections=MAX_AREAS,
                           format_func=lambda c: f"{names.get(c, c)} ({c})")
    keep(area_key("cmp_codes"))
    if len(codes) < 2:
        st.info("Kies minstens twee gebieden om te vergelijken.")
        return
    rows = est[est["code"].isin(codes)].set_index("code").loc[codes].reset_index()
    missing = rows[~rows["heeft_schatting"]]
    if len(missing):
        st.warning("Zonder schatting (geen huishoudens of geen eigen cijfers): "
                   + literal(", ".join(names[c] for c in missing["code"])))
    rows = rows[rows["heeft_schatting"]]
    if len(rows) < 2:
        return
    labels = {c: names[c] for c in rows["code"]}
    if len(set(labels.values())) < len(labels):
        labels = {c: f"{names[c]} ({c})" for c in rows["code"]}
    differences = notable_differences(rows, keys, sch.names(), labels)

    st.header("Verschillen die ertoe doen")
    if differences.empty:
        st.markdown("Geen duidelijke verschillen: bij geen enkel profiel verschillen de gebieden "
                    "5 procentpunt of meer met intervallen die elkaar niet overlappen.")
    else:
        for text in differences["tekst"].head(8):
            st.markdown(f"- {literal(text)}")
        st.caption("Verschil van minstens 5 procentpunt én 90 %-intervallen die elkaar niet "
                   "overlappen; in de tabel gemarkeerd met ◆ en een gele achtergrond.")

    st.header("Samenstelling")
    st.dataframe(mix_table(rows, keys, sch, labels, notable_cells(rows, differences)),
                 width="stretch")
    series = {labels[r["code"]]: own_series(r, keys) for _, r in rows.iterrows()}
    long = mix_frame(series, sch)
    # the table above holds the same figures: the chart's text alternative
    st.altair_chart(mix_chart(long, sch, height=520), width="stretch",
                    alt=mix_summary(long).replace("De tabel eronder", "De tabel erboven"))

    left, right = st.columns(2)
    with left:
        st.header("Vier kenmerken (Nederland = 100)")
        mixes = {labels[r["code"]]: pd.Series({k: r[k] for k in keys}) for _, r in rows.iterrows()}
        index = characteristic_index(mixes, national_mix(model), sch)
        chart_with_figures(index_chart(index, height=280), "Staafdiagram van vier kenmerken "
                           "per gebied als index (Nederland = 100); de tabel eronder geeft de "
                           "cijfers.", index_figures(index), width="stretch")
    with right:
        st.header("Kerncijfers (CBS)")
        table = dataset.levels[level]
        st.table(literal_table(key_figures_table(
            {labels[c]: table[table["code"] == c].iloc[0] for c in rows["code"]},
            table.attrs.get("ontbrekend", {}))))
        st.markdown("**Betrouwbaarheid:** " + "; ".join(
            f"{literal(labels[r['code']])}: {r['betrouwbaarheid']}" for _, r in rows.iterrows()))
        for _, r in rows.iterrows():
            st.caption(f"Bronnen {literal(labels[r['code']])}: {literal(r['bronnen'])}")
    report_button(dataset, level, list(rows["code"]), model, key=area_key("cmp_rapport"),
                  label="Rapport van deze gebieden (PDF: voorblad en één pagina per gebied)")
    attribution(dataset)


page()
