"""Panel: how representative the resident panel is, whom to recruit, and the factsheet."""

import streamlit as st

from atlas_ui.consultation import (
    dataset_residents,
    profile_display,
    ratio_chart,
    theme_display,
    upload_section,
)
from atlas_ui.data import current_dataset, current_model, scheme
from atlas_ui.format import GROUP_REMINDER, literal, number, pct
from atlas_ui.layout import guarded
from atlas_ui.state import session_key
from citisens_core.panel import panel_check
from citisens_core.privacy import SMALL, count_text
from citisens_core.render_consultation import (
    factsheet,
    factsheet_html,
    factsheet_pdf,
    md,
    panel_to_markdown,
)
from citisens_core.respondents import assign_profiles

FORMAT_HELP = (
    "Eén rij per panellid. Verplicht: **postcode**. Mag erbij: **leeftijd**, **geslacht**, "
    "**kanaal** (hoe het lid geworven is), de vragen van de korte profielcheck en de antwoorden "
    "op de laatste peiling in de overige kolommen.")


def _cell(value, kind=""):
    if value is None:
        return "–"
    if value == SMALL:
        return SMALL
    return pct(value) if kind == "pct" else number(value, 2) if kind == "ratio" else number(value)


@guarded
def page():
    dataset = current_dataset()
    model = current_model()
    sch = scheme()
    st.title("Inwonerspanel")
    st.caption(f"{literal(dataset.title)}. Lijkt het panel op de inwoners, en wie moet er nog bij? "
               f"{GROUP_REMINDER}")
    st.markdown(FORMAT_HELP)
    members = upload_section("panel", "Ledenbestand van het panel (CSV of Excel)",
                             require_channel=False, scheme=sch, kind="panel")
    if members is None:
        st.info("Laad een ledenbestand, of kies het voorbeeld van de demogemeente.")
        return
    residents = dataset_residents(dataset, model)
    resp = assign_profiles(members, residents, model)
    if len(resp) == 0:
        st.warning(f"Geen enkele postcode uit {literal(members.source)} ligt in "
                   f"{literal(residents.naam)}.")
        return
    size = st.number_input("Gewenste omvang van het panel (0 = zo klein mogelijk)", min_value=0,
                           max_value=100_000, value=0, step=50, key=session_key("panel_size"))
    check = panel_check(resp, size=int(size) or None, scheme=sch)
    st.header(f"{count_text(check.n)} panelleden in {literal(residents.naam)}")

    profiles = check.profile_table()
    st.subheader("Wervingsplan")
    for sentence in check.recruitment_sentences():
        st.markdown(f"- {md(sentence)}")
    st.subheader("Verhouding per profiel")
    st.altair_chart(ratio_chart(profiles, sch), width="stretch")
    st.caption("Aandeel in het panel gedeeld door het geschatte aandeel onder de "
               "huishoudens, met 95 %-interval.")
    st.dataframe(profile_display(profiles, who="leden"), width="stretch")

    tabs = st.tabs(["Leeftijd", "Wijken", "Wervingstabel", "Factsheet voor panelleden"])
    with tabs[0]:
        st.dataframe([{"Leeftijd": r["leeftijd"], "Leden": _cell(r["aantal"]),
                       "Aandeel leden": _cell(r["aandeel_leden"], "pct"),
                       "Aandeel volwassen inwoners": _cell(r["aandeel_inwoners"], "pct"),
                       "Verhouding": _cell(r["verhouding"], "ratio")}
                      for _, r in check.age_table().iterrows()], width="stretch")
        st.caption("Volwassen inwoners per leeftijdsgroep uit de CBS-cijfers; 18-24 jaar is "
                   "geschat als 7/10 van de groep 15-25 jaar.")
    with tabs[1]:
        st.dataframe([{"Wijk": r["wijk"], "Leden": _cell(r["aantal"]),
                       "Aandeel leden": _cell(r["aandeel_leden"], "pct"),
                       "Aandeel huishoudens": _cell(r["aandeel_inwoners"], "pct"),
                       "Verhouding": _cell(r["verhouding"], "ratio")}
                      for _, r in check.wijk_table().iterrows()], width="stretch")
    with tabs[2]:
        plan = check.recruitment_table()
        st.dataframe([{"Profiel": r["naam"], "Nu": _cell(r["aantal"]),
                       "Doel (aandeel)": pct(r["doel_aandeel"]),
                       "Doel (aantal)": number(r["doel_aantal"]), "Extra werven": r["extra"],
                       "Via": ", ".join(r["kanalen"]),
                       "Werkvorm": ", ".join(r["instrumenten"])}
                      for _, r in plan.iterrows()], width="stretch")
    with tabs[3]:
        titel = st.text_input("Titel van de peiling", "Uitkomsten van de peiling over afval",
                              key=session_key("panel_titel"), max_chars=120)
        wat = st.text_area("Wat doet de gemeente met de uitkomsten (of waarom nog niet)?",
                           key=session_key("panel_wat"), max_chars=3000,
                           placeholder="Bijvoorbeeld: De gemeenteraad bespreekt de uitkomsten "
                                       "in juni. …")
        sheet = factsheet(check, titel, wat)
        st.markdown("**Voorbeeld**")
        for line in sheet.resultaten:
            st.markdown(f"- {md(line)}")
        if not wat.strip():
            st.caption("Nog geen tekst: de factsheet zegt dan dat de gemeente later laat weten "
                       "wat zij met de uitkomsten doet.")
        themes = check.theme_table()
        if not themes.empty:
            with st.expander("Uitkomsten gewogen en ongewogen"):
                st.dataframe(theme_display(themes), width="stretch", hide_index=True)
        f1, f2 = st.columns(2)
        f1.download_button("Factsheet (PDF)", factsheet_pdf(sheet), file_name="factsheet.pdf",
                           mime="application/pdf", on_click="ignore",
                           key=session_key("panel_dl_pdf"), width="stretch")
        f2.download_button("Factsheet (HTML)", factsheet_html(sheet).encode("utf-8"),
                           file_name="factsheet.html", mime="text/html", on_click="ignore",
                           key=session_key("panel_dl_html"), width="stretch")
    st.download_button("Panelcheck (Markdown)", panel_to_markdown(check).encode("utf-8"),
                       file_name="panelcheck.md", mime="text/markdown", on_click="ignore",
                       key=session_key("panel_dl_md"))


page()
