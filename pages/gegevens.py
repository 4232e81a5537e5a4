"""Gegevens: choose the data, refit the model on a real survey, model card, downloads."""

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from atlas_ui import werkmap
from atlas_ui.charts import diagnostics_chart
from atlas_ui.data import (
    MAX_UPLOAD_BYTES,
    MODEL_CARD,
    MODEL_KEY,
    UploadError,
    current_dataset,
    current_model,
    is_postcode_table,
    load_file,
    load_postcode_figures,
    load_upload,
    postcode_dataset,
    scheme,
    set_dataset,
)
from atlas_ui.format import LEVEL_NAMES, LEVEL_PLURAL, demote_headings, literal, number, sentence
from atlas_ui.layout import chart_with_figures, guarded
from atlas_ui.state import area_key, session_key
from atlas_ui.upload import read_with_progress
from citisens_core.export import estimates_csv, estimates_geopackage

UPLOAD_TYPES = ["gpkg", "zip", "geojson", "json", "gml", "csv", "xlsx"]
BOUNDARY_TYPES = ["gpkg", "zip", "geojson", "json", "gml"]
MESSAGE_KEY = session_key("data_message")
READING_KEY = session_key("upload_reading")  # the name of an upload being read, until it ends
FIGURES_KEY = session_key("pc_figures")  # postcode figures waiting for boundaries (this session)
MEASURE_NAMES = {"silhouette": "Silhouet (hoger is beter)", "bic": "BIC (lager is beter)",
                 "bic_daling": "Daling van de BIC per extra profiel",
                 "calinski_harabasz": "Calinski-Harabasz (hoger is beter)"}


def remember_message(kind: str, text: str) -> None:
    """A message that stays visible after the rerun that caused it."""
    st.session_state[MESSAGE_KEY] = (kind, text)


def show_message() -> None:
    kind, text = st.session_state.get(MESSAGE_KEY, (None, None))
    if kind == "error":
        st.error(literal(text), icon="⚠️")
    elif kind == "success":
        st.success(literal(text))


def current_data_section(dataset) -> None:
    st.header("Huidige gegevens")
    st.markdown(f"**{literal(dataset.title)}**  \n{literal(dataset.attribution)}")
    counts = ", ".join(f"{number(len(t))} {LEVEL_PLURAL[lv] if len(t) != 1 else lv}"
                       for lv, t in dataset.levels.items())
    st.markdown(f"Bestand: {literal(dataset.bron)} · {counts}")
    for warning in dataset.waarschuwingen:
        st.caption(f"Let op: {literal(warning)}")
    if not dataset.fictief and dataset.jaar is None:
        year_input(dataset)
    if not dataset.fictief and st.button("Terug naar de demogemeente"):
        set_dataset(None)
        werkmap.keep_area_file(dataset.bron, None)
        remember_message("success", "De fictieve demogemeente is weer geladen.")
        st.rerun()


def year_input(dataset) -> None:
    """The file names no year: let the user give it, for the source line under the maps."""
    jaar = st.number_input("Het bestand noemt geen jaar. Van welk jaar zijn de CBS-gegevens? "
                           "(voor de bronvermelding onder de kaarten)", min_value=1990,
                           max_value=2100, value=None, step=1,
                           key=session_key(f"jaar_{dataset.key}"))
    if jaar is not None:
        dataset.jaar = int(jaar)  # an uploaded dataset belongs to this session only
        st.rerun()


def upload_section() -> None:
    st.markdown(
        "Een wijk- en buurtkaart van CBS (GeoPackage, zip met shapefile of GeoPackage, GeoJSON "
        "of GML) of de CBS-cijfers per postcode (CSV of Excel); tot "
        f"{MAX_UPLOAD_BYTES // 2**20} MB. {werkmap.where_files_go()}")
    gemeente = st.text_input(
        "Alleen deze gemeente lezen (code of naam; leeg laten voor het hele bestand)",
        placeholder="bijvoorbeeld GM0344 of Utrecht", key=session_key("upload_gemeente"),
        help="Bij een landelijk bestand leest de atlas dan alleen de gebieden van die gemeente.")
    upload = st.file_uploader("CBS-gebiedsbestand of postcodecijfers", type=UPLOAD_TYPES,
                              key=session_key("upload"))
    if upload is not None:
        token = (upload.name, upload.size, getattr(upload, "file_id", ""), gemeente)
        if st.session_state.get(session_key("upload_done")) != token:
            st.session_state[session_key("upload_done")] = token
            read_upload(upload, gemeente.strip() or None)
    if st.session_state.get(FIGURES_KEY) is not None:
        boundaries_section(st.session_state[FIGURES_KEY])


def note_an_interrupted_read() -> None:
    """A read still marked as under way when the page runs again was stopped: by
    "Annuleren" or by another click while it ran. Say so (the earlier data stays)."""
    name = st.session_state.pop(READING_KEY, None)
    if name:
        remember_message("error", f"{name}: het lezen is afgebroken. De vorige gegevens "
                         "blijven getoond.")


def read_upload(upload, gemeente: str | None) -> None:
    st.session_state[READING_KEY] = upload.name
    try:
        if is_postcode_table(upload.name):
            with st.spinner(f"{upload.name} lezen …"):
                figures = load_postcode_figures(upload.name, upload.getvalue())
        else:
            dataset = read_with_progress(upload.name, upload.getvalue(), gemeente)
    except UploadError as exc:
        st.session_state.pop(READING_KEY, None)
        remember_message("error", f"{sentence(str(exc))} De vorige gegevens blijven getoond.")
        st.rerun()
    st.session_state.pop(READING_KEY, None)
    if is_postcode_table(upload.name):
        st.session_state[FIGURES_KEY] = figures
        remember_message("success", f"{upload.name}: cijfers van {number(len(figures))} "
                         f"postcodegebieden gelezen ({figures_release(figures)}). Geef ze nu "
                         "grenzen om ze op de kaart te zien.")
        st.rerun()
    set_dataset(dataset)
    werkmap.keep_area_file(upload.name, upload.getvalue(),
                           {"upload": upload.name, "gemeente": gemeente})
    remember_message("success", f"{upload.name} is geladen: {dataset.title}.")
    st.rerun()


def figures_release(figures) -> str:
    jaar, versie = figures.attrs.get("jaar"), figures.attrs.get("versie")
    return f"{jaar or 'jaar onbekend'}{', versie ' + versie if versie else ''}"


def boundaries_section(figures) -> None:
    """Postcode figures have no boundaries: take them from a file or from PDOK."""
    st.subheader("Grenzen voor de postcodecijfers")
    source = literal(figures.attrs.get("bron", ""))
    st.markdown(f"De cijfers uit **{source}** ({literal(figures_release(figures))}) "
                "hebben nog geen grenzen. Upload een bestand met postcodegrenzen (bijvoorbeeld "
                "CBS' GeoPackage per postcode) of haal de grenzen van een gemeente op bij PDOK.")
    upload = st.file_uploader("Bestand met postcodegrenzen", type=BOUNDARY_TYPES,
                              key=session_key("pc_boundaries"))
    if upload is not None:
        token = (upload.name, upload.size, getattr(upload, "file_id", ""))
        if st.session_state.get(session_key("pc_boundaries_done")) != token:
            st.session_state[session_key("pc_boundaries_done")] = token
            try:
                with st.spinner(f"{upload.name} lezen …"):
                    boundaries = load_upload(upload.name, upload.getvalue())
                    level = figures.attrs.get("niveau", "pc4")
                    if level not in boundaries.levels:
                        raise UploadError(f"{upload.name}: bevat geen {level}-gebieden; kies een "
                                          "bestand met postcodegrenzen.")
                    dataset = postcode_dataset(figures, boundaries.levels[level], upload.name)
            except UploadError as exc:
                st.error(f"{literal(sentence(str(exc)))} De postcodecijfers blijven bewaard.",
                         icon="⚠️")
                return
            use_postcode_dataset(dataset)
    with st.form(session_key("pc_pdok")):
        code = st.text_input("Gemeentecode voor PDOK", placeholder="bijvoorbeeld GM0344")
        submitted = st.form_submit_button("Postcodegrenzen ophalen bij PDOK")
    if submitted:
        fetch_postcode_boundaries(figures, code)


def use_postcode_dataset(dataset) -> None:
    st.session_state[FIGURES_KEY] = None
    set_dataset(dataset)
    werkmap.cannot_keep_area_file("Postcodecijfers met losse grenzen")
    remember_message("success", f"Postcodecijfers op de kaart: {dataset.title}.")
    st.rerun()


def fetch_postcode_boundaries(figures, code: str) -> None:
    from citisens_core.geodata.pdok import DownloadError, download_gemeenten

    jaar = int(figures.attrs.get("jaar") or 2024)
    bar = st.progress(0.0, text="Verbinden met PDOK …")
    try:
        with tempfile.TemporaryDirectory(prefix="atlas-pdok-") as tmp:
            out = Path(tmp) / "pdok.gpkg"
            # the gemeente of the figures' year, and the postcode boundaries of that year
            download_gemeenten([code], jaar, out, pc4_jaar=jaar,
                               progress=lambda s, d, t: bar.progress(
                                   min(d / t, 1.0) if t else 0.0, text=f"{s}: {d} gebieden"))
            boundaries = load_file(out, f"PDOK {code}", key=f"pdok-pc-{code}-{jaar}")
        if "pc4" not in boundaries.levels:
            raise UploadError(f"PDOK gaf geen postcodegrenzen voor {code} in {jaar}.")
        gemeente = boundaries.levels["gemeente"].iloc[0]  # the postcodes lie mostly in it
        postcodes = boundaries.levels["pc4"].assign(gemeentecode=gemeente["code"],
                                                    gemeentenaam=gemeente["naam"])
        dataset = postcode_dataset(figures, postcodes, f"PDOK ({code}, {jaar})")
    except (DownloadError, UploadError, ValueError) as exc:
        bar.empty()
        st.error(f"Ophalen bij PDOK lukte niet: {literal(sentence(str(exc)))} "
                 "De postcodecijfers blijven bewaard.", icon="⚠️")
        return
    use_postcode_dataset(dataset)


def pdok_section() -> None:
    st.markdown("Haal de wijk- en buurtkaart van één of meer gemeenten op bij PDOK "
                "(internet nodig).")
    with st.form(session_key("pdok")):
        codes = st.text_input("Gemeentecode(s)", placeholder="bijvoorbeeld GM0344 of 0344, 0307")
        jaar = st.number_input("Jaar van de wijk- en buurtkaart", min_value=2011,
                               max_value=2030, value=2024, step=1,
                               help="Vanaf 2023 heeft elk jaar een eigen PDOK-dienst; oudere "
                                    "jaren komen uit PDOK's historische dienst.")
        submitted = st.form_submit_button("Ophalen bij PDOK")
    if not submitted:
        return
    wanted = [c.strip() for c in codes.replace(";", ",").split(",") if c.strip()]
    if not wanted:
        st.error("Vul een gemeentecode in, bijvoorbeeld GM0344.", icon="⚠️")
        return
    from citisens_core.geodata.pdok import DownloadError, download_gemeenten, read_metadata

    bar = st.progress(0.0, text="Verbinden met PDOK …")

    def progress(stage: str, done: int, total: int) -> None:
        fraction = min(done / total, 1.0) if total else 0.0
        bar.progress(fraction, text=f"{stage}: {done} van {total or '?'} gebieden")

    try:
        with tempfile.TemporaryDirectory(prefix="atlas-pdok-") as tmp:
            out = Path(tmp) / "pdok.gpkg"
            download_gemeenten(wanted, int(jaar), out, progress=progress)
            pc4_jaar = read_metadata(out).get("pc4_jaar")
            dataset = load_file(out, f"PDOK {', '.join(wanted)} ({int(jaar)})",
                                key=f"pdok-{'-'.join(wanted)}-{int(jaar)}")
            downloaded = out.read_bytes()
    except DownloadError as exc:
        # shown here, without a rerun, so the user stays on this tab with the codes typed
        bar.empty()
        st.error(f"Ophalen bij PDOK lukte niet: {literal(sentence(str(exc)))} "
                 "De vorige gegevens blijven getoond.", icon="⚠️")
        return
    except ValueError as exc:
        bar.empty()
        st.error("De gegevens van PDOK konden niet worden gelezen: "
                 f"{literal(sentence(str(exc)))} De vorige gegevens blijven getoond.", icon="⚠️")
        return
    set_dataset(dataset)
    werkmap.keep_area_file(f"pdok-{'-'.join(wanted)}-{int(jaar)}.gpkg", downloaded,
                           {"pdok": {"gemeenten": wanted, "jaar": int(jaar)}})
    postcodes = (f" Postcodecijfers van {pc4_jaar}: het nieuwste jaar dat PDOK heeft (ze lopen "
                 "ongeveer een jaar achter op de wijk- en buurtkaart)." if pc4_jaar else "")
    remember_message("success", f"Geladen van PDOK: {dataset.title}.{postcodes}")
    st.rerun()


def survey_section() -> None:
    from citisens_core.model import fit_engagement_model
    from citisens_core.survey import SurveyError, parse_survey

    model = current_model()
    source = literal(getattr(model, "source", "") or "onbekend")
    st.markdown(f"Het model is nu gemaakt op: **{source}** "
                f"({number(getattr(model, 'n_respondents', 0))} respondenten).")
    st.markdown("Upload een echte referentie-enquête (CSV, zie de handleiding "
                "`docs/survey-format.md`) om het model daarop opnieuw te maken.")
    upload = st.file_uploader("Referentie-enquête (CSV)", type=["csv"], key=session_key("survey"))
    if upload is not None:
        token = (upload.name, upload.size, getattr(upload, "file_id", ""))
        if st.session_state.get(session_key("survey_done")) != token:
            st.session_state[session_key("survey_done")] = token
            fit_survey(upload.name, upload.getvalue(), parse_survey, SurveyError,
                       fit_engagement_model)
    problems = st.session_state.get(session_key("survey_problems"))
    if problems:
        name, items = problems
        st.error(f"{literal(name)} kan niet worden gebruikt:", icon="⚠️")
        st.markdown("\n".join(f"- {literal(p)}" for p in items[:30]))
    if st.session_state.get(MODEL_KEY) is not None and st.button("Terug naar het standaardmodel"):
        st.session_state[MODEL_KEY] = None
        werkmap.keep_survey("", None)
        st.rerun()


def fit_survey(name, data, parse_survey, survey_error, fit) -> None:
    st.session_state[session_key("survey_problems")] = None
    if not data:
        st.session_state[session_key("survey_problems")] = (name, ["het bestand is leeg"])
        return
    try:
        survey = parse_survey(data, source=name)
    except survey_error as exc:
        st.session_state[session_key("survey_problems")] = (name, list(exc.problems))
        return
    bar = st.progress(0.0, text="Model maken …")
    try:
        model = fit(survey, scheme(), diagnostics=True,
                    progress=lambda f, msg: bar.progress(min(float(f), 1.0), text=msg),
                    source=f"eigen enquête {name}")
    except ValueError as exc:
        st.session_state[session_key("survey_problems")] = (name, [str(exc)])
        return
    st.session_state[MODEL_KEY] = model
    werkmap.keep_survey(name, data)
    remember_message("success", f"Het model is opnieuw gemaakt op {name}.")
    st.rerun()


@st.cache_resource(show_spinner="k-keuze berekenen …")
def default_diagnostics() -> pd.DataFrame:
    """k-selection scores of the default model's synthetic survey (computed on request)."""
    from citisens_core.fictional.survey import generate_survey
    from citisens_core.model import (
        DEFAULT_SURVEY_SEED,
        DEFAULT_SURVEY_SIZE,
        answers_frame,
        select_k,
    )

    sch = scheme()
    survey = generate_survey(DEFAULT_SURVEY_SIZE, seed=DEFAULT_SURVEY_SEED, scheme=sch)
    return select_k(answers_frame(survey, sch))


def model_section() -> None:
    model = current_model()
    if MODEL_CARD.exists():
        with st.expander("Modelkaart", expanded=False):
            st.markdown(demote_headings(MODEL_CARD.read_text(encoding="utf-8"), 1))
    else:
        st.caption("De modelkaart (docs/model-card.md) is nog niet gemaakt.")
    validation = getattr(model, "validation", {}) or {}
    if validation:
        st.markdown("**Validatie van dit model**")
        labels = {"ari": "Overeenkomst met de ware profielen (ARI)",
                  "short_form_agreement": "Overeenkomst korte vragenlijst",
                  "short_form_items": "Vragen in de korte vragenlijst",
                  "n_respondents": "Respondenten", "fit_seconds": "Rekentijd (s)"}
        rows = [(labels.get(k, k), "–" if v is None else
                 (number(v, 3) if isinstance(v, float) else number(v)))
                for k, v in validation.items() if not isinstance(v, dict | list)]
        st.table(pd.DataFrame(rows, columns=["Maat", "Waarde"]).set_index("Maat"))
    st.markdown("**Keuze van het aantal profielen (k)**")
    diagnostics = getattr(model, "diagnostics", None)
    if diagnostics is None and st.session_state.get(MODEL_KEY) is None and st.button(
            "Bereken de k-keuze voor het standaardmodel (enkele seconden)"):
        st.session_state[session_key("show_diag")] = True
    if diagnostics is None and st.session_state.get(session_key("show_diag")):
        diagnostics = default_diagnostics()
    if diagnostics is not None and len(diagnostics):
        shown = diagnostics[[c for c in diagnostics.columns if diagnostics[c].dtype != bool]]
        shown = shown.rename(columns=MEASURE_NAMES)
        chart_with_figures(diagnostics_chart(shown), "Lijndiagrammen van de maten voor de keuze "
                           "van het aantal profielen (k); de tabel eronder geeft de cijfers.",
                           shown.set_index("k").map(lambda v: number(v, 3)) if "k" in shown
                           else shown, width="content")
        if "aanbevolen" in diagnostics:
            best = diagnostics.loc[diagnostics["aanbevolen"].astype(bool), "k"].tolist()
            if best:
                st.markdown(f"Aanbevolen aantal profielen volgens de BIC-knik: **{best[0]}**.")
        st.caption("Silhouet en Calinski-Harabasz: hoger is beter; BIC: lager is beter.")


def download_section(dataset) -> None:
    model = current_model()
    level = st.radio("Niveau", list(dataset.levels), horizontal=True,
                     format_func=lambda lv: LEVEL_NAMES[lv], key=area_key("dl_level"))
    est = dataset.estimates(level, model)
    stem = f"schattingen-{level}-{dataset.key}"
    c1, c2 = st.columns(2)
    c1.download_button("Download schattingen (CSV)", estimates_csv(est), file_name=f"{stem}.csv",
                       mime="text/csv", width="stretch")
    c2.download_button(
        "Download kaart met schattingen (GeoPackage)",
        lambda: estimates_geopackage(dataset.levels[level], est, f"schattingen_{level}"),
        file_name=f"{stem}.gpkg", mime="application/geopackage+sqlite3",
        width="stretch")
    st.caption(f"{dataset.attribution}. Elke schatting met 90 %-interval (kolommen _laag en "
               "_hoog), betrouwbaarheid en bronnen.")


@guarded
def page():
    st.title("Gegevens en model")
    note_an_interrupted_read()
    show_message()
    dataset = current_dataset()
    current_data_section(dataset)
    tabs = st.tabs(["Bestand uploaden", "Ophalen bij PDOK", "Referentie-enquête",
                    "Model en diagnose", "Downloads"])
    with tabs[0]:
        upload_section()
    with tabs[1]:
        pdok_section()
    with tabs[2]:
        survey_section()
    with tabs[3]:
        model_section()
    with tabs[4]:
        download_section(current_dataset())


page()
