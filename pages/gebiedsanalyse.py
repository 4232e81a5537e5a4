"""Gebiedsanalyse: one area or a selection against the gemeente and the country."""

import html

import pandas as pd
import streamlit as st

from atlas_ui import werkmap
from atlas_ui.charts import (
    index_chart,
    index_figures,
    mix_chart,
    mix_figures,
    mix_frame,
    mix_summary,
)
from atlas_ui.data import current_dataset, current_model, national_mix, scheme
from atlas_ui.format import (
    GROUP_REMINDER,
    LEVEL_PLURAL,
    interval,
    literal,
    literal_table,
    number,
    pct,
)
from atlas_ui.layout import (
    attribution,
    chart_with_figures,
    guarded,
    keep,
    level_choice,
    remember,
    selected_code,
)
from atlas_ui.panels import CONFIDENCE_TEXT, key_figures_table, notes_field
from atlas_ui.report import analysis_csv, analysis_markdown, analysis_table
from atlas_ui.reporting import notes_by_area, report_button
from atlas_ui.state import area_key
from citisens_core.report.content import characteristic_index

PORTRAIT_THRESHOLD = 0.10


def pick_areas(dataset):
    """Level and areas to analyse; defaults to the area selected on the map."""
    level = level_choice(dataset, key=area_key("an_level"),
                         default=dataset.level_of(selected_code() or "") or None)
    names = dataset.names(level)
    chosen = selected_code()
    remember(area_key("an_codes"), [chosen] if chosen in names else [], list(names))
    codes = st.multiselect(
        "Gebied of gebieden (meerdere kiezen telt ze samen, gewogen naar huishoudens)",
        list(names), key=area_key("an_codes"), format_func=lambda c: f"{names.get(c, c)} ({c})",
        placeholder="Kies een of meer gebieden")
    keep(area_key("an_codes"))
    return level, codes, names


def portraits(mix: pd.DataFrame, sch) -> None:
    st.subheader("Profielen die hier tellen")
    st.caption(f"Profielen met een geschat aandeel van minstens {pct(PORTRAIT_THRESHOLD)}.")
    shown = mix[mix["aandeel"] >= PORTRAIT_THRESHOLD].sort_values("aandeel", ascending=False)
    if shown.empty:
        st.markdown("Geen enkel profiel komt hier boven de 10 %; de mix is erg gespreid.")
    columns = st.columns(2)
    for i, (key, row) in enumerate(shown.iterrows()):
        profile = sch.profile(key)
        with columns[i % 2], st.container(border=True):
            st.markdown(
                f"<span style='display:inline-block;width:1em;height:1em;"
                f"background:{html.escape(profile.kleur)};border:1px solid #555;"
                f"margin-right:.4em'></span><b>{html.escape(profile.naam)}</b> — "
                f"{pct(row['aandeel'])} (90 %-interval {interval(row['laag'], row['hoog'])})",
                unsafe_allow_html=True)
            st.markdown(profile.portret)


@guarded
def page():
    dataset = current_dataset()
    model = current_model()
    sch = scheme()
    keys = list(model.profile_keys)
    st.title("Gebiedsanalyse")
    st.caption(f"{literal(dataset.title)}. {GROUP_REMINDER}")
    level, codes, names = pick_areas(dataset)
    if not codes:
        st.info("Kies hierboven een gebied, of klik op de Kaart op een gebied en kies "
                "‘Open gebiedsanalyse’.")
        return
    table = dataset.levels[level]
    areas = table[table["code"].isin(codes)]
    title = (names[codes[0]] if len(codes) == 1
             else f"selectie van {len(codes)} {LEVEL_PLURAL[level]}")
    st.header(literal(title[:1].upper() + title[1:]))
    selection = dataset.selection(codes, model)
    if selection is None:
        st.warning("Voor de gekozen gebieden is geen schatting: volgens CBS wonen er geen "
                   "huishoudens.")
        st.table(literal_table(key_figures_table(
            {names[c]: areas[areas['code'] == c].iloc[0] for c in codes},
            areas.attrs.get("ontbrekend", {}))))
        return
    if selection.skipped:
        skipped = ", ".join(names[c] for c in selection.skipped)
        st.caption(f"Zonder schatting en daarom niet meegeteld: {literal(skipped)}.")
    mix = selection.mix
    gemeentecodes = areas["gemeentecode"].dropna().unique()
    references: dict[str, pd.Series] = {}
    if len(gemeentecodes) == 1:
        gm = dataset.gemeente_mix(str(gemeentecodes[0]), model)
        if gm is not None:
            references["Gemeente"] = gm
    references["Nederland"] = national_mix(model)
    confidence, completeness = selection.betrouwbaarheid, selection.volledigheid
    sources = selection.bronnen

    top = selection.ranked[:2]
    st.markdown(
        f"Vaakst geschat: **{html.escape(sch.profile(top[0]).naam)}** "
        f"({pct(mix.loc[top[0], 'aandeel'])}), daarna "
        f"**{html.escape(sch.profile(top[1]).naam)}** ({pct(mix.loc[top[1], 'aandeel'])}). "
        f"Ongeveer {number(selection.huishoudens or 0)} huishoudens.")

    left, right = st.columns([1.25, 1])
    with left:
        st.subheader("Samenstelling")
        series = {"Dit gebied" if len(codes) == 1 else "Selectie": mix}
        series.update({name: pd.DataFrame({"aandeel": ref.reindex(keys).to_numpy()}, index=keys)
                       for name, ref in references.items()})
        long = mix_frame(series, sch)
        chart_with_figures(mix_chart(long, sch, height=460), mix_summary(long),
                           mix_figures(long, sch), width="stretch")
        st.caption("Zwarte streep: 90 %-interval. Bij een selectie is het interval het gewogen "
                   "gemiddelde van de intervallen (voorzichtig: eerder te breed dan te smal).")
    with right:
        st.subheader("Vier kenmerken")
        mixes = {"Dit gebied" if len(codes) == 1 else "Selectie": mix["aandeel"]}
        if "Gemeente" in references:
            mixes["Gemeente"] = references["Gemeente"]
        index = characteristic_index(mixes, references["Nederland"], sch)
        chart_with_figures(index_chart(index), "Staafdiagram van vier kenmerken als index "
                           "(Nederland = 100); de tabel eronder geeft de cijfers.",
                           index_figures(index), width="stretch")
        st.caption("Gemiddelde score van de profielen, gewogen naar de geschatte mix; "
                   "100 = Nederland. Boven 100: meer dan gemiddeld.")
        st.subheader("Hoe zeker is dit?")
        st.markdown(f"**Betrouwbaarheid:** {CONFIDENCE_TEXT.get(confidence, confidence)}")
        st.markdown(f"**Volledigheid van de cijfers:** {pct(completeness)} van de kenmerken "
                    "komt uit eigen cijfers van het gebied.")
        st.caption(f"Bronnen: {literal(sources)}")

    portraits(mix, sch)

    st.subheader("Kerncijfers (CBS)")
    shown = codes[:8]
    figures = key_figures_table({names[c]: areas[areas["code"] == c].iloc[0] for c in shown},
                                areas.attrs.get("ontbrekend", {}))
    st.table(literal_table(figures))
    if len(codes) > len(shown):
        st.caption(f"De eerste {len(shown)} van {len(codes)} gebieden.")

    st.subheader("Eigen gebiedskennis")
    note_key = f"{dataset.key}:{level}:{'+'.join(sorted(codes))}"
    notes = werkmap.notes_section(level, codes, lambda: notes_field(note_key))
    table_out = analysis_table(mix, references, sch)
    markdown = analysis_markdown(
        title, mix, references, sch, confidence=confidence, sources=sources,
        completeness=completeness, notes=notes, attribution=dataset.attribution, figures=figures)
    c1, c2, c3 = st.columns(3)
    filename = "gebiedsanalyse-" + "-".join(codes[:3])
    c1.download_button("Download analyse (CSV)", analysis_csv(table_out, title, notes),
                       file_name=f"{filename}.csv", mime="text/csv", width="stretch")
    c2.download_button("Download analyse (Markdown)", markdown.encode("utf-8"),
                       file_name=f"{filename}.md", mime="text/markdown",
                       width="stretch")
    with c3:
        report_button(dataset, level, selection.codes, model, key=area_key("an_rapport"),
                      notes=notes_by_area(selection.codes, notes),
                      label="Download rapport (PDF)")
    attribution(dataset)


page()
