"""Helpers of the Consultatie and Panel pages: uploads kept in memory, safe tables, charts.

Uploaded responses and members live in the session only (never on disk). Every
table, chart and download here is built from the suppressing ``*_table()``
methods of the core, so no group under 10 people shows a number.
"""

from __future__ import annotations

import contextlib
import io
import math
import zipfile
from dataclasses import dataclass

import altair as alt
import pandas as pd
import pydeck as pdk
import streamlit as st

from atlas_ui import werkmap
from atlas_ui.charts import FONT_SIZE, styled
from atlas_ui.classify import NO_DATA_HEX, LegendEntry, hex_to_rgba
from atlas_ui.maps import fit_view
from atlas_ui.state import session_key
from citisens_core.atlas import AreaSet, model_fingerprint
from citisens_core.dutch import number, pct
from citisens_core.geodata import to_geojson_payload
from citisens_core.privacy import SMALL
from citisens_core.residents import Residents, build_residents
from citisens_core.respondents import Responses, ResponsesError, read_responses
from citisens_core.survey import answer_columns

MAX_UPLOAD_MB = 50


@dataclass(frozen=True)
class Upload:
    """A parsed upload kept in the session (memory only)."""

    file_id: str
    responses: Responses


def dataset_residents(dataset: AreaSet, model) -> Residents:
    """The residents of the current data set (memoised per data set and model)."""
    return dataset.memo(("residents", model_fingerprint(model)),
                        lambda: build_residents(dataset, model))


@st.cache_resource(show_spinner="Voorbeeldbestand maken (de eerste keer ongeveer 20 seconden) …")
def demo_file(kind: str) -> bytes:
    """The synthetic consultation or panel of the demo gemeente, as an upload would be."""
    from citisens_core.fictional.consultation import (
        demo_consultation,
        demo_panel,
        to_csv_bytes,
    )

    return to_csv_bytes(demo_consultation() if kind == "consultatie" else demo_panel())


def upload_section(key: str, label: str, require_channel: bool, scheme, kind: str
                   ) -> Responses | None:
    """File uploader + example button; a bad file shows why and keeps the previous one."""
    state_key = session_key(f"{key}_upload")
    left, right = st.columns([3, 1])
    with left:
        file = st.file_uploader(label, type=["csv", "txt", "xlsx"], key=session_key(f"{key}_file"),
                                help=f"CSV (komma of puntkomma) of Excel, hoogstens "
                                     f"{MAX_UPLOAD_MB} MB. {werkmap.where_resident_data_goes()}")
    with right:
        st.write("")
        example = st.button("Voorbeeld van de demogemeente", key=session_key(f"{key}_demo"),
                            width="stretch",
                            help="Een gegenereerd bestand met een bekende scheefheid (fictief).")
    current: Upload | None = st.session_state.get(state_key)
    name = data = None
    if example:
        name, data = f"voorbeeld-{kind}-fictief.csv", demo_file(kind)
    elif file is not None and (current is None or current.file_id != file.file_id):
        name, data = file.name, file.getvalue()
    elif current is None and werkmap.kept_resident_file(kind) is not None:
        name, data = werkmap.kept_resident_file(kind)  # kept in the open werkmap by choice
    if name is not None:
        try:
            responses = read_responses(data, name, answer_columns(scheme),
                                       require_channel=require_channel)
        except ResponsesError as exc:
            st.error(_problems_text(exc))
            if current is not None:
                st.info(f"U ziet nog steeds de uitkomsten van {current.responses.source}.")
        else:
            file_id = file.file_id if (file is not None and not example) else f"demo-{kind}"
            current = Upload(file_id=file_id, responses=responses)
            st.session_state[state_key] = current
            werkmap.keep_resident_file(kind, name, data)  # saved only if the user chose so
    return current.responses if current is not None else None


def _problems_text(exc: ResponsesError) -> str:
    lines = "\n".join(f"- {p}" for p in exc.problems)
    return f"{exc.source} kan niet worden gebruikt:\n{lines}"


def link_to_reach_check() -> None:
    """The link from Strategie to the reach check ("wie hebben we bereikt?").

    Left out when the page runs on its own, outside the app's navigation (tests).
    """
    from streamlit.errors import StreamlitPageNotFoundError

    with contextlib.suppress(StreamlitPageNotFoundError):
        st.page_link("pages/consultatie.py", label="Wie hebben we bereikt? Naar de bereikcheck "
                     "van een consultatie", icon=":material/how_to_vote:")


# --- safe display tables --------------------------------------------------------------------

def _fmt(value, kind: str = "count") -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if value == SMALL:
        return SMALL
    if kind == "pct":
        return pct(value)
    if kind == "ratio":
        return number(value, 2)
    return number(value)


def profile_display(table: pd.DataFrame, who: str = "respondenten") -> pd.DataFrame:
    """The suppressed representation table as Dutch text."""
    rows = []
    for _, r in table.iterrows():
        interval = ("–" if r["verhouding_laag"] is None else
                    f"{_fmt(r['verhouding_laag'], 'ratio')}–{_fmt(r['verhouding_hoog'], 'ratio')}")
        rows.append({"Profiel": r["naam"], f"Aantal {who}": _fmt(r["aantal"]),
                     f"Aandeel {who}": _fmt(r["aandeel_respondenten"], "pct"),
                     "Aandeel huishoudens (schatting)": _fmt(r["aandeel_inwoners"], "pct"),
                     "Verhouding": _fmt(r["verhouding"], "ratio"), "95 %-interval": interval,
                     "Oordeel": r["oordeel"] or "–",
                     "Gewogen aandeel": _fmt(r.get("aandeel_gewogen"), "pct")})
    return pd.DataFrame(rows).set_index("Profiel")


def channel_display(table: pd.DataFrame) -> pd.DataFrame:
    """Channels × profiles: respondents (suppressed), as Dutch text."""
    if table.empty:
        return pd.DataFrame()
    wide = table.assign(waarde=table["aantal"].map(_fmt)).pivot(
        index="kanaal", columns="naam", values="waarde")
    totals = table.groupby("kanaal")["kanaal_aantal"].first().map(_fmt)
    order = list(dict.fromkeys(table["kanaal"]))
    names = list(dict.fromkeys(table["naam"]))
    wide = wide.reindex(index=order, columns=names)
    wide.insert(0, "Totaal", totals.reindex(order))
    wide.index.name = "Kanaal"
    return wide


def area_display(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Buurt": table["naam"], "Wijk": table["wijknaam"],
        "Huishoudens": table["huishoudens"].map(_fmt),
        "Respondenten": table["aantal"].map(_fmt),
        "Verwacht bij evenredige respons": table["verwacht"].map(lambda v: number(v, 1)),
        "Verhouding": table["verhouding"].map(lambda v: _fmt(v, "ratio")),
        "Niemand bereikt": table["gemist"].map({True: "ja", False: ""}),
    }).set_index("Buurt")


def theme_display(table: pd.DataFrame) -> pd.DataFrame:
    def value(row, v, m):
        if row[v] is None:
            return "–"
        if row["soort"] == "gemiddelde":
            return f"{number(row[v], 2)} ± {number(row[m], 2)}"
        return f"{pct(row[v])} ± {number(100 * row[m], 1)} pp"
    return pd.DataFrame([{
        "Vraag": r["vraag"],
        "Antwoord": r["antwoord"] if isinstance(r["antwoord"], str) else "gemiddelde (1-5)",
        "Aantal": _fmt(r["aantal"]), "Ongewogen (± 95 %-marge)": value(r, "ongewogen", "marge"),
        "Gewogen (± 95 %-marge)": value(r, "gewogen", "marge_gewogen")}
        for _, r in table.iterrows()])


# --- charts ---------------------------------------------------------------------------------

def ratio_chart(table: pd.DataFrame, scheme) -> alt.LayerChart:
    """Representation ratio per profile with its 95 % interval; small groups are left out."""
    colours = {p.naam: p.kleur for p in scheme.profielen}
    shown = table[table["aantal"] != SMALL]
    frame = pd.DataFrame({
        "profiel": shown["naam"], "verhouding": shown["verhouding"].astype(float),
        "laag": shown["verhouding_laag"].astype(float),
        "hoog": shown["verhouding_hoog"].astype(float),
        "kleur": shown["naam"].map(colours), "oordeel": shown["oordeel"],
        "label": shown["verhouding"].map(lambda v: number(v, 2))})
    order = list(table["naam"])
    base = alt.Chart(frame).encode(y=alt.Y("profiel:N", sort=order, title=None))
    scale = alt.Scale(type="log", domain=[0.2, 5], clamp=True)
    rule = base.mark_rule(strokeWidth=3, color="#333").encode(
        x=alt.X("laag:Q", scale=scale, title="Verhouding (logaritmische schaal)",
                axis=alt.Axis(values=[0.25, 0.5, 1, 2, 4])),
        x2="hoog:Q")
    point = base.mark_point(filled=True, size=180, opacity=1).encode(
        x=alt.X("verhouding:Q", scale=scale),
        color=alt.Color("kleur:N", scale=None, legend=None),
        tooltip=[alt.Tooltip("profiel:N", title="Profiel"),
                 alt.Tooltip("label:N", title="Verhouding"),
                 alt.Tooltip("oordeel:N", title="Oordeel")])
    text = base.mark_text(align="left", dx=10, dy=-10, fontSize=FONT_SIZE).encode(
        x=alt.X("verhouding:Q", scale=scale), text="label:N")
    one = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(
        strokeDash=[6, 4], color="black").encode(x=alt.X("x:Q", scale=scale))
    chart = alt.layer(one, rule, point, text).properties(height=max(40 * len(order), 80))
    return styled(chart, label_limit=300)


def zip_tables(tables: dict[str, pd.DataFrame]) -> bytes:
    """Display tables (already suppressed) as CSV files in one zip (UTF-8, semicolons)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, table in tables.items():
            archive.writestr(f"{name}.csv", table.to_csv(sep=";", lineterminator="\n"))
    return buffer.getvalue()


# --- the reach map --------------------------------------------------------------------------

#: Respondents per buurt against a proportional response: diverging red–blue
#: (ColorBrewer RdBu, colour-blind safe), upper bound of the ratio per class.
REACH_CLASSES: tuple[tuple[float, str, str], ...] = (
    (0.5, "#b2182b", "minder dan de helft van verwacht"),
    (0.8, "#ef8a62", "0,5 tot 0,8 keer verwacht"),
    (1.25, "#f7f7f7", "ongeveer zoals verwacht"),
    (2.0, "#67a9cf", "1,25 tot 2 keer verwacht"),
    (math.inf, "#2166ac", "meer dan 2 keer verwacht"),
)
NOBODY = ("#3f007d", "niemand bereikt")
SMALL_AREA = ("#9e9e9e", "minder dan 10 respondenten")
NOT_JUDGED = (NO_DATA_HEX, "te weinig huishoudens om te beoordelen")
REACH_LAYER_ID = "bereik"


def reach_class(row) -> tuple[str, str]:
    """Colour and label of one row of the (suppressed) area table."""
    if row["aantal"] == SMALL:
        return SMALL_AREA
    if row["gemist"]:
        return NOBODY
    ratio = row["verhouding"]
    if row["aantal"] == 0 or ratio is None or (isinstance(ratio, float) and math.isnan(ratio)):
        return NOT_JUDGED
    return next((colour, label) for bound, colour, label in REACH_CLASSES if ratio < bound)


def reach_map(dataset: AreaSet, level: str, table: pd.DataFrame
              ) -> tuple[pdk.Deck, list[LegendEntry]]:
    """The buurten coloured by response against a proportional response, with its legend.

    Built from the suppressed area table, so a buurt with 1-9 respondents shows
    "< 10" in its tooltip and its own colour, never its count or ratio.
    """
    rows = table.set_index("code")
    geo = dataset.levels[level]
    geo = geo[geo["code"].astype(str).isin(rows.index)].copy()
    classes = [reach_class(rows.loc[str(c)]) for c in geo["code"].astype(str)]
    geo["respondenten"] = [_fmt(rows.at[str(c), "aantal"]) for c in geo["code"].astype(str)]
    geo["verwacht"] = [number(rows.at[str(c), "verwacht"], 1) for c in geo["code"].astype(str)]
    geo["oordeel"] = [label for _, label in classes]
    payload = to_geojson_payload(geo, ["code", "naam", "respondenten", "verwacht", "oordeel"])
    colour_of = dict(zip(geo["code"].astype(str), (c for c, _ in classes), strict=True))
    for feature in payload["features"]:
        feature["properties"]["kleur"] = hex_to_rgba(colour_of[str(feature["properties"]["code"])])
    layer = pdk.Layer("GeoJsonLayer", id=REACH_LAYER_ID, data=payload, pickable=True,
                      stroked=True, filled=True, get_fill_color="properties.kleur",
                      get_line_color=[90, 90, 90, 200], line_width_min_pixels=0.7)
    deck = pdk.Deck(layers=[layer], initial_view_state=pdk.ViewState(
        **fit_view(tuple(geo.total_bounds), height_px=REACH_MAP_HEIGHT)), map_provider=None,
        tooltip={"html": "<b>{naam}</b><br/>Respondenten: {respondenten}<br/>"
                         "Verwacht bij evenredige respons: {verwacht}<br/>{oordeel}",
                 "style": {"backgroundColor": "#1b1b1b", "color": "white", "fontSize": "15px"}})
    counts = pd.Series([label for _, label in classes]).value_counts()
    palette = [(c, lbl) for _, c, lbl in REACH_CLASSES] + [NOBODY, SMALL_AREA, NOT_JUDGED]
    legend = [LegendEntry(c, lbl, int(counts.get(lbl, 0)), no_data=(c, lbl) == NOT_JUDGED)
              for c, lbl in palette if counts.get(lbl, 0)]
    return deck, legend


REACH_MAP_HEIGHT = 460
