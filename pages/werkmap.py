"""Werkmap: keep the workshop's work, share it by link, export, import or delete it."""

import streamlit as st

from atlas_ui import werkmap as wm
from atlas_ui.format import number
from atlas_ui.layout import guarded
from atlas_ui.state import session_key
from citisens_core.store import SUFFIX, StoreUnavailable

IMPORT_DONE_KEY = session_key("wm_import_done")
SURE_KEY = session_key("wm_sure")
ROLE_NAMES = {"gebieden": "Gebiedsbestand", "enquete": "Referentie-enquête",
              "consultatie": "Consultatie (inwonersgegevens)", "panel": "Panel (inwonersgegevens)"}


def start_section() -> None:
    st.markdown(
        "Een werkmap bewaart uw werk voor een volgende sessie: het gebiedsbestand (of de "
        "download van PDOK), de enquête van het model, uw keuzes op de kaart en in de strategie, "
        "en uw notities per gebied. Alleen wie de link heeft, kan de werkmap openen; een lijst "
        "van werkmappen bestaat niet.")
    with st.form(session_key("wm_new")):
        naam = st.text_input("Naam van de nieuwe werkmap", placeholder="bijv. Wijkaanpak Noord")
        if st.form_submit_button("Werkmap maken", type="primary"):
            made = wm.create_werkmap(naam)
            if made is not None:
                wm.say("success", f"Werkmap ‘{made.naam}’ is gemaakt. Bewaar of deel de link "
                                  "hieronder.")
            st.rerun()
    with st.form(session_key("wm_open")):
        link = st.text_input("Werkmap openen met een link of code",
                             placeholder="plak hier de link die u kreeg")
        if st.form_submit_button("Openen") and link.strip():
            code = link.split("werkmap=")[-1].split("&")[0]
            wm.open_werkmap(code)
            st.rerun()
    import_section()


def import_section() -> None:
    st.header("Werkmap importeren")  # h2 under the page title (heading outline)
    st.markdown(f"Een geëxporteerde werkmap (bestand `…{SUFFIX}`) wordt een nieuwe werkmap "
                "met een eigen link.")
    upload = st.file_uploader("Werkmapbestand", type=["zip"], key=session_key("wm_import"))
    if upload is None:
        return
    token = (upload.name, upload.size, getattr(upload, "file_id", ""))
    if st.session_state.get(IMPORT_DONE_KEY) == token:
        return
    st.session_state[IMPORT_DONE_KEY] = token
    with st.spinner(f"{upload.name} lezen …"):
        wm.import_werkmap(upload.name, upload.getvalue())
    st.rerun()


def open_section(werkmap) -> None:
    st.header(wm.literal(werkmap.naam))
    st.caption(f"Gemaakt op {wm.when(werkmap.aangemaakt_op)} · laatst bewerkt op "
               f"{wm.when(werkmap.bewerkt_op)}")
    st.markdown("**Link naar deze werkmap** (wie de link heeft, kan de werkmap openen en "
                "bewerken; deel hem alleen met wie meewerkt):")
    st.code(wm.share_link(werkmap), language=None, wrap_lines=True)
    st.markdown("**Wat erin staat**")
    files = [f"{ROLE_NAMES.get(role, role)}: {info.naam} ({number(info.grootte / 1024, 0)} kB)"
             for role, info in werkmap.bestanden.items()]
    st.text("\n".join(files) if files else
            "Geen eigen bestanden: de werkmap gebruikt de demogemeente en het standaardmodel.")
    st.caption("Een bestand dat u op de pagina Gegevens laadt of een enquête waarop u het "
               "model opnieuw maakt, komt vanzelf in de werkmap; uw keuzes ook.")

    resident_section(werkmap)

    st.subheader("Exporteren")
    try:
        data = wm.export_bytes(werkmap)
        st.download_button("Download werkmap (één bestand)", data,
                           file_name=f"{wm_file_stem(werkmap.naam)}{SUFFIX}",
                           mime="application/zip", on_click="ignore")
        st.caption("Om over te dragen zonder server: een collega importeert het bestand op "
                   "deze pagina in een andere atlas.")
    except StoreUnavailable:
        st.error(wm.UNAVAILABLE, icon="⚠️")

    st.subheader("Sluiten of verwijderen")
    c1, c2 = st.columns(2)
    if c1.button("Werkmap sluiten", help="Deze sessie bewaart dan niets meer; de werkmap zelf "
                 "blijft bestaan voor wie de link heeft."):
        wm.close("success", f"Werkmap ‘{werkmap.naam}’ is gesloten.")
        st.rerun()
    with c2:
        sure = st.checkbox("Ja, verwijder de werkmap met alles wat erin staat", key=SURE_KEY)
        if st.button("Werkmap verwijderen", disabled=not sure, type="primary"):
            wm.delete_current()
            st.session_state.pop(SURE_KEY, None)
            st.rerun()
    import_section()


def resident_section(werkmap) -> None:
    st.subheader("Inwonersgegevens")
    st.markdown(
        "Antwoorden uit een consultatie of panel zijn gegevens van inwoners. Ze blijven "
        "standaard alleen in het geheugen van deze sessie en worden niet bewaard.")
    keep = st.checkbox("Bewaar consultatie- en panelgegevens in deze werkmap",
                       value=werkmap.bewaar_inwonersdata, key=session_key(f"wm_keep_{werkmap.id}"))
    if keep:
        st.info(f"Consultatie- en panelbestanden van deze werkmap worden bewaard in "
                f"{wm.where_kept()}, tot u dit vinkje weghaalt of de werkmap verwijdert; dan "
                "worden ze gewist. Iedereen met de link kan ze zien en ze komen mee in een "
                "export.")
    if keep != werkmap.bewaar_inwonersdata:
        wm.set_keep_resident_data(keep)
        wm.say("success", "Inwonersgegevens worden voortaan bewaard in deze werkmap." if keep
               else "Inwonersgegevens worden niet meer bewaard; wat bewaard was, is gewist.")
        st.rerun()


def wm_file_stem(naam: str) -> str:
    stem = "".join(c if c.isalnum() else "-" for c in naam.lower()).strip("-")
    return "-".join(p for p in stem.split("-") if p)[:60] or "werkmap"


@guarded
def page():
    st.title("Werkmap")
    wm.show_message()
    if wm.store() is None:
        st.error(wm.UNAVAILABLE, icon="⚠️")
        return
    werkmap = wm.refresh()
    if werkmap is None:
        start_section()
    else:
        open_section(werkmap)


page()
