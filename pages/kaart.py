"""Kaart: the profile mix of the chosen gemeente on a map, with a side panel per area."""

import streamlit as st

from atlas_ui.data import current_dataset, current_model, scheme
from atlas_ui.format import KEY_FIGURES, LEVEL_NAMES, LEVEL_PLURAL, figure_label, literal
from atlas_ui.layout import (
    PAGE_ANALYSE,
    attribution,
    guarded,
    keep,
    level_choice,
    remember,
    select,
    selected_code,
    set_kept,
)
from atlas_ui.map_table import (
    ANCHOR,
    apply_table_choice,
    map_in_text,
    map_text,
)
from atlas_ui.mapcontext import BASEMAP_CREDIT, basemap_toggle, basemap_url, map_context
from atlas_ui.maps import (
    MODE_DOMINANT,
    MODE_FIGURE,
    MODE_PROFILE,
    MODES,
    clicked_code,
    draw_map,
    fit_view,
    legend_html,
    map_layer,
)
from atlas_ui.panels import area_panel
from atlas_ui.reporting import map_image_buttons, map_spec, report_button
from atlas_ui.search import search_areas
from atlas_ui.state import area_key

VIEWS_KEY = area_key("views")
SEARCH_DONE_KEY = area_key("search_done")
MAP_KEY = area_key("kaart")


def on_map_click() -> None:
    """A click on an area selects it; a click beside the areas clears the selection."""
    select(clicked_code(MAP_KEY))


def colouring_controls(sch):
    remember(area_key("mode"), MODE_DOMINANT, list(MODES))
    mode = st.selectbox("Kleur de kaart naar", MODES, key=area_key("mode"))
    keep(area_key("mode"))
    if mode == MODE_PROFILE:
        remember(area_key("mode_profile"), sch.keys[0], list(sch.keys))
        key = st.selectbox("Profiel", list(sch.keys), format_func=lambda k: sch.profile(k).naam,
                           key=area_key("mode_profile"))
        keep(area_key("mode_profile"))
        return mode, key
    if mode == MODE_FIGURE:
        remember(area_key("mode_figure"), KEY_FIGURES[0], list(KEY_FIGURES))
        column = st.selectbox("CBS-cijfer", KEY_FIGURES, format_func=figure_label,
                              key=area_key("mode_figure"))
        keep(area_key("mode_figure"))
        return mode, column
    return mode, None


ALL_GEMEENTEN = ""
#: Up to this many gemeenten a file opens on all of them; above it on the largest one.
OVERVIEW_LIMIT = 15


def is_national(dataset) -> bool:
    """A file with many gemeenten opens on the gemeenten of all of it, then descends."""
    return len(dataset.gemeente_names()) > OVERVIEW_LIMIT and "gemeente" in dataset.levels


def gemeente_choice(dataset, level: str) -> str:
    """The gemeente to map ('' = all), shown when the file holds more than one."""
    names = dataset.gemeente_names()
    if len(names) < 2:
        return ALL_GEMEENTEN
    overview = len(names) <= OVERVIEW_LIMIT or level == "gemeente"
    default = ALL_GEMEENTEN if overview else next(iter(names))
    options = [ALL_GEMEENTEN, *sorted(names, key=names.get)]
    remember(area_key("gemeente"), default, options)
    choice = st.selectbox("Gemeente", options, key=area_key("gemeente"),
                          format_func=lambda c: names.get(c, f"Alle {len(names)} gemeenten"))
    keep(area_key("gemeente"))
    return choice


def show_gemeente_of(dataset, level: str, code: str) -> None:
    """A search found an area outside the mapped gemeente: map that area's gemeente."""
    current = st.session_state.get(area_key("gemeente"), ALL_GEMEENTEN)
    table = dataset.levels[level]
    found = table.loc[table["code"].astype(str) == code, "gemeentecode"].astype(str)
    gemeente = found.iloc[0] if len(found) else None
    if current and gemeente in dataset.gemeente_names() and gemeente != current:
        set_kept(area_key("gemeente"), gemeente)
        st.session_state[area_key("gemeente")] = gemeente


def zoom_in(level: str, gemeente: str) -> None:
    """Show the wijken or buurten of one gemeente (a button's callback: before the widgets)."""
    set_kept(area_key("level"), level)
    set_kept(area_key("gemeente"), gemeente)
    st.session_state[area_key("search")] = ""  # a gemeente's name finds no buurt
    select(None)


def zoom_in_buttons(dataset, code: str) -> None:
    """After a click on a gemeente: descend to its wijken or buurten."""
    name = dataset.names("gemeente").get(code, code)
    for level in ("wijk", "buurt"):
        if level in dataset.levels and dataset.in_gemeente(level, code).any():
            st.button(f"Inzoomen op de {LEVEL_PLURAL[level]} van {name}",
                      key=area_key(f"zoom_{level}"), on_click=zoom_in, args=(level, code))


def search_box(dataset, level, views):
    query = st.text_input("Zoek een gebied", key=area_key("search"),
                          placeholder="naam, buurt- of wijkcode, of postcode (1234 AB)")
    codes, note = search_areas(dataset, level, query)
    if note:
        st.info(note)
    if query.strip() and not codes and not note:
        st.info(f"Geen {LEVEL_PLURAL[level]} gevonden voor ‘{literal(query)}’.")
    if not codes:
        return
    names = dataset.names(level)
    chosen = codes[0]
    if len(codes) > 1:
        chosen = st.selectbox(f"{len(codes)} gevonden", codes, key=area_key("search_pick"),
                              format_func=lambda c: f"{names.get(c, c)} ({c})")
    signature = (dataset.key, level, chosen)
    if st.session_state.get(SEARCH_DONE_KEY) != signature:
        st.session_state[SEARCH_DONE_KEY] = signature
        select(chosen)
        show_gemeente_of(dataset, level, chosen)
        table = dataset.levels[level]
        geom = table.loc[table["code"].astype(str) == chosen, "geometry"]
        if len(geom) and geom.iloc[0] is not None:
            gemeente = st.session_state.get(area_key("gemeente"), ALL_GEMEENTEN)
            views[(dataset.key, level, gemeente)] = fit_view(geom.iloc[0].bounds)


def downloads(dataset, level, gemeente, colouring, mode, model, code) -> None:
    """The map as an image (as coloured now), and the report on the clicked area."""
    title = f"{colouring.title} per {LEVEL_NAMES[level].lower()} — {dataset.title}"
    c1, c2 = st.columns([2, 1])
    with c1:
        map_image_buttons(map_spec(dataset, level, gemeente, colouring, mode, model, title,
                                   [code] if code else []), f"kaart-{level}",
                          key=area_key("kaart_beeld"))
    with c2:
        report_button(dataset, level, [code] if code else [], model,
                      key=area_key("kaart_rapport"),
                      label="Rapport (PDF)" if code else "Rapport: klik eerst een gebied")


@guarded
def page():
    dataset = current_dataset()
    model = current_model()
    sch = scheme()
    apply_table_choice()
    st.title(f"Kaart — {literal(dataset.title)}")
    views = st.session_state.setdefault(VIEWS_KEY, {})
    top = st.columns([1.5, 1, 1.2])
    with top[0]:
        level = level_choice(dataset, key=area_key("level"),
                             default="gemeente" if is_national(dataset) else None)
    with top[2]:  # before the gemeente choice: a search may switch the gemeente
        search_box(dataset, level, views)
    with top[0]:
        gemeente = gemeente_choice(dataset, level)
    if selected_code() is not None and dataset.level_of(selected_code()) != level:
        select(None)  # a selection never outlives its level
    with top[1]:
        mode, param = colouring_controls(sch)
        basemap = basemap_toggle()

    inside = dataset.in_gemeente(level, gemeente)
    table = dataset.levels[level][inside]
    est = dataset.estimates(level, model)[inside.to_numpy()]
    view_key = (dataset.key, level, gemeente)
    if view_key not in views:
        views[view_key] = fit_view(tuple(table.total_bounds))

    layer = map_layer(dataset, level, gemeente, mode, param, model, sch)
    colouring = layer.colouring
    code = selected_code()

    rows, summary = map_text(dataset, level, gemeente, mode, param, model, sch)
    # the map for keyboard and screen-reader users: a skip link to its table
    st.markdown(f"[Naar de kaart als tabel, met een samenvatting](#{ANCHOR})")
    left, right = st.columns([2.2, 1])
    with left:
        draw_map(layer, views[view_key], [code] if code else [], key=MAP_KEY,
                 on_click=on_map_click, description=f"Kaart. {summary}",
                 context=map_context(dataset, level, gemeente), basemap=basemap_url(basemap))
        attribution(dataset)
        if basemap:
            st.caption(BASEMAP_CREDIT)
        downloads(dataset, level, gemeente, colouring, mode, model, code)
        if code is not None:
            st.caption("Zwart omlijnd: het gekozen gebied. Klik naast de gebieden om de keuze "
                       "op te heffen.")
        for warning in dataset.waarschuwingen[:3]:
            st.caption(f"Let op: {literal(warning)}")
        without_figures = int((est["betrouwbaarheid"] == "zeer laag").sum())
        if without_figures > len(est) / 2:
            st.warning(
                f"Voor {without_figures} van de {len(est)} gebieden staan in dit bestand geen "
                "eigen cijfers (dat is zo bij een eerste, voorlopige CBS-uitgave, 'v1'). Daar "
                "volgt de schatting de wijk, de gemeente of het land: betrouwbaarheid zeer laag. "
                "Een latere uitgave (v2 of v3) geeft een beter beeld.")
        map_in_text(rows, summary, level)
    with right:
        st.markdown(legend_html(colouring.title, colouring.legend), unsafe_allow_html=True)
        st.divider()
        if code is None:
            st.markdown("Klik op een gebied op de kaart, of zoek het op, om de profielen te "
                        "zien.")
        else:
            if dataset.level_of(code) == "gemeente":
                zoom_in_buttons(dataset, code)
            if area_panel(dataset, code, model):
                set_kept(area_key("an_level"), dataset.level_of(code))
                set_kept(area_key("an_codes"), [code])
                st.switch_page(PAGE_ANALYSE)


page()
