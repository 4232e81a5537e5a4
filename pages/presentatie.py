"""Presentatie: a clean full-screen view for a projector, one area per slide.

Per area the map (legend, title and credit drawn in) and one key message in
large type; the presenter steps with the buttons or the arrow keys. Sidebar,
header and every other widget are hidden while presenting.
"""

import html

import streamlit as st

from atlas_ui.data import current_dataset, current_model, scheme
from atlas_ui.format import GROUP_REMINDER, LEVEL_NAMES, interval, pct
from atlas_ui.layout import guarded, keep, level_choice, remember, selected_code
from atlas_ui.reporting import area_section
from atlas_ui.state import KEPT_KEY, area_key
from citisens_core.report.content import CONFIDENCE_TEXT, households_text, key_message

LEVEL_KEY = area_key("pr_level")
CODES_KEY = area_key("pr_codes")
RUNNING_KEY = area_key("pr_actief")
STEP_KEY = area_key("pr_stap")

#: While presenting: no sidebar, header or toolbar; the slide uses the whole screen.
PRESENT_CSS = """
<style>
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
  [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"]
    { display: none !important; }
  [data-testid="stMain"] { margin-left: 0 !important; }
  [data-testid="stMainBlockContainer"] { max-width: 100% !important;
    padding: 1.2rem 2.5rem 1rem !important; }
  .atlas-slide-title { font-size: 3.2rem; font-weight: 700; line-height: 1.1; margin: 0; }
  .atlas-slide-sub { font-size: 1.4rem; color: #333; margin: .3rem 0 1rem; }
  .atlas-slide-message { font-size: 2.1rem; line-height: 1.3; font-weight: 600; }
  .atlas-slide-list li { font-size: 1.55rem; line-height: 1.5; }
  .atlas-slide-foot { font-size: 1.05rem; color: #333; margin-top: .8rem; }
</style>
"""


def default_codes(dataset, level: str) -> list[str]:
    """The areas of the analysis (or the map's selection) when of this level."""
    kept = st.session_state.get(KEPT_KEY, {})
    names = dataset.names(level)
    codes = [c for c in kept.get(area_key("an_codes")) or [] if c in names]
    if not codes and selected_code() in names:
        codes = [selected_code()]
    return codes


def setup(dataset) -> None:
    st.title("Presentatie")
    st.caption("Een rustige weergave voor de beamer: per gebied de kaart met legenda en één "
               "kernboodschap in grote letters, zonder zijbalk of knoppen. Blader met ← en → "
               "(of de knoppen onderaan); Esc stopt.")
    level = level_choice(dataset, key=LEVEL_KEY)
    names = dataset.names(level)
    remember(CODES_KEY, default_codes(dataset, level), list(names))
    codes = st.multiselect("Gebieden, in de volgorde van de presentatie", list(names),
                           key=CODES_KEY, format_func=lambda c: f"{names.get(c, c)} ({c})",
                           placeholder="Kies een of meer gebieden")
    keep(CODES_KEY)
    if st.button("Start presentatie", type="primary", disabled=not codes,
                 icon=":material/slideshow:"):
        st.session_state[RUNNING_KEY] = True
        st.session_state[STEP_KEY] = 0
        st.rerun()


def step(delta: int, count: int) -> None:
    st.session_state[STEP_KEY] = min(max(st.session_state.get(STEP_KEY, 0) + delta, 0),
                                     count - 1)


def stop() -> None:
    st.session_state[RUNNING_KEY] = False


def slide(dataset, level: str, codes: list[str], model, sch) -> None:
    st.markdown(PRESENT_CSS, unsafe_allow_html=True)
    index = min(st.session_state.get(STEP_KEY, 0), len(codes) - 1)
    code = codes[index]
    row = dataset.estimate_row(code, model)
    name = dataset.names(level).get(code, code)
    e = html.escape
    if row is None or not bool(row["heeft_schatting"]):
        st.markdown(f"<div class='atlas-slide-title'>{e(name)}</div>"
                    "<div class='atlas-slide-message'>Voor dit gebied is geen schatting: er "
                    "wonen (volgens CBS) geen huishoudens.</div>", unsafe_allow_html=True)
    else:
        section = area_section(dataset, level, code, model)
        st.markdown(f"<div class='atlas-slide-title'>{e(section.naam)}</div>"
                    f"<div class='atlas-slide-sub'>{e(LEVEL_NAMES[level])} · "
                    f"{e(households_text(section))} · gebied {index + 1} van {len(codes)}</div>",
                    unsafe_allow_html=True)
        left, right = st.columns([1.8, 1], gap="large")
        with left:
            st.image(section.map_png, width="stretch",
                     caption=f"Kaart van {section.naam} en omgeving")
        with right:
            top = [(sch.profile(k).naam, section.mix.loc[k]) for k in section.top[:3]]
            items = "".join(f"<li>{e(naam)}: {pct(r['aandeel'])} "
                            f"<span style='color:#444'>({interval(r['laag'], r['hoog'])})</span>"
                            "</li>" for naam, r in top)
            confidence = CONFIDENCE_TEXT.get(section.betrouwbaarheid, section.betrouwbaarheid)
            st.markdown(f"<div class='atlas-slide-message'>{e(key_message(section, sch))}</div>"
                        f"<ul class='atlas-slide-list'>{items}</ul>"
                        f"<div class='atlas-slide-foot'>Tussen haakjes: 90 %-interval. "
                        f"Betrouwbaarheid {e(confidence)}.</div>", unsafe_allow_html=True)
    st.markdown(f"<div class='atlas-slide-foot'>{e(GROUP_REMINDER)} · "
                f"{e(dataset.attribution)}</div>", unsafe_allow_html=True)
    back, forward, end = st.columns([1, 1, 1])
    back.button("Vorige", icon=":material/arrow_back:", shortcut="Left", width="stretch",
                on_click=step, args=(-1, len(codes)), disabled=index == 0)
    forward.button("Volgende", icon=":material/arrow_forward:", shortcut="Right",
                   width="stretch", on_click=step, args=(1, len(codes)),
                   disabled=index == len(codes) - 1)
    end.button("Stoppen", icon=":material/close:", shortcut="Esc", width="stretch",
               on_click=stop)


@guarded
def page():
    dataset = current_dataset()
    model = current_model()
    kept = st.session_state.get(KEPT_KEY, {})
    level = st.session_state.get(LEVEL_KEY, kept.get(LEVEL_KEY)) or dataset.most_detailed
    codes = [c for c in (st.session_state.get(CODES_KEY) or kept.get(CODES_KEY) or [])
             if c in dataset.names(level)]
    if st.session_state.get(RUNNING_KEY) and codes:
        slide(dataset, level, codes, model, scheme())
    else:
        st.session_state[RUNNING_KEY] = False
        setup(dataset)


page()
