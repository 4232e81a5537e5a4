"""Profielen: the eight pen portraits with characteristics, channels and national share."""

import html

import streamlit as st

from atlas_ui.charts import profile_characteristics_chart
from atlas_ui.data import scheme
from atlas_ui.format import GROUP_REMINDER, number, pct
from atlas_ui.layout import guarded

AFFINITY_WORDS = {5: "werkt heel goed", 4: "werkt goed", 3: "werkt soms"}


def top_items(scores, labels, n: int = 4) -> list[str]:
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])[:n]
    return [f"{labels.get(k, k)} ({AFFINITY_WORDS.get(v, 'werkt matig')})"
            for k, v in ranked if v >= 3]


def profile_card(profile, sch) -> None:
    with st.container(border=True):
        share = pct(profile.aandeel)
        source = ("**aanname** van dit project" if profile.is_assumption
                  else f"bron: {html.escape(profile.aandeel_bron)}")
        # the profile's name is a heading (h2 under the page title) for the outline
        st.markdown(
            f"<h2 style='font-size:1.45rem;padding:0'><span aria-hidden='true' "
            f"style='display:inline-block;width:1.1em;height:1.1em;vertical-align:-.15em;"
            f"margin-right:.5em;background:{html.escape(profile.kleur)};"
            f"border:1px solid #555'></span>{html.escape(profile.naam)}</h2>",
            unsafe_allow_html=True)
        st.markdown(f"Landelijk aandeel: **{share}** ({source})")
        st.markdown(profile.portret)
        names = {c.key: c.naam for c in sch.kenmerken}
        scores = "; ".join(f"{names.get(k, k)} {number(v, 1)}"
                           for k, v in profile.kenmerken.items())
        st.altair_chart(profile_characteristics_chart(profile, sch), width="stretch",
                        alt=f"Kenmerken van {profile.naam} op een schaal van 1 tot 5: {scores}.")
        st.caption(f"Kenmerken: {profile.kenmerken_bron}")
        channels = top_items(profile.kanalen, dict(sch.kanalen))
        instruments = top_items(profile.instrumenten, dict(sch.instrumenten), n=3)
        st.markdown("**Kanalen die werken:** " + ("; ".join(channels) or "–"))
        st.markdown("**Instrumenten:** " + ("; ".join(instruments) or "–"))
        st.markdown("**Treden van de participatieladder:** " + ", ".join(profile.ladder))
        st.caption(f"Kanalen en instrumenten: {profile.kanalen_bron}")


@guarded
def page():
    sch = scheme()
    st.title("De acht betrokkenheidsprofielen")
    st.markdown(
        f"{html.escape(sch.naam)}. Elk profiel beschrijft hoe een groep huishoudens meedoet: "
        "hoe betrokken ze zijn bij hun omgeving, hoeveel vertrouwen ze hebben in de gemeente, "
        "of ze liever meedenken of meedoen, en of ze liever online of persoonlijk bereikt "
        f"worden. {GROUP_REMINDER}")
    st.caption(f"Bron: {sch.bron}")
    columns = st.columns(2)
    for i, profile in enumerate(sch.profielen):
        with columns[i % 2]:
            profile_card(profile, sch)


page()
