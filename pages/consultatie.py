"""Consultatie: the reach check — who answered, who we missed, and how to reach them."""

import streamlit as st

from atlas_ui.consultation import (
    REACH_MAP_HEIGHT,
    area_display,
    channel_display,
    dataset_residents,
    profile_display,
    ratio_chart,
    reach_map,
    theme_display,
    upload_section,
    zip_tables,
)
from atlas_ui.data import current_dataset, current_model, scheme
from atlas_ui.format import GROUP_REMINDER, literal, number, pct
from atlas_ui.layout import attribution, guarded
from atlas_ui.maps import legend_html
from atlas_ui.state import area_key, session_key
from citisens_core.consultation import reach_check
from citisens_core.privacy import count_text
from citisens_core.render_consultation import md, reach_to_markdown
from citisens_core.respondents import PROFILE_SOURCE_CHECK, assign_profiles

FORMAT_HELP = (
    "Eén rij per respondent. Verplicht: **postcode** (PC6 of PC4) en **kanaal** (waarlangs "
    "de reactie binnenkwam, bijvoorbeeld online enquête, straat, bijeenkomst). Mag erbij: "
    "**leeftijd** (groep of jaren), de vragen van de korte profielcheck (kolomnamen als in de "
    "vragenlijst, zoals kanaal_bijeenkomst) en uw eigen vragen in de overige kolommen.")


@guarded
def page():
    dataset = current_dataset()
    model = current_model()
    sch = scheme()
    st.title("Consultatie: wie hebben we bereikt?")
    st.caption(f"{literal(dataset.title)}. De bereikcheck vergelijkt wie reageerde met wie er "
               f"woont. {GROUP_REMINDER}")
    st.markdown(FORMAT_HELP)
    responses = upload_section("consultatie", "Reacties van de consultatie (CSV of Excel)",
                               require_channel=True, scheme=sch, kind="consultatie")
    if responses is None:
        st.info("Laad een bestand met reacties, of kies het voorbeeld van de demogemeente.")
        return
    residents = dataset_residents(dataset, model)
    for warning in residents.waarschuwingen:
        st.warning(warning)
    resp = assign_profiles(responses, residents, model)
    if len(resp) == 0:
        st.warning(f"Geen enkele postcode uit {literal(responses.source)} ligt in "
                   f"{literal(residents.naam)}. Klopt het gebiedsbestand (pagina Gegevens)?")
        return
    check = reach_check(resp, scheme=sch)
    checked = int((resp.frame["bron_profiel"] == PROFILE_SOURCE_CHECK).sum())

    st.header(f"Bereikcheck van {literal(responses.source)}")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Respondenten in het gebied", count_text(check.n))
    c2.metric("Met profielcheck", count_text(checked))
    c3.metric("Buiten het gebied", count_text(resp.buiten))
    c4.metric("Effectieve steekproef (gewogen)", number(check.gewichten.n_eff))
    st.caption(f"Vergeleken met de huishoudens van {literal(residents.naam)} "
               f"(betrouwbaarheid van die schatting: {residents.betrouwbaarheid}). Wie de "
               "profielcheck niet invulde, telt mee met de geschatte mix van de eigen buurt.")

    st.subheader("Advies")
    for item in check.advies:
        st.markdown(f"- {md(item['zin'])}")

    profiles = check.profile_table()
    st.subheader("Verhouding per profiel")
    st.altair_chart(ratio_chart(profiles, sch), width="stretch")
    st.caption("Punt: aandeel onder de respondenten gedeeld door het geschatte aandeel onder "
               "de huishoudens; streep: 95 %-interval. Links van de stippellijn (1) "
               "ondervertegenwoordigd, rechts oververtegenwoordigd. Groepen van minder dan "
               "10 respondenten staan niet in de grafiek.")
    st.dataframe(profile_display(profiles), width="stretch")

    tabs = st.tabs(["Per kanaal", "Per buurt", "Weging", "Resultaten"])
    with tabs[0]:
        st.caption("Hoeveel respondenten van elk profiel elk kanaal opleverde (verwachte "
                   "aantallen uit de profielkansen).")
        st.dataframe(channel_display(check.channel_table()), width="stretch")
    with tabs[1]:
        missed = check.gebieden[check.gebieden["gemist"]]
        if len(missed):
            st.warning("Uit deze buurten kwam niemand, terwijl er respons te verwachten was: "
                       + ", ".join(missed["naam"].astype(str)) + ".")
        areas = check.area_table()
        if residents.niveau in dataset.levels:
            deck, legend = reach_map(dataset, residents.niveau, areas)
            left, right = st.columns([2.2, 1])
            with left:
                st.pydeck_chart(deck, height=REACH_MAP_HEIGHT, key=area_key("consultatie_kaart"))
                attribution(dataset)
            with right:
                st.markdown(legend_html("Respons tegenover evenredige respons", legend),
                            unsafe_allow_html=True)
                st.caption("Verwacht: het aantal respondenten als elk huishouden even vaak had "
                           "gereageerd. Buurten met minder dan 10 respondenten tonen geen "
                           "aantal.")
        st.dataframe(area_display(areas), width="stretch")
    with tabs[2]:
        w = check.gewichten
        st.markdown(
            f"Gewogen met **raking** naar de geschatte profielmix en de leeftijd van de "
            f"volwassen inwoners. Gewichten zijn afgekapt op {number(w.cap, 1)} × het gemiddelde "
            f"({count_text(w.trimmed)} respondenten). **Effectieve steekproefomvang (Kish): "
            f"{number(w.n_eff)}** van {number(w.n)} (design effect {number(w.design_effect, 2)}). "
            f"De gewogen profielmix wijkt hoogstens {number(check.max_gap_pp, 1)} procentpunt af "
            "van die van de inwoners.")
        st.caption("Raking met kansen per profiel in plaats van één vast profiel per persoon "
                   "(iteratieve schaling, Darroch & Ratcliff 1972).")
    with tabs[3]:
        themes = check.theme_table()
        if themes.empty:
            st.info("Het bestand heeft geen eigen vragen om samen te vatten. Open antwoorden "
                    "tonen we nooit: ze kunnen mensen herkenbaar maken.")
        else:
            st.dataframe(theme_display(themes), width="stretch", hide_index=True)
            st.caption("Marge: 95 %-betrouwbaarheidsmarge; gewogen met de effectieve "
                       "steekproefomvang. Verschillen binnen de marges zijn geen verschillen.")

    st.subheader("Downloaden")
    stem = "bereikcheck"
    d1, d2 = st.columns(2)
    d1.download_button("Notitie (Markdown)", reach_to_markdown(check).encode("utf-8"),
                       file_name=f"{stem}.md", mime="text/markdown", on_click="ignore",
                       key=session_key("consultatie_dl_md"), width="stretch")
    d2.download_button("Tabellen (CSV in zip)", zip_tables({
        "profielen": profile_display(profiles), "kanalen": channel_display(check.channel_table()),
        "buurten": area_display(check.area_table()), "resultaten": theme_display(themes)}),
        file_name=f"{stem}-tabellen.zip", mime="application/zip", on_click="ignore",
        key=session_key("consultatie_dl_zip"), width="stretch")
    st.caption("Downloads bevatten alleen tellingen per groep, nooit rijen van personen of "
               f"volledige postcodes; groepen van minder dan 10 staan er als \"< 10\". "
               f"Aandelen: {pct(1)} = alle respondenten.")


page()
