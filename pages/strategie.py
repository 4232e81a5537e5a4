"""Strategie: which channels and participation instruments fit an area, and whom a plan misses."""


import streamlit as st

from atlas_ui.advice import (
    MAP_EXTRACT_HEIGHT,
    SHARED_MESSAGE,
    extract_map,
    file_stem,
    missed_table,
    plan_table,
    profile_bars,
    reach_chart,
    reach_frame,
    recommendations_table,
    tradeoff_chart,
    tradeoff_frame,
)
from atlas_ui.charts import mix_chart, mix_figures, mix_frame, mix_summary, pivot_figures
from atlas_ui.consultation import link_to_reach_check
from atlas_ui.data import current_dataset, current_model, scheme
from atlas_ui.format import GROUP_REMINDER, LEVEL_PLURAL, interval, literal, number, pct
from atlas_ui.layout import (
    attribution,
    chart_with_figures,
    guarded,
    keep,
    level_choice,
    remember,
    selected_code,
    set_kept,
)
from atlas_ui.mapcontext import basemap_on, basemap_url, map_context
from atlas_ui.maps import clicked_code, draw_map, legend_html
from atlas_ui.panels import CONFIDENCE_TEXT
from atlas_ui.reporting import dominant_map_spec, map_image_buttons, report_button
from atlas_ui.state import KEPT_KEY, area_key
from citisens_core.atlas import Selection, model_fingerprint
from citisens_core.estimate import weighted_interval
from citisens_core.report.staticmap import render_map
from citisens_core.strategy import (
    advice_to_html,
    advice_to_markdown,
    advise,
    load_rules,
    missed_residents,
    plan_campaign,
    tradeoff,
)
from citisens_core.strategy.render import DISCLAIMER

LEVEL_KEY = area_key("st_level")
CODES_KEY = area_key("st_codes")
THEME_KEY = area_key("st_thema")
PHASE_KEY = area_key("st_fase")
STEP_KEY = area_key("st_trede")
MAP_KEY = area_key("st_kaart")
SEEN_KEY = area_key("st_seen_selected")
PLAN_MODE_KEY = area_key("st_plan_mode")
PLAN_N_KEY = area_key("st_plan_n")
PLAN_BUDGET_KEY = area_key("st_plan_budget")
PLAN_MIN_KEY = area_key("st_plan_min")
PLAN_REQUIRED_KEY = area_key("st_plan_verplicht")
MISS_CHANNELS_KEY = area_key("st_mis_kanalen")
MISS_INSTRUMENTS_KEY = area_key("st_mis_instrumenten")
MISS_DEFAULT_KEY = area_key("st_mis_standaard")
MODE_COUNT = "Aantal kanalen"
MODE_BUDGET = "Inspanning (budget)"
TOP = 5
MAX_PLAN_CHANNELS = 8
#: Text from rules and user files, shown literally in st.markdown.
md = literal


# --- choosing areas ----------------------------------------------------------------------


def follow_map_selection(dataset) -> None:
    """A new selection on the Kaart page becomes the area of this page."""
    code = selected_code()
    if code == st.session_state.get(SEEN_KEY):
        return
    st.session_state[SEEN_KEY] = code
    level = dataset.level_of(code) if code else None
    if level is not None:
        set_kept(LEVEL_KEY, level)
        set_kept(CODES_KEY, [code])


def on_extract_click() -> None:
    """A click on the map extract adds the area to the selection, or removes it."""
    dataset = current_dataset()
    code = clicked_code(MAP_KEY)
    store = st.session_state.get(KEPT_KEY, {})
    level = st.session_state.get(LEVEL_KEY, store.get(LEVEL_KEY)) or dataset.most_detailed
    if code is None or dataset.level_of(code) != level:
        return
    codes = list(st.session_state.get(CODES_KEY, store.get(CODES_KEY)) or [])
    set_kept(CODES_KEY, [c for c in codes if c != code] if code in codes else [*codes, code])


def pick_areas(dataset) -> tuple[str, list[str]]:
    """Level and areas; several areas are combined, weighted by households."""
    left, right = st.columns([1, 2.3])
    with left:
        level = level_choice(dataset, key=LEVEL_KEY)
    names = dataset.names(level)
    remember(CODES_KEY, [], list(names))
    with right:
        codes = st.multiselect(
            "Gebied of gebieden (meerdere tellen samen, gewogen naar huishoudens)",
            list(names), key=CODES_KEY, format_func=lambda c: f"{names.get(c, c)} ({c})",
            placeholder="Kies een gebied, of klik op de kaart hieronder")
    keep(CODES_KEY)
    return level, codes


def pick_context(rules, sch) -> tuple[str, str, str]:
    """Theme, phase and ladder step, with the Dutch labels of the rule tables."""
    themes, phases, steps = list(rules.themas), list(rules.fasen), list(sch.ladder)
    c1, c2, c3 = st.columns([1.2, 1, 1.6])
    remember(THEME_KEY, "algemeen", themes)
    thema = c1.selectbox("Thema", themes, key=THEME_KEY,
                         format_func=lambda k: rules.themas[k].naam)
    keep(THEME_KEY)
    remember(PHASE_KEY, phases[0], phases)
    fase = c2.selectbox("Fase", phases, key=PHASE_KEY,
                        format_func=lambda k: rules.fasen[k].naam.capitalize())
    keep(PHASE_KEY)
    remember(STEP_KEY, "raadplegen" if "raadplegen" in steps else steps[0], steps)
    trede = c3.select_slider("Trede op de participatieladder", steps, key=STEP_KEY,
                             format_func=str.capitalize)
    keep(STEP_KEY)
    return thema, fase, trede


# --- sections ----------------------------------------------------------------------------


def map_and_mix(dataset, level: str, choice: Selection, model, sch) -> None:
    """The map extract (clickable) beside the estimated mix and how sure it is."""
    left, right = st.columns([1.15, 1])
    with left:
        st.subheader("Kaart")
        layer, view = extract_map(dataset, level, list(choice.codes), model, sch)
        colouring = layer.colouring
        draw_map(layer, view, list(choice.codes), key=MAP_KEY, height=MAP_EXTRACT_HEIGHT,
                 on_click=on_extract_click, context=map_context(dataset, level, ""),
                 basemap=basemap_url(basemap_on()))
        attribution(dataset)
        st.caption("Zwart omlijnd: de gekozen gebieden. Klik op een gebied om het toe te voegen "
                   "of weg te halen.")
        with st.expander("Legenda: meest voorkomend profiel"):
            st.markdown(legend_html(colouring.title, colouring.legend), unsafe_allow_html=True)
    with right:
        st.subheader("Wie wonen er (naar schatting)")
        label = "Dit gebied" if len(choice.codes) == 1 else "Selectie"
        long = mix_frame({label: choice.mix}, sch)
        chart_with_figures(mix_chart(long, sch, height=330), mix_summary(long),
                           mix_figures(long, sch), width="stretch")
        st.caption("Zwarte streep: 90 %-interval van de schatting"
                   + (" (bij een selectie het gewogen gemiddelde van de intervallen)."
                      if len(choice.codes) > 1 else "."))
        text = CONFIDENCE_TEXT.get(choice.betrouwbaarheid, choice.betrouwbaarheid)
        st.markdown(f"**Betrouwbaarheid:** {md(text)}  \n**Volledigheid van de cijfers:** "
                    f"{pct(choice.volledigheid)} eigen cijfers van het gebied.")
        st.caption(f"Bronnen van de schatting: {md(choice.bronnen)}. {DISCLAIMER}")


def reach_interval(mix, rec, sch) -> str:
    """"30 % (24–36 %)": a reach in whole percents with its 90 % interval."""
    weights = [rec.bereik_per_profiel[k] for k in mix.index]
    value, low, high = weighted_interval(mix, weights)
    return f"{pct(value)} (90 %-interval {interval(low, high)})"


def ranked(recs, shares, sch, instruments: bool, mix) -> None:
    """The top options with their reasons, the reach per profile, and the full table."""
    what = "Geschatte deelname" if instruments else "Geschat bereik"
    for rank, rec in enumerate(recs[:TOP], 1):
        with st.container(border=True):
            extra = (f" · geschiktheid voor fase en trede {pct(rec.geschiktheid or 0)}"
                     if instruments else "")
            if instruments:  # for a channel the score is its reach: no need to say it twice
                extra += f" · score {number(rec.score * 100, 1)}"
            verb = "doet mee" if instruments else "bereikt"
            reach = reach_interval(mix, rec, sch)
            st.markdown(f"**{rank}. {md(rec.naam)}** — naar schatting {reach} van "
                        f"de huishoudens {verb}{extra}")
            st.markdown(md(rec.reden))
    st.markdown(f"**{what} per profiel** (profielen met minstens 5 % van de "
                "huishoudens; de top " + str(min(6, len(recs))) + ")")
    frame = reach_frame(recs, shares, sch, top=6)
    title = "Doet mee (%)" if instruments else "Bereikt (%)"
    chart_with_figures(reach_chart(frame, title),
                       f"Kleine staafdiagrammen per profiel: {what.lower()} van de beste opties; "
                       "de tabel eronder geeft de cijfers.",
                       pivot_figures(frame.sort_values("rang"), "item", "profiel", "label",
                                     "Instrument" if instruments else "Kanaal"), width="content")
    with st.expander("Alle " + ("instrumenten" if instruments else "kanalen")
                     + " met score en bron"):
        st.dataframe(recommendations_table(recs, instruments), width="stretch")
        st.caption("Score: " + ("verwachte deelname (%) maal de geschiktheid voor de gekozen "
                                "fase en trede (0–1)." if instruments else
                                "het verwachte bereik onder alle huishoudens (%)."))


def planner(choice: Selection, sch, rules):
    """The campaign planner: limits in, the best channel mix and the trade-off out."""
    shares = choice.shares
    costs = {k: rules.kanalen[k].inspanning for k in sch.kanalen}
    c1, c2, c3 = st.columns([1, 1.2, 1.2])
    with c1:
        remember(PLAN_MODE_KEY, MODE_COUNT, [MODE_COUNT, MODE_BUDGET])
        mode = st.radio("Beperk op", [MODE_COUNT, MODE_BUDGET], key=PLAN_MODE_KEY)
        keep(PLAN_MODE_KEY)
    with c2:
        if mode == MODE_COUNT:
            remember(PLAN_N_KEY, 3, list(range(1, MAX_PLAN_CHANNELS + 1)))
            count = st.slider("Hoogstens zoveel kanalen", 1, MAX_PLAN_CHANNELS, key=PLAN_N_KEY)
            keep(PLAN_N_KEY)
            budget = None
        else:
            top = int(sum(costs.values()))
            remember(PLAN_BUDGET_KEY, 8, list(range(1, top + 1)))
            budget = st.slider("Inspanningsbudget (punten)", 1, top, key=PLAN_BUDGET_KEY,
                               help="Elk kanaal kost 1 (website) tot 5 (huisbezoek) punten; "
                                    "zie de tabel hieronder.")
            keep(PLAN_BUDGET_KEY)
            count = None
    with c3:
        remember(PLAN_MIN_KEY, 50, list(range(0, 96, 5)))
        minimum = st.slider("Minimaal bereik per aanwezig profiel (%)", 0, 95, step=5,
                            key=PLAN_MIN_KEY) / 100
        keep(PLAN_MIN_KEY)
    remember(PLAN_REQUIRED_KEY, [], list(sch.kanalen))
    required = st.multiselect("Kanalen die er hoe dan ook in moeten (bijvoorbeeld de wettelijke "
                              "publicatie)", list(sch.kanalen), key=PLAN_REQUIRED_KEY,
                              format_func=lambda k: sch.kanalen[k], placeholder="Geen")
    keep(PLAN_REQUIRED_KEY)
    try:
        plan = plan_campaign(shares, max_kanalen=count, budget=budget, min_bereik=minimum,
                             verplicht=required, scheme=sch, rules=rules)
    except ValueError:
        st.warning("Binnen deze grenzen past geen enkele combinatie van kanalen: het budget is "
                   "te klein voor de verplichte kanalen, of er zijn meer verplichte kanalen dan "
                   "het toegestane aantal. Verruim de grenzen.")
        return None
    (st.success if plan.haalbaar else st.warning)(plan.toelichting)
    table = tradeoff(shares, max_kanalen=MAX_PLAN_CHANNELS, min_bereik=minimum, budget=budget,
                     scheme=sch, rules=rules)
    feasible = table[table["haalbaar"]]
    if len(feasible):
        st.markdown(f"Het minimum van {pct(minimum)} per aanwezig profiel is haalbaar vanaf "
                    f"**{int(feasible['aantal_kanalen'].iloc[0])} kanalen**.")
    else:
        st.markdown(f"Met tot {MAX_PLAN_CHANNELS} kanalen haalt geen enkele combinatie "
                    f"{pct(minimum)} bij elk aanwezig profiel.")
    left, right = st.columns([1, 1.15])
    with left:
        st.markdown("**Gekozen kanalen**")
        st.markdown("\n".join(f"- {md(sch.kanalen[k])} (inspanning {costs[k]:g})"
                              for k in plan.kanalen))
        st.altair_chart(profile_bars(plan.bereik_per_profiel, shares, sch, "Bereikt (%)",
                                     minimum=minimum), width="stretch",
                        alt="Staafdiagram: bereik van het plan per profiel; de tabel 'Bereik "
                            "van het plan per profiel' hieronder geeft de cijfers.")
        st.caption("Gestippelde lijn: het gevraagde minimum.")
    with right:
        st.markdown("**Bereik tegenover aantal kanalen** (beste combinatie per aantal)")
        long = tradeoff_frame(table)
        chart_with_figures(tradeoff_chart(long, minimum, len(plan.kanalen)),
                           "Lijndiagram: bereik tegenover het aantal kanalen, voor alle "
                           "huishoudens en voor het slechtst bereikte profiel; de tabel eronder "
                           "geeft de cijfers.",
                           pivot_figures(long, "aantal", "reeks", "label", "Aantal kanalen"),
                           width="stretch")
        st.caption("Grijze baan: het gekozen plan. Gestippelde lijn: het minimum. Elk extra "
                   "kanaal voegt minder toe; de onderste lijn laat zien of geen profiel "
                   "achterblijft.")
    with st.expander("Inspanning per kanaal"):
        st.table({"Kanaal": [sch.kanalen[k] for k in costs],
                  "Inspanning (punten)": [f"{v:g}" for v in costs.values()]})
    with st.expander("Bereik van het plan per profiel (tabel)"):
        st.table(plan_table(plan, sch, shares))
    return plan


def who_we_miss(choice: Selection, advice, thema: str, trede: str, sch, rules) -> None:
    """The residents a chosen set of channels and instruments leaves unreached."""
    shares = choice.shares
    default = (list(advice.gemist_detail.kanalen), list(advice.gemist_detail.instrumenten))
    if st.session_state.get(MISS_DEFAULT_KEY) != default:  # new area or context: start over
        st.session_state[MISS_DEFAULT_KEY] = default
        set_kept(MISS_CHANNELS_KEY, default[0])
        set_kept(MISS_INSTRUMENTS_KEY, default[1])
    st.markdown("Kies wat u van plan bent. Vooraf ingevuld: de "
                f"{len(default[0])} kanalen die samen het meeste bereiken en de "
                f"{len(default[1])} best passende instrumenten.")
    remember(MISS_CHANNELS_KEY, default[0], list(sch.kanalen))
    channels = st.multiselect("Kanalen", list(sch.kanalen), key=MISS_CHANNELS_KEY,
                              format_func=lambda k: sch.kanalen[k], placeholder="Geen kanalen")
    keep(MISS_CHANNELS_KEY)
    remember(MISS_INSTRUMENTS_KEY, default[1], list(sch.instrumenten))
    instruments = st.multiselect("Instrumenten", list(sch.instrumenten), key=MISS_INSTRUMENTS_KEY,
                                 format_func=lambda k: sch.instrumenten[k],
                                 placeholder="Geen instrumenten")
    keep(MISS_INSTRUMENTS_KEY)
    if not channels and not instruments:
        st.info("Kies minstens één kanaal of instrument.")
        return
    missed = missed_residents(shares, channels, instruments, thema=thema, trede=trede,
                              scheme=sch, rules=rules, huishoudens=choice.huishoudens)
    count = (f" (ongeveer {number(missed.huishoudens)} huishoudens)"
             if missed.huishoudens is not None else "")
    st.markdown(f"Met deze keuze blijft naar schatting **{pct(missed.totaal)}** van alle "
                f"huishoudens onbereikt{count}.")
    left, right = st.columns([1, 1.2])
    with left:
        st.altair_chart(profile_bars(missed.per_profiel, shares, sch, "Onbereikt (%)"),
                        width="stretch", alt="Staafdiagram: onbereikt deel per profiel; de "
                        "tabel onder deze grafiek geeft de cijfers.")
    with right:
        if missed.zinnen:
            st.markdown("**Wat hen wel zou bereiken**")
            st.markdown("\n".join(f"- {md(z)}" for z in missed.zinnen))
        else:
            st.success("Elk aanwezig profiel wordt voor minstens de helft bereikt.")
    st.table(missed_table(missed, shares, sch, choice.huishoudens))
    st.caption("Aangenomen is dat elk kanaal en instrument los van de andere bereikt; wie via "
               "meerdere wegen te bereiken is, telt één keer.")


def tone_and_theme(advice) -> None:
    """Tone advice, the theme's and phase's notes, and the sources."""
    left, right = st.columns(2)
    with left:
        st.markdown("**Toon**")
        st.markdown("\n".join(f"- {md(s)}" for s in advice.toon))
    with right:
        st.markdown(f"**Thema: {md(advice.thema_naam)}**")
        st.markdown("\n".join(f"- {md(s)}" for s in advice.thema_notities))
        st.markdown(f"**Fase: {md(advice.fase_naam)}**")
        st.markdown(md(advice.fase_notitie))
    with st.expander("Bronnen en aannames"):
        st.markdown("\n".join(f"- {md(s)}" for s in advice.bronnen))


def downloads(dataset, level: str, choice: Selection, advice, plan, model, sch) -> None:
    """The advice as a note (Markdown, HTML with map), the area report (PDF) and the map."""
    stem = file_stem(choice.naam)
    spec = dominant_map_spec(dataset, level, model, f"{choice.naam} en omgeving", choice.codes)
    png = dataset.memo(("strategie-png", level, choice.codes, model_fingerprint(model)),
                       lambda: render_map(spec, "png", size=(9.0, 5.0), dpi=110))
    markdown = advice_to_markdown(advice, plan, top=TOP, map_path=f"{stem}-kaart.png")
    html_note = advice_to_html(advice, plan, top=TOP, map_png=png)
    c1, c2, c3 = st.columns(3)
    c1.download_button("Notitie (Markdown)", markdown.encode("utf-8"), file_name=f"{stem}.md",
                       mime="text/markdown", key=area_key("st_dl_md"), on_click="ignore",
                       width="stretch")
    c2.download_button("Notitie (HTML, met kaart)", html_note.encode("utf-8"),
                       file_name=f"{stem}.html", mime="text/html", key=area_key("st_dl_html"),
                       on_click="ignore", width="stretch")
    with c3:
        report_button(dataset, level, choice.codes, model, key=area_key("st_dl_pdf"),
                      thema=advice.thema, fase=advice.fase, trede=advice.trede)
    map_image_buttons(spec, f"{stem}-kaart", key=area_key("st_dl"), png=png)
    st.caption("De notitie bevat de geschatte mix, de kanalen en instrumenten met hun redenen, "
               "wie de standaardmix mist, het campagneplan, de toon en de bronnen. Het rapport "
               "(PDF) zet daar de kaart, de intervallen, de vier kenmerken en de portretten bij.")


# --- the page ----------------------------------------------------------------------------


@guarded
def page():
    dataset = current_dataset()
    model = current_model()
    sch = scheme()
    rules = load_rules()
    st.title("Strategie")
    st.caption(f"{md(dataset.title)}. Welke kanalen en participatievormen passen bij de inwoners "
               f"van een gebied, en wie mist een plan? {GROUP_REMINDER}")
    link_to_reach_check()
    follow_map_selection(dataset)
    level, codes = pick_areas(dataset)
    thema, fase, trede = pick_context(rules, sch)
    if not codes:
        st.info("Kies hierboven een of meer gebieden, klik op de kaart hieronder, of selecteer "
                "een gebied op de pagina Kaart.")
        layer, view = extract_map(dataset, level, [], model, sch)
        draw_map(layer, view, key=MAP_KEY, height=MAP_EXTRACT_HEIGHT, on_click=on_extract_click,
                 context=map_context(dataset, level, ""),
                 basemap=basemap_url(basemap_on()))
        attribution(dataset)
        return
    choice = dataset.selection(codes, model)
    if choice is None:
        st.warning("Voor de gekozen gebieden is geen schatting: er wonen (volgens CBS) geen "
                   "huishoudens, of er zijn geen eigen cijfers. Kies een ander gebied.")
        return
    advice = advise(choice.shares, thema=thema, fase=fase, trede=trede, scheme=sch, rules=rules,
                    area_name=choice.naam, huishoudens=choice.huishoudens,
                    betrouwbaarheid=choice.betrouwbaarheid,
                    interval={k: (r.laag, r.hoog) for k, r in choice.mix.iterrows()})

    st.header(f"Advies voor {md(choice.naam)}")
    households = (f"ongeveer {number(choice.huishoudens)} huishoudens · "
                  if choice.huishoudens else "")
    st.markdown(f"{households.capitalize()}thema **{md(advice.thema_naam.lower())}** · "
                f"fase **{md(advice.fase_naam)}** · trede **{md(trede)}** · betrouwbaarheid "
                f"van de schatting **{md(choice.betrouwbaarheid)}**")
    if choice.skipped:
        names = dataset.names(level)
        st.caption("Zonder schatting en daarom niet meegeteld: "
                   + ", ".join(names.get(c, c) for c in choice.skipped) + ".")
    if advice.gedeelde_boodschap:
        st.info(SHARED_MESSAGE, icon=":material/campaign:")
    map_and_mix(dataset, level, choice, model, sch)

    tabs = st.tabs(["Kanalen", "Instrumenten", "Campagneplanner", "Wie missen we",
                    "Toon en thema"])
    with tabs[0]:
        st.caption("Gerangschikt naar het geschatte bereik onder alle huishoudens van "
                   f"{md(choice.naam)}. Elk advies zegt waarom, met de profielen die hier wonen.")
        ranked(advice.kanalen, choice.shares, sch, instruments=False, mix=choice.mix)
    with tabs[1]:
        st.caption(f"Gerangschikt voor de fase {advice.fase_naam} en de trede {trede}: de "
                   "verwachte deelname maal de geschiktheid.")
        ranked(advice.instrumenten, choice.shares, sch, instruments=True, mix=choice.mix)
    with tabs[2]:
        plan = planner(choice, sch, rules)
    with tabs[3]:
        who_we_miss(choice, advice, thema, trede, sch, rules)
    with tabs[4]:
        tone_and_theme(advice)

    st.subheader("Advies downloaden")
    downloads(dataset, level, choice, advice, plan, model, sch)
    st.caption(f"{LEVEL_PLURAL.get(level, level).capitalize()} van {md(dataset.title)}. "
               f"{GROUP_REMINDER}")


page()
